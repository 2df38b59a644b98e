"""Throw-away TLS material for the mock server: a private CA and a server certificate from it."""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile

__all__ = ["MockCertificates"]


class MockCertificates:
    """A fresh CA (``trustme``) and a certificate for ``127.0.0.1``/``localhost`` signed by it.

    ``ca_file`` and ``cert_file``/``key_file`` are PEM files in a private temporary directory that
    exists until :meth:`cleanup` (the mock server calls it from ``stop()``).
    """

    def __init__(self, hostnames: tuple[str, ...] = ("127.0.0.1", "localhost")) -> None:
        try:
            import trustme
        except ImportError as exc:  # pragma: no cover - trustme is a test dependency
            raise RuntimeError(
                "MockWebSocketServer(tls=True) needs the 'trustme' package "
                "(pip install fnc-websocket[test])"
            ) from exc
        self.ca = trustme.CA()
        self.server_cert = self.ca.issue_cert(*hostnames)
        self._dir = tempfile.mkdtemp(prefix="fnc-ws-mock-tls-")
        self.ca_file = os.path.join(self._dir, "ca.pem")
        self.cert_file = os.path.join(self._dir, "server.pem")
        self.key_file = os.path.join(self._dir, "server.key")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.server_cert.cert_chain_pems[0].write_to_path(self.cert_file)
        for extra in self.server_cert.cert_chain_pems[1:]:
            extra.write_to_path(self.cert_file, append=True)
        self.server_cert.private_key_pem.write_to_path(self.key_file)

    def server_context(self) -> ssl.SSLContext:
        """An SSL context presenting the server certificate; it sends no TLS 1.3 session tickets.

        Tickets arrive after the client's handshake has finished, so a client that reads on one
        thread while it writes its upgrade request on another (websockets' sync client does)
        would process them concurrently with that write, which OpenSSL does not support: the
        request can be lost and the handshake hang.
        """
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_cert.configure_cert(context)
        context.num_tickets = 0
        return context

    def client_context(self) -> ssl.SSLContext:
        """A verifying client SSL context that trusts only this CA."""
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        self.ca.configure_trust(context)
        return context

    def cleanup(self) -> None:
        """Delete the PEM files."""
        shutil.rmtree(self._dir, ignore_errors=True)
