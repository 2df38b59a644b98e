"""Types shared by the WebSocket client and server (TMS's ``TMSFNCWebSocketCommon`` unit).

Enums and sets named as in Delphi, the exceptions, close codes, the handshake request, the
heartbeat settings, and :class:`TTMSFNCWebSocketConnection`, the ``AConnection`` of every event.
"""

from __future__ import annotations

import base64
import enum
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import attrs

from fnc import Property, TNestedPersistent, TPersistent
from fnc.exceptions import Exception_
from fnc.properties import at_least

if TYPE_CHECKING:
    from fnc.events import VarParam
    from fnc_websocket.client.handshake import TTMSFNCWebSocketHandshakeResponse
    from fnc_websocket.server.connection import TTMSFNCWebSocketServerConnection

__all__ = [
    "CLOSE_GOING_AWAY", "CLOSE_INVALID_PAYLOAD", "CLOSE_MESSAGE_TOO_BIG", "CLOSE_NORMAL",
    "CLOSE_POLICY_VIOLATION", "CLOSE_PROTOCOL_ERROR", "CLOSE_TRY_AGAIN_LATER",
    "CurrentWebSocketVersion", "DefaultPort", "EWebSocket", "EightBytesLengthCode", "Fin",
    "MaxheaderCount", "SErrActive", "SErrCloseSent", "SErrHandshakeNotComplete", "SErrInActive",
    "SErrNotSimpleOperation", "SErrTooManyHeaders", "TCloseStatus", "THeartBeat",
    "TTMSFNCWebSocketAllowConnectionEvent", "TTMSFNCWebSocketBinDataEvent",
    "TTMSFNCWebSocketConnectEvent", "TTMSFNCWebSocketConnection",
    "TTMSFNCWebSocketControlEvent", "TTMSFNCWebSocketDisconnectEvent",
    "TTMSFNCWebSocketException", "TTMSFNCWebSocketFrameOpcode", "TTMSFNCWebSocketFrameType",
    "TTMSFNCWebSocketFrameTypes", "TTMSFNCWebSocketHandshakeException",
    "TTMSFNCWebSocketHandshakeSentEvent", "TTMSFNCWebSocketIncomingResult",
    "TTMSFNCWebSocketMessageEvent", "TTMSFNCWebSocketNotifyEvent", "TTMSFNCWebSocketRequest",
    "TTMSFNCWebSocketServerGetSSLPasswordEvent", "TTMSFNCWebSocketTLSVersion",
    "TTMSFNCWebSocketTLSVersions", "TTMSFNCWebsocketClientHandShakeEvent",
    "TTMSFNCWebsocketClientHandshakeResponseEvent", "TTMSFNCWebsocketOption",
    "TTMSFNCWebsocketOptions", "TransformCloseData", "TwoBytesLengthCode",
    "encode_close_payload", "frame_payload_sizes", "focBinary", "focClose", "focContinuation",
    "focPing", "focPong", "focText", "ftContinuation", "ftFirst", "ftLast", "irClose", "irNone",
    "irOK", "twsoFrameByFrame", "twsoManualClose", "twsoManualPong", "twsoSkipUpgradeCheck",
    "twsoSkipVersionCheck", "wstTLS1", "wstTLS1_1", "wstTLS1_2",
]

DefaultPort = 8888
CurrentWebSocketVersion = 13

# Frame-format constants of TMS's Common unit (RFC 6455 §5.2).
Fin = 0x80
"""The FIN bit of a frame's first byte."""
TwoBytesLengthCode = 126
"""7-bit length value announcing a 16-bit payload length."""
EightBytesLengthCode = 127
"""7-bit length value announcing a 64-bit payload length."""
MaxheaderCount = 100
"""Most header lines the client accepts in the server's handshake response (TMS's client
unit); more raise ``EWebSocketClientHandshakeError(SErrTooManyHeaders)``."""

# Resource strings: TMS's texts, which users see in exceptions.
SErrActive = "Operation cannot be performed while the websocket server is active"
SErrInActive = "Operation cannot be performed while the websocket server is not active"
SErrHandshakeNotComplete = "Operation cannot be performed while the handshake is not completed"
SErrNotSimpleOperation = "Opcode %d is not a simple operation"
SErrCloseSent = "Close already sent, cannot send more data"
SErrTooManyHeaders = "Too many response headers"


