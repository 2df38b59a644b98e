"""MockWebSocketServer: lifecycle, echo, recording of handshakes, frames and messages, waits."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
import websocket

from fnc_websocket.testing.mock_server import MockTimeoutError, MockWebSocketServer, Opcode


def _mock_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("fnc-ws-mock")]


def test_lifecycle_ephemeral_port_url_and_threads_joined(ws_connect):
    server = MockWebSocketServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    server.start()
    try:
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert server.url == f"ws://127.0.0.1:{server.port}/"
        assert server.is_running
        ws_connect(server.url)
        server.wait_for_connection()
        assert len(_mock_threads()) == 2  # accept thread + one connection thread
    finally:
        server.stop()
    assert not server.is_running
    assert _mock_threads() == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
    with pytest.raises(RuntimeError, match="starts once"):
        server.start()
    server.stop()  # idempotent


def test_context_manager_starts_and_stops():
    with MockWebSocketServer() as server:
        port = server.port
        assert server.is_running
    assert not server.is_running
    assert _mock_threads() == []
    with MockWebSocketServer() as other:
        assert other.port != 0
    assert port > 0


def test_stop_drops_open_connections_without_close_frame(ws_connect):
    server = MockWebSocketServer().start()
    ws = ws_connect(server.url)
    server.wait_for_connection()
    server.stop()
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        ws.recv()


def test_echo_text_and_binary(ws_connect):
    with MockWebSocketServer(echo=True) as server:
        ws = ws_connect(server.url)
        ws.send("héllo")
        assert ws.recv() == "héllo"
        ws.send_binary(b"\x00\xff")
        assert ws.recv() == b"\x00\xff"
        server.echo = False
        ws.send("quiet")
        assert server.wait_for_message("quiet").text == "quiet"
        server.send_text("marker")
        assert ws.recv() == "marker"  # "quiet" was not echoed


def test_records_frames_with_opcode_fin_rsv_mask_and_timestamps(ws_connect):
    with MockWebSocketServer() as server:
        ws = ws_connect(server.url)
        before = time.monotonic()
        ws.send("one")
        ws.ping(b"p")
        ws.send_binary(b"two")
        server.wait_for_message(b"two")
        frames = server.frames
        assert [f.opcode for f in frames] == [Opcode.TEXT, Opcode.PING, Opcode.BINARY]
        assert [f.opcode_name for f in frames] == ["TEXT", "PING", "BINARY"]
        assert [f.payload for f in frames] == [b"one", b"p", b"two"]
        assert all(f.fin and f.rsv == 0 and f.masked and len(f.mask_key) == 4 for f in frames)
        assert before <= frames[0].timestamp <= frames[1].timestamp <= frames[2].timestamp
        assert frames[1].is_control and not frames[0].is_control
        connection = server.connections[0]
        assert connection.frames == frames
        assert [m.data for m in connection.messages] == ["one", b"two"]


def test_unmasked_client_frame_recorded_and_rejected_in_strict_mode(raw_connect):
    with MockWebSocketServer() as server:
        client = raw_connect(server)
        client.send_frame(Opcode.TEXT, b"bare", mask=False)
        frame = server.wait_for_frame()
        assert frame.masked is False and frame.mask_key is None and frame.payload == b"bare"
        _, opcode, _, _, payload = client.read_frame()
        assert opcode == Opcode.CLOSE and payload[:2] == (1002).to_bytes(2, "big")
        assert client.at_eof()
        connection = server.connections[0]
        connection.wait_closed()
        assert any("not masked" in e for e in connection.protocol_errors)


def test_lenient_mode_records_violations_and_keeps_the_connection(raw_connect):
    with MockWebSocketServer(strict=False, echo=True) as server:
        client = raw_connect(server)
        client.send_frame(Opcode.TEXT, b"bare", mask=False)
        client.send_frame(Opcode.TEXT, b"rsv", rsv=0b010)
        _, opcode, _, _, payload = client.read_frame()
        assert (opcode, payload) == (Opcode.TEXT, b"bare")
        assert client.read_frame()[4] == b"rsv"
        assert server.frames[1].rsv == 0b010
        errors = server.connections[0].protocol_errors
        assert len(errors) == 2 and "RSV" in errors[1]


def test_fragmented_client_message_is_reassembled_with_interleaved_ping(raw_connect):
    with MockWebSocketServer() as server:
        client = raw_connect(server)
        client.send_frame(Opcode.TEXT, b"fra", fin=False)
        client.send_frame(Opcode.PING, b"mid")
        client.send_frame(Opcode.CONTINUATION, "gmént".encode(), fin=True)
        message = server.wait_for_message()
        assert message.text == "fragmént" and message.frame_count == 2
        _, opcode, _, masked, payload = client.read_frame()
        assert (opcode, masked, payload) == (Opcode.PONG, False, b"mid")  # auto pong, unmasked
        assert [f.fin for f in server.frames] == [False, True, True]


def test_handshake_request_recorded_with_path_and_headers(ws_connect):
    with MockWebSocketServer(subprotocol="a") as server:
        ws_connect(server.url + "chat?room=7", header=["X-Token: abc"], subprotocols=["a", "b"])
        request = server.wait_for_handshake()
        assert request.method == "GET"
        assert request.path == "/chat?room=7"
        assert request.header("x-token") == "abc"
        assert request.header("Sec-WebSocket-Version") == "13"
        assert request.subprotocols == ["a", "b"]
        assert request.remote_address[0] == "127.0.0.1"
        assert server.connections[0].handshake == request


def test_subprotocol_and_extra_response_headers(ws_connect):
    with MockWebSocketServer(subprotocol="b", response_headers={"X-Mock": "yes"}) as server:
        ws = ws_connect(server.url, subprotocols=["a", "b"])
        assert ws.getsubprotocol() == "b"
        assert ws.getheaders()["x-mock"] == "yes"
        assert server.wait_for_connection().subprotocol == "b"
        server.subprotocol = lambda offered: offered[0]
        ws2 = ws_connect(server.url, subprotocols=["first", "second"])
        assert ws2.getsubprotocol() == "first"


def test_required_path_answers_404_elsewhere(ws_connect):
    with MockWebSocketServer(path="/ws") as server:
        assert server.url.endswith("/ws")
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            ws_connect(f"ws://127.0.0.1:{server.port}/other")
        assert info.value.status_code == 404
        ws_connect(server.url)
        assert server.wait_for_connection().handshake.path == "/ws"
        assert server.all_connections[0].refused


def test_bad_upgrade_request_gets_http_error(raw_connect):
    with MockWebSocketServer() as server:
        sock = socket.create_connection((server.host, server.port), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = sock.recv(4096)
        sock.close()
        assert reply.startswith(b"HTTP/1.1 426 ")
        assert server.wait_for_handshake().path == "/"
        assert server.connections == []


def test_messages_per_connection_and_server_wide(ws_connect):
    with MockWebSocketServer() as server:
        first = ws_connect(server.url)
        one = server.wait_for_connection()
        second = ws_connect(server.url)
        two = server.wait_for_connection()
        first.send("from-1")
        second.send("from-2")
        assert one.wait_for_message().text == "from-1"
        assert two.wait_for_message().text == "from-2"
        assert {m.text for m in (server.wait_for_message(), server.wait_for_message())} == {
            "from-1", "from-2",
        }
        assert [m.connection_id for m in one.messages] == [one.id]


def test_wait_for_message_consumes_in_order_and_filters():
    with MockWebSocketServer() as server:
        ws = websocket.create_connection(server.url, timeout=5)
        try:
            for text in ("a", "b", "c"):
                ws.send(text)
            assert server.wait_for_message("b").text == "b"
            assert server.wait_for_message().text == "a"
            assert server.wait_for_message(re.compile("^c$")).text == "c"
            with pytest.raises(MockTimeoutError):
                server.wait_for_message(timeout=0.05)  # all three were returned already
            assert [m.text for m in server.messages] == ["a", "b", "c"]
        finally:
            ws.close()


def test_waits_time_out_with_a_clear_message(ws_connect):
    with MockWebSocketServer() as server:
        with pytest.raises(MockTimeoutError, match="connection #1"):
            server.wait_for_connection(timeout=0.05)
        ws_connect(server.url).send("x")
        with pytest.raises(MockTimeoutError, match=r"text 'y'.*received \['x'\]"):
            server.wait_for_message("y", timeout=0.05)


def test_connection_wait_gives_up_when_closed(ws_connect):
    with MockWebSocketServer() as server:
        ws = ws_connect(server.url)
        connection = server.wait_for_connection()
        ws.close()
        connection.wait_closed()
        started = time.monotonic()
        with pytest.raises(MockTimeoutError, match="closed"):
            connection.wait_for_message(timeout=5)
        assert time.monotonic() - started < 1
        assert connection.close_received.code == 1000
        assert connection.close_sent.code == 1000
        server.wait_closed()


def test_waiters_on_other_threads_are_woken(ws_connect):
    with MockWebSocketServer() as server:
        results = []
        waiter = threading.Thread(target=lambda: results.append(server.wait_for_message()))
        waiter.start()
        ws_connect(server.url).send("wake")
        waiter.join(5)
        assert not waiter.is_alive()
        assert results[0].text == "wake"
