"""TMS FNC WebSocket for Python: ``TTMSFNCWebsocketClient`` and ``TTMSFNCWebSocketServer``.

Every public name carries its Delphi spelling, so ``uses Vcl.TMSFNCWebSocketClient,
Vcl.TMSFNCWebSocketCommon`` becomes ``from fnc_websocket import ...``. This module only
re-exports; the README's module map says where each name lives.
"""

from fnc.streaming import RegisterClasses
from fnc_websocket.client.component import (
    TTMSFNCCustomWebsocketClient,
    TTMSFNCWebsocketClient,
    TWatchDog,
)
from fnc_websocket.client.connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.client.handshake import (
    TTMSFNCWebSocketHandshakeRequest,
    TTMSFNCWebSocketHandshakeResponse,
)
from fnc_websocket.client.proxy import TProxy, TProxyType, pxyHTTP, pxySocks4, pxySocks4A, pxySocks5
from fnc_websocket.connection import TTMSFNCWebSocketConnection
from fnc_websocket.errors import (
    EBackplaneAuthError,
    EBackplaneError,
    EWebSocket,
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
    EWebSocketPropertyError,
    EWebsocketServer,
    EWebsocketServerHandshakeError,
    EWebsocketServerPropertyError,
    TTMSFNCWebSocketException,
    TTMSFNCWebSocketHandshakeException,
)
from fnc_websocket.events import (
    TTMSFNCWebSocketAllowConnectionEvent,
    TTMSFNCWebSocketBinDataEvent,
    TTMSFNCWebsocketClientHandShakeEvent,
    TTMSFNCWebsocketClientHandshakeResponseEvent,
    TTMSFNCWebSocketConnectEvent,
    TTMSFNCWebSocketControlEvent,
    TTMSFNCWebSocketDisconnectEvent,
    TTMSFNCWebSocketHandshakeSentEvent,
    TTMSFNCWebSocketMessageEvent,
    TTMSFNCWebSocketNotifyEvent,
    TTMSFNCWebSocketServerGetSSLPasswordEvent,
)
from fnc_websocket.handshake import TTMSFNCWebSocketRequest
from fnc_websocket.heartbeat import THeartBeat
from fnc_websocket.server.backplane_settings import TBackplane
from fnc_websocket.server.component import (
    TTMSFNCCustomWebSocketServer,
    TTMSFNCWebSocketHTTPRequest,
    TTMSFNCWebSocketHTTPResponse,
    TTMSFNCWebSocketSendToCallBack,
    TTMSFNCWebSocketServer,
    TTMSFNCWebSocketServerConnection,
)
from fnc_websocket.types import (
    CurrentWebSocketVersion,
    DefaultPort,
    EightBytesLengthCode,
    Fin,
    MaxheaderCount,
    SErrActive,
    SErrCloseSent,
    SErrHandshakeNotComplete,
    SErrInActive,
    SErrNotSimpleOperation,
    SErrTooManyHeaders,
    TCloseStatus,
    TransformCloseData,
    TTMSFNCWebSocketFrameOpcode,
    TTMSFNCWebSocketFrameType,
    TTMSFNCWebSocketFrameTypes,
    TTMSFNCWebSocketIncomingResult,
    TTMSFNCWebsocketOption,
    TTMSFNCWebsocketOptions,
    TTMSFNCWebSocketTLSVersion,
    TTMSFNCWebSocketTLSVersions,
    TwoBytesLengthCode,
    focBinary,
    focClose,
    focContinuation,
    focPing,
    focPong,
    focText,
    ftContinuation,
    ftFirst,
    ftLast,
    irClose,
    irNone,
    irOK,
    twsoFrameByFrame,
    twsoManualClose,
    twsoManualPong,
    twsoSkipUpgradeCheck,
    twsoSkipVersionCheck,
    wstTLS1,
    wstTLS1_1,
    wstTLS1_2,
)

