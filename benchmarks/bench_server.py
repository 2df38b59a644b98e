"""Server benchmarks, in one run with the same clients (run: python benchmarks/bench_server.py).

(a) echo throughput: the component (handlers on the connection threads, AutoSyncEvents False)
    against a bare ``websockets`` sync echo server, same clients, ratio printed;
(b) the same with AutoSyncEvents True (handlers on the home thread, pumped here);
(c) broadcast of 32-byte messages to 100 clients: messages delivered per second;
(d) 1,000 idle connections held: threads and RSS per connection.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import socket
import threading
import time
from collections.abc import Iterator

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


def idle_cost(count: int) -> tuple[float, float]:
    """(threads, RSS KiB) per idle handshaken connection, clients being raw sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 6 + 100)), hard))
    with component(False) as server:
        port = server.BoundPort
        request = (b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   b"Sec-WebSocket-Version: 13\r\n\r\n")
        Application.ProcessMessagesUntil(lambda: False, 0.2)
        threads_before = threading.active_count()
        rss_before = _rss_kib()
        socks = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(request)
            socks.append(s)
        for s in socks:
            head = b""
            while b"\r\n\r\n" not in head:
                head += s.recv(4096)
        Application.ProcessMessagesUntil(lambda: server.ConnectionCount == count, 30)
        threads = threading.active_count() - threads_before
        rss = _rss_kib() - rss_before
        for s in socks:
            s.close()
        return threads / count, rss / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=8000, help="echoes per client")
    parser.add_argument("--broadcasts", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=1000)
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
    print(f"  component, AutoSyncEvents T : {sync:10.0f} msg/s   ratio {sync / bare:.2f}x")

    rate = broadcast_rate(args.broadcasts)
    print(f"(c) broadcast 32 B to 100 clients x {args.broadcasts}: {rate:,.0f} deliveries/s")

    threads, rss = idle_cost(args.idle)
    print(f"(d) {args.idle} idle connections: {threads:.2f} threads and {rss:.1f} KiB RSS per "
          "connection (target <= 100 KiB)")


if __name__ == "__main__":
    main()
