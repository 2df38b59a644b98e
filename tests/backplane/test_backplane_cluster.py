"""Acceptance: three server nodes in separate processes on one Redis, two clients on each.

A broadcast from any node reaches every client once and in order; ``AExcept`` leaves out only
the sender; ``SendMessageToId`` reaches a client on another node; ``ClusterConnectionCount`` is
right everywhere and drops a killed node within its heartbeat bound (3 x 0.5 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
import websocket
from backplane_support import LineProcess

NODE = Path(__file__).with_name("backplane_node.py")
ROOT = Path(__file__).resolve().parents[2]
WAIT = 5.0
HEARTBEAT = 0.5


class NodeProcess(LineProcess):
    def __init__(self, url: str, node_id: str) -> None:
        super().__init__([sys.executable, str(NODE), url, node_id], cwd=ROOT)
        self.node_id = node_id
        self.port = 0

    def client(self) -> websocket.WebSocket:
        return websocket.create_connection(f"ws://127.0.0.1:{self.port}/", timeout=WAIT)


def ask(ws: websocket.WebSocket, command: str, prefix: str) -> str:
    ws.send(command)
    got = ws.recv()
    assert isinstance(got, str) and got.startswith(prefix), got
    return got[len(prefix):]


def recv_all(ws: websocket.WebSocket, n: int) -> list[str]:
    return [ws.recv() for _ in range(n)]


def wait_count(ws: websocket.WebSocket, expected: int, timeout: float) -> float:
    """Ask for the cluster count until it is ``expected``; the seconds it took."""
    started = time.monotonic()
    while True:
        got = int(ask(ws, "count", "count:"))
        elapsed = time.monotonic() - started
        if got == expected:
            return elapsed
        assert elapsed < timeout, f"ClusterConnectionCount {got}, expected {expected}"
        ws.settimeout(0.1)  # bounded pause between questions: a recv that expects nothing
        try:
            extra = ws.recv()
            raise AssertionError(f"unexpected message {extra!r}")
        except websocket.WebSocketTimeoutException:
            pass
        ws.settimeout(WAIT)


@pytest.fixture
def cluster(redis_server: Any) -> Any:
    nodes = [NodeProcess(redis_server.url, f"n{i}") for i in range(3)]
    try:
        for node in nodes:
            node.port = int(node.expect(r"^port (\d+)").group(1))
        for node in nodes:
            node.expect(r"^connected")
        yield nodes
    finally:
        for node in nodes:
            node.stop()


@pytest.mark.slow
def test_three_processes_share_broadcasts_ids_and_counts(cluster: list[NodeProcess]) -> None:
    clients = [[node.client(), node.client()] for node in cluster]
    flat = [ws for pair in clients for ws in pair]
    try:
        ids = [ask(ws, "whoami", "id:") for ws in flat]
        assert len(set(ids)) == 6
        assert [i.rpartition("#")[0] for i in ids] == ["n0", "n0", "n1", "n1", "n2", "n2"]
        for ws in (clients[0][0], clients[1][0], clients[2][0]):
            wait_count(ws, 6, WAIT)

        # a broadcast from every node reaches all six clients, once each, in order per node
        for node_index, pair in enumerate(clients):
            for k in range(10):
                pair[0].send(f"bcast:n{node_index}-{k}")
        for ws in flat:
            got = recv_all(ws, 30)
            assert sorted(got) == sorted(f"n{i}-{k}" for i in range(3) for k in range(10))
            for i in range(3):
                mine = [m for m in got if m.startswith(f"n{i}-")]
                assert mine == [f"n{i}-{k}" for k in range(10)], mine

        # AExcept: everyone but the sender
        sender = clients[1][1]
        sender.send("chat:hello all")
        for ws in flat:
            if ws is not sender:
                assert ws.recv() == "hello all"
        # SendMessageToId across processes: only the target gets it
        clients[0][0].send(f"to:{ids[5]}:just you")
        assert clients[2][1].recv() == "just you"
        clients[2][0].send("bcast:marker")
        for ws in flat:
            assert ws.recv() == "marker"  # nothing (duplicate, stray) arrived before it

        # a killed node stops counting within its heartbeat bound
        cluster[2].proc.kill()
        cluster[2].proc.wait(5)
        took = wait_count(clients[0][0], 4, WAIT)
        assert took <= 3 * HEARTBEAT + 1.5, took
        assert int(ask(clients[1][0], "count", "count:")) == 4
    finally:
        for ws in flat:
            try:
                ws.close(timeout=1)
            except (OSError, websocket.WebSocketException):
                pass
