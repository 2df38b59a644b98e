"""The client's frame reader takes whatever bursts the socket returns: a frame's header, its
extended length and its payload may each be cut anywhere, and one burst may hold many frames.
The frames that come out must not depend on where the cuts fell."""

from __future__ import annotations

import struct

import pytest

from fnc_websocket.client.reading import _BufferedFrames, _NeedData


def server_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        return head + bytes([n]) + payload
    if n < 65536:
        return head + bytes([126]) + struct.pack("!H", n) + payload
    return head + bytes([127]) + struct.pack("!Q", n) + payload


FRAMES = [
    (0x1, b"hello", True),
    (0x2, bytes(range(256)) * 3, True),  # 16-bit length
    (0x9, b"", True),  # empty ping
    (0x1, b"frag-", False),
    (0x0, b"ment", True),
    (0x2, bytes(70_000), True),  # 64-bit length
    (0x1, b"", True),
]
STREAM = b"".join(server_frame(op, data, fin) for op, data, fin in FRAMES)


def parse(chunks: list[bytes]) -> list[tuple[int, bool, bytes]]:
    frames = _BufferedFrames()
    out = []
    for chunk in chunks:
        frames.feed(chunk)
        while True:
            try:
                frame = frames.recv_frame()
            except _NeedData:
                break
            out.append((frame.opcode, bool(frame.fin), bytes(frame.data)))
    assert frames.used_up()  # nothing left over, nothing half-read
    return out


@pytest.mark.parametrize("size", [1, 2, 3, 5, 9, 127, 4096, 65536, len(STREAM)])
def test_frames_come_out_whole_whatever_the_burst_size(size):
    chunks = [STREAM[i:i + size] for i in range(0, len(STREAM), size)]
    assert parse(chunks) == [(op, fin, data) for op, data, fin in FRAMES]


def test_a_frame_cut_at_every_position_of_its_header_and_payload():
    data = server_frame(0x2, b"abcdefgh" * 20) + server_frame(0x1, b"tail")
    for cut in range(1, len(data)):
        assert parse([data[:cut], data[cut:]]) == [(0x2, True, b"abcdefgh" * 20),
                                                   (0x1, True, b"tail")], cut
