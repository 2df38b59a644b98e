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
from typing import Any

__all__ = ["GRACE", "FdWatch", "IdlePoller", "drain"]

GRACE = 0.02
"""Seconds another reader leaves a socket to the owning thread after that thread found it
readable (:meth:`FdWatch.claimed`): a thread busy for longer (a long call, a loop that stopped
pumping) leaves the socket to the other reader."""


def drain(sock: socket.socket) -> None:
    """Read and drop what a non-blocking ``sock`` holds (a wake-up socket)."""
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


class FdWatch:
    """One watched socket of a message queue (see :meth:`MessageQueue.watch_readable`).

    ``callback`` runs on the queue's thread when the socket is readable and the queue is
    idle; it must not block. It is never re-entered: while it runs (a handler may pump the
    queue), its socket is left out of the wait.
    """

    __slots__ = ("_callback", "_poller", "busy", "closed", "fd", "last_call")

    def __init__(self, fd: int, callback: Callable[[], None]) -> None:
        self.fd = fd
        self._callback = callback
        self._poller: IdlePoller | None = None
        self.closed = False
        self.busy = False
        self.last_call = 0.0
        """``time.monotonic()`` when the queue's thread last found the socket readable or
        started the callback (0.0: never)."""

    @property
    def waiting(self) -> bool:
        """True while the queue's thread waits on this socket (read without a lock)."""
        poller = self._poller
        return poller is not None and poller.polling and not self.busy and not self.closed

    def claimed(self, now: float, grace: float = GRACE) -> bool:
        """True while the queue's thread waits on this socket or found it readable less than
        ``grace`` s before ``now``: another reader should leave the socket alone meanwhile."""
        return not self.closed and (self.waiting or now - self.last_call < grace)

    def run(self) -> None:
        """Queue entry: call the callback unless the watch was closed meanwhile."""
        if self.closed or self.busy:
            return
        poller = self._poller
        self.busy = True
        self.last_call = time.monotonic()
        if poller is not None:
            poller.running.append(self)
        try:
            self._callback()
        finally:
            self.busy = False
            if poller is not None:
                poller.running.remove(self)


class IdlePoller:
    """The wait of a queue that has watches: its wake-up socket pair and the poll.

    The registration is kept up to date as watches come and go, so a wait costs the same with
    one watch or thousands (``epoll`` where the platform has it, else ``poll``). A watch whose
    callback runs is left out of a wait nested in that callback (and only then).
    """

    def __init__(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        if hasattr(select, "epoll"):
            self._poll: Any = select.epoll()
            self._readable = select.EPOLLIN
            self._per_second = 1.0  # epoll's timeout is in seconds
        else:
            self._poll = select.poll()
            self._readable = select.POLLIN
            self._per_second = 1000.0  # poll's, in milliseconds
        self._wake_fd = self._wake_r.fileno()
        self._poll.register(self._wake_fd, self._readable)
        self._watches: dict[int, FdWatch] = {}  # by descriptor
        self._left_out: list[FdWatch] = []  # running callbacks a nested wait leaves out
        self.running: list[FdWatch] = []
        """The watches whose callback runs now (the queue's thread only)."""
        self.polling = False

    def has_watches(self) -> bool:
        """True while at least one socket is watched."""
        return bool(self._watches)

    def add(self, watch: FdWatch) -> None:
        """Watch ``watch.fd`` from the next wait on (any thread, with the queue's lock held)."""
        old = self._watches.get(watch.fd)
        if old is not None:
            # Its socket was closed before its unwatch and the number now names another
            # socket: the new watch takes it over (the old one's unwatch finds nothing).
            old.closed = True
        watch._poller = self
        self._watches[watch.fd] = watch
        try:
            self._poll.register(watch.fd, self._readable)
        except FileExistsError:  # epoll still holds the number (the old socket was dup-ed)
            self._poll.modify(watch.fd, self._readable)

    def remove(self, watch: FdWatch) -> bool:
        """Stop watching (any thread, with the queue's lock held); False if it was not watched.
        Must come before the socket is closed."""
        if self._watches.get(watch.fd) is not watch:
            return False
        del self._watches[watch.fd]
        try:
            self._poll.unregister(watch.fd)
        except (OSError, KeyError, ValueError):
            pass  # closed already: the kernel dropped it
        return True

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
        if self.running or self._left_out:
            self._leave_out_running()
        events = self._poll.poll(timeout * self._per_second)
        ready: list[FdWatch] = []
        if events:
            now = time.monotonic()
            watches = self._watches
            for fd, _ev in events:
                if fd == self._wake_fd:
                    drain(self._wake_r)
                    continue
                w = watches.get(fd)
                if w is not None and not w.busy and not w.closed:
                    w.last_call = now  # claimed before ``polling`` ends and it is queued
                    ready.append(w)
        return ready

    def _leave_out_running(self) -> None:
        # A wait nested in callbacks leaves their sockets out (unregistered: a hung-up socket
        # would end every wait at once); those whose callback ended are waited on again.
        keep = [w for w in self.running if self._watches.get(w.fd) is w]
        for w in self._left_out:
            if w not in keep and self._watches.get(w.fd) is w:
                self._poll.register(w.fd, self._readable)
        for w in keep:
            if w not in self._left_out:
                self._poll.unregister(w.fd)
        self._left_out = keep

    def close(self) -> None:
        if hasattr(self._poll, "close"):  # epoll holds a descriptor; poll does not
            self._poll.close()
        self._wake_r.close()
        self._wake_w.close()
