"""Recorder: a relay on 127.0.0.1 that forwards a WebSocket conversation and records it.

A client connects to the recorder instead of the real server; the recorder connects to the
target (``ws://`` or ``wss://`` with certificate verification), passes the upgrade request on,
and from then on forwards every byte both ways unchanged, while decoding a copy of the frames
into a :class:`~fnc_websocket.testing.cassette.Cassette`::

    with Recorder("wss://feed.example.com/prices") as recorder:
        run_my_client(recorder.url)
    recorder.save("prices.json")

Two things in the upgrade request change on the way: ``Host`` names the target, and the
``Sec-WebSocket-Extensions`` offer is removed so that frames cross the relay uncompressed and
are recorded in the clear. Extra headers (``headers=``) are added or replace the client's. The
recorded request has the path the client asked for and the headers the target received, with
the values of secret headers (``Authorization``, ``Cookie``, ``Set-Cookie``, ...) replaced by
``<redacted>`` unless named in ``keep_headers``; so has the recorded response.

Threads: one accept thread and one relay thread per connection, all joined by :meth:`stop`.
Every socket operation is bounded by ``io_timeout``.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from urllib.parse import urlsplit

import attrs

from fnc_websocket.testing._relay import Relay
from fnc_websocket.testing._sockets import Listener, shutdown_socket
from fnc_websocket.testing._waiting import MockTimeoutError, wait_until
from fnc_websocket.testing.cassette import DEFAULT_REDACTED_HEADERS, Cassette, RecordedConnection

__all__ = ["Recorder", "RecorderError", "Target", "parse_target"]


class RecorderError(Exception):
    """The recorder cannot start or record: bad target URL, port in use, oversized message."""


@attrs.frozen
class Target:
    """Where the recorder connects: parsed from a ``ws://`` or ``wss://`` URL."""

    secure: bool
    host: str
    port: int
    path: str
    """Path and query; ``""`` when the URL has none (the client's own path is used)."""

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.secure else 80
        return host if self.port == default else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{'wss' if self.secure else 'ws'}://{self.host_header}{self.path or '/'}"


