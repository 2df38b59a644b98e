"""The TMS names a porting user looks for: constants, resource strings, event types, the
connection's multi-frame sends and WebSocketVersion, and the protected ``*Received`` methods
that subclasses override (TMS's WhatsApp receiver overrides ``MessageReceived``).

Real sockets on 127.0.0.1: our client against our server, and a raw server for the handshake
limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from client_support import RawConnection, Recorder, wait_until
from server_support import running_server

import fnc_websocket
import fnc_websocket.events
import fnc_websocket.types
from fnc import Application, listen
from fnc_websocket import (
    EightBytesLengthCode,
    EWebSocketClientHandshakeError,
    Fin,
    MaxheaderCount,
    SErrTooManyHeaders,
    TTMSFNCCustomWebsocketClient,
    TTMSFNCCustomWebSocketServer,
    TTMSFNCWebSocketClientConnection,
    TTMSFNCWebSocketConnection,
    TTMSFNCWebSocketServer,
    TTMSFNCWebSocketServerConnection,
    TTMSFNCWebSocketTLSVersion,
    TTMSFNCWebSocketTLSVersions,
    TwoBytesLengthCode,
    ftContinuation,
    ftFirst,
    ftLast,
    twsoFrameByFrame,
)
from fnc_websocket.client.handshake import MAX_HEADER_COUNT
from fnc_websocket.connection import frame_payload_sizes

WAIT = 5.0


# -- names ------------------------------------------------------------------------------------

TMS_NAMES = (
    "Fin", "TwoBytesLengthCode", "EightBytesLengthCode", "MaxheaderCount", "DefaultPort",
    "CurrentWebSocketVersion", "SErrActive", "SErrInActive", "SErrHandshakeNotComplete",
    "SErrNotSimpleOperation", "SErrCloseSent", "SErrTooManyHeaders", "wstTLS1", "wstTLS1_1",
    "wstTLS1_2", "TTMSFNCWebSocketTLSVersions", "TTMSFNCWebSocketBinDataEvent",
    "TTMSFNCWebSocketControlEvent", "TTMSFNCWebSocketMessageEvent",
    "TTMSFNCWebSocketConnectEvent", "TTMSFNCWebSocketNotifyEvent",
    "TTMSFNCWebSocketDisconnectEvent", "TTMSFNCWebsocketClientHandShakeEvent",
    "TTMSFNCWebsocketClientHandshakeResponseEvent", "TTMSFNCWebSocketAllowConnectionEvent",
    "TTMSFNCWebSocketHandshakeSentEvent", "TTMSFNCWebSocketServerGetSSLPasswordEvent",
)


@pytest.mark.parametrize("name", TMS_NAMES)
def test_tms_name_is_exported(name: str) -> None:
    assert name in fnc_websocket.__all__
    homes = (fnc_websocket.types, fnc_websocket.events)
    assert [getattr(home, name) for home in homes if name in home.__all__] == \
        [getattr(fnc_websocket, name)]


def test_constants_have_tms_values() -> None:
    assert (Fin, TwoBytesLengthCode, EightBytesLengthCode) == (0x80, 126, 127)
    assert MaxheaderCount == 100 and MAX_HEADER_COUNT is MaxheaderCount
    assert SErrTooManyHeaders == "Too many response headers"
    assert fnc_websocket.TTMSFNCWebSocketDisconnectEvent is \
        fnc_websocket.TTMSFNCWebSocketNotifyEvent


def test_tls_versions_are_module_members_and_a_set_type() -> None:
    members = (fnc_websocket.wstTLS1, fnc_websocket.wstTLS1_1, fnc_websocket.wstTLS1_2)
    assert members == tuple(TTMSFNCWebSocketTLSVersion)
    assert TTMSFNCWebSocketTLSVersions == frozenset[TTMSFNCWebSocketTLSVersion]


def test_event_type_aliases_list_delphi_parameters() -> None:
    from fnc_websocket.events import (
        TTMSFNCWebSocketBinDataEvent,
        TTMSFNCWebSocketControlEvent,
        TTMSFNCWebSocketMessageEvent,
    )

    assert TTMSFNCWebSocketMessageEvent.__args__[1:] == (TTMSFNCWebSocketConnection, str, None)
    assert TTMSFNCWebSocketControlEvent.__args__[1:] == (TTMSFNCWebSocketConnection, bytes,
                                                         None)
    assert len(TTMSFNCWebSocketBinDataEvent.__args__) == 5  # Sender, AConnection, AData, type
    # The client/server types are forward references; each names a real exported class.
    from fnc.events import VarParam

    namespace = {**vars(fnc_websocket), "VarParam": VarParam}
    for name in ("TTMSFNCWebsocketClientHandshakeResponseEvent",
                 "TTMSFNCWebSocketAllowConnectionEvent", "TTMSFNCWebSocketHandshakeSentEvent",
                 "TTMSFNCWebSocketServerGetSSLPasswordEvent"):
        refs = [a for a in getattr(fnc_websocket, name).__args__ if isinstance(a, str)]
        assert refs and all(eval(ref, namespace) for ref in refs), name
    allow = fnc_websocket.TTMSFNCWebSocketAllowConnectionEvent.__args__
    assert allow[1:] == ("TTMSFNCWebSocketServerConnection", "VarParam[bool]", None)


# -- SErrTooManyHeaders / MaxheaderCount ---------------------------------------------------

@pytest.mark.parametrize("headers, refused", [(MaxheaderCount, False),
                                              (MaxheaderCount + 1, True)])
def test_max_header_count_is_the_response_limit(client_raw: Any, client_factory: Any,
                                                headers: int, refused: bool) -> None:
    extra = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(headers - 3))  # +3 standard

    def script(conn: RawConnection) -> None:
        conn.handshake(extra=extra)
        conn.wait_eof()

    server = client_raw(script)
    client = client_factory(server.port)
    rec = Recorder(client)
    client.Connect()
    if refused:
        rec.wait_for("OnDisconnect")
        error = rec.error()
        assert isinstance(error, EWebSocketClientHandshakeError)
        assert str(error) == SErrTooManyHeaders
    else:
        rec.wait_for("OnConnect")
        client.Disconnect(False)
        assert "OnError" not in rec.names()


# -- a client/server pair -----------------------------------------------------------------------

def pair(server: TTMSFNCCustomWebSocketServer,
         client_cls: type = fnc_websocket.TTMSFNCWebsocketClient, **client_props: Any
         ) -> tuple[Any, list[TTMSFNCWebSocketServerConnection]]:
    """A connected client of ``server`` and the list holding the server's connection."""
    conns: list[TTMSFNCWebSocketServerConnection] = []
    listen(server, "OnHandshakeResponseSent", lambda Sender, AConnection: conns.append(
        AConnection))
    client = client_cls(None, HostName="127.0.0.1", Port=server.BoundPort, **client_props)
    connected: list[Any] = []
    listen(client, "OnConnect", lambda Sender, AConnection: connected.append(AConnection))
    client.Connect()
    wait_until(lambda: connected and conns)
    return client, conns


