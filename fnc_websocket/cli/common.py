"""Shared pieces of the ``fnc-ws`` commands: the expected-failure exception, line output, URLs.

Every command reports an expected failure by raising :class:`CLIError`; ``cli.main`` prints its
message as one line on stderr and returns its exit code.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import TextIO
from urllib.parse import urlsplit

import attrs

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "CLIError", "Console", "WsUrl", "cli_hint",
           "parse_header", "parse_ws_url"]

EXIT_FAILURE = 1
"""Exit status of a command that could not do its job (refused connection, port in use...)."""
EXIT_USAGE = 2
"""Exit status for unusable arguments (bad URL, bad header, unknown class...), as argparse."""


class CLIError(Exception):
    """An expected failure: ``message`` becomes one line on stderr, ``exit_code`` the status."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class Console:
    """Line output for the commands: one lock, every line flushed at once (pipes see it).

    ``out`` carries the command's data (received messages, listings), ``err`` its status lines.
    Characters the stream cannot encode are written as escapes instead of failing.
    """

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self._lock = threading.Lock()

    def _write(self, stream: TextIO, text: str) -> None:
        with self._lock:
            try:
                stream.write(text + "\n")
            except UnicodeEncodeError:
                encoding = getattr(stream, "encoding", None) or "ascii"
                stream.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")
            stream.flush()

    def line(self, text: str = "") -> None:
        """Write one line of data to ``out``."""
        self._write(self.out, text)

    def status(self, text: str) -> None:
        """Write one status line to ``err``."""
        self._write(self.err, text)


@attrs.frozen
class WsUrl:
    """A parsed ``ws://`` or ``wss://`` URL, in the client component's terms."""

    secure: bool
    host: str
    port: int
    path: str
    """Path with its query, always starting with ``/``."""

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'wss' if self.secure else 'ws'}://{host}:{self.port}{self.path}"


def parse_ws_url(text: str) -> WsUrl:
    """Parse a WebSocket URL; :class:`CLIError` (usage) naming what is wrong with it."""
    def bad(why: str) -> CLIError:
        return CLIError(f"bad URL {text!r}: {why}", EXIT_USAGE)

    if any(c.isspace() for c in text):
        raise bad("it contains white space")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise bad(str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        raise bad("it must start with ws:// or wss://")
    if not parts.hostname:
        raise bad("it has no host name")
    if parts.username is not None or parts.password is not None:
        raise bad("user names and passwords in the URL are not supported "
                  "(send credentials with --header)")
    if parts.fragment:
        raise bad("a WebSocket URL has no #fragment")
    if port == 0:
        raise bad("port 0 is not a port a server listens on")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return WsUrl(secure=scheme == "wss", host=parts.hostname,
                 port=port if port is not None else (443 if scheme == "wss" else 80), path=path)


_PROPERTY_HINTS = (
    ("UseSSL = True", "use a wss:// URL"),
    ("SSLVerifyPeer = False", "--insecure skips certificate verification"),
    ("RootCertificateFile", "--ca-file FILE trusts a CA"),
)


def cli_hint(message: str) -> str:
    """``message`` with the command-line spelling of the component properties it mentions."""
    hints = [hint for name, hint in _PROPERTY_HINTS if name in message]
    if not hints:
        return message
    return f"{message} [fnc-ws: {'; '.join(hints)}]"


_HEADER_RE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*$")


def parse_header(text: str) -> tuple[str, str]:
    """Split a ``"Name: value"`` option into (name, value); :class:`CLIError` when malformed."""
    match = _HEADER_RE.match(text)
    if match is None or "\r" in text or "\n" in text:
        raise CLIError(f"bad header {text!r}: expected 'Name: value' with a token as the name",
                       EXIT_USAGE)
    if not text.isascii():
        raise CLIError(f"bad header {text!r}: only ASCII is allowed in headers", EXIT_USAGE)
    return match.group(1), match.group(2)
