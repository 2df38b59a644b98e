"""The worker's read loop (``AutoCheckMessages = True``): blocking waits, no polling interval.

The worker waits on its socket and on the session's wake-up socket together; data is handled the
moment it arrives, another thread ends the wait at once (``Disconnect``, ``Free``), and the wait
is bounded by the next deadline (a heartbeat ping or pong, the close reply), which is checked
when a wait ends without data.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from fnc_websocket.client.errors import (
    EWebSocketClient,
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientProtocolError,
    EWebSocketClientTimeout,
)
from fnc_websocket.client.frames import OP_PING
from fnc_websocket.client.waiting import Aborted, CloseDone, poll

if TYPE_CHECKING:
    from fnc_websocket.client.session import ClientSession

__all__ = ["read_until_closed", "wait_readable"]

_MAX_WAIT = 30.0  # longest single wait slice of the worker; wake-ups are normally immediate


def read_until_closed(session: ClientSession) -> EWebSocketClient | None:
    """Read and handle frames until the connection ends; return the error to report (None for
    a clean end or a stop that was asked for)."""
    reader = session.reader
    assert reader is not None
    closing = session.closing
    handle = session.incoming.handle

    def wait() -> None:
        wait_readable(session)

    error: EWebSocketClient | None = None
    try:
        while not session.stop_requested:
            try:
                fin, opcode, payload = reader.read_frame(wait)
            except (EWebSocketClientProtocolError, EWebSocketClientMessageTooBig):
                closing.stream_broken = True  # the rest of the stream cannot be framed
                raise
            handle(fin, opcode, payload)
    except Aborted:
        pass
    except (EWebSocketClientProtocolError, EWebSocketClientInvalidPayload,
            EWebSocketClientMessageTooBig) as exc:
        closing.fail(exc)
    except EWebSocketClientTimeout as exc:
        error = exc
    except CloseDone:
        pass
    except (EOFError, OSError) as exc:
        error = closing.lost(exc)
    except EWebSocketClient as exc:
        error = exc
    return error


def wait_readable(session: ClientSession) -> None:
    """Block until the socket has data; raise :class:`Aborted` when stopped, or what a due
    deadline raises (close reply overdue, heartbeat pong overdue)."""
    sock = session.sock
    assert sock is not None
    wakeup = session.wakeup
    poller = session.poller
    while True:
        if session.stop_requested:
            raise Aborted
        if session.tls and sock.pending():  # type: ignore[attr-defined]
            return
        timeout = _wait_timeout(session)
        if poller is not None:
            events = poller.poll(timeout * 1000.0)
            ready = False
            for fd, _ev in events:
                if fd == wakeup.fd:
                    wakeup.drain()
                else:
                    ready = True
        else:  # pragma: no cover - Windows
            r, _w = poll([wakeup.reader, sock], [], timeout)
            if wakeup.fd in r:
                wakeup.drain()
            ready = sock.fileno() in r
        if session.stop_requested:
            raise Aborted
        if ready:
            return
        _check_deadlines(session)


def _wait_timeout(session: ClientSession) -> float:
    now = time.monotonic()
    timeout = _MAX_WAIT
    for due in (session.closing.deadline, *session.heartbeat.deadlines()):
        if due is not None:
            timeout = min(timeout, due - now)
    return max(0.0, timeout)


def _check_deadlines(session: ClientSession) -> None:
    now = time.monotonic()
    session.closing.check_deadline(now)
    conn = session.conn
    session.heartbeat.check(now, lambda payload: conn._send_control(OP_PING, payload))
