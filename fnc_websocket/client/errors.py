"""Exceptions of the WebSocket client: ``EWebSocketClient`` and the causes ``OnError`` reports.

``EWebSocketClient`` is TMS's class (raised for misuse: a locked property changed while
connected, ``CheckIncoming`` while inactive, a send before the handshake or after close).
The subclasses are added: each names one cause of a failed or broken connection and is what
``OnError(Sender, AConnection, AError)`` passes as ``AError``. ``AError.__cause__`` holds the
underlying OS or TLS error where there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

from fnc.exceptions import EValidationError
from fnc_websocket.common import (
    CLOSE_ABNORMAL,
    CLOSE_INTERNAL_ERROR,
    CLOSE_INVALID_PAYLOAD,
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_PROTOCOL_ERROR,
    EWebSocket,
)

__all__ = [
    "EWebSocketClient", "EWebSocketClientClosed", "EWebSocketClientConnectError",
    "EWebSocketClientConnectionLost", "EWebSocketClientHandshakeError",
    "EWebSocketClientHeartBeatTimeout", "EWebSocketClientInvalidPayload",
    "EWebSocketClientMessageTooBig", "EWebSocketClientPropertyError",
    "EWebSocketClientProtocolError", "EWebSocketClientResolveError", "EWebSocketClientTLSError",
    "EWebSocketClientTimeout", "EWebSocketClientSendQueueFull", "EWebSocketClientProxyError",
    "EWebSocketClientProxyConnectError", "EWebSocketClientProxyAuthError",
    "EWebSocketClientProxyTunnelError",
]


class EWebSocketClient(EWebSocket):
    """TMS's client exception; base of every client failure.

    ``CloseCode`` is the close status that goes with the failure (1006 when the connection was
    dropped without a close handshake, 1002/1007/1009 for what the client itself rejected).
    """

    CloseCode: int = CLOSE_ABNORMAL


class EWebSocketClientPropertyError(EWebSocketClient, EValidationError):
    """``Connect``/``Active = True`` found unusable property values; ``problems`` lists them all
    as ``(property name, why)`` pairs. Nothing was connected."""


class EWebSocketClientClosed(EWebSocketClient):
    """A send on a connection that is not open (before the handshake, after close)."""


class EWebSocketClientResolveError(EWebSocketClient):
    """``HostName`` could not be resolved to an address."""


class EWebSocketClientConnectError(EWebSocketClient):
    """The TCP connection to ``HostName:Port`` failed (refused, unreachable, ...)."""


class EWebSocketClientTimeout(EWebSocketClient):
    """Something did not happen in time: the TCP connect or handshake (``ConnectTimeout``), or
    the peer's close reply (``CloseTimeout``)."""


class EWebSocketClientTLSError(EWebSocketClient):
    """The TLS handshake failed: certificate not trusted, host name mismatch, the server does
    not speak TLS, ..."""


class EWebSocketClientHandshakeError(EWebSocketClient):
    """The server's answer to the upgrade request was not an acceptable ``101`` response, or
    ``OnHandshakeResponse`` refused it.

    ``StatusCode`` (0 when no HTTP status line came), ``StatusText``, ``Headers`` (the
    response's ``Name: value`` lines) and ``Body`` (what followed the headers, up to 64 KiB)
    describe the answer.
    """

    def __init__(self, message: str, StatusCode: int = 0, StatusText: str = "",
                 Headers: Sequence[str] = (), Body: bytes = b"") -> None:
        super().__init__(message)
        self.StatusCode = StatusCode
        self.StatusText = StatusText
        self.Headers = list(Headers)
        self.Body = Body


class EWebSocketClientProtocolError(EWebSocketClient):
    """The server broke RFC 6455 (masked frame, bad opcode, bad fragment sequence, ...): the
    client closed with 1002."""

    CloseCode = CLOSE_PROTOCOL_ERROR


class EWebSocketClientInvalidPayload(EWebSocketClient):
    """A text message (or close reason) was not valid UTF-8: the client closed with 1007."""

    CloseCode = CLOSE_INVALID_PAYLOAD


class EWebSocketClientMessageTooBig(EWebSocketClient):
    """A message exceeded ``MaxMessageSize``: the client closed with 1009."""

    CloseCode = CLOSE_MESSAGE_TOO_BIG


class EWebSocketClientConnectionLost(EWebSocketClient):
    """The TCP connection ended without a close handshake (reset, EOF, send failure)."""


class EWebSocketClientHeartBeatTimeout(EWebSocketClientTimeout):
    """``HeartBeat``: no pong came within ``HeartBeat.Timeout``; the peer was declared dead."""

    CloseCode = CLOSE_INTERNAL_ERROR


class EWebSocketClientSendQueueFull(EWebSocketClient):
    """A send would put more than ``SendQueueLimit`` bytes in the outgoing queue (the server
    reads too slowly or not at all). Nothing of that message was queued; the connection stays
    open. ``SendQueueLimit`` and ``SendQueueSize`` (bytes waiting) tell the state when raised.
    """

    def __init__(self, message: str, SendQueueLimit: int = 0, SendQueueSize: int = 0) -> None:
        super().__init__(message)
        self.SendQueueLimit = SendQueueLimit
        self.SendQueueSize = SendQueueSize


class EWebSocketClientProxyError(EWebSocketClientConnectError):
    """Connecting through ``Proxy`` failed; ``Proxy`` names it ("HTTP proxy host:port") and
    ``StatusCode`` is the proxy's HTTP status (0 when there is none, e.g. SOCKS)."""

    def __init__(self, message: str, StatusCode: int = 0, Proxy: str = "") -> None:
        super().__init__(message)
        self.StatusCode = StatusCode
        self.Proxy = Proxy


class EWebSocketClientProxyConnectError(EWebSocketClientProxyError):
    """The proxy itself could not be reached (refused, unreachable, unknown host)."""


class EWebSocketClientProxyAuthError(EWebSocketClientProxyError):
    """The proxy refused ``Proxy.Username``/``Proxy.Password`` (HTTP 407, SOCKS auth failure)."""


class EWebSocketClientProxyTunnelError(EWebSocketClientProxyError):
    """The proxy refused to open the tunnel to ``HostName:Port`` (``StatusCode``: its HTTP
    status, e.g. 403 or 502; 0 for a SOCKS refusal)."""