class TTMSFNCWebsocketOption(enum.Enum):
    """Protocol options (``Options`` is a set of these)."""

    twsoFrameByFrame = 0
    """Deliver each data frame as it arrives; do not reassemble fragmented messages."""
    twsoSkipUpgradeCheck = 1
    """Server: do not require ``Upgrade: websocket``."""
    twsoSkipVersionCheck = 2
    """Server: do not require ``Sec-WebSocket-Version: 13``."""
    twsoManualPong = 3
    """Do not answer pings automatically (send the pong yourself)."""
    twsoManualClose = 4
    """Do not answer a close frame automatically."""


twsoFrameByFrame = TTMSFNCWebsocketOption.twsoFrameByFrame
twsoSkipUpgradeCheck = TTMSFNCWebsocketOption.twsoSkipUpgradeCheck
twsoSkipVersionCheck = TTMSFNCWebsocketOption.twsoSkipVersionCheck
twsoManualPong = TTMSFNCWebsocketOption.twsoManualPong
twsoManualClose = TTMSFNCWebsocketOption.twsoManualClose

TTMSFNCWebsocketOptions = frozenset[TTMSFNCWebsocketOption]
"""A set of options (Delphi's ``set of TTMSFNCWebsocketOption``)."""


class TTMSFNCWebSocketFrameType(enum.Enum):
    """Where a data frame sits in its message (``AFrameType`` is a set of these)."""

    ftFirst = 0
    ftContinuation = 1
    ftLast = 2


ftFirst = TTMSFNCWebSocketFrameType.ftFirst
ftContinuation = TTMSFNCWebSocketFrameType.ftContinuation
ftLast = TTMSFNCWebSocketFrameType.ftLast

TTMSFNCWebSocketFrameTypes = frozenset[TTMSFNCWebSocketFrameType]


class TTMSFNCWebSocketFrameOpcode(enum.IntEnum):
    """Frame opcodes (RFC 6455 §5.2)."""

    focContinuation = 0x0
    focText = 0x1
    focBinary = 0x2
    focClose = 0x8
    focPing = 0x9
    focPong = 0xA


focContinuation = TTMSFNCWebSocketFrameOpcode.focContinuation
focText = TTMSFNCWebSocketFrameOpcode.focText
focBinary = TTMSFNCWebSocketFrameOpcode.focBinary
focClose = TTMSFNCWebSocketFrameOpcode.focClose
focPing = TTMSFNCWebSocketFrameOpcode.focPing
focPong = TTMSFNCWebSocketFrameOpcode.focPong


class TTMSFNCWebSocketIncomingResult(enum.Enum):
    """What ``CheckIncoming`` found."""

    irNone = 0
    irOK = 1
    irClose = 2


irNone = TTMSFNCWebSocketIncomingResult.irNone
irOK = TTMSFNCWebSocketIncomingResult.irOK
irClose = TTMSFNCWebSocketIncomingResult.irClose


class TTMSFNCWebSocketTLSVersion(enum.Enum):
    """Declared by TMS, unused by its components; kept for source compatibility."""

    wstTLS1 = 0
    wstTLS1_1 = 1
    wstTLS1_2 = 2


wstTLS1 = TTMSFNCWebSocketTLSVersion.wstTLS1
wstTLS1_1 = TTMSFNCWebSocketTLSVersion.wstTLS1_1
wstTLS1_2 = TTMSFNCWebSocketTLSVersion.wstTLS1_2

TTMSFNCWebSocketTLSVersions = frozenset[TTMSFNCWebSocketTLSVersion]
"""A set of TLS versions (Delphi's ``set of TTMSFNCWebSocketTLSVersion``); unused, as in TMS."""


# -- exceptions -----------------------------------------------------------------------------

class EWebSocket(Exception_):
    """Base of the WebSocket errors (bad opcode for ``SendSimpleFrame``, send after close...)."""


class TTMSFNCWebSocketException(Exception_):
    """Declared by TMS; kept for source compatibility."""


class TTMSFNCWebSocketHandshakeException(TTMSFNCWebSocketException):
    """Declared by TMS; kept for source compatibility."""


# -- close codes ----------------------------------------------------------------------------

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_NO_STATUS = 1005
CLOSE_ABNORMAL = 1006
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_MANDATORY_EXTENSION = 1010
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013


@attrs.frozen
class TCloseStatus:
    """A close frame's status: ``code`` (1005 when the frame had none) and UTF-8 ``reason``."""

    code: int = CLOSE_NO_STATUS
    reason: str = ""


def TransformCloseData(data: bytes) -> tuple[int, str]:
    """Split a close payload into (status code, reason); (1005, '') when it has no code.

    TMS's ``TransformCloseData``. Undecodable reason bytes are replaced, not raised.
    """
    if len(data) < 2:
        return CLOSE_NO_STATUS, ""
    return int.from_bytes(data[:2], "big"), bytes(data[2:]).decode("utf-8", "replace")


