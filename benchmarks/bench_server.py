"""Server benchmarks, in one run with the same clients (run: python benchmarks/bench_server.py).

(a) echo throughput: the component (handlers on the connection threads, AutoSyncEvents False)
    against a bare ``websockets`` sync echo server, same clients, ratio printed;
(b) the same with AutoSyncEvents True (handlers on the home thread, pumped here);
(c) broadcast of 32-byte messages to 100 clients: messages delivered per second;
(d) 1,000 and 5,000 idle connections held: threads and RSS per connection;
(e) 2,000 clients dropping at once: time for the server to process it, and the latency of a
    new handshake meanwhile;
(f) 1,000 silent sockets with MaxConnections = 10: peak threads, a normal client's connect time;
(g) a client streaming 250 MiB at a 5 ms handler (ReceiveQueueLimit 4 MiB): RSS growth, and
    how much the client got out (its writes block);
(h) 600 x 64 KiB broadcast to 3 reading clients and 1 that never reads (SendTimeout 2 s).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import websocket  # websocket-client
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection, serve

from fnc import Application
from fnc_websocket.server.component import TTMSFNCWebSocketServer

CLIENTS = 4
WINDOW = 16


# -- servers under test -------------------------------------------------------------------------

@contextlib.contextmanager
def bare_websockets() -> Iterator[int]:
    def echo(conn: ServerConnection) -> None:
        for message in conn:
            conn.send(message)

    with serve(echo, "127.0.0.1", 0, compression=None, max_size=None,
               ping_interval=None) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.socket.getsockname()[1]
        finally:
            server.shutdown()
            thread.join(10)


@contextlib.contextmanager
def component(auto_sync: bool) -> Iterator[TTMSFNCWebSocketServer]:
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", Compression=False,
                                    MaxMessageSize=0, AutoSyncEvents=auto_sync)
    server.OnMessageReceived = lambda S, C, M: C.Send(M)
    server.OnBinaryDataReceived = lambda S, C, D, T: C.SendBytes(D)
    try:
        server.Active = True
        yield server
    finally:
        server.Free()


# -- measurements ---------------------------------------------------------------------------------

def echo_rate(port: int, messages: int, pump: bool = False) -> float:
    """Messages echoed per second by CLIENTS clients, WINDOW messages in flight each."""
    payload = "x" * 64
    done = threading.Event()
    finished = [0]
    lock = threading.Lock()
    stack = contextlib.ExitStack()
    clients = [stack.enter_context(connect(f"ws://127.0.0.1:{port}", compression=None))
               for _ in range(CLIENTS)]

    def run(ws) -> None:
        for _ in range(messages // WINDOW):
            for _ in range(WINDOW):
                ws.send(payload)
            for _ in range(WINDOW):
                ws.recv(timeout=30)
        with lock:
            finished[0] += 1
            if finished[0] == CLIENTS:
                done.set()

    threads = [threading.Thread(target=run, args=(ws,), daemon=True) for ws in clients]
    start = time.perf_counter()
    for t in threads:
        t.start()
    if pump:
        Application.ProcessMessagesUntil(done.is_set, timeout=120)
    done.wait(120)
    elapsed = time.perf_counter() - start
    for t in threads:
        t.join(10)
    stack.close()
    return CLIENTS * (messages // WINDOW) * WINDOW / elapsed


def broadcast_rate(count: int, clients: int = 100) -> float:
    """Deliveries per second of ``count`` 32-byte broadcasts to ``clients`` clients."""
    with component(False) as server:
        port = server.BoundPort
        received = [0] * clients
        all_done = threading.Event()
        remaining = [clients]
        lock = threading.Lock()
        sockets = [websocket.create_connection(f"ws://127.0.0.1:{port}", timeout=60)
                   for _ in range(clients)]

        def read(i: int) -> None:
            ws = sockets[i]
            while received[i] < count:
                ws.recv()
                received[i] += 1
            with lock:
                remaining[0] -= 1
                if remaining[0] == 0:
                    all_done.set()

        readers = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(clients)]
        for r in readers:
            r.start()
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == clients, 10)
        message = "b" * 32
        start = time.perf_counter()
        for _ in range(count):
            server.BroadcastMessage(message)
        all_done.wait(120)
        elapsed = time.perf_counter() - start
        for ws in sockets:
            ws.close()
        for r in readers:
            r.join(10)
        return clients * count / elapsed


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


UPGRADE = (b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def _fd_limit(count: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count * 3 + 200
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, want), hard))


def _open_raw(port: int, count: int) -> list[socket.socket]:
    """``count`` raw sockets that completed the WebSocket handshake."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(UPGRADE)
        socks.append(s)
    for s in socks:
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(4096)
    return socks


