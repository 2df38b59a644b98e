"""TTimer: a non-visual component that raises OnTimer on its home thread, every Interval ms.

It is driven by the home thread's message queue, so it fires only while that thread pumps
(``Application.Run``, ``ProcessMessages``, ``ProcessMessagesUntil``), exactly like a Delphi timer
needs a running message loop. No thread is started.
"""

from __future__ import annotations

import time
from typing import Any

from fnc.component import TComponent, csDesigning, csLoading
from fnc.events import Event
from fnc.properties import Property, at_least

__all__ = ["TTimer"]


class TTimer(TComponent):
    """Raises ``OnTimer(Sender)`` every ``Interval`` milliseconds while ``Enabled``.

    The timer runs when ``Enabled`` is True, ``Interval`` is above 0 and ``OnTimer`` is
    assigned (Delphi's rule). A late pump does not make it fire several times to catch up.
    """

    Enabled = Property(bool, True, doc="Whether the timer runs.")
    Interval = Property(int, 1000, validator=at_least(0),
                        doc="Milliseconds between OnTimer events; 0 stops the timer.")
    OnTimer = Event("Sender", doc="The interval elapsed. Runs on the timer's home thread.")

    fnc_repr_props = ("Interval", "Enabled")

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        self._generation = 0
        self._due = 0.0
        super().__init__(AOwner, **props)

    @Enabled.setter
    def Enabled(self, value: bool) -> None:
        type(self).Enabled.set_stored(self, value)
        self._update()

    @Interval.setter
    def Interval(self, value: int) -> None:
        type(self).Interval.set_stored(self, value)
        self._update()

    def fnc_event_assigned(self, name: str) -> None:
        if name == "OnTimer":
            self._update()

    def Loaded(self) -> None:
        super().Loaded()
        self._update()

    def _running(self) -> bool:
        return (self.Enabled and self.Interval > 0 and self.OnTimer is not None
                and not self._state & {csLoading, csDesigning} and not self.is_destroyed)

    def _update(self) -> None:
        # Any change restarts the period; a new generation invalidates the pending tick.
        if "_generation" not in self.__dict__:
            return  # still inside TComponent.__init__
        self._generation += 1
        if self._running():
            self._due = time.monotonic() + self.Interval / 1000.0
            self._schedule()

    def _schedule(self) -> None:
        delay = max(0.0, self._due - time.monotonic())
        self.home_queue.post(self._tick, (self._generation,), self, delay=delay)

    def _tick(self, generation: int) -> None:
        if generation != self._generation or not self._running():
            return
        interval = self.Interval / 1000.0
        now = time.monotonic()
        self._due += interval
        if self._due <= now:  # fell behind: skip the missed ticks
            self._due = now + interval
        self._schedule()
        type(self).OnTimer.fire(self)

    def Destroy(self) -> None:
        self._generation += 1
        super().Destroy()
