"""Outbound backpressure: a burst never drops a reading client; a client that makes no progress
is dropped with 1008 after SendTimeout; broadcasting never waits long for a stuck client."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

from server_support import EventLog, running_server, upgrade_request, wait_until
from websockets.sync.client import connect

from fnc_websocket.server.outgoing import STALL_GRACE

COUNT = 600
SIZE = 64 * 1024
SEND_TIMEOUT_MS = 2000


class Reader(threading.Thread):
    def __init__(self, stack: contextlib.ExitStack, port: int) -> None:
        super().__init__(daemon=True)
        self.ws = stack.enter_context(connect(f"ws://127.0.0.1:{port}", max_size=None,
                                              compression=None, open_timeout=5,
                                              close_timeout=5))
        self.numbers: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while len(self.numbers) < COUNT:
                message = self.ws.recv(timeout=30)
                assert len(message) == SIZE
                self.numbers.append(struct.unpack_from("!I", message)[0])
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_a_broadcast_burst_reaches_every_reader_and_drops_only_the_non_reader():
    with running_server(SendTimeout=SEND_TIMEOUT_MS, Compression=False) as server, \
            contextlib.ExitStack() as stack:
        log = EventLog(server, ("OnError", "OnDisconnect"))
        port = server.BoundPort
        stuck = socket.create_connection(("127.0.0.1", port), timeout=5)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.sendall(upgrade_request().encode())
        readers = [Reader(stack, port) for _ in range(3)]
        for r in readers:
            r.start()
        assert wait_until(lambda: server.ConnectionCount == 4)
        stuck_conn = next(c for c in server.Connections
                          if c.PeerPort == stuck.getsockname()[1])
        limit = server.SendQueueLimit
        body = bytes(SIZE - 4)
        over_at = None
        slowest = 0.0
        for n in range(COUNT):
            start = time.monotonic()
            server.BroadcastData(struct.pack("!I", n) + body)
            slowest = max(slowest, time.monotonic() - start)
            if over_at is None and stuck_conn.SendQueueSize > limit:
                over_at = time.monotonic()
        assert over_at is not None, "the non-reader's queue never went above the limit"
        for r in readers:
            r.join(60)
            assert r.error is None, r.error
            assert r.numbers == list(range(COUNT))
        assert log.wait_for("OnError", timeout=SEND_TIMEOUT_MS / 1000 + 5)
        dropped_at = time.monotonic()
        errors = log.of("OnError")
        assert len(errors) == 1
        conn, error = errors[0]
        assert conn is stuck_conn and error.CloseCode == 1008
        assert "SendTimeout" in str(error)
        # the drop came within SendTimeout + 1 s of the queue going above the limit
        assert log.wait_for("OnDisconnect")
        assert dropped_at - over_at <= SEND_TIMEOUT_MS / 1000 + 1.0 + 0.5  # + event latency
        # the broadcaster waited at most the stall grace for the stuck client
        assert slowest < STALL_GRACE + 1.0
        assert server.ConnectionCount == 3
        stuck.close()


def test_send_queue_size_is_readable_and_drains():
    with running_server(Compression=False) as server, \
            connect(f"ws://127.0.0.1:{server.BoundPort}", max_size=None) as ws:
        assert wait_until(lambda: server.ConnectionCount == 1)
        conn = server.Connections[0]
        assert conn.SendQueueSize == 0
        for _ in range(20):
            conn.SendBytes(bytes(100_000))
        assert conn.SendQueueSize <= 20 * 100_000
        for _ in range(20):
            assert len(ws.recv(timeout=5)) == 100_000
        assert wait_until(lambda: conn.SendQueueSize == 0)


def test_free_while_writers_are_busy_leaves_no_thread():
    from server_support import wait_threads_back

    from fnc_websocket.server.component import TTMSFNCWebSocketServer

    baseline = set(threading.enumerate())
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", CloseTimeout=500,
                                    Compression=False)
    server.Active = True
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(connect(f"ws://127.0.0.1:{server.BoundPort}",
                                               max_size=None, close_timeout=0.1))
                   for _ in range(5)]
        assert wait_until(lambda: server.ConnectionCount == 5)
        for _ in range(50):
            server.BroadcastData(bytes(64 * 1024))  # the writer threads are busy
        server.Free()
        assert len(clients) == 5
    assert wait_threads_back(baseline, 5.0) == []
