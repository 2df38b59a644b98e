"""TTMSFNCWebsocketClient through real proxies on 127.0.0.1 (pproxy: HTTP CONNECT, SOCKS4/4A/5,
with and without credentials), proxy failures as typed OnError causes, environment proxies only
with Proxy.FromEnvironment, and the lazy validation of the Proxy property."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from client_support import WAIT, EchoServer, Recorder

from fnc_websocket.client.proxy import pxyHTTP, pxySocks4, pxySocks4A, pxySocks5
from fnc_websocket.errors import (
    EWebSocketClientPropertyError,
    EWebSocketClientProxyAuthError,
    EWebSocketClientProxyConnectError,
    EWebSocketClientProxyError,
    EWebSocketClientProxyTunnelError,
)

pytest.importorskip("pproxy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PProxy:
    """A pproxy process speaking HTTP CONNECT, SOCKS4(A) and SOCKS5 on 127.0.0.1."""

    def __init__(self, log: Path, credentials: str = "", block: str = "") -> None:
        self.port = _free_port()
        self.log = log
        auth = f"#{credentials}" if credentials else ""
        args = [sys.executable, "-m", "pproxy", "-l",
                f"http+socks4+socks5://127.0.0.1:{self.port}{auth}", "--auth", "0", "-v"]
        if block:
            args += ["-b", "{" + block + "}"]
        self._out = log.open("w")
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pproxy did not start: {log.read_text()}") from None
                threading.Event().wait(0.05)  # bounded wait for the process to listen

    def relayed(self, port: int) -> bool:
        """True once the proxy logged a connection to ``port``."""
        return f":{port}" in self.log.read_text()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(WAIT)
        self._out.close()


@pytest.fixture
def pproxy(tmp_path: Path) -> Any:
    proxies: list[PProxy] = []

    def start(credentials: str = "", block: str = "") -> PProxy:
        proxy = PProxy(tmp_path / f"pproxy{len(proxies)}.log", credentials, block)
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.stop()


@pytest.fixture(scope="module")
def echo() -> Any:
    server = EchoServer()
    yield server
    server.stop()


def proxied(client_factory: Any, port: int, proxy_port: int, kind: Any, user: str = "",
            password: str = "", **props: Any) -> Any:
    c = client_factory(port, **props)
    c.Proxy.Enabled = True
    c.Proxy.Host = "127.0.0.1"
    c.Proxy.Port = proxy_port
    c.Proxy.ProxyType = kind
    c.Proxy.Username = user
    c.Proxy.Password = password
    return c


def echo_once(c: Any) -> Recorder:
    rec = Recorder(c)
    c.OnConnect = lambda Sender, AConnection: AConnection.Send("through the proxy")
    c.Connect()
    if not rec.of("OnMessageReceived"):
        rec.wait_for("OnMessageReceived")
    return rec


def fails(c: Any) -> Exception:
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect", timeout=10)
    assert rec.names() == ["OnError", "OnDisconnect"], rec.names()
    assert not c.Active
    return rec.error()


@pytest.mark.parametrize("kind", [pxyHTTP, pxySocks4, pxySocks4A, pxySocks5])
def test_each_proxy_type_without_credentials(pproxy, echo, client_factory, kind):
    proxy = pproxy()
    c = proxied(client_factory, echo.port, proxy.port, kind)
    rec = echo_once(c)
    assert rec.of("OnMessageReceived")[0][1] == "through the proxy"
    assert proxy.relayed(echo.port)  # the proxy carried it
    assert c.Connection.PeerPort in (0, proxy.port)  # the socket's peer is the proxy


@pytest.mark.parametrize("kind", [pxyHTTP, pxySocks5])
def test_proxy_with_credentials(pproxy, echo, client_factory, kind):
    proxy = pproxy(credentials="alice:s3cret")
    c = proxied(client_factory, echo.port, proxy.port, kind, "alice", "s3cret")
    rec = echo_once(c)
    assert rec.of("OnMessageReceived")[0][1] == "through the proxy"
    assert proxy.relayed(echo.port)


def test_wrong_http_proxy_password_is_an_auth_error(pproxy, echo, client_factory):
    proxy = pproxy(credentials="alice:s3cret")
    c = proxied(client_factory, echo.port, proxy.port, pxyHTTP, "alice", "wrong")
    error = fails(c)
    assert isinstance(error, EWebSocketClientProxyAuthError)
    assert error.StatusCode == 407 and error.Proxy == f"HTTP proxy 127.0.0.1:{proxy.port}"
    assert "Proxy.Password" in str(error) and f"127.0.0.1:{proxy.port}" in str(error)


def test_wrong_socks5_password_names_the_proxy_and_the_credentials(pproxy, echo,
                                                                   client_factory):
    proxy = pproxy(credentials="alice:s3cret")
    c = proxied(client_factory, echo.port, proxy.port, pxySocks5, "alice", "wrong")
    error = fails(c)
    assert isinstance(error, EWebSocketClientProxyError)
    assert f"SOCKS5 proxy 127.0.0.1:{proxy.port}" in str(error)
    assert "Proxy.Password" in str(error)
    assert not proxy.relayed(echo.port)


@pytest.mark.parametrize("kind", [pxyHTTP, pxySocks5])
def test_proxy_refusing_the_tunnel(pproxy, echo, client_factory, kind):
    proxy = pproxy(block="localhost")
    c = proxied(client_factory, echo.port, proxy.port, kind, HostName="localhost")
    error = fails(c)
    assert isinstance(error, EWebSocketClientProxyTunnelError)
    assert f"127.0.0.1:{proxy.port}" in str(error) and f"localhost:{echo.port}" in str(error)


def test_http_proxy_refusing_the_tunnel_gives_its_status(client_factory):
    """A proxy that answers CONNECT with 403: the status is the error's StatusCode."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(WAIT)

    def refuse() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(WAIT)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    try:
        c = proxied(client_factory, 9, listener.getsockname()[1], pxyHTTP)
        error = fails(c)
        assert isinstance(error, EWebSocketClientProxyTunnelError)
        assert error.StatusCode == 403 and "HTTP 403" in str(error)
        assert "127.0.0.1:9" in str(error)
    finally:
        thread.join(WAIT)
        listener.close()


