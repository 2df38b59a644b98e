"""What the two sides share about WebSocket messages, written once.

The client uses all of it; the server (whose protocol comes from ``websockets``) uses the strict
UTF-8 decoding and the frame-type sets. The testing kit has its own framing (it must be able to
misbehave) and takes opcodes and close payloads from ``types``.

Pure computation, no I/O, no threads of its own: every object here belongs to one connection's
reader (the thread that reads frames) and is used only there.

- Frame types: the RFC 6455 opcodes (``OP_TEXT``, ...), the ``ftFirst``/``ftContinuation``/
  ``ftLast`` sets of ``OnBinaryDataReceived`` (:func:`frame_types`), valid close codes.
- Strict UTF-8: :func:`decode_text` for a whole message or close reason, and
  :class:`Utf8FragmentDecoder`, which decodes a fragmented text message frame by frame and rejects
  invalid UTF-8 at the first frame where no continuation could make it valid (a message that
  ends mid-character included). Invalid text raises :class:`InvalidUTF8` (close 1007).
- :class:`Reassembler`: turns data frames into messages in linear time (parts are joined once, at
  the last frame), bounded by a maximum message size checked from the frame header, before the
  payload is buffered (:class:`MessageTooBig`, close 1009); fragment order is checked
  (:class:`ProtocolViolation`, close 1002). With ``frame_by_frame`` it hands out each frame.
- :func:`check_control_frame` and :func:`parse_close` check control frames the same way.
- :func:`dispatch`: hands a :class:`Received` item to the component's protected ``*Received``
  method (``MessageReceived``, ``BinaryDataReceived``, ``PingReceived``, ``PongReceived``,
  ``CloseReceived``), which raises the event.

Errors carry ``close_code``, the status the connection must be failed with.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any, NamedTuple

from fnc_websocket.types import (
    CLOSE_INVALID_PAYLOAD,
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_NO_STATUS,
    CLOSE_PROTOCOL_ERROR,
    MAX_CONTROL_PAYLOAD,
    focBinary,
    focClose,
    focContinuation,
    focPing,
    focPong,
    focText,
    ftContinuation,
    ftFirst,
    ftLast,
    is_sendable_close_code,
)

__all__ = [
    "InvalidUTF8", "MessageError", "MessageTooBig", "OP_BINARY", "OP_CLOSE", "OP_CONT",
    "OP_PING", "OP_PONG", "OP_TEXT", "ProtocolViolation", "RECEIVED_METHODS", "Reassembler",
    "Received", "Utf8FragmentDecoder", "check_control_frame", "decode_text", "dispatch",
    "frame_types", "keeps_received_methods", "parse_close",
]

# Plain ints for the hot paths; the values have one home, ``types``.
OP_CONT, OP_TEXT, OP_BINARY = int(focContinuation), int(focText), int(focBinary)
OP_CLOSE, OP_PING, OP_PONG = int(focClose), int(focPing), int(focPong)

_BytesLike = bytes | bytearray | memoryview

# -- frame types ---------------------------------------------------------------------------------

_FRAME_TYPES = {
    (True, True): frozenset((ftFirst, ftLast)),
    (True, False): frozenset((ftFirst,)),
    (False, False): frozenset((ftContinuation,)),
    (False, True): frozenset((ftContinuation, ftLast)),
}


def frame_types(first: bool, last: bool) -> frozenset[Any]:
    """The ``AFrameType`` set of a frame: ftFirst for the first, ftContinuation for the others,
    plus ftLast for the final one. A whole message reassembled from several frames is
    ``{ftContinuation, ftLast}``; an unfragmented one ``{ftFirst, ftLast}``."""
    return _FRAME_TYPES[first, last]


# -- errors --------------------------------------------------------------------------------------

class MessageError(ValueError):
    """What the peer sent cannot be accepted; ``close_code`` is the status to close with."""

    close_code = CLOSE_PROTOCOL_ERROR


class ProtocolViolation(MessageError):
    """The peer broke RFC 6455 (fragment order, control frame rules, close payload): 1002."""


class MessageTooBig(MessageError):
    """A message exceeds the maximum message size: 1009. ``size`` is what is known of it."""

    close_code = CLOSE_MESSAGE_TOO_BIG

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"a message of at least {size} bytes exceeds MaxMessageSize "
                         f"({limit} bytes)")
        self.size = size
        self.limit = limit


class InvalidUTF8(UnicodeDecodeError):
    """A text message (or a close reason) is not valid UTF-8; the peer must be closed with 1007.

    ``position`` (also ``start``, as for any ``UnicodeDecodeError``) is the offset, in bytes from
    the start of the whole message, of the first byte of the offending sequence; ``reason`` is
    the decoder's description (e.g. "invalid continuation byte", "unexpected end of data").
    Being a ``UnicodeDecodeError`` (hence a ``ValueError``), it is what code written for the
    standard codecs already catches.
    """

    close_code = CLOSE_INVALID_PAYLOAD

    def __init__(self, reason: str, position: int) -> None:
        super().__init__("utf-8", b"", position, position + 1, reason)

    @property
    def position(self) -> int:
        return self.start

    def __str__(self) -> str:
        return f"invalid UTF-8 in text message at byte {self.start}: {self.reason}"


# -- strict UTF-8 --------------------------------------------------------------------------------

def decode_text(payload: _BytesLike) -> str:
    """Decode a complete text message strictly (RFC 3629: no overlongs, surrogates, > U+10FFFF).

    Raises :class:`InvalidUTF8` naming the byte offset of the first bad sequence.
    """
    try:
        return str(payload, "utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidUTF8(exc.reason, exc.start) from None


_Utf8IncrementalDecoder = codecs.getincrementaldecoder("utf-8")


class Utf8FragmentDecoder:
    """Strict UTF-8 decoding of one fragmented text message, one frame payload at a time.

    Call :meth:`decode` with each frame's payload in order, ``final=True`` for the frame with FIN
    set; join the returned strings for the message. A sequence split across frames is carried
    over (at most 3 bytes). :class:`InvalidUTF8` is raised by the first call whose bytes make the
    message invalid whatever follows — including a truncated sequence that can no longer be
    completed validly (e.g. ``ED A0``, a surrogate's first two bytes), and, on the final frame,
    a sequence left incomplete. After an error or a final frame the decoder is ready for the next
    message; :meth:`reset` abandons a message half-way (e.g. when the connection drops).
    """

    __slots__ = ("_decoder", "_offset")

    def __init__(self) -> None:
        self._decoder = _Utf8IncrementalDecoder("strict")
        self._offset = 0  # bytes of this message fed before the current fragment

    def reset(self) -> None:
        """Forget any partial message."""
        self._decoder.reset()
        self._offset = 0

    @property
    def pending(self) -> bytes:
        """The bytes of an incomplete sequence carried over to the next fragment (0 to 3 bytes)."""
        return self._decoder.getstate()[0]

    def decode(self, fragment: _BytesLike, final: bool) -> str:
        """Decode the next frame payload of the message; ``final`` for the last frame.

        Returns the text completed by this fragment (possibly ``""``). Raises
        :class:`InvalidUTF8`, with the offset counted from the start of the message.
        """
        carried = len(self.pending)
        try:
            text = self._decoder.decode(fragment, final)
        except UnicodeDecodeError as exc:
            # exc.start counts from the start of carried-over bytes + this fragment.
            position = self._offset - carried + exc.start
            self.reset()
            raise InvalidUTF8(exc.reason, position) from None
        if final:
            self._offset = 0
            return text
        self._offset += len(fragment)
        pending = self.pending
        # CPython rejects every dead prefix early except a surrogate's first two bytes
        # (ED A0..ED BF): they can only become U+D800..U+DFFF, which UTF-8 forbids.
        if len(pending) >= 2 and pending[0] == 0xED and pending[1] >= 0xA0:
            position = self._offset - len(pending)
            self.reset()
            raise InvalidUTF8("invalid continuation byte (UTF-16 surrogate)", position)
        return text


# -- what a reader hands to the component ----------------------------------------------------------

class Received(NamedTuple):
    """One item for the component: ``method`` is the protected ``*Received`` method to call,
    ``args`` its arguments after ``(Sender, AConnection)``."""

    method: str
    args: tuple[Any, ...]


RECEIVED_METHODS = frozenset(("MessageReceived", "BinaryDataReceived", "PingReceived",
                              "PongReceived", "CloseReceived"))


def keeps_received_methods(cls: type, base: type) -> bool:
    """True when ``cls`` overrides none of ``base``'s protected ``*Received`` methods (they are
    documented to run on the reading thread, so only then may the home thread read)."""
    return all(getattr(cls, name) is getattr(base, name) for name in RECEIVED_METHODS)


def dispatch(component: Any, connection: Any, item: Received,
             on_error: Callable[[BaseException], None]) -> None:
    """Call ``component.<item.method>(connection, connection, *item.args)`` (Sender is the
    connection, as in TMS); an exception from an override goes to ``on_error``."""
    try:
        getattr(component, item.method)(connection, connection, *item.args)
    except Exception as exc:
        on_error(exc)


# -- reassembly ----------------------------------------------------------------------------------

class Reassembler:
    """Data frames in, messages out, for one connection; see the module docstring.

    ``max_size`` bounds a message in bytes (0: no bound). :meth:`check_header` rejects a frame
    from its header alone; :meth:`feed` takes the whole frame and returns the
    :class:`Received` items it completes (none, or one).
    """

    __slots__ = ("_decoder", "_frame_by_frame", "_max", "_opcode", "_parts", "_size")

    def __init__(self, max_size: int, frame_by_frame: bool = False) -> None:
        self._max = max_size
        self._frame_by_frame = frame_by_frame
        self._opcode: int | None = None  # opcode of the message in progress
        self._size = 0
        self._parts: list[Any] = []
        self._decoder = Utf8FragmentDecoder()

    @property
    def in_message(self) -> bool:
        """True between the first and the last frame of a fragmented message."""
        return self._opcode is not None

    def check_header(self, opcode: int, length: int) -> None:
        """Check a data frame's place in the sequence and the message size it implies, before
        its payload is read. Raises :class:`ProtocolViolation` or :class:`MessageTooBig`."""
        if opcode == OP_CONT:
            if self._opcode is None:
                raise ProtocolViolation("the peer sent a continuation frame with no message "
                                        "to continue")
            size = self._size + length
        elif opcode in (OP_TEXT, OP_BINARY):
            if self._opcode is not None:
                raise ProtocolViolation("the peer started a new message before finishing a "
                                        "fragmented one")
            size = length
        else:
            return
        if self._max and size > self._max:
            raise MessageTooBig(size, self._max)

    def feed(self, opcode: int, fin: bool, payload: _BytesLike) -> Received | None:
        """Take one complete data frame; return the item it completes, or None."""
        first = opcode != OP_CONT
        if first and fin and self._opcode is None and not self._frame_by_frame:
            # the common case, kept short: one frame, one message (check_header's size check)
            if self._max and len(payload) > self._max:
                raise MessageTooBig(len(payload), self._max)
            if opcode == OP_TEXT:
                return Received("MessageReceived", (decode_text(payload),))
            return Received("BinaryDataReceived", (bytes(payload), _FRAME_TYPES[True, True]))
        self.check_header(opcode, len(payload))
        if first:
            self._opcode = opcode
            self._size = 0
            self._parts = []
            self._decoder.reset()
        self._size += len(payload)
        text = self._opcode == OP_TEXT
        if fin:
            self._opcode = None
        if self._frame_by_frame:
            if text:
                return Received("MessageReceived", (self._decoder.decode(payload, fin),))
            return Received("BinaryDataReceived", (bytes(payload), _FRAME_TYPES[first, fin]))
        if text:
            self._parts.append(self._decoder.decode(payload, fin))
        else:
            self._parts.append(payload)
        if not fin:
            return None
        parts, self._parts = self._parts, []
        if text:
            return Received("MessageReceived", ("".join(parts),))
        return Received("BinaryDataReceived", (b"".join(parts), _FRAME_TYPES[False, True]))


# -- control frames ------------------------------------------------------------------------------

def check_control_frame(opcode: int, fin: bool, length: int) -> None:
    """Control frames are never fragmented and carry at most 125 bytes (RFC 6455 §5.5)."""
    if not fin:
        raise ProtocolViolation(f"the peer sent a fragmented control frame (opcode {opcode})")
    if length > MAX_CONTROL_PAYLOAD:
        raise ProtocolViolation(f"the peer sent a control frame of {length} bytes (at most "
                                f"{MAX_CONTROL_PAYLOAD})")


def parse_close(payload: _BytesLike) -> tuple[int, str]:
    """(code, reason) of a close frame; (1005, '') for an empty one. Raises
    :class:`ProtocolViolation` (a 1-byte payload, a code that may not be sent) or
    :class:`InvalidUTF8` (the reason)."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) == 1:
        raise ProtocolViolation("the peer sent a close frame with a 1-byte payload")
    code = int.from_bytes(payload[:2], "big")
    if not is_sendable_close_code(code):
        raise ProtocolViolation(f"the peer sent close code {code}, which may not be sent "
                                "(RFC 6455 §7.4)")
    try:
        reason = decode_text(payload[2:])
    except InvalidUTF8 as exc:
        raise InvalidUTF8("the close reason is not valid UTF-8: " + exc.reason,
                          exc.position) from None
    return code, reason
