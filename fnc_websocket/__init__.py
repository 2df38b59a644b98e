"""TMS FNC WebSocket for Python: ``TTMSFNCWebsocketClient`` and ``TTMSFNCWebSocketServer``.

Every public name carries its Delphi spelling, so ``uses Vcl.TMSFNCWebSocketClient,
Vcl.TMSFNCWebSocketCommon`` becomes ``from fnc_websocket import ...``.
"""

from fnc.streaming import RegisterClasses
from fnc_websocket.client import TTMSFNCCustomWebsocketClient, TTMSFNCWebsocketClient, TWatchDog
from fnc_websocket.client_connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.client_errors import (
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
    EWebSocketClientResolveError,
    EWebSocketClientTimeout,
    EWebSocketClientTLSError,
)
from fnc_websocket.client_handshake import (
    TTMSFNCWebSocketHandshakeRequest,
    TTMSFNCWebSocketHandshakeResponse,
)
from fnc_websocket.common import (
    CurrentWebSocketVersion,
    DefaultPort,
    EWebSocket,
    TCloseStatus,
    THeartBeat,
    TransformCloseData,
    TTMSFNCWebSocketConnection,
    TTMSFNCWebSocketException,
    TTMSFNCWebSocketFrameOpcode,
    TTMSFNCWebSocketFrameType,
    TTMSFNCWebSocketFrameTypes,
    TTMSFNCWebSocketHandshakeException,
    TTMSFNCWebSocketIncomingResult,
    TTMSFNCWebsocketOption,
    TTMSFNCWebsocketOptions,
    TTMSFNCWebSocketRequest,
    TTMSFNCWebSocketTLSVersion,
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
)
from fnc_websocket.server import (
    TTMSFNCCustomWebSocketServer,
    TTMSFNCWebSocketHTTPRequest,
    TTMSFNCWebSocketHTTPResponse,
    TTMSFNCWebSocketSendToCallBack,
    TTMSFNCWebSocketServer,
    TTMSFNCWebSocketServerConnection,
)
from fnc_websocket.server_errors import EWebsocketServer

# Form files name these classes; registering them lets fnc.streaming create them by name.
RegisterClasses([TTMSFNCWebsocketClient, TTMSFNCWebSocketServer])

__all__ = [
    "CurrentWebSocketVersion", "DefaultPort", "EWebSocket", "EWebSocketClient",
    "EWebSocketClientClosed", "EWebSocketClientConnectError", "EWebSocketClientConnectionLost",
    "EWebSocketClientHandshakeError", "EWebSocketClientHeartBeatTimeout",
    "EWebSocketClientInvalidPayload", "EWebSocketClientMessageTooBig",
    "EWebSocketClientPropertyError", "EWebSocketClientProtocolError",
    "EWebSocketClientResolveError", "EWebSocketClientTLSError", "EWebSocketClientTimeout",
    "EWebsocketServer", "TTMSFNCCustomWebSocketServer", "TTMSFNCWebSocketHTTPRequest",
    "TTMSFNCWebSocketHTTPResponse", "TTMSFNCWebSocketSendToCallBack", "TTMSFNCWebSocketServer",
    "TTMSFNCWebSocketServerConnection",
    "TCloseStatus", "THeartBeat", "TTMSFNCCustomWebsocketClient",
    "TTMSFNCWebSocketClientConnection", "TTMSFNCWebSocketConnection",
    "TTMSFNCWebSocketException", "TTMSFNCWebSocketFrameOpcode", "TTMSFNCWebSocketFrameType",
    "TTMSFNCWebSocketFrameTypes", "TTMSFNCWebSocketHandshakeException",
    "TTMSFNCWebSocketHandshakeRequest", "TTMSFNCWebSocketHandshakeResponse",
    "TTMSFNCWebSocketIncomingResult", "TTMSFNCWebSocketRequest", "TTMSFNCWebSocketTLSVersion",
    "TTMSFNCWebsocketClient", "TTMSFNCWebsocketOption", "TTMSFNCWebsocketOptions", "TWatchDog",
    "TransformCloseData", "focBinary", "focClose", "focContinuation", "focPing", "focPong",
    "focText", "ftContinuation", "ftFirst", "ftLast", "irClose", "irNone", "irOK",
    "twsoFrameByFrame", "twsoManualClose", "twsoManualPong", "twsoSkipUpgradeCheck",
    "twsoSkipVersionCheck",
]
