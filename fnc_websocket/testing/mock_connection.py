"""One client connection of the mock server: its reader thread, its records and what it can be told
to do (send, close, drop, misbehave)."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from fnc_websocket.testing import _handshake
from fnc_websocket.testing._frames import (
    Opcode,
    close_payload,
    encode_frame,
)
from fnc_websocket.testing._sockets import shutdown_socket
from fnc_websocket.testing._waiting import wait_consume, wait_until
from fnc_websocket.testing.actions import (
    INVALID_UTF8,
    Action,
    DelayHandshake,
    Fragmented,
    HandshakeFault,
    Oversized,
    Ping,
    Pong,
    ProtocolViolation,
    RefuseHandshake,
    Violation,
)
from fnc_websocket.testing.mock_reading import FrameReader, Teardown
from fnc_websocket.testing.records import (
    CloseInfo,
    HandshakeRequest,
    ReceivedFrame,
    ReceivedMessage,
)
from fnc_websocket.testing.script import Match, Reply, compile_match, describe_match, expand_replies

if TYPE_CHECKING:
    from fnc_websocket.testing.mock_server import MockWebSocketServer

__all__ = ["MockConnection"]

class MockConnection(FrameReader):
    """A client connection accepted by a :class:`MockWebSocketServer`.

    Records (thread-safe snapshots): ``handshake``, ``frames``, ``messages``, ``close_received``,
    ``protocol_errors``. Sending methods may be called from any thread; they raise
    ``ConnectionError`` once the connection is closed. Waits raise :class:`MockTimeoutError`
    when they run out of time.
    """

    def __init__(
        self,
        server: MockWebSocketServer,
        sock: socket.socket,
        remote_address: tuple[str, int],
        connection_id: int,
        handshake_faults: list[HandshakeFault],
        scheduled: list[tuple[int, Action]],
        on_connect: list[Reply],
        ignore_close: bool,
    ) -> None:
        self.id = connection_id
        self.remote_address = remote_address
        self._server = server
        self._cond = server._cond
        self._sock = sock
        self._send_lock = threading.Lock()
        self._buffer = bytearray()
        self._handshake_faults = handshake_faults
        self._scheduled: list[list] = [[after, action] for after, action in scheduled]
        self._on_connect = on_connect
        self._ignore_close = ignore_close
        self._paused = False
        self._teardown: bool | None = None  # None, or the "reset" flag of a requested teardown
        self._close_deadline: float | None = None
        self._state = "connecting"
        self._refused = False
        self._handshake: HandshakeRequest | None = None
        self._subprotocol: str | None = None
        self._frames: list[ReceivedFrame] = []
        self._messages: list[ReceivedMessage] = []
        self._frames_consumed: set[int] = set()
        self._messages_consumed: set[int] = set()
        self._close_received: CloseInfo | None = None
        self._close_sent: CloseInfo | None = None
        self._errors: list[str] = []
        self._thread = threading.Thread(
            target=self._run, name=f"fnc-ws-mock-connection-{connection_id}", daemon=True
        )

    def __repr__(self) -> str:
        host, port = self.remote_address[:2]
        return f"<MockConnection #{self.id} {self.state} from {host}:{port}>"

    # ----------------------------------------------------------------- state and records

    @property
    def state(self) -> str:
        """``connecting``, ``open``, ``closing`` (close frame sent) or ``closed``."""
        with self._cond:
            return self._state

    @property
    def is_open(self) -> bool:
        """True between a successful handshake and the end of the connection."""
        return self.state in ("open", "closing")

    @property
    def is_closed(self) -> bool:
        """True once the TCP connection is closed (or the handshake failed or was refused)."""
        return self.state == "closed"

    @property
    def refused(self) -> bool:
        """True when the handshake was refused (by a fault or because the request was bad)."""
        with self._cond:
            return self._refused

    @property
    def handshake(self) -> HandshakeRequest | None:
        """The client's upgrade request (None until it has arrived)."""
        with self._cond:
            return self._handshake

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the mock answered with, if any."""
        with self._cond:
            return self._subprotocol

    @property
    def frames(self) -> list[ReceivedFrame]:
        """Every frame received so far, in order (snapshot)."""
        with self._cond:
            return list(self._frames)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every whole data message received so far, in order (snapshot)."""
        with self._cond:
            return list(self._messages)

    @property
    def close_received(self) -> CloseInfo | None:
        """The client's close frame (code and reason), if one arrived."""
        with self._cond:
            return self._close_received

    @property
    def close_sent(self) -> CloseInfo | None:
        """The close frame the mock sent (as a reply or on its own), if any."""
        with self._cond:
            return self._close_sent

    @property
    def protocol_errors(self) -> list[str]:
        """What went wrong on this connection: protocol violations by the client, a failed TLS or
        HTTP handshake, a close timeout (snapshot)."""
        with self._cond:
            return list(self._errors)

    # ----------------------------------------------------------------- waits

    def _gone(self) -> str | None:
        return "the connection is closed" if self._state == "closed" else None

    def wait_for_message(
        self, predicate: Match = None, timeout: float = 5.0
    ) -> ReceivedMessage:
        """Return the first received message matching ``predicate`` (see :data:`Match`) that no
        earlier ``wait_for_message`` on this connection returned; wait for it if needed."""
        return wait_consume(
            self._cond, self._messages, self._messages_consumed, compile_match(predicate), timeout,
            lambda: f"connection #{self.id}: waiting for {describe_match(predicate)} "
                    f"(received {[m.data for m in self._messages]!r})",
            self._gone,
        )

    def wait_for_frame(
        self, predicate: Callable[[ReceivedFrame], bool] | None = None, timeout: float = 5.0
    ) -> ReceivedFrame:
        """Like :meth:`wait_for_message`, for frames (``lambda f: f.opcode == Opcode.PING``)."""
        return wait_consume(
            self._cond, self._frames, self._frames_consumed, predicate or (lambda frame: True),
            timeout, lambda: f"connection #{self.id}: waiting for a frame", self._gone,
        )

    def wait_for_close_frame(self, timeout: float = 5.0) -> CloseInfo:
        """Wait until the client's close frame has arrived and return it."""
        wait_until(
            self._cond, lambda: self._close_received is not None, timeout,
            lambda: f"connection #{self.id}: waiting for the client's close frame", self._gone,
        )
        assert self._close_received is not None
        return self._close_received

    def wait_open(self, timeout: float = 5.0) -> None:
        """Wait until the opening handshake has completed."""
        wait_until(
            self._cond, lambda: self._state in ("open", "closing"), timeout,
            lambda: f"connection #{self.id}: waiting for the handshake", self._gone,
        )

    def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the TCP connection is closed."""
        wait_until(
            self._cond, lambda: self._state == "closed", timeout,
            lambda: f"connection #{self.id}: waiting for it to close",
        )

    # ----------------------------------------------------------------- sending (any thread)

    def send_raw(self, data: bytes) -> None:
        """Write ``data`` to the socket as is (bounded by the server's ``io_timeout``)."""
        with self._send_lock:
            self._write_locked(data)

    def _write_locked(self, data: bytes) -> None:
        if self._state == "closed" or self._teardown is not None:
            raise ConnectionError(f"mock connection #{self.id} is closed")
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise ConnectionError(f"mock connection #{self.id}: send failed: {exc}") from exc

    def send_frame(
        self,
        opcode: int,
        payload: bytes = b"",
        *,
        fin: bool = True,
        rsv: int = 0,
        mask: bool = False,
        declared_length: int | None = None,
    ) -> None:
        """Send one frame exactly as described (no validation)."""
        self.send_raw(
            encode_frame(
                opcode, payload, fin=fin, rsv=rsv, mask=mask, declared_length=declared_length
            )
        )

    def send_text(self, text: str) -> None:
        """Send a text message."""
        self.send_frame(Opcode.TEXT, text.encode("utf-8"))

    def send_binary(self, data: bytes) -> None:
        """Send a binary message."""
        self.send_frame(Opcode.BINARY, bytes(data))

    def ping(self, payload: bytes = b"") -> None:
        """Send a ping frame."""
        self.send_frame(Opcode.PING, bytes(payload))

    def pong(self, payload: bytes = b"") -> None:
        """Send an unsolicited pong frame."""
        self.send_frame(Opcode.PONG, bytes(payload))

    def close(self, code: int | None = 1000, reason: str = "") -> None:
        """Send a close frame; the TCP connection is closed when the client answers, or after the
        server's ``close_timeout``. ``code=None`` sends a close frame with no body."""
        with self._send_lock:
            with self._cond:
                if self._close_sent is not None:
                    return
                if self._state == "closed" or self._teardown is not None:
                    raise ConnectionError(f"mock connection #{self.id} is closed")
                # recorded before the frame leaves, so the client's answer always finds it
                self._close_sent = CloseInfo(code, "" if code is None else reason, time.monotonic())
                if self._state == "open":
                    self._state = "closing"
                self._close_deadline = time.monotonic() + self._server.close_timeout
                self._cond.notify_all()
            self._write_locked(encode_frame(Opcode.CLOSE, close_payload(code, reason)))
        with self._cond:
            if self._close_received is not None:  # both close frames exchanged: close TCP
                self._request_teardown_locked(reset=False)

    def drop(self, reset: bool = False) -> None:
        """Close the TCP connection without a close frame (``reset=True``: send an RST)."""
        with self._cond:
            self._request_teardown_locked(reset=reset)

    def send_invalid_utf8(self, payload: bytes = INVALID_UTF8) -> None:
        """Send a text message whose payload is not valid UTF-8."""
        self.send_frame(Opcode.TEXT, payload)

    def send_oversized(self, size: int, binary: bool = False) -> None:
        """Send one message of ``size`` bytes."""
        Oversized(size, binary).run(self)

    def send_fragmented(
        self, message: str | bytes, fragments: int = 3, interleave: tuple[Ping | Pong, ...] = ()
    ) -> None:
        """Send ``message`` in ``fragments`` frames, ``interleave`` control frames in between."""
        Fragmented(message, fragments, interleave).run(self)

    def send_protocol_violation(self, kind: Violation | str) -> None:
        """Send the bytes of a protocol violation (see :class:`Violation`)."""
        ProtocolViolation(kind).run(self)

    def ignore_close(self) -> None:
        """Never answer the client's close frame from now on."""
        with self._cond:
            self._ignore_close = True

    def stop_reading(self) -> None:
        """Stop reading from the socket (slow consumer); the client's sends back up."""
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume_reading(self) -> None:
        """Read again after :meth:`stop_reading`."""
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def run(self, action: Action | str | bytes) -> None:
        """Perform an action (or send str as text, bytes as binary) now."""
        for item in expand_replies([action], None, self):
            item.run(self)

    def schedule(self, action: Action | str | bytes, after_messages: int) -> None:
        """Perform ``action`` once ``after_messages`` more messages have been received."""
        if after_messages <= 0:
            self.run(action)
            return
        with self._cond:
            self._scheduled.append([after_messages, action])

    # ----------------------------------------------------------------- internals

    def _request_teardown_locked(self, reset: bool) -> None:
        if self._teardown is None:
            self._teardown = reset
        self._cond.notify_all()
        shutdown_socket(self._sock, socket.SHUT_RD)  # wakes the reader's select()/recv()

    def _start(self) -> None:
        self._thread.start()

    def _join(self, timeout: float) -> bool:
        if self._thread.ident is not None:
            self._thread.join(max(0.0, timeout))
        return not self._thread.is_alive()

    def _error(self, text: str) -> None:
        with self._cond:
            self._errors.append(text)
            self._cond.notify_all()

    def _run(self) -> None:
        server = self._server
        try:
            if server._ssl_context is not None:
                self._sock = server._ssl_context.wrap_socket(
                    self._sock, server_side=True, do_handshake_on_connect=False
                )
                self._sock.do_handshake()
            if self._handshake_opening():
                self._on_open()
                self._read_loop()
        except Teardown:
            pass
        except ssl.SSLError as exc:
            self._error(f"TLS error: {exc}")
        except _handshake.HandshakeError as exc:
            self._error(f"bad handshake: {exc}")
        except (OSError, ConnectionError) as exc:
            if self._teardown is None and not server._stopping.is_set():
                self._error(f"socket error: {exc}")
        except Exception as exc:  # e.g. a scripted callable raised: record it, end the connection
            self._error(f"{type(exc).__name__}: {exc}")
        finally:
            self._finish()

    def _handshake_opening(self) -> bool:
        server = self._server
        request, rest = _handshake.read_request(self._sock, self.remote_address)
        self._buffer += rest
        with self._cond:
            self._handshake = request
            server._handshakes.append(request)
            self._cond.notify_all()
        for fault in self._handshake_faults:
            if isinstance(fault, DelayHandshake) and server._stopping.wait(fault.seconds):
                return False
        for fault in self._handshake_faults:
            if isinstance(fault, RefuseHandshake):
                self._refuse(fault.status, fault.headers, fault.body, fault.reason)
                return False
        path = request.path.split("?", 1)[0]
        if server.path is not None and path != server.path:
            self._refuse(404, (), f"no WebSocket endpoint at {path}".encode(), None)
            return False
        try:
            key = _handshake.validate_upgrade(request)
        except _handshake.HandshakeError as exc:
            self._error(f"bad handshake: {exc}")
            self._refuse(exc.status or 400, (), str(exc).encode(), None)
            return False
        headers = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", _handshake.accept_key(key)),
        ]
        chosen = server.subprotocol
        if callable(chosen):
            chosen = chosen(request.subprotocols)
        if chosen is not None:
            headers.append(("Sec-WebSocket-Protocol", chosen))
        headers.extend(server.response_headers)
        with self._send_lock:  # recorded as open first: once the client sees 101, so does the test
            with self._cond:
                self._subprotocol = chosen
                self._state = "open"
                server._opened.append(self)
                self._cond.notify_all()
            self._sock.sendall(_handshake.build_response(101, headers))
        return True

    def _refuse(self, status: int, headers, body: bytes, reason: str | None) -> None:
        with self._cond:
            self._refused = True
            self._cond.notify_all()
        with self._send_lock:
            self._sock.sendall(_handshake.build_response(status, headers, body, reason))

    def _on_open(self) -> None:
        for action in expand_replies(self._on_connect, None, self):
            action.run(self)
        self._run_due_scheduled(count_message=False)

    def _run_due_scheduled(self, count_message: bool) -> None:
        due: list[Action] = []
        with self._cond:
            for entry in self._scheduled:
                if count_message:
                    entry[0] -= 1
                if entry[0] <= 0:
                    due.append(entry[1])
            self._scheduled = [entry for entry in self._scheduled if entry[0] > 0]
        for action in due:
            for item in expand_replies([action], None, self):
                item.run(self)

    def _on_message(self, message: ReceivedMessage) -> None:
        server = self._server
        if self.close_sent is not None:
            return
        handled, replies = server._script.resolve(message)
        if handled:
            actions = expand_replies(replies, message, self)
        elif server.echo:
            actions = [_echo_action(message)]
        else:
            actions = []
            with self._cond:
                counted = bool(self._scheduled)  # a pending fault counts this message
            if not counted:
                server._note_unhandled(message)
        for action in actions:
            action.run(self)
        self._run_due_scheduled(count_message=True)

    def _finish(self) -> None:
        with self._cond:
            reset = bool(self._teardown)
        sock = self._sock
        if reset:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        else:
            shutdown_socket(sock, socket.SHUT_RDWR)  # also unblocks a sender stuck in sendall
        with self._send_lock:
            with self._cond:
                self._state = "closed"
                self._cond.notify_all()
            try:
                sock.close()
            except OSError:
                pass


def _echo_action(message: ReceivedMessage) -> Action:
    from fnc_websocket.testing.actions import Frame

    return Frame(message.opcode, message.payload)
