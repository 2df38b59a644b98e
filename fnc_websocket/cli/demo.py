"""``fnc-ws demo``: a server and a client component talking in one process, as a timeline.

The server keeps TMS's default ``AutoSyncEvents = False``: its handlers run on its connection
thread. The client keeps its default ``AutoSyncEvents = True``: its worker thread fires the
events and the main thread runs the handlers, which the timeline shows as
``worker -> MainThread``. Every step waits for its events with a bound; a step that does not
complete fails the demo (exit status 1) after the timeline so far has been shown.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs

from fnc.application import Application
from fnc.threads import MessageQueue
from fnc_websocket.cli.common import EXIT_FAILURE, Console
from fnc_websocket.client.component import TTMSFNCWebsocketClient
from fnc_websocket.server.component import TTMSFNCWebSocketServer
from fnc_websocket.types import TransformCloseData, ftLast

__all__ = ["run_demo"]

STEP_TIMEOUT = 5.0
"""Seconds each step of the demo may take."""

_TEXT = "Hello, server"
_BINARY = bytes([0x00, 0x01, 0x02, 0xFE, 0xFF])
_PING = b"are you there?"


@attrs.frozen
class Entry:
    """One line of the timeline: a step the demo took, or an event a handler received."""

    t: float
    kind: str
    """``"step"`` or ``"event"``."""
    component: str = ""
    event: str = ""
    detail: str = ""
    fired_on: str = ""
    """The thread that fired the event."""
    ran_on: str = ""
    """The thread the handler ran on (differs from ``fired_on`` when marshaled)."""

    @property
    def marshaled(self) -> bool:
        return self.kind == "event" and self.fired_on != self.ran_on

    def as_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["t"] = round(self.t, 4)
        if self.kind == "event":
            data["marshaled"] = self.marshaled
        else:
            data = {"t": data["t"], "kind": "step", "action": self.detail}
        return data


class Timeline:
    """Entries in the order they happened; appended from any thread."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self.entries: list[Entry] = []

    def _add(self, entry: Entry) -> None:
        with self._lock:
            self.entries.append(entry)

    def now(self) -> float:
        return time.monotonic() - self._start

    def step(self, text: str) -> None:
        self._add(Entry(self.now(), "step", detail=text))

    def event(self, component: str, event: str, detail: str, fired_on: str) -> None:
        self._add(Entry(self.now(), "event", component, event, detail, fired_on,
                        threading.current_thread().name))

    def seen(self, component: str, event: str) -> bool:
        with self._lock:
            return any(e.component == component and e.event == event for e in self.entries)


class _DemoClient(TTMSFNCWebsocketClient):
    """The client, noting which thread fires its marshaled events (its worker thread)."""

    def __init__(self, AOwner: Any = None, **props: Any) -> None:
        self.worker_name = ""
        super().__init__(AOwner, **props)

    def fnc_event_queue(self) -> MessageQueue | None:
        queue = super().fnc_event_queue()
        if queue is not None:  # called by Event.fire on the firing thread, just before queuing
            self.worker_name = threading.current_thread().name
        return queue


def _short(value: str | bytes, limit: int = 32) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _peer(connection: Any) -> str:
    return f"{connection.PeerIP}:{connection.PeerPort}"


