"""The WebSocket vocabulary both sides share: TMS's enums and sets, constants, resource strings,
and RFC 6455's opcodes and close codes.

The one definition of each. Client, server, CLI and the testing kit import from here; the public
names are re-exported by ``fnc_websocket``. Pure data and pure functions: any thread may use them.
"""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "CLOSE_ABNORMAL", "CLOSE_BAD_GATEWAY", "CLOSE_CODE_NAMES", "CLOSE_GOING_AWAY",
    "CLOSE_INTERNAL_ERROR", "CLOSE_INVALID_PAYLOAD", "CLOSE_MANDATORY_EXTENSION",
    "CLOSE_MESSAGE_TOO_BIG", "CLOSE_NORMAL", "CLOSE_NO_STATUS", "CLOSE_POLICY_VIOLATION",
    "CLOSE_PROTOCOL_ERROR", "CLOSE_SERVICE_RESTART", "CLOSE_TLS_HANDSHAKE",
    "CLOSE_TRY_AGAIN_LATER", "CLOSE_UNSUPPORTED_DATA", "CONTROL_OPCODES", "DATA_OPCODES",
    "MAX_CLOSE_REASON_BYTES", "MAX_CONTROL_PAYLOAD", "SENDABLE_CLOSE_CODES",
    "CurrentWebSocketVersion", "DefaultPort", "EightBytesLengthCode", "Fin", "MaxheaderCount",
    "SErrActive", "SErrCloseSent", "SErrHandshakeNotComplete", "SErrInActive",
    "SErrNotSimpleOperation", "SErrTooManyHeaders", "TCloseStatus",
    "TTMSFNCWebSocketFrameOpcode", "TTMSFNCWebSocketFrameType", "TTMSFNCWebSocketFrameTypes",
    "TTMSFNCWebSocketIncomingResult", "TTMSFNCWebSocketTLSVersion",
    "TTMSFNCWebSocketTLSVersions", "TTMSFNCWebsocketOption", "TTMSFNCWebsocketOptions",
    "TransformCloseData", "TwoBytesLengthCode", "close_code_name", "encode_close_payload",
    "focBinary", "focClose",
    "focContinuation", "focPing", "focPong", "focText", "ftContinuation", "ftFirst", "ftLast",
    "irClose", "irNone", "irOK", "is_sendable_close_code", "split_close_payload",
    "twsoFrameByFrame", "twsoManualClose", "twsoManualPong", "twsoSkipUpgradeCheck",
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

MAX_CONTROL_PAYLOAD = 125
"""Longest payload of a control frame (RFC 6455 §5.5)."""
MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2
"""Longest UTF-8 close reason: a control payload less the 2-byte status code."""

# Resource strings: TMS's texts, which users see in exceptions.
SErrActive = "Operation cannot be performed while the websocket server is active"
SErrInActive = "Operation cannot be performed while the websocket server is not active"
SErrHandshakeNotComplete = "Operation cannot be performed while the handshake is not completed"
SErrNotSimpleOperation = "Opcode %d is not a simple operation"
SErrCloseSent = "Close already sent, cannot send more data"
SErrTooManyHeaders = "Too many response headers"


# -- enums and sets ---------------------------------------------------------------------------

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
    """Frame opcodes (RFC 6455 §5.2); the package's one definition of their values."""

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

DATA_OPCODES = frozenset({focContinuation, focText, focBinary})
"""Opcodes of the frames that carry message data."""
CONTROL_OPCODES = frozenset({focClose, focPing, focPong})
"""Opcodes of the control frames (what ``SendSimpleFrame`` accepts)."""


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


# -- close codes (RFC 6455 §7.4) --------------------------------------------------------------

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
CLOSE_SERVICE_RESTART = 1012
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_BAD_GATEWAY = 1014
CLOSE_TLS_HANDSHAKE = 1015

