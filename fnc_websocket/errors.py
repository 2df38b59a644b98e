"""The exceptions of both components: one hierarchy, one spelling of fields.

::

    TTMSFNCWebSocketException                 TMS's declared base; root of every error here
      EWebSocket                              misuse of a connection (bad opcode, send after close)
        EWebSocketPropertyError               Connect / Active = True found unusable properties
        TTMSFNCWebSocketHandshakeException    an upgrade handshake failed (either side)
        EWebSocketClient                      TMS's client exception; the client's causes below
        EWebsocketServer                      TMS's server exception (also OnError's AError)

Every error has the same fields, PascalCase as the rest of the public API, set in ``__init__``:

- ``StatusCode``: the HTTP status of a failed handshake (what the client received or the server
  sent), 0 otherwise;
- ``CloseCode``: the close status that goes with the failure (what was sent or, on the client,
  1006 for a connection that ended without a close handshake), 0 when there is none.

A property error also lists every problem in ``Problems`` as ``(property name, why)`` pairs,
and is an ``fnc.EValidationError`` (whose ``problems`` is the same list). The old names stay:
``EWebSocketClientPropertyError`` and ``EWebsocketServerPropertyError`` are the two sides'
subclasses of the one validation error, and the server's former ``status_code``/``close_code``
read as deprecated aliases.

``__cause__`` holds the underlying OS or TLS error where there is one. Errors are raised on the
caller's thread (misuse) or handed to ``OnError`` (failures found by a connection's thread).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from fnc.exceptions import EValidationError, Exception_
from fnc_websocket.types import (
    CLOSE_ABNORMAL,
    CLOSE_INTERNAL_ERROR,
    CLOSE_INVALID_PAYLOAD,
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_PROTOCOL_ERROR,
)

__all__ = [
    "EWebSocket", "EWebSocketClient", "EWebSocketClientClosed", "EWebSocketClientConnectError",
    "EWebSocketClientConnectionLost", "EWebSocketClientHandshakeError",
    "EWebSocketClientHeartBeatTimeout", "EWebSocketClientInvalidPayload",
    "EWebSocketClientMessageTooBig", "EWebSocketClientPropertyError",
    "EWebSocketClientProtocolError", "EWebSocketClientProxyAuthError",
    "EWebSocketClientProxyConnectError", "EWebSocketClientProxyError",
    "EWebSocketClientProxyTunnelError", "EWebSocketClientResolveError",
    "EWebSocketClientSendQueueFull", "EWebSocketClientTLSError",
    "EWebSocketClientTimeout", "EWebSocketPropertyError", "EWebsocketServer",
    "EWebsocketServerHandshakeError", "EWebsocketServerPropertyError",
    "EBackplaneAuthError", "EBackplaneError",
    "TTMSFNCWebSocketException", "TTMSFNCWebSocketHandshakeException", "server_error",
]


class TTMSFNCWebSocketException(Exception_):
    """TMS's declared WebSocket exception: the root of every error of ``fnc_websocket``.

    ``StatusCode`` and ``CloseCode`` are keyword arguments; ``CloseCode`` defaults to the value
    the class declares (0 here; each client cause declares its own).
    """

    StatusCode: int = 0
    """The HTTP status of a failed handshake (received by a client, sent by a server), else 0."""
    CloseCode: int = 0
    """The close status that goes with the failure, 0 when there is none."""

    def __init__(self, message: str = "", *, StatusCode: int = 0,
                 CloseCode: int | None = None) -> None:
        Exception_.__init__(self, message)
        self.StatusCode = StatusCode
        self.CloseCode = type(self).CloseCode if CloseCode is None else CloseCode


class EWebSocket(TTMSFNCWebSocketException):
    """Base of the WebSocket errors of both sides (bad opcode for ``SendSimpleFrame``, send
    after close, and the client's and server's errors below)."""


class EWebSocketPropertyError(EWebSocket, EValidationError):
    """``Connect`` (client) or ``Active = True`` (server) found unusable property values;
    nothing was connected or listened on.

    ``Component`` names the component, ``Problems`` lists every problem as ``(property name,
    why)`` pairs (``component``/``problems``, as on every ``fnc.EValidationError``, are the same
    values). ``StatusCode`` and ``CloseCode`` are 0.
    """

    Component: str
    """The component's ``Name`` (its class name when unnamed)."""
    Problems: list[tuple[str, str]]
    """Every unusable property value, as ``(property name, why)`` pairs."""

    def __init__(self, component: str, problems: Sequence[tuple[str, str]]) -> None:
        EValidationError.__init__(self, component, list(problems))
        self.StatusCode = 0
        self.CloseCode = 0
        self.Component = component
        self.Problems = self.problems


