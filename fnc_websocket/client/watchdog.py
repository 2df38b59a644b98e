"""The client's WatchDog at work: after an unexpected drop, reconnect on the home thread.

``TWatchDog`` (``client.properties``) holds the settings; this mixin schedules the reconnects.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fnc_websocket.errors import EWebSocketClient

if TYPE_CHECKING:
    from fnc_websocket.client.worker import ClientWorker

__all__ = ["WatchDogReconnect"]

log = logging.getLogger("fnc_websocket.client")


class WatchDogReconnect:
    """Mixed into the client component. ``Connect`` calls :meth:`_watchdog_connecting`; the
    worker's end calls :meth:`_session_ended` on the home thread."""

    _watchdog_generation = 0  # bumped by a user's Connect/Disconnect: cancels a pending reconnect
    _watchdog_failures = 0
    _reconnecting = False

    def _watchdog_connecting(self) -> None:
        """``Connect`` begins: a user's call (not the watchdog's) starts a new series."""
        if not self._reconnecting:
            self._watchdog_generation += 1
            self._watchdog_failures = 0

    def _session_ended(self, session: ClientWorker) -> None:
        """Home thread, after a session ended: maybe schedule a WatchDog reconnect."""
        watchdog = self.WatchDog
        if session is not self._session or not watchdog.Enabled or session.user_closed:
            return
        if session.was_open:
            self._watchdog_failures = 0
        elif not self._reconnecting_session(session):
            return  # a first Connect that failed is the application's to retry
        else:
            self._watchdog_failures += 1
        if watchdog.Attempts and self._watchdog_failures >= watchdog.Attempts:
            return
        delay = watchdog.delay(self._watchdog_failures)
        self.home_queue.post(self._watchdog_reconnect, (self._watchdog_generation,), self,
                            delay=delay)

    def _reconnecting_session(self, session: ClientWorker) -> bool:
        return session.watchdog

    def _watchdog_reconnect(self, generation: int) -> None:
        if generation != self._watchdog_generation or self.Active or not self.WatchDog.Enabled:
            return
        self._reconnecting = True
        try:
            self.Connect()
        except EWebSocketClient as exc:
            log.warning("%r: WatchDog reconnect not possible: %s", self, exc)
            return
        finally:
            self._reconnecting = False
        if self._session is not None:
            self._session.watchdog = True
