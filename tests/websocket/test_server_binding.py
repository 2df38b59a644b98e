"""BindingIP: '' listens on every interface, IPv6 included (one dual-stack socket)."""

from __future__ import annotations

import socket

import pytest
from server_support import EventLog, running_server

from fnc_websocket import TTMSFNCWebsocketClient


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6 or not socket.has_dualstack_ipv6():
        return False
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(),
                                reason="this machine has no usable IPv6 loopback (::1)")


def _echo_once(port: int, host: str) -> tuple[str, str]:
    client = TTMSFNCWebsocketClient(None, HostName=host, Port=port)
    with client:
        got: list[str] = []
        client.OnConnect = lambda Sender, AConnection: AConnection.Send(host)
        client.OnMessageReceived = lambda Sender, AConnection, AMessage: got.append(AMessage)
        client.Connect()
        from fnc import Application

        assert Application.ProcessMessagesUntil(lambda: got, timeout=5), host
        conn = client.Connection
        assert conn is not None
        return got[0], conn.PeerIP


@needs_ipv6
def test_empty_bindingip_accepts_ipv4_and_ipv6_clients():
    with running_server(BindingIP="") as server:
        log = EventLog(server)
        server.OnMessageReceived = lambda Sender, AConnection, AMessage: AConnection.Send(
            f"{AMessage} from {AConnection.PeerIP}")
        port = server.BoundPort
        assert port > 0
        assert _echo_once(port, "127.0.0.1") == ("127.0.0.1 from 127.0.0.1", "127.0.0.1")
        assert _echo_once(port, "::1") == ("::1 from ::1", "::1")
        assert log.wait_for("OnDisconnect", 2)


@needs_ipv6
def test_an_ipv6_bindingip_listens_on_ipv6_only():
    with running_server(BindingIP="::1") as server:
        server.OnMessageReceived = lambda Sender, AConnection, AMessage: AConnection.Send("6")
        assert _echo_once(server.BoundPort, "::1")[0] == "6"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", server.BoundPort), timeout=2).close()


def test_an_ipv4_bindingip_is_not_reachable_over_ipv6():
    with running_server(BindingIP="127.0.0.1") as server:
        if _ipv6_loopback():
            with pytest.raises(OSError):
                socket.create_connection(("::1", server.BoundPort), timeout=2).close()
        assert _echo_once_plain(server.BoundPort)


def _echo_once_plain(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        return True
