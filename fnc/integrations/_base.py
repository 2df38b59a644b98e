"""What every event-loop adapter shares: coalesced wake-ups and scheduling of delayed calls."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fnc.application import Application
from fnc.threads import MessageQueue, current_queue

__all__ = ["LoopAdapter"]


class LoopAdapter:
    """Pumps one thread's message queue from inside that thread's event loop.

    Subclasses provide ``_call_soon_threadsafe(fn)`` (any thread) and
    ``_call_later(delay, fn)`` / ``_cancel_later()`` (loop thread). A burst of posts schedules one
    pump, not one per call. Exceptions from queued calls go to ``Application.HandleException``.
    Create it on the loop's thread: it serves that thread's queue.
    """

    def __init__(self) -> None:
        self.queue: MessageQueue = current_queue()
        self._lock = threading.Lock()
        self._scheduled = False
        self._installed = False
        self.after_pump: list[Callable[[], None]] = []

    @property
    def installed(self) -> bool:
        """Whether the adapter currently delivers calls."""
        return self._installed

    def install(self) -> None:
        """Start delivering queued calls through the loop (including those already waiting)."""
        if self._installed:
            return
        self._installed = True
        self.queue.wake_hooks.append(self._wake)
        self._wake()

    def uninstall(self) -> None:
        """Stop delivering; calls stay queued for the next pump of any kind."""
        if not self._installed:
            return
        self._installed = False
        if self._wake in self.queue.wake_hooks:
            self.queue.wake_hooks.remove(self._wake)
        self._cancel_later()

    def _wake(self) -> None:
        with self._lock:
            if self._scheduled or not self._installed:
                return
            self._scheduled = True
        self._call_soon_threadsafe(self._pump)

    def _pump(self) -> None:
        with self._lock:
            self._scheduled = False
        if not self._installed:
            return
        Application.ProcessMessages()
        for hook in list(self.after_pump):
            hook()
        delay = self.queue.next_due_in()
        self._cancel_later()
        if delay is not None and self._installed:
            self._call_later(delay, self._wake)

    # -- loop-specific ----------------------------------------------------------------------

    def _call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        raise NotImplementedError

    def _call_later(self, delay: float, fn: Callable[[], None]) -> None:
        raise NotImplementedError

    def _cancel_later(self) -> None:
        raise NotImplementedError
