"""How the client's worker waits on its socket, and how such a wait can end early.

- :func:`poll` waits until sockets are readable/writable (``select.poll``, else ``select``).
- :class:`Wakeup` is a socket pair that other threads write to, so a wait of the worker (or of a
  ``CheckIncoming`` call) ends at once on ``Disconnect``/``Free``/exit instead of at a timeout.
- :class:`Aborted`, :class:`NoData` and :class:`CloseDone` are the internal signals a wait raises
  to unwind the worker's loops; they never reach the application.
"""

from __future__ import annotations

import select
import socket
from typing import Any

__all__ = ["Aborted", "CloseDone", "NoData", "Wakeup", "poll"]


class Aborted(Exception):
    """The session was asked to stop (Disconnect, Free, exit)."""


class NoData(Exception):
    """CheckIncoming's wait ended without data."""


class CloseDone(Exception):
    """The close handshake is over (or its wait for EOF ran out): end cleanly."""


def poll(read: list[Any], write: list[Any], timeout: float | None) -> tuple[set[int], set[int]]:
    """Wait until one of the sockets is ready; (readable fds, writable fds)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        for s in read:
            poller.register(s, select.POLLIN)
        for s in write:
            poller.register(s, select.POLLOUT)
        events = poller.poll(None if timeout is None else max(0.0, timeout) * 1000.0)
        r = {fd for fd, ev in events if ev & (select.POLLIN | select.POLLERR | select.POLLHUP)}
        w = {fd for fd, ev in events if ev & (select.POLLOUT | select.POLLERR | select.POLLHUP)}
        return r, w
    rl, wl, _ = select.select(read, write, [], timeout)  # pragma: no cover - Windows
    return {s.fileno() for s in rl}, {s.fileno() for s in wl}  # pragma: no cover


class Wakeup:
    """A self-pipe: :meth:`wake` (any thread) makes ``reader`` readable, ending a poll at once."""

    def __init__(self) -> None:
        self.reader, self._writer = socket.socketpair()
        self.reader.setblocking(False)
        self._writer.setblocking(False)
        self.fd = self.reader.fileno()

    def wake(self) -> None:
        try:
            self._writer.send(b"\0")
        except OSError:
            pass

    def drain(self) -> None:
        """Consume pending wake-ups (the waiting thread, after its poll returned)."""
        try:
            while self.reader.recv(4096):
                pass
        except OSError:
            pass

    def close(self) -> None:
        self.reader.close()
        self._writer.close()
