"""Helpers of the backplane tests: in-process server nodes and plain WebSocket clients."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import websocket

from fnc import Application
from fnc_websocket.server.component import TTMSFNCWebSocketServer

WAIT = 5.0


def wait_until(predicate: Callable[[], object], timeout: float = WAIT,
               what: str = "condition") -> None:
    """Pump the home thread until ``predicate()`` holds; fail the test after ``timeout``."""
    assert Application.ProcessMessagesUntil(predicate, timeout=timeout), \
        f"{what} not reached within {timeout} s"


def backplane_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fnc-ws-backplane")]


class Node:
    """An in-process server node with the backplane on; records its backplane events."""

    def __init__(self, url: str, node_id: str = "", **props: Any) -> None:
        self.server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1",
                                             CloseTimeout=1000, **props)
        bp = self.server.Backplane
        bp.Enabled = True
        bp.URL = url
        bp.HeartbeatInterval = 0.3
        bp.Timeout = 1.0
        if node_id:
            bp.NodeId = node_id
        self.errors: list[Exception] = []
        self.states: list[bool] = []
        self.lock = threading.Lock()
        self.server.OnBackplaneError = self._error
        self.server.OnBackplaneStateChange = self._state

    def _error(self, Sender: Any, AError: Exception) -> None:
        with self.lock:
            self.errors.append(AError)

    def _state(self, Sender: Any, AConnected: bool) -> None:
        with self.lock:
            self.states.append(AConnected)

    def start(self) -> Node:
        self.server.Active = True
        return self

    def client(self) -> websocket.WebSocket:
        return websocket.create_connection(f"ws://127.0.0.1:{self.server.BoundPort}/",
                                           timeout=WAIT)

    def free(self) -> None:
        self.server.Free()


@contextlib.contextmanager
def nodes(url: str, count: int, **props: Any) -> Iterator[list[Node]]:
    made = [Node(url, f"node{i}", **props) for i in range(count)]
    try:
        for node in made:
            node.start()
        yield made
    finally:
        for node in made:
            node.free()


def recv_text(ws: websocket.WebSocket, timeout: float = WAIT) -> str:
    ws.settimeout(timeout)
    data = ws.recv()
    assert isinstance(data, str), data
    return data


def nothing_before(ws: websocket.WebSocket, marker: str) -> None:
    """The next message on ``ws`` is ``marker`` (nothing unexpected arrived before it)."""
    got = recv_text(ws)
    assert got == marker, f"expected {marker!r}, got {got!r}"


class LineProcess:
    """A child process whose stdout lines are collected by a reader thread (joined at stop)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env={**os.environ, **(env or {})})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The next line matching ``pattern`` (re.search); fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {timeout} s; "
                                     f"seen: {self.seen[-10:]!r}") from None
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def stop(self) -> None:
        """Close stdin (or SIGTERM), wait; kill if it does not end within 10 s."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
                self.proc.terminate()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(5)
