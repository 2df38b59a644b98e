"""TLS for the server component: checking the certificate files and building the SSL context."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable

__all__ = ["TLSFiles", "build_server_context"]


class TLSFiles:
    """The certificate settings of a server: PEM paths ('' when unset) and the password source.

    ``password`` is called (on the activating thread) only when the key is encrypted.
    """

    def __init__(self, certificate: str, key: str, root: str,
                 password: Callable[[], str] | None) -> None:
        self.certificate = certificate
        self.key = key
        self.root = root
        self.password = password


def _file_problem(path: str) -> str | None:
    if not os.path.exists(path):
        return f"file {path!r} does not exist"
    if not os.path.isfile(path):
        return f"{path!r} is not a file"
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        return f"file {path!r} cannot be read: {exc.strerror or exc}"
    return None


def _is_encrypted_key(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b"ENCRYPTED" in head


def build_server_context(files: TLSFiles,
                         problems: list[tuple[str, str]]) -> ssl.SSLContext | None:
    """Check the files and build a server context; append (property, problem) pairs instead of
    raising. Returns None when there was a problem.

    ``RootCertificateFile`` set: clients must present a certificate signed by it. The context
    sends no TLS 1.3 session tickets: they reach a client after its handshake, while it may
    already be writing on one thread and reading on another, and OpenSSL does not support that
    (the client's first write can be lost, its opening handshake then hangs).
    """
    if not files.certificate:
        problems.append(("CertificateFile", "UseSSL is True but no certificate file is set"))
    before = len(problems)
    for prop, path in (("CertificateFile", files.certificate),
                       ("CertificateKeyFile", files.key),
                       ("RootCertificateFile", files.root)):
        if path:
            problem = _file_problem(path)
            if problem:
                problems.append((prop, problem))
    if len(problems) != before or not files.certificate:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.num_tickets = 0
    key = files.key or None
    key_path = files.key or files.certificate
    encrypted = _is_encrypted_key(key_path)
    asked: list[bool] = []

    def password() -> str:
        asked.append(True)
        return files.password() if files.password is not None else ""

    try:
        context.load_cert_chain(files.certificate, key, password=password)
    except ssl.SSLError as exc:
        prop = "CertificateKeyFile" if files.key else "CertificateFile"
        if encrypted and files.password is None:
            problems.append((prop, "the private key is encrypted: assign OnGetSSLPassword "
                                   "to supply its password"))
        elif encrypted:
            problems.append((prop, "wrong password for the private key (from "
                                   "OnGetSSLPassword)"))
        else:
            problems.append((prop, f"certificate or key unusable: {exc.reason or exc}"))
        return None
    except (OSError, ValueError) as exc:
        problems.append(("CertificateFile", f"certificate or key unusable: {exc}"))
        return None
    if files.root:
        try:
            context.load_verify_locations(files.root)
        except (ssl.SSLError, OSError) as exc:
            problems.append(("RootCertificateFile", f"not a usable CA file: {exc}"))
            return None
        context.verify_mode = ssl.CERT_REQUIRED
    return context
