"""``fnc-ws serve --backplane`` and ``fnc-ws demo --cluster`` on a real redis-server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import websocket
from backplane_support import LineProcess

ROOT = Path(__file__).resolve().parents[2]
WAIT = 5.0


def serve(*args: str) -> tuple[LineProcess, int]:
    process = LineProcess([sys.executable, "-m", "fnc_websocket", "serve", "--port", "0",
                           *args], cwd=ROOT)
    port = int(process.expect(r"listening on ws://127\.0\.0\.1:(\d+)/").group(1))
    return process, port


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fnc_websocket", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_two_serve_processes_chat_across_the_backplane(redis_server: Any) -> None:
    a, port_a = serve("--mode", "chat", "--backplane", redis_server.url, "--node-id", "a")
    b, port_b = serve("--mode", "chat", "--backplane", redis_server.url, "--node-id", "b")
    try:
        for process, node in ((a, "a"), (b, "b")):
            process.expect(rf"backplane connected: node {node}, channel 'fnc-ws'")
        alice = websocket.create_connection(f"ws://127.0.0.1:{port_a}/", timeout=WAIT)
        bob = websocket.create_connection(f"ws://127.0.0.1:{port_b}/", timeout=WAIT)
        carol = websocket.create_connection(f"ws://127.0.0.1:{port_a}/", timeout=WAIT)
        alice.send("hi from a")
        assert bob.recv() == "hi from a"
        assert carol.recv() == "hi from a"
        bob.send_binary(b"\x01bin")
        assert alice.recv() == b"\x01bin"  # not her own "hi from a": the sender is left out
        for ws in (alice, bob, carol):
            ws.close()
    finally:
        a.stop()
        b.stop()


def test_serve_backplane_bad_input_is_one_line() -> None:
    proc = run("serve", "--port", "0", "--mode", "echo", "--backplane", "redis://127.0.0.1")
    assert proc.returncode == 2 and "--mode chat" in proc.stderr
    pytest.importorskip("redis")
    proc = run("serve", "--port", "0", "--mode", "chat", "--backplane", "http://x:1")
    assert proc.returncode == 1, proc.stderr
    assert "Backplane.URL" in proc.stderr and "redis://" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_cluster_shows_the_route_of_each_message(redis_server: Any) -> None:
    proc = run("demo", "--cluster", env={"FNC_REDIS_URL": redis_server.url})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "ClusterConnectionCount: node-a 3, node-b 3" in out
    assert "bob   (node-b) got 'hi everyone' from alice: node-a -> Redis -> node-b" in out
    assert "carol (node-a) got 'hi everyone' from alice: node-a -> node-a, same node" in out
    assert "alice (node-a) got 'hello from the other node' from bob: node-b -> Redis" in out
    assert "alice (node-a) got 'hi everyone'" not in out  # AExcept: not her own message
    assert "bob   (node-b) got 'just for bob' from node-a: node-a -> Redis -> node-b" in out


def test_demo_cluster_without_redis_names_the_package(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    env = {"PATH": str(tmp_path), "FNC_REDIS_URL": ""}
    proc = run("demo", "--cluster", env=env)
    assert proc.returncode == 1
    assert "redis-server" in proc.stderr and "apt-get install redis-server" in proc.stderr
