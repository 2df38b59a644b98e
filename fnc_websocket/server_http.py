"""Plain HTTP on the WebSocket port: the ``ARequest``/``AResponse`` of ``OnCommandGet``.

Named after Indy's ``TIdHTTPRequestInfo``/``TIdHTTPResponseInfo``, whose members TMS users know.
"""

from __future__ import annotations

from collections.abc import Iterable

from fnc_websocket.common import TTMSFNCWebSocketRequest

__all__ = ["TTMSFNCWebSocketHTTPRequest", "TTMSFNCWebSocketHTTPResponse", "default_answer"]


class TTMSFNCWebSocketHTTPRequest(TTMSFNCWebSocketRequest):
    """A plain HTTP request (no ``Connection: Upgrade``) that reached the server.

    Adds Indy's ``Command`` (the method), ``Document`` (the path), ``URI`` (path and query),
    ``Params`` (query parameters) and the peer's ``RemoteIP``/``RemotePort``.
    """

    def __init__(self, aResource: str, AHeaderList: Iterable[str], Command: str = "GET",
                 RemoteIP: str = "", RemotePort: int = 0) -> None:
        super().__init__(aResource, AHeaderList)
        self.Command = Command
        self.RemoteIP = RemoteIP
        self.RemotePort = RemotePort

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


def default_answer(request: TTMSFNCWebSocketHTTPRequest,
                   response: TTMSFNCWebSocketHTTPResponse) -> None:
    """TMS's answer without ``OnCommandGet``: '/' gets 200 with an empty page, the rest 404."""
    if request.Document in ("", "/"):
        response.ResponseNo = 200
        response.ContentText = ""
    else:
        response.ResponseNo = 404
        response.ContentType = "text/plain; charset=utf-8"
        response.ContentText = f"{request.Document} not found\n"
