"""Plain HTTP on the WebSocket port: ``ARequest``/``AResponse`` of ``OnCommandGet``/``Other``.

Named after Indy's ``TIdHTTPRequestInfo``/``TIdHTTPResponseInfo``, whose members TMS users know.
"""

from __future__ import annotations

from collections.abc import Iterable

from fnc_websocket.handshake import TTMSFNCWebSocketRequest

__all__ = ["GET_COMMANDS", "TTMSFNCWebSocketHTTPRequest", "TTMSFNCWebSocketHTTPResponse",
           "default_answer"]


class TTMSFNCWebSocketHTTPRequest(TTMSFNCWebSocketRequest):
    """A plain HTTP request (no ``Connection: Upgrade``) that reached the server.

    Adds Indy's ``Command`` (the method: GET, POST, PUT, ...), ``Document`` (the path), ``URI``
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
    def Document(self) -> str:
        """The requested path, without the query string."""
        return self.Path

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
