"""Client agents: WebSocket clients under test, each echoing every message of a fuzzing case.

Every agent implements :class:`autobahn_fuzz.ClientAgent` (``name``, ``run_case(url)``).
:func:`client_agents` lists them all, each either available or with the reason it is not (the
component agent needs ``fnc_websocket.client.component``), so the runners and the tests pick them up
automatically once the component exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import websocket
from websocket import ABNF

CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INVALID_PAYLOAD = 1007


class RawWebSocketClientAgent:
    """Baseline agent: websocket-client's low-level ``websocket.WebSocket``, no component.

    Echoes text and binary messages from ``recv_data()`` (which reassembles fragments, answers
    pings and replies to a close). A protocol error closes with 1002, invalid UTF-8 with 1007.
    After the close exchange it waits for the server to drop TCP (the server closes first in
    RFC 6455), bounded by ``timeout``.
    """

    name = "websocket-client"

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def run_case(self, url: str) -> None:
        ws = websocket.WebSocket()
        try:
            ws.connect(url, timeout=self.timeout)
        except (websocket.WebSocketException, OSError):
            ws.shutdown()
            return
        try:
            self._echo(ws)
        finally:
            ws.shutdown()

    def _echo(self, ws: websocket.WebSocket) -> None:
        while True:
            try:
                opcode, data = ws.recv_data()
                if opcode == ABNF.OPCODE_CLOSE:
                    self._await_eof(ws)  # recv_data() has already answered the close
                    return
                if opcode == ABNF.OPCODE_TEXT:
                    data.decode("utf-8")  # websocket-client accepts a truncated last sequence
                ws.send(data, opcode)
            except websocket.WebSocketProtocolException:
                self._fail(ws, CLOSE_PROTOCOL_ERROR)
                return
            except (websocket.WebSocketPayloadException, UnicodeDecodeError):
                self._fail(ws, CLOSE_INVALID_PAYLOAD)
                return
            except (websocket.WebSocketException, OSError):
                return  # connection dropped or timed out: nothing left to echo

    def _fail(self, ws: websocket.WebSocket, code: int) -> None:
        try:
            ws.send_close(code)
        except (websocket.WebSocketException, OSError):
            return
        self._await_eof(ws)

    def _await_eof(self, ws: websocket.WebSocket) -> None:
        sock = ws.sock
        if sock is None:
            return
        deadline = time.monotonic() + self.timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                if not sock.recv(65536):
                    return
        except (TimeoutError, OSError):
            return


class ComponentClientAgent:
    """Agent on our ``TTMSFNCWebsocketClient`` (``fnc_websocket.client.component``).

    Per case: a fresh client on the calling (home) thread, ``MaxMessageSize = 0`` (Autobahn sends
    16 MiB messages), echo from ``OnMessageReceived`` / ``OnBinaryDataReceived`` through
    ``AConnection.Send`` / ``SendBytes``, then pump with ``Application.ProcessMessagesUntil`` until
    ``OnDisconnect``. ``auto_sync`` chooses ``AutoSyncEvents`` (handlers on the home thread when
    True, on the worker when False).
    """

    def __init__(self, timeout: float = 30.0, auto_sync: bool = True) -> None:
        self.timeout = timeout
        self.auto_sync = auto_sync
        self.name = "fnc-client" if auto_sync else "fnc-client-nosync"

    def run_case(self, url: str) -> None:
        from fnc_websocket.client.component import TTMSFNCWebsocketClient
        from fnc_websocket.errors import EWebSocket

        application = _application()
        parts = urlsplit(url)
        disconnected = threading.Event()
        errors: list[str] = []

        def echo(AConnection: Any, send: Callable[[], None]) -> None:
            try:
                send()
            except EWebSocket:
                # The component refuses sends once the connection is closing (a close was
                # received or sent); a message event may still run then. A refusal at any
                # other time leaves the echo missing, which the case verdict reports.
                pass

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            echo(AConnection, lambda: AConnection.Send(AMessage))

        def on_binary(Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
            echo(AConnection, lambda: AConnection.SendBytes(AData))

        def on_error(Sender: Any, AConnection: Any, AError: Exception) -> None:
            errors.append(repr(AError))

        def on_disconnect(Sender: Any, AConnection: Any) -> None:
            disconnected.set()

        client = TTMSFNCWebsocketClient(None)
        try:
            client.HostName = parts.hostname
            client.Port = parts.port
            client.PathName = f"{parts.path}?{parts.query}"
            client.AutoSyncEvents = self.auto_sync
            client.MaxMessageSize = 0
            client.OnMessageReceived = on_message
            client.OnBinaryDataReceived = on_binary
            client.OnError = on_error
            client.OnDisconnect = on_disconnect
            client.Connect()
            if not application.ProcessMessagesUntil(disconnected.is_set, timeout=self.timeout):
                raise TimeoutError(f"no OnDisconnect within {self.timeout} s (errors: {errors})")
        finally:
            client.Free()


def _application() -> Any:
    try:
        from fnc.application import Application
    except ImportError:
        from fnc import Application  # type: ignore[attr-defined,no-redef]
    return Application


@dataclass(frozen=True)
class AgentEntry:
    """A client agent the runners know."""

    name: str
    factory: Callable[[], Any]


def client_agents() -> dict[str, AgentEntry]:
    """Every known client agent by name."""
    return {
        "websocket-client": AgentEntry("websocket-client", RawWebSocketClientAgent),
        "fnc-client": AgentEntry("fnc-client", lambda: ComponentClientAgent(auto_sync=True)),
        "fnc-client-nosync": AgentEntry(
            "fnc-client-nosync", lambda: ComponentClientAgent(auto_sync=False)),
    }
