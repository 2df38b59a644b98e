"""The client's opening handshake: the upgrade request it sends and the response it checks.

``TTMSFNCWebSocketHandshakeRequest`` builds the request lines that ``OnSendHandshake`` may edit;
:func:`request_options` maps the edited lines onto websocket-client's handshake options (an edit
it cannot express is a problem naming the line); ``TTMSFNCWebSocketHandshakeResponse`` is the
``AResponse`` of ``OnHandshakeResponse``, and :func:`check_response` adds the checks
websocket-client leaves out (it verifies the status, ``Upgrade``, ``Connection`` and
``Sec-WebSocket-Accept``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from fnc_websocket.errors import EWebSocketClientHandshakeError
from fnc_websocket.handshake import TTMSFNCWebSocketRequest
from fnc_websocket.types import CurrentWebSocketVersion, MaxheaderCount, SErrTooManyHeaders

__all__ = [
    "MAX_HEADER_COUNT", "TTMSFNCWebSocketHandshakeRequest", "TTMSFNCWebSocketHandshakeResponse",
    "accept_key", "check_response", "header_value", "request_options", "response_lines",
]

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEADER_COUNT = MaxheaderCount
"""TMS's ``MaxheaderCount`` (100): a response with more header lines is refused."""


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value a server must answer to ``key`` (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def header_value(lines: Iterable[str], name: str) -> str:
    """The comma-joined, trimmed values of header ``name`` in ``Name: value`` lines."""
    folded = name.lower()
    values = []
    for line in lines:
        head, sep, value = line.partition(":")
        if sep and head.strip().lower() == folded:
            values.append(value.strip())
    return ", ".join(values)


class TTMSFNCWebSocketHandshakeRequest(TTMSFNCWebSocketRequest):
    """The upgrade request the client sends (TMS's class of the same name).

    ``ToStrings(aHeaders)`` appends the request lines to the list ``aHeaders``:
    ``GET <Resource> HTTP/1.1``, ``Host``, ``Upgrade``, ``Connection``, ``Origin`` (when set),
    ``Sec-WebSocket-Key``, ``Sec-WebSocket-Protocol`` (when set), ``Sec-WebSocket-Version``, then
    ``ExtraHeaders``.
    """

    def __init__(self, aResource: str = "/", AHeaderList: Iterable[str] = ()) -> None:
        super().__init__(aResource, AHeaderList)
        self.Version = str(CurrentWebSocketVersion)
        self.Port = 0
        self.ExtraHeaders: list[str] = []
        if not self.Key:
            self.Key = self.GenerateKey()

    @staticmethod
    def GenerateKey() -> str:
        """16 random bytes, base64-encoded: a fresh ``Sec-WebSocket-Key``."""
        return base64.b64encode(os.urandom(16)).decode("ascii")

    def ToStrings(self, aHeaders: list[str]) -> None:
        """Append the request lines (without line ends) to ``aHeaders``."""
        aHeaders.append(f"GET {self.Resource or '/'} HTTP/1.1")
        aHeaders.append(f"Host: {self.Host}")
        aHeaders.append("Upgrade: websocket")
        aHeaders.append("Connection: Upgrade")
        if self.Origin:
            aHeaders.append(f"Origin: {self.Origin}")
        aHeaders.append(f"Sec-WebSocket-Key: {self.Key}")
        if self.Protocol:
            aHeaders.append(f"Sec-WebSocket-Protocol: {self.Protocol}")
        aHeaders.append(f"Sec-WebSocket-Version: {self.Version}")
        aHeaders.extend(self.ExtraHeaders)


class TTMSFNCWebSocketHandshakeResponse:
    """The server's response to the upgrade request (the ``AResponse`` of ``OnHandshakeResponse``).

    ``RawHeaders`` holds the status line first, then the ``Name: value`` lines. ``StatusCode``
    and ``StatusText`` (added) come from the status line.
    """

    def __init__(self, aHeaders: Sequence[str]) -> None:
        self.RawHeaders: list[str] = list(aHeaders)
        status = self.RawHeaders[0] if self.RawHeaders else ""
        parts = status.split(" ", 2)
        code = parts[1] if len(parts) > 1 else ""
        self.StatusCode: int = int(code) if code.isdigit() and len(code) == 3 else 0
        self.StatusText: str = parts[2] if len(parts) > 2 else ""
        fields = self.RawHeaders[1:]
        self.Upgrade = header_value(fields, "Upgrade")
        self.Connection = header_value(fields, "Connection")
        self.Protocol = header_value(fields, "Sec-WebSocket-Protocol")
        self.Version = header_value(fields, "Sec-WebSocket-Version")
        self.Extensions = header_value(fields, "Sec-WebSocket-Extensions")
        self.Accept = header_value(fields, "Sec-WebSocket-Accept")
        self.Key = header_value(fields, "Sec-WebSocket-Key")

    def GetHeader(self, name: str) -> str:
        """The (comma-joined) value of response header ``name``; '' when absent."""
        return header_value(self.RawHeaders[1:], name)

    def __repr__(self) -> str:
        return f"<TTMSFNCWebSocketHandshakeResponse {self.StatusCode} {self.StatusText!r}>"


_REQUEST_LINE = re.compile(r"GET (/\S*) HTTP/1\.1")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FIXED = {"sec-websocket-key": "Sec-WebSocket-Key",
          "sec-websocket-version": "Sec-WebSocket-Version"}
_REQUIRED = ("upgrade", "connection", "sec-websocket-key", "sec-websocket-version")


def request_options(lines: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """websocket-client handshake options for the request ``lines`` (as ``OnSendHandshake`` left
    them): ``(options, problems)``; each problem names the line that cannot be expressed.

    The request line gives the resource; ``Host``/``Origin`` map to ``host``/``origin`` (absent:
    ``suppress_host``/``suppress_origin``); ``Connection`` to ``connection``; every other line
    (the key, version and sub-protocols included) goes in ``header`` in order. websocket-client
    always sends ``GET <path> HTTP/1.1`` and ``Upgrade: websocket`` and needs a key, a version
    and a Connection line; a header name may appear once.
    """
    problems: list[str] = []
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            problems.append(f"line {i} is a {type(line).__name__}, not a str")
        elif "\r" in line or "\n" in line:
            problems.append(f"line {i} contains a line break")
        elif not line.isascii():
            problems.append(f"line {i} has non-ASCII characters")
    if problems:
        return {}, problems
    options: dict[str, Any] = {"suppress_host": True, "suppress_origin": True}
    header: dict[str, str] = {}
    seen: dict[str, int] = {}
    match = _REQUEST_LINE.fullmatch(lines[0]) if lines else None
    if match is None:
        problems.append(f"line 0 {lines[0] if lines else ''!r} cannot be sent: websocket-client "
                        "sends 'GET <path starting with /> HTTP/1.1'")
    else:
        options["resource"] = match.group(1)
    for i, line in enumerate(lines[1:], 1):
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _TOKEN.fullmatch(name):
            problems.append(f"line {i} {line!r} is not a 'Name: value' header line")
            continue
        key = name.lower()
        if key in seen:
            problems.append(f"line {i} {line!r} repeats the header of line {seen[key]}; "
                            "websocket-client sends each header name once (join the values "
                            "with ', ')")
            continue
        seen[key] = i
        if key == "host":
            options.pop("suppress_host")
            options["host"] = value
        elif key == "origin":
            options.pop("suppress_origin")
            options["origin"] = value
        elif key == "upgrade":
            if value.lower() != "websocket":
                problems.append(f"line {i} {line!r} cannot be sent: websocket-client always "
                                "sends 'Upgrade: websocket'")
        elif key == "connection":
            options["connection"] = f"Connection: {value}"
        else:
            header[_FIXED.get(key, name)] = value
    for key in _REQUIRED:
        if key not in seen:
            problems.append(f"the {key.title()} line was removed; websocket-client cannot send "
                            "the request without it")
    options["header"] = header
    return options, problems


def response_lines(status: int, headers: dict[str, str], status_text: str = "") -> list[str]:
    """The status line and ``Name: value`` lines of a response websocket-client parsed (it keeps
    lower-case names and the last of repeated ones; names are shown in their usual spelling)."""
    if not status_text:
        try:
            status_text = HTTPStatus(status).phrase
        except ValueError:
            status_text = ""
    lines = [f"HTTP/1.1 {status} {status_text}".rstrip()]
    lines.extend(f"{_canonical(k)}: {v}" for k, v in headers.items())
    return lines


_WORDS = {"www": "WWW", "websocket": "WebSocket", "md5": "MD5", "etag": "ETag", "te": "TE",
          "dnt": "DNT", "id": "ID"}


def _canonical(name: str) -> str:
    """A header name in its usual spelling (``sec-websocket-accept`` ->
    ``Sec-WebSocket-Accept``, ``www-authenticate`` -> ``WWW-Authenticate``)."""
    return "-".join(_WORDS.get(p, p.capitalize()) for p in name.split("-"))


def check_response(response: TTMSFNCWebSocketHandshakeResponse,
                   requested_protocols: Sequence[str]) -> None:
    """The checks of RFC 6455 §4.1 websocket-client does not make: at most 100 header lines,
    the version, no extensions, a sub-protocol that was requested. Raises
    :class:`EWebSocketClientHandshakeError`."""

    def fail(why: str) -> EWebSocketClientHandshakeError:
        return EWebSocketClientHandshakeError(
            why, response.StatusCode, response.StatusText, response.RawHeaders[1:])

    if len(response.RawHeaders) - 1 > MAX_HEADER_COUNT:
        raise fail(SErrTooManyHeaders)
    if response.Version and response.Version != str(CurrentWebSocketVersion):
        raise fail(f"the server answered Sec-WebSocket-Version {response.Version!r}, not 13")
    if response.Extensions:
        raise fail(f"the server enabled extensions the client did not ask for: "
                   f"{response.Extensions!r}")
    if response.Protocol and response.Protocol not in requested_protocols:
        asked = ", ".join(requested_protocols) or "none"
        raise fail(f"the server chose sub-protocol {response.Protocol!r}; requested: {asked}")
