"""Refused handshakes and failed connections: the RFC's answer, OnError, and nothing left behind."""

from __future__ import annotations

import threading

import pytest
from server_support import (
    EventLog,
    frame,
    http_request,
    raw_connect,
    raw_websocket,
    read_close_code,
    running_server,
    upgrade_request,
    wait_threads_back,
    wait_until,
)
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from fnc_websocket.errors import EWebsocketServer


def _refused_status(url: str, **kwargs) -> int:
    with pytest.raises(InvalidStatus) as info:
        connect(url, open_timeout=5, **kwargs)
    return info.value.response.status_code


def _errors(log: EventLog) -> list[EWebsocketServer]:
    return [args[1] for args in log.of("OnError")]


@pytest.mark.parametrize("path_name", ["chat", "/chat", "/CHAT"])
def test_pathname_accepts_its_path_and_refuses_others_with_404(path_name):
    with running_server(PathName=path_name) as server:
        log = EventLog(server)
        base = f"ws://127.0.0.1:{server.BoundPort}"
        with connect(f"{base}/Chat?user=1") as ws:
            ws.send("ok")
        assert _refused_status(f"{base}/other") == 404
        assert log.wait_for("OnError") and log.wait_for("OnDisconnect", 2)
        (error,) = _errors(log)
        assert isinstance(error, EWebsocketServer) and error.StatusCode == 404
        assert "'/other'" in str(error)
        assert log.count("OnHandshakeResponseSent") == 1


def test_onallow_refusal_answers_403_and_reports_it():
    seen: list[str] = []

    def on_allow(Sender, AConnection, AAllow):
        seen.append(threading.current_thread().name)
        AAllow.Value = AConnection.HandshakeRequest.GetHeader("X-Token") == "secret"

    with running_server(AutoSyncEvents=True) as server:
        server.OnAllow = on_allow
        log = EventLog(server)
        url = f"ws://127.0.0.1:{server.BoundPort}"
        assert _refused_status(url, additional_headers={"X-Token": "wrong"}) == 403
        with connect(url, additional_headers={"X-Token": "secret"}):
            pass
        assert log.wait_for("OnDisconnect", 2)
        (error,) = _errors(log)
        assert error.StatusCode == 403 and "OnAllow" in str(error)
        assert all(name.startswith("fnc-ws-server-conn") for name in seen)


def test_allowed_origins_refuse_other_origins_with_403():
    with running_server(AllowedOrigins="https://good.example, https://also.example") as server:
        log = EventLog(server)
        url = f"ws://127.0.0.1:{server.BoundPort}"
        with connect(url, origin="https://GOOD.example"):
            pass
        assert _refused_status(url, origin="https://evil.example") == 403
        assert _refused_status(url) == 403  # no Origin at all
        assert wait_until(lambda: len(_errors(log)) == 2)
        assert all(e.StatusCode == 403 and "AllowedOrigins" in str(e) for e in _errors(log))


def test_max_connections_answers_503_until_a_slot_frees():
    with running_server(MaxConnections=2) as server:
        log = EventLog(server)
        url = f"ws://127.0.0.1:{server.BoundPort}"
        with connect(url) as first, connect(url):
            assert _refused_status(url) == 503
            assert log.wait_for("OnError")
            assert "MaxConnections (2)" in str(_errors(log)[0])
            first.close()
            assert wait_until(lambda: server.ConnectionCount == 1)
            with connect(url) as third:
                third.send("x")


@pytest.mark.parametrize(("request_text", "status"), [
    (upgrade_request(key=""), 400),                  # no Sec-WebSocket-Key
    (upgrade_request(key="c2hvcnQ="), 400),          # key not 16 bytes
    (upgrade_request(version="8"), 400),             # wrong version
    (upgrade_request(host="").replace("Host: \r\n", ""), 400),  # no Host
    ("POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 405),
])
def test_bad_handshakes_get_the_rfc_status_and_onerror(request_text, status):
    with running_server() as server:
        log = EventLog(server)
        assert http_request(server.BoundPort, request_text)[0] == status
        assert log.wait_for("OnError") and log.wait_for("OnDisconnect")
        assert _errors(log)[0].StatusCode == status
        assert log.count("OnHandshakeResponseSent") == 0


def test_skip_version_check_option_accepts_other_versions():
    with running_server(Options={"twsoSkipVersionCheck"}) as server:
        log = EventLog(server)
        with raw_connect(server.BoundPort) as sock:
            sock.sendall(upgrade_request(version="8").encode())
            assert sock.recv(12) == b"HTTP/1.1 101"
            assert log.wait_for("OnHandshakeResponseSent")


@pytest.mark.parametrize(("payload", "code"), [
    (frame(0x1, b"hello", mask=False), 1002),           # unmasked client frame
    (frame(0x1, b"\xff\xfe"), 1007),                    # invalid UTF-8
    (frame(0x1, b"ok \xf0\x28", fin=False), 1007),      # invalid UTF-8 in a first fragment
    (frame(0x2, b"x" * 2048), 1009),                    # over MaxMessageSize
    (frame(0x0, b"x"), 1002),                           # continuation without a start
], ids=["unmasked", "invalid-utf8", "invalid-utf8-fragment", "too-big", "stray-continuation"])
def test_protocol_errors_close_with_the_rfc_code_and_onerror(payload, code):
    with running_server(MaxMessageSize=1024) as server:
        log = EventLog(server)
        with raw_websocket(server.BoundPort) as sock:
            sock.sendall(payload)
            assert read_close_code(sock) == code
        assert log.wait_for("OnDisconnect")
        (error,) = _errors(log)
        assert error.CloseCode == code
        assert log.count("OnMessageReceived") == 0


def test_a_client_that_never_sends_the_request_is_dropped_on_stop():
    baseline = set(threading.enumerate())
    with running_server() as server:
        log = EventLog(server)
        import socket

        idle = socket.create_connection(("127.0.0.1", server.BoundPort), timeout=5)
        assert log.wait_for("OnConnect")
        server.Active = False
        assert idle.recv(10) == b""
        idle.close()
        assert log.count("OnDisconnect") == 1
    assert wait_threads_back(baseline) == []
