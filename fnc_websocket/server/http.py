"""Plain HTTP on the WebSocket port: ``ARequest``/``AResponse`` of ``OnCommandGet``/``Other``.

Named after Indy's ``TIdHTTPRequestInfo``/``TIdHTTPResponseInfo``, whose members TMS users know.
"""

from __future__ import annotations

import email.utils
import http
import posixpath
import re
from collections.abc import Iterable
from urllib.parse import unquote

from websockets.datastructures import Headers
from websockets.http11 import Response

from fnc_websocket.handshake import TTMSFNCWebSocketRequest

__all__ = ["GET_COMMANDS", "TTMSFNCWebSocketHTTPRequest", "TTMSFNCWebSocketHTTPResponse",
           "default_answer", "normalise_path", "respond", "response_problem"]


class TTMSFNCWebSocketHTTPRequest(TTMSFNCWebSocketRequest):
    """A plain HTTP request (no ``Connection: Upgrade``) that reached the server.

    Adds Indy's ``Command`` (the method: GET, POST, PUT, ...), ``Document`` (the path,
    percent-decoded and normalised; ``RawDocument``: as sent), ``URI``
    (path and query), ``Params`` (query parameters), ``PostStream`` (the request body as bytes,
    ``b""`` for none; Indy's is a stream) and the peer's ``RemoteIP``/``RemotePort``.
    """

    def __init__(self, aResource: str, AHeaderList: Iterable[str], Command: str = "GET",
                 RemoteIP: str = "", RemotePort: int = 0, PostStream: bytes = b"") -> None:
        super().__init__(aResource, AHeaderList)
        self.Command = Command
        self.RemoteIP = RemoteIP
        self.RemotePort = RemotePort
        self.PostStream = PostStream

    @property
    def URI(self) -> str:
        """The requested resource, query string included."""
        return self.Resource

    @property
    def RawDocument(self) -> str:
        """Added: the path exactly as the client sent it (still percent-encoded, not
        normalised), without the query string and fragment."""
        return self.Resource.split("?", 1)[0].split("#", 1)[0]

    @property
    def Document(self) -> str:
        """The requested path without the query string, percent-decoded (UTF-8) and normalised
        (see :func:`normalise_path`): always starts with '/', has no empty, '.' or '..'
        segments, so it can never name anything above '/'. ``RawDocument`` keeps the original.
        """
        return normalise_path(self.RawDocument)

    @property
    def Params(self) -> dict[str, str]:
        """The query parameters (first value of each)."""
        return self.QueryParams

    def __repr__(self) -> str:
        return f"<TTMSFNCWebSocketHTTPRequest {self.Command} {self.Resource!r}>"


class TTMSFNCWebSocketHTTPResponse:
    """The answer to a plain HTTP request; ``OnCommandGet`` fills it in.

    ``ResponseNo`` (status, default 200), ``ResponseText`` (reason phrase, '' = standard),
    ``ContentType``, ``ContentText`` (str, sent UTF-8) or ``ContentStream`` (bytes, wins when
    set), ``CustomHeaders`` (extra header name → value). ``Redirect(url)`` answers 302.
    """

    def __init__(self) -> None:
        self.ResponseNo = 200
        self.ResponseText = ""
        self.ContentType = "text/html; charset=utf-8"
        self.ContentText = ""
        self.ContentStream: bytes | None = None
        self.CustomHeaders: dict[str, str] = {}

    def Redirect(self, AURL: str) -> None:
        """Answer 302 Found with ``Location: AURL``."""
        self.ResponseNo = 302
        self.CustomHeaders["Location"] = AURL

    @property
    def body(self) -> bytes:
        """The bytes that will be sent."""
        if self.ContentStream is not None:
            return bytes(self.ContentStream)
        return self.ContentText.encode("utf-8")

    def __repr__(self) -> str:
        return f"<TTMSFNCWebSocketHTTPResponse {self.ResponseNo} {len(self.body)} bytes>"


