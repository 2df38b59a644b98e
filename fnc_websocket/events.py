"""Event handler types: Delphi's ``procedure(...) of object`` types as callable aliases.

For annotating handlers. The parameters are in Delphi's order (Sender first); a Delphi ``var``
parameter is a ``fnc.events.VarParam`` holder whose ``.Value`` the handler sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fnc_websocket.connection import TTMSFNCWebSocketConnection
from fnc_websocket.types import TTMSFNCWebSocketFrameTypes

if TYPE_CHECKING:
    from fnc.events import VarParam
    from fnc_websocket.client.handshake import TTMSFNCWebSocketHandshakeResponse
    from fnc_websocket.server.connection import TTMSFNCWebSocketServerConnection

__all__ = [
    "TTMSFNCWebSocketAllowConnectionEvent", "TTMSFNCWebSocketBinDataEvent",
    "TTMSFNCWebSocketConnectEvent", "TTMSFNCWebSocketControlEvent",
    "TTMSFNCWebSocketDisconnectEvent", "TTMSFNCWebSocketHandshakeSentEvent",
    "TTMSFNCWebSocketMessageEvent", "TTMSFNCWebSocketNotifyEvent",
    "TTMSFNCWebSocketServerGetSSLPasswordEvent", "TTMSFNCWebsocketClientHandShakeEvent",
    "TTMSFNCWebsocketClientHandshakeResponseEvent",
]


TTMSFNCWebSocketBinDataEvent = Callable[
    [Any, TTMSFNCWebSocketConnection, bytes, TTMSFNCWebSocketFrameTypes], None]
"""``(Sender, AConnection, AData: bytes, AFrameType: TTMSFNCWebSocketFrameTypes)``:
``OnBinaryDataReceived``."""

TTMSFNCWebSocketControlEvent = Callable[[Any, TTMSFNCWebSocketConnection, bytes], None]
"""``(Sender, AConnection, AData: bytes)``: ``OnPing``, ``OnPong``, ``OnClose``."""

TTMSFNCWebSocketMessageEvent = Callable[[Any, TTMSFNCWebSocketConnection, str], None]
"""``(Sender, AConnection, AMessage: str)``: ``OnMessageReceived``."""

TTMSFNCWebSocketConnectEvent = Callable[[Any, TTMSFNCWebSocketConnection], None]
"""``(Sender, AConnection)``: the server's ``OnConnect``."""

TTMSFNCWebSocketNotifyEvent = Callable[[Any, TTMSFNCWebSocketConnection], None]
"""``(Sender, AConnection)``: the client's ``OnConnect``/``OnDisconnect``."""

TTMSFNCWebSocketDisconnectEvent = TTMSFNCWebSocketNotifyEvent
"""``(Sender, AConnection)``: the server's ``OnDisconnect``."""

TTMSFNCWebsocketClientHandShakeEvent = Callable[[Any, list[str]], None]
"""``(Sender, AHeaders: list[str])``: the client's ``OnSendHandshake`` (client unit in TMS)."""

TTMSFNCWebsocketClientHandshakeResponseEvent = Callable[
    [Any, "TTMSFNCWebSocketHandshakeResponse", "VarParam[bool]"], None]
"""``(Sender, AResponse: TTMSFNCWebSocketHandshakeResponse, var AAllow: Boolean)``: the
client's ``OnHandshakeResponse`` (client unit in TMS)."""

TTMSFNCWebSocketAllowConnectionEvent = Callable[
    [Any, "TTMSFNCWebSocketServerConnection", "VarParam[bool]"], None]
"""``(Sender, AConnection: TTMSFNCWebSocketServerConnection, var AAllow: Boolean)``: the
server's ``OnAllow`` (server unit in TMS)."""

TTMSFNCWebSocketHandshakeSentEvent = Callable[[Any, "TTMSFNCWebSocketServerConnection"], None]
"""``(Sender, AConnection: TTMSFNCWebSocketServerConnection)``: the server's
``OnHandshakeResponseSent`` (server unit in TMS)."""

TTMSFNCWebSocketServerGetSSLPasswordEvent = Callable[[Any, "VarParam[str]"], None]
"""``(Sender, var APassword: string)``: the server's ``OnGetSSLPassword`` (server unit in
TMS)."""
