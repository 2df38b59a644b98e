"""``TTMSFNCWebSocketClientConnection``: the client's ``AConnection`` and its sends.

Every send is thread-safe and never waits for the network: the message is encoded into masked
frames on the calling thread and handed to the worker's outgoing queue (see
:mod:`fnc_websocket.client.outgoing`), bounded by the client's ``SendQueueLimit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fnc_websocket.connection import TTMSFNCWebSocketConnection
from fnc_websocket.errors import EWebSocketClientClosed
from fnc_websocket.messages import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT
from fnc_websocket.types import (
    CLOSE_NORMAL,
    SErrCloseSent,
    SErrHandshakeNotComplete,
    TTMSFNCWebSocketFrameOpcode,
    TTMSFNCWebsocketOption,
    encode_close_payload,
)

if TYPE_CHECKING:
    from fnc_websocket.client.worker import ClientWorker

__all__ = ["TTMSFNCWebSocketClientConnection"]


def control_payload(data: str | bytes | bytearray | memoryview, what: str) -> bytes:
    """A ping/pong payload from text (UTF-8) or bytes; at most 125 bytes (RFC 6455 §5.5)."""
    if isinstance(data, str):
        raw = data.encode("utf-8")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise TypeError(f"{what}: expected str or bytes, got {type(data).__name__}")
    if len(raw) > 125:
        raise ValueError(f"{what}: a control frame payload is at most 125 bytes, got {len(raw)}")
    return raw


class TTMSFNCWebSocketClientConnection(TTMSFNCWebSocketConnection):
    """The connection of a ``TTMSFNCWebsocketClient`` (one per connection attempt).

    Created by ``Connect``; passed as ``AConnection`` to the client's events. It stays valid
    after the connection ends: its properties keep their last values, sends raise
    :class:`EWebSocketClientClosed`.
    """

    def __init__(self, aOptions: Iterable[TTMSFNCWebsocketOption],
                 worker: ClientWorker) -> None:
        super().__init__(aOptions)
        self._worker = worker

    @property
    def _sock(self) -> Any:
        """The connection's socket (None before the handshake or once closed)."""
        ws = self._worker.ws
        return ws.sock if ws is not None else None

    @property
    def PeerIP(self) -> str:
        """The server's IP address ('' before the TCP connection exists)."""
        return self._worker.peer[0]

    @property
    def PeerPort(self) -> int:
        """The server's port (0 before the TCP connection exists)."""
        return self._worker.peer[1]

    # -- sending (any thread) -------------------------------------------------------------

    def Send(self, aMessage: str) -> None:  # type: ignore[override]
        """Send a text message; split into frames when the client's ``SplitMessage`` is set."""
        if not isinstance(aMessage, str):
            raise TypeError(f"Send: expected str, got {type(aMessage).__name__}; use SendBytes "
                            "for binary data")
        self._send_message(OP_TEXT, aMessage.encode("utf-8"))

    def SendBytes(self, ABytes: bytes | bytearray | memoryview) -> None:  # type: ignore[override]
        """Send a binary message; split into frames when the client's ``SplitMessage`` is set."""
        if not isinstance(ABytes, (bytes, bytearray, memoryview)):
            raise TypeError(f"SendBytes: expected bytes, got {type(ABytes).__name__}")
        self._send_message(OP_BINARY, ABytes)

    def SendInMultipleFrames(self, AMessage: str, AFrameLength: int) -> None:
        """Send a text message as frames of at most ``AFrameLength`` bytes, header (and the
        4-byte mask) included, whatever ``SplitMessage`` says; any thread.

        Raises ``ValueError`` when ``AFrameLength`` leaves no room for payload (at least 7).
        """
        if not isinstance(AMessage, str):
            raise TypeError(f"SendInMultipleFrames: expected str, got "
                            f"{type(AMessage).__name__}; use SendBytesInMultipleFrames for "
                            "binary data")
        length = self._frame_length(AFrameLength, masked=True)
        self._send_message(OP_TEXT, AMessage.encode("utf-8"), length)

    def SendBytesInMultipleFrames(self, ABytes: bytes | bytearray | memoryview,
                                  AFrameLength: int) -> None:
        """Send a binary message as frames of at most ``AFrameLength`` bytes (as
        :meth:`SendInMultipleFrames`)."""
        if not isinstance(ABytes, (bytes, bytearray, memoryview)):
            raise TypeError(f"SendBytesInMultipleFrames: expected bytes, got "
                            f"{type(ABytes).__name__}")
        length = self._frame_length(AFrameLength, masked=True)
        self._send_message(OP_BINARY, ABytes, length)

    def SendClose(self, code: int | bytes | str = CLOSE_NORMAL, reason: str = "") -> None:
        """Start the close handshake: send a close frame, then wait (on the worker) for the
        server's reply, at most the client's ``CloseTimeout``.

        ``code`` is a status code (``reason`` its text); bytes are sent as the raw close payload
        (TMS's ``SendClose(aData)``); a str is taken as the reason of a 1000 close.
        """
        if isinstance(code, (bytes, bytearray)):
            payload = bytes(code)
            if len(payload) == 1 or len(payload) > 125:
                raise ValueError(f"SendClose: a close payload is empty or 2-125 bytes, "
                                 f"got {len(payload)}")
        elif isinstance(code, str):
            payload = encode_close_payload(CLOSE_NORMAL, code)
        elif isinstance(code, int) and not isinstance(code, bool):
            payload = encode_close_payload(code, reason)
        else:
            raise TypeError(f"SendClose: expected a status code, bytes or str, "
                            f"got {type(code).__name__}")
        self._send_close(payload)

    def SendSimpleFrame(self, AOpcode: TTMSFNCWebSocketFrameOpcode | int,
                        aData: bytes = b"") -> None:
        """Send a control frame: ``focPing``, ``focPong`` or ``focClose`` with ``aData``."""
        opcode = self._check_simple_opcode(AOpcode)
        if opcode == OP_CLOSE:
            self.SendClose(bytes(aData))
            return
        payload = control_payload(aData, "SendSimpleFrame")
        self._worker.send_control(opcode, payload)

    def _send_ping(self, data: str | bytes, pong: bool = False) -> None:
        payload = control_payload(data, "Pong" if pong else "Ping")
        self._worker.send_control(OP_PONG if pong else OP_PING, payload)

    @property
    def SendQueueSize(self) -> int:
        """Added. Bytes of message payload waiting to be sent (0 when all went out)."""
        return self._worker.queue.size

    # -- internals ------------------------------------------------------------------------

    def _check_can_send(self) -> None:
        if self._closed:
            raise EWebSocketClientClosed("cannot send: the connection is closed")
        if not self._handshake_completed:
            raise EWebSocketClientClosed(
                f"{SErrHandshakeNotComplete}: wait for OnConnect before sending")
        if self._close_sent:
            raise EWebSocketClientClosed(SErrCloseSent)

    def _send_message(self, opcode: int, payload: bytes | bytearray | memoryview,
                      frame_size: int | None = None) -> None:
        """Queue one message: frames of ``frame_size`` bytes (header included), or of the
        client's FrameSize when None and SplitMessage is set, else one frame."""
        if frame_size is None:
            frame_size = self._worker.split_frame_size()
        self._worker.send_message(opcode, payload, frame_size)

    def _send_close(self, payload: bytes) -> None:
        self._worker.send_close(payload, after_data=True)
