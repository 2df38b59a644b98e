"""TTMSFNCWebsocketClient against a raw server that misbehaves on purpose: strict UTF-8,
protocol violations, MaxMessageSize, fragments, control frames, pings, closes."""

from __future__ import annotations

import threading

import pytest
from client_support import (
    RawConnection,
    Recorder,
)

from fnc_websocket.errors import (
    EWebSocketClientConnectionLost,
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientProtocolError,
    EWebSocketClientTimeout,
)
from fnc_websocket.types import (
    TransformCloseData,
    ftContinuation,
    ftFirst,
    ftLast,
    twsoFrameByFrame,
    twsoManualClose,
    twsoManualPong,
)

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def serve_then(frames: list[bytes], replies: list | None = None, close_back: bool = True):
    """A script: handshake, send ``frames``, record client frames, answer its close."""

    def script(conn: RawConnection) -> None:
        conn.handshake()
        we_closed = False
        for f in frames:
            conn.send_raw(f)
            we_closed = we_closed or f[0] & 0x0F == CLOSE
        while True:
            frame = conn.recv_frame()
            if replies is not None:
                replies.append(frame)
            if frame[1] == CLOSE:
                if close_back and not we_closed:
                    conn.send_frame(CLOSE, frame[2])
                return  # the server closes TCP first (RFC 6455 §7.1.1)

    return script


def run(client_raw, client_factory, frames, replies=None, **props):
    server = client_raw(serve_then(frames, replies))
    c = client_factory(server.port, **props)
    rec = Recorder(c)
    c.Connect()
    return c, rec


F = RawConnection.frame


def test_fragmented_messages_with_interleaved_control_frames(client_raw, client_factory):
    replies = []
    frames = [F(TEXT, "hé".encode()[:2], fin=False), F(PING, b"p1"),
              F(CONT, "hé".encode()[2:] + b"llo", fin=False), F(PONG, b"unsolicited"),
              F(CONT, b"!", fin=True),
              F(BINARY, b"ab", fin=False), F(CONT, b"cd", fin=True),
              F(TEXT, b""), F(CLOSE, (1000).to_bytes(2, "big") + b"done")]
    c, rec = run(client_raw, client_factory, frames, replies)
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnConnect", "OnPing", "OnPong", "OnMessageReceived",
                           "OnBinaryDataReceived", "OnMessageReceived", "OnClose", "OnDisconnect"]
    assert rec.of("OnMessageReceived")[0][1] == "héllo!"
    assert rec.of("OnMessageReceived")[1][1] == ""
    assert rec.of("OnBinaryDataReceived")[0][1:] == (b"abcd",
                                                     frozenset({ftContinuation, ftLast}))
    assert rec.of("OnPing")[0][1] == b"p1" and rec.of("OnPong")[0][1] == b"unsolicited"
    # the automatic pong, then the close reply echoing the status code
    assert [(r[1], r[2]) for r in replies] == [(PONG, b"p1"), (CLOSE, b"\x03\xe8")]
    assert TransformCloseData(rec.of("OnClose")[0][1]) == (1000, "done")
    assert (c.CloseCode, c.CloseReason) == (1000, "done")
    assert not rec.of("OnError")


def test_frame_by_frame_frame_types(client_raw, client_factory):
    frames = [F(BINARY, b"a", fin=False), F(CONT, b"b", fin=False), F(CONT, b"c"),
              F(BINARY, b"single"), F(TEXT, "é".encode()[:1], fin=False),
              F(CONT, "é".encode()[1:])]
    _c, rec = run(client_raw, client_factory, frames, Options=[twsoFrameByFrame])
    rec.wait_for("OnMessageReceived", 2)
    assert [a[1:] for a in rec.of("OnBinaryDataReceived")] == [
        (b"a", frozenset({ftFirst})), (b"b", frozenset({ftContinuation})),
        (b"c", frozenset({ftContinuation, ftLast})), (b"single", frozenset({ftFirst, ftLast}))]
    # text frame by frame: a UTF-8 sequence split across frames is decoded when complete
    assert [a[1] for a in rec.of("OnMessageReceived")] == ["", "é"]


