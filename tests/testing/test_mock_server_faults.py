"""MockWebSocketServer fault injection, checked with independent clients (websocket-client,
websockets' sync client, and a raw socket)."""

from __future__ import annotations

import socket
import time

import pytest
import websocket
import websockets.exceptions

from fnc_websocket.testing.actions import Frame, Ping, Pong, Violation
from fnc_websocket.testing.mock_server import MockWebSocketServer, Opcode


def test_refuse_handshake_with_status_headers_and_body_then_accept_next(ws_connect):
    with MockWebSocketServer() as server:
        server.fault_refuse_handshake(503, {"Retry-After": "3"}, "busy")
        with pytest.raises(websocket.WebSocketBadStatusException) as info:
            ws_connect(server.url)
        assert info.value.status_code == 503
        assert info.value.resp_headers["retry-after"] == "3"
        assert info.value.resp_body == b"busy"
        assert server.wait_for_handshake().path == "/"
        assert server.all_connections[0].refused
        ws_connect(server.url)  # only the next connection was refused
        assert len(server.connections) == 1


def test_refuse_every_connection():
    with MockWebSocketServer() as server:
        server.fault_refuse_handshake(401, connections=None)
        for _ in range(2):
            with pytest.raises(websocket.WebSocketBadStatusException) as info:
                websocket.create_connection(server.url, timeout=5)
            assert info.value.status_code == 401
        assert server.connections == [] and len(server.handshakes) == 2


def test_constructor_faults_apply_to_every_connection():
    from fnc_websocket.testing.actions import RefuseHandshake

    with MockWebSocketServer(faults=[RefuseHandshake(418, reason="Teapot")]) as server:
        for _ in range(2):
            with pytest.raises(websocket.WebSocketBadStatusException) as info:
                websocket.create_connection(server.url, timeout=5)
            assert info.value.status_code == 418


def test_delay_handshake_makes_client_time_out_and_stop_interrupts_it():
    server = MockWebSocketServer().start()
    server.fault_delay_handshake(30)
    with pytest.raises(websocket.WebSocketTimeoutException):
        websocket.create_connection(server.url, timeout=0.2)
    server.wait_for_handshake()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2


def test_delay_handshake_then_succeeds(ws_connect):
    with MockWebSocketServer(echo=True) as server:
        server.fault_delay_handshake(0.2)
        started = time.monotonic()
        ws = ws_connect(server.url)
        assert time.monotonic() - started >= 0.2
        ws.send("late")
        assert ws.recv() == "late"


def test_close_with_code_and_reason_right_after_connect(wsl_connect):
    with MockWebSocketServer() as server:
        server.fault_close(4002, "go away")
        ws = wsl_connect(server.url)
        with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
            ws.recv(timeout=5)
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4002, "go away")
        connection = server.connections[0]
        connection.wait_closed()
        assert connection.close_received.code == 4002  # the client echoed it
        assert connection.protocol_errors == []


def test_close_after_n_messages(ws_connect):
    with MockWebSocketServer(echo=True) as server:
        server.fault_close(1011, "enough", after_messages=2)
        ws = ws_connect(server.url)
        ws.send("1")
        assert ws.recv() == "1"
        ws.send("2")
        assert ws.recv() == "2"  # the echo goes out before the scheduled close
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert frame.data == (1011).to_bytes(2, "big") + b"enough"


def test_close_timeout_drops_a_client_that_never_answers(raw_connect):
    with MockWebSocketServer(close_timeout=0.2) as server:
        client = raw_connect(server)
        connection = server.wait_for_connection()
        connection.close(1000)
        assert client.read_frame()[1] == Opcode.CLOSE
        assert client.at_eof()  # no answer from us: the mock closed TCP after close_timeout
        connection.wait_closed()
        assert any("close timeout" in e for e in connection.protocol_errors)


