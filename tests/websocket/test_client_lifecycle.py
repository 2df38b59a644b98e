"""TTMSFNCWebsocketClient: worker threads are owned (Free, owner, GC, exit, many cycles),
Active in form loading, CheckIncoming (manual mode), HeartBeat and WatchDog."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from client_support import (
    EchoServer,
    RawConnection,
    Recorder,
    client_threads,
    make_client,
    wait_until,
)

from fnc.application import Application
from fnc.component import TComponent
from fnc.exceptions import EComponentError
from fnc_websocket.errors import EWebSocketClient, EWebSocketClientHeartBeatTimeout
from fnc_websocket.types import irClose, irNone, irOK

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_many_connect_disconnect_cycles_leave_no_thread(client_echo):
    c = make_client(client_echo.port)
    connected = []
    c.OnConnect = lambda S, A: connected.append(A)
    for i in range(1000):
        c.Connect()
        wait_until(lambda n=i + 1: len(connected) == n)
        c.Disconnect(i % 2 == 0)  # alternate clean close and abort
        assert not client_threads()
    c.Free()
    assert len(connected) == 1000 and not client_threads()


def test_free_while_connected_joins_worker_and_drops_queued_events(client_echo):
    c = make_client(client_echo.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    for i in range(20):
        c.Send(str(i))
    # let the echoes be queued, then free without pumping
    deadline = time.monotonic() + 5
    while c.home_queue.pending_count() < 20 and time.monotonic() < deadline:
        threading.Event().wait(0.001)  # bounded spin on a condition, not a sleep-as-sync
    queued = c.home_queue.pending_count()
    assert queued >= 1
    c.Free()
    assert not client_threads()
    Application.ProcessMessages()
    assert rec.names() == ["OnConnect"]  # queued events of a freed client never run
    with pytest.raises(EComponentError):
        c.Send("x")


def test_owner_destruction_stops_the_worker(client_echo):
    owner = TComponent(None)
    c = make_client(client_echo.port)
    owner.InsertComponent(c)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    owner.Free()
    assert c.is_destroyed and not client_threads()


def test_free_from_inside_a_handler(client_echo):
    c = make_client(client_echo.port)
    c.OnConnect = lambda S, A: S.Free()
    c.Connect()
    wait_until(lambda: c.is_destroyed)
    wait_until(lambda: not client_threads())


def test_free_from_worker_handler_with_autosync_off(client_echo):
    c = make_client(client_echo.port, AutoSyncEvents=False)
    freed = threading.Event()

    def on_connect(Sender, AConnection):
        Sender.Free()
        freed.set()

    c.OnConnect = on_connect
    c.Connect()
    assert freed.wait(5)
    wait_until(lambda: not client_threads())


def test_dropped_unfreed_client_stops_its_worker(client_echo):
    c = make_client(client_echo.port)
    up = threading.Event()
    c.OnConnect = lambda S, A: up.set()
    c.Connect()
    wait_until(up.is_set)
    c.OnConnect = None
    del c
    gc.collect()
    wait_until(lambda: not client_threads())


def test_connect_during_connecting_and_free_during_connect(client_raw):
    stop = threading.Event()
    server = client_raw(lambda conn: (conn.read_request(), stop.wait(5)))
    c = make_client(server.port)
    c.Connect()
    t0 = time.monotonic()
    c.Free()  # the handshake is pending: Free must not wait for ConnectTimeout
    assert time.monotonic() - t0 < 1.0 and not client_threads()
    stop.set()


def test_interpreter_exit_stops_workers(client_echo):
    code = f"""
import sys, threading
sys.path.insert(0, {str(ROOT)!r})
from fnc.application import Application
from fnc_websocket.client.component import TTMSFNCWebsocketClient
c = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port={client_echo.port})
up = []
c.OnConnect = lambda S, A: up.append(1)
c.Connect()
assert Application.ProcessMessagesUntil(lambda: up, 5)
print("connected", flush=True)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "connected" in proc.stdout and "Traceback" not in proc.stderr


# -- form loading ---------------------------------------------------------------------------------

