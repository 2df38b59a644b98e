"""Sending: broadcasts and selectors, per-connection queues, slow readers, closing clients."""

from __future__ import annotations

import socket
import threading

import pytest
import websocket  # websocket-client
from server_support import (
    EventLog,
    read_frame,
    running_server,
    upgrade_request,
    wait_until,
)
from websockets.sync.client import connect

from fnc_websocket.errors import EWebSocket
from fnc_websocket.types import SErrCloseSent


class Reader(threading.Thread):
    """A websocket-client connection read on its own thread until the text 'end'."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.ws = websocket.create_connection(url, timeout=10)
        self.messages: list[str | bytes] = []
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while True:
                message = self.ws.recv()
                if message == "end":
                    break
                self.messages.append(message)
        except websocket.WebSocketException as exc:
            self.messages.append(f"error: {exc}")
        finally:
            self.done.set()
            self.ws.close()


def test_broadcast_and_selector_sends_reach_50_clients_with_nothing_lost():
    with running_server() as server:
        port = server.BoundPort
        readers = [Reader(f"ws://127.0.0.1:{port}/?id={i}") for i in range(50)]
        for r in readers:
            r.start()
        assert wait_until(lambda: server.ConnectionCount == 50)
        for n in range(100):
            assert server.BroadcastMessage(f"m{n}") == 50
        assert server.BroadcastData(b"\x01bin") == 50
        even = server.SendMessageTo(
            "even", lambda c: int(c.HandshakeRequest.QueryParams["id"]) % 2 == 0)
        assert even == 25
        assert server.SendDataTo(b"first", lambda c: c.HandshakeRequest.QueryParams["id"] == "0"
                                 ) == 1
        server.BroadcastMessage("end")
        for r in readers:
            assert r.done.wait(10)
        for i, r in enumerate(readers):
            expected = [f"m{n}" for n in range(100)] + [b"\x01bin"]
            if i % 2 == 0:
                expected.append("even")
            if i == 0:
                expected.append(b"first")
            assert r.messages == expected, i


def test_a_slow_reader_is_dropped_with_1008_and_does_not_stall_the_others():
    limit = 256 * 1024
    with running_server(SendQueueLimit=limit, CloseTimeout=500, SendTimeout=500) as server:
        log = EventLog(server)
        port = server.BoundPort
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.settimeout(5)
        slow.connect(("127.0.0.1", port))
        slow.sendall(upgrade_request().encode())
        fast = Reader(f"ws://127.0.0.1:{port}/")
        fast.start()
        assert wait_until(lambda: server.ConnectionCount == 2)
        chunk = b"x" * (64 * 1024)
        sent = 0
        while not log.count("OnError") and sent < 2000:
            server.BroadcastData(chunk)
            sent += 1
            # the fast client keeps up: at most two messages in flight for it
            assert wait_until(lambda s=sent: len(fast.messages) >= s - 2)
        assert log.wait_for("OnError")
        (conn, error) = log.of("OnError")[0]
        assert conn.PeerPort == slow.getsockname()[1]
        assert error.CloseCode == 1008 and "not reading" in str(error)
        assert wait_until(lambda: server.ConnectionCount == 1)
        server.BroadcastMessage("end")
        assert fast.done.wait(10)
        assert len(fast.messages) == sent
        slow.close()
        with pytest.raises(EWebSocket):
            conn.Send("x")


def test_disconnect_client_closes_the_selected_connections_with_the_code():
    with running_server() as server:
        log = EventLog(server)
        url = f"ws://127.0.0.1:{server.BoundPort}"
        with connect(url + "/?n=a") as a, connect(url + "/?n=b") as b:
            assert wait_until(lambda: server.ConnectionCount == 2)
            closed = server.DisconnectClient(
                lambda c: c.HandshakeRequest.QueryParams["n"] == "a", 4000, "kicked")
            assert closed == 1
            with pytest.raises(Exception) as info:
                a.recv(timeout=5)
            assert info.value.rcvd.code == 4000 and info.value.rcvd.reason == "kicked"
            assert wait_until(lambda: server.ConnectionCount == 1)
            b.send("still here")
        assert log.wait_for("OnDisconnect", 2)
        with pytest.raises(ValueError):
            server.DisconnectClient(lambda c: True, 999)


def test_split_message_sends_every_fragment_and_text_stays_text():
    with running_server(SplitMessage=True, FrameSize=12, Compression=False) as server:
        sock = socket.create_connection(("127.0.0.1", server.BoundPort), timeout=5)
        with sock:
            sock.sendall(upgrade_request().encode())
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            assert wait_until(lambda: server.ConnectionCount == 1)
            server.BroadcastMessage("abcdefghijklmnopqrstuvwxyz")
            frames = []
            while not frames or not frames[-1][1]:
                frames.append(read_frame(sock))
        assert [f[0] for f in frames] == [0x1, 0x0, 0x0]  # FrameSize 12 - 2-byte header
        assert [f[2] for f in frames] == [b"abcdefghij", b"klmnopqrst", b"uvwxyz"]


def test_send_after_sendclose_raises_and_broadcasts_skip_closing_connections():
    errors: list[Exception] = []

    def on_message(Sender, AConnection, AMessage):
        AConnection.SendClose(1000, "done")
        try:
            AConnection.Send("after close")
        except EWebSocket as exc:
            errors.append(exc)
        assert Sender.BroadcastMessage("to all") == 0

    with running_server() as server:
        server.OnMessageReceived = on_message
        log = EventLog(server)
        with connect(f"ws://127.0.0.1:{server.BoundPort}") as ws:
            ws.send("close me")
            with pytest.raises(Exception) as info:
                ws.recv(timeout=5)
            assert info.value.rcvd.code == 1000
        assert log.wait_for("OnDisconnect")
    assert [str(e) for e in errors] == [SErrCloseSent]


def test_messages_queued_behind_each_other_go_out_together_in_order():
    """A burst queued from another thread is written by the writer several messages at a time
    (one write): text, binary and messages split into frames keep their order and content."""
    with running_server(Compression=False) as server:
        reader = Reader(f"ws://127.0.0.1:{server.BoundPort}")
        reader.start()
        assert wait_until(lambda: server.ConnectionCount == 1)
        conn = server.Connections[0]
        expected: list[str | bytes] = []
        done = threading.Event()

        def burst() -> None:  # not the connection's thread: every send is queued
            for i in range(3000):
                if i % 3 == 0:
                    conn.Send(f"text {i}")
                    expected.append(f"text {i}")
                elif i % 3 == 1:
                    conn.SendBytes(i.to_bytes(4, "big") * 50)
                    expected.append(i.to_bytes(4, "big") * 50)
                else:
                    conn.SendInMultipleFrames(f"split {i} " * 5, 10)
                    expected.append(f"split {i} " * 5)
            conn.Send("end")
            done.set()

        threading.Thread(target=burst, daemon=True).start()
        assert wait_until(lambda: done.is_set() and reader.done.is_set(), 30)
        assert reader.messages == expected
