"""Servers under test: echo servers the fuzzing client (kosoku fuzzingclient mode) runs against.

Each target is a context manager factory: ``with target.serve() as url:`` starts the server on
127.0.0.1 with an ephemeral port, yields its ``ws://`` URL, and on exit stops it and joins every
thread it started (bounded). :func:`server_targets` lists them all, each either available or with
the reason it is not (the component target needs ``fnc_websocket.server.component``).

About ``websockets``' fragment limit: ``websockets.sync.messages.MAX_FRAGMENTS`` (default 4096,
from the environment variable ``WEBSOCKETS_MAX_FRAGMENTS`` read once at import) caps how many
frames ``recv()`` reassembles into one message; beyond it the connection is failed with 1009
"too many fragments". Autobahn 9.3.1/9.4.1 send 4 MiB in 64-byte frames (65,536 fragments), so
the default fails them. The limit is a module global looked up on every ``recv()``, so setting the
attribute at run time works whatever the import order, but it is process-wide. ``recv_streaming()``
(frame by frame) has no such limit; a server that assembles messages from it bounds the total by
bytes (``max_size``) instead, which is the per-server way to lift it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import websockets.sync.messages
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

#: Autobahn's largest messages are 16 MiB (9.1.6, 9.2.6); allow 32 MiB.
CONFORMANCE_MAX_SIZE = 32 * 2**20
#: Enough fragments for 9.3.1/9.4.1 (65,536 frames of 64 bytes) with room to spare.
CONFORMANCE_MAX_FRAGMENTS = 2**20


@contextlib.contextmanager
def websockets_max_fragments(limit: int | None) -> Iterator[None]:
    """Set ``websockets``' process-wide fragment limit for the duration (None: leave it)."""
    if limit is None:
        yield
        return
    previous = websockets.sync.messages.MAX_FRAGMENTS
    websockets.sync.messages.MAX_FRAGMENTS = limit
    try:
        yield
    finally:
        websockets.sync.messages.MAX_FRAGMENTS = previous


class WebsocketsEchoServer:
    """Bare ``websockets.sync.server`` echo server: the baseline the component is compared to.

    ``streaming=False`` echoes whole messages (``recv()``/``send()``), with the fragment limit
    raised to ``max_fragments`` (None keeps websockets' default, to show its effect).
    ``streaming=True`` echoes frame by frame with ``recv_streaming()`` (no fragment limit).
    """

    def __init__(self, *, streaming: bool = False,
                 max_fragments: int | None = CONFORMANCE_MAX_FRAGMENTS,
                 max_size: int | None = CONFORMANCE_MAX_SIZE, compression: str | None = "deflate",
                 join_timeout: float = 10.0, name: str | None = None) -> None:
        self.streaming = streaming
        self.max_fragments = max_fragments
        self.max_size = max_size
        self.compression = compression
        self.join_timeout = join_timeout
        self.name = name or ("websockets-streaming" if streaming else "websockets")

    def _handler(self, connection: ServerConnection) -> None:
        try:
            if self.streaming:
                while True:
                    connection.send(connection.recv_streaming())
            else:
                for message in connection:
                    connection.send(message)
        except ConnectionClosed:
            return

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        with websockets_max_fragments(None if self.streaming else self.max_fragments), \
                serve(self._handler, "127.0.0.1", 0, max_size=self.max_size,
                      compression=self.compression) as server:
            port = server.socket.getsockname()[1]
            thread = threading.Thread(target=server.serve_forever, name="websockets-echo",
                                      daemon=True)
            thread.start()
            try:
                yield f"ws://127.0.0.1:{port}"
            finally:
                server.shutdown()
                thread.join(self.join_timeout)
                if thread.is_alive():
                    raise RuntimeError("websockets echo server did not stop in time")


class ComponentEchoServer:
    """Our ``TTMSFNCWebSocketServer`` (``fnc_websocket.server.component``) as an echo server.

    ``Port = 0``, ``MaxMessageSize = 0`` (Autobahn sends 16 MiB); echo through
    ``AConnection.Send`` / ``SendBytes``. With ``home = False`` (``fnc-server``):
    ``AutoSyncEvents = False``, handlers on the connection threads. With ``home = True``
    (``fnc-server-home``): ``AutoSyncEvents = True``, the component is created on a thread of its
    own that pumps its message queue, so its home thread reads the sockets while it waits (the
    default set-up of an application). Stopped with ``Active = False`` and ``Free()`` on the
    thread that created it.
    """

    def __init__(self, home: bool = False) -> None:
        self.home = home
        self.name = "fnc-server-home" if home else "fnc-server"

    @staticmethod
    def _create(auto_sync: bool) -> Any:
        from fnc_websocket.errors import EWebSocket
        from fnc_websocket.server.component import TTMSFNCWebSocketServer

        def echo(send: Callable[[], None]) -> None:
            try:
                send()
            except EWebSocket:
                # The component refuses sends once the connection is closing (a close was
                # received or sent); a message event may still run then. A refusal at any
                # other time leaves the echo missing, which the case verdict reports.
                pass

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            echo(lambda: AConnection.Send(AMessage))

        def on_binary(Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
            echo(lambda: AConnection.SendBytes(AData))

        server = TTMSFNCWebSocketServer(None)
        server.Port = 0
        server.BindingIP = "127.0.0.1"
        server.AutoSyncEvents = auto_sync
        server.MaxMessageSize = 0
        server.OnMessageReceived = on_message
        server.OnBinaryDataReceived = on_binary
        return server

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        if not self.home:
            server = self._create(auto_sync=False)
            try:
                server.Active = True
                yield f"ws://127.0.0.1:{server.BoundPort}"
            finally:
                server.Active = False
                server.Free()
            return
        from fnc.application import Application

        started: list[str | BaseException] = []
        ready = threading.Event()
        stop = threading.Event()

        def home() -> None:
            try:
                server = self._create(auto_sync=True)
                server.Active = True
            except BaseException as exc:  # reported to the caller below
                started.append(exc)
                ready.set()
                return
            started.append(f"ws://127.0.0.1:{server.BoundPort}")
            ready.set()
            try:
                while not stop.is_set():
                    Application.HandleMessage(0.05)
            finally:
                server.Active = False
                server.Free()

        thread = threading.Thread(target=home, name="fnc-server-home", daemon=True)
        thread.start()
        try:
            if not ready.wait(30):
                raise RuntimeError("the home-thread echo server did not start in time")
            if isinstance(started[0], BaseException):
                raise started[0]
            yield started[0]
        finally:
            stop.set()
            thread.join(30)
            if thread.is_alive():
                raise RuntimeError("the home-thread echo server did not stop in time")


@dataclass(frozen=True)
class ServerEntry:
    """A server target the runners know."""

    name: str
    factory: Callable[[], Any]


def server_targets() -> dict[str, ServerEntry]:
    """Every known server target by name."""
    return {
        "websockets": ServerEntry("websockets", WebsocketsEchoServer),
        "websockets-streaming": ServerEntry(
            "websockets-streaming", lambda: WebsocketsEchoServer(streaming=True)
        ),
        "websockets-default-fragments": ServerEntry(
            "websockets-default-fragments", lambda: WebsocketsEchoServer(max_fragments=None,
                                                     name="websockets-default-fragments")
        ),
        "fnc-server": ServerEntry("fnc-server", ComponentEchoServer),
        "fnc-server-home": ServerEntry("fnc-server-home", lambda: ComponentEchoServer(home=True)),
    }
