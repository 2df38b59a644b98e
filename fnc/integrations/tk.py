"""Deliver fnc events through the Tk event loop (tkinter).

::

    root = tkinter.Tk()
    fnc_tk.install(root)       # on the Tk thread
    root.mainloop()            # queued events now run as Tk callbacks

Tk offers no portable way to wake its loop from another thread, so the adapter checks the queue
every ``poll_ms`` milliseconds (10 by default) with ``after`` and pumps when something waits.
"""

from __future__ import annotations

import time
import tkinter
from collections.abc import Callable

from fnc.integrations._base import LoopAdapter

__all__ = ["TkAdapter", "install", "process_until"]


class TkAdapter(LoopAdapter):
    """Pumps the Tk thread's message queue from ``after`` callbacks of ``root``."""

    def __init__(self, root: tkinter.Misc, poll_ms: int = 10) -> None:
        super().__init__()
        self.root = root
        self.poll_ms = poll_ms
        self._poll_id: str | None = None

    def install(self) -> None:
        super().install()
        self._poll()

    def uninstall(self) -> None:
        super().uninstall()
        if self._poll_id is not None:
            self.root.after_cancel(self._poll_id)
            self._poll_id = None

    def _poll(self) -> None:
        self._poll_id = None
        if not self.installed:
            return
        delay = self.queue.next_due_in()
        if delay == 0:
            self._pump()
        self._poll_id = self.root.after(self.poll_ms, self._poll)

    def _wake(self) -> None:
        pass  # posted calls are picked up by the next poll (Tk calls are not thread-safe)

    def _call_soon_threadsafe(self, fn: Callable[[], None]) -> None:  # pragma: no cover
        raise AssertionError("unused: the Tk adapter polls")

    def _call_later(self, delay: float, fn: Callable[[], None]) -> None:
        pass  # the poll picks up delayed calls when they are due

    def _cancel_later(self) -> None:
        pass


def install(root: tkinter.Misc, poll_ms: int = 10) -> TkAdapter:
    """Start delivering the calling thread's queued calls through ``root``'s event loop."""
    adapter = TkAdapter(root, poll_ms)
    adapter.install()
    return adapter


def process_until(root: tkinter.Misc, predicate: Callable[[], object],
                  timeout: float = 5.0) -> bool:
    """Run Tk's event loop until ``predicate()`` holds or ``timeout`` passes.

    Returns whether the predicate held.
    """
    deadline = time.monotonic() + timeout
    tick = tkinter.BooleanVar(root)
    while not predicate():
        if time.monotonic() >= deadline:
            return bool(predicate())
        # Block in Tk until a short timer fires (events are served meanwhile), not spinning.
        after_id = root.after(5, tick.set, True)
        root.wait_variable(tick)
        root.after_cancel(after_id)
    return True
