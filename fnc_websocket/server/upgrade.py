"""The server's side of the opening handshake: the hooks a server connection gives the engine.

Mixed into ``TTMSFNCWebSocketServerConnection`` (its attributes are set up there); runs on the
connection thread. ``_process_request`` answers plain HTTP (``OnCommandGet``/``OnCommandOther``)
and refuses upgrades the server's settings do not allow (body, Host, ``PathName``,
``AllowedOrigins``, ``MaxConnections``); ``_process_response`` fires ``OnAllow`` and lists the
connection before the 101 goes out; ``_report_handshake_failure`` raises the ``OnError`` of a
refused or failed handshake.
"""

from __future__ import annotations

from typing import Any

from fnc.events import VarParam
from fnc_websocket.handshake import TTMSFNCWebSocketRequest
from fnc_websocket.server.engine import Request, Response, request_body
from fnc_websocket.server.http import TTMSFNCWebSocketHTTPRequest, respond
from fnc_websocket.types import twsoSkipUpgradeCheck, twsoSkipVersionCheck

__all__ = ["UpgradeHooks"]


class UpgradeHooks:
    """The handshake hooks of a server connection (a mixin)."""

    _runtime: Any
    _refusal: tuple[int, str] | None

    def _process_request(self, engine: Any, request: Request) -> Response | None:
        runtime = self._runtime
        headers = request.headers
        body = request_body(engine, request)
        self._request = TTMSFNCWebSocketRequest(
            request.path, [f"{k}: {v}" for k, v in headers.raw_items()])
        tokens = {t.strip().lower() for v in headers.get_all("Connection") for t in v.split(",")}
        if body is None:
            too_large = (f"the request body exceeds MaxMessageSize "
                         f"({runtime.settings.max_message_size} bytes)")
            if "upgrade" in tokens:
                return self._refuse(413, too_large)
            self._plain_http = True
            return respond(413, too_large + "\n")
        if "upgrade" not in tokens:
            self._plain_http = True
            return runtime.answer_http(TTMSFNCWebSocketHTTPRequest(
                request.path, self._request.RawHeaders, request.method, self._peer_ip,
                self._peer_port, body), self)
        if body:
            return self._refuse(400, "a WebSocket upgrade request has no body")
        if not headers.get("Host"):
            return self._refuse(400, "the request has no Host header")
        path_name = runtime.path_name()
        if path_name:
            wanted = path_name.lower()
            got = self._request.Path.lower()
            if got not in (wanted, "/" + wanted.lstrip("/")) and got.lstrip("/") != \
                    wanted.lstrip("/"):
                return self._refuse(404, f"path {self._request.Path!r} is not the server's "
                                         f"PathName {path_name!r}")
        origins = runtime.allowed_origins()
        if origins:
            origin = self._request.Origin
            if origin.lower() not in origins:
                return self._refuse(403, f"origin {origin or '(none)'!r} is not in "
                                         "AllowedOrigins")
        if twsoSkipUpgradeCheck in self._options:  # any Upgrade value, or none, is accepted
            if "Upgrade" in headers:
                del headers["Upgrade"]
            headers["Upgrade"] = "websocket"
        if twsoSkipVersionCheck in self._options:
            if "Sec-WebSocket-Version" in headers:
                del headers["Sec-WebSocket-Version"]
            headers["Sec-WebSocket-Version"] = "13"
        if not runtime.reserve_slot():
            return self._refuse(503, f"MaxConnections ({runtime.max_connections()}) reached")
        self._slot = True
        return None

    def _process_response(self, engine: Any, request: Request,
                          response: Response) -> Response | None:
        if response.status_code != 101:
            if self._refusal is None and not self._plain_http:
                error = engine.handshake_error
                self._refusal = (response.status_code,
                                 str(error) if error else response.reason_phrase)
            return None
        allow = VarParam(True)
        self._runtime.fire("OnAllow", self, allow)
        if not allow.Value:
            return self._refuse(403, "refused by OnAllow")
        if self._runtime.stopping:
            return self._refuse(503, "the server is stopping")
        # Listed before the 101 goes out, so a client that completed its handshake is already in
        # Connections (broadcasts and relays reach it). Sends from other threads are queued and
        # written by this thread after the 101.
        self._handshake_completed = True
        self._runtime.connection_opened(self)
        return None

    def _refuse(self, status: int, reason: str) -> Response:
        self._refusal = (status, reason)
        return respond(status, f"Failed to open a WebSocket connection: {reason}.\n")

    def _report_handshake_failure(self) -> None:
        if self._plain_http:
            return
        if self._refusal is not None:
            status, reason = self._refusal
            if status == 503 and self._runtime.stopping:
                return
            self._report_error(f"handshake with {self._peer_ip}:{self._peer_port} refused "
                               f"with HTTP {status}: {reason}", status_code=status, handshake=True)
            return
        if self._runtime.stopping:
            return
        engine = self._engine
        error = engine.handshake_error if engine is not None else None
        if engine is not None and engine.request is None and error is None:
            reason = "no handshake request (timed out or connection closed)"
        else:
            reason = str(error) if error else "invalid handshake request"
            if error is not None and error.__cause__ is not None:
                reason += f": {error.__cause__}"
        status = engine.response.status_code if engine is not None and engine.response \
            else 0
        self._report_error(f"handshake with {self._peer_ip}:{self._peer_port} failed: "
                           f"{reason}", status_code=status, handshake=True)
