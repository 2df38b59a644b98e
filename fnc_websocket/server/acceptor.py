"""The accept thread: accepts TCP connections and waits for their requests without a thread each.

A socket costs no thread until its client has said something worth a thread: the accept thread
keeps every accepted socket in one selector, runs its TLS handshake (non-blocking) and reads its
request head (up to the blank line, at most ``HEAD_LIMIT`` bytes; bytes that cannot start an
HTTP request, such as a TLS hello on a ws:// port, end the wait at once). Only then does the
connection get its *connection thread* (``TTMSFNCWebSocketServerConnection._run``), which is
handed the bytes read so far. So silent or slow sockets (idle scanners, slowloris clients) hold
one descriptor each, never a thread, and are dropped when the handshake timeout expires.

At most ``MAX_PENDING`` sockets wait like this; past that the accept thread stops accepting and
the kernel's listen backlog holds the rest until a slot frees up.

``OnConnect`` still fires for every accepted socket, before anything else of that connection.
It runs on a short-lived thread named as the connection thread (it may block without delaying
other connections), or not on a thread at all when it need not: with ``AutoSyncEvents`` it is
queued to the home thread, and it is skipped when no handler listens to it. At most
``MAX_STARTING`` such threads (and threads that only report that no request came) run at
once; the accept thread waits for one to end past that.
"""

from __future__ import annotations

import collections
import errno
import logging
import selectors
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any

from fnc.fdwatch import drain
from fnc_websocket.server.connection import TTMSFNCWebSocketServerConnection

if TYPE_CHECKING:
    from fnc_websocket.server.runtime import ServerRuntime

__all__ = ["HEAD_LIMIT", "MAX_PENDING", "MAX_STARTING", "Acceptor"]

log = logging.getLogger("fnc_websocket.server")

MAX_PENDING = 4096
"""Most accepted sockets waiting (without a thread) for their TLS handshake or request."""

MAX_STARTING = 64
"""Most short-lived threads running ``OnConnect`` at once."""

HEAD_LIMIT = 16384
"""Bytes read before a connection thread takes over, even if the request head is not whole."""

_ACCEPT_BURST = 64
"""Most connections accepted in one turn of the loop (the others wait for the next turn)."""


class _Pending:
    """An accepted socket waiting for its request."""

    __slots__ = ("buffer", "conn", "deadline", "failure", "sock", "tls_done")

    def __init__(self, conn: TTMSFNCWebSocketServerConnection, sock: socket.socket,
                 deadline: float, tls: bool) -> None:
        self.conn = conn
        self.sock = sock
        self.deadline = deadline
        self.buffer = bytearray()
        self.tls_done = not tls
        self.failure: str | None = None