class TTMSFNCWebSocketHandshakeException(EWebSocket):
    """TMS's declared handshake exception: an upgrade handshake failed, on either side.

    ``StatusCode`` is the HTTP status of the answer (0 when none came or none was sent).
    """


# -- the client -------------------------------------------------------------------------------

class EWebSocketClient(EWebSocket):
    """TMS's client exception; base of every client failure.

    Raised for misuse (a locked property changed while connected, ``CheckIncoming`` while
    inactive, a send before the handshake or after close). The subclasses are added: each names
    one cause of a failed or broken connection and is what ``OnError(Sender, AConnection,
    AError)`` passes as ``AError``. ``CloseCode`` is 1006 unless the subclass says otherwise
    (1002/1007/1009 for what the client itself rejected, 1011 for a dead peer).
    """

    CloseCode: int = CLOSE_ABNORMAL


class EWebSocketClientPropertyError(EWebSocketClient, EWebSocketPropertyError):
    """The client's :class:`EWebSocketPropertyError`: ``Connect``/``Active = True`` found
    unusable property values; ``Problems`` lists them all. Nothing was connected."""


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


class EWebSocketClientHandshakeError(EWebSocketClient, TTMSFNCWebSocketHandshakeException):
    """The server's answer to the upgrade request was not an acceptable ``101`` response, or
    ``OnHandshakeResponse`` refused it.

    ``StatusCode`` (0 when no HTTP status line came), ``StatusText``, ``Headers`` (the
    response's ``Name: value`` lines) and ``Body`` (what followed the headers, up to 64 KiB)
    describe the answer.
    """

    StatusText: str
    """The reason phrase of the status line ('' when none came)."""
    Headers: list[str]
    """The response's header lines, ``Name: value``."""
    Body: bytes
    """What followed the headers, up to 64 KiB."""

    def __init__(self, message: str, StatusCode: int = 0, StatusText: str = "",
                 Headers: Sequence[str] = (), Body: bytes = b"") -> None:
        super().__init__(message, StatusCode=StatusCode)
        self.StatusText = StatusText
        self.Headers = list(Headers)
        self.Body = Body


class EWebSocketClientProtocolError(EWebSocketClient):
    """The server broke RFC 6455 (masked frame, bad opcode, bad fragment sequence, ...): the
    client closed with 1002."""

    CloseCode: int = CLOSE_PROTOCOL_ERROR


class EWebSocketClientInvalidPayload(EWebSocketClient):
    """A text message (or close reason) was not valid UTF-8: the client closed with 1007."""

    CloseCode: int = CLOSE_INVALID_PAYLOAD


class EWebSocketClientMessageTooBig(EWebSocketClient):
    """A message exceeded ``MaxMessageSize``: the client closed with 1009."""

    CloseCode: int = CLOSE_MESSAGE_TOO_BIG


class EWebSocketClientConnectionLost(EWebSocketClient):
    """The TCP connection ended without a close handshake (reset, EOF, send failure)."""


class EWebSocketClientHeartBeatTimeout(EWebSocketClientTimeout):
    """``HeartBeat``: no pong came within ``HeartBeat.Timeout``; the peer was declared dead."""

    CloseCode: int = CLOSE_INTERNAL_ERROR


