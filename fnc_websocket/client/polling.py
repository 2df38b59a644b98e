"""``CheckIncoming``: reading on the caller's thread when ``AutoCheckMessages`` is False.

After the handshake the worker ends and the application polls: :func:`check_incoming` waits at
most ``CheckTimeout`` for data, handles everything that is then buffered, and reports
``irNone``/``irOK``/``irClose``. :func:`close_manually` runs the close handshake the same way.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from fnc_websocket.client.errors import (
    EWebSocketClient,
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientProtocolError,
)
from fnc_websocket.client.waiting import Aborted, NoData, poll
from fnc_websocket.common import TTMSFNCWebSocketIncomingResult, irClose, irNone, irOK

if TYPE_CHECKING:
    from fnc_websocket.client.session import ClientSession

__all__ = ["check_incoming", "close_manually"]


def check_incoming(session: ClientSession, timeout: float) -> TTMSFNCWebSocketIncomingResult:
    """Read and handle what arrives within ``timeout`` s, then what is already buffered."""
    with session.read_lock:
        if session.finished:
            return irClose
        reader = session.reader
        sock = session.sock
        assert reader is not None and sock is not None
        wakeup = session.wakeup
        deadline = [time.monotonic() + timeout]

        def wait() -> None:
            if session.stop_requested:
                raise Aborted
            if session.tls and sock.pending():  # type: ignore[attr-defined]
                return
            r, _w = poll([wakeup.reader, sock], [], deadline[0] - time.monotonic())
            if wakeup.fd in r:
                wakeup.drain()
            if session.stop_requested:
                raise Aborted
            if sock.fileno() not in r:
                raise NoData

        result = irNone
        error: EWebSocketClient | None = None
        closing = session.closing
        try:
            while True:
                fin, opcode, payload = reader.read_frame(wait)
                session.incoming.handle(fin, opcode, payload)
                result = irOK
                deadline[0] = 0.0
                if closing.peer_closed and session.conn._close_sent:
                    result = irClose
                    break
        except NoData:
            return result
        except Aborted:
            result = irClose
        except (EWebSocketClientProtocolError, EWebSocketClientInvalidPayload,
                EWebSocketClientMessageTooBig) as exc:
            closing.fail(exc)
            result = irClose
        except (EOFError, OSError) as exc:
            error = closing.lost(exc)
            result = irClose
        except EWebSocketClient as exc:
            error = exc
            result = irClose
    session.finish(error)
    return result


def close_manually(session: ClientSession, timeout: float) -> None:
    """After our close frame, read until the server's reply or ``timeout`` s, then end."""
    deadline = time.monotonic() + timeout
    while not session.finished and not session.closing.peer_closed:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        check_incoming(session, remaining)
    session.finish(None)
