"""The client's side of the closing handshake, and failing a connection (RFC 6455 §7).

:class:`CloseHandshake` belongs to one session and holds its close state: whether the server's
close frame arrived, whether the client is failing the connection, and the deadline by which the
server must answer our close frame (``CloseTimeout``). ``fail`` implements "Fail the WebSocket
Connection": report the error, send the close code, then read (discarding data) until the
server's reply or the deadline, so that closing our socket does not reset the connection under
our close frame.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from fnc_websocket.client.errors import (
    EWebSocketClient,
    EWebSocketClientConnectionLost,
    EWebSocketClientTimeout,
)
from fnc_websocket.client.frames import OP_CLOSE
from fnc_websocket.client.reading import wait_readable
from fnc_websocket.client.waiting import Aborted, CloseDone

if TYPE_CHECKING:
    from fnc_websocket.client.session import ClientSession

__all__ = ["CloseHandshake"]


class CloseHandshake:
    """Close state and close/fail logic of one session; see the module docstring."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.timeout = session.settings.close_timeout
        self.deadline: float | None = None
        self.peer_closed = False  # the server's close frame arrived
        self.failing = False  # we are failing the connection (our close carries the code)
        self.stream_broken = False  # the byte stream cannot be framed any more

    def start_deadline(self) -> None:
        """Our close frame went out (or the close handshake completed): the server must end
        TCP within ``timeout`` s."""
        self.deadline = time.monotonic() + self.timeout

    def check_deadline(self, now: float) -> None:
        """Raise :class:`CloseDone` (a clean end) or a timeout error once the deadline passed."""
        due = self.deadline
        if due is not None and now >= due:
            if self.peer_closed or self.failing:
                raise CloseDone
            ms = round(self.timeout * 1000)
            raise EWebSocketClientTimeout(
                f"the server did not answer the close frame within CloseTimeout ({ms} ms)")

    def lost(self, exc: BaseException) -> EWebSocketClient | None:
        """The error to report for a socket that ended (``exc``); None when that end was
        expected (a stop was asked for, or the close handshake was complete)."""
        session = self.session
        if session.stop_requested or (self.peer_closed and session.conn._close_sent):
            return None
        if isinstance(exc, EOFError):
            return EWebSocketClientConnectionLost(
                "the server closed the TCP connection without a close frame")
        err = EWebSocketClientConnectionLost(f"the connection broke: {exc}")
        err.__cause__ = exc
        return err

    def fail(self, exc: EWebSocketClient) -> None:
        """Fail the connection (RFC 6455 §7.1.7): report, close with the code, await the reply."""
        session = self.session
        self.failing = True
        session.error = exc
        if not session.silent:
            session.fire("OnError", exc)
        try:
            sent = session.conn._send_control(OP_CLOSE, exc.CloseCode.to_bytes(2, "big"))
        except EWebSocketClient:
            return
        if session.close_code == 0:
            session.close_code = exc.CloseCode
            session.close_reason = str(exc)
        if not sent or self.peer_closed or not session.settings.auto_check:
            return
        reader = session.reader
        assert reader is not None
        if self.stream_broken:
            self._drain()
            return

        def wait() -> None:
            wait_readable(session)

        try:
            while not session.stop_requested and not self.peer_closed:
                _fin, opcode, payload = reader.read_frame(wait)
                if opcode == OP_CLOSE:
                    self.peer_closed = True
                    session.received("CloseReceived", bytes(payload))
            self.start_deadline()
            while not session.stop_requested:
                reader.read_frame(wait)
        except (Aborted, CloseDone, EOFError, OSError, EWebSocketClient):
            pass

    def _drain(self) -> None:
        """Discard what the server still sends until it closes TCP (or CloseTimeout ends)."""
        session = self.session
        sock = session.sock
        assert sock is not None
        chunk = bytearray(65536)
        try:
            while not session.stop_requested:
                wait_readable(session)
                if not sock.recv_into(chunk):
                    return
        except (Aborted, CloseDone, OSError, EWebSocketClient):
            pass
