"""MockWebSocketServer: a scriptable WebSocket server on 127.0.0.1 that can misbehave on purpose.

Usable with or without pytest::

    with MockWebSocketServer(echo=True) as server:
        client.connect(server.url)
        ...
        assert server.wait_for_message(timeout=5).text == "hello"
"""

from __future__ import annotations

import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterable
from types import TracebackType
from typing import Any

from fnc_websocket.testing import _hints
from fnc_websocket.testing._frames import Opcode
from fnc_websocket.testing._sockets import Listener
from fnc_websocket.testing._waiting import MockTimeoutError, wait_consume, wait_until
from fnc_websocket.testing.actions import (
    Action,
    Binary,
    Close,
    Drop,
    Ping,
    Pong,
    Text,
)
from fnc_websocket.testing.cassette import Cassette
from fnc_websocket.testing.certs import MockCertificates
from fnc_websocket.testing.mock_connection import MockConnection
from fnc_websocket.testing.mock_faults import Fault, FaultInjection, PendingFault
from fnc_websocket.testing.records import HandshakeRequest, ReceivedFrame, ReceivedMessage
from fnc_websocket.testing.script import (
    Expectation,
    Match,
    Reply,
    Rule,
    Script,
    check_replies,
    compile_match,
    describe_match,
)

__all__ = ["MockConnection", "MockTimeoutError", "MockWebSocketServer", "Opcode"]

SubprotocolChoice = str | Callable[[list[str]], str | None] | None


