"""Activation, validation, stop/start, Free, garbage collection, heartbeat, threads."""

from __future__ import annotations

import gc
import socket
import threading

import pytest
from server_support import (
    EventLog,
    frame,
    raw_websocket,
    read_close_code,
    running_server,
    wait_threads_back,
    wait_until,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from fnc import TComponent
from fnc_websocket.server.component import EWebsocketServer, TTMSFNCWebSocketServer


def _wait_connections(server: TTMSFNCWebSocketServer, count: int) -> bool:
    return wait_until(lambda: server.ConnectionCount == count)


def test_constructor_forms_and_defaults():
    with TTMSFNCWebSocketServer(None) as a, TTMSFNCWebSocketServer(None, 5050) as b:
        assert a.Port == 8888 and b.Port == 5050
        assert a.AutoSyncEvents is False and a.Active is False and a.BoundPort == 0
        assert a.Connections == () and a.ConnectionCount == 0
    with TTMSFNCWebSocketServer(None, APort=0, PathName="x") as c:
        assert c.Port == 0 and c.PathName == "x"


def test_activation_lists_every_problem_in_one_error(tmp_path):
    server = TTMSFNCWebSocketServer(None, Port=70000, UseSSL=True, MaxConnections=-1,
                                    RootCertificateFile=str(tmp_path / "missing-ca.pem"))
    with server:
        with pytest.raises(EWebsocketServer) as info:
            server.Active = True
        assert server.Active is False
    props = [p for p, _why in info.value.Problems]
    assert props == ["Port", "MaxConnections", "CertificateFile", "RootCertificateFile"]
    text = str(info.value)
    assert "70000 is out of range 0..65535" in text
    assert "no certificate file" in text and "missing-ca.pem" in text


def test_a_port_in_use_names_address_and_port():
    blocker = socket.create_server(("127.0.0.1", 0))
    port = blocker.getsockname()[1]
    with blocker, TTMSFNCWebSocketServer(None, port, BindingIP="127.0.0.1") as server:
        with pytest.raises(EWebsocketServer, match=f"127.0.0.1:{port}.*in use"):
            server.Active = True
        assert server.Active is False


def test_locked_properties_refuse_changes_while_active():
    with running_server() as server:
        with pytest.raises(EWebsocketServer, match="while the websocket server is active"):
            server.UseSSL = True
        with pytest.raises(EWebsocketServer):
            server.Options = {"twsoManualPong"}
        server.PathName = "live"  # may change while active
        server.Active = False
        server.UseSSL = False


def test_stop_closes_clients_with_1001_and_restart_on_the_same_port_works():
    baseline = set(threading.enumerate())
    with running_server() as server:
        log = EventLog(server)
        port = server.BoundPort
        with connect(f"ws://127.0.0.1:{port}") as ws:
            assert wait_until(lambda: server.ConnectionCount == 1)
            server.Active = False
            assert server.Active is False and server.BoundPort == 0
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=5)
            assert info.value.rcvd.code == 1001
        assert log.count("OnDisconnect") == 1  # ran before Active = False returned
        server.Port = port
        server.Active = True
        assert server.BoundPort == port
        with connect(f"ws://127.0.0.1:{port}") as ws:
            ws.send("again")
        server.Active = False
    assert wait_threads_back(baseline) == []


def test_stop_is_bounded_by_closetimeout_when_a_client_does_not_answer():
    baseline = set(threading.enumerate())
    with running_server(CloseTimeout=300) as server:
        sock = raw_websocket(server.BoundPort)  # never answers the close frame
        assert wait_until(lambda: server.ConnectionCount == 1)
        server.Active = False
        assert read_close_code(sock) == 1001
        assert sock.recv(10) == b""  # dropped
        sock.close()
    assert wait_threads_back(baseline) == []


def test_free_and_owner_destruction_stop_everything():
    baseline = set(threading.enumerate())
    owner = TComponent(None)
    server = TTMSFNCWebSocketServer(owner, Port=0, BindingIP="127.0.0.1", Active=True)
    port = server.BoundPort
    with connect(f"ws://127.0.0.1:{port}") as ws:
        assert wait_until(lambda: server.ConnectionCount == 1)
        owner.Free()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    assert wait_threads_back(baseline) == []
    with socket.create_server(("127.0.0.1", port)):
        pass  # the port is free


def test_an_unfreed_server_that_is_dropped_stops_its_threads():
    baseline = set(threading.enumerate())
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", Active=True)
    port = server.BoundPort
    with connect(f"ws://127.0.0.1:{port}") as ws:
        assert _wait_connections(server, 1)
        del server
        gc.collect()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    assert wait_threads_back(baseline) == []


def test_stopping_from_a_handler_on_the_connection_thread_does_not_deadlock():
    def on_message(Sender, AConnection, AMessage):
        Sender.Active = False

    baseline = set(threading.enumerate())
    with running_server() as server:
        server.OnMessageReceived = on_message
        with connect(f"ws://127.0.0.1:{server.BoundPort}") as ws:
            ws.send("stop")
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=5)
        assert wait_until(lambda: not server.Active)
    assert wait_threads_back(baseline) == []


def test_heartbeat_drops_a_silent_client_and_keeps_a_live_one():
    with running_server() as server:
        server.HeartBeat.Enabled = True
        server.HeartBeat.Interval = 0.05
        server.HeartBeat.Timeout = 0.2
        log = EventLog(server)
        with connect(f"ws://127.0.0.1:{server.BoundPort}") as live, \
                raw_websocket(server.BoundPort) as silent:
            # the silent client reads the ping but never answers it
            assert read_close_code(silent) == 1011
            assert log.wait_for("OnError")
            assert log.of("OnError")[0][1].CloseCode == 1011
            assert log.wait_for("OnPong")  # the live client answered its pings
            live.send("still alive")
            assert wait_until(lambda: server.ConnectionCount == 1)


def test_server_side_ping_reaches_onpong():
    with running_server() as server:
        log = EventLog(server)
        with raw_websocket(server.BoundPort) as sock:
            assert wait_until(lambda: server.ConnectionCount == 1)
            server.Connections[0].Ping(b"hb")
            from server_support import read_frame

            assert read_frame(sock) == (0x9, True, b"hb")
            sock.sendall(frame(0xA, b"hb"))
            assert log.wait_for("OnPong")
        assert log.of("OnPong")[0][1] == b"hb"


def test_interpreter_exit_without_free_stops_servers_and_clients():
    """A script that leaves a server, a connected client and a client still connecting to a
    silent host running, and never calls Free, exits promptly with status 0."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    silent = socket.create_server(("127.0.0.1", 0))  # accepts TCP, never answers the upgrade
    code = f"""
import sys
sys.path.insert(0, {str(root)!r})
from fnc.application import Application
from fnc_websocket import TTMSFNCWebSocketServer, TTMSFNCWebsocketClient
server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", Active=True)
server.OnMessageReceived = lambda S, C, M: C.Send(M)
client = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=server.BoundPort)
got = []
client.OnConnect = lambda S, C: C.Send("ping")
client.OnMessageReceived = lambda S, C, M: got.append(M)
client.Connect()
slow = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port={silent.getsockname()[1]},
                              ConnectTimeout=60000)
slow.Connect()
assert Application.ProcessMessagesUntil(lambda: got, 5)
print("running", server.ConnectionCount, slow.Active, flush=True)
"""
    with silent:
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=30)
        took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    assert "running 1 True" in proc.stdout
    assert "Traceback" not in proc.stderr and "did not end" not in proc.stderr
    assert took < 10.0
