"""The recording relay on its own: what it records of each kind of frame and ending, and how it
reports a target it cannot reach. Targets are mock servers (real sockets), whose faults produce
the endings a well-behaved server would not."""

from __future__ import annotations

import socket
import threading

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.sync.server import serve

from fnc_websocket import TTMSFNCWebsocketClient
from fnc_websocket.testing import MockWebSocketServer, Ping, record_events, wait_for
from fnc_websocket.testing.cassette import REDACTED
from fnc_websocket.testing.recorder import Recorder, RecorderError, parse_target

TIMEOUT = 5.0


def kinds(recorder: Recorder, index: int = 0) -> list[tuple[str, str, object]]:
    events = recorder.cassette.connections[index].events
    return [(e.side, e.type, e.code if e.type == "close" else e.payload) for e in events]


def test_fragments_and_control_frames_are_recorded_as_sent() -> None:
    with MockWebSocketServer() as target, Recorder(target.url) as recorder:
        target.when("go", lambda message, connection: connection.send_fragmented(
            "reassembled", fragments=3, interleave=(Ping(b"\x00\xff"),)))
        client = TTMSFNCWebsocketClient(None, HostName=recorder.host, Port=recorder.port,
                                        SplitMessage=True, FrameSize=10)
        with client:
            events = record_events(client)
            client.OnConnect = lambda Sender, AConnection: Sender.Send("go")
            client.Connect()
            wait_for(lambda: "OnMessageReceived" in events.names())
            client.Send(b"\x01" * 30)  # in 8-byte fragments
            target.wait_for_message(b"\x01" * 30)
            client.Disconnect()
        recorder.wait_finished(1)
    assert any(not f.fin for f in target.frames)  # the client did split its message
    recorded = kinds(recorder)
    assert [k for k in recorded if k[1] not in ("ping", "pong")] == [
        ("client", "text", b"go"),
        ("server", "text", b"reassembled"),  # one message, from 3 fragments
        ("client", "binary", b"\x01" * 30),  # one message, from 4 fragments
        ("client", "close", 1000),
        ("server", "close", 1000),
    ]
    # a ping between each two fragments, each answered by the client
    assert [k for k in recorded if k[1] == "ping"] == [("server", "ping", b"\x00\xff")] * 2
    assert [k for k in recorded if k[1] == "pong"] == [("client", "pong", b"\x00\xff")] * 2


def test_a_server_close_and_a_drop_are_recorded_and_replayed() -> None:
    with MockWebSocketServer() as target, Recorder(target.url) as recorder:
        for inject in (lambda: target.fault_close(4001, "maintenance", after_messages=1),
                       lambda: target.fault_drop(after_messages=1)):
            inject()
            with connect(recorder.url, open_timeout=TIMEOUT, close_timeout=1) as ws:
                ws.send("hi")
                with pytest.raises(ConnectionClosed):
                    ws.recv(timeout=TIMEOUT)
        recorder.wait_finished(2)
    assert kinds(recorder, 0)[1:] == [("server", "close", 4001), ("client", "close", 4001)]
    assert kinds(recorder, 1)[1:] == [("server", "drop", b"")]

    with MockWebSocketServer.from_cassette(recorder.cassette) as mock:
        for expected_code in (4001, 1006):
            with connect(mock.url, open_timeout=TIMEOUT, close_timeout=1) as ws:
                ws.send("hi")
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=TIMEOUT)
                code = closed.value.rcvd.code if closed.value.rcvd else 1006
                assert code == expected_code
        mock.assert_cassette_done()


def test_a_refused_upgrade_is_recorded_with_its_body() -> None:
    with MockWebSocketServer() as target, Recorder(target.url) as recorder:
        target.fault_refuse_handshake(401, {"WWW-Authenticate": "Bearer"}, "log in first")
        with pytest.raises(InvalidStatus):
            connect(recorder.url, open_timeout=TIMEOUT)
        recorder.wait_finished(1)
    (connection,) = recorder.cassette.connections
    assert (connection.response.status, connection.response.body) == (401, b"log in first")
    assert connection.response.header("WWW-Authenticate") == "Bearer"
    assert connection.events == ()