class MockWebSocketServer(FaultInjection):
    """A WebSocket server for tests, on ``host`` (127.0.0.1) and an ephemeral port.

    Call :meth:`start` (or use ``with``), connect a client to :attr:`url`, and :meth:`stop` it at
    the end; stop drops every connection and joins every thread the server started.

    Behaviour, checked for each message as it arrives:

    * the ordered script (:meth:`expect`), then standing rules (:meth:`when`), then echo;
    * pings are answered with pongs (``auto_pong``); a client close frame is echoed and TCP closed;
    * in ``strict`` mode, client protocol violations (unmasked frame, RSV bits, reserved opcode,
      invalid UTF-8, bad fragmentation, bad control frame) are recorded in the connection's
      ``protocol_errors`` and fail the connection with close 1002/1007 as RFC 6455 asks; with
      ``strict=False`` they are only recorded. Frames or messages over ``max_message_size`` always
      get close 1009.

    Faults (the ``fault_*`` methods, :meth:`inject`, or the ``faults`` constructor option) apply to
    connections accepted later: ``connections=1`` the next one, ``connections=None`` every one; the
    constructor's ``faults`` apply to every connection. To act on an open connection, use the
    :class:`MockConnection` methods, or the server's broadcast methods (``send_text``, ``close``, …)
    for all open connections.

    All methods are thread-safe. Waits use conditions and raise :class:`MockTimeoutError`.

    ``tls=True`` serves ``wss://`` with a generated certificate (``ca_file``,
    :meth:`client_ssl_context`). A context of your own passed as ``tls`` is used unchanged: set its
    ``num_tickets = 0``, as the generated one does, or clients that read and write on different
    threads (websockets' sync client) may rarely lose their request to an OpenSSL race.
    """

    def __init__(
        self,
        *,
        echo: bool = False,
        path: str | None = None,
        subprotocol: SubprotocolChoice = None,
        response_headers: Iterable[tuple[str, str]] | dict[str, str] = (),
        tls: bool | ssl.SSLContext = False,
        faults: Iterable[Fault] = (),
        strict: bool = True,
        auto_pong: bool = True,
        max_message_size: int = 16 * 1024 * 1024,
        close_timeout: float = 2.0,
        io_timeout: float = 10.0,
        recv_buffer_size: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        report_unhandled: bool = True,
    ) -> None:
        self.echo = echo
        """Echo every message no script step or rule handled (settable at any time)."""
        self.path = path
        """Only this request path is accepted (others get 404); None accepts any path."""
        self.subprotocol: SubprotocolChoice = subprotocol
        """Subprotocol to answer with: a name (sent even if the client did not offer it), a callable
        choosing from the offered list, or None."""
        self.response_headers: list[tuple[str, str]] = list(
            response_headers.items() if isinstance(response_headers, dict) else response_headers
        )
        """Extra headers of the 101 response."""
        self.strict = strict
        self.auto_pong = auto_pong
        self.max_message_size = max_message_size
        self.close_timeout = close_timeout
        self.io_timeout = io_timeout
        self.recv_buffer_size = recv_buffer_size
        self.report_unhandled = report_unhandled
        """Whether the pytest fixtures fail a test whose mock received a message that no script
        step, rule, echo or pending fault handled (see :attr:`unhandled_messages`)."""
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._cond = threading.Condition(threading.RLock())
        self._script = Script(self._cond)
        self._stopping = threading.Event()
        self._started = False
        self._listener: Listener | None = None
        self._ids = itertools.count(1)
        self._all: list[MockConnection] = []
        self._opened: list[MockConnection] = []
        self._opened_consumed: set[int] = set()
        self._handshakes: list[HandshakeRequest] = []
        self._handshakes_consumed: set[int] = set()
        self._messages: list[ReceivedMessage] = []
        self._messages_consumed: set[int] = set()
        self._frames: list[ReceivedFrame] = []
        self._frames_consumed: set[int] = set()
        self._pending: list[PendingFault] = []
        self._unhandled: list[ReceivedMessage] = []
        self._hint_token: int | None = None
        self._on_connect: list[tuple[Reply, list[int | None]]] = []
        self._certificates: MockCertificates | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._tls = tls
        for fault in faults:
            self.inject(fault, connections=None)

    @classmethod
    def from_cassette(
        cls,
        cassette: str | os.PathLike[str] | Cassette,
        *,
        match: str = "order",
        timing: str | float = "none",
        ignore_fields: Collection[str] = (),
        **options: Any,
    ) -> MockWebSocketServer:
        """A mock (not started yet) that plays the server's part of a recorded conversation.

        ``cassette`` is a cassette file (see :mod:`fnc_websocket.testing.cassette`) or a loaded
        :class:`Cassette`. ``match="order"`` expects the client's messages in recorded order;
        ``"content"`` accepts them in any order. ``timing`` is ``"none"`` (server messages at
        once), ``"recorded"`` (at their recorded offsets) or a factor scaling those offsets.
        ``ignore_fields`` names JSON object keys (timestamps, ids) left out when comparing the
        client's messages. Other ``options`` are the constructor's. The result is a
        :class:`~fnc_websocket.testing.replay.ReplayServer`; its ``assert_cassette_done()``
        reports mismatches and recorded client messages that never came. A malformed or newer
        cassette raises :class:`CassetteError` naming the file and the entry.
        """
        from fnc_websocket.testing.replay import ReplayServer

        return ReplayServer(cassette, match=match, timing=timing, ignore_fields=ignore_fields,
                            **options)

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"<MockWebSocketServer {where} connections={len(self._opened)}>"

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> MockWebSocketServer:
        """Bind, listen and start the accept thread; returns self. A server starts once."""
        with self._cond:
            if self._started:
                raise RuntimeError(
                    "MockWebSocketServer.start(): already started (a server starts once)"
                )
            self._started = True
        if isinstance(self._tls, ssl.SSLContext):
            self._ssl_context = self._tls
        elif self._tls:
            self._certificates = MockCertificates()
            self._ssl_context = self._certificates.server_context()
        self._listener = Listener("fnc-ws-mock-accept", self._accepted, lambda: self.io_timeout)
        try:
            self._port = self._listener.open(self._host, self._requested_port,
                                             self.recv_buffer_size)
        except OSError as exc:
            raise OSError(
                f"MockWebSocketServer cannot listen on {self._host}:{self._requested_port}: {exc}"
            ) from exc
        self._hint_token = _hints.register(self._timeout_hints)
        return self

    def _timeout_hints(self) -> list[str]:
        """Lines ``wait_for`` adds to its timeout message while this server runs."""
        unhandled = self.unhandled_messages
        lines = [f"the mock at {self.url} received {m.data!r} that no rule handled"
                 for m in unhandled[:3]]
        if len(unhandled) > 3:
            lines.append(f"... and {len(unhandled) - 3} more unhandled messages")
        return lines

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, drop every connection (no close frame), join every thread.

        Raises RuntimeError naming the threads still alive after ``timeout``. Idempotent.
        """
        self._stopping.set()
        if self._hint_token is not None:
            _hints.unregister(self._hint_token)
        with self._cond:
            self._cond.notify_all()
            connections = list(self._all)
        if self._listener is not None:
            self._listener.stop_accepting()
        for connection in connections:
            connection.drop()
        deadline = time.monotonic() + timeout
        alive = []
        if self._listener is not None:
            late = self._listener.join(deadline - time.monotonic())
            if late is not None:
                alive.append(late)
        with self._cond:
            connections = list(self._all)  # the accept thread may have added one meanwhile
        for connection in connections:
            connection.drop()
            if not connection._join(deadline - time.monotonic()):
                alive.append(connection._thread.name)
        if self._listener is not None:
            self._listener.close()
        if self._certificates is not None:
            self._certificates.cleanup()
        if alive:
            raise RuntimeError(
                f"MockWebSocketServer.stop(): threads still alive after {timeout} s: {alive}"
            )

    def __enter__(self) -> MockWebSocketServer:
        if not self._started:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def is_running(self) -> bool:
        """True between start() and stop()."""
        return self._started and not self._stopping.is_set()

    @property
    def host(self) -> str:
        """The address the server listens on (127.0.0.1 by default)."""
        return self._host

    @property
    def port(self) -> int:
        """The listening port (raises RuntimeError before start())."""
        if self._port is None:
            raise RuntimeError("MockWebSocketServer is not started: call start() or use 'with'")
        return self._port

    @property
    def url(self) -> str:
        """``ws://host:port/path`` (``wss://`` with TLS); path is ``/`` when none is required."""
        scheme = "wss" if self.tls else "ws"
        return f"{scheme}://{self._host}:{self.port}{self.path or '/'}"

    @property
    def tls(self) -> bool:
        """True when connections must use TLS."""
        return self._tls is not False

    @property
    def certificates(self) -> MockCertificates:
        """The generated TLS material (``tls=True`` only)."""
        if self._certificates is None:
            raise RuntimeError(
                "no generated certificates: construct MockWebSocketServer(tls=True) and start it"
            )
        return self._certificates

    @property
    def ca(self):  # -> trustme.CA
        """The ``trustme.CA`` that signed the server certificate (``tls=True`` only)."""
        return self.certificates.ca

    @property
    def ca_file(self) -> str:
        """Path of the CA certificate PEM file, valid until stop() (``tls=True`` only)."""
        return self.certificates.ca_file

    def client_ssl_context(self) -> ssl.SSLContext:
        """A verifying client SSL context that trusts the server's CA (``tls=True`` only)."""
        return self.certificates.client_context()

    # ----------------------------------------------------------------- accept thread

    def _accepted(self, sock: socket.socket, address: tuple[str, int]) -> bool:
        """(accept thread) Serve a new socket; False once the server is stopping."""
        with self._cond:
            if self._stopping.is_set():
                sock.close()
                return False
            connection = self._make_connection_locked(sock, address)
            self._all.append(connection)
        connection._start()
        return True

    def _make_connection_locked(
        self, sock: socket.socket, address: tuple[str, int]
    ) -> MockConnection:
        handshake_faults, scheduled, ignore_close = self._take_faults_locked()
        on_connect: list[Reply] = []
        for reply, remaining in self._on_connect:
            if remaining[0] == 0:
                continue
            if remaining[0] is not None:
                remaining[0] -= 1
            on_connect.append(reply)
        return MockConnection(
            self, sock, address, next(self._ids), handshake_faults, scheduled, on_connect,
            ignore_close,
        )

    # ----------------------------------------------------------------- script

    def on_connect(self, *replies: Reply, connections: int | None = None) -> None:
        """Right after each handshake (of the next ``connections`` connections; None: all),
        perform ``replies`` in order (str: text, bytes: binary, an Action, or
        ``callable(None, connection)``)."""
        with self._cond:
            for reply in check_replies(replies):
                self._on_connect.append((reply, [connections]))

    def when(self, match: Match, *replies: Reply, times: int | None = None) -> Rule:
        """Standing rule: each message matching ``match`` (exact str/bytes, compiled regex or
        predicate) gets ``replies``; ``callable(message, connection)`` replies compute the answer.
        Rules are tried in the order added; ``times`` limits how often a rule fires."""
        rule = Rule(match, replies, times)
        self._script.add_rule(rule)
        return rule

    def expect(self, match: Match, *replies: Reply) -> Expectation:
        """Append a step to the ordered script: the next message (from any connection) must match
        ``match``; it is answered with ``replies``. A mismatch is recorded in ``script_errors``."""
        expectation = Expectation(match, replies)
        self._script.add_expectation(expectation)
        return expectation

    @property
    def script_errors(self) -> list[str]:
        """Messages that arrived out of the expected order, as readable lines (snapshot)."""
        with self._cond:
            return list(self._script.errors)

    def assert_script_done(self, timeout: float = 5.0) -> None:
        """Wait until every :meth:`expect` step was met; raise AssertionError listing unmet steps
        and mismatches if that does not happen within ``timeout`` or a mismatch was recorded."""
        try:
            wait_until(
                self._cond,
                lambda: not self._script.pending() or bool(self._script.errors),
                timeout,
                lambda: "waiting for the script",
            )
        except MockTimeoutError:
            pass
        with self._cond:
            unmet = self._script.pending()
            errors = list(self._script.errors)
        if unmet or errors:
            lines = [f"unmet: {describe_match(e.match)}" for e in unmet] + errors
            raise AssertionError("mock server script not satisfied:\n  " + "\n  ".join(lines))

    # ----------------------------------------------------------------- acting on open connections

    def broadcast(self, action: Action | str | bytes) -> int:
        """Perform ``action`` on every open connection; returns how many it reached."""
        reached = 0
        for connection in self.connections:
            if not connection.is_open:
                continue
            try:
                connection.run(action)
            except ConnectionError:
                continue
            reached += 1
        return reached

    def send_text(self, text: str) -> int:
        """Send a text message to every open connection; returns how many it reached."""
        return self.broadcast(Text(text))

    def send_binary(self, data: bytes) -> int:
        """Send a binary message to every open connection."""
        return self.broadcast(Binary(bytes(data)))

    def ping(self, payload: bytes = b"") -> int:
        """Send a ping to every open connection."""
        return self.broadcast(Ping(payload))

    def pong(self, payload: bytes = b"") -> int:
        """Send an unsolicited pong to every open connection."""
        return self.broadcast(Pong(payload))

    def close(self, code: int | None = 1000, reason: str = "") -> int:
        """Start the closing handshake on every open connection."""
        return self.broadcast(Close(code, reason))

    def drop(self, reset: bool = False) -> int:
        """Drop every open connection without a close frame."""
        return self.broadcast(Drop(reset))

    # ----------------------------------------------------------------- records and waits

    @property
    def connections(self) -> list[MockConnection]:
        """Connections whose handshake succeeded, in order (open or closed; snapshot)."""
        with self._cond:
            return list(self._opened)

    @property
    def all_connections(self) -> list[MockConnection]:
        """Every accepted TCP connection, including refused and failed handshakes (snapshot)."""
        with self._cond:
            return list(self._all)

    @property
    def handshakes(self) -> list[HandshakeRequest]:
        """Every upgrade request received, refused ones included (snapshot)."""
        with self._cond:
            return list(self._handshakes)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every data message from every connection, in arrival order (snapshot)."""
        with self._cond:
            return list(self._messages)

    @property
    def frames(self) -> list[ReceivedFrame]:
        """Every frame from every connection, in arrival order (snapshot)."""
        with self._cond:
            return list(self._frames)

    @property
    def unhandled_messages(self) -> list[ReceivedMessage]:
        """Messages that no script step, rule, echo or pending fault handled (snapshot)."""
        with self._cond:
            return list(self._unhandled)

    def _note_unhandled(self, message: ReceivedMessage) -> None:
        """Called on the connection's thread for a message nothing handled."""
        with self._cond:
            self._unhandled.append(message)

    def _stopped(self) -> str | None:
        return "the server is stopped" if self._stopping.is_set() else None

    def wait_for_connection(self, timeout: float = 5.0) -> MockConnection:
        """Return the next connection (handshake done) this method has not returned yet; wait
        for it if needed."""
        return wait_consume(
            self._cond, self._opened, self._opened_consumed, lambda c: True, timeout,
            lambda: f"waiting for connection #{len(self._opened_consumed) + 1} "
                    f"({len(self._opened)} opened, {len(self._all)} accepted)",
            self._stopped,
        )

    def wait_for_handshake(self, timeout: float = 5.0) -> HandshakeRequest:
        """Return the next upgrade request not yet returned by this method (refused ones too)."""
        return wait_consume(
            self._cond, self._handshakes, self._handshakes_consumed, lambda h: True, timeout,
            lambda: f"waiting for handshake request #{len(self._handshakes_consumed) + 1}",
            self._stopped,
        )

    def wait_for_message(self, predicate: Match = None, timeout: float = 5.0) -> ReceivedMessage:
        """Return the first message from any connection matching ``predicate`` (exact str/bytes,
        compiled regex, callable or None for any) that no earlier call returned; wait for it."""
        return wait_consume(
            self._cond, self._messages, self._messages_consumed, compile_match(predicate), timeout,
            lambda: f"waiting for {describe_match(predicate)} "
                    f"(received {[m.data for m in self._messages]!r})",
            self._stopped,
        )

    def wait_for_frame(
        self, predicate: Callable[[ReceivedFrame], bool] | None = None, timeout: float = 5.0
    ) -> ReceivedFrame:
        """Like :meth:`wait_for_message`, for frames of any connection."""
        return wait_consume(
            self._cond, self._frames, self._frames_consumed, predicate or (lambda f: True), timeout,
            lambda: "waiting for a frame", self._stopped,
        )

    def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until every connection accepted so far has closed."""
        wait_until(
            self._cond, lambda: all(c._state == "closed" for c in self._all), timeout,
            lambda: "waiting for connections to close (open: "
                    f"{[c.id for c in self._all if c._state != 'closed']})",
        )
