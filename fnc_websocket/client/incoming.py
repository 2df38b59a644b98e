"""What the client does with each frame from the server: messages, pings, pongs, close frames.

:class:`IncomingFrames` belongs to one session and runs on the thread that reads (the worker, or
the caller of ``CheckIncoming``). It checks each frame header in sequence (a continuation without
a message, a new message inside a fragmented one, ``MaxMessageSize``), reassembles fragmented
messages unless ``twsoFrameByFrame``, decodes text strictly, answers pings (unless
``twsoManualPong``) and close frames (unless ``twsoManualClose``), and hands each message and
control frame to the component's protected ``*Received`` method, which fires the event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fnc_websocket._payload import InvalidUTF8, Utf8FragmentDecoder, decode_text
from fnc_websocket.client.errors import (
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientProtocolError,
)
from fnc_websocket.client.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT
from fnc_websocket.common import (
    CLOSE_NO_STATUS,
    ftContinuation,
    ftFirst,
    ftLast,
    twsoFrameByFrame,
    twsoManualClose,
    twsoManualPong,
)

if TYPE_CHECKING:
    from fnc_websocket.client.session import ClientSession

__all__ = ["IncomingFrames"]

_VALID_CLOSE_CODES = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                1013, 1014))
_TYPES_WHOLE_SINGLE = frozenset((ftFirst, ftLast))
_TYPES_WHOLE_FRAGMENTED = frozenset((ftContinuation, ftLast))


class IncomingFrames:
    """Turns one session's incoming frames into events; see the module docstring."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        options = session.settings.options
        self._frame_by_frame = twsoFrameByFrame in options
        self._manual_pong = twsoManualPong in options
        self._manual_close = twsoManualClose in options
        self._msg_opcode: int | None = None
        self._msg_size = 0
        self._parts: list[Any] = []
        self._decoder = Utf8FragmentDecoder()

    def check_header(self, fin: bool, opcode: int, length: int) -> None:
        """Reject a frame from its header alone (FrameReader calls it before the payload)."""
        closing = self.session.closing
        if closing.failing or closing.peer_closed:
            return
        if opcode in (OP_TEXT, OP_BINARY):
            if self._msg_opcode is not None:
                raise EWebSocketClientProtocolError(
                    "the server started a new message before finishing a fragmented one")
            size = length
        elif opcode == OP_CONT:
            if self._msg_opcode is None:
                raise EWebSocketClientProtocolError(
                    "the server sent a continuation frame with no message to continue")
            size = self._msg_size + length
        else:
            return
        limit = self.session.settings.max_message_size
        if limit and size > limit:
            raise EWebSocketClientMessageTooBig(
                f"a message of at least {size} bytes exceeds MaxMessageSize ({limit} bytes)")

    def handle(self, fin: bool, opcode: int, payload: bytes | bytearray) -> None:
        """Handle one complete frame (its header passed :meth:`check_header`)."""
        if opcode >= 0x8:
            self._handle_control(opcode, payload)
        else:
            closing = self.session.closing
            if not (closing.failing or closing.peer_closed):
                self._handle_data(fin, opcode, payload)

    def _handle_data(self, fin: bool, opcode: int, payload: bytes | bytearray) -> None:
        received = self.session.received
        first = opcode != OP_CONT
        if first:
            self._msg_opcode = opcode
            self._msg_size = 0
        self._msg_size += len(payload)
        if self._msg_opcode == OP_TEXT:
            try:
                if self._frame_by_frame:
                    if first:
                        self._decoder.reset()
                    text = self._decoder.decode(payload, fin)
                elif first and fin:
                    text = decode_text(payload)
                else:
                    if first:
                        self._decoder.reset()
                        self._parts = []
                    self._parts.append(self._decoder.decode(payload, fin))
                    text = "".join(self._parts) if fin else ""
            except InvalidUTF8 as exc:
                raise EWebSocketClientInvalidPayload(
                    f"the server sent a text message that is not valid UTF-8 ({exc.reason} "
                    f"at byte {exc.position})") from None
            if fin:
                self._msg_opcode = None
                self._parts = []
                received("MessageReceived", text)
            elif self._frame_by_frame:
                received("MessageReceived", text)
        else:
            if self._frame_by_frame:
                types = {ftFirst} if first else {ftContinuation}
                if fin:
                    types.add(ftLast)
                    self._msg_opcode = None
                received("BinaryDataReceived", bytes(payload), frozenset(types))
            elif first and fin:
                self._msg_opcode = None
                received("BinaryDataReceived", bytes(payload), _TYPES_WHOLE_SINGLE)
            else:
                if first:
                    self._parts = []
                self._parts.append(payload)
                if fin:
                    data = b"".join(self._parts)
                    self._parts = []
                    self._msg_opcode = None
                    received("BinaryDataReceived", data, _TYPES_WHOLE_FRAGMENTED)

    def _handle_control(self, opcode: int, payload: bytes | bytearray) -> None:
        session = self.session
        closing = session.closing
        conn = session.conn
        payload = bytes(payload)
        if opcode == OP_PING:
            if not self._manual_pong and not closing.peer_closed:
                conn._send_control(OP_PONG, payload)
            session.received("PingReceived", payload)
        elif opcode == OP_PONG:
            session.heartbeat.pong_received()
            session.received("PongReceived", payload)
        elif opcode == OP_CLOSE:
            if closing.peer_closed:
                return
            code, reason = parse_close(payload)
            closing.peer_closed = True
            session.close_code = code
            session.close_reason = reason
            if not conn._close_sent and not self._manual_close:
                conn._send_control(OP_CLOSE, payload[:2] if code != CLOSE_NO_STATUS else b"")
            session.received("CloseReceived", payload)
            if conn._close_sent:
                closing.start_deadline()
                session.enter_closing()


def parse_close(payload: bytes) -> tuple[int, str]:
    """(code, reason) of a server's close frame; 1005 for an empty one. Raises the protocol
    error (1-byte payload, a code that may not be sent) or the invalid-payload error."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) == 1:
        raise EWebSocketClientProtocolError("the server sent a close frame with a 1-byte "
                                            "payload")
    code = int.from_bytes(payload[:2], "big")
    if code not in _VALID_CLOSE_CODES and not 3000 <= code <= 4999:
        raise EWebSocketClientProtocolError(
            f"the server sent close code {code}, which may not be sent (RFC 6455 §7.4)")
    try:
        reason = decode_text(payload[2:])
    except InvalidUTF8:
        raise EWebSocketClientInvalidPayload(
            "the server's close reason is not valid UTF-8") from None
    return code, reason
