"""Servers and recorders for the client tests: a well-behaved echo server (the ``websockets``
package, in-process) and a raw-socket server whose connections follow a script, to misbehave on
purpose. Everything runs on 127.0.0.1 with ephemeral ports; every thread is joined at stop.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from websockets.sync.server import Server, ServerConnection, serve

from fnc.application import Application
from fnc_websocket.client.component import TTMSFNCWebsocketClient

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WAIT = 5.0


def wait_until(predicate: Callable[[], object], timeout: float = WAIT) -> None:
    """Pump the home thread's queue until ``predicate()`` holds; fail the test otherwise."""
    assert Application.ProcessMessagesUntil(predicate, timeout=timeout), "condition not reached"


def client_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("WebsocketClient")]


# -- recording events ---------------------------------------------------------------------------

class Recorder:
    """Assigns a handler to every event of a client; records (name, args, thread name)."""

    EVENTS = ("OnConnect", "OnDisconnect", "OnMessageReceived", "OnBinaryDataReceived", "OnPing",
              "OnPong", "OnClose", "OnError")

    def __init__(self, client: TTMSFNCWebsocketClient) -> None:
        self.events: list[tuple[str, tuple[Any, ...], str]] = []
        self.lock = threading.Lock()
        for name in self.EVENTS:
            setattr(client, name, self._make(name))

    def _make(self, name: str) -> Callable[..., None]:
        def handler(Sender: Any, *args: Any) -> None:
            with self.lock:
                self.events.append((name, args, threading.current_thread().name))
        return handler

    def names(self) -> list[str]:
        with self.lock:
            return [e[0] for e in self.events]

    def of(self, name: str) -> list[tuple[Any, ...]]:
        with self.lock:
            return [e[1] for e in self.events if e[0] == name]

    def count(self, name: str) -> int:
        return len(self.of(name))

    def threads(self) -> set[str]:
        with self.lock:
            return {e[2] for e in self.events}

    def wait_for(self, name: str, count: int = 1, timeout: float = WAIT) -> None:
        if not Application.ProcessMessagesUntil(lambda: self.count(name) >= count, timeout):
            raise AssertionError(f"{name} x{count} not seen; events: {self.names()}")

    def error(self) -> Exception:
        errors = self.of("OnError")
        assert errors, f"no OnError; events: {self.names()}"
        return errors[0][1]


# -- a well-behaved server ------------------------------------------------------------------------

class EchoServer:
    """The ``websockets`` sync server in a thread: echoes, or runs ``handler(connection)``."""

    def __init__(self, handler: Callable[[ServerConnection], None] | None = None,
                 ssl_context: ssl.SSLContext | None = None, **options: Any) -> None:
        self.requests: list[Any] = []
        self.received: list[str | bytes] = []
        self._handler = handler or self._echo
        options.setdefault("max_size", None)
        options.setdefault("compression", None)
        self.server: Server = serve(self._handle, "127.0.0.1", 0, ssl=ssl_context,
                                    process_request=self._record, **options)
        self.port: int = self.server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name=f"echo-server-{self.port}")
        self._thread.start()

    def _record(self, connection: ServerConnection, request: Any) -> None:
        self.requests.append(request)

    def _echo(self, connection: ServerConnection) -> None:
        for message in connection:
            self.received.append(message)
            connection.send(message)

    def _handle(self, connection: ServerConnection) -> None:
        try:
            self._handler(connection)
        except Exception:
            pass

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(WAIT)
        assert not self._thread.is_alive()


# -- a raw server that misbehaves on purpose ------------------------------------------------------

