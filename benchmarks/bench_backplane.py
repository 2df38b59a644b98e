"""Backplane benchmark: one node vs three sharing Redis (run: python benchmarks/bench_backplane.py).

Each node is a separate process with ``Backplane.Enabled`` (the single node too, so both runs
pay for publishing). The same number of clients connects in both runs, all on the one node or
spread over the three.

(a) broadcast: one client asks its node for a burst of 32-byte broadcasts; deliveries per
    second = messages x clients / time until every client has them all;
(b) latency of an addressed message, client -> node A -> (Redis ->) node B -> client, one at a
    time: median and p99. On one node the message never leaves the process (the baseline);
    on three it crosses Redis to another node.

Redis: ``$FNC_REDIS_URL``, else a ``redis-server`` from PATH started for the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import websocket  # websocket-client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAYLOAD = 32


# -- a node (child process) ---------------------------------------------------------------------

def run_node(url: str, node_id: str) -> int:
    from fnc import Application
    from fnc_websocket.server.component import TTMSFNCWebSocketServer

    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", CloseTimeout=1000,
                                    SendQueueLimit=256 * 1024 * 1024)
    server.Backplane.Enabled = True
    server.Backplane.URL = url
    server.Backplane.NodeId = node_id
    server.Backplane.QueueLimit = 256 * 1024 * 1024
    connected = threading.Event()

    def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
        command, _sep, rest = AMessage.partition(":")
        if command == "burst":
            payload = "b" * PAYLOAD
            for _ in range(int(rest)):
                server.BroadcastMessage(payload)
        elif command == "to":
            target, _sep, text = rest.partition("|")
            server.SendMessageToId(target, text)
        elif command == "whoami":
            AConnection.Send(f"id:{AConnection.Id}")
        elif command == "count":
            AConnection.Send(f"count:{server.ClusterConnectionCount}")

    server.OnMessageReceived = on_message
    server.OnBackplaneStateChange = lambda S, up: connected.set() if up else None
    server.Active = True
    connected.wait(10)
    print(f"port {server.BoundPort}", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    server.Free()
    Application.ProcessMessages()
    return 0


# -- the benchmark ------------------------------------------------------------------------------

class Nodes:
    def __init__(self, url: str, count: int) -> None:
        self.procs = [subprocess.Popen(
            [sys.executable, __file__, "--node", url, f"node{i}"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True) for i in range(count)]
        self.ports = []
        for proc in self.procs:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line.startswith("port "):
                raise RuntimeError(f"a node did not start: {line!r}")
            self.ports.append(int(line.split()[1]))

    def close(self) -> None:
        for proc in self.procs:
            proc.stdin.close()  # type: ignore[union-attr]
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def connect(port: int) -> websocket.WebSocket:
    return websocket.create_connection(f"ws://127.0.0.1:{port}/", timeout=30)


def ask(ws: websocket.WebSocket, command: str) -> str:
    ws.send(command)
    return str(ws.recv()).partition(":")[2]


def measure(url: str, node_count: int, clients: int, burst: int, probes: int
            ) -> tuple[float, list[float]]:
    nodes = Nodes(url, node_count)
    sockets: list[websocket.WebSocket] = []
    try:
        sockets = [connect(nodes.ports[i % node_count]) for i in range(clients)]
        deadline = time.monotonic() + 10
        while int(ask(sockets[0], "count")) != clients:  # every node counts every client
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not see every client")
            time.sleep(0.05)  # a benchmark's set-up poll, not a test synchronisation
        # (a) broadcast burst from node 0, received by every client (one thread each)
        done = threading.Barrier(clients + 1)

        def drain(ws: websocket.WebSocket) -> None:
            for _ in range(burst):
                ws.recv()
            done.wait(120)

        threads = [threading.Thread(target=drain, args=(ws,)) for ws in sockets]
        for t in threads:
            t.start()
        started = time.perf_counter()
        sockets[0].send(f"burst:{burst}")
        done.wait(120)
        elapsed = time.perf_counter() - started
        for t in threads:
            t.join(10)
        rate = burst * clients / elapsed
        # (b) addressed message, sender on node 0, receiver on the next node (or the same)
        sender = sockets[0]
        receiver = sockets[1]  # node 1 of three, or the same single node
        target = ask(receiver, "whoami")
        latencies = []
        for i in range(probes):
            t0 = time.perf_counter()
            sender.send(f"to:{target}|p{i}")
            got = receiver.recv()
            latencies.append(time.perf_counter() - t0)
            assert got == f"p{i}", got
        return rate, latencies
    finally:
        for ws in sockets:
            try:
                ws.close(timeout=1)
            except Exception:
                pass
        nodes.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    if len(sys.argv) >= 4 and sys.argv[1] == "--node":
        return run_node(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--burst", type=int, default=2000, help="broadcasts in (a)")
    parser.add_argument("--probes", type=int, default=500, help="addressed messages in (b)")
    args = parser.parse_args()
    from fnc_websocket.testing.redis_server import RedisServer, RedisUnavailable

    local = None
    url = os.environ.get("FNC_REDIS_URL")
    if not url:
        try:
            local = RedisServer().start()
        except RedisUnavailable as exc:
            print(f"bench_backplane: skipped: {exc}")
            return 0
        url = local.url
    try:
        one = measure(url, 1, args.clients, args.burst, args.probes)
        three = measure(url, 3, args.clients, args.burst, args.probes)
    finally:
        if local is not None:
            local.close()
    ms = 1000.0
    rows = [
        ("(a) broadcast deliveries/s", f"{one[0]:,.0f}", f"{three[0]:,.0f}",
         f"{three[0] / one[0]:.2f}x"),
        ("(b) addressed msg median ms", f"{statistics.median(one[1]) * ms:.3f}",
         f"{statistics.median(three[1]) * ms:.3f}",
         f"{statistics.median(three[1]) / statistics.median(one[1]):.2f}x"),
        ("(b) addressed msg p99 ms", f"{percentile(one[1], 99) * ms:.3f}",
         f"{percentile(three[1], 99) * ms:.3f}",
         f"{percentile(three[1], 99) / percentile(one[1], 99):.2f}x"),
    ]
    print(f"{args.clients} clients ({args.clients} on one node / {args.clients // 3} per node "
          f"on three), burst of {args.burst} x {PAYLOAD} B, {args.probes} probes")
    print(f"{'':30} {'1 node':>12} {'3 nodes':>12} {'3/1':>7}")
    for name, a, b, r in rows:
        print(f"{name:30} {a:>12} {b:>12} {r:>7}")
    print("(b) on one node: same-process delivery; on three: node0 -> Redis -> node1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