def test_drop_after_n_messages_without_close_frame(raw_connect):
    with MockWebSocketServer() as server:
        server.fault_drop(after_messages=1)
        client = raw_connect(server)
        client.send_frame(Opcode.TEXT, b"only one")
        assert client.at_eof()
        assert client.buffer == b""  # no close frame came first
        assert server.wait_for_message().text == "only one"


def test_drop_right_after_connect_websocket_client(ws_connect):
    with MockWebSocketServer() as server:
        server.fault_drop()
        ws = ws_connect(server.url)
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            ws.recv()


def test_drop_with_reset(raw_connect):
    with MockWebSocketServer() as server:
        server.fault_drop(reset=True)
        client = raw_connect(server)
        with pytest.raises(ConnectionResetError):
            while client.sock.recv(4096):
                pass


def test_ignore_close_never_answers(raw_connect):
    with MockWebSocketServer() as server:
        server.fault_ignore_close()
        client = raw_connect(server)
        client.send_frame(Opcode.CLOSE, (1000).to_bytes(2, "big") + b"bye")
        connection = server.wait_for_connection()
        assert connection.wait_for_close_frame().reason == "bye"
        client.sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            client.sock.recv(1)  # no close frame, no FIN
        assert connection.is_open and connection.close_sent is None
        client.sock.close()
        connection.wait_closed()


def test_ignore_close_with_a_real_client_close_timeout(wsl_connect):
    with MockWebSocketServer() as server:
        server.fault_ignore_close()
        ws = wsl_connect(server.url, close_timeout=0.2)
        started = time.monotonic()
        ws.close(1000, "done")
        assert time.monotonic() - started >= 0.2
        server.connections[0].wait_closed()
        assert server.connections[0].close_received.reason == "done"


def test_invalid_utf8_text_message(wsl_connect, raw_connect):
    with MockWebSocketServer() as server:
        server.fault_invalid_utf8(after_messages=1)
        ws = wsl_connect(server.url)
        ws.send("trigger")
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as info:
            ws.recv(timeout=5)
        assert info.value.sent.code == 1007
        server.wait_for_connection()  # the websockets client's
        client = raw_connect(server)  # the raw bytes, on demand, on another connection
        server.wait_for_connection().send_invalid_utf8(b"\xff")
        assert client.read_frame()[1:] == (Opcode.TEXT, True, False, b"\xff")


def test_oversized_message(wsl_connect):
    with MockWebSocketServer() as server:
        server.fault_oversized(5000, binary=True)
        ws = wsl_connect(server.url, max_size=1000)
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as info:
            ws.recv(timeout=5)
        assert info.value.sent.code == 1009


def test_oversized_text_size_is_exact(raw_connect):
    with MockWebSocketServer() as server:
        server.fault_oversized(70_000)
        client = raw_connect(server)
        _, opcode, fin, _, payload = client.read_frame()
        assert (opcode, fin, len(payload), set(payload)) == (Opcode.TEXT, True, 70_000, {ord("x")})


def test_fragmented_message_with_interleaved_pings(raw_connect, wsl_connect):
    with MockWebSocketServer() as server:
        server.fault_fragmented(
            "fragmented ✓", fragments=3, interleave=(Ping(b"i"),), connections=2
        )
        client = raw_connect(server)
        frames = [client.read_frame() for _ in range(5)]
        assert [(op, fin) for _, op, fin, _, _ in frames] == [
            (Opcode.TEXT, False), (Opcode.PING, True), (Opcode.CONTINUATION, False),
            (Opcode.PING, True), (Opcode.CONTINUATION, True),
        ]
        data = b"".join(p for _, op, _, _, p in frames if op != Opcode.PING)
        assert data.decode() == "fragmented ✓"
        ws = wsl_connect(server.url)
        assert ws.recv(timeout=5) == "fragmented ✓"
        second = server.connections[1]
        assert second.wait_for_frame(lambda f: f.opcode == Opcode.PONG).payload == b"i"


