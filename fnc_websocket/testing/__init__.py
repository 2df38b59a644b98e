"""Testing kit: scriptable mock WebSocket servers and the pytest plugin.

``MockWebSocketServer`` runs on 127.0.0.1 with an ephemeral port, echoes or follows a script,
records every frame it receives and misbehaves on request (fault injection). The pytest plugin
(active once the package is installed) provides the ``ws_mock_server``,
``ws_mock_server_factory`` and ``fnc_app`` fixtures and the ``wait_for`` and
``record_events`` helpers.
"""

from fnc_websocket.testing.actions import (
    Binary,
    Close,
    Drop,
    Fragmented,
    IgnoreClose,
    InvalidUtf8,
    Oversized,
    Ping,
    Pong,
    ProtocolViolation,
    StopReading,
    Text,
    Violation,
)
from fnc_websocket.testing.app_helpers import record_events, wait_for
from fnc_websocket.testing.mock_server import (
    MockConnection,
    MockTimeoutError,
    MockWebSocketServer,
    Opcode,
)

__all__ = [
    "Binary", "Close", "Drop", "Fragmented", "IgnoreClose", "InvalidUtf8", "MockConnection",
    "MockTimeoutError", "MockWebSocketServer", "Opcode", "Oversized", "Ping", "Pong",
    "ProtocolViolation", "StopReading", "Text", "Violation", "record_events", "wait_for",
]
