"""TTMSFNCWebsocketClient over TLS with trustme certificates: verification on and off, wrong CA,
client certificates, the SSLContext escape hatch, and plain/TLS mismatches in both directions."""

from __future__ import annotations

import ssl

import pytest
import trustme
from client_support import (
    EchoServer,
    Recorder,
)

from fnc_websocket.errors import (
    EWebSocketClientHandshakeError,
    EWebSocketClientPropertyError,
    EWebSocketClientTLSError,
)


@pytest.fixture(scope="module")
def client_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def client_pems(client_ca, tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert = client_ca.issue_cert("127.0.0.1", "localhost")
    files = {"ca": d / "ca.pem", "other_ca": d / "other.pem", "client": d / "client.pem",
             "client_key": d / "client.key", "garbage": d / "garbage.pem"}
    client_ca.cert_pem.write_to_path(str(files["ca"]))
    trustme.CA().cert_pem.write_to_path(str(files["other_ca"]))
    client_cert = client_ca.issue_cert("client@example")
    client_cert.cert_chain_pems[0].write_to_path(str(files["client"]))
    client_cert.private_key_pem.write_to_path(str(files["client_key"]))
    files["garbage"].write_text("not a certificate")
    return cert, {k: str(v) for k, v in files.items()}


@pytest.fixture
def client_tls_server(client_pems, client_ca):
    cert, _files = client_pems
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server = EchoServer(ssl_context=context)
    yield server
    server.stop()


def connect(client_factory, port, **props):
    c = client_factory(port, UseSSL=True, **props)
    rec = Recorder(c)
    c.OnConnect = None
    c.OnConnect = lambda S, A: (rec.events.append(("OnConnect", (A,), "")), A.Send("secure"))
    c.Connect()
    return c, rec


def test_verified_connection(client_tls_server, client_pems, client_factory):
    _c, rec = connect(client_factory, client_tls_server.port,
                     RootCertificateFile=client_pems[1]["ca"])
    rec.wait_for("OnMessageReceived")
    assert rec.of("OnMessageReceived")[0][1] == "secure"


def test_verification_on_by_default_rejects_unknown_ca(client_tls_server, client_factory):
    _c, rec = connect(client_factory, client_tls_server.port)
    rec.wait_for("OnDisconnect")
    assert rec.names() == ["OnError", "OnDisconnect"]
    assert isinstance(rec.error(), EWebSocketClientTLSError)
    assert "SSLVerifyPeer" in str(rec.error()) and "certificate" in str(rec.error())


def test_wrong_ca(client_tls_server, client_pems, client_factory):
    _c, rec = connect(client_factory, client_tls_server.port,
                     RootCertificateFile=client_pems[1]["other_ca"])
    rec.wait_for("OnDisconnect")
    assert isinstance(rec.error(), EWebSocketClientTLSError)


def test_host_name_mismatch(client_ca, client_pems, client_factory):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    client_ca.issue_cert("other.example").configure_cert(context)  # not 127.0.0.1
    server = EchoServer(ssl_context=context)
    try:
        _c, rec = connect(client_factory, server.port, RootCertificateFile=client_pems[1]["ca"])
        rec.wait_for("OnDisconnect")
        assert isinstance(rec.error(), EWebSocketClientTLSError)
        assert "127.0.0.1" in str(rec.error())
    finally:
        server.stop()


def test_verification_off(client_tls_server, client_factory):
    _c, rec = connect(client_factory, client_tls_server.port, SSLVerifyPeer=False)
    rec.wait_for("OnMessageReceived")
    assert rec.of("OnMessageReceived")[0][1] == "secure"


def test_ssl_context_escape_hatch(client_tls_server, client_ca, client_factory):
    context = ssl.create_default_context()
    client_ca.configure_trust(context)
    _c, rec = connect(client_factory, client_tls_server.port, SSLContext=context,
                     RootCertificateFile="/ignored/when/a/context/is/given.pem")
    rec.wait_for("OnMessageReceived")


def test_client_certificate(client_pems, client_ca, client_factory):
    cert, files = client_pems
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    client_ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    server = EchoServer(ssl_context=context)
    try:
        _c, rec = connect(client_factory, server.port, RootCertificateFile=files["ca"],
                         CertificateFile=files["client"], CertificateKeyFile=files["client_key"])
        rec.wait_for("OnMessageReceived")
        _c2, rec2 = connect(client_factory, server.port, RootCertificateFile=files["ca"])
        rec2.wait_for("OnDisconnect")  # no client certificate: refused
        assert rec2.of("OnError") and not rec2.of("OnMessageReceived")
    finally:
        server.stop()


def test_unloadable_certificate_is_a_property_problem(client_pems, client_factory):
    c = client_factory(1, UseSSL=True, RootCertificateFile=client_pems[1]["garbage"])
    with pytest.raises(EWebSocketClientPropertyError, match="RootCertificateFile"):
        c.Connect()
    assert not c.Active


def test_plain_client_to_tls_server(client_tls_server, client_factory):
    c = client_factory(client_tls_server.port)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    error = rec.error()
    assert isinstance(error, EWebSocketClientHandshakeError)
    assert "UseSSL = True" in str(error)


def test_tls_client_to_plain_server(client_echo, client_factory):
    c = client_factory(client_echo.port, UseSSL=True)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect")
    error = rec.error()
    assert isinstance(error, EWebSocketClientTLSError)
    assert "UseSSL = False" in str(error) or "closed the connection" in str(error)


def test_tls_bursts_and_large_messages_arrive_whole_and_in_order(client_tls_server, client_pems,
                                                                client_factory):
    """Over TLS the worker writes every frame and reads until the TLS layer is empty: many
    small pipelined messages and a 3 MiB one all come back, in order."""
    c = client_factory(client_tls_server.port, UseSSL=True,
                       RootCertificateFile=client_pems[1]["ca"], MaxMessageSize=0)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    big = bytes(range(256)) * (3 * 4096)
    for i in range(300):
        c.Send(f"m{i}")
    c.Send(big)
    c.Send("last")
    rec.wait_for("OnMessageReceived", 301, timeout=20)
    assert [m[1] for m in rec.of("OnMessageReceived")] == [f"m{i}" for i in range(300)] + ["last"]
    assert rec.of("OnBinaryDataReceived")[0][1] == big
    assert c.SendQueueSize == 0
