"""``fnc-ws demo``: a server and a client component in one process, and their event timeline."""

from __future__ import annotations

import json
import time

import pytest
from cli_support import run_cli

from fnc_websocket.cli.main import main

CLIENT_EVENTS = ["OnSendHandshake", "OnHandshakeResponse", "OnConnect", "OnMessageReceived",
                 "OnBinaryDataReceived", "OnPong", "OnClose", "OnDisconnect"]
SERVER_EVENTS = ["OnConnect", "OnHandshakeResponseSent", "OnMessageReceived",
                 "OnBinaryDataReceived", "OnPing", "OnClose", "OnDisconnect"]


def events_of(timeline: list[dict], component: str) -> list[dict]:
    return [e for e in timeline if e["kind"] == "event" and e["component"] == component]


def test_demo_json_is_one_document_with_both_sides_in_order() -> None:
    started = time.monotonic()
    proc = run_cli(["demo", "--json"], timeout=30)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 10, f"the demo took {elapsed:.1f} s"
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["error"] is None
    assert doc["server_url"].startswith("ws://127.0.0.1:")
    timeline = doc["timeline"]

    client = events_of(timeline, "Client1")
    server = events_of(timeline, "Server1")
    assert [e["event"] for e in client] == CLIENT_EVENTS
    assert [e["event"] for e in server] == SERVER_EVENTS

    # AutoSyncEvents runs the client's handlers on MainThread: fired by the worker and handed
    # over, or fired by MainThread itself when it read the socket while waiting ...
    for e in client:
        if e["event"] in ("OnSendHandshake",):
            assert e["ran_on"] == "MainThread" and not e["marshaled"]
        elif e["event"] == "OnHandshakeResponse":  # marshal=False: runs where it is fired
            assert e["ran_on"] == e["fired_on"] != "MainThread" and not e["marshaled"]
        elif e["event"] == "OnConnect":
            assert e["marshaled"] and e["ran_on"] == "MainThread", e
            assert e["fired_on"] == "WebsocketClient Client1", e
        else:
            assert e["ran_on"] == "MainThread", e
            assert e["fired_on"] in ("WebsocketClient Client1", "MainThread"), e
            assert e["marshaled"] == (e["fired_on"] != "MainThread"), e
    # ... while the server (AutoSyncEvents False) runs its handlers on its connection thread.
    for e in server:
        assert not e["marshaled"] and e["ran_on"].startswith("fnc-ws-server-conn"), e

    by_event = {e["event"]: e for e in client}
    assert by_event["OnMessageReceived"]["detail"] == "'Hello, server'"
    assert "000102feff" in by_event["OnBinaryDataReceived"]["detail"]
    assert "are you there?" in by_event["OnPong"]["detail"]
    assert by_event["OnDisconnect"]["detail"] == "CloseCode 1000"
    assert "1000" in {e["event"]: e for e in server}["OnClose"]["detail"]

    steps = [e["action"] for e in timeline if e["kind"] == "step"]
    assert steps[0] == "server.Active = True" and steps[-1] == "server.Active = False"
    assert [s.split("(")[0] for s in steps[1:-1]] == [
        "client.Connect", "client.Send", "client.Send", "client.Ping", "client.Disconnect"]
    times = [e["t"] for e in timeline]
    assert times == sorted(times)


def test_demo_text_shows_the_hand_over_to_the_main_thread(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "WebsocketClient Client1 -> MainThread" in out
    assert "fnc-ws-server-conn 127.0.0.1:" in out
    assert ">> client.Disconnect()" in out
    lines = out.splitlines()
    connect = next(i for i, line in enumerate(lines) if "Client1  OnConnect" in line)
    message = next(i for i, line in enumerate(lines) if "Client1  OnMessageReceived" in line)
    assert connect < message
