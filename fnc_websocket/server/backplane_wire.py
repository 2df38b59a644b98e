"""The bytes the backplane publishes on Redis: one envelope per message.

``version (1 byte) | kind (1) | len(node) (1) | len(arg) (2, big-endian) | node | arg | payload``

``node`` is the publishing node's id (UTF-8). ``arg`` depends on the kind: the excluded
connection's id for a broadcast (empty: none), the target connection's id for an addressed
message, the sending activation's random token for a heartbeat (whose payload is
``"count interval"``) or a farewell. ``payload`` is the message itself (text as UTF-8).
Anything that does not parse is ignored by the receiver.
"""

from __future__ import annotations

import struct

import attrs

__all__ = ["BROADCAST_BINARY", "BROADCAST_TEXT", "DIRECT_BINARY", "DIRECT_TEXT", "HEARTBEAT",
           "LEAVE", "Envelope", "decode", "encode"]

VERSION = 1
BROADCAST_TEXT, BROADCAST_BINARY, DIRECT_TEXT, DIRECT_BINARY, HEARTBEAT, LEAVE = range(1, 7)
_KINDS = frozenset(range(1, 7))
_HEADER = struct.Struct("!BBBH")


@attrs.frozen
class Envelope:
    """One decoded backplane message."""

    kind: int
    node: str
    arg: str
    payload: bytes

    @property
    def text(self) -> bool:
        """Whether the payload is a text message (else binary)."""
        return self.kind in (BROADCAST_TEXT, DIRECT_TEXT)


def encode(kind: int, node: str, arg: str = "", payload: bytes = b"") -> bytes:
    """The envelope's bytes; ``node`` and ``arg`` must fit (255 and 65535 UTF-8 bytes)."""
    node_b = node.encode("utf-8")
    arg_b = arg.encode("utf-8")
    if len(node_b) > 255 or len(arg_b) > 65535:
        raise ValueError("node id or envelope argument too long")
    return b"".join((_HEADER.pack(VERSION, kind, len(node_b), len(arg_b)), node_b, arg_b,
                     payload))


def decode(data: bytes) -> Envelope:
    """Parse an envelope; ValueError for anything else."""
    if len(data) < _HEADER.size:
        raise ValueError("shorter than an envelope header")
    version, kind, node_len, arg_len = _HEADER.unpack_from(data)
    if version != VERSION or kind not in _KINDS:
        raise ValueError(f"unknown envelope version {version} or kind {kind}")
    start = _HEADER.size
    end = start + node_len + arg_len
    if len(data) < end:
        raise ValueError("envelope truncated")
    node = data[start:start + node_len].decode("utf-8")
    arg = data[start + node_len:end].decode("utf-8")
    return Envelope(kind, node, arg, bytes(data[end:]))
