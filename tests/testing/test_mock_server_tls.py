"""MockWebSocketServer with TLS: generated certificate, CA exposed for client contexts."""

from __future__ import annotations

import os
import ssl

import pytest
import websocket

from fnc_websocket.testing.mock_server import MockWebSocketServer


def test_tls_echo_with_the_exposed_ca_file(ws_connect):
    with MockWebSocketServer(tls=True, echo=True) as server:
        assert server.url.startswith("wss://127.0.0.1:")
        assert os.path.exists(server.ca_file)
        ws = ws_connect(server.url, sslopt={"ca_certs": server.ca_file})
        ws.send("secret")
        assert ws.recv() == "secret"
        assert server.wait_for_message().text == "secret"
        ca_file = server.ca_file
    assert not os.path.exists(ca_file)  # temporary files removed at stop()


def test_tls_client_ssl_context_and_trustme_ca(wsl_connect):
    with MockWebSocketServer(tls=True) as server:
        server.when("hi", "hello over tls")
        ws = wsl_connect(server.url, ssl=server.client_ssl_context())
        ws.send("hi")
        assert ws.recv(timeout=5) == "hello over tls"
        context = ssl.create_default_context()
        server.ca.configure_trust(context)  # the trustme.CA itself
        ws2 = wsl_connect(server.url, ssl=context)
        ws2.send("hi")
        assert ws2.recv(timeout=5) == "hello over tls"


def test_tls_server_sends_no_session_tickets(ws_connect):
    # TLS 1.3 tickets reach a client after its handshake; a client that reads on one thread while
    # writing its upgrade request on another (websockets' sync client) could lose that request
    with MockWebSocketServer(tls=True, echo=True) as server:
        ws = ws_connect(server.url, sslopt={"ca_certs": server.ca_file})  # reads on this thread
        ws.send("after the tickets, if any")
        assert ws.recv() == "after the tickets, if any"
        assert ws.sock.version() == "TLSv1.3"
        assert not ws.sock.session.has_ticket


def test_tls_untrusted_client_fails_and_is_recorded(ws_connect):
    with MockWebSocketServer(tls=True) as server:
        with pytest.raises(ssl.SSLCertVerificationError):
            ws_connect(server.url)  # default trust store does not know the mock CA
        failed = server.all_connections[0]
        failed.wait_closed()
        assert any("TLS" in error for error in failed.protocol_errors)
        assert server.connections == []


def test_plain_client_against_tls_server_gets_no_handshake():
    with MockWebSocketServer(tls=True) as server, pytest.raises(websocket.WebSocketException):
        websocket.create_connection(f"ws://127.0.0.1:{server.port}/", timeout=2)


def test_certificates_require_tls():
    with MockWebSocketServer() as server, pytest.raises(RuntimeError, match="tls=True"):
        _ = server.ca_file