class EWebSocketClientSendQueueFull(EWebSocketClient):
    """A send would put more than ``SendQueueLimit`` bytes in the outgoing queue (the server
    reads too slowly or not at all). Nothing of that message was queued; the connection stays
    open. ``SendQueueLimit`` and ``SendQueueSize`` (bytes waiting) tell the state when raised.
    """

    SendQueueLimit: int
    SendQueueSize: int

    def __init__(self, message: str, SendQueueLimit: int = 0, SendQueueSize: int = 0) -> None:
        super().__init__(message)
        self.SendQueueLimit = SendQueueLimit
        self.SendQueueSize = SendQueueSize


class EWebSocketClientProxyError(EWebSocketClientConnectError):
    """Connecting through ``Proxy`` failed; ``Proxy`` names it ("HTTP proxy host:port") and
    ``StatusCode`` is the proxy's HTTP status (0 when there is none, e.g. SOCKS)."""

    Proxy: str

    def __init__(self, message: str, StatusCode: int = 0, Proxy: str = "") -> None:
        super().__init__(message, StatusCode=StatusCode)
        self.Proxy = Proxy


class EWebSocketClientProxyConnectError(EWebSocketClientProxyError):
    """The proxy itself could not be reached (refused, unreachable, unknown host)."""


class EWebSocketClientProxyAuthError(EWebSocketClientProxyError):
    """The proxy refused ``Proxy.Username``/``Proxy.Password`` (HTTP 407, SOCKS auth failure)."""


class EWebSocketClientProxyTunnelError(EWebSocketClientProxyError):
    """The proxy refused to open the tunnel to ``HostName:Port`` (``StatusCode``: its HTTP
    status, e.g. 403 or 502; 0 for a SOCKS refusal)."""


# -- the server -------------------------------------------------------------------------------

class EWebsocketServer(EWebSocket):
    """TMS's server exception, also the ``AError`` of the server's ``OnError``.

    Raised for a port that cannot be listened on, a property locked while active, or a send on
    a connection that is not open. As ``AError``: a failed handshake
    (:class:`EWebsocketServerHandshakeError`, ``StatusCode``: the HTTP status sent), a failed
    connection (``CloseCode``: the close code sent), a failed send, or a slow client dropped.
    """

    @property
    def status_code(self) -> int:
        """Deprecated spelling of ``StatusCode``."""
        warnings.warn("EWebsocketServer.status_code is deprecated; use StatusCode",
                      DeprecationWarning, stacklevel=2)
        return self.StatusCode

    @property
    def close_code(self) -> int:
        """Deprecated spelling of ``CloseCode``."""
        warnings.warn("EWebsocketServer.close_code is deprecated; use CloseCode",
                      DeprecationWarning, stacklevel=2)
        return self.CloseCode


class EWebsocketServerPropertyError(EWebsocketServer, EWebSocketPropertyError):
    """The server's :class:`EWebSocketPropertyError`: ``Active = True`` found unusable property
    values; ``Problems`` lists them all. Nothing listens."""


class EWebsocketServerHandshakeError(EWebsocketServer, TTMSFNCWebSocketHandshakeException):
    """A client's upgrade request was refused or failed; ``StatusCode`` is the HTTP status sent
    (0 when the connection ended before an answer)."""


class EBackplaneError(EWebsocketServer):
    """Added: the ``AError`` of ``OnBackplaneError``: Redis is unreachable (at activation or
    later), the connection to it was lost, or a publish failed. The server keeps serving its
    own clients and retries with back-off; ``Cause`` holds the underlying exception."""

    Cause: BaseException | None

    def __init__(self, message: str, *, Cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.Cause = Cause


class EBackplaneAuthError(EBackplaneError):
    """Added: Redis refused the backplane's credentials (wrong or missing password or user in
    ``Backplane.URL``). Retried like any outage, in case the server's password is fixed."""


def server_error(message: str, *, StatusCode: int = 0, CloseCode: int = 0,
                 handshake: bool = False) -> EWebsocketServer:
    """The ``AError`` a server connection reports: an :class:`EWebsocketServerHandshakeError`
    for a handshake failure (``handshake`` or an HTTP ``StatusCode``), else an
    :class:`EWebsocketServer`."""
    cls = EWebsocketServerHandshakeError if handshake or StatusCode else EWebsocketServer
    return cls(message, StatusCode=StatusCode, CloseCode=CloseCode)
