"""TTMSFNCWebsocketClient: connecting, sending, receiving, closing, events and their threads,
property validation and locking, handshake details and connection failures."""

from __future__ import annotations

import threading

import pytest
from client_support import (
    EchoServer,
    RawConnection,
    Recorder,
    wait_until,
)

from fnc.events import published_events
from fnc.properties import published_properties
from fnc_websocket.client.component import TTMSFNCWebsocketClient
from fnc_websocket.client.connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.errors import (
    EWebSocket,
    EWebSocketClient,
    EWebSocketClientClosed,
    EWebSocketClientConnectError,
    EWebSocketClientHandshakeError,
    EWebSocketClientPropertyError,
    EWebSocketClientResolveError,
    EWebSocketClientTimeout,
)
from fnc_websocket.types import SErrCloseSent, ftFirst, ftLast, twsoManualPong

HOME = threading.current_thread().name


def test_defaults_match_tms() -> None:
    c = TTMSFNCWebsocketClient(None)
    try:
        assert (c.Active, c.HostName, c.Port, c.UseSSL, c.PathName, c.Origin) == (
            False, "", 8888, False, "", "")
        assert (c.Options, c.CheckTimeout, c.AutoCheckMessages, c.AutoCheckInterval) == (
            frozenset(), 0, True, 50)
        assert (c.SplitMessage, c.FrameSize, c.ConnectTimeout, c.AutoSyncEvents, c.BoundIP) == (
            False, 0, 0, True, "")
        assert c.SSLVerifyPeer is True and c.SSLContext is None
        assert c.MaxMessageSize == 16 * 1024 * 1024
        assert not c.IsConnected() and c.Connection is None and c.CloseCode == 0
        names = {p.name for p in published_properties(TTMSFNCWebsocketClient)}
        assert {"HeartBeat", "WatchDog", "SubProtocols", "CloseTimeout"} <= names
        events = {e.name: e for e in published_events(TTMSFNCWebsocketClient)}
        assert events["OnBinaryDataReceived"].params == (
            "Sender", "AConnection", "AData", "AFrameType")
        assert events["OnHandshakeResponse"].signature == "Sender, AResponse, var AAllow"
        assert not events["OnSendHandshake"].marshal and not events["OnHandshakeResponse"].marshal
    finally:
        c.Free()