@pytest.mark.parametrize("kind", [pxyHTTP, pxySocks5])
def test_proxy_that_cannot_be_reached(client_factory, kind):
    port = _free_port()  # nothing listens there
    c = proxied(client_factory, 9, port, kind)
    error = fails(c)
    assert isinstance(error, EWebSocketClientProxyConnectError)
    assert f"proxy 127.0.0.1:{port}" in str(error) and "refused" in str(error).lower()


def test_environment_proxies_only_with_from_environment(pproxy, echo, client_factory,
                                                        monkeypatch):
    proxy = pproxy()
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    direct = client_factory(echo.port)
    echo_once(direct)
    assert not proxy.relayed(echo.port)  # no surprise proxying
    direct.Disconnect()
    via_env = client_factory(echo.port)
    via_env.Proxy.FromEnvironment = True
    echo_once(via_env)
    assert proxy.relayed(echo.port)


def test_proxy_properties_are_validated_at_connect(client_factory):
    c = client_factory(9, BoundIP="127.0.0.1")
    c.Proxy.Enabled = True  # no Host yet: only Connect complains
    c.Proxy.Password = "x"
    with pytest.raises(EWebSocketClientPropertyError) as info:
        c.Connect()
    names = [n for n, _why in info.value.problems]
    assert {"Proxy.Host", "Proxy.Password", "BoundIP"} <= set(names)
    assert not c.Active


def test_socks_without_python_socks_names_the_extra(client_factory, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "python_socks" else real(name, *a))
    c = client_factory(9)
    c.Proxy.Enabled = True
    c.Proxy.Host = "127.0.0.1"
    c.Proxy.ProxyType = pxySocks5
    with pytest.raises(EWebSocketClientPropertyError, match=r"socks extra") as info:
        c.Connect()
    assert info.value.problems[0][0] == "Proxy.ProxyType"
    c.Proxy.ProxyType = pxyHTTP  # HTTP CONNECT needs nothing extra
    c.Validate()


def test_wss_through_an_http_proxy_is_verified_end_to_end(pproxy, client_factory, tmp_path):
    """websocket-client wraps TLS inside the tunnel with the client's context: the server's
    certificate is checked against HostName, as without a proxy."""
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server = EchoServer(ssl_context=context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    proxy = pproxy()
    try:
        c = proxied(client_factory, server.port, proxy.port, pxyHTTP, HostName="localhost",
                    UseSSL=True, RootCertificateFile=str(ca_file))
        rec = echo_once(c)
        assert rec.of("OnMessageReceived")[0][1] == "through the proxy"
        assert proxy.relayed(server.port)
        untrusted = proxied(client_factory, server.port, proxy.port, pxyHTTP,
                            HostName="localhost", UseSSL=True)
        error = fails(untrusted)
        assert "certificate" in str(error) and "SSLVerifyPeer" in str(error)
    finally:
        server.stop()
