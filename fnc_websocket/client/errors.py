"""The client's exceptions, re-exported from :mod:`fnc_websocket.errors` (their one home).

Kept so ``from fnc_websocket.client.errors import ...`` lines keep working; import the names
from ``fnc_websocket`` (or ``fnc_websocket.errors``) in new code.
"""

from __future__ import annotations

from fnc_websocket.errors import (
    EWebSocketClient,
    EWebSocketClientClosed,
    EWebSocketClientConnectError,
    EWebSocketClientConnectionLost,
    EWebSocketClientHandshakeError,
    EWebSocketClientHeartBeatTimeout,
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientPropertyError,
    EWebSocketClientProtocolError,
    EWebSocketClientProxyAuthError,
    EWebSocketClientProxyConnectError,
    EWebSocketClientProxyError,
    EWebSocketClientProxyTunnelError,
    EWebSocketClientResolveError,
    EWebSocketClientSendQueueFull,
    EWebSocketClientTimeout,
    EWebSocketClientTLSError,
)

__all__ = [
    "EWebSocketClient", "EWebSocketClientClosed", "EWebSocketClientConnectError",
    "EWebSocketClientConnectionLost", "EWebSocketClientHandshakeError",
    "EWebSocketClientHeartBeatTimeout", "EWebSocketClientInvalidPayload",
    "EWebSocketClientMessageTooBig", "EWebSocketClientPropertyError",
    "EWebSocketClientProtocolError", "EWebSocketClientProxyAuthError",
    "EWebSocketClientProxyConnectError", "EWebSocketClientProxyError",
    "EWebSocketClientProxyTunnelError", "EWebSocketClientResolveError",
    "EWebSocketClientSendQueueFull", "EWebSocketClientTLSError",
    "EWebSocketClientTimeout",
]