def test_connect_send_receive_disconnect_in_order_on_home_thread(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    c.OnConnect = None

    def on_connect(Sender, AConnection):
        rec.events.append(("OnConnect", (AConnection,), threading.current_thread().name))
        assert Sender is c and Sender.IsConnected()
        AConnection.Send("héllo")
        c.Send(b"\x00\x01")
        c.SendMasked("")  # empty text is delivered (TMS drops it)

    c.OnConnect = on_connect
    c.Connect()
    assert c.Active  # at once: the attempt is under way
    rec.wait_for("OnMessageReceived", 2)
    rec.wait_for("OnBinaryDataReceived")
    assert rec.names() == ["OnConnect", "OnMessageReceived", "OnBinaryDataReceived",
                           "OnMessageReceived"]
    assert rec.of("OnMessageReceived") == [(rec.of("OnConnect")[0][0], "héllo"),
                                           (rec.of("OnConnect")[0][0], "")]
    assert rec.of("OnBinaryDataReceived")[0][1:] == (b"\x00\x01", frozenset({ftFirst, ftLast}))
    conn = rec.of("OnConnect")[0][0]
    assert isinstance(conn, TTMSFNCWebSocketClientConnection)
    assert (conn.PeerIP, conn.PeerPort) == ("127.0.0.1", client_echo.port)
    assert conn.HandshakeCompleted and not conn.CloseSent
    c.Disconnect()
    assert not c.Active and not c.IsConnected()
    rec.wait_for("OnDisconnect")
    assert rec.names()[-2:] == ["OnClose", "OnDisconnect"]
    assert rec.of("OnClose")[0][1] == b"\x03\xe8"
    assert c.CloseCode == 1000 and conn.CloseSent and conn.Closed
    assert rec.threads() == {HOME}
    assert client_echo.received == ["héllo", b"\x00\x01", ""]


def test_connect_returns_at_once_and_send_before_handshake_raises(client_raw, client_factory):
    release = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.read_request()
        release.wait(5)

    server = client_raw(script)
    c = client_factory(server.port)
    rec = Recorder(c)
    with pytest.raises(EWebSocketClientClosed, match="not connected"):
        c.Send("too early")  # before Connect
    c.Connect()
    with pytest.raises(EWebSocketClientClosed, match="handshake is not completed"):
        c.Send("too early")
    assert c.Active and not c.IsConnected()
    c.Connect()  # already active: nothing happens
    release.set()
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnError", "OnDisconnect"]
    assert isinstance(rec.error(), EWebSocketClientHandshakeError)


def test_send_after_close_says_so(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    conn = c.Connection
    conn.SendClose(4000, "bye")
    # The peer may answer the close before the next line runs: either refusal names the cause.
    with pytest.raises(EWebSocketClientClosed, match=f"{SErrCloseSent}|connection is closed"):
        c.Send("late")
    rec.wait_for("OnDisconnect")
    with pytest.raises(EWebSocketClientClosed, match="connection is closed"):
        conn.Send("later")
    with pytest.raises(EWebSocket):
        c.Ping("x")
    assert c.CloseCode == 4000 and c.CloseReason == "bye"


def test_sends_from_many_threads_are_safe(client_echo, client_factory):
    c = client_factory(client_echo.port, SplitMessage=True, FrameSize=64)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")

    def sender(k: int) -> None:
        for i in range(50):
            c.Send(f"{k}:{i}:" + "x" * 200)

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    rec.wait_for("OnMessageReceived", 200)
    got = [m[1] for m in rec.of("OnMessageReceived")]
    assert sorted(got) == sorted(f"{k}:{i}:" + "x" * 200 for k in range(4) for i in range(50))
    for k in range(4):  # per thread, order is kept
        mine = [g for g in got if g.startswith(f"{k}:")]
        assert mine == [f"{k}:{i}:" + "x" * 200 for i in range(50)]


def test_split_message_keeps_text_and_sends_every_fragment(client_raw, client_factory):
    frames = []

    def script(conn: RawConnection) -> None:
        conn.handshake()
        while True:
            frame = conn.recv_frame()
            frames.append(frame)
            if frame[1] == 0x8:
                conn.send_frame(0x8, frame[2])
                return
            if frame[1] == 0x0 and frame[0] and len(frames) > 10:
                pass

    server = client_raw(script)
    c = client_factory(server.port, SplitMessage=True, FrameSize=10)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    c.Send("abcdefghijklmn")  # 14 bytes, 4 payload bytes per 10-byte masked frame
    c.SplitMessage = False  # not locked: applies to the next send
    c.Send(b"whole")
    c.Disconnect()
    data = [f for f in frames if f[1] != 0x8]
    assert [(f[0], f[1], f[2]) for f in data] == [
        (False, 0x1, b"abcd"), (False, 0x0, b"efgh"), (False, 0x0, b"ijkl"), (True, 0x0, b"mn"),
        (True, 0x2, b"whole")]
    assert all(f[3] for f in frames), "every client frame is masked"


def test_events_on_worker_when_autosync_off(client_echo, client_factory):
    c = client_factory(client_echo.port, AutoSyncEvents=False)
    got = threading.Event()
    where = []
    c.OnConnect = lambda S, A: (where.append(threading.current_thread().name), A.Send("x"))
    c.OnMessageReceived = lambda S, A, M: (where.append(threading.current_thread().name),
                                           got.set())
    c.Connect()
    assert got.wait(5)
    assert len(where) == 2 and HOME not in where
    assert all(w.startswith("WebsocketClient") for w in where)


def test_handler_exception_goes_to_application_and_connection_goes_on(client_echo,
                                                                        client_factory):
    from fnc.application import Application

    c = client_factory(client_echo.port)
    reported = []
    Application.OnException = lambda Sender, E: reported.append((Sender, E))
    try:
        c.OnConnect = lambda S, A: A.Send("boom")
        c.OnMessageReceived = lambda S, A, M: (_ for _ in ()).throw(RuntimeError(M))
        c.Connect()
        wait_until(lambda: reported)
        assert reported[0][0] is c and str(reported[0][1]) == "boom"
        assert c.IsConnected()
    finally:
        Application.OnException = None


# -- validation and locked properties -------------------------------------------------------------

def test_connect_validates_all_properties_at_once(tmp_path) -> None:
    c = TTMSFNCWebsocketClient(None, HostName="", Port=70000, SplitMessage=True, FrameSize=3,
                               UseSSL=True, RootCertificateFile=str(tmp_path / "nope.pem"),
                               CertificateKeyFile=str(tmp_path / "key.pem"), BoundIP="nonsense",
                               PathName="/a b", ConnectTimeout=-1)
    c.HeartBeat.Interval = 0
    try:
        with pytest.raises(EWebSocketClientPropertyError) as info:
            c.Connect()
        problems = dict(info.value.Problems)
        assert set(problems) >= {"HostName", "Port", "FrameSize", "RootCertificateFile",
                                 "CertificateKeyFile", "BoundIP", "PathName", "ConnectTimeout",
                                 "HeartBeat.Interval"}
        assert "does not exist" in problems["RootCertificateFile"]
        assert isinstance(info.value, EWebSocketClient) and isinstance(info.value, ValueError)
        assert not c.Active and c.Connection is None
        with pytest.raises(EWebSocketClientPropertyError, match="HostName"):
            c.Active = True
    finally:
        c.Free()


def test_setters_check_types_not_values() -> None:
    with TTMSFNCWebsocketClient(None) as c:
        c.Port = 0  # a value problem: reported at Connect, not here
        with pytest.raises(TypeError, match="Port"):
            c.Port = "80"
        c.Options = ["twsoManualPong"]
        assert c.Options == frozenset({twsoManualPong})


def test_locked_properties_raise_while_connected(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    for name, value in [("HostName", "x"), ("Port", 1), ("UseSSL", True), ("PathName", "/p"),
                        ("Options", []), ("ConnectTimeout", 5), ("AutoCheckMessages", False),
                        ("BoundIP", "127.0.0.1"), ("Origin", "o")]:
        with pytest.raises(EWebSocketClient, match=name):
            setattr(c, name, value)
    c.SplitMessage = True  # not locked
    c.FrameSize = 100
    c.AutoSyncEvents = True
    c.Active = False
    assert not c.Active
    c.Port = client_echo.port + 0  # unlocked again


def test_send_rejects_bad_arguments(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    with pytest.raises(TypeError, match="str or bytes"):
        c.Send(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="125 bytes"):
        c.Ping("x" * 126)
    with pytest.raises(EWebSocket, match="not a simple operation"):
        c.Connection.SendSimpleFrame(1, b"")
    with pytest.raises(ValueError, match="may not be sent"):
        c.Connection.SendClose(1005)
    assert c.IsConnected()


# -- the handshake --------------------------------------------------------------------------------

def test_handshake_request_and_send_handshake_event(client_factory):
    seen = {}

    def handler(conn):
        seen["request"] = conn.request
        seen["subprotocol"] = conn.subprotocol
        conn.send("ok")
        for _ in conn:
            pass

    server = EchoServer(handler, subprotocols=["chat.v2"])
    try:
        c = client_factory(server.port, PathName="sock path?x=1".replace(" ", ""),
                           Origin="http://example", SubProtocols="chat.v1, chat.v2")
        rec = Recorder(c)
        threads = []

        def on_send_handshake(Sender, AHeaders):
            threads.append(threading.current_thread().name)
            assert AHeaders[0] == "GET /sockpath?x=1 HTTP/1.1"
            assert f"Host: 127.0.0.1:{server.port}" in AHeaders
            AHeaders.append("Authorization: Bearer t0ken")

        responses = []
        c.OnSendHandshake = on_send_handshake
        c.OnHandshakeResponse = lambda S, R, A: responses.append(
            (R, A.Value, threading.current_thread().name))
        c.Connect()
        assert threads == [HOME]  # before Connect returned
        rec.wait_for("OnMessageReceived")
        headers = seen["request"].headers
        assert headers["Authorization"] == "Bearer t0ken"
        assert headers["Origin"] == "http://example"
        assert headers["Sec-WebSocket-Protocol"] == "chat.v1, chat.v2"
        assert seen["subprotocol"] == "chat.v2" and c.Protocol == "chat.v2"
        response, allowed, thread = responses[0]
        assert allowed and response.StatusCode == 101 and response.Protocol == "chat.v2"
        assert response.RawHeaders[0].startswith("HTTP/1.1 101")
        assert thread.startswith("WebsocketClient")
    finally:
        server.stop()


def test_handshake_response_refused_by_handler(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)

    def refuse(Sender, AResponse, AAllow):
        AAllow.Value = False

    c.OnHandshakeResponse = refuse
    c.Connect()
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnError", "OnDisconnect"]
    assert "AAllow" in str(rec.error()) and not c.Active


def test_send_handshake_must_leave_valid_lines(client_echo, client_factory):
    c = client_factory(client_echo.port)
    c.OnSendHandshake = lambda S, H: H.append("Bad: a\r\nInjected: b")
    with pytest.raises(EWebSocketClientPropertyError, match="line break"):
        c.Connect()
    assert not c.Active


@pytest.mark.parametrize("status, extra, accept, why", [
    ("404 Not Found", "", None, "HTTP 404 Not Found"),
    ("101 Switching Protocols", "", "d3Jvbmc=", "Sec-WebSocket-Accept"),
    ("101 Switching Protocols", "Sec-WebSocket-Extensions: permessage-deflate\r\n", None,
     "extensions"),
    ("101 Switching Protocols", "Sec-WebSocket-Protocol: other\r\n", None, "sub-protocol"),
    ("101 Switching Protocols", "Sec-WebSocket-Version: 8\r\n", None, "Version"),
])
def test_bad_handshake_responses(client_raw, client_factory, status, extra, accept, why):
    server = client_raw(lambda conn: (conn.handshake(extra, accept, status), conn.wait_eof()))
    c = client_factory(server.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnError", "OnDisconnect"]
    error = rec.error()
    assert isinstance(error, EWebSocketClientHandshakeError) and why in str(error)
    if status.startswith("404"):
        assert error.StatusCode == 404 and error.StatusText == "Not Found"
        assert any(h.startswith("Upgrade") for h in error.Headers)
    assert not c.Active and c.CloseCode == 1006


def test_not_http_and_early_close(client_raw, client_factory):
    server = client_raw(lambda conn: (conn.read_request(), conn.send_raw(b"SSH-2.0-x\r\n\r\n")))
    c = client_factory(server.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    assert "not an HTTP response" in str(rec.error())


def test_connection_refused(client_factory):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    c = client_factory(port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnError", "OnDisconnect"]
    assert isinstance(rec.error(), EWebSocketClientConnectError)
    assert "refused" in str(rec.error()).lower() and not c.Active


def test_unresolvable_host(client_factory):
    c = client_factory(80, HostName="no-such-host.invalid")
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect", timeout=15)
    assert isinstance(rec.error(), EWebSocketClientResolveError)
    assert "no-such-host.invalid" in str(rec.error())


def test_handshake_timeout(client_raw, client_factory):
    stop = threading.Event()
    server = client_raw(lambda conn: (conn.read_request(), stop.wait(5)))
    c = client_factory(server.port, ConnectTimeout=200)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    stop.set()
    assert isinstance(rec.error(), EWebSocketClientTimeout)
    assert "200 ms" in str(rec.error())


def test_bound_ip(client_echo, client_factory):
    c = client_factory(client_echo.port, BoundIP="127.0.0.1")
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    assert c.IsConnected()


def test_reconnect_from_on_disconnect(client_echo, client_factory):
    c = client_factory(client_echo.port)
    rec = Recorder(c)
    connects = []

    def on_disconnect(Sender, AConnection):
        if len(connects) < 3:
            Sender.Connect()

    def on_connect(Sender, AConnection):
        connects.append(AConnection)
        Sender.Disconnect()

    c.OnDisconnect = on_disconnect
    c.OnConnect = on_connect
    c.Connect()
    wait_until(lambda: len(connects) == 3 and not c.Active)
    assert len({id(x) for x in connects}) == 3  # a new AConnection per attempt
    assert rec.count("OnDisconnect") == 0  # our handler replaced the recorder's


def test_send_handshake_edits_map_onto_websocket_client_options(client_echo, client_factory):
    c = client_factory(client_echo.port, Origin="http://origin.example")
    rec = Recorder(c)

    def edit(Sender, AHeaders):
        AHeaders[:] = [line for line in AHeaders if not line.startswith("Origin:")]
        AHeaders[AHeaders.index(next(h for h in AHeaders if h.startswith("Host:")))] = \
            "Host: virtual.example"
        AHeaders[0] = "GET /edited?q=1 HTTP/1.1"
        AHeaders.append("X-Token: abc")

    c.OnSendHandshake = edit
    c.Connect()
    rec.wait_for("OnConnect")
    request = client_echo.requests[-1]
    assert request.path == "/edited?q=1"
    assert request.headers["Host"] == "virtual.example"
    assert "Origin" not in request.headers  # a removed line is not sent
    assert request.headers["X-Token"] == "abc"


@pytest.mark.parametrize("edit, line", [
    (lambda H: H.__setitem__(0, "POST / HTTP/1.1"), "line 0"),
    (lambda H: H.append("X-A: 1") or H.append("x-a: 2"), "repeats the header"),
    (lambda H: H.remove("Upgrade: websocket"), "Upgrade"),
    (lambda H: H.__setitem__(H.index("Upgrade: websocket"), "Upgrade: h2c"), "Upgrade"),
    (lambda H: H.append("no colon here"), "not a 'Name: value'"),
])
def test_send_handshake_edits_that_cannot_be_sent_name_the_line(client_factory, edit, line):
    c = client_factory(9)
    c.OnSendHandshake = lambda Sender, AHeaders: edit(AHeaders)
    with pytest.raises(EWebSocketClientPropertyError, match="OnSendHandshake") as info:
        c.Connect()
    assert line in str(info.value) and not c.Active
