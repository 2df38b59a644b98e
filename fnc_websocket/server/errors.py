"""``EWebsocketServer``: the server component's exception (also the ``AError`` of ``OnError``)."""

from __future__ import annotations

from fnc_websocket.common import EWebSocket

__all__ = ["EBackplaneAuthError", "EBackplaneError", "EWebsocketServer"]


class EWebsocketServer(EWebSocket):
    """A server error: invalid settings at activation (``problems`` lists them all), a port that
    cannot be listened on, a property locked while active, or, as ``OnError``'s ``AError``, a
    failed handshake (``status_code``: the HTTP status sent), a failed connection
    (``close_code``: the close code sent) or a failed send.
    """

    def __init__(self, message: str, *, problems: list[tuple[str, str]] | None = None,
                 status_code: int = 0, close_code: int = 0) -> None:
        super().__init__(message)
        self.problems = list(problems or [])
        self.status_code = status_code
        self.close_code = close_code


class EBackplaneError(EWebsocketServer):
    """Added: the ``AError`` of ``OnBackplaneError``: Redis is unreachable (at activation or
    later), the connection to it was lost, or a publish failed. The server keeps serving its
    own clients and retries with back-off; ``cause`` holds the underlying exception."""

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class EBackplaneAuthError(EBackplaneError):
    """Added: Redis refused the backplane's credentials (wrong or missing password or user in
    ``Backplane.URL``). Retried like any outage, in case the server's password is fixed."""