def idle_cost(count: int) -> tuple[float, float]:
    """(threads, RSS KiB) per idle handshaken connection, clients being raw sockets."""
    _fd_limit(count)
    with component(False) as server:
        port = server.BoundPort
        Application.ProcessMessagesUntil(lambda: False, 0.2)
        threads_before = threading.active_count()
        rss_before = _rss_kib()
        socks = _open_raw(port, count)
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == count, 60)
        threads = threading.active_count() - threads_before
        rss = _rss_kib() - rss_before
        for s in socks:
            s.close()
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == 0, 60)
        return threads / count, rss / count


def mass_drop(count: int) -> tuple[float, float]:
    """(seconds until the server processed ``count`` clients dropping at once, seconds a new
    client's opening handshake took meanwhile)."""
    _fd_limit(count)
    with component(False) as server:
        port = server.BoundPort
        socks = _open_raw(port, count)
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == count, 60)
        latency: list[float] = []

        def newcomer() -> None:
            start = time.perf_counter()
            with connect(f"ws://127.0.0.1:{port}", open_timeout=60, close_timeout=5):
                latency.append(time.perf_counter() - start)

        start = time.perf_counter()
        for s in socks:
            s.close()
        probe = threading.Thread(target=newcomer, daemon=True)
        probe.start()
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount <= 1 and latency, 120)
        elapsed = time.perf_counter() - start
        probe.join(60)
        return elapsed, latency[0] if latency else float("nan")


def silent_sockets(count: int) -> tuple[int, float]:
    """(peak threads in the process, seconds for a normal client to connect and echo) while
    ``count`` silent sockets are held with MaxConnections = 10."""
    _fd_limit(count)
    with component(False) as server:
        server.MaxConnections = 10
        port = server.BoundPort
        peak = [threading.active_count()]
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(0.01):
                peak[0] = max(peak[0], threading.active_count())

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
        start = time.perf_counter()
        with connect(f"ws://127.0.0.1:{port}", open_timeout=30) as ws:
            ws.send("x")
            ws.recv(timeout=30)
        took = time.perf_counter() - start
        for s in socks:
            s.close()
        stop.set()
        watcher.join(5)
        return peak[0], took


def inbound_stream(total: int, limit: int) -> tuple[float, float, float]:
    """(peak RSS growth MiB, MiB the client got out, seconds) for a client streaming ``total``
    bytes in 64 KiB messages at a handler that takes 5 ms, for at most 10 s."""
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", Compression=False,
                                    ReceiveQueueLimit=limit)
    server.OnBinaryDataReceived = lambda S, C, D, T: time.sleep(0.005)
    try:
        server.Active = True
        before = _rss_kib()
        peak = before
        sent = [0]
        with connect(f"ws://127.0.0.1:{server.BoundPort}", compression=None) as ws:
            chunk = bytes(64 * 1024)

            def stream() -> None:
                with contextlib.suppress(Exception):
                    while sent[0] < total:
                        ws.send(chunk)
                        sent[0] += len(chunk)

            writer = threading.Thread(target=stream, daemon=True)
            start = time.perf_counter()
            writer.start()
            while writer.is_alive() and time.perf_counter() - start < 10:
                peak = max(peak, _rss_kib())
                writer.join(0.05)
            elapsed = time.perf_counter() - start
            with contextlib.suppress(OSError):
                ws.socket.shutdown(socket.SHUT_RDWR)
        return (peak - before) / 1024, sent[0] / 2**20, elapsed
    finally:
        server.Free()


