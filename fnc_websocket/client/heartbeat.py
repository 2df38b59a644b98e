"""The client's heartbeat schedule (``HeartBeat`` property): when to ping, when a pong is overdue.

Pure bookkeeping on the worker thread; the read loop asks :meth:`HeartBeatSchedule.deadlines`
how long it may wait and calls :meth:`HeartBeatSchedule.check` when a wait ended without data.
"""

from __future__ import annotations

from collections.abc import Callable

from fnc_websocket.client.errors import EWebSocketClient, EWebSocketClientHeartBeatTimeout

__all__ = ["HeartBeatSchedule"]


class HeartBeatSchedule:
    """Ping every ``interval`` s; a pong later than ``timeout`` s after a ping (0: never) means
    the server is dead. ``interval`` 0 disables the heartbeat."""

    def __init__(self, interval: float, timeout: float) -> None:
        self.interval = interval
        self.timeout = timeout
        self.next_ping: float | None = None
        self.pong_deadline: float | None = None
        self.count = 0

    def start(self, now: float) -> None:
        """The connection is open: schedule the first ping."""
        if self.interval > 0:
            self.next_ping = now + self.interval

    def stop(self) -> None:
        """Closing: no more pings, no pong expected."""
        self.next_ping = None
        self.pong_deadline = None

    def pong_received(self) -> None:
        self.pong_deadline = None

    def deadlines(self) -> tuple[float | None, float | None]:
        """(pong deadline, next ping time); None where nothing is due."""
        return self.pong_deadline, self.next_ping

    def check(self, now: float, send_ping: Callable[[bytes], object]) -> None:
        """Raise :class:`EWebSocketClientHeartBeatTimeout` when the pong is overdue; send the
        next ping (``send_ping(payload)``) when it is due."""
        due = self.pong_deadline
        if due is not None and now >= due:
            raise EWebSocketClientHeartBeatTimeout(
                f"HeartBeat: no pong within {self.timeout:g} s; the server is considered dead")
        due = self.next_ping
        if due is not None and now >= due:
            self.count += 1
            try:
                send_ping(b"fnc-hb-%d" % self.count)
            except EWebSocketClient:
                return  # the reader will see the broken connection
            self.next_ping = now + self.interval
            if self.timeout > 0 and self.pong_deadline is None:
                self.pong_deadline = now + self.timeout
