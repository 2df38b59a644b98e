"""MockWebSocketServer scripting: rules, ordered expectations, on-connect steps, on-demand sends."""

from __future__ import annotations

import re

import pytest
import websocket

from fnc_websocket.testing.actions import Binary, Close, Ping, Text
from fnc_websocket.testing.mock_server import MockTimeoutError, MockWebSocketServer, Opcode


def test_when_exact_text_replies(ws_connect):
    with MockWebSocketServer() as server:
        server.when("hello", "world", "!")
        ws = ws_connect(server.url)
        ws.send("hello")
        assert ws.recv() == "world"
        assert ws.recv() == "!"


def test_when_regex_bytes_and_predicate(ws_connect):
    with MockWebSocketServer() as server:
        server.when(re.compile(r"^sum (\d+) (\d+)$"),
                    lambda m, c: str(sum(int(x) for x in m.text.split()[1:])))
        server.when(re.compile(rb"\x00\x01"), b"bytes-regex")
        server.when(b"raw", Binary(b"exact-bytes"))
        server.when(lambda m: m.is_text and m.text.startswith("many"), lambda m, c: ["a", b"b"])
        ws = ws_connect(server.url)
        ws.send("sum 2 40")
        assert ws.recv() == "42"
        ws.send_binary(b"x\x00\x01y")
        assert ws.recv() == b"bytes-regex"
        ws.send_binary(b"raw")
        assert ws.recv() == b"exact-bytes"
        ws.send("many things")
        assert (ws.recv(), ws.recv()) == ("a", b"b")


def test_rule_order_times_and_fallback_to_echo(ws_connect):
    with MockWebSocketServer(echo=True) as server:
        once = server.when("x", "first", times=1)
        server.when("x", "later")
        ws = ws_connect(server.url)
        for _ in range(3):
            ws.send("x")
        assert [ws.recv() for _ in range(3)] == ["first", "later", "later"]
        ws.send("unmatched")
        assert ws.recv() == "unmatched"
        assert once.hits == 1 and once.remaining == 0


def test_callable_reply_may_return_nothing_or_act_on_connection(ws_connect):
    with MockWebSocketServer() as server:
        server.when("silent", lambda m, c: None)
        server.when("bye", Close(4000, "asked"))
        ws = ws_connect(server.url)
        ws.send("silent")
        ws.send("bye")
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert frame.data == (4000).to_bytes(2, "big") + b"asked"


def test_on_connect_sends_greeting_to_every_connection(ws_connect):
    with MockWebSocketServer() as server:
        server.on_connect("welcome", b"\x01", Ping(b"hi"))
        ws = ws_connect(server.url)
        assert ws.recv() == "welcome"
        assert ws.recv() == b"\x01"
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PING, b"hi")
        server.wait_for_frame(lambda f: f.opcode == Opcode.PONG and f.payload == b"hi")
        assert ws_connect(server.url).recv() == "welcome"


def test_on_connect_limited_to_next_connection(ws_connect):
    with MockWebSocketServer(echo=True) as server:
        server.on_connect(lambda m, c: f"you are #{c.id}", connections=1)
        assert ws_connect(server.url).recv() == "you are #1"
        second = ws_connect(server.url)
        second.send("echo")
        assert second.recv() == "echo"


def test_expect_ordered_script_passes(ws_connect):
    with MockWebSocketServer() as server:
        server.expect("login", "ok")
        server.expect(re.compile("^sub "), Text("subscribed"))
        ws = ws_connect(server.url)
        ws.send("login")
        assert ws.recv() == "ok"
        ws.send("sub news")
        assert ws.recv() == "subscribed"
        server.assert_script_done(timeout=5)
        assert server.script_errors == []


def test_expect_reports_out_of_order_and_unmet_steps(ws_connect):
    with MockWebSocketServer() as server:
        server.expect("login")
        server.expect("logout")
        ws_connect(server.url).send("logout")
        with pytest.raises(AssertionError) as info:
            server.assert_script_done(timeout=5)
        text = str(info.value)
        assert "expected text 'login', got text 'logout'" in text
        assert "unmet: text 'logout'" in text


def test_assert_script_done_fails_on_timeout_listing_unmet():
    with MockWebSocketServer() as server:
        server.expect(b"never")
        with pytest.raises(AssertionError, match="unmet: binary b'never'"):
            server.assert_script_done(timeout=0.05)


def test_bad_reply_and_match_types_are_rejected_at_once():
    server = MockWebSocketServer()
    with pytest.raises(TypeError, match=r"mock reply must be str, bytes or an Action.*42"):
        server.when("x", 42)
    with pytest.raises(TypeError, match="message match must be"):
        server.expect(3.5)


def test_send_on_demand_to_one_or_all_connections(ws_connect):
    with MockWebSocketServer() as server:
        a = ws_connect(server.url)
        conn_a = server.wait_for_connection()
        b = ws_connect(server.url)
        server.wait_for_connection()
        assert server.send_text("all") == 2
        assert (a.recv(), b.recv()) == ("all", "all")
        assert server.send_binary(b"\x02") == 2
        assert (a.recv(), b.recv()) == (b"\x02", b"\x02")
        conn_a.send_text("only-a")
        conn_a.send_binary(b"only-a")
        assert (a.recv(), a.recv()) == ("only-a", b"only-a")
        assert server.ping(b"pp") == 2
        for ws in (a, b):
            assert ws.recv_data_frame(control_frame=True)[1].data == b"pp"
        conn_a.pong(b"unsolicited")
        opcode, frame = a.recv_data_frame(control_frame=True)
        assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"unsolicited")
        server.send_text("after")
        assert b.recv() == "after"  # b got no pong


def test_close_on_demand_completes_the_handshake(ws_connect):
    with MockWebSocketServer() as server:
        ws = ws_connect(server.url)
        connection = server.wait_for_connection()
        connection.close(4001, "bye now")
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert frame.data == (4001).to_bytes(2, "big") + b"bye now"
        connection.wait_closed()  # websocket-client answered the close frame by itself
        assert connection.close_received.code == 1000
        assert connection.protocol_errors == []
        with pytest.raises(ConnectionError, match="closed"):
            connection.send_text("too late")
        with pytest.raises(MockTimeoutError):
            connection.wait_for_message(timeout=0.05)


def test_close_all_connections(ws_connect):
    with MockWebSocketServer() as server:
        clients = [ws_connect(server.url) for _ in range(2)]
        for _ in clients:
            server.wait_for_connection()
        assert server.close(1001, "going") == 2
        for ws in clients:
            assert ws.recv_data_frame(control_frame=True)[0] == websocket.ABNF.OPCODE_CLOSE
        server.wait_closed()