def normalise_path(raw: str) -> str:
    """``raw`` (a request path) percent-decoded, then with repeated '/' collapsed and '.' and
    '..' segments resolved without going above '/'; a trailing '/' is kept.

    ``//etc/passwd`` gives ``/etc/passwd``, ``/a/%2e%2e/b`` gives ``/b``, ``/../x`` gives ``/x``.
    Invalid UTF-8 after decoding becomes U+FFFD.
    """
    decoded = unquote(raw, errors="replace")
    if not decoded.startswith("/"):
        decoded = "/" + decoded
    path = posixpath.normpath(decoded)
    if path.startswith("//"):  # normpath keeps exactly two leading slashes (POSIX)
        path = "/" + path.lstrip("/")
    if decoded.endswith("/") and path != "/":
        path += "/"
    return path


# HTTP field content (RFC 9110 5.5): no control characters but horizontal tab; C1 controls and
# Unicode line/paragraph separators are refused too, as some clients treat them as line ends.
_BAD_VALUE_CHAR = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _char_name(ch: str) -> str:
    names = {"\r": "CR", "\n": "LF", "\x00": "NUL"}
    return names.get(ch, f"U+{ord(ch):04X}")


def _value_problem(field: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{field} must be a str, not {type(value).__name__}"
    bad = _BAD_VALUE_CHAR.search(value)
    if bad is not None:
        return (f"{field} contains the control character {_char_name(bad.group())} at "
                f"position {bad.start()}")
    return None


def response_problem(response: TTMSFNCWebSocketHTTPResponse) -> str | None:
    """Why ``response`` (as a handler left it) cannot be sent, or None when it can.

    Checks every field that goes into the response head: ``ResponseNo`` (100..599),
    ``ResponseText``, ``ContentType``, each ``CustomHeaders`` name (an HTTP token) and value
    (``Redirect`` sets ``Location`` there). The answer names the field, never its value.
    """
    status = response.ResponseNo
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return f"ResponseNo must be an int from 100 to 599, not {status!r}"[:120]
    for field, value in (("ResponseText", response.ResponseText),
                         ("ContentType", response.ContentType)):
        problem = _value_problem(field, value)
        if problem:
            return problem
    headers = response.CustomHeaders
    if not isinstance(headers, dict):
        return f"CustomHeaders must be a dict, not {type(headers).__name__}"
    for index, (name, value) in enumerate(headers.items()):
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            return f"CustomHeaders name #{index + 1} is not a valid HTTP header name"
        problem = _value_problem(f"CustomHeaders[{name!r}]", value)
        if problem:
            return problem
    if response.ContentStream is not None and not isinstance(
            response.ContentStream, (bytes, bytearray, memoryview)):
        return f"ContentStream must be bytes, not {type(response.ContentStream).__name__}"
    if not isinstance(response.ContentText, str):
        return f"ContentText must be a str, not {type(response.ContentText).__name__}"
    return None


GET_COMMANDS = frozenset(("GET", "POST", "HEAD"))
"""The methods Indy hands to ``OnCommandGet``; every other one goes to ``OnCommandOther``."""


def default_answer(request: TTMSFNCWebSocketHTTPRequest,
                   response: TTMSFNCWebSocketHTTPResponse) -> None:
    """The answer when the event for the request's method is unassigned: for GET/POST/HEAD
    (TMS's default) '/' gets 200 with an empty page, the rest 404; any other method gets
    501 Not Implemented."""
    if request.Command not in GET_COMMANDS:
        response.ResponseNo = 501
        response.ContentType = "text/plain; charset=utf-8"
        response.ContentText = f"{request.Command} is not supported\n"
        response.CustomHeaders["Allow"] = "GET, POST, HEAD"
    elif request.Document in ("", "/"):
        response.ResponseNo = 200
        response.ContentText = ""
    else:
        response.ResponseNo = 404
        response.ContentType = "text/plain; charset=utf-8"
        response.ContentText = f"{request.Document} not found\n"


def respond(status: int, text: str = "", headers: dict[str, str] | None = None,
            body: bytes | None = None, content_type: str = "text/plain; charset=utf-8",
            head_only: bool = False) -> Response:
    """A plain HTTP response (``Connection: close``) for a refused or plain HTTP request;
    ``head_only`` (a HEAD request) sends the headers of that response without its body."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    payload = text.encode() if body is None else body
    all_headers = Headers([
        ("Date", email.utils.formatdate(usegmt=True)),
        ("Connection", "close"),
        ("Content-Length", str(len(payload))),
        ("Content-Type", content_type),
    ])
    for name, value in (headers or {}).items():
        all_headers[name] = value
    return Response(status, phrase, all_headers, b"" if head_only else payload)
