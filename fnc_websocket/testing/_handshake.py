"""HTTP side of the opening handshake for the mock server: read the request, write the answer."""

from __future__ import annotations

import base64
import hashlib
import http
import socket
import time
from collections.abc import Iterable

from fnc_websocket.testing.records import HandshakeRequest

__all__ = ["HandshakeError", "accept_key", "build_response", "read_request", "validate_upgrade"]

MAX_REQUEST_BYTES = 16 * 1024
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class HandshakeError(Exception):
    """The bytes received are not a usable HTTP request; ``status`` is the answer (or None)."""

    def __init__(self, message: str, status: int | None = 400) -> None:
        super().__init__(message)
        self.status = status


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` value for the client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def read_request(sock: socket.socket, remote: tuple[str, int]) -> tuple[HandshakeRequest, bytes]:
    """Read one HTTP request head from ``sock``; return it and any bytes read past its end.

    Bounded by the socket's timeout and :data:`MAX_REQUEST_BYTES`.
    """
    buffer = bytearray()
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > MAX_REQUEST_BYTES:
            raise HandshakeError(f"request head longer than {MAX_REQUEST_BYTES} bytes", 431)
        chunk = sock.recv(4096)
        if not chunk:
            raise HandshakeError("connection closed before the request head was complete", None)
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise HandshakeError(f"malformed request line {lines[0]!r}")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise HandshakeError(f"malformed header line {line!r}")
        headers.append((name.strip(), value.strip()))
    request = HandshakeRequest(
        method=parts[0], path=parts[1], http_version=parts[2], headers=tuple(headers),
        remote_address=remote, timestamp=time.monotonic(),
    )
    return request, rest


def validate_upgrade(request: HandshakeRequest) -> str:
    """Check the request is a WebSocket upgrade (RFC 6455 4.2.1); return its key or raise."""
    if request.method != "GET":
        raise HandshakeError(f"method {request.method} is not GET", 405)
    if "websocket" not in [v.lower() for v in request.header_values("Upgrade")]:
        raise HandshakeError("missing 'Upgrade: websocket'", 426)
    if "upgrade" not in [v.lower() for v in request.header_values("Connection")]:
        raise HandshakeError("missing 'Connection: Upgrade'", 400)
    if request.header("Sec-WebSocket-Version") != "13":
        raise HandshakeError("Sec-WebSocket-Version is not 13", 426)
    key = request.header("Sec-WebSocket-Key")
    try:
        valid_key = key is not None and len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        valid_key = False
    if not valid_key:
        raise HandshakeError(f"bad Sec-WebSocket-Key {key!r}", 400)
    return key  # type: ignore[return-value]


def build_response(
    status: int,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    reason: str | None = None,
) -> bytes:
    """An HTTP/1.1 response head (plus body); non-101 answers get Content-Length and close."""
    if reason is None:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    if status != 101:
        lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1") + (body if status != 101 else b"")
