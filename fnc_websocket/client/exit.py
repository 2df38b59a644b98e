"""Interpreter exit: every client session still alive is aborted and its worker joined.

Sessions register themselves here while they run; ``atexit`` stops them, silently (no events),
so a script that ends without ``Free()`` exits promptly instead of waiting for a socket.
"""

from __future__ import annotations

import atexit
import time
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fnc_websocket.client.session import ClientSession

__all__ = ["register", "stop_all_sessions", "unregister"]

_live: weakref.WeakSet[ClientSession] = weakref.WeakSet()


def register(session: ClientSession) -> None:
    _live.add(session)


def unregister(session: ClientSession) -> None:
    _live.discard(session)


def stop_all_sessions(timeout: float = 2.0) -> None:
    """Abort every live session and join its worker (bounded by ``timeout`` s in all)."""
    sessions = list(_live)
    for session in sessions:
        session.abort(user=True, silent=True)
    deadline = time.monotonic() + timeout
    for session in sessions:
        session.join(max(0.0, deadline - time.monotonic()))


atexit.register(stop_all_sessions)
