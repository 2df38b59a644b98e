"""The reading side of a mock connection: frames in, checked against RFC 6455, recorded.

Mixed into :class:`~fnc_websocket.testing.mock_connection.MockConnection` (its attributes are
set up there); runs on the connection's reader thread only. Every frame is recorded on the
connection and the server before it is checked; a violation is recorded and, in strict mode,
fails the connection with the close code RFC 6455 asks for. Complete messages go to the
connection's ``_on_message``.
"""

from __future__ import annotations

import select
import ssl
import time
from typing import TYPE_CHECKING

from fnc_websocket.testing._frames import (
    CONTROL_OPCODES,
    Opcode,
    apply_mask,
    parse_close_payload,
    parse_header,
    split_extended,
)
from fnc_websocket.testing.records import CloseInfo, ReceivedFrame, ReceivedMessage
from fnc_websocket.types import (
    CLOSE_INVALID_PAYLOAD,
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_PROTOCOL_ERROR,
    MAX_CONTROL_PAYLOAD,
)

if TYPE_CHECKING:
    import socket
    import threading

    from fnc_websocket.testing.mock_server import MockWebSocketServer

__all__ = ["FrameReader", "Teardown"]

_WAKE_INTERVAL = 1.0  # upper bound of one select()/wait() slice; wake-ups are normally immediate


class Teardown(Exception):
    """Internal: end the reader loop now."""


class FrameReader:
    """Reading and checking the client's frames (mixed into ``MockConnection``)."""

    id: int
    _server: MockWebSocketServer
    _cond: threading.Condition
    _sock: socket.socket
    _buffer: bytearray
    _paused: bool
    _teardown: bool | None
    _close_deadline: float | None
    _errors: list[str]
    _frames: list[ReceivedFrame]
    _messages: list[ReceivedMessage]
    _close_received: CloseInfo | None
    _close_sent: CloseInfo | None
    _ignore_close: bool

    def _wait_readable(self) -> None:
        while True:
            with self._cond:
                if self._teardown is not None:
                    raise Teardown
                if self._close_deadline is not None and time.monotonic() >= self._close_deadline:
                    self._errors.append("close timeout: the client never answered the close frame")
                    self._teardown = False
                    raise Teardown
                if self._paused:
                    self._cond.wait(_WAKE_INTERVAL)
                    continue
                slice_ = _WAKE_INTERVAL
                if self._close_deadline is not None:
                    slice_ = max(0.0, min(slice_, self._close_deadline - time.monotonic()))
            if isinstance(self._sock, ssl.SSLSocket) and self._sock.pending():
                return
            readable, _, _ = select.select([self._sock], [], [], slice_)
            if readable and not self._paused:
                return

    def _wait_unpaused(self) -> None:
        """Block while reading is stopped (checked before each frame: buffered frames wait too)."""
        with self._cond:
            while self._paused and self._teardown is None:
                if self._close_deadline is not None and time.monotonic() >= self._close_deadline:
                    return  # _wait_readable reports the close timeout
                self._cond.wait(_WAKE_INTERVAL)
            if self._teardown is not None:
                raise Teardown

    def _read_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._wait_readable()
            chunk = self._sock.recv(65536)
            if not chunk:
                raise Teardown  # EOF: the client closed TCP (or we shut it down)
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _protocol_error(self, code: int, text: str, fatal: bool = False) -> None:
        """Record a client violation; in strict mode (or when ``fatal``) fail the connection with
        close ``code`` as RFC 6455 7.1.7 asks."""
        self._error(text)
        if self._server.strict or fatal:
            try:
                if self.close_sent is None:
                    self.close(code, text[:120])
            except ConnectionError:
                pass
            self.drop()
            raise Teardown

    def _read_loop(self) -> None:
        server = self._server
        fragments: list[ReceivedFrame] = []
        while True:
            self._wait_unpaused()
            header = parse_header(self._read_exact(2))
            length, key = split_extended(header, self._read_exact(header.extra))
            if length > server.max_message_size:
                self._protocol_error(
                    CLOSE_MESSAGE_TOO_BIG,
                    f"frame of {length} bytes exceeds {server.max_message_size}", fatal=True
                )
            raw = self._read_exact(length)
            payload = apply_mask(raw, key) if key is not None else raw
            frame = ReceivedFrame(
                self.id, header.opcode, payload, header.fin, header.rsv, header.masked, key,
                time.monotonic(),
            )
            with self._cond:
                self._frames.append(frame)
                server._frames.append(frame)
                self._cond.notify_all()
            if not header.masked:
                self._protocol_error(CLOSE_PROTOCOL_ERROR,
                                     "client frame is not masked (RFC 6455 5.1)")
            if header.rsv:
                self._protocol_error(CLOSE_PROTOCOL_ERROR,
                                     f"RSV bits {header.rsv:03b} set without an extension")
            if header.opcode >= 0x8:
                self._control_frame(frame)
                continue
            if header.opcode not in (Opcode.CONTINUATION, Opcode.TEXT, Opcode.BINARY):
                self._protocol_error(CLOSE_PROTOCOL_ERROR, f"reserved opcode 0x{header.opcode:X}")
                continue
            if header.opcode == Opcode.CONTINUATION and not fragments:
                self._protocol_error(CLOSE_PROTOCOL_ERROR,
                                     "continuation frame without a message to continue")
                continue
            if header.opcode != Opcode.CONTINUATION and fragments:
                self._protocol_error(CLOSE_PROTOCOL_ERROR,
                                     "new data frame inside a fragmented message")
                fragments = []
            fragments.append(frame)
            total = sum(len(f.payload) for f in fragments)
            if total > server.max_message_size:
                self._protocol_error(
                    CLOSE_MESSAGE_TOO_BIG,
                    f"message of {total} bytes exceeds {server.max_message_size}", fatal=True
                )
            if not header.fin:
                continue
            message = ReceivedMessage(
                self.id, fragments[0].opcode, b"".join(f.payload for f in fragments),
                len(fragments), time.monotonic(),
            )
            fragments = []
            with self._cond:
                self._messages.append(message)
                server._messages.append(message)
                self._cond.notify_all()
            if not message.valid_utf8:
                self._protocol_error(CLOSE_INVALID_PAYLOAD, "text message is not valid UTF-8")
            self._on_message(message)

    def _control_frame(self, frame: ReceivedFrame) -> None:
        if frame.opcode not in CONTROL_OPCODES:
            self._protocol_error(CLOSE_PROTOCOL_ERROR,
                                 f"reserved control opcode 0x{frame.opcode:X}")
            return
        if not frame.fin or len(frame.payload) > MAX_CONTROL_PAYLOAD:
            self._protocol_error(CLOSE_PROTOCOL_ERROR,
                                 "control frame fragmented or longer than 125 bytes")
        if frame.opcode == Opcode.PING:
            if self._server.auto_pong and self.close_sent is None:
                self.pong(frame.payload)
        elif frame.opcode == Opcode.CLOSE:
            code, reason = parse_close_payload(frame.payload)
            with self._cond:
                self._close_received = CloseInfo(code, reason, frame.timestamp)
                ignore = self._ignore_close
                answered = self._close_sent is not None
                self._cond.notify_all()
            if ignore:
                return
            if not answered:
                self.close(code, reason)  # echo the status, as RFC 6455 5.5.1 suggests
            self.drop()
            raise Teardown
