"""With AutoSyncEvents the home thread reads a (plain) client socket itself while it waits in its
message loop (``server.home_reading``); the connection's reader thread reads when the home thread
is busy. Whoever reads, events run on the home thread, in order, none lost; pings are answered
and ReceiveQueueLimit still pushes back during a long handler; Free() leaves no thread."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from typing import Any

from server_support import (
    frame,
    raw_websocket,
    read_frame,
    running_server,
    wait_threads_back,
    wait_until,
)
from websockets.sync.client import connect

from fnc import Application
from fnc_websocket.server.component import TTMSFNCWebSocketServer

HOME = threading.current_thread().name
MiB = 1024 * 1024


def _read_by_home() -> bool:
    """True when the running handler was dispatched by a read of the home thread."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "_read" and code.co_filename.endswith("home_reading.py"):
            return True
        frame = frame.f_back
    return False


def _until_read_by_home(ws: Any, message: Any, started: threading.Event) -> bool:
    """Client side: send ``message`` until the server's home thread read one (the server sets
    ``started``; a message read by the reader thread is answered "again"). Home reading starts
    a moment after the handshake, and a busy machine may let the reader win a race."""
    for _ in range(20):
        ws.send(message)
        if started.wait(1):
            return True
        assert ws.recv(timeout=5) == "again"
    return False


def _echo_round_trips(server: TTMSFNCWebSocketServer, count: int) -> list[str]:
    """``count`` request/answer round trips from a client thread while this thread pumps."""
    answers: list[str] = []
    ends: list[float] = []

    def client() -> None:
        with connect(f"ws://127.0.0.1:{server.BoundPort}", open_timeout=5,
                     close_timeout=10) as ws:
            for i in range(count):
                ws.send(str(i))
                answers.append(str(ws.recv(timeout=10)))
            if ws.ping(b"idle").wait(5):  # answered by whoever reads it
                answers.append("pong")
            start = time.monotonic()
        ends.append(time.monotonic() - start)  # the close handshake, both sides

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    assert wait_until(lambda: not thread.is_alive(), 30)
    assert answers[-1:] == ["pong"]
    assert ends and ends[0] < 5  # the server ended TCP after its close reply (no timeout)
    return answers[:-1]


def test_an_idle_home_thread_reads_the_frames_itself():
    with running_server(AutoSyncEvents=True) as server:
        by_home: list[bool] = []
        threads: set[str] = set()

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            by_home.append(_read_by_home())
            threads.add(threading.current_thread().name)
            AConnection.Send(AMessage)

        server.OnMessageReceived = on_message
        answers = _echo_round_trips(server, 200)
        assert answers == [str(i) for i in range(200)]
        assert threads == {HOME}
        # the home thread waits in its loop for each message: it reads nearly all of them
        assert sum(by_home) >= 100, sum(by_home)