CLOSE_CODE_NAMES: dict[int, str] = {
    CLOSE_NORMAL: "normal closure",
    CLOSE_GOING_AWAY: "going away",
    CLOSE_PROTOCOL_ERROR: "protocol error",
    CLOSE_UNSUPPORTED_DATA: "unsupported data",
    CLOSE_NO_STATUS: "no status received",
    CLOSE_ABNORMAL: "abnormal closure",
    CLOSE_INVALID_PAYLOAD: "invalid payload data",
    CLOSE_POLICY_VIOLATION: "policy violation",
    CLOSE_MESSAGE_TOO_BIG: "message too big",
    CLOSE_MANDATORY_EXTENSION: "mandatory extension",
    CLOSE_INTERNAL_ERROR: "internal error",
    CLOSE_SERVICE_RESTART: "service restart",
    CLOSE_TRY_AGAIN_LATER: "try again later",
    CLOSE_BAD_GATEWAY: "bad gateway",
    CLOSE_TLS_HANDSHAKE: "TLS handshake failure",
}
"""The IANA names of the registered close codes (1005, 1006 and 1015 are never sent: they only
report what happened)."""

SENDABLE_CLOSE_CODES = frozenset(
    code for code in CLOSE_CODE_NAMES
    if code not in (CLOSE_NO_STATUS, CLOSE_ABNORMAL, CLOSE_TLS_HANDSHAKE))
"""The registered codes a close frame may carry; 3000-4999 are allowed too."""


def is_sendable_close_code(code: int) -> bool:
    """True for a status code a close frame may carry, sent or received (RFC 6455 §7.4):
    the sendable registered codes and the application range 3000-4999."""
    return code in SENDABLE_CLOSE_CODES or 3000 <= code <= 4999


def close_code_name(code: int) -> str:
    """A short description of ``code`` for messages: its registered name, or its range."""
    name = CLOSE_CODE_NAMES.get(code)
    if name is not None:
        return name
    if 3000 <= code <= 3999:
        return "registered application code"
    if 4000 <= code <= 4999:
        return "private application code"
    return "reserved code"


@attrs.frozen
class TCloseStatus:
    """A close frame's status: ``code`` (1005 when the frame had none) and UTF-8 ``reason``."""

    code: int = CLOSE_NO_STATUS
    reason: str = ""


def split_close_payload(data: bytes, errors: str = "replace") -> tuple[int | None, str]:
    """Split a close payload into (status code or None when it has none, reason).

    Not a validator: any code is returned, and reason bytes that are not UTF-8 are decoded with
    the codec error handler ``errors`` (``"strict"`` raises ``UnicodeDecodeError``).
    """
    if len(data) < 2:
        return None, ""
    return int.from_bytes(data[:2], "big"), bytes(data[2:]).decode("utf-8", errors)


def TransformCloseData(data: bytes) -> tuple[int, str]:
    """Split a close payload into (status code, reason); (1005, '') when it has no code.

    TMS's ``TransformCloseData``. Undecodable reason bytes are replaced, not raised.
    """
    code, reason = split_close_payload(data)
    return (CLOSE_NO_STATUS if code is None else code), reason


def encode_close_payload(code: int | None = CLOSE_NORMAL, reason: str | bytes = "", *,
                         check: bool = True) -> bytes:
    """Build a close payload: 2-byte big-endian status then the reason (RFC 6455 §5.5.1).

    ``code=None`` gives an empty payload. A ``str`` reason is encoded as UTF-8, ``bytes`` are
    sent as they are. With ``check`` (the default) raises ``ValueError`` for a code that may not
    be sent, a reason without a code, or a reason longer than 123 bytes; ``check=False`` builds
    whatever is asked (the testing kit's misbehaving peers).
    """
    raw = reason.encode("utf-8") if isinstance(reason, str) else bytes(reason)
    if code is None:
        if raw and check:
            raise ValueError("a close reason needs a status code")
        return b""
    if check:
        if not is_sendable_close_code(code):
            raise ValueError(f"close code {code} ({close_code_name(code)}) may not be sent in a "
                             "close frame (RFC 6455 §7.4)")
        if len(raw) > MAX_CLOSE_REASON_BYTES:
            raise ValueError(f"close reason is {len(raw)} bytes long; at most "
                             f"{MAX_CLOSE_REASON_BYTES} fit a frame")
    return code.to_bytes(2, "big") + raw
