"""Inbound backpressure: when ReceiveQueueLimit bytes wait for a connection's handlers, the
server stops reading that socket, so the client's writes block and memory stays bounded."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from server_support import EventLog, running_server, wait_until
from websockets.sync.client import connect

from fnc import Application

MiB = 1024 * 1024


class Streamer(threading.Thread):
    """Sends ``total`` bytes in messages of ``size``; records how far it got."""

    def __init__(self, ws, total: int, size: int) -> None:
        super().__init__(daemon=True)
        self.ws, self.total, self.size = ws, total, size
        self.sent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        chunk = bytes(self.size)
        try:
            while self.sent < self.total:
                self.ws.send(chunk)
                self.sent += self.size
        except BaseException as exc:  # reported by the test
            self.error = exc


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _wait_without_pumping(predicate, timeout: float) -> bool:
    """Wait for ``predicate`` without running the home thread's queue (a busy home thread)."""
    tick = threading.Event()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.02)
    return True


@pytest.mark.parametrize("auto_sync", [False, True])
def test_slow_handlers_stop_the_reading_and_the_client_blocks(auto_sync):
    """AutoSyncEvents False: the handler blocks its connection thread, which is the thread
    that reads (nothing more is read). True: the home thread is busy (not pumped), so the
    queued events wait there; reading stops past ReceiveQueueLimit."""
    limit = 1 * MiB
    release = threading.Event()
    handled = [0]

    def on_binary(Sender, AConnection, AData, AFrameType):
        if not auto_sync:
            release.wait(30)  # stuck until the test releases it
        handled[0] += len(AData)

    total = 64 * MiB
    with running_server(ReceiveQueueLimit=limit, Compression=False,
                        AutoSyncEvents=auto_sync) as server:
        server.OnBinaryDataReceived = on_binary
        with connect(f"ws://127.0.0.1:{server.BoundPort}", compression=None,
                     open_timeout=5, close_timeout=5) as ws:
            streamer = Streamer(ws, total, 64 * 1024)
            streamer.start()
            assert _wait_without_pumping(lambda: server.ConnectionCount == 1, 5)
            conn = server.Connections[0]
            last = [-1, time.monotonic()]

            def stalled() -> bool:
                if streamer.sent != last[0]:
                    last[0], last[1] = streamer.sent, time.monotonic()
                return time.monotonic() - last[1] > 0.5

            # the server stops reading: the client's writes block well short of the total
            # (it got out the queue limit plus what the kernel's socket buffers hold)
            try:
                assert _wait_without_pumping(stalled, 10)
                assert streamer.is_alive() and streamer.sent < 24 * MiB
                assert conn.ReceiveQueueSize <= limit + 2 * MiB
                if auto_sync:  # read on until the limit, then paused
                    assert conn.ReceiveQueueSize > limit
            finally:
                release.set()
            assert wait_until(lambda: not streamer.is_alive() and handled[0] == total, 60)
            assert streamer.error is None
            assert conn.ReceiveQueueSize == 0


@pytest.mark.slow
def test_streaming_250_mib_at_a_5_ms_handler_keeps_rss_bounded():
    limit = 4 * MiB
    total = 250 * MiB
    size = 64 * 1024

    def on_binary(Sender, AConnection, AData, AFrameType):
        time.sleep(0.005)  # ok: the workload itself, a handler that takes 5 ms per message

    with running_server(ReceiveQueueLimit=limit, Compression=False) as server:
        log = EventLog(server, ("OnError",))
        server.OnBinaryDataReceived = on_binary
        before = _rss()
        peak = [before]
        with connect(f"ws://127.0.0.1:{server.BoundPort}", compression=None,
                     open_timeout=5, close_timeout=5) as ws:
            streamer = Streamer(ws, total, size)
            streamer.start()
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline and streamer.is_alive():
                peak[0] = max(peak[0], _rss())
                Application.ProcessMessagesUntil(lambda: not streamer.is_alive(), 0.1)
            # 8 s at 5 ms per 64 KiB message is at most 1,600 messages (100 MiB): the
            # client cannot have sent everything, its writes block instead
            assert streamer.sent < total
            with contextlib.suppress(Exception):
                ws.socket.shutdown(socket.SHUT_RDWR)
        assert peak[0] - before <= limit + 32 * MiB, (peak[0] - before) / MiB
        assert log.count("OnError") <= 1
