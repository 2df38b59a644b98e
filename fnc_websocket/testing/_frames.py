"""RFC 6455 framing for the mock server: encode any frame (valid or not), decode client frames.

The mock must be able to misbehave on purpose and to record what the client really sent (including
unmasked frames, which a conforming server library would reject before we could see them), so the
framing lives here instead of in a library. Opcode values and close payloads come from
:mod:`fnc_websocket.types`, the package's one definition of them.
"""

from __future__ import annotations

import enum
import os
import struct

from fnc_websocket.types import CONTROL_OPCODES as TYPES_CONTROL_OPCODES
from fnc_websocket.types import (
    encode_close_payload,
    focBinary,
    focClose,
    focContinuation,
    focPing,
    focPong,
    focText,
    split_close_payload,
)

__all__ = [
    "CONTROL_OPCODES",
    "FrameHeader",
    "Opcode",
    "apply_mask",
    "close_payload",
    "encode_frame",
    "parse_close_payload",
    "parse_header",
]


class Opcode(enum.IntEnum):
    """WebSocket frame opcodes (RFC 6455 section 5.2), with the kit's short names; the values
    are those of :class:`fnc_websocket.types.TTMSFNCWebSocketFrameOpcode`."""

    CONTINUATION = focContinuation
    TEXT = focText
    BINARY = focBinary
    CLOSE = focClose
    PING = focPing
    PONG = focPong

    @staticmethod
    def name_of(value: int) -> str:
        """Name of a known opcode, or ``reserved-0xN`` for the reserved ones."""
        try:
            return Opcode(value).name
        except ValueError:
            return f"reserved-0x{value:X}"


CONTROL_OPCODES = frozenset(Opcode(code) for code in TYPES_CONTROL_OPCODES)


def apply_mask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte masking ``key`` (masking and unmasking are the same).

    Deliberately independent of the client's ``fnc_websocket._payload``: a mock that shared the
    code under test could not catch a bug in it.
    """
    if not payload:
        return b""
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def encode_frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bool = False,
    declared_length: int | None = None,
) -> bytes:
    """Encode one frame exactly as asked, without validating it.

    ``rsv`` is the 3-bit RSV1..RSV3 field (RSV1 = 4). ``declared_length`` writes a length header
    that differs from the payload actually sent (for lying-length faults).
    """
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | (opcode & 0xF)
    length = len(payload) if declared_length is None else declared_length
    mask_bit = 0x80 if mask else 0
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if mask:
        key = os.urandom(4)
        return header + key + apply_mask(payload, key)
    return header + payload


class FrameHeader:
    """The decoded fixed part of a frame header; ``extra`` is how many more header bytes follow."""

    __slots__ = ("extra", "fin", "length_code", "masked", "opcode", "rsv")

    def __init__(self, first: int, second: int) -> None:
        self.fin = bool(first & 0x80)
        self.rsv = (first >> 4) & 0x7
        self.opcode = first & 0xF
        self.masked = bool(second & 0x80)
        self.length_code = second & 0x7F
        length_bytes = {126: 2, 127: 8}.get(self.length_code, 0)
        self.extra = length_bytes + (4 if self.masked else 0)


def parse_header(head: bytes) -> FrameHeader:
    """Decode the first two bytes of a frame."""
    return FrameHeader(head[0], head[1])


def split_extended(header: FrameHeader, extra: bytes) -> tuple[int, bytes | None]:
    """From the extended header bytes, return (payload length, masking key or None)."""
    if header.length_code == 126:
        length = struct.unpack("!H", extra[:2])[0]
        rest = extra[2:]
    elif header.length_code == 127:
        length = struct.unpack("!Q", extra[:8])[0]
        rest = extra[8:]
    else:
        length = header.length_code
        rest = extra
    return length, (rest[:4] if header.masked else None)


def close_payload(code: int | None, reason: str | bytes = "") -> bytes:
    """Body of a close frame, unchecked (any code, any reason length); ``code=None`` gives an
    empty body (no status)."""
    return encode_close_payload(code, reason, check=False)


def parse_close_payload(payload: bytes) -> tuple[int | None, str]:
    """Decode a close body into (code or None, reason); undecodable reason bytes are escaped."""
    return split_close_payload(payload, errors="backslashreplace")
