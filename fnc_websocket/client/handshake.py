"""The client's opening handshake: the upgrade request it sends and the response it checks.

``TTMSFNCWebSocketHandshakeRequest`` builds the request lines that ``OnSendHandshake`` may edit;
``TTMSFNCWebSocketHandshakeResponse`` is the ``AResponse`` of ``OnHandshakeResponse``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Sequence

from fnc_websocket.errors import EWebSocketClientHandshakeError
from fnc_websocket.handshake import TTMSFNCWebSocketRequest
from fnc_websocket.types import CurrentWebSocketVersion, MaxheaderCount, SErrTooManyHeaders

__all__ = [
    "TTMSFNCWebSocketHandshakeRequest", "TTMSFNCWebSocketHandshakeResponse", "accept_key",
    "check_response", "header_value", "parse_response",
]

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEADER_COUNT = MaxheaderCount
"""TMS's ``MaxheaderCount`` (100): a response with more header lines is refused."""
MAX_HEAD_BYTES = 64 * 1024


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value a server must answer to ``key`` (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def header_value(lines: Iterable[str], name: str) -> str:
    """The comma-joined, trimmed values of header ``name`` in ``Name: value`` lines."""
    folded = name.lower()
    values = []
    for line in lines:
        head, sep, value = line.partition(":")
        if sep and head.strip().lower() == folded:
            values.append(value.strip())
    return ", ".join(values)


class TTMSFNCWebSocketHandshakeRequest(TTMSFNCWebSocketRequest):
    """The upgrade request the client sends (TMS's class of the same name).

    ``ToStrings(aHeaders)`` appends the request lines to the list ``aHeaders``:
    ``GET <Resource> HTTP/1.1``, ``Host``, ``Upgrade``, ``Connection``, ``Origin`` (when set),
    ``Sec-WebSocket-Key``, ``Sec-WebSocket-Protocol`` (when set), ``Sec-WebSocket-Version``, then
    ``ExtraHeaders``.
    """

    def __init__(self, aResource: str = "/", AHeaderList: Iterable[str] = ()) -> None:
        super().__init__(aResource, AHeaderList)
        self.Version = str(CurrentWebSocketVersion)
        self.Port = 0
        self.ExtraHeaders: list[str] = []
        if not self.Key:
            self.Key = self.GenerateKey()

    @staticmethod
    def GenerateKey() -> str:
        """16 random bytes, base64-encoded: a fresh ``Sec-WebSocket-Key``."""
        return base64.b64encode(os.urandom(16)).decode("ascii")

    def ToStrings(self, aHeaders: list[str]) -> None:
        """Append the request lines (without line ends) to ``aHeaders``."""
        aHeaders.append(f"GET {self.Resource or '/'} HTTP/1.1")
        aHeaders.append(f"Host: {self.Host}")
        aHeaders.append("Upgrade: websocket")
        aHeaders.append("Connection: Upgrade")
        if self.Origin:
            aHeaders.append(f"Origin: {self.Origin}")
        aHeaders.append(f"Sec-WebSocket-Key: {self.Key}")
        if self.Protocol:
            aHeaders.append(f"Sec-WebSocket-Protocol: {self.Protocol}")
        aHeaders.append(f"Sec-WebSocket-Version: {self.Version}")
        aHeaders.extend(self.ExtraHeaders)


class TTMSFNCWebSocketHandshakeResponse:
    """The server's response to the upgrade request (the ``AResponse`` of ``OnHandshakeResponse``).

    ``RawHeaders`` holds the status line first, then the ``Name: value`` lines. ``StatusCode``
    and ``StatusText`` (added) come from the status line.
    """

    def __init__(self, aHeaders: Sequence[str]) -> None:
        self.RawHeaders: list[str] = list(aHeaders)
        status = self.RawHeaders[0] if self.RawHeaders else ""
        parts = status.split(" ", 2)
        code = parts[1] if len(parts) > 1 else ""
        self.StatusCode: int = int(code) if code.isdigit() and len(code) == 3 else 0
        self.StatusText: str = parts[2] if len(parts) > 2 else ""
        fields = self.RawHeaders[1:]
        self.Upgrade = header_value(fields, "Upgrade")
        self.Connection = header_value(fields, "Connection")
        self.Protocol = header_value(fields, "Sec-WebSocket-Protocol")
        self.Version = header_value(fields, "Sec-WebSocket-Version")
        self.Extensions = header_value(fields, "Sec-WebSocket-Extensions")
        self.Accept = header_value(fields, "Sec-WebSocket-Accept")
        self.Key = header_value(fields, "Sec-WebSocket-Key")

    def GetHeader(self, name: str) -> str:
        """The (comma-joined) value of response header ``name``; '' when absent."""
        return header_value(self.RawHeaders[1:], name)

    def __repr__(self) -> str:
        return f"<TTMSFNCWebSocketHandshakeResponse {self.StatusCode} {self.StatusText!r}>"


def looks_like_tls(data: bytes) -> bool:
    """True when ``data`` starts like a TLS record (an alert or handshake from a TLS server)."""
    return len(data) >= 2 and data[0] in (0x15, 0x16) and data[1] == 0x03


def parse_response(head: bytes) -> TTMSFNCWebSocketHandshakeResponse:
    """Parse the response head (status line and headers, without the blank line).

    Raises :class:`EWebSocketClientHandshakeError` for something that is not an HTTP response
    or has more than 100 header lines (TMS's "Too many response headers").
    """
    if looks_like_tls(head):
        raise EWebSocketClientHandshakeError(
            "the server answered with TLS data: it expects wss:// (set UseSSL = True)")
    text = head.decode("iso-8859-1")
    lines = text.split("\r\n")
    if not lines[0].startswith("HTTP/"):
        shown = lines[0][:60]
        raise EWebSocketClientHandshakeError(
            f"the server's answer is not an HTTP response (starts with {shown!r})")
    if len(lines) - 1 > MAX_HEADER_COUNT:
        raise EWebSocketClientHandshakeError(SErrTooManyHeaders)
    return TTMSFNCWebSocketHandshakeResponse(lines)


def check_response(response: TTMSFNCWebSocketHandshakeResponse, key: str,
                   requested_protocols: Sequence[str], body: bytes = b"") -> None:
    """Check a response as RFC 6455 §4.1 asks; raise :class:`EWebSocketClientHandshakeError`."""

    def fail(why: str) -> EWebSocketClientHandshakeError:
        return EWebSocketClientHandshakeError(
            why, response.StatusCode, response.StatusText, response.RawHeaders[1:], body)

    if response.StatusCode != 101:
        raise fail(f"the server refused the upgrade: HTTP {response.StatusCode} "
                   f"{response.StatusText}".rstrip())
    if response.Upgrade.lower() != "websocket":
        raise fail(f"the response's Upgrade header is {response.Upgrade!r}, not 'websocket'")
    if "upgrade" not in [t.strip().lower() for t in response.Connection.split(",")]:
        raise fail(f"the response's Connection header is {response.Connection!r}, "
                   "not 'Upgrade'")
    if response.Accept != accept_key(key):
        raise fail("the response's Sec-WebSocket-Accept does not match the request's key")
    if response.Version and response.Version != str(CurrentWebSocketVersion):
        raise fail(f"the server answered Sec-WebSocket-Version {response.Version!r}, not 13")
    if response.Extensions:
        raise fail(f"the server enabled extensions the client did not ask for: "
                   f"{response.Extensions!r}")
    if response.Protocol and response.Protocol not in requested_protocols:
        asked = ", ".join(requested_protocols) or "none"
        raise fail(f"the server chose sub-protocol {response.Protocol!r}; requested: {asked}")