def encode_close_payload(code: int | None = CLOSE_NORMAL, reason: str = "") -> bytes:
    """Build a close payload: 2-byte big-endian status then the UTF-8 reason (RFC 6455 §5.5.1).

    ``code=None`` gives an empty payload. Raises ``ValueError`` for a code that may not be sent
    or a reason longer than 123 bytes.
    """
    if code is None:
        if reason:
            raise ValueError("a close reason needs a status code")
        return b""
    if not (code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014)
            or 3000 <= code <= 4999):
        raise ValueError(f"close code {code} may not be sent in a close frame (RFC 6455 §7.4)")
    raw = reason.encode("utf-8")
    if len(raw) > 123:
        raise ValueError(f"close reason is {len(raw)} bytes long; at most 123 fit a frame")
    return code.to_bytes(2, "big") + raw


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


# -- handshake request ----------------------------------------------------------------------

class TTMSFNCWebSocketRequest:
    """An HTTP upgrade request as the server received it (``AConnection.HandshakeRequest``).

    Header values are looked up case-insensitively in ``RawHeaders`` (``Name: value`` lines).
    ``QueryParams`` maps each query parameter to its first value.
    """

    def __init__(self, aResource: str, AHeaderList: Iterable[str] | Mapping[str, str] = ()) -> None:
        self.Resource = aResource
        if isinstance(AHeaderList, Mapping):
            lines = [f"{k}: {v}" for k, v in AHeaderList.items()]
        else:
            lines = list(AHeaderList)
        self.RawHeaders: list[str] = lines
        self.Host = self._value("Host")
        self.Origin = self._value("Origin")
        self.Connection = self._value("Connection")
        self.Upgrade = self._value("Upgrade")
        self.Protocol = self._value("Sec-WebSocket-Protocol")
        self.Version = self._value("Sec-WebSocket-Version")
        self.Extensions = self._value("Sec-WebSocket-Extensions")
        key = self._value("Sec-WebSocket-Key")
        self.Key = key if _is_websocket_key(key) else ""

    def _value(self, name: str) -> str:
        folded = name.lower()
        values = []
        for line in self.RawHeaders:
            head, sep, value = line.partition(":")
            if sep and head.strip().lower() == folded:
                values.append(value.strip())
        return ", ".join(values)

    def GetHeader(self, name: str) -> str:
        """The (comma-joined) value of header ``name``, '' when absent."""
        return self._value(name)

    @property
    def Path(self) -> str:
        """``Resource`` without its query string."""
        return urlsplit(self.Resource).path

    @property
    def QueryParams(self) -> dict[str, str]:
        """Query parameters of ``Resource`` (first value of each)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.Resource).query,
                                             keep_blank_values=True).items()}

    def __repr__(self) -> str:
        return f"<TTMSFNCWebSocketRequest {self.Resource!r} Host={self.Host!r}>"


def _is_websocket_key(key: str) -> bool:
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        return False


# -- heartbeat ------------------------------------------------------------------------------

class THeartBeat(TNestedPersistent):
    """Keep-alive pings (added beyond TMS, named as sgcWebSockets users know it).

    While ``Enabled``, a ping is sent every ``Interval`` seconds; a peer that does not answer
    with a pong within ``Timeout`` seconds is declared dead and disconnected (close 1011 on a
    server, an ``OnError`` then ``OnDisconnect`` on a client).
    """

    Enabled = Property(bool, False, doc="Send keep-alive pings.")
    Interval = Property(float, 30.0, validator=lambda _o, v: None if v > 0 else
                        f"{v!r} must be above 0", doc="Seconds between pings.")
    Timeout = Property(float, 10.0, validator=at_least(0.0),
                       doc="Seconds to wait for the pong; 0 = never declare the peer dead.")


# -- the connection -------------------------------------------------------------------------

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
        if code not in (focClose, focPing, focPong):
            raise EWebSocket(SErrNotSimpleOperation % code)
        return code

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._handshake_completed else "opening"
        try:
            peer = f"{self.PeerIP}:{self.PeerPort}"
        except NotImplementedError:
            peer = "?"
        return f"<{type(self).__name__} {peer} {state}>"


# -- event types ------------------------------------------------------------------------------
# Delphi's ``procedure(...) of object`` types as callable aliases, for annotating handlers. The
# parameters are in Delphi's order (Sender first); a Delphi ``var`` parameter is a
# ``fnc.events.VarParam`` holder whose ``.Value`` the handler sets.

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
