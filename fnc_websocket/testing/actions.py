"""Things the mock server can do to a connection: send frames (valid or deliberately broken), close,
drop the TCP connection, stop reading. Used as scripted replies, as on-connect steps and as faults.

Each action is an immutable value; ``run(connection)`` performs it on a
:class:`~fnc_websocket.testing.mock_server.MockConnection` (on whichever thread calls it).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from fnc_websocket.testing._frames import Opcode, close_payload, encode_frame

if TYPE_CHECKING:
    from fnc_websocket.testing.mock_connection import MockConnection

__all__ = [
    "INVALID_UTF8",
    "Action",
    "Binary",
    "Close",
    "DelayHandshake",
    "Drop",
    "Fragmented",
    "Frame",
    "HandshakeFault",
    "IgnoreClose",
    "InvalidUtf8",
    "Oversized",
    "Ping",
    "Pong",
    "ProtocolViolation",
    "RawBytes",
    "RefuseHandshake",
    "StopReading",
    "Text",
    "Violation",
    "as_action",
]

INVALID_UTF8 = b"invalid \xff\xfe utf-8 \xc3\x28"
"""Default payload of :class:`InvalidUtf8`: bytes that no UTF-8 decoder accepts."""


class Action:
    """Base class of everything the mock can do to an open connection."""

    def run(self, connection: MockConnection) -> None:
        """Perform the action on ``connection``."""
        raise NotImplementedError


@attrs.frozen
class Text(Action):
    """Send a text message in one frame."""

    text: str

    def run(self, connection: MockConnection) -> None:
        connection.send_frame(Opcode.TEXT, self.text.encode("utf-8"))


@attrs.frozen
class Binary(Action):
    """Send a binary message in one frame."""

    data: bytes

    def run(self, connection: MockConnection) -> None:
        connection.send_frame(Opcode.BINARY, bytes(self.data))


@attrs.frozen
class Ping(Action):
    """Send a ping frame."""

    payload: bytes = b""

    def run(self, connection: MockConnection) -> None:
        connection.send_frame(Opcode.PING, bytes(self.payload))


@attrs.frozen
class Pong(Action):
    """Send an (unsolicited) pong frame."""

    payload: bytes = b""

    def run(self, connection: MockConnection) -> None:
        connection.send_frame(Opcode.PONG, bytes(self.payload))


@attrs.frozen
class Close(Action):
    """Start the closing handshake with ``code`` and ``reason`` (``code=None``: empty close body).

    The mock then waits (bounded by its ``close_timeout``) for the client's close frame, then
    closes TCP.
    """

    code: int | None = 1000
    reason: str = ""

    def run(self, connection: MockConnection) -> None:
        connection.close(self.code, self.reason)


@attrs.frozen
class Drop(Action):
    """Drop the TCP connection without a close frame; ``reset=True`` sends an RST, not a FIN."""

    reset: bool = False

    def run(self, connection: MockConnection) -> None:
        connection.drop(reset=self.reset)


@attrs.frozen
class IgnoreClose(Action):
    """From now on, never answer the client's close frame (and keep the TCP connection open)."""

    def run(self, connection: MockConnection) -> None:
        connection.ignore_close()


@attrs.frozen
class StopReading(Action):
    """Stop reading from the socket (a slow consumer) until ``resume_reading()`` or stop."""

    def run(self, connection: MockConnection) -> None:
        connection.stop_reading()


@attrs.frozen
class InvalidUtf8(Action):
    """Send a text message whose payload is not valid UTF-8."""

    payload: bytes = INVALID_UTF8

    def run(self, connection: MockConnection) -> None:
        connection.send_frame(Opcode.TEXT, self.payload)


@attrs.frozen
class Oversized(Action):
    """Send one message of ``size`` bytes (text of ``"x"`` characters, or binary zero bytes)."""

    size: int
    binary: bool = False

    def run(self, connection: MockConnection) -> None:
        if self.binary:
            connection.send_frame(Opcode.BINARY, bytes(self.size))
        else:
            connection.send_frame(Opcode.TEXT, b"x" * self.size)


def _split(payload: bytes, parts: int) -> list[bytes]:
    parts = max(1, min(parts, max(1, len(payload))))
    step, extra = divmod(len(payload), parts)
    chunks, start = [], 0
    for index in range(parts):
        end = start + step + (1 if index < extra else 0)
        chunks.append(payload[start:end])
        start = end
    return chunks


@attrs.frozen
class Fragmented(Action):
    """Send ``message`` (str: text, bytes: binary) as ``fragments`` frames, each of ``interleave``'s
    control frames sent between every two fragments (e.g. ``interleave=(Ping(b"x"),)``).

    A text message is split on byte boundaries, so a fragment may end inside a UTF-8 sequence, as
    RFC 6455 allows.
    """

    message: str | bytes
    fragments: int = 3
    interleave: Sequence[Ping | Pong] = ()

    def run(self, connection: MockConnection) -> None:
        if isinstance(self.message, str):
            opcode, payload = Opcode.TEXT, self.message.encode("utf-8")
        else:
            opcode, payload = Opcode.BINARY, bytes(self.message)
        chunks = _split(payload, self.fragments)
        frames = []
        for index, chunk in enumerate(chunks):
            if index:
                for control in self.interleave:
                    control_opcode = Opcode.PING if isinstance(control, Ping) else Opcode.PONG
                    frames.append(encode_frame(control_opcode, control.payload))
            last = index == len(chunks) - 1
            frame_opcode = opcode if index == 0 else Opcode.CONTINUATION
            frames.append(encode_frame(frame_opcode, chunk, fin=last))
        connection.send_raw(b"".join(frames))


