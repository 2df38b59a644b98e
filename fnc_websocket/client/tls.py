"""TLS settings of the client: build the ``ssl.SSLContext`` its properties describe.

Verification is on by default (``SSLVerifyPeer``): the server's certificate must chain to the
system's trusted CAs, or to ``RootCertificateFile`` when set, and match ``HostName``.
``CertificateFile``/``CertificateKeyFile`` add a client certificate. An application that needs
more (pinning, TLS versions, ciphers) assigns its own context to ``SSLContext``, which then
replaces all of these settings.
"""

from __future__ import annotations

import os
import ssl

__all__ = ["build_client_context", "describe_tls_error", "tls_file_problems"]


def tls_file_problems(root_file: str, cert_file: str, key_file: str) -> list[tuple[str, str]]:
    """Problems with the certificate file properties, as ``(property, why)`` pairs."""
    problems = []
    for name, path in (("RootCertificateFile", root_file), ("CertificateFile", cert_file),
                       ("CertificateKeyFile", key_file)):
        if path and not os.path.isfile(path):
            problems.append((name, f"file {path!r} does not exist"))
    if key_file and not cert_file:
        problems.append(("CertificateKeyFile", "set without CertificateFile"))
    return problems


def build_client_context(verify_peer: bool, root_file: str = "", cert_file: str = "",
                         key_file: str = "") -> ssl.SSLContext:
    """A client context: verifying unless ``verify_peer`` is False, trusting ``root_file`` when
    given (else the system CAs), presenting ``cert_file``/``key_file`` when given.

    Raises ``ssl.SSLError``/``OSError`` for a file that cannot be loaded.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=root_file or None)
    if not verify_peer:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_file:
        context.load_cert_chain(cert_file, key_file or None)
    return context


def describe_tls_error(exc: BaseException) -> str:
    """A message for a failed TLS handshake that says what to do about it."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or str(exc)
        return (f"TLS: the server's certificate was not accepted ({detail}); trust its CA with "
                "RootCertificateFile, or set SSLVerifyPeer = False for a development server")
    text = str(exc)
    if isinstance(exc, ssl.SSLError) and exc.reason in ("WRONG_VERSION_NUMBER",
                                                         "RECORD_LAYER_FAILURE",
                                                         "PACKET_LENGTH_TOO_LONG",
                                                         "HTTP_REQUEST"):
        return (f"TLS handshake failed ({exc.reason}): the server does not seem to speak TLS; "
                "use UseSSL = False for a ws:// server")
    if isinstance(exc, (ssl.SSLEOFError, ConnectionResetError, EOFError)):
        return (f"TLS handshake failed: the server closed the connection ({text or 'EOF'}); "
                "is it a wss:// server, and does it accept this client?")
    return f"TLS handshake failed: {text}"