def broadcast_burst() -> dict[str, Any]:
    """600 x 64 KiB broadcast to 3 reading clients and 1 that never reads."""
    count, size = 600, 64 * 1024
    with component(False) as server:
        server.Active = False
        server.SendTimeout = 2000
        server.Active = True
        port = server.BoundPort
        errors: list[tuple[float, Any]] = []
        server.OnError = lambda S, C, E: errors.append((time.monotonic(), E))
        stuck = socket.create_connection(("127.0.0.1", port), timeout=10)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.sendall(UPGRADE)
        got: list[list[int]] = [[], [], []]
        stack = contextlib.ExitStack()
        clients = [stack.enter_context(connect(f"ws://127.0.0.1:{port}", max_size=None,
                                               compression=None)) for _ in range(3)]

        def read(i: int) -> None:
            with contextlib.suppress(Exception):
                while len(got[i]) < count:
                    got[i].append(struct.unpack_from("!I", clients[i].recv(timeout=60))[0])

        readers = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(3)]
        for r in readers:
            r.start()
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == 4, 10)
        body = bytes(size - 4)
        slowest = 0.0
        start = time.perf_counter()
        for n in range(count):
            t = time.perf_counter()
            server.BroadcastData(struct.pack("!I", n) + body)
            slowest = max(slowest, time.perf_counter() - t)
        took = time.perf_counter() - start
        over = time.monotonic()
        for r in readers:
            r.join(60)
        Application.ProcessMessagesUntil(lambda: bool(errors), 10)
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == 3, 5)
        connected = server.ConnectionCount
        stack.close()
        stuck.close()
        return {"in_order": all(g == list(range(count)) for g in got),
                "connected_after": connected, "broadcast_s": took,
                "slowest_call_s": slowest, "errors": len(errors),
                "code": errors[0][1].CloseCode if errors else None,
                "drop_after_burst_s": errors[0][0] - over if errors else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=8000, help="echoes per client")
    parser.add_argument("--broadcasts", type=int, default=2000)
    parser.add_argument("--idle", default="1000,5000", help="comma-separated counts")
    parser.add_argument("--drop", type=int, default=2000)
    parser.add_argument("--silent", type=int, default=1000)
    parser.add_argument("--stream-mib", type=int, default=250)
    args = parser.parse_args()

    print(f"(a)/(b) echo, {CLIENTS} clients x {args.messages} messages of 64 B, "
          f"window {WINDOW}, compression off")
    rates: dict[str, list[float]] = {"bare": [], "comp": [], "sync": []}
    for _round in range(3):  # interleaved rounds: same machine state for each
        with bare_websockets() as port:
            rates["bare"].append(echo_rate(port, args.messages))
        with component(False) as server:
            rates["comp"].append(echo_rate(server.BoundPort, args.messages))
        with component(True) as server:
            rates["sync"].append(echo_rate(server.BoundPort, args.messages, pump=True))
    bare, comp, sync = (max(rates[k]) for k in ("bare", "comp", "sync"))
    print(f"  bare websockets sync server : {bare:10.0f} msg/s")
    print(f"  component, AutoSyncEvents F : {comp:10.0f} msg/s   ratio {comp / bare:.2f}x "
          "(target >= 0.85x)")
    print(f"  component, AutoSyncEvents T : {sync:10.0f} msg/s   ratio {sync / bare:.2f}x "
          "(target >= 0.85x)")

    rate = broadcast_rate(args.broadcasts)
    print(f"(c) broadcast 32 B to 100 clients x {args.broadcasts}: {rate:,.0f} deliveries/s")

    for count in (int(c) for c in args.idle.split(",") if c):
        threads, rss = idle_cost(count)
        print(f"(d) {count} idle connections: {threads:.2f} threads and {rss:.1f} KiB RSS per "
              "connection (target <= 40 KiB at 5,000)")

    elapsed, latency = mass_drop(args.drop)
    print(f"(e) {args.drop} clients dropping at once: processed in {elapsed:.2f} s; a new "
          f"handshake meanwhile took {latency * 1000:.0f} ms (target <= 1 s)")

    peak, took = silent_sockets(args.silent)
    print(f"(f) {args.silent} silent sockets, MaxConnections 10: peak {peak} threads in the "
          f"process (target <= 200); a normal client connected and echoed in {took:.2f} s")

    growth, out, secs = inbound_stream(args.stream_mib * 2**20, 4 * 2**20)
    print(f"(g) streaming {args.stream_mib} MiB at a 5 ms handler, ReceiveQueueLimit 4 MiB: "
          f"peak RSS growth {growth:.1f} MiB (bound 4 + 32 MiB); the client got {out:.0f} MiB "
          f"out in {secs:.1f} s (its writes block)")

    burst = broadcast_burst()
    print(f"(h) 600 x 64 KiB broadcast to 3 readers + 1 non-reader: readers got all in order: "
          f"{burst['in_order']}; {burst['connected_after']} connected after; broadcast loop "
          f"{burst['broadcast_s']:.2f} s (slowest call {burst['slowest_call_s']:.2f} s); "
          f"OnError x{burst['errors']} code {burst['code']}, "
          f"{burst['drop_after_burst_s']:.2f} s after the loop (SendTimeout 2 s)")


if __name__ == "__main__":
    main()
