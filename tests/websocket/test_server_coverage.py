"""Server behaviour the other server tests leave unchecked: Compression, twsoSkipUpgradeCheck,
AConnection.Disconnect, OwnsUserData, the HandshakeRequest fields, and that refused handshakes
leave no thread behind."""

from __future__ import annotations

import base64
import os
import socket
import threading
from typing import Any

import pytest
from server_support import (
    EventLog,
    http_request,
    raw_connect,
    raw_websocket,
    read_close_code,
    running_server,
    upgrade_request,
    wait_threads_back,
    wait_until,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from fnc_websocket.server.component import TTMSFNCWebSocketServerConnection
from fnc_websocket.types import twsoSkipUpgradeCheck

WAIT = 5.0


def read_head(sock: socket.socket) -> bytes:
    """Read an HTTP response head (up to the blank line) byte by byte."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return head


def handshaken(server: Any, timeout: float = WAIT) -> TTMSFNCWebSocketServerConnection:
    assert wait_until(lambda: server.ConnectionCount == 1, timeout), "no connection opened"
    return server.Connections[0]


# -- Compression ------------------------------------------------------------------------------

@pytest.mark.parametrize("compression", [True, False])
def test_compression_property_decides_permessage_deflate(compression: bool) -> None:
    received: list[str] = []
    with running_server(Compression=compression,
                        OnMessageReceived=lambda Sender, AConnection, AMessage:
                        received.append(AMessage)) as server:
        url = f"ws://127.0.0.1:{server.BoundPort}/"
        with connect(url, compression="deflate", open_timeout=WAIT) as ws:
            assert ws.request is not None and ws.response is not None
            assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
            if compression:
                assert extensions is not None and "permessage-deflate" in extensions
            else:
                assert extensions is None
            ws.send("y" * 2000)  # compressed or not, the message arrives intact
            assert wait_until(lambda: received == ["y" * 2000])


# -- twsoSkipUpgradeCheck ---------------------------------------------------------------------

def _status(port: int, request: str) -> int:
    with raw_connect(port) as sock:
        sock.sendall(request.encode())
        head = read_head(sock)
    assert head.startswith(b"HTTP/1.1 "), head
    return int(head.split(b" ", 2)[1])


NO_UPGRADE = upgrade_request().replace("Upgrade: websocket\r\n", "")
WRONG_UPGRADE = upgrade_request().replace("Upgrade: websocket\r\n", "Upgrade: h2c\r\n")


@pytest.mark.parametrize("request_text", [NO_UPGRADE, WRONG_UPGRADE], ids=["missing", "h2c"])
def test_upgrade_header_required_unless_skip_upgrade_check(request_text: str) -> None:
    with running_server() as server:
        log = EventLog(server, ("OnError", "OnHandshakeResponseSent"))
        assert _status(server.BoundPort, request_text) == 426
        assert log.wait_for("OnError")
        assert log.count("OnHandshakeResponseSent") == 0
    with running_server(Options={twsoSkipUpgradeCheck}) as server:
        log = EventLog(server, ("OnError", "OnHandshakeResponseSent"))
        assert _status(server.BoundPort, request_text) == 101
        assert log.wait_for("OnHandshakeResponseSent")
        assert log.count("OnError") == 0


# -- AConnection.Disconnect -------------------------------------------------------------------

def test_connection_disconnect_closes_that_client_only() -> None:
    with running_server() as server:
        log = EventLog(server, ("OnDisconnect",))
        url = f"ws://127.0.0.1:{server.BoundPort}/"
        with connect(url, open_timeout=WAIT) as first:
            assert wait_until(lambda: server.ConnectionCount == 1)
            target = server.Connections[0]
            with connect(url, open_timeout=WAIT) as second:
                assert wait_until(lambda: server.ConnectionCount == 2)
                target.Disconnect()
                with pytest.raises(ConnectionClosed):
                    first.recv(timeout=WAIT)
                assert first.close_code == 1000
                assert log.wait_for("OnDisconnect")
                assert [a[0] for a in log.of("OnDisconnect")] == [target]
                assert wait_until(lambda: server.ConnectionCount == 1)
                assert server.Connections[0] is not target
                second.send("still here")  # the other client is untouched
                assert second.ping().wait(WAIT)
            target.Disconnect()  # harmless on a closed connection
        assert log.wait_for("OnDisconnect", 2)
        assert wait_until(lambda: target._thread is not None and not target._thread.is_alive())
        assert [a[0] for a in log.of("OnDisconnect")].count(target) == 1


def test_connection_disconnect_without_close_drops_tcp() -> None:
    with running_server() as server:
        log = EventLog(server, ("OnDisconnect", "OnClose"))
        sock = raw_websocket(server.BoundPort)
        try:
            conn = handshaken(server)
            conn.Disconnect(False)
            data = b""
            while True:  # no close frame: just the end of the TCP stream
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            assert data == b""
        finally:
            sock.close()
        assert log.wait_for("OnDisconnect")
        assert log.count("OnDisconnect") == 1 and log.count("OnClose") == 0


def test_connection_disconnect_sends_close_1000_to_raw_client() -> None:
    with running_server() as server:
        sock = raw_websocket(server.BoundPort)
        try:
            handshaken(server).Disconnect()
            assert read_close_code(sock) == 1000
        finally:
            sock.close()


# -- OwnsUserData -----------------------------------------------------------------------------

class Owned:
    def __init__(self) -> None:
        self.freed = 0
        self.thread = ""

    def Free(self) -> None:
        self.freed += 1
        self.thread = threading.current_thread().name


@pytest.mark.parametrize("auto_sync", [False, True])
@pytest.mark.parametrize("owns", [True, False])
def test_owns_user_data_frees_after_on_disconnect(owns: bool, auto_sync: bool) -> None:
    data = Owned()
    freed_during_disconnect: list[int] = []
    opened: list[Any] = []
    conns: list[Any] = []

    def on_open(Sender: Any, AConnection: Any) -> None:
        AConnection.UserData = data
        AConnection.OwnsUserData = owns
        opened.append(AConnection)

    def on_disconnect(Sender: Any, AConnection: Any) -> None:
        conns.append(AConnection)
        freed_during_disconnect.append(data.freed)
        assert AConnection.UserData is data

    with running_server(AutoSyncEvents=auto_sync, OnHandshakeResponseSent=on_open,
                        OnDisconnect=on_disconnect) as server:
        baseline = set(threading.enumerate())
        with connect(f"ws://127.0.0.1:{server.BoundPort}/", open_timeout=WAIT):
            assert wait_until(lambda: opened)
        assert wait_until(lambda: conns)
        assert wait_threads_back(baseline) == []
        if owns:
            assert wait_until(lambda: data.freed == 1)
            assert conns[0].UserData is None
            if auto_sync:
                assert data.thread == threading.current_thread().name
        else:
            wait_until(lambda: False, 0.05)  # pump anything still queued
            assert data.freed == 0 and conns[0].UserData is data
        assert freed_during_disconnect == [0]


def test_owns_user_data_set_in_a_queued_event_is_freed_after_a_fast_disconnect() -> None:
    """AutoSyncEvents: the client leaves before the home thread ran OnHandshakeResponseSent;
    UserData assigned there is still freed, after the (queued) OnDisconnect."""
    data = Owned()
    threads: list[threading.Thread] = []
    order: list[str] = []

    def on_allow(Sender: Any, AConnection: Any, AAllow: Any) -> None:
        threads.append(threading.current_thread())  # the connection thread (never queued)

    def on_open(Sender: Any, AConnection: Any) -> None:
        order.append("open")
        AConnection.UserData = data
        AConnection.OwnsUserData = True

    def on_disconnect(Sender: Any, AConnection: Any) -> None:
        order.append(f"disconnect freed={data.freed}")

    with running_server(AutoSyncEvents=True, OnAllow=on_allow, OnHandshakeResponseSent=on_open,
                        OnDisconnect=on_disconnect) as server:
        sock = raw_websocket(server.BoundPort)
        sock.close()
        assert len(threads) == 1
        threads[0].join(WAIT)  # no pumping: every event is still queued
        assert not threads[0].is_alive() and order == []
        assert wait_until(lambda: data.freed == 1)
        assert order == ["open", "disconnect freed=0"]


# -- HandshakeRequest -------------------------------------------------------------------------

def test_handshake_request_fields_match_what_the_client_sent() -> None:
    seen: list[Any] = []
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "Host: example.test:8080",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        "Origin: http://origin.test",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Extensions: x-custom-ext; param=1",
        "X-Custom-Header: Some Value",
    ]
    request = "GET /room/7?user=ann&x= HTTP/1.1\r\n" + "\r\n".join(lines) + "\r\n\r\n"

    def on_allow(Sender: Any, AConnection: Any, AAllow: Any) -> None:
        seen.append(AConnection.HandshakeRequest)

    with running_server(OnAllow=on_allow) as server:
        with raw_connect(server.BoundPort) as sock:
            sock.sendall(request.encode())
            head = read_head(sock)
        assert head.startswith(b"HTTP/1.1 101"), head
        assert len(seen) == 1
    req = seen[0]
    assert req.Host == "example.test:8080"
    assert req.Origin == "http://origin.test"
    assert req.Version == "13"
    assert req.Key == key
    assert req.Extensions == "x-custom-ext; param=1"
    assert req.Protocol == "chat, superchat"
    assert req.Upgrade == "websocket" and req.Connection == "Upgrade"
    assert req.RawHeaders == lines
    assert req.GetHeader("x-custom-header") == "Some Value"
    assert req.Resource == "/room/7?user=ann&x="
    assert req.Path == "/room/7"
    assert req.QueryParams == {"user": "ann", "x": ""}


# -- refused handshakes leave no thread behind ------------------------------------------------

def _refused(port: int, request: str, expected: int) -> None:
    status, _ = http_request(port, request)
    assert status == expected


def test_refusals_leave_no_connection_thread_behind() -> None:
    def on_allow(Sender: Any, AConnection: Any, AAllow: Any) -> None:
        if "deny" in AConnection.HandshakeRequest.QueryParams:
            AAllow.Value = False

    with running_server(PathName="/chat", AllowedOrigins="http://ok.test",
                        OnAllow=on_allow) as server:
        log = EventLog(server, ("OnConnect", "OnError", "OnDisconnect"))
        port = server.BoundPort
        baseline = set(threading.enumerate())
        cases = [
            (upgrade_request("/other", extra="Origin: http://ok.test\r\n"), 404),
            (upgrade_request("/chat", extra="Origin: http://evil.test\r\n"), 403),
            (upgrade_request("/chat?deny=1", extra="Origin: http://ok.test\r\n"), 403),
        ]
        for i, (request, status) in enumerate(cases, 1):
            _refused(port, request, status)
            assert log.wait_for("OnDisconnect", i)
            assert wait_threads_back(baseline) == [], f"threads left after HTTP {status}"
        assert [a[1].StatusCode for a in log.of("OnError")] == [404, 403, 403]
        assert log.count("OnConnect") == 3


def test_max_connections_refusal_leaves_no_thread_behind() -> None:
    with running_server(MaxConnections=1) as server:
        log = EventLog(server, ("OnError", "OnDisconnect"))
        port = server.BoundPort
        with connect(f"ws://127.0.0.1:{port}/", open_timeout=WAIT) as ws:
            assert wait_until(lambda: server.ConnectionCount == 1)
            baseline = set(threading.enumerate())
            for i in range(1, 3):
                _refused(port, upgrade_request(), 503)
                assert log.wait_for("OnDisconnect", i)
                assert wait_threads_back(baseline) == []
            assert [a[1].StatusCode for a in log.of("OnError")] == [503, 503]
            ws.send("alive")
            assert ws.ping().wait(WAIT)
        assert log.wait_for("OnDisconnect", 3)
