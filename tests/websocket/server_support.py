"""Helpers for the server component tests: a running server, an event log, raw-socket clients."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from fnc import Application, listen
from fnc_websocket.server.component import TTMSFNCWebSocketServer

ALL_EVENTS = ("OnConnect", "OnAllow", "OnHandshakeResponseSent", "OnMessageReceived",
              "OnBinaryDataReceived", "OnPing", "OnPong", "OnClose", "OnDisconnect", "OnError")


@contextlib.contextmanager
def running_server(**props: Any) -> Iterator[TTMSFNCWebSocketServer]:
    """A server on 127.0.0.1 and a free port, freed (threads joined) at the end."""
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", CloseTimeout=2000)
    try:
        for name, value in props.items():
            setattr(server, name, value)
        server.Active = True
        yield server
    finally:
        server.Free()


class EventLog:
    """Records server events as (name, thread name, args); thread-safe."""

    def __init__(self, server: TTMSFNCWebSocketServer, names: tuple[str, ...] = ALL_EVENTS,
                 ) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[str, str, tuple[Any, ...]]] = []
        for name in names:
            listen(server, name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(Sender: Any, *args: Any) -> None:
            with self.lock:
                self.items.append((name, threading.current_thread().name, args))
        return record

    def names(self) -> list[str]:
        with self.lock:
            return [n for n, _t, _a in self.items]

    def of(self, name: str) -> list[tuple[Any, ...]]:
        with self.lock:
            return [a for n, _t, a in self.items if n == name]

    def count(self, name: str) -> int:
        return len(self.of(name))

    def wait_for(self, name: str, count: int = 1, timeout: float = 5.0) -> bool:
        return wait_until(lambda: self.count(name) >= count, timeout)


def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> bool:
    """Pump the calling thread's queue until ``predicate()`` holds."""
    return Application.ProcessMessagesUntil(predicate, timeout=timeout)


def wait_threads_back(baseline: set[threading.Thread], timeout: float = 5.0) -> list[str]:
    """Wait until no thread outside ``baseline`` is alive; return the names of those left."""
    def extra() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in baseline and t.is_alive()]
    wait_until(lambda: not extra(), timeout)
    return [t.name for t in extra()]


# -- raw socket client ------------------------------------------------------------------------

def raw_connect(port: int, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return sock


def http_request(port: int, request: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Send a raw HTTP request; return (status, whole response) after the server closes."""
    with raw_connect(port, timeout) as sock:
        sock.sendall(request.encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


def upgrade_request(path: str = "/", host: str = "127.0.0.1", extra: str = "",
                    key: str | None = None, version: str = "13") -> str:
    key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket",
             "Connection: Upgrade"]
    if key:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version:
        lines.append(f"Sec-WebSocket-Version: {version}")
    return "\r\n".join(lines) + "\r\n" + extra + "\r\n"


def raw_websocket(port: int, path: str = "/") -> socket.socket:
    """A raw socket that completed the WebSocket handshake (no extensions)."""
    sock = raw_connect(port)
    sock.sendall(upgrade_request(path).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("server closed during the handshake")
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True) -> bytes:
    """Encode one client frame (masked unless ``mask`` is False)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def read_frame(sock: socket.socket) -> tuple[int, bool, bytes]:
    """Read one (unmasked) server frame: (opcode, fin, payload)."""
    b0, b1 = _read_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(sock, 8))[0]
    return b0 & 0x0F, bool(b0 & 0x80), _read_exact(sock, n)


def read_close_code(sock: socket.socket) -> int:
    """Read frames until a close frame; return its status code (1005 when none)."""
    while True:
        opcode, _fin, payload = read_frame(sock)
        if opcode == 0x8:
            return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
