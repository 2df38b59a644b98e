"""Clients used to exercise the mock server: websocket-client, websockets' sync client, and a raw
socket client that reads server frames byte for byte (independent of the mock's own framing)."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket
import websockets.sync.client

pytest_plugins = ["pytester"]

TIMEOUT = 5.0


class RawClient:
    """A hand-rolled WebSocket client on a plain socket: sends exactly the bytes it is told to and
    reads server frames without validating them."""

    def __init__(
        self, host: str, port: int, path: str = "/", headers: dict[str, str] | None = None
    ) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
            "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"closed during handshake after {head!r}")
            head += chunk
        self.response_head, _, self.buffer = head.partition(b"\r\n\r\n")
        self.status = int(self.response_head.split(b" ")[1])

    def _exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed the TCP connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self) -> tuple[int, int, bool, bool, bytes]:
        """Return (first byte, opcode, fin, masked, payload) of the next server frame."""
        b0, b1 = self._exact(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._exact(8))[0]
        key = self._exact(4) if b1 & 0x80 else None
        payload = self._exact(length)
        if key:
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        return b0, b0 & 0x0F, bool(b0 & 0x80), key is not None, payload

    def send_frame(self, opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0,
                   mask: bool = True) -> None:
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        head = bytes([first])
        n = len(payload)
        mask_bit = 0x80 if mask else 0
        if n < 126:
            head += bytes([mask_bit | n])
        elif n < 65536:
            head += bytes([mask_bit | 126]) + struct.pack("!H", n)
        else:
            head += bytes([mask_bit | 127]) + struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            payload = key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        self.sock.sendall(head + payload)

    def at_eof(self) -> bool:
        """True when the server has closed TCP (reads until EOF, bounded by the socket timeout)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def ws_connect() -> Iterator[Callable[..., websocket.WebSocket]]:
    """websocket-client connections (5 s timeout), closed at teardown."""
    made: list[websocket.WebSocket] = []

    def connect(url: str, **options: Any) -> websocket.WebSocket:
        options.setdefault("timeout", TIMEOUT)
        ws = websocket.create_connection(url, **options)
        made.append(ws)
        return ws

    yield connect
    for ws in made:
        ws.shutdown()


@pytest.fixture
def wsl_connect() -> Iterator[Callable[..., websockets.sync.client.ClientConnection]]:
    """websockets' sync client connections (no proxy, no compression), closed at teardown."""
    made: list[websockets.sync.client.ClientConnection] = []

    def connect(url: str, **options: Any) -> websockets.sync.client.ClientConnection:
        options.setdefault("proxy", None)
        options.setdefault("compression", None)
        options.setdefault("open_timeout", TIMEOUT)
        options.setdefault("close_timeout", 1)
        options.setdefault("ping_interval", None)
        options.setdefault("legacy", True)  # a plain connection, not the reconnecting form
        ws = websockets.sync.client.connect(url, **options)
        made.append(ws)
        return ws

    yield connect
    for ws in made:
        ws.close_socket()
        thread = getattr(ws, "recv_events_thread", None)
        if thread is not None:
            thread.join(TIMEOUT)


@pytest.fixture
def raw_connect() -> Iterator[Callable[..., RawClient]]:
    """Raw socket clients (see RawClient), closed at teardown."""
    made: list[RawClient] = []

    def connect(server: Any, path: str = "/", headers: dict[str, str] | None = None) -> RawClient:
        client = RawClient(server.host, server.port, path, headers)
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()


def client_ssl_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)
