"""TLS: a verified wss:// server, client certificates, encrypted keys and OnGetSSLPassword."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest
import trustme
import websocket
from cryptography.hazmat.primitives import serialization
from server_support import EventLog, running_server, wait_until
from websockets.exceptions import ConnectionClosed, InvalidMessage
from websockets.sync.client import connect

from fnc_websocket.server.component import EWebsocketServer, TTMSFNCWebSocketServer


@pytest.fixture(scope="module")
def server_pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1, a client certificate, as PEM files."""
    d = tmp_path_factory.mktemp("server-tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("client@example.org")
    files = {name: str(d / f"{name}.pem") for name in
             ("ca", "cert", "key", "enc_key", "client")}
    ca.cert_pem.write_to_path(files["ca"])
    cert.cert_chain_pems[0].write_to_path(files["cert"])
    cert.private_key_pem.write_to_path(files["key"])
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    with open(files["enc_key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"s3cret")))
    client.private_key_and_cert_chain_pem.write_to_path(files["client"])
    files["ca_obj"] = ca
    return files


def _client_context(pki, with_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=pki["ca"])
    if with_cert:
        context.load_cert_chain(pki["client"])
    return context


def _echo(Sender, AConnection, AMessage):
    AConnection.Send(AMessage.upper())


def test_wss_server_with_a_verified_certificate(server_pki):
    with running_server(UseSSL=True, CertificateFile=server_pki["cert"],
                        CertificateKeyFile=server_pki["key"]) as server:
        server.OnMessageReceived = _echo
        with connect(f"wss://127.0.0.1:{server.BoundPort}",
                     ssl=_client_context(server_pki)) as ws:
            ws.send("secure")
            assert ws.recv(timeout=5) == "SECURE"


def test_wss_server_sends_no_session_tickets(server_pki):
    # TLS 1.3 tickets reach a client after its handshake; a client that reads on one thread while
    # writing its upgrade request on another (websockets' sync client) could lose that request
    with running_server(UseSSL=True, CertificateFile=server_pki["cert"],
                        CertificateKeyFile=server_pki["key"]) as server:
        server.OnMessageReceived = _echo
        ws = websocket.create_connection(f"wss://127.0.0.1:{server.BoundPort}", timeout=5,
                                         sslopt={"ca_certs": server_pki["ca"]})
        try:
            ws.send("tickets")  # websocket-client reads on this thread: any ticket is read by now
            assert ws.recv() == "TICKETS"
            assert ws.sock.version() == "TLSv1.3"
            assert not ws.sock.session.has_ticket
        finally:
            ws.close(timeout=2)


def test_a_client_that_does_not_trust_the_certificate_fails_and_onerror_says_tls(server_pki):
    with running_server(UseSSL=True, CertificateFile=server_pki["cert"],
                        CertificateKeyFile=server_pki["key"]) as server:
        log = EventLog(server)
        with pytest.raises(ssl.SSLError):
            connect(f"wss://127.0.0.1:{server.BoundPort}",
                    ssl=ssl.create_default_context(), open_timeout=5)
        assert log.wait_for("OnError") and log.wait_for("OnDisconnect")
        assert "TLS handshake" in str(log.of("OnError")[0][1])
        # a plain ws:// client on the wss port fails too, and is reported
        with pytest.raises((InvalidMessage, OSError, EOFError)):
            connect(f"ws://127.0.0.1:{server.BoundPort}", open_timeout=5)
        assert log.wait_for("OnError", 2)


def test_root_certificate_file_requires_client_certificates(server_pki):
    with running_server(UseSSL=True, CertificateFile=server_pki["cert"],
                        CertificateKeyFile=server_pki["key"],
                        RootCertificateFile=server_pki["ca"]) as server:
        server.OnMessageReceived = _echo
        log = EventLog(server)
        url = f"wss://127.0.0.1:{server.BoundPort}"
        with connect(url, ssl=_client_context(server_pki, with_cert=True)) as ws:
            ws.send("with cert")
            assert ws.recv(timeout=5) == "WITH CERT"
        refused = (ssl.SSLError, OSError, EOFError, InvalidMessage, ConnectionClosed)
        with pytest.raises(refused), \
                connect(url, ssl=_client_context(server_pki), open_timeout=5) as ws:
            ws.recv(timeout=5)  # TLS 1.3: the refusal may arrive after the handshake
        assert wait_until(lambda: any("TLS handshake" in str(a[1])
                                      for a in log.of("OnError")))


def test_encrypted_key_with_ongetsslpassword(server_pki):
    asked: list[str] = []

    def on_password(Sender, APassword):
        asked.append(threading.current_thread().name)
        APassword.Value = "s3cret"

    with running_server(UseSSL=True, CertificateFile=server_pki["cert"],
                        CertificateKeyFile=server_pki["enc_key"],
                        OnGetSSLPassword=on_password) as server, \
            connect(f"wss://127.0.0.1:{server.BoundPort}", ssl=_client_context(server_pki)) as ws:
        ws.send("x")
    assert asked == [threading.current_thread().name]


def test_wrong_or_missing_key_password_is_a_listed_problem(server_pki):
    server = TTMSFNCWebSocketServer(None, Port=0, UseSSL=True,
                                    CertificateFile=server_pki["cert"],
                                    CertificateKeyFile=server_pki["enc_key"])
    with server:
        with pytest.raises(EWebsocketServer, match="assign OnGetSSLPassword"):
            server.Active = True
        server.OnGetSSLPassword = lambda Sender, APassword: setattr(APassword, "Value", "no")
        server.Port = -1
        with pytest.raises(EWebsocketServer) as info:
            server.Active = True
        assert [p for p, _w in info.value.Problems] == ["Port", "CertificateKeyFile"]
        assert "wrong password" in str(info.value)
        assert not server.Active


def test_unreadable_certificate_file_is_reported(tmp_path):
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    with TTMSFNCWebSocketServer(None, Port=0, UseSSL=True, CertificateFile=str(bogus)) as s:
        with pytest.raises(EWebsocketServer, match="CertificateFile: certificate or key"):
            s.Active = True
        s.CertificateFile = str(tmp_path)
        with pytest.raises(EWebsocketServer, match="is not a file"):
            s.Active = True


def test_listening_socket_is_closed_after_tls_server_stops(server_pki):
    with running_server(UseSSL=True, CertificateFile=server_pki["cert"],
                        CertificateKeyFile=server_pki["key"]) as server:
        port = server.BoundPort
        server.Active = False
        with socket.create_server(("127.0.0.1", port)):
            pass