def test_fragmented_binary_with_pong(raw_connect):
    with MockWebSocketServer() as server:
        client = raw_connect(server)
        server.wait_for_connection().send_fragmented(b"abcdef", 2, (Pong(b"u"),))
        frames = [client.read_frame()[1:3] for _ in range(3)]
        assert frames == [(Opcode.BINARY, False), (Opcode.PONG, True), (Opcode.CONTINUATION, True)]


@pytest.mark.parametrize("kind", list(Violation), ids=lambda v: v.name)
def test_protocol_violation_is_rejected_by_a_conforming_client(kind, wsl_connect):
    with MockWebSocketServer() as server:
        server.fault_protocol_violation(kind.name)
        ws = wsl_connect(server.url)
        with pytest.raises(websockets.exceptions.ConnectionClosedError) as info:
            ws.recv(timeout=5)
        assert info.value.sent is not None and info.value.sent.code == 1002


def test_protocol_violation_bytes(raw_connect):
    with MockWebSocketServer() as server:
        client = raw_connect(server)
        connection = server.wait_for_connection()
        connection.send_protocol_violation(Violation.RSV_BITS)
        assert client.read_frame()[0] == 0x80 | 0x40 | Opcode.TEXT
        connection.send_protocol_violation("FRAGMENTED_CONTROL")
        assert client.read_frame()[1:3] == (Opcode.PING, False)
        connection.send_protocol_violation(Violation.LONG_CONTROL)
        assert len(client.read_frame()[4]) == 126
        connection.send_protocol_violation(Violation.MASKED_SERVER_FRAME)
        assert client.read_frame()[3:] == (True, b"masked")
        with pytest.raises(ValueError, match="unknown protocol violation 'NO_SUCH'"):
            connection.send_protocol_violation("NO_SUCH")


def test_send_frame_and_raw_bytes_for_custom_faults(raw_connect):
    with MockWebSocketServer() as server:
        server.inject(Frame(0x2, b"abc", rsv=0b001), after_messages=0)
        client = raw_connect(server)
        assert client.read_frame()[0] == 0x80 | 0x10 | 0x2
        connection = server.connections[0]
        connection.send_raw(b"\x81\x02hi")
        assert client.read_frame()[4] == b"hi"
        connection.send_frame(Opcode.BINARY, b"", declared_length=10)
        assert client.sock.recv(16) == b"\x82\x0a"


def test_stop_reading_backs_up_the_client_then_resume_delivers(ws_connect):
    with MockWebSocketServer(recv_buffer_size=4096) as server:
        server.fault_stop_reading(after_messages=1)
        ws = ws_connect(server.url, timeout=0.5,
                        sockopt=((socket.SOL_SOCKET, socket.SO_SNDBUF, 4096),))
        ws.send("first")
        server.wait_for_message("first")
        chunk = "z" * 65536
        sent = 0
        with pytest.raises(websocket.WebSocketTimeoutException):
            for _ in range(1000):
                ws.send(chunk)
                sent += 1
        assert sent < 1000
        assert len(server.messages) == 1  # nothing read while stopped


def test_stop_reading_on_demand_and_resume(ws_connect):
    with MockWebSocketServer() as server:
        ws = ws_connect(server.url)
        connection = server.wait_for_connection()
        connection.stop_reading()
        for text in ("a", "b", "c"):
            ws.send(text)
        with pytest.raises(TimeoutError):
            connection.wait_for_message(timeout=0.2)
        connection.resume_reading()
        assert [connection.wait_for_message().text for _ in range(3)] == ["a", "b", "c"]


def test_schedule_on_an_open_connection(ws_connect):
    with MockWebSocketServer() as server:
        ws = ws_connect(server.url)
        connection = server.wait_for_connection()
        connection.schedule("after two", after_messages=2)
        ws.send("1")
        ws.send("2")
        assert ws.recv() == "after two"


def test_inject_rejects_bad_arguments():
    server = MockWebSocketServer()
    with pytest.raises(TypeError, match="HandshakeFault or an Action"):
        server.inject("drop")
    with pytest.raises(ValueError, match="connections must be"):
        server.fault_drop(connections=0)