class Frames:
    """Records the frame-by-frame deliveries of one component: (kind, data, frame types)."""

    def __init__(self, component: Any) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[str, Any, Any]] = []
        listen(component, "OnMessageReceived", lambda S, C, M: self._add("text", M, None))
        listen(component, "OnBinaryDataReceived", lambda S, C, D, T: self._add("bin", D, T))

    def _add(self, kind: str, data: Any, types: Any) -> None:
        with self.lock:
            self.items.append((kind, data, types))

    def snapshot(self) -> list[tuple[str, Any, Any]]:
        with self.lock:
            return list(self.items)


def expected_pieces(data: bytes, frame_length: int, masked: bool) -> list[bytes]:
    pieces, at = [], 0
    for size in frame_payload_sizes(len(data), frame_length, masked):
        pieces.append(data[at:at + size])
        at += size
    return pieces


def frame_types(n: int) -> list[frozenset[Any]]:
    if n == 1:
        return [frozenset({ftFirst, ftLast})]
    return ([frozenset({ftFirst})] + [frozenset({ftContinuation})] * (n - 2)
            + [frozenset({ftContinuation, ftLast})])


# -- SendInMultipleFrames / SendBytesInMultipleFrames / WebSocketVersion -----------------------

def test_client_connection_sends_in_multiple_frames() -> None:
    with running_server(Options={twsoFrameByFrame}, Compression=False) as server:
        frames = Frames(server)
        client, _conns = pair(server)
        try:
            conn = client.Connection
            assert isinstance(conn, TTMSFNCWebSocketClientConnection)
            text = "héllo, frames"   # 14 bytes in UTF-8; 9-byte frames: 6 header + 3 payload
            conn.SendInMultipleFrames(text, 9)
            pieces = expected_pieces(text.encode(), 9, masked=True)
            assert len(pieces) == 5
            wait_until(lambda: len(frames.snapshot()) == len(pieces))
            got = frames.snapshot()
            assert all(kind == "text" for kind, _d, _t in got)  # text stays text
            assert "".join(d for _k, d, _t in got) == text
            data = bytes(range(20))
            conn.SendBytesInMultipleFrames(data, 14)  # 8 payload bytes per frame
            pieces = expected_pieces(data, 14, masked=True)
            assert [len(p) for p in pieces] == [8, 8, 4]
            wait_until(lambda: len(frames.snapshot()) == len(got) + 3)
            binary = frames.snapshot()[len(got):]
            assert [d for _k, d, _t in binary] == pieces
            assert [t for _k, _d, t in binary] == frame_types(3)
        finally:
            client.Free()


