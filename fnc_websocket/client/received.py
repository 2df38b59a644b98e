"""The client's protected ``*Received`` methods (TMS's extension points), one per kind of frame.

Each raises its event; a subclass overrides one to inspect, change or swallow what arrived.
They run on the thread that reads (see ``MessageReceived``).
"""

from __future__ import annotations

from typing import Any

from fnc_websocket.client.connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.messages import keeps_received_methods
from fnc_websocket.types import TTMSFNCWebSocketFrameType

__all__ = ["ReceivedMethods"]


class ReceivedMethods:
    """Mixed into the client component: the five protected ``*Received`` methods."""

    def MessageReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketClientConnection,
                        AMessage: str) -> None:
        """A text message arrived; raises ``OnMessageReceived``. Override to inspect or change
        it, then call ``super().MessageReceived(Sender, AConnection, AMessage)`` (or do not,
        to swallow it), as TMS's WhatsApp receiver does.

        Protected (TMS's extension point). Runs on the thread that reads, where the client
        raises the event: the worker (``AutoCheckMessages``) or the caller of
        ``CheckIncoming``/``Disconnect``. The event itself then follows ``AutoSyncEvents``
        (queued to the home thread when True). ``Sender`` is the connection that received the
        message. An exception raised here goes to ``Application.HandleException``.
        """
        type(self).OnMessageReceived.fire(self, AConnection, AMessage)

    def BinaryDataReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketClientConnection,
                           AData: bytes, AFrameType: frozenset[TTMSFNCWebSocketFrameType]
                           ) -> None:
        """A binary message (or frame, twsoFrameByFrame) arrived; raises
        ``OnBinaryDataReceived``. Protected; thread and override rules as ``MessageReceived``."""
        type(self).OnBinaryDataReceived.fire(self, AConnection, AData, AFrameType)

    def PingReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketClientConnection,
                     AData: bytes) -> None:
        """A ping arrived (already answered unless twsoManualPong); raises ``OnPing``.
        Protected; thread and override rules as ``MessageReceived``."""
        type(self).OnPing.fire(self, AConnection, AData)

    def PongReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketClientConnection,
                     AData: bytes) -> None:
        """A pong arrived; raises ``OnPong``. Protected; rules as ``MessageReceived``."""
        type(self).OnPong.fire(self, AConnection, AData)

    def CloseReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketClientConnection,
                      AData: bytes) -> None:
        """The server's close frame arrived; raises ``OnClose``. Swallowing it does not stop
        the close (the reply is automatic unless twsoManualClose). Protected; rules as
        ``MessageReceived``."""
        type(self).OnClose.fire(self, AConnection, AData)

    @classmethod
    def _keeps_received_methods(cls) -> bool:
        """True when the class does not override a protected ``*Received`` method (the home
        thread may then read the socket itself; see ``ClientWorker``)."""
        return keeps_received_methods(cls, ReceivedMethods)
