"""What the mock server records: handshake requests, frames, whole messages and close frames.

All records are immutable values; ``timestamp`` is ``time.monotonic()`` when the record was made.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from fnc_websocket.testing._frames import Opcode

__all__ = ["CloseInfo", "HandshakeRequest", "ReceivedFrame", "ReceivedMessage", "first_header"]


def first_header(headers: Iterable[tuple[str, str]], name: str,
                 default: str | None = None) -> str | None:
    """First value of header ``name`` (case-insensitive) among ``(name, value)`` pairs, or
    ``default``."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return default


@attrs.frozen
class HandshakeRequest:
    """The client's opening HTTP request, as received (refused handshakes are recorded too)."""

    method: str
    path: str
    """The request target, with its query string (``/chat?room=1``)."""
    http_version: str
    headers: tuple[tuple[str, str], ...]
    """Every header line in arrival order, names as sent."""
    remote_address: tuple[str, int]
    timestamp: float

    def header(self, name: str, default: str | None = None) -> str | None:
        """First value of header ``name`` (case-insensitive), or ``default``."""
        return first_header(self.headers, name, default)

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), comma lists split and stripped."""
        wanted = name.lower()
        values: list[str] = []
        for key, value in self.headers:
            if key.lower() == wanted:
                values.extend(part.strip() for part in value.split(",") if part.strip())
        return values

    @property
    def subprotocols(self) -> list[str]:
        """Subprotocols the client offered (``Sec-WebSocket-Protocol``)."""
        return self.header_values("Sec-WebSocket-Protocol")


@attrs.frozen
class ReceivedFrame:
    """One frame received from a client, payload already unmasked."""

    connection_id: int
    opcode: int
    """An :class:`Opcode` value, or a reserved number when the client sent one."""
    payload: bytes
    fin: bool
    rsv: int
    """The 3-bit RSV field (RSV1 = 4, RSV2 = 2, RSV3 = 1)."""
    masked: bool
    mask_key: bytes | None
    timestamp: float

    @property
    def opcode_name(self) -> str:
        """``TEXT``, ``PING``, … or ``reserved-0xN``."""
        return Opcode.name_of(self.opcode)

    @property
    def is_control(self) -> bool:
        """True for close, ping and pong frames (and reserved control opcodes 0xB-0xF)."""
        return self.opcode >= 0x8


@attrs.frozen
class ReceivedMessage:
    """One whole data message received from a client (fragments reassembled)."""

    connection_id: int
    opcode: int
    """``Opcode.TEXT`` or ``Opcode.BINARY``."""
    payload: bytes
    frame_count: int
    timestamp: float
    """When the last fragment arrived."""

    @property
    def is_text(self) -> bool:
        """True for a text message."""
        return self.opcode == Opcode.TEXT

    @property
    def valid_utf8(self) -> bool:
        """False for a text message whose payload is not valid UTF-8 (always True for binary)."""
        if not self.is_text:
            return True
        try:
            self.payload.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    @property
    def text(self) -> str | None:
        """The decoded text of a valid text message, else None."""
        if not self.is_text:
            return None
        try:
            return self.payload.decode("utf-8")
        except UnicodeDecodeError:
            return None

    @property
    def data(self) -> str | bytes:
        """``text`` for a valid text message, otherwise the raw ``payload``."""
        text = self.text
        return self.payload if text is None else text


@attrs.frozen
class CloseInfo:
    """A close frame's status: ``code`` is None when the frame had no body."""

    code: int | None
    reason: str
    timestamp: float