def parse_target(url: str) -> Target:
    """Parse the target URL; :class:`RecorderError` says what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RecorderError(f"bad target URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss") or not parts.hostname:
        raise RecorderError(f"bad target URL {url!r}: expected ws://host[:port]/path or wss://...")
    path = parts.path if parts.path not in ("", "/") or parts.query else ""
    if parts.query:
        path = (parts.path or "/") + "?" + parts.query
    return Target(scheme == "wss", parts.hostname,
                  port if port is not None else (443 if scheme == "wss" else 80), path)


class Recorder:
    """A recording relay on ``host`` (127.0.0.1) and ``port`` (0: an ephemeral one) to ``target``.

    ``start()`` (or ``with``) listens; clients connect to :attr:`url`. :attr:`cassette` is the
    recording so far (connections in the order they were accepted); :meth:`save` writes it.
    ``stop()`` waits up to ``grace`` seconds for open conversations to end by themselves, then
    cuts the rest and joins every thread. ``ssl_context`` verifies a ``wss://`` target (default:
    the system's trusted CAs).
    """

    def __init__(
        self,
        target: str,
        *,
        headers: Iterable[tuple[str, str]] | dict[str, str] = (),
        keep_headers: Iterable[str] = (),
        redacted_headers: Iterable[str] = DEFAULT_REDACTED_HEADERS,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        io_timeout: float = 10.0,
        max_message_size: int = 16 * 1024 * 1024,
        max_recorded_bytes: int = 128 * 1024 * 1024,
        on_connection_end: Callable[[RecordedConnection | None], None] | None = None,
    ) -> None:
        self.target = parse_target(target)
        self.on_connection_end = on_connection_end
        """Called on the relay's thread when a connection ends, with its recording (None when
        it ended before the target answered the upgrade)."""
        self.headers: list[tuple[str, str]] = list(
            headers.items() if isinstance(headers, dict) else headers)
        self._extra_names = {name.lower() for name, _ in self.headers}
        self.keep_headers = frozenset(name.lower() for name in keep_headers)
        self.redacted_headers = frozenset(name.lower() for name in redacted_headers)
        self.ssl_context = ssl_context if ssl_context is not None else (
            ssl.create_default_context())
        self.io_timeout = io_timeout
        self.max_message_size = max_message_size
        """Largest message recorded; a larger one ends its connection (an error)."""
        self.max_recorded_bytes = max_recorded_bytes
        """Bound on all payloads recorded; past it, connections end (an error)."""
        self._recorded_bytes = 0
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._listener: Listener | None = None
        self._accepted_count = 0
        self._relays: list[Relay] = []
        self._errors: list[str] = []

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"<Recorder {where} -> {self.target} connections={len(self._relays)}>"

    @property
    def host(self) -> str:
        """The address the recorder listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The listening port (RuntimeError before start())."""
        if self._port is None:
            raise RuntimeError("Recorder is not started: call start() or use 'with'")
        return self._port

    @property
    def url(self) -> str:
        """``ws://host:port/`` plus the target's path: where clients connect."""
        return f"ws://{self._host}:{self.port}{self.target.path or '/'}"

    @property
    def errors(self) -> list[str]:
        """What went wrong: unreachable target, failed TLS, oversized messages (snapshot)."""
        with self._cond:
            return list(self._errors)

    def report_error(self, text: str) -> None:
        """Add ``text`` to :attr:`errors` (called by the relay threads)."""
        with self._cond:
            self._errors.append(text)
            self._cond.notify_all()

    def start(self) -> Recorder:
        """Listen and start the accept thread; returns self. :class:`RecorderError` if the port
        cannot be bound."""
        listener = Listener("fnc-ws-recorder", self._accepted, lambda: self.io_timeout)
        try:
            self._port = listener.open(self._host, self._requested_port)
        except OSError as exc:
            raise RecorderError(f"cannot listen on {self._host}:{self._requested_port}: "
                                f"{exc.strerror or exc}") from None
        self._listener = listener
        return self

    def _accepted(self, sock: socket.socket, address: tuple[str, int]) -> bool:
        """(accept thread) Relay a new connection; False once the recorder is stopping."""
        with self._cond:
            if self._stopping.is_set():
                sock.close()
                return False
            self._accepted_count += 1
            relay = Relay(self, sock, address, self._accepted_count)
            self._relays.append(relay)
        relay.thread.start()
        return True

    @property
    def connection_count(self) -> int:
        """Connections accepted so far."""
        with self._cond:
            return len(self._relays)

    @property
    def finished_count(self) -> int:
        """Connections whose relay has ended."""
        with self._cond:
            return sum(1 for relay in self._relays if relay.finished)

    def wait_finished(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``count`` connections have ended (:class:`MockTimeoutError` otherwise)."""
        wait_until(self._cond, lambda: self.finished_count >= count, timeout,
                   lambda: f"waiting for {count} recorded connection(s) to end "
                           f"({self.finished_count} of {self.connection_count} ended)")

    @property
    def cassette(self) -> Cassette:
        """The recording so far (connections in progress included, as far as they got)."""
        with self._cond:
            relays = list(self._relays)
        recorded = [snapshot for snapshot in (relay.snapshot() for relay in relays)
                    if snapshot is not None]
        return Cassette(connections=tuple(recorded), target=str(self.target))

    def save(self, path: str | os.PathLike[str]) -> Cassette:
        """Write :attr:`cassette` to ``path``; returns it."""
        cassette = self.cassette
        cassette.save(path)
        return cassette

    def stop(self, timeout: float = 5.0, grace: float = 2.0) -> None:
        """Wait up to ``grace`` s for open connections to end, then cut them and join every
        thread (RuntimeError naming threads alive after ``timeout``). Idempotent."""
        if self._listener is not None and not self._stopping.is_set():
            try:
                wait_until(self._cond, lambda: all(r.finished for r in self._relays), grace,
                           lambda: "waiting for recorded connections to end")
            except MockTimeoutError:
                pass
        self._stopping.set()
        if self._listener is not None:
            self._listener.stop_accepting()
        deadline = time.monotonic() + timeout
        alive = []
        if self._listener is not None:
            late = self._listener.join(deadline - time.monotonic())
            if late is not None:
                alive.append(late)
        with self._cond:
            relays = list(self._relays)
        for relay in relays:
            for sock in (relay.client, relay.target):
                if sock is not None:
                    shutdown_socket(sock)
            if relay.thread.ident is not None:
                relay.thread.join(max(0.0, deadline - time.monotonic()))
                if relay.thread.is_alive():
                    alive.append(relay.thread.name)
        if self._listener is not None:
            self._listener.close()
        if alive:
            raise RuntimeError(f"Recorder.stop(): threads still alive after {timeout} s: {alive}")

    def __enter__(self) -> Recorder:
        if self._port is None:
            self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
