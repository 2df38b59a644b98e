"""Testing kit: scriptable mock WebSocket servers and the pytest plugin.

``MockWebSocketServer`` runs on 127.0.0.1 with an ephemeral port, echoes or follows a script,
records every frame it receives and misbehaves on request (fault injection). The pytest plugin
(active once the package is installed) provides the ``ws_mock_server``,
``ws_mock_server_factory`` and ``fnc_app`` fixtures and the ``wait_for`` and
``record_events`` helpers, and the ``ws_cassette`` fixture.

Record and replay: :class:`Recorder` relays a client to a real server and records the
conversation as a :class:`Cassette` (versioned JSON); ``MockWebSocketServer.from_cassette``
(a :class:`ReplayServer`) plays the server's part of it back.
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
from fnc_websocket.testing.cassette import Cassette, CassetteError
from fnc_websocket.testing.mock_server import (
    MockConnection,
    MockTimeoutError,
    MockWebSocketServer,
    Opcode,
)
from fnc_websocket.testing.recorder import Recorder, RecorderError
from fnc_websocket.testing.replay import ReplayServer

__all__ = [
    "Binary", "Cassette", "CassetteError", "Close", "Drop", "Fragmented", "IgnoreClose",
    "InvalidUtf8", "MockConnection", "MockTimeoutError", "MockWebSocketServer", "Opcode",
    "Oversized", "Ping", "Pong", "ProtocolViolation", "Recorder", "RecorderError",
    "ReplayServer", "StopReading", "Text", "Violation", "record_events", "wait_for",
]