def test_without_autosyncevents_or_with_an_override_the_reader_reads():
    class Overriding(TTMSFNCWebSocketServer):
        def MessageReceived(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
            super().MessageReceived(Sender, AConnection, AMessage)

    for cls, auto_sync in ((TTMSFNCWebSocketServer, False), (Overriding, True)):
        server = cls(None, Port=0, BindingIP="127.0.0.1", AutoSyncEvents=auto_sync)
        try:
            by_home: list[bool] = []

            def on_message(Sender: Any, AConnection: Any, AMessage: str,
                           by_home: list[bool] = by_home) -> None:
                by_home.append(_read_by_home())
                AConnection.Send(AMessage)

            server.OnMessageReceived = on_message
            server.Active = True
            assert _echo_round_trips(server, 20) == [str(i) for i in range(20)]
            assert by_home == [False] * 20
        finally:
            server.Free()


def test_a_large_send_on_the_home_thread_is_finished_by_the_writer_in_order():
    """The home thread writes without waiting: what the socket does not take of a large
    message goes to the writer thread, and what is sent after it follows it."""
    big = bytes(range(256)) * (128 * 1024)  # 32 MiB, more than the socket buffers hold
    with running_server(AutoSyncEvents=True, Compression=False) as server:
        started = threading.Event()
        sent: list[int] = []

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            if not _read_by_home():
                AConnection.Send("again")
                return
            started.set()
            AConnection.SendBytes(big)
            sent.append(AConnection.SendQueueSize)  # the rest waits for the writer
            AConnection.Send("after")

        server.OnMessageReceived = on_message
        got: list[Any] = []

        def client() -> None:
            with connect(f"ws://127.0.0.1:{server.BoundPort}", compression=None,
                         max_size=None) as ws:
                if _until_read_by_home(ws, "send", started):
                    got.append(ws.recv(timeout=10))
                    got.append(ws.recv(timeout=10))

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        assert wait_until(lambda: not thread.is_alive(), 30)
        assert len(got) == 2 and got[0] == big and got[1] == "after"
        assert 0 < sent[0] < len(big)  # part went at once, the rest by the writer


def test_frames_read_by_either_thread_arrive_in_order_on_home():
    count = 3000
    with running_server(AutoSyncEvents=True, Compression=False) as server:
        got: list[int] = []
        threads: set[str] = set()
        workload = threading.Event()  # never set: its wait is the handler's work

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            n = int(AMessage)
            got.append(n)
            threads.add(threading.current_thread().name)
            if n % 397 == 0:
                workload.wait(0.05)  # longer than GRACE: the reader takes the socket over
            if n % 61 == 0:
                Application.ProcessMessages()  # a nested pump runs what the reader posted
            if n == count - 1:
                AConnection.Send("done")

        server.OnMessageReceived = on_message
        finished = threading.Event()

        def client() -> None:
            with connect(f"ws://127.0.0.1:{server.BoundPort}", compression=None) as ws:
                for i in range(count):
                    ws.send(str(i))
                if ws.recv(timeout=30) == "done":
                    finished.set()

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        assert wait_until(finished.is_set, 60)
        thread.join(10)
        assert got == list(range(count))
        assert threads == {HOME}


def test_a_ping_is_answered_while_a_home_handler_runs():
    with running_server(AutoSyncEvents=True) as server:
        started = threading.Event()
        pong_seen = threading.Event()
        answered: list[bool] = []

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            if not _read_by_home():
                AConnection.Send("again")
                return
            started.set()
            # The home thread is busy here: the reader must read the ping and answer it.
            answered.append(pong_seen.wait(5))

        server.OnMessageReceived = on_message

        def client() -> None:
            with connect(f"ws://127.0.0.1:{server.BoundPort}") as ws:
                if _until_read_by_home(ws, "work", started) and ws.ping(b"during").wait(5):
                    pong_seen.set()

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        assert wait_until(lambda: answered, 30)
        assert answered == [True]
        thread.join(10)


def test_receive_queue_limit_pushes_back_when_the_home_thread_stops_reading():
    limit = 1 * MiB
    total = 48 * MiB
    size = 64 * 1024
    with running_server(AutoSyncEvents=True, Compression=False,
                        ReceiveQueueLimit=limit) as server:
        handled: list[int] = []
        home_reads = threading.Event()
        stalled = threading.Event()
        sent = [0]
        stuck_at: list[int] = []
        queued: list[int] = []
        conns: set[Any] = set()

        def on_binary(Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
            if AData == b"warm-up":
                if _read_by_home():
                    home_reads.set()
                else:
                    AConnection.Send("again")
                return
            n = int.from_bytes(AData[:4], "big")
            conns.add(AConnection)
            handled.append(n)
            if n == 3:
                # A long handler on the home thread: the reader reads on and must stop
                # once ReceiveQueueLimit bytes wait, so the client's writes block.
                last = [-1, time.monotonic()]

                def client_stuck() -> bool:
                    if sent[0] != last[0]:
                        last[0], last[1] = sent[0], time.monotonic()
                    return time.monotonic() - last[1] > 0.5

                tick = threading.Event()
                deadline = time.monotonic() + 20
                while not client_stuck() and time.monotonic() < deadline:
                    tick.wait(0.02)  # not pumping: the home thread is busy
                if client_stuck():
                    stalled.set()
                    stuck_at.append(sent[0])
                    queued.append(AConnection.ReceiveQueueSize)

        server.OnBinaryDataReceived = on_binary

        def client() -> None:
            with connect(f"ws://127.0.0.1:{server.BoundPort}", compression=None,
                         close_timeout=5) as ws:
                if not _until_read_by_home(ws, b"warm-up", home_reads):
                    return
                for i in range(total // size):
                    ws.send(i.to_bytes(4, "big") + bytes(size - 4))
                    sent[0] += size

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        assert wait_until(lambda: len(handled) == total // size, 60)
        thread.join(10)
        assert handled == list(range(total // size))
        assert home_reads.is_set()  # the home thread was reading when the stream began
        assert stalled.is_set() and stuck_at[0] < 24 * MiB
        assert limit < queued[0] <= limit + 2 * MiB  # read on to the limit, then paused
        # (the client's close frame counts too, until the home thread ran its marker)
        assert wait_until(lambda: [c.ReceiveQueueSize for c in conns] == [0])


def test_free_joins_every_thread_while_the_home_thread_reads():
    baseline = set(threading.enumerate())
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", AutoSyncEvents=True)
    try:
        server.OnMessageReceived = lambda Sender, AConnection, AMessage: AConnection.Send(AMessage)
        server.Active = True
        stack = contextlib.ExitStack()
        clients = [stack.enter_context(connect(f"ws://127.0.0.1:{server.BoundPort}"))
                   for _ in range(3)]
        got: list[str] = []

        def talk(ws: Any, i: int) -> None:
            ws.send(f"hello {i}")
            got.append(str(ws.recv(timeout=5)))

        talkers = [threading.Thread(target=talk, args=(ws, i), daemon=True)
                   for i, ws in enumerate(clients)]
        for t in talkers:
            t.start()
        assert wait_until(lambda: len(got) == 3, 10)
    finally:
        server.Free()
    stack.close()
    for t in talkers:
        t.join(5)
    assert wait_threads_back(baseline) == []


def test_a_client_gone_during_a_home_handler_ends_after_it_off_the_home_thread():
    """The end of the stream reaches the home thread's dispatch (it read the last frame):
    OnDisconnect still fires once, after the handler, and no thread is left."""
    baseline = set(threading.enumerate())
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", AutoSyncEvents=True,
                                    CloseTimeout=2000)
    try:
        started = threading.Event()
        events: list[str] = []

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            if not _read_by_home():
                AConnection.Send("again")
                return
            started.set()
            events.append("handler")
            reader = AConnection._engine.recv_events_thread
            tick = threading.Event()
            deadline = time.monotonic() + 10
            while reader.is_alive() and time.monotonic() < deadline:
                tick.wait(0.01)  # not pumping: the home thread is busy with this handler
            events.append("reader ended" if not reader.is_alive() else "reader alive")

        server.OnMessageReceived = on_message
        server.OnDisconnect = lambda Sender, AConnection: events.append("OnDisconnect")
        server.Active = True

        def client() -> None:
            with raw_websocket(server.BoundPort) as sock:
                for _ in range(20):
                    sock.sendall(frame(0x1, b"last"))
                    if started.wait(1):
                        break
                    assert read_frame(sock)[2] == b"again"
                sock.shutdown(socket.SHUT_RDWR)  # gone without a close frame

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        assert wait_until(lambda: "OnDisconnect" in events, 20)
        thread.join(10)
        assert events == ["handler", "reader ended", "OnDisconnect"]
    finally:
        server.Free()
    assert wait_threads_back(baseline) == []


def _voluntary_switches(thread: threading.Thread) -> int:
    with open(f"/proc/self/task/{thread.native_id}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    return 0


def test_an_idle_connection_costs_no_wake_ups_while_the_home_thread_waits():
    with running_server(AutoSyncEvents=True) as server:
        home_read = threading.Event()

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            if _read_by_home():
                home_read.set()
                AConnection.Send("home")
            else:
                AConnection.Send("again")

        server.OnMessageReceived = on_message
        with connect(f"ws://127.0.0.1:{server.BoundPort}") as ws:
            done: list[bool] = []

            def client() -> None:
                done.append(_until_read_by_home(ws, "hello", home_read)
                            and ws.recv(timeout=5) == "home")

            threading.Thread(target=client, daemon=True).start()
            assert wait_until(lambda: done, 30) and done == [True]
            reader = server.Connections[0]._engine.recv_events_thread
            Application.ProcessMessagesUntil(lambda: False, 0.1)  # past GRACE
            before = _voluntary_switches(reader)
            Application.ProcessMessagesUntil(lambda: False, 0.5)  # the home thread waits
            # a reader that looked every 20 ms would have woken about 25 times
            assert _voluntary_switches(reader) - before <= 3