def test_the_target_path_and_host_replace_the_clients() -> None:
    with MockWebSocketServer(echo=True, path="/feed", subprotocol="chat.v1",
                             response_headers={"Set-Cookie": "s=1", "X-Node": "a"}) as target, \
            Recorder(target.url) as recorder:
        assert recorder.url.endswith("/feed")
        with connect(f"ws://{recorder.host}:{recorder.port}/other", open_timeout=TIMEOUT,
                     close_timeout=1, subprotocols=["chat.v1"]) as ws:
            ws.send("x")
            assert ws.recv(timeout=TIMEOUT) == "x"
        request = target.handshakes[0]
        assert request.path == "/feed"
        assert request.header("Host") == f"127.0.0.1:{target.port}"
        assert request.header("Sec-WebSocket-Extensions") is None  # recorded uncompressed
        recorder.wait_finished(1)
    (connection,) = recorder.cassette.connections
    assert connection.request.path == "/other"
    assert connection.response.header("Set-Cookie") == REDACTED
    assert connection.response.header("X-Node") == "a"
    with MockWebSocketServer.from_cassette(recorder.cassette) as mock, \
            connect(f"ws://{mock.host}:{mock.port}/other", open_timeout=TIMEOUT,
                    subprotocols=["chat.v1"]) as ws:
        assert ws.subprotocol == "chat.v1"
        assert ws.response.headers["X-Node"] == "a"  # the recorded headers come back ...
        assert "Set-Cookie" not in ws.response.headers  # ... except redacted ones
        ws.send("x")
        assert ws.recv(timeout=TIMEOUT) == "x"


def test_an_unreachable_target_gets_502_and_an_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Recorder(f"ws://127.0.0.1:{port}/") as recorder:
        with pytest.raises(InvalidStatus, match="502"):
            connect(recorder.url, open_timeout=TIMEOUT)
        recorder.wait_finished(1)
    assert recorder.cassette.connections == ()
    assert "cannot connect to the target ws://127.0.0.1" in recorder.errors[0]


def test_an_oversized_message_ends_the_connection_with_an_error() -> None:
    with MockWebSocketServer(echo=True) as target, \
            Recorder(target.url, max_message_size=100) as recorder:
        with connect(recorder.url, open_timeout=TIMEOUT, close_timeout=1, max_size=None) as ws:
            ws.send("x" * 101)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=TIMEOUT)
        recorder.wait_finished(1)
    (error,) = recorder.errors
    assert error.startswith("connection from 127.0.0.1:")
    assert error.endswith("client message over max_message_size (100 bytes): not recorded, "
                          "connection ended")


def test_the_recording_as_a_whole_is_bounded() -> None:
    with MockWebSocketServer(echo=True) as target, \
            Recorder(target.url, max_recorded_bytes=250) as recorder:
        with connect(recorder.url, open_timeout=TIMEOUT, close_timeout=1) as ws:
            ws.send("x" * 100)
            assert ws.recv(timeout=TIMEOUT) == "x" * 100
            ws.send("y" * 100)  # 300 bytes recorded with its echo: over the bound
            with pytest.raises(ConnectionClosed):
                while True:
                    ws.recv(timeout=TIMEOUT)
        recorder.wait_finished(1)
    assert recorder.errors[0].endswith("the recording is over max_recorded_bytes (250): "
                                       "connection ended")
    events = recorder.cassette.connections[0].events
    assert [e.payload for e in events] == [b"x" * 100, b"x" * 100]


def test_stop_cuts_open_conversations_and_joins_its_threads() -> None:
    released = threading.Event()

    def hold(ws) -> None:  # type: ignore[no-untyped-def]
        ws.send("hello")
        released.wait(TIMEOUT)

    with serve(hold, "127.0.0.1", 0) as target:
        thread = threading.Thread(target=target.serve_forever)
        thread.start()
        recorder = Recorder(f"ws://127.0.0.1:{target.socket.getsockname()[1]}").start()
        ws = connect(recorder.url, open_timeout=TIMEOUT, close_timeout=1, legacy=True)
        assert ws.recv(timeout=TIMEOUT) == "hello"
        recorder.stop(grace=0)
        assert [t.name for t in threading.enumerate() if "recorder" in t.name] == []
        ws.close_socket()
        released.set()
        target.shutdown()
        thread.join(TIMEOUT)
    # cut by stop(): no "drop" was recorded, only what really happened
    assert kinds(recorder) == [("server", "text", b"hello")]


@pytest.mark.parametrize(("url", "message"), [
    ("http://x/", "expected ws://host[:port]/path"),
    ("ws:///path", "expected ws://host[:port]/path"),
    ("ws://x:99999/", "bad target URL"),
])
def test_bad_target_urls(url: str, message: str) -> None:
    with pytest.raises(RecorderError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_target(url)


def test_a_port_in_use_is_a_clear_error() -> None:
    with Recorder("ws://127.0.0.1:9/") as first, \
            pytest.raises(RecorderError, match=f"cannot listen on 127.0.0.1:{first.port}"):
        Recorder("ws://127.0.0.1:9/", port=first.port).start()