def test_server_connection_sends_in_multiple_frames() -> None:
    with running_server(Compression=False) as server:
        client, conns = pair(server, Options={twsoFrameByFrame})
        try:
            frames = Frames(client)
            conn = conns[0]
            data = b"0123456789abcdef"
            conn.SendBytesInMultipleFrames(data, 7)  # unmasked: 2 header + 5 payload
            pieces = expected_pieces(data, 7, masked=False)
            assert [len(p) for p in pieces] == [5, 5, 5, 1]
            wait_until(lambda: len(frames.snapshot()) == 4)
            assert [(k, d, t) for k, d, t in frames.snapshot()] == [
                ("bin", p, t) for p, t in zip(pieces, frame_types(4), strict=True)]
            conn.SendInMultipleFrames("split me", 4)   # 2 payload bytes per frame
            wait_until(lambda: len(frames.snapshot()) == 8)
            text = frames.snapshot()[4:]
            assert [(k, d) for k, d, _t in text] == [("text", s) for s in
                                                    ("sp", "li", "t ", "me")]
        finally:
            client.Free()


def test_multiple_frames_ignore_split_message_setting() -> None:
    """An explicit frame length wins over SplitMessage/FrameSize, on both sides."""
    with running_server(Options={twsoFrameByFrame}, Compression=False, SplitMessage=True,
                        FrameSize=4) as server:
        frames = Frames(server)
        client, _conns = pair(server, SplitMessage=True, FrameSize=7)
        try:
            client.Connection.SendInMultipleFrames("abcdefghij", 16)  # 10 payload per frame
            wait_until(lambda: frames.snapshot())
            assert frames.snapshot() == [("text", "abcdefghij", None)]
        finally:
            client.Free()


@pytest.mark.parametrize("side", ["client", "server"])
def test_multiple_frames_reject_bad_frame_length(side: str) -> None:
    with running_server() as server:
        client, conns = pair(server)
        try:
            conn = client.Connection if side == "client" else conns[0]
            smallest = 7 if side == "client" else 3
            conn.SendInMultipleFrames("ok", smallest)   # the smallest that carries payload
            with pytest.raises(ValueError, match=r"AFrameLength.*no room for payload"):
                conn.SendInMultipleFrames("x", smallest - 1)
            with pytest.raises(ValueError, match="AFrameLength"):
                conn.SendBytesInMultipleFrames(b"x", 0)
            with pytest.raises(TypeError, match="AFrameLength: expected int"):
                conn.SendBytesInMultipleFrames(b"x", 8.0)
            with pytest.raises(TypeError, match=r"expected str|expects str"):
                conn.SendInMultipleFrames(b"x", 64)
        finally:
            client.Free()