class Violation(enum.Enum):
    """Protocol violations the mock can commit on purpose (the RFC 6455 section is in the value)."""

    RESERVED_OPCODE = "data frame with reserved opcode 0x3 (5.2)"
    RESERVED_CONTROL_OPCODE = "control frame with reserved opcode 0xB (5.2)"
    RSV_BITS = "RSV1 set without a negotiated extension (5.2)"
    FRAGMENTED_CONTROL = "ping frame with FIN clear (5.5)"
    LONG_CONTROL = "ping frame with a 126-byte payload (5.5)"
    MASKED_SERVER_FRAME = "masked frame sent by the server (5.1)"
    UNEXPECTED_CONTINUATION = "continuation frame with no message started (5.4)"
    INTERLEAVED_MESSAGE = "new text frame inside a fragmented message (5.4)"
    BAD_CLOSE_CODE = "close frame with reserved status code 1005 (7.4.1)"
    ONE_BYTE_CLOSE = "close frame with a 1-byte body (5.5.1)"


_VIOLATION_BYTES = {
    Violation.RESERVED_OPCODE: lambda: encode_frame(0x3, b"reserved"),
    Violation.RESERVED_CONTROL_OPCODE: lambda: encode_frame(0xB, b"reserved"),
    Violation.RSV_BITS: lambda: encode_frame(Opcode.TEXT, b"rsv", rsv=0b100),
    Violation.FRAGMENTED_CONTROL: lambda: encode_frame(Opcode.PING, b"frag", fin=False),
    Violation.LONG_CONTROL: lambda: encode_frame(Opcode.PING, b"p" * 126),
    Violation.MASKED_SERVER_FRAME: lambda: encode_frame(Opcode.TEXT, b"masked", mask=True),
    Violation.UNEXPECTED_CONTINUATION: lambda: encode_frame(Opcode.CONTINUATION, b"orphan"),
    Violation.INTERLEAVED_MESSAGE: lambda: (
        encode_frame(Opcode.TEXT, b"first", fin=False) + encode_frame(Opcode.TEXT, b"second")
    ),
    Violation.BAD_CLOSE_CODE: lambda: encode_frame(Opcode.CLOSE, close_payload(1005)),
    Violation.ONE_BYTE_CLOSE: lambda: encode_frame(Opcode.CLOSE, b"\x03"),
}


def _to_violation(kind: Violation | str) -> Violation:
    if isinstance(kind, Violation):
        return kind
    try:
        return Violation[kind]
    except KeyError:
        raise ValueError(
            f"unknown protocol violation {kind!r}; one of {[v.name for v in Violation]}"
        ) from None


@attrs.frozen
class ProtocolViolation(Action):
    """Send the bytes of the protocol violation ``kind`` (a :class:`Violation` or its name)."""

    kind: Violation = attrs.field(converter=_to_violation)

    def run(self, connection: MockConnection) -> None:
        connection.send_raw(_VIOLATION_BYTES[self.kind]())


@attrs.frozen
class Frame(Action):
    """Send one frame exactly as described (any opcode, FIN, RSV bits, masking, declared length)."""

    opcode: int
    payload: bytes = b""
    fin: bool = True
    rsv: int = 0
    mask: bool = False
    declared_length: int | None = None

    def run(self, connection: MockConnection) -> None:
        connection.send_frame(
            self.opcode, self.payload, fin=self.fin, rsv=self.rsv, mask=self.mask,
            declared_length=self.declared_length,
        )


@attrs.frozen
class RawBytes(Action):
    """Write ``data`` to the socket as is."""

    data: bytes

    def run(self, connection: MockConnection) -> None:
        connection.send_raw(bytes(self.data))


class HandshakeFault:
    """Base class of faults applied while answering the opening handshake."""


@attrs.frozen
class RefuseHandshake(HandshakeFault):
    """Answer the upgrade request with HTTP ``status`` (not 101), extra ``headers`` and ``body``,
    then close the TCP connection."""

    status: int = 403
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    reason: str | None = None
    """Reason phrase; None uses the standard one for ``status``."""


@attrs.frozen
class DelayHandshake(HandshakeFault):
    """Wait ``seconds`` (interrupted by server stop) before answering the upgrade request."""

    seconds: float


def as_action(reply: str | bytes | bytearray | Action) -> Action:
    """Coerce a reply: str is a text message, bytes a binary message, an Action itself."""
    if isinstance(reply, Action):
        return reply
    if isinstance(reply, str):
        return Text(reply)
    if isinstance(reply, bytes | bytearray | memoryview):
        return Binary(bytes(reply))
    raise TypeError(
        f"a mock reply must be str, bytes or an Action, not {type(reply).__name__}: {reply!r}"
    )
