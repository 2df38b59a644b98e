"""Former home of the shared types (TMS's ``TMSFNCWebSocketCommon`` unit); re-exports only.

Its contents moved to modules named for what lives there: :mod:`fnc_websocket.types` (enums,
sets, constants, close codes), :mod:`fnc_websocket.errors` (exceptions),
:mod:`fnc_websocket.connection` (the ``AConnection`` base), :mod:`fnc_websocket.handshake`
(the upgrade request), :mod:`fnc_websocket.heartbeat` and :mod:`fnc_websocket.events` (handler
types). Import the public names from ``fnc_websocket``; this module keeps old
``from fnc_websocket.common import ...`` lines working and holds nothing of its own.
"""

from fnc_websocket.connection import TTMSFNCWebSocketConnection, frame_payload_sizes
from fnc_websocket.errors import (
    EWebSocket,
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
from fnc_websocket.types import *  # noqa: F403  (the whole vocabulary, as the old module had)
from fnc_websocket.types import __all__ as _types_all

__all__ = [
    *_types_all, "EWebSocket", "THeartBeat", "TTMSFNCWebSocketAllowConnectionEvent",
    "TTMSFNCWebSocketBinDataEvent", "TTMSFNCWebSocketConnectEvent",
    "TTMSFNCWebSocketConnection", "TTMSFNCWebSocketControlEvent",
    "TTMSFNCWebSocketDisconnectEvent", "TTMSFNCWebSocketException",
    "TTMSFNCWebSocketHandshakeException", "TTMSFNCWebSocketHandshakeSentEvent",
    "TTMSFNCWebSocketMessageEvent", "TTMSFNCWebSocketNotifyEvent", "TTMSFNCWebSocketRequest",
    "TTMSFNCWebSocketServerGetSSLPasswordEvent", "TTMSFNCWebsocketClientHandShakeEvent",
    "TTMSFNCWebsocketClientHandshakeResponseEvent", "frame_payload_sizes",
]