@pytest.mark.parametrize("frames, error, code", [
    ([F(TEXT, b"\xff\xfe")], EWebSocketClientInvalidPayload, 1007),
    ([F(TEXT, b"ok\xc3", fin=False), F(CONT, b"\x28")], EWebSocketClientInvalidPayload, 1007),
    ([F(TEXT, b"\xed\xa0\x80")], EWebSocketClientInvalidPayload, 1007),  # a surrogate
    ([F(TEXT, b"x", rsv=4)], EWebSocketClientProtocolError, 1002),
    ([F(0x3, b"x")], EWebSocketClientProtocolError, 1002),
    ([F(CONT, b"x")], EWebSocketClientProtocolError, 1002),
    ([F(TEXT, b"a", fin=False), F(TEXT, b"b")], EWebSocketClientProtocolError, 1002),
    ([F(PING, b"x", fin=False)], EWebSocketClientProtocolError, 1002),
    ([F(PING, b"x" * 126)], EWebSocketClientProtocolError, 1002),
    ([F(TEXT, b"masked", mask=b"abcd")], EWebSocketClientProtocolError, 1002),
    ([F(CLOSE, b"\x03")], EWebSocketClientProtocolError, 1002),
    ([F(CLOSE, (1005).to_bytes(2, "big"))], EWebSocketClientProtocolError, 1002),
    ([F(CLOSE, (1000).to_bytes(2, "big") + b"\xff")], EWebSocketClientInvalidPayload, 1007),
    ([F(BINARY, b"x" * 101)], EWebSocketClientMessageTooBig, 1009),
    ([F(BINARY, b"x" * 60, fin=False), F(CONT, b"x" * 60)], EWebSocketClientMessageTooBig, 1009),
])
def test_bad_input_fails_the_connection_with_the_right_code(client_raw, client_factory, frames,
                                                            error, code):
    replies = []
    c, rec = run(client_raw, client_factory, frames, replies, MaxMessageSize=100)
    rec.wait_for("OnDisconnect")
    assert isinstance(rec.error(), error), rec.error()
    assert rec.error().CloseCode == code
    closes = [r for r in replies if r[1] == CLOSE]
    assert closes and closes[0][2][:2] == code.to_bytes(2, "big")
    assert rec.names()[-1] == "OnDisconnect" and rec.count("OnDisconnect") == 1
    assert not rec.of("OnMessageReceived") and not rec.of("OnBinaryDataReceived")
    assert not c.Active


def test_max_message_size_zero_is_unlimited_and_large_frames_arrive(client_raw, client_factory):
    big = bytes(range(256)) * 4096 * 3  # 3 MiB, read straight into its own buffer
    _c, rec = run(client_raw, client_factory, [F(BINARY, big), F(TEXT, b"after")],
                 MaxMessageSize=0)
    rec.wait_for("OnMessageReceived")
    assert rec.of("OnBinaryDataReceived")[0][1] == big
    assert rec.of("OnMessageReceived")[0][1] == "after"


def test_manual_pong(client_raw, client_factory):
    replies = []
    c, rec = run(client_raw, client_factory, [F(PING, b"ask")], replies,
                 Options=[twsoManualPong])
    rec.wait_for("OnPing")
    c.Pong("answer")
    c.Ping(b"mine")
    c.Disconnect()
    assert [(r[1], r[2]) for r in replies][:2] == [(PONG, b"answer"), (PING, b"mine")]


def test_manual_close_lets_the_application_answer(client_raw, client_factory):
    replies = []
    server_closed = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        conn.send_frame(CLOSE, (4001).to_bytes(2, "big") + b"go")
        replies.append(conn.recv_frame())
        server_closed.set()

    server = client_raw(script)
    c = client_factory(server.port, Options=[twsoManualClose])
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnClose")
    assert c.Active and not replies  # no automatic answer
    c.Connection.SendClose(4002, "my answer")
    rec.wait_for("OnDisconnect")
    assert replies[0][2] == (4002).to_bytes(2, "big") + b"my answer"
    assert c.CloseCode == 4001


def test_server_drops_tcp_without_close(client_raw, client_factory):
    server = client_raw(lambda conn: conn.handshake())  # handshake then close the socket
    c2 = client_factory(server.port)
    rec2 = Recorder(c2)
    c2.Connect()
    rec2.wait_for("OnDisconnect")
    assert rec2.names() == ["OnConnect", "OnError", "OnDisconnect"]
    assert isinstance(rec2.error(), EWebSocketClientConnectionLost)
    assert c2.CloseCode == 1006


def test_disconnect_true_is_bounded_by_close_timeout(client_raw, client_factory):
    stop = threading.Event()
    server = client_raw(lambda conn: (conn.handshake(), stop.wait(5)))  # never answers a close
    c = client_factory(server.port, CloseTimeout=300)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    import time

    t0 = time.monotonic()
    c.Disconnect(True)
    took = time.monotonic() - t0
    stop.set()
    assert 0.25 <= took < 2.0 and not c.Active
    rec.wait_for("OnDisconnect")
    assert isinstance(rec.error(), EWebSocketClientTimeout) and "300 ms" in str(rec.error())
    assert rec.count("OnDisconnect") == 1


def test_disconnect_false_aborts_at_once(client_raw, client_factory):
    stop = threading.Event()
    server = client_raw(lambda conn: (conn.handshake(), stop.wait(5)))
    c = client_factory(server.port, CloseTimeout=5000)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    import time

    t0 = time.monotonic()
    c.Disconnect(False)
    assert time.monotonic() - t0 < 1.0 and not c.Active
    stop.set()
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnConnect", "OnDisconnect"]  # a requested abort is no error
    assert c.CloseCode == 1006
