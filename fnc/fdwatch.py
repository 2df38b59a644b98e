"""Sockets a thread reads itself while its message queue is idle.

A :class:`~fnc.threads.MessageQueue` with watches does not sleep on a condition when it has
nothing to run: it waits in ``poll`` on its wake-up socket and on the watched sockets together.
When a watched socket becomes readable, the watch's callback is queued behind the calls already
posted and runs on the owning thread like any of them. A component whose events run on its home
thread (``AutoSyncEvents``) can so read its socket on that thread while the thread is idle,
instead of having a worker read it and post every event across threads.

A watch is a hint, not an ownership: whoever else reads the socket (a worker) keeps doing so
when the owning thread is busy or never pumps its queue. :meth:`FdWatch.claimed` tells that
other reader whether the owning thread is at it (it waits on the socket, or found it readable
less than :data:`GRACE` s ago).
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable

__all__ = ["GRACE", "FdWatch", "IdlePoller"]

GRACE = 0.02
"""Seconds another reader leaves a socket to the owning thread after that thread found it
readable (:meth:`FdWatch.claimed`): a thread busy for longer (a long call, a loop that stopped
pumping) leaves the socket to the other reader."""


class FdWatch:
    """One watched socket of a message queue (see :meth:`MessageQueue.watch_readable`).

    ``callback`` runs on the queue's thread when the socket is readable and the queue is
    idle; it must not block. It is never re-entered: while it runs (a handler may pump the
    queue), its socket is left out of the wait.
    """

    __slots__ = ("_callback", "busy", "closed", "fd", "last_call", "waiting")

    def __init__(self, fd: int, callback: Callable[[], None]) -> None:
        self.fd = fd
        self._callback = callback
        self.closed = False
        self.busy = False
        self.waiting = False
        """True while the queue's thread waits on this socket (read without a lock)."""
        self.last_call = 0.0
        """``time.monotonic()`` when the queue's thread last found the socket readable or
        started the callback (0.0: never)."""

    def claimed(self, now: float, grace: float = GRACE) -> bool:
        """True while the queue's thread waits on this socket or found it readable less than
        ``grace`` s before ``now``: another reader should leave the socket alone meanwhile."""
        return not self.closed and (self.waiting or now - self.last_call < grace)

    def run(self) -> None:
        """Queue entry: call the callback unless the watch was closed meanwhile."""
        if self.closed or self.busy:
            return
        self.busy = True
        self.last_call = time.monotonic()
        try:
            self._callback()
        finally:
            self.busy = False


class IdlePoller:
    """The wait of a queue that has watches: its wake-up socket pair and the poll."""

    def __init__(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._poll = select.poll()
        self._poll.register(self._wake_r.fileno(), select.POLLIN)
        self._registered: dict[int, FdWatch] = {}
        self.watches: list[FdWatch] = []
        self.polling = False

    def wake(self) -> None:
        """End a wait in progress (any thread; called with the queue's lock held)."""
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # a wake-up byte is already waiting, or the poller was closed

    def wait(self, timeout: float) -> list[FdWatch]:
        """Wait up to ``timeout`` s; return the watches whose socket became readable.

        Called by the queue's thread without the queue's lock; ``polling`` is set by the caller
        under the lock, so that posts know to wake it through the socket pair.
        """
        wanted = {w.fd: w for w in self.watches if not w.busy and not w.closed}
        registered = self._registered
        if wanted.keys() != registered.keys():
            for fd in registered.keys() - wanted.keys():
                self._poll.unregister(fd)
            for fd in wanted.keys() - registered.keys():
                self._poll.register(fd, select.POLLIN)
        self._registered = wanted
        for w in wanted.values():
            w.waiting = True
        ready: list[FdWatch] = []
        try:
            events = self._poll.poll(timeout * 1000.0)
            wake_fd = self._wake_r.fileno()
            now = time.monotonic()
            for fd, _ev in events:
                if fd == wake_fd:
                    self._drain()
                else:
                    w = wanted.get(fd)
                    if w is not None:
                        w.last_call = now  # claimed before ``waiting`` ends and it is queued
                        ready.append(w)
        finally:
            for w in wanted.values():
                w.waiting = False
        return ready

    def _drain(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def close(self) -> None:
        self._wake_r.close()
        self._wake_w.close()