def test_active_streamed_true_connects_in_loaded(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    c.Loading()
    c.Active = True  # as the form reader does: stored only
    assert c.Active and not c._session
    c.Loaded()
    rec.wait_for("OnConnect")
    assert c.IsConnected()


# -- manual mode ----------------------------------------------------------------------------------

def test_check_incoming(client_raw, client_factory):
    go = threading.Event()
    close_now = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        go.wait(5)
        conn.send_frame(0x1, b"one")
        conn.send_frame(0x9, b"p")
        conn.send_frame(0x1, b"two")
        frame = conn.recv_frame()  # the automatic pong
        assert frame[1] == 0xA
        close_now.wait(5)
        conn.send_frame(0x8, b"\x03\xe8")
        conn.recv_frame()

    server = client_raw(script)
    c = client_factory(server.port, AutoCheckMessages=False, CheckTimeout=50)
    rec = Recorder(c)
    with pytest.raises(EWebSocketClient, match="not active"):
        c.CheckIncoming()
    c.Connect()
    rec.wait_for("OnConnect")
    assert c.CheckIncoming() is irNone  # nothing within 50 ms
    assert rec.names() == ["OnConnect"]
    go.set()
    with pytest.raises(EWebSocketClient, match="CheckTimeout"):
        c.CheckTimeout = 10  # locked while active, as in TMS
    results = []
    wait_until(lambda: (results.append(c.CheckIncoming()), rec.count("OnMessageReceived") == 2)[1])
    assert irOK in results
    assert [m[1] for m in rec.of("OnMessageReceived")] == ["one", "two"]
    assert rec.threads() == {threading.current_thread().name}
    close_now.set()
    wait_until(lambda: c.CheckIncoming() is irClose)
    rec.wait_for("OnDisconnect")
    assert not c.Active and c.CloseCode == 1000


def test_check_incoming_refused_in_auto_mode(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    with pytest.raises(EWebSocketClient, match="AutoCheckMessages"):
        c.CheckIncoming()


def test_manual_mode_disconnect_does_the_close_handshake(client_echo, client_factory):
    c = client_factory(client_echo.port, AutoCheckMessages=False)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    c.Disconnect()
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnConnect", "OnClose", "OnDisconnect"] and c.CloseCode == 1000


# -- heartbeat and watchdog -----------------------------------------------------------------------

def test_heartbeat_pings_and_declares_a_silent_server_dead(client_raw, client_factory):
    pings = []

    def script(conn: RawConnection) -> None:
        conn.handshake()
        frame = conn.recv_frame()
        pings.append(frame)
        conn.send_frame(0xA, frame[2])  # answer the first ping only
        pings.append(conn.recv_frame())
        conn.wait_eof()

    server = client_raw(script)
    c = client_factory(server.port)
    c.HeartBeat.Enabled = True
    c.HeartBeat.Interval = 0.1
    c.HeartBeat.Timeout = 0.2
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    assert [p[1] for p in pings] == [0x9, 0x9]
    assert rec.names() == ["OnConnect", "OnPong", "OnError", "OnDisconnect"]
    assert isinstance(rec.error(), EWebSocketClientHeartBeatTimeout)


def test_heartbeat_needs_auto_check(client_factory):
    c = client_factory(1, AutoCheckMessages=False)
    c.HeartBeat.Enabled = True
    with pytest.raises(EWebSocketClient, match=r"HeartBeat\.Enabled"):
        c.Connect()


def test_watchdog_reconnects_after_unexpected_drop_but_not_after_disconnect(client_factory):
    connections = []

    def handler(conn):
        connections.append(conn)
        if len(connections) == 1:
            conn.close(1012, "restart")  # an unexpected drop, seen from the client
            return
        for _ in conn:
            pass

    server = EchoServer(handler)
    try:
        c = client_factory(server.port)
        c.WatchDog.Enabled = True
        c.WatchDog.Interval = 0.05
        rec = Recorder(c)
        c.Connect()
        rec.wait_for("OnConnect", 2)
        assert rec.names() == ["OnConnect", "OnClose", "OnDisconnect", "OnConnect"]
        c.Disconnect()
        rec.wait_for("OnDisconnect", 2)
        # a requested disconnect is not followed by a reconnect
        assert not Application.ProcessMessagesUntil(lambda: rec.count("OnConnect") > 2, 0.3)
        assert len(connections) == 2
    finally:
        server.stop()


def test_watchdog_gives_up_after_attempts(client_raw, client_factory):
    attempts = []

    def script(conn: RawConnection) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            conn.handshake()  # then close: unexpected drop
            return
        conn.read_request()  # later attempts: refuse the upgrade
        conn.send_raw(b"HTTP/1.1 503 Busy\r\n\r\n")

    server = client_raw(script)
    c = client_factory(server.port)
    c.WatchDog.Enabled = True
    c.WatchDog.Interval = 0.02
    c.WatchDog.Attempts = 2
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect", 3)
    assert not Application.ProcessMessagesUntil(lambda: rec.count("OnDisconnect") > 3, 0.5)
    assert len(attempts) == 3 and not c.Active