# Form files name these classes; registering them lets fnc.streaming create them by name.
RegisterClasses([TTMSFNCWebsocketClient, TTMSFNCWebSocketServer])

__all__ = [
    "CurrentWebSocketVersion", "DefaultPort", "EBackplaneAuthError", "EBackplaneError",
    "EWebSocket", "EWebSocketClient",
    "EWebSocketClientClosed", "EWebSocketClientConnectError", "EWebSocketClientConnectionLost",
    "EWebSocketClientHandshakeError", "EWebSocketClientHeartBeatTimeout",
    "EWebSocketClientInvalidPayload", "EWebSocketClientMessageTooBig",
    "EWebSocketClientPropertyError", "EWebSocketClientProtocolError",
    "EWebSocketClientResolveError", "EWebSocketClientTLSError", "EWebSocketClientTimeout",
    "EWebSocketPropertyError", "EWebsocketServer", "EWebsocketServerHandshakeError",
    "EWebsocketServerPropertyError", "EightBytesLengthCode", "Fin", "MaxheaderCount", "SErrActive",
    "SErrCloseSent", "SErrHandshakeNotComplete", "SErrInActive", "SErrNotSimpleOperation",
    "SErrTooManyHeaders", "TTMSFNCCustomWebSocketServer", "TTMSFNCWebSocketHTTPRequest",
    "TTMSFNCWebSocketHTTPResponse", "TTMSFNCWebSocketSendToCallBack", "TTMSFNCWebSocketServer",
    "TTMSFNCWebSocketServerConnection",
    "TBackplane", "TCloseStatus", "THeartBeat", "TTMSFNCCustomWebsocketClient",
    "TTMSFNCWebSocketAllowConnectionEvent", "TTMSFNCWebSocketBinDataEvent",
    "TTMSFNCWebSocketClientConnection", "TTMSFNCWebsocketClientHandShakeEvent",
    "TTMSFNCWebsocketClientHandshakeResponseEvent", "TTMSFNCWebSocketConnectEvent",
    "TTMSFNCWebSocketConnection", "TTMSFNCWebSocketControlEvent",
    "TTMSFNCWebSocketDisconnectEvent",
    "TTMSFNCWebSocketException", "TTMSFNCWebSocketFrameOpcode", "TTMSFNCWebSocketFrameType",
    "TTMSFNCWebSocketFrameTypes", "TTMSFNCWebSocketHandshakeException",
    "TTMSFNCWebSocketHandshakeRequest", "TTMSFNCWebSocketHandshakeResponse",
    "TTMSFNCWebSocketHandshakeSentEvent", "TTMSFNCWebSocketIncomingResult",
    "TTMSFNCWebSocketMessageEvent", "TTMSFNCWebSocketNotifyEvent", "TTMSFNCWebSocketRequest",
    "TTMSFNCWebSocketServerGetSSLPasswordEvent", "TTMSFNCWebSocketTLSVersion",
    "TTMSFNCWebSocketTLSVersions",
    "TTMSFNCWebsocketClient", "TTMSFNCWebsocketOption", "TTMSFNCWebsocketOptions", "TWatchDog",
    "TransformCloseData", "TwoBytesLengthCode", "focBinary", "focClose", "focContinuation",
    "focPing", "focPong", "focText", "ftContinuation", "ftFirst", "ftLast", "irClose", "irNone",
    "irOK", "twsoFrameByFrame", "twsoManualClose", "twsoManualPong", "twsoSkipUpgradeCheck",
    "twsoSkipVersionCheck", "wstTLS1", "wstTLS1_1", "wstTLS1_2",
    "EWebSocketClientProxyAuthError", "EWebSocketClientProxyConnectError",
    "EWebSocketClientProxyError", "EWebSocketClientProxyTunnelError",
    "EWebSocketClientSendQueueFull", "TProxy", "TProxyType", "pxyHTTP", "pxySocks4",
    "pxySocks4A", "pxySocks5",
]
