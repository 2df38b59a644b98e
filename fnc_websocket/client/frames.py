"""Client-side RFC 6455 framing: masked frame encoding and a buffered frame reader.

Masking is :func:`fnc_websocket._payload.apply_mask` (the package's one masker).

The reader reads large chunks from the socket into one buffer and cuts frames out of it, so a
burst of small frames costs one ``recv`` instead of two or three per frame; a large payload is
read straight into its own preallocated buffer.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

from fnc_websocket._payload import apply_mask
from fnc_websocket.client.errors import EWebSocketClientProtocolError

__all__ = ["FrameReader", "MaskKeys", "encode_frame", "encode_frames"]

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
DATA_OPCODES = frozenset((OP_CONT, OP_TEXT, OP_BINARY))
CONTROL_OPCODES = frozenset((OP_CLOSE, OP_PING, OP_PONG))


class MaskKeys:
    """Cryptographically random 4-byte masking keys, drawn from ``os.urandom`` in batches.

    Not thread-safe: use it under the connection's send lock.
    """

    __slots__ = ("_pool", "_pos")

    def __init__(self) -> None:
        self._pool = b""
        self._pos = 0

    def next(self) -> bytes:
        pos = self._pos
        if pos >= len(self._pool):
            self._pool = os.urandom(4096)
            pos = 0
        self._pos = pos + 4
        return self._pool[pos:pos + 4]


_pack_16 = struct.Struct("!BBH").pack
_pack_64 = struct.Struct("!BBQ").pack


def encode_frame(opcode: int, payload: bytes | bytearray | memoryview, fin: bool,
                 key: bytes) -> tuple[bytes, bytes]:
    """(header with masking key, masked payload) of one client frame."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        header = bytes((b0, 0x80 | n))
    elif n < 65536:
        header = _pack_16(b0, 0xFE, n)
    else:
        header = _pack_64(b0, 0xFF, n)
    return header + key, apply_mask(payload, key) if n else b""


def encode_frames(opcode: int, payload: bytes | bytearray | memoryview, sizes: list[int],
                  keys: MaskKeys) -> list[bytes]:
    """The frames of one message split by payload ``sizes``: first ``opcode``, then
    continuations, FIN on the last; returned as a flat list of byte strings to write in order."""
    out: list[bytes] = []
    view = memoryview(payload)
    pos = 0
    last = len(sizes) - 1
    for i, size in enumerate(sizes):
        header, body = encode_frame(opcode if i == 0 else OP_CONT, view[pos:pos + size],
                                    i == last, keys.next())
        out.append(header)
        if body:
            out.append(body)
        pos += size
    return out


_BIG = 65536  # payloads at least this long are read straight into their own buffer


class FrameReader:
    """Cuts frames out of the byte stream from the server.

    ``read_frame(wait)`` returns ``(fin, opcode, payload)`` for the next complete frame. When
    the buffer holds no complete frame it calls ``wait()`` (which blocks until the socket is
    readable, or raises), then ``recv_into``. Partial data survives an exception from ``wait``,
    so a later call continues where this one stopped. ``check_header(fin, opcode, length)`` runs
    once per frame as soon as its header is complete (before the payload is read): it raises
    to reject the frame early (bad sequence, message too big).
    """

    def __init__(self, recv_into: Callable[[memoryview], int],
                 check_header: Callable[[bool, int, int], None], initial: bytes = b"") -> None:
        self._recv_into = recv_into
        self._check_header = check_header
        self._buf = bytearray(initial)
        self._pos = 0
        self._checked_at = -1
        self._chunk = bytearray(_BIG)
        self._chunk_view = memoryview(self._chunk)
        # a large frame being filled: (fin, opcode, payload buffer, bytes received)
        self._big: tuple[bool, int, bytearray] | None = None
        self._big_got = 0

    def buffered(self) -> int:
        """Bytes received but not yet returned as frames."""
        return len(self._buf) - self._pos + (self._big_got if self._big else 0)

    def read_frame(self, wait: Callable[[], None]) -> tuple[bool, int, bytes | bytearray]:
        while True:
            big = self._big
            if big is not None:
                fin, opcode, payload = big
                view = memoryview(payload)
                while self._big_got < len(payload):
                    wait()
                    n = self._recv_into(view[self._big_got:])
                    if not n:
                        raise EOFError
                    self._big_got += n
                self._big = None
                self._big_got = 0
                return fin, opcode, payload
            frame = self._parse()
            if frame is not None:
                return frame
            if self._big is not None:
                continue
            wait()
            n = self._recv_into(self._chunk_view)
            if not n:
                raise EOFError
            if self._pos == len(self._buf):
                self._buf[:] = self._chunk_view[:n]
                self._pos = 0
                self._checked_at = -1
            else:
                self._buf += self._chunk_view[:n]

    def _parse(self) -> tuple[bool, int, bytes | bytearray] | None:
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail < 2:
            return None
        b0 = buf[pos]
        b1 = buf[pos + 1]
        length = b1 & 0x7F
        head = 2
        if length == 126:
            if avail < 4:
                return None
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            head = 4
        elif length == 127:
            if avail < 10:
                return None
            length = int.from_bytes(buf[pos + 2:pos + 10], "big")
            head = 10
        if self._checked_at != pos:
            self._validate(b0, b1, length)
            self._checked_at = pos
        fin = bool(b0 & 0x80)
        opcode = b0 & 0x0F
        end = pos + head + length
        if end > len(buf):
            if length >= _BIG:
                payload = bytearray(length)
                got = len(buf) - pos - head
                payload[:got] = buf[pos + head:]
                buf.clear()
                self._pos = 0
                self._checked_at = -1
                self._big = (fin, opcode, payload)
                self._big_got = got
            elif pos:
                del buf[:pos]
                self._pos = 0
                self._checked_at = 0
            return None
        payload = bytes(buf[pos + head:end])
        self._checked_at = -1
        if end == len(buf):
            buf.clear()
            self._pos = 0
        else:
            self._pos = end
        return fin, opcode, payload

    def _validate(self, b0: int, b1: int, length: int) -> None:
        if b0 & 0x70:
            raise EWebSocketClientProtocolError(
                "the server set reserved bits (RSV) that no negotiated extension defines")
        if b1 & 0x80:
            raise EWebSocketClientProtocolError("the server sent a masked frame")
        opcode = b0 & 0x0F
        if opcode in CONTROL_OPCODES:
            if not b0 & 0x80:
                raise EWebSocketClientProtocolError(
                    f"the server fragmented a control frame (opcode {opcode:#x})")
            if length > 125:
                raise EWebSocketClientProtocolError(
                    f"the server sent a control frame with a {length}-byte payload (max 125)")
        elif opcode not in DATA_OPCODES:
            raise EWebSocketClientProtocolError(f"the server used reserved opcode {opcode:#x}")
        if length >> 63:
            raise EWebSocketClientProtocolError("frame length has its most significant bit set")
        self._check_header(bool(b0 & 0x80), opcode, length)