def _wire_server(server: TTMSFNCWebSocketServer, timeline: Timeline) -> None:
    def note(event: str, detail: str = "") -> None:
        timeline.event(server.Name, event, detail, threading.current_thread().name)

    def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
        note("OnMessageReceived", _short(AMessage) + " -> echo")
        AConnection.Send(AMessage)

    def on_binary(Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
        note("OnBinaryDataReceived", f"{len(AData)} bytes {AData.hex()} -> echo")
        AConnection.SendBytes(AData)

    server.OnConnect = lambda Sender, AConnection: note("OnConnect", _peer(AConnection))
    server.OnHandshakeResponseSent = lambda Sender, AConnection: note(
        "OnHandshakeResponseSent", f"GET {AConnection.HandshakeRequest.Resource} -> 101")
    server.OnMessageReceived = on_message
    server.OnBinaryDataReceived = on_binary
    server.OnPing = lambda Sender, AConnection, AData: note(
        "OnPing", _short(AData) + " (pong sent)")
    server.OnClose = lambda Sender, AConnection, AData: note(
        "OnClose", "code {} {!r}".format(*TransformCloseData(AData)))
    server.OnDisconnect = lambda Sender, AConnection: note("OnDisconnect", _peer(AConnection))
    server.OnError = lambda Sender, AConnection, AError: note("OnError", str(AError))


def _wire_client(client: _DemoClient, timeline: Timeline) -> None:
    def note(event: str, detail: str = "", marshaled: bool = True) -> None:
        here = threading.current_thread().name
        fired_on = client.worker_name if marshaled and client.worker_name else here
        timeline.event(client.Name, event, detail, fired_on)

    def on_send_handshake(Sender: Any, AHeaders: list[str]) -> None:
        note("OnSendHandshake", f"{AHeaders[0]} +{len(AHeaders) - 1} headers", marshaled=False)

    def on_handshake_response(Sender: Any, AResponse: Any, AAllow: Any) -> None:
        note("OnHandshakeResponse", "101 accepted", marshaled=False)

    def on_binary(Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
        whole = "whole message" if ftLast in AFrameType else "fragment"
        note("OnBinaryDataReceived", f"{len(AData)} bytes {AData.hex()} ({whole})")

    client.OnSendHandshake = on_send_handshake
    client.OnHandshakeResponse = on_handshake_response
    client.OnConnect = lambda Sender, AConnection: note(
        "OnConnect", f"connected to {AConnection.PeerIP}:{AConnection.PeerPort}")
    client.OnMessageReceived = lambda Sender, AConnection, AMessage: note(
        "OnMessageReceived", _short(AMessage))
    client.OnBinaryDataReceived = on_binary
    client.OnPong = lambda Sender, AConnection, AData: note("OnPong", _short(AData))
    client.OnClose = lambda Sender, AConnection, AData: note(
        "OnClose", "code {} {!r}".format(*TransformCloseData(AData)))
    client.OnDisconnect = lambda Sender, AConnection: note(
        "OnDisconnect", f"CloseCode {Sender.CloseCode}")
    client.OnError = lambda Sender, AConnection, AError: note("OnError", str(AError))


class DemoFailed(Exception):
    """A step of the demo did not complete in time."""


def _play(timeline: Timeline, server: TTMSFNCWebSocketServer, client: _DemoClient) -> None:
    def wait(what: str, predicate: Callable[[], bool]) -> None:
        if not Application.ProcessMessagesUntil(predicate, timeout=STEP_TIMEOUT):
            raise DemoFailed(f"the demo stopped: no {what} within {STEP_TIMEOUT:g} s")

    def both(client_event: str, server_event: str) -> Callable[[], bool]:
        return lambda: (timeline.seen(client.Name, client_event)
                        and timeline.seen(server.Name, server_event))

    timeline.step("client.Connect()")
    client.Connect()
    wait("OnConnect", both("OnConnect", "OnHandshakeResponseSent"))
    timeline.step(f"client.Send({_TEXT!r})")
    client.Send(_TEXT)
    wait("echoed text", both("OnMessageReceived", "OnMessageReceived"))
    timeline.step(f"client.Send(bytes.fromhex({_BINARY.hex()!r}))")
    client.Send(_BINARY)
    wait("echoed binary message", both("OnBinaryDataReceived", "OnBinaryDataReceived"))
    timeline.step(f"client.Ping({_PING!r})")
    client.Ping(_PING)
    wait("pong", both("OnPong", "OnPing"))
    timeline.step("client.Disconnect()  # close 1000, wait for the reply")
    client.Disconnect()
    wait("OnDisconnect", both("OnDisconnect", "OnDisconnect"))
    timeline.step("server.Active = False")
    server.Active = False


_HEADINGS = ("time", "who", "event", "details", "thread")


def _render_text(console: Console, url: str, timeline: Timeline) -> None:
    console.line("fnc-ws demo: a TTMSFNCWebSocketServer and a TTMSFNCWebsocketClient in one "
                 "process")
    console.line(f"  Server1 listens on {url} with AutoSyncEvents = False: its handlers run on")
    console.line("          its connection thread.")
    console.line("  Client1 has AutoSyncEvents = True: MainThread runs the handlers. Its worker")
    console.line("          fires the events it reads (shown as worker -> MainThread); what")
    console.line("          arrives while MainThread waits in its message loop, MainThread")
    console.line("          reads and fires itself.")
    console.line()
    rows: list[tuple[str, ...]] = []
    for e in timeline.entries:
        if e.kind == "step":
            rows.append((f"{e.t:.3f}", ">>", e.detail, "", ""))
            continue
        thread = f"{e.fired_on} -> {e.ran_on}" if e.marshaled else e.ran_on
        rows.append((f"{e.t:.3f}", e.component, e.event, e.detail, thread))
    events = [r for r in rows if r[1] != ">>"]
    widths = [max(len(r[i]) for r in [_HEADINGS, *events]) for i in range(4)]
    for row in [_HEADINGS, *rows]:
        if row[1] == ">>":
            console.line(f"{row[0]:>{widths[0]}}  >> {row[2]}")
            continue
        cells = [row[0].rjust(widths[0]), *(row[i].ljust(widths[i]) for i in (1, 2, 3)), row[4]]
        console.line("  ".join(cells).rstrip())


def run_demo(console: Console, as_json: bool = False, cluster: bool = False) -> int:
    """Run the demo; print the timeline (text, or one JSON document); 0 when every step
    completed. ``cluster``: the two-node backplane demo instead (see ``demo_cluster``)."""
    if cluster:
        from fnc_websocket.cli.demo_cluster import run_cluster_demo
        return run_cluster_demo(console)
    timeline = Timeline()
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", PathName="demo",
                                    Name="Server1")
    client = _DemoClient(None, Name="Client1", HostName="127.0.0.1", PathName="/demo",
                         CloseTimeout=2000, ConnectTimeout=int(STEP_TIMEOUT * 1000))
    failure = ""
    url = ""
    try:
        _wire_server(server, timeline)
        _wire_client(client, timeline)
        timeline.step("server.Active = True")
        server.Active = True
        url = f"ws://127.0.0.1:{server.BoundPort}/demo"
        client.Port = server.BoundPort
        _play(timeline, server, client)
    except DemoFailed as exc:
        failure = str(exc)
    finally:
        client.Free()
        server.Free()
    if as_json:
        console.line(json.dumps({
            "ok": not failure, "error": failure or None, "server_url": url,
            "server": {"name": "Server1", "AutoSyncEvents": False},
            "client": {"name": "Client1", "AutoSyncEvents": True},
            "timeline": [e.as_json() for e in timeline.entries],
        }, indent=2))
    else:
        _render_text(console, url, timeline)
    if failure:
        console.status(f"fnc-ws demo: error: {failure}")
        return EXIT_FAILURE
    return 0
