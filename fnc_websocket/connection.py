"""The connection both sides share: :class:`TTMSFNCWebSocketConnection`, the ``AConnection``
of every event, and :func:`frame_payload_sizes`, how ``FrameSize``/``SplitMessage`` and the
multi-frame sends cut a message into frames.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from fnc import TPersistent
from fnc_websocket.errors import EWebSocket
from fnc_websocket.handshake import TTMSFNCWebSocketRequest
from fnc_websocket.types import (
    CLOSE_NORMAL,
    CONTROL_OPCODES,
    CurrentWebSocketVersion,
    SErrNotSimpleOperation,
    TTMSFNCWebSocketFrameOpcode,
    TTMSFNCWebsocketOption,
)

__all__ = ["TTMSFNCWebSocketConnection", "frame_payload_sizes"]


def frame_payload_sizes(total: int, frame_size: int, masked: bool) -> list[int]:
    """Payload sizes of the frames a ``SplitMessage`` send uses for ``total`` bytes.

    ``frame_size`` counts the frame header as TMS documents (2 bytes, +2 above 125 bytes of
    payload, +8 above 65535, +4 when masked). Every fragment is sent; an empty message is one
    empty frame. Raises ``ValueError`` when ``frame_size`` leaves no room for payload.
    """
    mask = 4 if masked else 0
    room = frame_size - 2 - mask
    if room < 1:
        raise ValueError(f"FrameSize {frame_size} leaves no room for payload after the "
                         f"{2 + mask}-byte frame header")
    if room > 125:  # a longer payload needs the 16-bit, then the 64-bit length form
        room = max(125, frame_size - 4 - mask)
        if room > 65535:
            room = max(65535, frame_size - 10 - mask)
    if total == 0:
        return [0]
    sizes = [room] * (total // room)
    if total % room:
        sizes.append(total % room)
    return sizes



class TTMSFNCWebSocketConnection(TPersistent):
    """One WebSocket connection: the ``AConnection`` passed to every event.

    Abstract; the client and server provide concrete subclasses. The object stays valid for
    every event that names it, including a queued ``OnDisconnect``: its read-only properties keep
    their last values and sends raise :class:`EWebSocket` saying the connection is closed.
    Sends are thread-safe.
    """

    def __init__(self, aOptions: Iterable[TTMSFNCWebsocketOption] = ()) -> None:
        self._options: frozenset[TTMSFNCWebsocketOption] = frozenset(aOptions)
        self._send_lock = threading.Lock()
        self._close_sent = False
        self._handshake_completed = False
        self._closed = False
        self.UserData: Any = None

    @property
    def Options(self) -> frozenset[TTMSFNCWebsocketOption]:
        """The component's options when the connection was made."""
        return self._options

    @property
    def HandshakeCompleted(self) -> bool:
        """True once the upgrade handshake succeeded (server: the 101 response was sent)."""
        return self._handshake_completed

    @property
    def CloseSent(self) -> bool:
        """True once a close frame was sent on this connection."""
        return self._close_sent

    @property
    def Closed(self) -> bool:
        """True once the TCP connection is gone (added)."""
        return self._closed

    @property
    def PeerIP(self) -> str:
        """The remote IP address ('' when unknown)."""
        raise NotImplementedError

    @property
    def PeerPort(self) -> int:
        """The remote port (0 when unknown)."""
        raise NotImplementedError

    @property
    def HandshakeRequest(self) -> TTMSFNCWebSocketRequest | None:
        """Server side: the parsed upgrade request. Client side: None."""
        return None

    def Send(self, aMessage: str) -> None:
        """Send a text message (split into frames when the component's SplitMessage is set)."""
        raise NotImplementedError

    def SendBytes(self, ABytes: bytes) -> None:
        """Send a binary message (split into frames when SplitMessage is set)."""
        raise NotImplementedError

    @property
    def WebSocketVersion(self) -> int:
        """The WebSocket protocol version of the connection: 13 (``CurrentWebSocketVersion``).

        Read-only here: both components speak only RFC 6455's version 13.
        """
        return CurrentWebSocketVersion

    def SendInMultipleFrames(self, AMessage: str, AFrameLength: int) -> None:
        """Send a text message as frames of at most ``AFrameLength`` bytes, header included.

        The header is counted as for the component's ``FrameSize`` (see
        :func:`frame_payload_sizes`); the first frame is a text frame, the rest continuations.
        Any thread, as ``Send``. Raises ``ValueError`` when ``AFrameLength`` leaves no room for
        payload, and the errors of ``Send``.
        """
        raise NotImplementedError

    def SendBytesInMultipleFrames(self, ABytes: bytes, AFrameLength: int) -> None:
        """Send a binary message as frames of at most ``AFrameLength`` bytes, header included.

        As :meth:`SendInMultipleFrames`, for ``SendBytes``.
        """
        raise NotImplementedError

    def SendClose(self, code: int | bytes | str = CLOSE_NORMAL, reason: str = "") -> None:
        """Send a close frame with a status ``code`` and ``reason`` and wait for the peer's."""
        raise NotImplementedError

    def SendSimpleFrame(self, AOpcode: TTMSFNCWebSocketFrameOpcode | int,
                        aData: bytes = b"") -> None:
        """Send a control frame (``focPing``, ``focPong`` or ``focClose``) with ``aData``.

        Any other opcode raises ``EWebSocket('Opcode N is not a simple operation')``.
        """
        raise NotImplementedError

    @staticmethod
    def _frame_length(AFrameLength: int, masked: bool) -> int:
        """``AFrameLength`` checked: an int that leaves room for payload (else TypeError or
        ValueError naming the problem)."""
        if isinstance(AFrameLength, bool) or not isinstance(AFrameLength, int):
            raise TypeError(f"AFrameLength: expected int, got {type(AFrameLength).__name__}")
        try:
            frame_payload_sizes(1, AFrameLength, masked)
        except ValueError as exc:
            raise ValueError(f"AFrameLength: {exc}") from None
        return AFrameLength

    def _check_simple_opcode(self, AOpcode: TTMSFNCWebSocketFrameOpcode | int) -> int:
        code = int(AOpcode)
        if code not in CONTROL_OPCODES:
            raise EWebSocket(SErrNotSimpleOperation % code)
        return code

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._handshake_completed else "opening"
        try:
            peer = f"{self.PeerIP}:{self.PeerPort}"
        except NotImplementedError:
            peer = "?"
        return f"<{type(self).__name__} {peer} {state}>"

