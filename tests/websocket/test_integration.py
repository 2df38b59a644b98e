"""Our client against our server on 127.0.0.1: events, threads, data, close codes, refusals,
TLS, many clients, heartbeats and thread ownership, end to end."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme
from server_support import running_server, wait_threads_back

from fnc import Application, listen
from fnc_websocket import (
    EWebSocketClientHandshakeError,
    EWebsocketServerHandshakeError,
    TransformCloseData,
    TTMSFNCWebsocketClient,
    TTMSFNCWebSocketHandshakeException,
    TTMSFNCWebSocketServer,
    ftFirst,
    ftLast,
    twsoFrameByFrame,
)

WAIT = 5.0
CLIENT_EVENTS = ("OnConnect", "OnMessageReceived", "OnBinaryDataReceived", "OnPing", "OnPong",
                 "OnClose", "OnError", "OnDisconnect")
SERVER_EVENTS = ("OnConnect", "OnAllow", "OnHandshakeResponseSent", "OnMessageReceived",
                 "OnBinaryDataReceived", "OnPing", "OnPong", "OnClose", "OnError",
                 "OnDisconnect")


class Log:
    """Listens to events of a component; records (name, args, thread name) in order."""

    def __init__(self, component: Any, names: tuple[str, ...]) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[str, tuple[Any, ...], str]] = []
        for name in names:
            listen(component, name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(Sender: Any, *args: Any) -> None:
            with self.lock:
                self.items.append((name, args, threading.current_thread().name))
        return record

    def names(self, skip: tuple[str, ...] = ()) -> list[str]:
        with self.lock:
            return [n for n, _a, _t in self.items if n not in skip]

    def of(self, name: str) -> list[tuple[Any, ...]]:
        with self.lock:
            return [a for n, a, _t in self.items if n == name]

    def threads(self, name: str | None = None) -> set[str]:
        with self.lock:
            return {t for n, _a, t in self.items if name is None or n == name}

    def wait_for(self, name: str, count: int = 1, timeout: float = WAIT) -> None:
        if not Application.ProcessMessagesUntil(lambda: len(self.of(name)) >= count, timeout):
            raise AssertionError(f"{name} x{count} not seen; events: {self.names()}")


def wait_until(predicate: Callable[[], object], timeout: float = WAIT) -> None:
    assert Application.ProcessMessagesUntil(predicate, timeout=timeout), "condition not reached"


@contextlib.contextmanager
def client_for(server: TTMSFNCWebSocketServer, **props: Any
               ) -> Iterator[tuple[TTMSFNCWebsocketClient, Log]]:
    """A client (AutoSyncEvents True, the default) aimed at ``server``; freed at the end."""
    props.setdefault("HostName", "127.0.0.1")
    client = TTMSFNCWebsocketClient(None, Port=server.BoundPort, **props)
    try:
        yield client, Log(client, CLIENT_EVENTS)
    finally:
        client.Free()


def echo(server: TTMSFNCWebSocketServer) -> None:
    server.OnMessageReceived = lambda Sender, AConnection, AMessage: AConnection.Send(AMessage)
    server.OnBinaryDataReceived = (
        lambda Sender, AConnection, AData, AFrameType: AConnection.SendBytes(AData))


@pytest.fixture(params=[False, True], ids=["server-on-connection-threads", "server-autosync"])
def server_sync(request: pytest.FixtureRequest) -> bool:
    return request.param


# -- events, threads and order ----------------------------------------------------------------

def test_events_threads_and_order_on_both_sides(server_sync):
    main = threading.current_thread().name
    with running_server(AutoSyncEvents=server_sync) as server:
        slog = Log(server, SERVER_EVENTS)
        echo(server)
        server.OnHandshakeResponseSent = lambda Sender, AConnection: AConnection.Send("welcome")
        with client_for(server) as (client, clog):
            client.Connect()
            clog.wait_for("OnMessageReceived")  # the server's welcome
            client.Send("hello")
            clog.wait_for("OnMessageReceived", 2)
            client.Send(b"\x00\x01\xff")
            clog.wait_for("OnBinaryDataReceived")
            client.Ping("are you there")
            clog.wait_for("OnPong")
            client.Disconnect()
            clog.wait_for("OnDisconnect")
            slog.wait_for("OnDisconnect")

            assert clog.names() == ["OnConnect", "OnMessageReceived", "OnMessageReceived",
                                    "OnBinaryDataReceived", "OnPong", "OnClose", "OnDisconnect"]
            assert [a[1] for a in clog.of("OnMessageReceived")] == ["welcome", "hello"]
            assert clog.of("OnBinaryDataReceived")[0][1:] == (b"\x00\x01\xff",
                                                              frozenset({ftFirst, ftLast}))
            assert clog.of("OnPong")[0][1] == b"are you there"
            assert clog.threads() == {main}  # client AutoSyncEvents: all on the home thread
            assert client.CloseCode == 1000

        # OnAllow runs directly on the connection thread; with AutoSyncEvents it may overtake
        # the queued OnConnect, so the order is checked without it.
        assert slog.names(skip=("OnAllow",)) == [
            "OnConnect", "OnHandshakeResponseSent", "OnMessageReceived",
            "OnBinaryDataReceived", "OnPing", "OnClose", "OnDisconnect"]
        assert slog.of("OnMessageReceived")[0][1] == "hello"
        assert slog.of("OnBinaryDataReceived")[0][1] == b"\x00\x01\xff"
        assert slog.of("OnPing")[0][1] == b"are you there"
        assert TransformCloseData(slog.of("OnClose")[0][1]) == (1000, "")
        (allow_thread,) = slog.threads("OnAllow")
        assert allow_thread.startswith("fnc-ws-server-conn 127.0.0.1:")
        others = {t for n, _a, t in slog.items if n != "OnAllow"}
        if server_sync:
            assert others == {main}
        else:
            assert others == {allow_thread}
        conns = {id(a[0]) for _n, a, _t in slog.items}
        assert len(conns) == 1  # one AConnection for every server event


# -- SplitMessage --------------------------------------------------------------------------------

TEXT = "split text é € 😀 " * 20  # multi-byte characters straddle the frame boundaries


def test_split_text_stays_text_and_arrives_whole_both_ways():
    with running_server(SplitMessage=True, FrameSize=16) as server:
        slog = Log(server, SERVER_EVENTS)
        echo(server)
        with client_for(server, SplitMessage=True, FrameSize=16) as (client, clog):
            client.Connect()
            clog.wait_for("OnConnect")
            client.Send(TEXT)
            clog.wait_for("OnMessageReceived")
            # The server's recorder listens after the echo handler, on the connection thread:
            # the echo can reach the client before the server's record is made.
            slog.wait_for("OnMessageReceived")
            assert slog.of("OnMessageReceived")[0][1] == TEXT
            assert clog.of("OnMessageReceived")[0][1] == TEXT
            assert not slog.of("OnBinaryDataReceived") and not clog.of("OnBinaryDataReceived")


def test_split_text_is_really_fragmented_and_every_fragment_is_text():
    with running_server(SplitMessage=True, FrameSize=16, Options={twsoFrameByFrame}) as server:
        slog = Log(server, SERVER_EVENTS)
        server.OnMessageReceived = None
        got_all = threading.Event()

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            if "".join(a[1] for a in slog.of("OnMessageReceived")) == TEXT:
                got_all.set()
                AConnection.Send(TEXT)

        listen(server, "OnMessageReceived", on_message)
        with client_for(server, SplitMessage=True, FrameSize=16,
                        Options={twsoFrameByFrame}) as (client, clog):
            client.Connect()
            clog.wait_for("OnConnect")
            client.Send(TEXT)
            wait_until(lambda: "".join(a[1] for a in clog.of("OnMessageReceived")) == TEXT)
            assert got_all.is_set()
            assert len(slog.of("OnMessageReceived")) > 10  # one event per fragment
            assert len(clog.of("OnMessageReceived")) > 10
            assert not slog.of("OnBinaryDataReceived") and not clog.of("OnBinaryDataReceived")


# -- ping and pong -----------------------------------------------------------------------------

def test_ping_and_pong_both_ways(server_sync):
    with running_server(AutoSyncEvents=server_sync) as server:
        slog = Log(server, SERVER_EVENTS)
        with client_for(server) as (client, clog):
            client.Connect()
            clog.wait_for("OnConnect")
            wait_until(lambda: server.ConnectionCount == 1)
            client.Ping(b"from client")
            clog.wait_for("OnPong")
            slog.wait_for("OnPing")
            server.Connections[0].Ping(b"from server")
            slog.wait_for("OnPong")
            clog.wait_for("OnPing")
            assert clog.of("OnPong")[0][1] == b"from client"
            assert slog.of("OnPing")[0][1] == b"from client"
            assert clog.of("OnPing")[0][1] == b"from server"
            assert slog.of("OnPong")[0][1] == b"from server"


# -- close codes and reasons ---------------------------------------------------------------------

def test_client_close_code_and_reason_reach_the_server():
    with running_server() as server:
        slog = Log(server, SERVER_EVENTS)
        with client_for(server) as (client, clog):
            client.OnConnect = lambda Sender, AConnection: AConnection.SendClose(4001, "bye now")
            client.Connect()
            clog.wait_for("OnDisconnect")
            slog.wait_for("OnDisconnect")
            assert TransformCloseData(slog.of("OnClose")[0][1]) == (4001, "bye now")
            conn = slog.of("OnDisconnect")[0][0]
            assert (conn.CloseStatus.code, conn.CloseStatus.reason) == (4001, "bye now")
            assert client.CloseCode == 4001  # the server echoed the code
            assert clog.names() == ["OnConnect", "OnClose", "OnDisconnect"]


def test_server_disconnectclient_code_and_reason_reach_the_client(server_sync):
    with running_server(AutoSyncEvents=server_sync) as server:
        slog = Log(server, SERVER_EVENTS)
        with client_for(server) as (client, clog), client_for(server) as (other, olog):
            client.Connect()
            other.Connect()
            wait_until(lambda: server.ConnectionCount == 2 and client.IsConnected()
                       and other.IsConnected())
            port = next(c for c in server.Connections if c.PeerPort == _local_port(client))
            assert server.DisconnectClient(lambda c: c is port, 4002, "kicked out") == 1
            clog.wait_for("OnDisconnect")
            assert (client.CloseCode, client.CloseReason) == (4002, "kicked out")
            assert TransformCloseData(clog.of("OnClose")[0][1]) == (4002, "kicked out")
            assert not client.Active
            slog.wait_for("OnDisconnect")
            assert other.IsConnected() and olog.names() == ["OnConnect"]


def _local_port(client: TTMSFNCWebsocketClient) -> int:
    conn = client.Connection
    assert conn is not None and conn._sock is not None
    return conn._sock.getsockname()[1]


def test_server_deactivation_is_seen_by_the_client_as_1001(server_sync):
    with running_server(AutoSyncEvents=server_sync) as server, \
            client_for(server) as (client, clog):
        client.Connect()
        clog.wait_for("OnConnect")
        wait_until(lambda: server.ConnectionCount == 1)
        server.Active = False
        clog.wait_for("OnDisconnect")
        assert client.CloseCode == 1001
        assert TransformCloseData(clog.of("OnClose")[0][1])[0] == 1001
        assert clog.names() == ["OnConnect", "OnClose", "OnDisconnect"]


# -- refusals ----------------------------------------------------------------------------------

def test_onallow_refusal_reaches_the_client_as_http_403():
    with running_server() as server:
        slog = Log(server, SERVER_EVENTS)
        server.OnAllow = lambda Sender, AConnection, AAllow: setattr(AAllow, "Value", False)
        with client_for(server) as (client, clog):
            client.Connect()
            clog.wait_for("OnDisconnect")
            assert clog.names() == ["OnError", "OnDisconnect"]
            error = clog.of("OnError")[0][1]
            assert isinstance(error, EWebSocketClientHandshakeError)
            assert error.StatusCode == 403
            assert not client.Active
        slog.wait_for("OnError")
        server_error = slog.of("OnError")[0][1]
        assert server_error.StatusCode == 403
        # One hierarchy: both sides' handshake failures are TMS's handshake exception.
        assert isinstance(server_error, EWebsocketServerHandshakeError)
        assert isinstance(server_error, TTMSFNCWebSocketHandshakeException)
        assert isinstance(error, TTMSFNCWebSocketHandshakeException)
        with pytest.warns(DeprecationWarning, match="StatusCode"):
            assert server_error.status_code == 403


def test_pathname_mismatch_is_404_and_the_right_path_connects():
    with running_server(PathName="chat") as server:
        with client_for(server, PathName="/other") as (client, clog):
            client.Connect()
            clog.wait_for("OnDisconnect")
            error = clog.of("OnError")[0][1]
            assert isinstance(error, EWebSocketClientHandshakeError)
            assert error.StatusCode == 404
        with client_for(server, PathName="chat") as (client, clog):
            client.Connect()
            clog.wait_for("OnConnect")
            assert client.IsConnected()


# -- TLS -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("integration-tls")
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    client_cert = ca.issue_cert("client@example.org")
    files = {n: str(d / f"{n}.pem") for n in ("ca", "cert", "key", "client", "client_key")}
    ca.cert_pem.write_to_path(files["ca"])
    server_cert.cert_chain_pems[0].write_to_path(files["cert"])
    server_cert.private_key_pem.write_to_path(files["key"])
    client_cert.cert_chain_pems[0].write_to_path(files["client"])
    client_cert.private_key_pem.write_to_path(files["client_key"])
    return files


def test_tls_client_verifies_the_server_certificate(pki):
    with running_server(UseSSL=True, CertificateFile=pki["cert"],
                        CertificateKeyFile=pki["key"]) as server:
        echo(server)
        with client_for(server, UseSSL=True, RootCertificateFile=pki["ca"]) as (client, clog):
            client.OnConnect = lambda Sender, AConnection: AConnection.Send("secret")
            client.Connect()
            clog.wait_for("OnMessageReceived")
            assert clog.of("OnMessageReceived")[0][1] == "secret"
        with client_for(server, UseSSL=True) as (client, clog):  # system CAs: not trusted
            client.Connect()
            clog.wait_for("OnDisconnect")
            assert "OnConnect" not in clog.names()
            assert "certificate" in str(clog.of("OnError")[0][1]).lower()


def test_tls_client_certificate_required_by_rootcertificatefile(pki):
    with running_server(UseSSL=True, CertificateFile=pki["cert"], CertificateKeyFile=pki["key"],
                        RootCertificateFile=pki["ca"]) as server:
        slog = Log(server, SERVER_EVENTS)
        echo(server)
        with client_for(server, UseSSL=True, RootCertificateFile=pki["ca"],
                        CertificateFile=pki["client"],
                        CertificateKeyFile=pki["client_key"]) as (client, clog):
            client.OnConnect = lambda Sender, AConnection: AConnection.Send("with cert")
            client.Connect()
            clog.wait_for("OnMessageReceived")
            assert clog.of("OnMessageReceived")[0][1] == "with cert"
        with client_for(server, UseSSL=True, RootCertificateFile=pki["ca"]) as (client, clog):
            client.Connect()  # no client certificate: refused
            clog.wait_for("OnDisconnect")
            assert "OnConnect" not in clog.names() and clog.of("OnError")
        slog.wait_for("OnError")
        assert "certificate" in str(slog.of("OnError")[0][1]).lower()


# -- many clients --------------------------------------------------------------------------------

def test_broadcast_to_20_clients_loses_nothing(server_sync):
    count, messages = 20, 50
    with running_server(AutoSyncEvents=server_sync) as server, contextlib.ExitStack() as stack:
        logs = []
        for _ in range(count):
            client, clog = stack.enter_context(client_for(server))
            client.Connect()
            logs.append(clog)
        wait_until(lambda: server.ConnectionCount == count)
        for i in range(messages):
            assert server.BroadcastMessage(f"m{i}") == count
        server.BroadcastData(b"end")
        wait_until(lambda: all(log.of("OnBinaryDataReceived") for log in logs))
        expected = [f"m{i}" for i in range(messages)]
        for log in logs:
            assert [a[1] for a in log.of("OnMessageReceived")] == expected
            assert log.of("OnBinaryDataReceived")[0][1] == b"end"


# -- heartbeat -----------------------------------------------------------------------------------

def test_heartbeat_on_both_sides_keeps_the_connection_alive():
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1")
    server.HeartBeat.Enabled = True
    server.HeartBeat.Interval = 0.05
    server.HeartBeat.Timeout = 2.0
    slog = Log(server, SERVER_EVENTS)
    with server:
        server.Active = True
        with client_for(server) as (client, clog):
            client.HeartBeat.Enabled = True
            client.HeartBeat.Interval = 0.05
            client.HeartBeat.Timeout = 2.0
            client.Connect()
            # each side's pings are answered automatically by the other
            clog.wait_for("OnPong", 3)
            clog.wait_for("OnPing", 3)
            slog.wait_for("OnPong", 3)
            slog.wait_for("OnPing", 3)
            assert client.IsConnected() and server.ConnectionCount == 1
            assert not clog.of("OnError") and not slog.of("OnError")


# -- threads -------------------------------------------------------------------------------------

def test_no_thread_is_left_after_free():
    baseline = set(threading.enumerate())
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", Active=True)
    echo(server)
    clients = [TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=server.BoundPort)
               for _ in range(3)]
    received: list[str] = []
    for client in clients:
        client.OnConnect = lambda Sender, AConnection: AConnection.Send("x")
        client.OnMessageReceived = lambda Sender, AConnection, AMessage: received.append(AMessage)
        client.Connect()
    wait_until(lambda: len(received) == 3)
    clients[0].Free()  # connected: Free aborts and joins
    clients[1].Disconnect()
    clients[1].Free()
    server.Free()  # the third client is still connected
    wait_until(lambda: not clients[2].Active)
    clients[2].Free()
    assert wait_threads_back(baseline) == []


# -- twsoManualClose ---------------------------------------------------------------------------

def test_client_with_manual_close_answers_the_servers_close_itself():
    with running_server() as server:
        slog = Log(server, SERVER_EVENTS)
        with client_for(server, Options={"twsoManualClose"}) as (client, clog):
            client.OnClose = (lambda Sender, AConnection, AData:
                              AConnection.SendClose(4005, "client reply"))
            client.Connect()
            clog.wait_for("OnConnect")
            wait_until(lambda: server.ConnectionCount == 1)
            assert server.DisconnectClient(lambda c: True, 4002, "go") == 1
            slog.wait_for("OnDisconnect")
            clog.wait_for("OnDisconnect")
            assert TransformCloseData(slog.of("OnClose")[0][1]) == (4005, "client reply")
            assert (client.CloseCode, client.CloseReason) == (4002, "go")


def test_server_with_manual_close_answers_the_clients_close_itself(server_sync):
    with running_server(Options={"twsoManualClose"}, AutoSyncEvents=server_sync) as server:
        server.OnClose = (lambda Sender, AConnection, AData:
                          AConnection.SendClose(4006, "server reply"))
        with client_for(server) as (client, clog):
            client.OnConnect = lambda Sender, AConnection: AConnection.SendClose(1000)
            client.Connect()
            clog.wait_for("OnDisconnect")
            assert (client.CloseCode, client.CloseReason) == (4006, "server reply")
            assert not clog.of("OnError")