def test_websocket_version_is_13_and_read_only() -> None:
    with running_server() as server:
        client, conns = pair(server)
        try:
            for conn in (client.Connection, conns[0]):
                assert conn.WebSocketVersion == 13
                with pytest.raises(AttributeError):
                    conn.WebSocketVersion = 8
        finally:
            client.Free()


# -- protected *Received methods: the client ------------------------------------------------

class UpperClient(TTMSFNCCustomWebsocketClient):
    """Transforms text, swallows messages starting with 'drop', records every call."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.calls: list[tuple[str, Any, str]] = []
        super().__init__(*args, **kw)

    def _note(self, name: str, data: Any) -> None:
        self.calls.append((name, data, threading.current_thread().name))

    def MessageReceived(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
        self._note("MessageReceived", AMessage)
        assert Sender is AConnection is self.Connection
        if AMessage.startswith("drop"):
            return
        super().MessageReceived(Sender, AConnection, AMessage.upper())

    def BinaryDataReceived(self, Sender: Any, AConnection: Any, AData: bytes,
                           AFrameType: Any) -> None:
        self._note("BinaryDataReceived", (AData, AFrameType))
        super().BinaryDataReceived(Sender, AConnection, AData[::-1], AFrameType)

    def PingReceived(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        self._note("PingReceived", AData)
        super().PingReceived(Sender, AConnection, AData)

    def PongReceived(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        self._note("PongReceived", AData)
        super().PongReceived(Sender, AConnection, AData)

    def CloseReceived(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        self._note("CloseReceived", AData)
        super().CloseReceived(Sender, AConnection, AData)


def test_client_override_transforms_and_swallows_on_the_worker() -> None:
    with running_server() as server:
        listen(server, "OnMessageReceived", lambda S, C, M: C.Send(M))
        listen(server, "OnBinaryDataReceived", lambda S, C, D, T: C.SendBytes(D))
        client, conns = pair(server, client_cls=UpperClient)
        rec = Recorder(client)
        try:
            client.Send("drop this")
            client.Send("keep this")
            client.Send(b"\x01\x02\x03")
            client.Ping("p")
            conns[0].Ping(b"from server")
            wait_until(lambda: rec.of("OnMessageReceived") and rec.of("OnBinaryDataReceived")
                       and rec.of("OnPong") and rec.of("OnPing"))
            assert rec.of("OnMessageReceived") == [(client.Connection, "KEEP THIS")]
            assert rec.of("OnBinaryDataReceived")[0][1] == b"\x03\x02\x01"
            assert rec.of("OnPong")[0][1] == b"p"
            assert rec.of("OnPing")[0][1] == b"from server"
            conns[0].SendClose(4000, "bye")
            rec.wait_for("OnDisconnect")
            assert rec.of("OnClose")[0][1] == (4000).to_bytes(2, "big") + b"bye"
            names = [n for n, _d, _t in client.calls]
            assert names.count("MessageReceived") == 2          # the swallowed one too
            assert {"BinaryDataReceived", "PingReceived", "PongReceived",
                    "CloseReceived"} <= set(names)
            # The overrides run on the client's worker; the events are marshaled home.
            worker = client.Connection._worker.thread.name
            assert {t for _n, _d, t in client.calls} == {worker}
            assert worker != threading.current_thread().name
            assert rec.threads() == {threading.current_thread().name}
        finally:
            client.Free()


def test_client_override_runs_on_the_check_incoming_thread() -> None:
    with running_server() as server:
        client, conns = pair(server, client_cls=UpperClient, AutoCheckMessages=False,
                             CheckTimeout=50)
        rec = Recorder(client)
        try:
            conns[0].Send("polled")
            deadline = threading.Event()
            timer = threading.Timer(WAIT, deadline.set)
            timer.start()
            try:
                while not rec.of("OnMessageReceived") and not deadline.is_set():
                    client.CheckIncoming()
                    Application.ProcessMessages()
            finally:
                timer.cancel()
            assert rec.of("OnMessageReceived") == [(client.Connection, "POLLED")]
            assert client.calls == [("MessageReceived", "polled",
                                     threading.current_thread().name)]
        finally:
            client.Free()


class FailingClient(TTMSFNCCustomWebsocketClient):
    def MessageReceived(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
        if AMessage == "boom":
            raise RuntimeError("override failed")
        super().MessageReceived(Sender, AConnection, AMessage)


def test_client_override_exception_goes_to_handle_exception() -> None:
    errors: list[BaseException] = []
    unlisten = listen(Application, "OnException", lambda Sender, E: errors.append(E))
    try:
        with running_server() as server:
            client, conns = pair(server, client_cls=FailingClient)
            rec = Recorder(client)
            try:
                conns[0].Send("boom")
                conns[0].Send("after")
                wait_until(lambda: rec.of("OnMessageReceived"))
                assert rec.of("OnMessageReceived") == [(client.Connection, "after")]
                assert [str(e) for e in errors] == ["override failed"]
                assert client.Active and "OnError" not in rec.names()
            finally:
                client.Free()
    finally:
        unlisten()


# -- protected *Received methods: the server ------------------------------------------------

class TaggingServer(TTMSFNCWebSocketServer):
    """Prefixes text, swallows messages starting with 'drop', records every call."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        self.calls: list[tuple[str, Any, str]] = []
        super().__init__(*args, **kw)

    def _note(self, name: str, data: Any) -> None:
        self.calls.append((name, data, threading.current_thread().name))

    def MessageReceived(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
        self._note("MessageReceived", AMessage)
        assert Sender is AConnection
        if AMessage.startswith("drop"):
            return
        super().MessageReceived(Sender, AConnection, "seen: " + AMessage)

    def BinaryDataReceived(self, Sender: Any, AConnection: Any, AData: bytes,
                           AFrameType: Any) -> None:
        self._note("BinaryDataReceived", AData)
        super().BinaryDataReceived(Sender, AConnection, AData, AFrameType)

    def PingReceived(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        self._note("PingReceived", AData)
        super().PingReceived(Sender, AConnection, AData)

    def PongReceived(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        self._note("PongReceived", AData)
        super().PongReceived(Sender, AConnection, AData)

    def CloseReceived(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        self._note("CloseReceived", AData)
        super().CloseReceived(Sender, AConnection, AData)


@pytest.mark.parametrize("auto_sync", [False, True])
def test_server_override_transforms_and_swallows_on_the_connection_thread(
        auto_sync: bool) -> None:
    server = TaggingServer(None, Port=0, BindingIP="127.0.0.1", AutoSyncEvents=auto_sync)
    events: list[tuple[str, Any, str]] = []

    def recorder(name: str) -> Callable[..., None]:
        def record(Sender: Any, AConnection: Any, *args: Any) -> None:
            events.append((name, args[0], threading.current_thread().name))
        return record

    for name in ("OnMessageReceived", "OnBinaryDataReceived", "OnPing", "OnPong", "OnClose"):
        listen(server, name, recorder(name))
    try:
        server.Active = True
        client, conns = pair(server)
        try:
            client.Send("drop me")
            client.Send("hello")
            client.Send(b"\x00bin")
            client.Ping("c")
            conns[0].Ping(b"s")
            wait_until(lambda: {"OnMessageReceived", "OnBinaryDataReceived", "OnPing",
                                "OnPong"} <= {n for n, _a, _t in events})
            client.Disconnect()
            wait_until(lambda: any(n == "OnClose" for n, _a, _t in events))
            assert [(n, a) for n, a, _t in events if n == "OnMessageReceived"] == [
                ("OnMessageReceived", "seen: hello")]
            names = [n for n, _a, _t in server.calls]
            assert names.count("MessageReceived") == 2
            assert {"BinaryDataReceived", "PingReceived", "PongReceived",
                    "CloseReceived"} <= set(names)
            # Overrides run on the connection's thread; the events follow AutoSyncEvents.
            home = threading.current_thread().name
            conn_thread = conns[0]._thread.name
            assert conn_thread != home
            assert {t for _n, _a, t in server.calls} == {conn_thread}
            assert {t for _n, _a, t in events} == ({home} if auto_sync else {conn_thread})
        finally:
            client.Free()
    finally:
        server.Free()
