"""The home thread's share of reading a client's socket (``AutoSyncEvents``).

A client's worker reads its socket and hands every event over to the home thread, which costs
a thread wake-up per message (tens of microseconds, a large part of a small round trip). So
while the home thread waits in its message loop, it reads the socket itself: the client asks the
home queue to watch the socket (:meth:`fnc.threads.MessageQueue.watch_readable`), and what
arrives then is parsed and fired on the home thread, with no hand-over.

Sharing rules, which keep every event on the home thread, in order, none lost:

* One parser: whoever parses a burst holds the worker's reader lock, briefly (parsing never
  waits for the network and runs no handler).
* The worker leaves the socket to the home thread while that thread waits on it or read it
  less than :data:`GRACE` s ago, and until our close frame is queued (``Disconnect`` waits
  for the reply); otherwise (a long handler, code that does not pump) the worker reads,
  answers pings and posts the events as before.
* What a home-thread parse leads to (``*Received`` calls, ``OnError``) is collected and run
  after the parse: at once when it is a single call and nothing waits in the home queue, else
  posted behind what the worker posted before.

Only for a plain socket (poll cannot see what TLS has decrypted already) and a component class
that keeps the protected ``*Received`` methods (documented to run on the worker).
"""

from __future__ import annotations

from collections.abc import Callable
from threading import get_ident
from typing import TYPE_CHECKING, Any

import websocket

from fnc.fdwatch import GRACE, FdWatch
from fnc.threads import MessageQueue

if TYPE_CHECKING:
    from fnc_websocket.client.worker import ClientWorker

__all__ = ["GRACE", "HomeReading"]

Call = tuple[Callable[..., Any], tuple[Any, ...]]


class HomeReading:
    """The watch of one open connection's socket by the home queue; see the module docstring."""

    def __init__(self, worker: ClientWorker, home: MessageQueue, sock: Any) -> None:
        self._worker = worker
        self._home = home
        self._sock = sock
        self.calls: list[Call] | None = None
        """While the home thread parses: the calls its frames lead to, run after the parse."""
        self.error: BaseException | None = None
        """What the home thread's read hit (the socket ended or broke); the worker reports it."""
        self._watch: FdWatch | None = home.watch_readable(sock, self._read)

    @staticmethod
    def open(worker: ClientWorker, sock: Any) -> HomeReading | None:
        """A watch for the worker's open connection, or None where the worker reads alone.
        (Keeps no reference to the component: a dropped client must be collectable.)"""
        comp = worker.component()
        if (comp is None or worker.tls or not worker.settings.auto_check
                or not comp._keeps_received_methods()):
            return None
        home = comp.fnc_event_queue()
        return None if home is None else HomeReading(worker, home, sock)

    def close(self) -> None:
        """End the watch (any thread); the home thread reads no more."""
        watch, self._watch = self._watch, None
        if watch is not None:
            self._home.unwatch(watch)

    def collecting(self) -> list[Call] | None:
        """On the home thread while it parses: the list that collects the calls its frames
        lead to (run after the parse); else None (any other thread, or not parsing)."""
        calls = self.calls
        return calls if calls is not None and get_ident() == self._home.ident else None

    def busy(self, now: float) -> bool:
        """True while the home thread waits on the socket, or began to read it less than
        :data:`GRACE` s ago: the worker leaves the socket alone meanwhile."""
        watch = self._watch
        return watch is not None and watch.claimed(now)

    def _read(self) -> None:
        # The watch's callback, on the home thread.
        worker = self._worker
        if worker.finished or self.error is not None:
            return
        comp = worker.component()
        if comp is None or comp.fnc_event_queue() is not self._home:
            self.close()  # AutoSyncEvents was turned off: the worker reads alone
            return
        reader = worker.reader
        if not reader.acquire(True, 1.0):  # the worker parses a burst: a short hold
            return
        calls: list[Call] = []
        self.calls = calls
        try:
            worker.incoming.read_burst(self._sock)
        except (OSError, EOFError, websocket.WebSocketException) as exc:
            self.error = exc
            self.close()
            worker.wake()
        finally:
            self.calls = None
            reader.release()
        if not calls or worker.silent:
            return
        home = self._home
        if len(calls) == 1 and not home.pending_count():
            fn, args = calls[0]
            fn(*args)
            return
        for fn, args in calls:
            home.post(fn, args, comp)

