"""RFC 6455 payload transforms: masking and strict UTF-8 decoding (client and server).

Internal module, the one home of this work in the package. Everything here is pure computation
with no I/O and no shared state (a :class:`Utf8FragmentDecoder` belongs to one connection's
reader), so any thread may call it.

- :func:`apply_mask` XORs a payload with a 4-byte masking key (RFC 6455 §5.3); it is its own
  inverse. It is the hot-path form: arguments are not checked. :func:`mask` is the checked form.
- :func:`decode_text` decodes a complete text message (or a close reason) strictly.
- :class:`Utf8FragmentDecoder` decodes a fragmented text message frame by frame and rejects
  invalid UTF-8 at the first frame boundary where no continuation could make it valid.

Invalid UTF-8 raises :class:`InvalidUTF8`, which a connection maps to close code 1007.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

__all__ = ["CLOSE_INVALID_PAYLOAD", "InvalidUTF8", "Utf8FragmentDecoder", "apply_mask",
           "decode_text", "mask", "mask_backend"]

#: RFC 6455 close code for a text payload that is not valid UTF-8.
CLOSE_INVALID_PAYLOAD = 1007

_BytesLike = bytes | bytearray | memoryview


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


def _mask_with_int(data: _BytesLike, key: _BytesLike) -> bytes:
    """Pure-Python masking with one big-integer XOR (C speed too; the fallback)."""
    size = len(data)
    repeated = bytes(key) * (size // 4 + 1)
    return (int.from_bytes(data, "little") ^ int.from_bytes(repeated[:size], "little")).to_bytes(
        size, "little"
    )


def _load_masker() -> tuple[Callable[[_BytesLike, _BytesLike], bytes], str]:
    # websockets (a runtime dependency) ships a C apply_mask that XORs 8 bytes per step
    # (~25 GB/s here): the fastest correct masker measured. Without its extension module (a
    # non-CPython build), one big-integer XOR needs nothing and is still C-speed.
    try:
        from websockets.speedups import apply_mask as c_apply_mask
    except ImportError:  # pragma: no cover - websockets ships the C extension on CPython
        return _mask_with_int, "python big-integer XOR"
    return c_apply_mask, "websockets.speedups"


apply_mask, mask_backend = _load_masker()
"""``apply_mask(data, key)``: ``data`` XOR-ed with the repeating 4-byte ``key``; unchecked.
``mask_backend`` names the implementation in use."""


def mask(key4: _BytesLike, data: _BytesLike) -> bytes:
    """Return ``data`` XOR-ed with the repeating 4-byte ``key4`` (masks and unmasks alike).

    Raises ``ValueError`` when the key is not exactly 4 bytes, ``TypeError`` when either argument
    is not bytes-like. Empty data gives ``b""``.
    """
    try:
        if len(key4) == 4:
            return apply_mask(data, key4)
    except TypeError:
        pass  # not bytes-like: explained below
    _check_mask_arguments(key4, data)
    raise AssertionError("unreachable: _check_mask_arguments accepted bad arguments")


def _check_mask_arguments(key4: object, data: object) -> None:
    if not isinstance(key4, bytes | bytearray | memoryview):
        raise TypeError(f"mask key must be bytes, not {type(key4).__name__}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"payload to mask must be bytes-like, not {type(data).__name__}")
    if len(key4) != 4:
        raise ValueError(f"mask key must be exactly 4 bytes, got {len(key4)}")


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