class RawConnection:
    """The server side of one raw connection, driven by a test script."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(WAIT)
        self.request = b""
        self._buf = b""
        self.last_mask = b""  # the masking key of the last frame read

    def read_request(self) -> str:
        while b"\r\n\r\n" not in self._buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("client closed before the request ended")
            self._buf += data
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        self.request = head
        return head.decode("latin-1")

    def key(self) -> str:
        for line in self.request.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-key":
                return value.strip()
        return ""

    def handshake(self, extra: str = "", accept: str | None = None,
                  status: str = "101 Switching Protocols") -> None:
        self.read_request()
        if accept is None:
            accept = base64.b64encode(hashlib.sha1((self.key() + GUID).encode()).digest()
                                      ).decode()
        self.sock.sendall((f"HTTP/1.1 {status}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n").encode("latin-1"))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    @staticmethod
    def frame(opcode: int, payload: bytes = b"", fin: bool = True, rsv: int = 0,
              mask: bytes | None = None) -> bytes:
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head = bytes((b0, mbit | n))
        elif n < 65536:
            head = struct.pack("!BBH", b0, mbit | 126, n)
        else:
            head = struct.pack("!BBQ", b0, mbit | 127, n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            head += mask
        return head + payload

    def send_frame(self, opcode: int, payload: bytes = b"", fin: bool = True, rsv: int = 0,
                   mask: bytes | None = None) -> None:
        self.sock.sendall(self.frame(opcode, payload, fin, rsv, mask))

    def _read(self, n: int) -> bytes:
        while len(self._buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self._buf += data
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def recv_frame(self) -> tuple[bool, int, bytes, bool]:
        """(fin, opcode, unmasked payload, was masked) of the client's next frame."""
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        masked = bool(b1 & 0x80)
        mask = self._read(4) if masked else b""
        self.last_mask = mask
        data = self._read(n)
        if masked and data:  # (one big-integer XOR: fast, and independent of the package)
            n = len(data)
            key = int.from_bytes((mask * (n // 4 + 1))[:n], "little")
            data = (int.from_bytes(data, "little") ^ key).to_bytes(n, "little")
        return bool(b0 & 0x80), b0 & 0x0F, data, masked

    def wait_eof(self) -> bool:
        try:
            while self.sock.recv(65536):
                pass
            return True
        except OSError:
            return False


class RawServer:
    """Accepts connections on 127.0.0.1; runs ``script(RawConnection)`` for each in a thread."""

    def __init__(self, script: Callable[[RawConnection], None],
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.ssl_context = ssl_context
        self.errors: list[BaseException] = []
        self.done = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port: int = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._loop, daemon=True, name="raw-accept")
        self._accept.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True,
                                      name="raw-conn")
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            if self.ssl_context is not None:
                sock.settimeout(WAIT)
                sock = self.ssl_context.wrap_socket(sock, server_side=True)
            self.script(RawConnection(sock))
        except (OSError, EOFError, ssl.SSLError):
            pass
        except BaseException as exc:  # an assertion in a script: report it to the test
            self.errors.append(exc)
        finally:
            sock.close()
            self.done.set()

    def stop(self) -> None:
        self._stop.set()
        self._accept.join(WAIT)
        for thread in self._threads:
            thread.join(WAIT)
        self.listener.close()
        if self.errors:
            raise self.errors[0]


def make_client(port: int, **props: Any) -> TTMSFNCWebsocketClient:
    props.setdefault("HostName", "127.0.0.1")
    return TTMSFNCWebsocketClient(None, Port=port, **props)


def elapsed(fn: Callable[[], object]) -> float:
    t0 = time.monotonic()
    fn()
    return time.monotonic() - t0


# -- fixtures (imported by the client test modules) -----------------------------------------------

import pytest  # noqa: E402


@pytest.fixture
def client_echo() -> Any:
    server = EchoServer()
    yield server
    server.stop()


@pytest.fixture
def client_factory() -> Any:
    """``make(port, **props)`` → a client freed at teardown; no worker may outlive the test."""
    clients: list[TTMSFNCWebsocketClient] = []

    def make(port: int, **props: Any) -> TTMSFNCWebsocketClient:
        client = make_client(port, **props)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.Free()
    assert not client_threads(), f"worker threads left: {client_threads()}"


@pytest.fixture
def client_raw() -> Any:
    """``start(script, ssl_context=None)`` → a started RawServer, stopped at teardown."""
    servers: list[RawServer] = []

    def start(script: Callable[[RawConnection], None], **kw: Any) -> RawServer:
        server = RawServer(script, **kw)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
