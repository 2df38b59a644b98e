"""Server events: which fire, in what order, on which thread; what AConnection holds."""

from __future__ import annotations

import threading

import pytest
from server_support import (
    EventLog,
    frame,
    http_request,
    raw_websocket,
    read_frame,
    running_server,
    wait_until,
)
from websockets.sync.client import connect

from fnc_websocket.errors import EWebSocket
from fnc_websocket.server.component import TTMSFNCWebSocketServerConnection
from fnc_websocket.types import ftContinuation, ftFirst, ftLast, twsoFrameByFrame


def _full_session(url: str) -> None:
    with connect(url, compression=None) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "echo:hello"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=5) == b"\x00\x01"
        assert ws.ping(b"p1").wait(5)
        assert ws.recv(timeout=5) == "pinged"  # the server pings back from OnPing
        ws.close(4001, "bye")


def _echo(Sender, AConnection, AMessage):
    AConnection.Send("echo:" + AMessage)


def _echo_bytes(Sender, AConnection, AData, AFrameType):
    AConnection.SendBytes(AData)


def _ping_back(Sender, AConnection, AData):
    AConnection.Ping(b"srv")
    AConnection.Send("pinged")


EXPECTED_ORDER = ["OnConnect", "OnAllow", "OnHandshakeResponseSent", "OnMessageReceived",
                  "OnBinaryDataReceived", "OnPing", "OnPong", "OnClose", "OnDisconnect"]


def test_every_event_runs_on_the_connection_thread_in_order():
    with running_server() as server:
        server.OnMessageReceived = _echo
        server.OnBinaryDataReceived = _echo_bytes
        server.OnPing = _ping_back
        log = EventLog(server)
        _full_session(f"ws://127.0.0.1:{server.BoundPort}")
        assert log.wait_for("OnDisconnect")
        assert log.names() == EXPECTED_ORDER
        threads = {t for _n, t, _a in log.items}
        assert len(threads) == 1
        (thread,) = threads
        assert thread.startswith("fnc-ws-server-conn 127.0.0.1:")
        assert thread != threading.current_thread().name
        close_data = log.of("OnClose")[0][1]
        assert server.TransformCloseData(close_data) == (4001, "bye")
        conn = log.of("OnDisconnect")[0][0]
        assert conn.CloseStatus.code == 4001 and conn.CloseStatus.reason == "bye"
        assert log.of("OnPong")[0][1] == b"srv"


def test_auto_sync_events_run_on_the_home_thread_in_order_except_onallow():
    with running_server(AutoSyncEvents=True) as server:
        server.OnMessageReceived = _echo
        server.OnBinaryDataReceived = _echo_bytes
        server.OnPing = _ping_back
        log = EventLog(server)
        done = threading.Event()
        client = threading.Thread(
            target=lambda: (_full_session(f"ws://127.0.0.1:{server.BoundPort}"), done.set()))
        client.start()
        assert log.wait_for("OnDisconnect", timeout=10)
        client.join(5)
        assert done.is_set()
        # OnAllow runs directly on the connection thread, so it may overtake the queued
        # OnConnect; every queued event keeps its order.
        names = log.names()
        assert [n for n in names if n != "OnAllow"] == [n for n in EXPECTED_ORDER
                                                          if n != "OnAllow"]
        assert names.index("OnAllow") < names.index("OnHandshakeResponseSent")
        main = threading.current_thread().name
        for name, thread, _args in log.items:
            if name == "OnAllow":
                assert thread.startswith("fnc-ws-server-conn")
            else:
                assert thread == main, name


def test_connection_stays_readable_in_a_queued_ondisconnect_and_refuses_sends():
    seen: dict[str, object] = {}

    def on_disconnect(Sender, AConnection):
        seen["peer"] = (AConnection.PeerIP, AConnection.PeerPort)
        seen["user"] = AConnection.UserData
        seen["path"] = AConnection.HandshakeRequest.Resource
        seen["closed"] = AConnection.Closed
        with pytest.raises(EWebSocket, match="closed"):
            AConnection.Send("too late")
        seen["count"] = Sender.ConnectionCount

    def on_sent(Sender, AConnection):
        AConnection.UserData = {"name": "alice"}

    with running_server(AutoSyncEvents=True) as server:
        server.OnHandshakeResponseSent = on_sent
        server.OnDisconnect = on_disconnect
        with connect(f"ws://127.0.0.1:{server.BoundPort}/room?x=1") as ws:
            ws.send("x")
        assert wait_until(lambda: "count" in seen)
        assert seen["peer"][0] == "127.0.0.1" and seen["peer"][1] > 0
        assert seen["user"] == {"name": "alice"}
        assert seen["path"] == "/room?x=1"
        assert seen["closed"] is True
        assert seen["count"] == 0