class Acceptor:
    """The accept thread of one :class:`ServerRuntime` and the sockets it waits on."""

    def __init__(self, runtime: ServerRuntime, name: str) -> None:
        self._runtime = runtime
        self._listener = runtime.listener
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._pending: collections.OrderedDict[int, _Pending] = collections.OrderedDict()
        self._parked: collections.deque[_Pending] = collections.deque()
        self._starting = threading.BoundedSemaphore(MAX_STARTING)
        self._listening = False
        self.thread = threading.Thread(target=self._loop, name=f"fnc-ws-server-accept {name}",
                                       daemon=True)

    # -- any thread -----------------------------------------------------------------------------

    def start(self) -> None:
        self._listener.setblocking(False)
        self.thread.start()

    def wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    @property
    def pending_count(self) -> int:
        """Accepted sockets waiting for their request (no thread yet)."""
        return len(self._pending)

    def take_pending(self) -> list[tuple[TTMSFNCWebSocketServerConnection, socket.socket]]:
        """After the thread ended (server stop): the sockets still waiting, to be closed."""
        left = [(p.conn, p.sock) for p in self._pending.values()]
        left += [(p.conn, p.sock) for p in self._parked]
        self._pending.clear()
        self._parked.clear()
        return left

    def close(self) -> None:
        for s in (self._wake_r, self._wake_w):
            try:
                s.close()
            except OSError:
                pass
        try:
            self._selector.close()
        except (OSError, RuntimeError):
            pass

    # -- the accept thread ----------------------------------------------------------------------

    def _loop(self) -> None:
        runtime = self._runtime
        selector = self._selector
        try:
            selector.register(self._wake_r, selectors.EVENT_READ)
            self._listen(True)
            while not runtime.stopping:
                timeout = None
                if self._pending:
                    first = next(iter(self._pending.values()))
                    timeout = max(0.0, first.deadline - time.monotonic())
                events = selector.select(timeout)
                if runtime.stopping:
                    return
                for key, _mask in events:
                    target = key.fileobj
                    if target is self._listener:
                        self._accept_some()
                    elif target is self._wake_r:
                        self._drain_wake()
                    else:
                        self._on_ready(key.data)
                self._expire(time.monotonic())
                self._listen(len(self._pending) < MAX_PENDING)
        except Exception:
            log.exception("server accept thread failed")

    def _listen(self, on: bool) -> None:
        if on and not self._listening:
            self._selector.register(self._listener, selectors.EVENT_READ)
        elif not on and self._listening:
            self._selector.unregister(self._listener)
        self._listening = on

    def _drain_wake(self) -> None:
        drain(self._wake_r)
        while self._parked:
            self._register(self._parked.popleft())

    def _accept_some(self) -> None:
        runtime = self._runtime
        for _ in range(_ACCEPT_BURST):
            if len(self._pending) >= MAX_PENDING:
                return
            try:
                sock, address = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if runtime.stopping:
                    return
                log.error("accept failed on port %d: %s", runtime.bound_port, exc)
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    threading.Event().wait(0.1)  # out of resources: back off a little
                return
            self._accepted(sock, address)

    def _accepted(self, sock: socket.socket, address: Any) -> None:
        runtime = self._runtime
        settings = runtime.settings
        sock.setblocking(False)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        conn = TTMSFNCWebSocketServerConnection(runtime, address)
        conn._sock = sock
        deadline = time.monotonic() + settings.handshake_timeout
        tls = settings.ssl_context is not None
        if tls:
            try:
                assert settings.ssl_context is not None
                sock = settings.ssl_context.wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False)
            except (OSError, ValueError) as exc:
                sock.close()
                log.info("TLS setup for %s failed: %s", address, exc)
                return
            conn._sock = sock
        pending = _Pending(conn, sock, deadline, tls)
        mode = runtime.on_connect_mode()
        if mode == "thread":
            if not self._start_thread(conn, conn._run_connect, (pending, self)):
                sock.close()
            return  # the thread parks the socket once OnConnect returned
        if mode == "post":
            runtime.fire("OnConnect", conn)
        self._register(pending)

    def park(self, pending: _Pending) -> None:
        """(OnConnect thread) Hand the socket back to the accept thread to wait for the
        request."""
        self._parked.append(pending)
        self.wake()

    def _register(self, pending: _Pending) -> None:
        if self._runtime.stopping:
            self._parked.append(pending)  # closed by the stop
            return
        try:
            self._selector.register(pending.sock, selectors.EVENT_READ, pending)
        except (OSError, ValueError):
            pending.failure = "the connection closed before its request"
            self._hand_on(pending)
            return
        self._pending[id(pending)] = pending
        if not pending.tls_done:
            self._on_ready(pending)  # start the TLS handshake (the client hello may be here)

    def _unregister(self, pending: _Pending) -> None:
        self._pending.pop(id(pending), None)
        try:
            self._selector.unregister(pending.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _on_ready(self, pending: _Pending) -> None:
        sock = pending.sock
        try:
            if not pending.tls_done:
                assert isinstance(sock, ssl.SSLSocket)
                sock.do_handshake()
                pending.tls_done = True
            while True:
                data = sock.recv(HEAD_LIMIT - len(pending.buffer))
                if not data:
                    if not pending.buffer:
                        pending.failure = ("no handshake request (the connection closed "
                                           "before sending one)")
                    break
                pending.buffer += data
                if (b"\r\n\r\n" in pending.buffer or len(pending.buffer) >= HEAD_LIMIT
                        or not 65 <= pending.buffer[0] <= 90):
                    break  # a whole head, too much, or no HTTP request (a TLS hello...):
                    # the connection thread answers it
                if not isinstance(sock, ssl.SSLSocket) or not sock.pending():
                    return  # wait for more
        except (BlockingIOError, ssl.SSLWantReadError):
            self._selector.modify(sock, selectors.EVENT_READ, pending)
            return
        except ssl.SSLWantWriteError:
            self._selector.modify(sock, selectors.EVENT_WRITE, pending)
            return
        except OSError as exc:  # ssl.SSLError is an OSError
            kind = "TLS handshake" if not pending.tls_done else "reading the request"
            pending.failure = f"{kind} failed: {exc}"
        self._unregister(pending)
        self._hand_on(pending)

    def _expire(self, now: float) -> None:
        while self._pending:
            pending = next(iter(self._pending.values()))
            if pending.deadline > now:
                return
            self._unregister(pending)
            pending.failure = (
                f"no handshake request within {self._runtime.settings.handshake_timeout:g} s"
                if pending.tls_done else
                f"TLS handshake not completed within "
                f"{self._runtime.settings.handshake_timeout:g} s")
            self._hand_on(pending)

    def _hand_on(self, pending: _Pending) -> None:
        """Give the connection its thread: it serves the request (or reports the failure)."""
        conn = pending.conn
        if not self._start_thread(conn, conn._run, (pending.sock, bytes(pending.buffer),
                                                    pending.failure, pending.deadline)):
            try:
                pending.sock.close()
            except OSError:
                pass

    def _start_thread(self, conn: TTMSFNCWebSocketServerConnection, target: Any,
                      args: tuple[Any, ...]) -> bool:
        # OnConnect threads and the threads that only report a failed wait are short-lived:
        # at most MAX_STARTING of them run at once (a burst of closing sockets stays cheap).
        short = target.__name__ == "_run_connect" or args[2] is not None
        if short:
            while not self._starting.acquire(timeout=0.5):
                if self._runtime.stopping:
                    return False
        started = self._runtime.start_thread(conn, target, args,
                                             self._starting if short else None)
        if not started and short:
            self._starting.release()
        return started
