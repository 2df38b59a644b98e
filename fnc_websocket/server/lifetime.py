"""What the server's runtimes share: events raised on a component that may be gone, bounded
joins, and stopping at exit.

Used by :class:`~fnc_websocket.server.runtime.ServerRuntime` (one per ``Active = True``) and
:class:`~fnc_websocket.server.backplane.BackplaneRuntime` (one per enabled backplane).
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from typing import Any, Generic, Protocol, TypeVar

from fnc.exceptions import EComponentError

__all__ = ["StopAtExit", "fire_event", "join_thread"]


def fire_event(comp: Any, event: str, *args: Any) -> None:
    """Raise ``comp``'s event ``event`` (thread rules of fnc.events); nothing when ``comp`` is
    None (collected) or has been freed meanwhile."""
    if comp is None:
        return
    try:
        getattr(type(comp), event).fire(comp, *args)
    except EComponentError:
        pass  # freed meanwhile


def join_thread(thread: threading.Thread, timeout: float) -> bool:
    """Wait at most ``timeout`` s for ``thread`` to end. The calling thread itself (a stop
    called from a handler running on it) and a thread not running are not waited for. Returns
    False when ``thread`` is still running afterwards (never for the calling thread)."""
    if thread is threading.current_thread() or not thread.is_alive():
        return True
    thread.join(max(0.0, timeout))
    return not thread.is_alive()


class _Stoppable(Protocol):
    def stop(self) -> None: ...


_T = TypeVar("_T", bound=_Stoppable)


class StopAtExit(Generic[_T]):
    """The running objects of one kind, held weakly, whose ``stop()`` runs at interpreter exit
    (registered with ``atexit`` when the set is created, at its module's import)."""

    def __init__(self, what: str, log: logging.Logger) -> None:
        self._what = what
        self._log = log
        self._live: weakref.WeakSet[_T] = weakref.WeakSet()
        atexit.register(self.stop_all)

    def add(self, obj: _T) -> None:
        """``obj`` is running: stop it at exit unless :meth:`discard`-ed first."""
        self._live.add(obj)

    def discard(self, obj: _T) -> None:
        """``obj`` has stopped."""
        self._live.discard(obj)

    def stop_all(self) -> None:
        """Stop every object still running (a failure is logged, the others still stop)."""
        for obj in list(self._live):
            try:
                obj.stop()
            except Exception:
                self._log.exception("stopping a %s at exit failed", self._what)