def test_onconnect_comes_before_the_handshake_and_sending_there_is_refused():
    errors: list[Exception] = []
    states: list[bool] = []

    def on_connect(Sender, AConnection):
        states.append(AConnection.HandshakeCompleted)
        try:
            AConnection.Send("early")
        except EWebSocket as exc:
            errors.append(exc)

    with running_server() as server:
        server.OnConnect = on_connect
        log = EventLog(server)
        with connect(f"ws://127.0.0.1:{server.BoundPort}"):
            pass
        assert log.wait_for("OnDisconnect")
    assert states == [False]
    assert len(errors) == 1 and "handshake is not completed" in str(errors[0])


def test_fragmented_message_is_reassembled_with_frame_types():
    with running_server() as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        with sock:
            sock.sendall(frame(0x1, "hé".encode()[:2], fin=False)
                         + frame(0x9, b"mid")  # a ping between fragments
                         + frame(0x0, "hé".encode()[2:] + b"!", fin=True))
            sock.sendall(frame(0x2, b"ab", fin=False) + frame(0x0, b"cd", fin=True))
            sock.sendall(frame(0x2, b"one"))
            assert log.wait_for("OnBinaryDataReceived", 2)
            assert read_frame(sock) == (0xA, True, b"mid")
        assert log.of("OnMessageReceived")[0][1] == "hé!"
        bins = log.of("OnBinaryDataReceived")
        assert (bins[0][1], bins[0][2]) == (b"abcd", frozenset({ftContinuation, ftLast}))
        assert (bins[1][1], bins[1][2]) == (b"one", frozenset({ftFirst, ftLast}))
        assert log.names().index("OnPing") < log.names().index("OnMessageReceived")


def test_frame_by_frame_delivers_each_fragment():
    with running_server(Options={twsoFrameByFrame}) as server:
        log = EventLog(server)
        with raw_websocket(server.BoundPort) as sock:
            sock.sendall(frame(0x2, b"a", fin=False) + frame(0x0, b"b", fin=False)
                         + frame(0x0, b"c", fin=True))
            assert log.wait_for("OnBinaryDataReceived", 3)
        types = [(a[1], a[2]) for a in log.of("OnBinaryDataReceived")]
        assert types == [(b"a", frozenset({ftFirst})), (b"b", frozenset({ftContinuation})),
                         (b"c", frozenset({ftContinuation, ftLast}))]


def test_manual_pong_leaves_pings_to_the_application():
    def on_ping(Sender, AConnection, AData):
        AConnection.SendSimpleFrame(0xA, b"mine:" + AData)

    with running_server(Options={"twsoManualPong"}) as server:
        server.OnPing = on_ping
        with raw_websocket(server.BoundPort) as sock:
            sock.sendall(frame(0x9, b"x"))
            assert read_frame(sock) == (0xA, True, b"mine:x")


def test_empty_text_message_is_delivered():
    with running_server() as server:
        log = EventLog(server)
        with connect(f"ws://127.0.0.1:{server.BoundPort}") as ws:
            ws.send("")
            assert log.wait_for("OnMessageReceived")
        assert log.of("OnMessageReceived")[0][1] == ""


def test_plain_http_default_answers_and_oncommandget():
    with running_server() as server:
        log = EventLog(server)
        port = server.BoundPort
        assert http_request(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200
        assert http_request(port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 404

        def on_get(Sender, ARequest, AResponse):
            AResponse.ContentText = f"<p>{ARequest.Document} {ARequest.Params}</p>"
            AResponse.CustomHeaders["X-Test"] = "1"

        server.OnCommandGet = on_get
        status, data = http_request(port, "GET /page?a=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 200
        assert b"X-Test: 1" in data and data.endswith(b"<p>/page {'a': '1'}</p>")
        assert log.count("OnError") == 0
        assert wait_until(lambda: log.count("OnDisconnect") == 3)
        assert log.count("OnConnect") == 3


def test_oncommandget_with_auto_sync_runs_on_the_home_thread():
    threads: list[str] = []

    def on_get(Sender, ARequest, AResponse):
        threads.append(threading.current_thread().name)
        AResponse.ContentText = "home"

    with running_server(AutoSyncEvents=True) as server:
        server.OnCommandGet = on_get
        result: list[tuple[int, bytes]] = []
        t = threading.Thread(target=lambda: result.append(
            http_request(server.BoundPort, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")))
        t.start()
        assert wait_until(lambda: bool(result))
        t.join(5)
    assert threads == [threading.current_thread().name]
    assert result[0][0] == 200 and result[0][1].endswith(b"home")


def test_connections_snapshot_counts_handshaken_clients_only():
    with running_server() as server:
        log = EventLog(server)
        with raw_websocket(server.BoundPort), connect(f"ws://127.0.0.1:{server.BoundPort}"):
            assert wait_until(lambda: server.ConnectionCount == 2)
            conns = server.Connections
            assert all(isinstance(c, TTMSFNCWebSocketServerConnection) for c in conns)
            assert all(c.HandshakeCompleted for c in conns)
        assert log.wait_for("OnDisconnect", 2)
        assert server.ConnectionCount == 0
