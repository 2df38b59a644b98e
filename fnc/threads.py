"""Home threads and their message queues: Delphi's TThread.Queue / Synchronize / ForceQueue.

Every thread that wants calls delivered to it has a :class:`MessageQueue`, created on first use.
Another thread *posts* calls to it; the owning thread *pumps* it (``CheckSynchronize``,
``Application.ProcessMessages``). Calls run on the owning thread, FIFO, each once.

Delphi semantics kept (spec checklist 30-36):

* ``TThread.Queue`` from the target thread runs inline; from another thread it returns at once.
* ``TThread.Synchronize`` runs inline on the target thread; from another thread it blocks until the
  target thread ran the call, and re-raises the call's exception in the caller. Unlike Delphi it
  has a timeout: when nobody pumps, it raises :class:`ESynchronizeTimeout` instead of hanging.
* ``TThread.ForceQueue`` never runs inline; a delayed entry does not hold up later due entries.
* ``CheckSynchronize`` belongs to the main thread and raises :class:`EThread` elsewhere.
* Calls posted on behalf of an *owner* (a component) are dropped when the owner is freed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeAlias

from fnc.exceptions import ESynchronizeTimeout, EThread
from fnc.extension import PersistentHooks
from fnc.fdwatch import FdWatch, IdlePoller

_get_ident = threading.get_ident
_monotonic = time.monotonic

__all__ = [
    "CheckSynchronize", "MainThreadID", "MessageQueue", "RemoveQueuedEvents", "TThread",
    "current_queue", "main_queue", "queue_for_thread",
]

MainThreadID: int = threading.main_thread().ident or 0
"""Identifier of the interpreter's main thread (Delphi's ``System.MainThreadID``)."""

DEFAULT_SYNCHRONIZE_TIMEOUT = 10.0
"""Seconds ``TThread.Synchronize`` waits for the target thread when no timeout is given."""


_Entry: TypeAlias = ("tuple[Callable[..., Any], tuple[Any, ...], PersistentHooks | None, "
                     "_SyncState | None]")
"""One queued call: ``(fn, args, owner, sync)``, a plain tuple because posting is the hot path.
``owner`` (optional) is the component it belongs to: the call is dropped once
``owner.is_destroyed`` (see :class:`~fnc.extension.PersistentHooks`)."""


_OWNER_CALL: Any = object()
"""In an entry's ``sync`` place: call ``fn(owner, args)`` (see ``MessageQueue.post_owned``)."""


class _SyncState:
    """Hand-over between a thread blocked in Synchronize and the thread that runs the call."""

    __slots__ = ("done", "error", "lock", "result", "state")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.state = "pending"  # pending -> running -> done | pending -> abandoned
        self.result: Any = None
        self.error: BaseException | None = None


class MessageQueue:
    """The message queue of one thread.

    ``post`` may be called from any thread; ``process`` only from the owning thread.
    ``wake_hooks`` are called (on the posting thread) after each post: event-loop adapters use
    them to schedule a pump, as Delphi's ``WakeMainThread`` does.
    """

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread
        self.ident = thread.ident
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._items: deque[_Entry] = deque()
        self._delayed: list[tuple[float, int, _Entry]] = []
        self._seq = itertools.count()
        self._sleepers = 0
        self._poller: IdlePoller | None = None  # while sockets are watched (see fnc.fdwatch)
        self.wake_hooks: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return f"<MessageQueue of {self.thread.name!r} pending={self.pending_count()}>"

    # -- posting (any thread) ---------------------------------------------------------------

    def post(self, fn: Callable[..., Any], args: tuple[Any, ...] = (),
             owner: PersistentHooks | None = None, delay: float = 0.0) -> None:
        """Append a call; it runs on the owning thread at a later pump (after ``delay`` s).

        ``owner``: the component the call belongs to; it is dropped once the owner is freed.
        """
        entry: _Entry = (fn, args, owner, None)
        with self._lock:  # the condition's lock, without the Condition's Python-level wrapper
            if delay > 0:
                heapq.heappush(self._delayed,
                               (time.monotonic() + delay, next(self._seq), entry))
            else:
                self._items.append(entry)
            if self._sleepers:
                self._notify()
        if self.wake_hooks:
            self._wake()

    def post_owned(self, fn: Callable[[Any, Any], Any], owner: PersistentHooks,
                   arg: Any) -> None:
        """Append the call ``fn(owner, arg)``, dropped once ``owner`` is freed (any thread).

        The cheapest way to queue a call (one allocation): marshaled events use it.
        """
        with self._lock:
            self._items.append((fn, arg, owner, _OWNER_CALL))
            if self._sleepers:
                self._notify()
        if self.wake_hooks:
            self._wake()

    def _post_sync(self, entry: _Entry) -> None:
        with self._lock:
            self._items.append(entry)
            if self._sleepers:
                self._notify()
        if self.wake_hooks:
            self._wake()

    def _notify(self) -> None:
        # With the lock held and a pump waiting: end its wait.
        poller = self._poller
        if poller is not None and poller.polling:
            poller.wake()
        else:
            self._cond.notify()

    def _wake(self) -> None:
        for hook in list(self.wake_hooks):
            hook()

    def wake(self) -> None:
        """Wake a pump blocked in ``process`` without posting anything."""
        with self._cond:
            if self._poller is not None and self._poller.polling:
                self._poller.wake()
            self._cond.notify_all()
        self._wake()

    # -- watched sockets (see fnc.fdwatch) --------------------------------------------------

    def watch_readable(self, sock: Any, callback: Callable[[], None]) -> FdWatch:
        """Call ``callback()`` on the owning thread when ``sock`` is readable while this
        queue is idle (any thread may call this; see :mod:`fnc.fdwatch`). The call is queued
        behind the calls already posted. The queue keeps ``callback`` alive until
        :meth:`unwatch`, which must come before the socket is closed."""
        watch = FdWatch(sock.fileno(), callback)
        with self._lock:
            if self._poller is None:
                self._poller = IdlePoller()
            self._poller.add(watch)
            if self._sleepers:
                self._notify()  # a pump waiting on the condition starts watching it
        return watch

    def unwatch(self, watch: FdWatch) -> None:
        """End ``watch`` (any thread): its callback is not called any more."""
        watch.closed = True
        with self._lock:
            poller = self._poller
            # The pump drops an emptied poller itself when its wait ends.
            if poller is not None and poller.remove(watch) and not poller.polling:
                self._drop_idle_poller()

    def _drop_idle_poller(self) -> None:
        # With the lock held and nobody polling: no watch left, no socket pair kept.
        poller = self._poller
        if poller is not None and not poller.has_watches():
            poller.close()
            self._poller = None

    def remove(self, owner: Any = None, fn: Callable[..., Any] | None = None) -> int:
        """Drop pending calls of ``owner`` and/or calls of ``fn``; return how many were dropped."""

        def keep(e: _Entry) -> bool:
            if owner is not None and e[2] is not owner:
                return True
            return not (fn is None or e[0] == fn)

        with self._cond:
            before = len(self._items) + len(self._delayed)
            kept = [e for e in self._items if keep(e)]
            self._items.clear()  # (in place: a pump in progress holds this deque)
            self._items.extend(kept)
            self._delayed = [d for d in self._delayed if keep(d[2])]
            heapq.heapify(self._delayed)
            return before - len(self._items) - len(self._delayed)

    def pending_count(self) -> int:
        """Number of calls waiting (due or not): exact on the owning thread (only it takes
        calls out); from another thread, a snapshot that a concurrent post may change."""
        return len(self._items) + len(self._delayed)

    def next_due_in(self) -> float | None:
        """Seconds until the earliest call is due (0 if one is due now), None when empty."""
        with self._cond:
            if self._items:
                return 0.0
            if self._delayed:
                return max(0.0, self._delayed[0][0] - time.monotonic())
            return None

    # -- pumping (owning thread only) ---------------------------------------------------------

    def _wait_due(self, timeout: float) -> int:
        """How many calls are due, waiting up to ``timeout`` s for one (0: none came)."""
        now = _monotonic()
        deadline = now + timeout
        lock = self._lock  # the condition's lock
        items = self._items
        with lock:
            while True:
                while self._delayed and self._delayed[0][0] <= now:
                    items.append(heapq.heappop(self._delayed)[2])
                if items:
                    return len(items)
                remaining = deadline - now
                if remaining <= 0:
                    return 0
                if self._delayed:
                    remaining = min(remaining, self._delayed[0][0] - now)
                poller = self._poller
                self._sleepers += 1
                if poller is None:
                    try:
                        self._cond.wait(remaining)
                    finally:
                        self._sleepers -= 1
                else:
                    # Wait on the watched sockets without the lock (posts wake the poller
                    # through its socket pair while ``polling``); readable watches are
                    # queued behind what was posted meanwhile.
                    poller.polling = True
                    lock.release()
                    try:
                        ready = poller.wait(remaining)
                    finally:
                        lock.acquire()
                        poller.polling = False
                        self._sleepers -= 1
                    if not ready:
                        self._drop_idle_poller()  # (one with a readable socket has watches)
                    for watch in ready:
                        items.append((watch.run, (), None, None))
                if items and not self._delayed:  # (nothing else can be due)
                    return len(items)
                now = _monotonic()

    def process(self, timeout: float = 0.0) -> bool:
        """Run the calls that are due, waiting up to ``timeout`` seconds for the first one.

        Runs as many calls as were due when it started (calls posted meanwhile wait for the
        next pump), each taken from the front of the queue: a pump nested in one of them (a
        handler calling ``ProcessMessages``) goes on with the calls behind it, in order.
        Returns True when at least one call ran. An exception from a queued call propagates;
        the calls not yet run stay at the front, in order.
        """
        if _get_ident() != self.ident:
            raise EThread(
                f"message queue of thread {self.thread.name!r} pumped from thread "
                f"{threading.current_thread().name!r}")
        due = self._wait_due(timeout)
        ran = False
        lock = self._lock
        items = self._items
        for _ in range(due):
            with lock:
                if not items:
                    break  # a nested pump ran the rest
                fn, args, owner, sync = items.popleft()
            if owner is not None and owner.is_destroyed:
                continue
            if sync is None:
                fn(*args)
            elif sync is _OWNER_CALL:
                fn(owner, args)
            elif not _run_synchronized(fn, args, sync):  # never raises: errors travel back
                continue
            ran = True
        return ran


def _run_synchronized(fn: Callable[..., Any], args: tuple[Any, ...], sync: _SyncState) -> bool:
    """Run a Synchronize call for the thread waiting on ``sync``; False if it gave up waiting."""
    with sync.lock:
        if sync.state != "pending":
            return False  # the caller gave up waiting: never run it late
        sync.state = "running"
    try:
        sync.result = fn(*args)
    except BaseException as exc:  # travels back to the waiting thread
        sync.error = exc
    finally:
        sync.state = "done"
        sync.done.set()
    return True


_queues: dict[int, MessageQueue] = {}
_queues_lock = threading.Lock()


def queue_for_thread(thread: threading.Thread) -> MessageQueue:
    """The message queue of ``thread``, created on first use."""
    ident = thread.ident
    if ident is None:
        raise EThread(f"thread {thread.name!r} has not started")
    q = _queues.get(ident)
    if q is not None and q.thread is thread:
        return q
    with _queues_lock:
        q = _queues.get(ident)
        if q is None or q.thread is not thread:  # idents are reused after a thread ends
            q = MessageQueue(thread)
            _queues[ident] = q
            for dead in [i for i, mq in _queues.items() if not mq.thread.is_alive()]:
                if dead != ident:
                    del _queues[dead]
        return q


def current_queue() -> MessageQueue:
    """The message queue of the calling thread."""
    q = _queues.get(threading.get_ident())
    if q is not None and q.thread is threading.current_thread():
        return q
    return queue_for_thread(threading.current_thread())


def main_queue() -> MessageQueue:
    """The message queue of the main thread."""
    return queue_for_thread(threading.main_thread())


def _split_args(args: tuple[Any, ...]) -> Callable[..., Any]:
    # Delphi passes (AThread, AMethod); Python callers usually pass just the method.
    if len(args) == 1 and callable(args[0]):
        return args[0]
    if len(args) == 2 and callable(args[1]):
        return args[1]
    raise TypeError("expected (AMethod) or (AThread, AMethod) with a callable AMethod")


class TThread:
    """Class-level thread utilities of Delphi's ``TThread`` that target the main thread.

    ``Queue``/``Synchronize``/``ForceQueue`` accept ``(proc)`` or Delphi's ``(AThread, proc)``
    (``AThread`` is ignored). To target another thread's queue, use :class:`MessageQueue`.
    """

    @staticmethod
    def CurrentIsMain() -> bool:
        """True on the main thread."""
        return threading.get_ident() == MainThreadID

    @staticmethod
    def Queue(*args: Any) -> None:
        """Run ``proc`` on the main thread: inline when called there, else at its next pump."""
        proc = _split_args(args)
        if threading.get_ident() == MainThreadID:
            proc()
        else:
            main_queue().post(proc)

    @staticmethod
    def ForceQueue(*args: Any, delay_ms: int = 0) -> None:
        """Queue ``proc`` to the main thread, never inline, due after ``delay_ms`` ms."""
        proc = _split_args(args)
        main_queue().post(proc, delay=delay_ms / 1000.0)

    @staticmethod
    def Synchronize(*args: Any, timeout: float | None = None) -> Any:
        """Run ``proc`` on the main thread and wait for it; return its result.

        Inline on the main thread. From another thread it blocks until the main thread pumped
        the call (at most ``timeout`` seconds, default 10) and re-raises the call's exception.
        Raises :class:`ESynchronizeTimeout` when the main thread does not pump in time; the call
        is then withdrawn and never runs.
        """
        return synchronize_on(main_queue(), _split_args(args), timeout=timeout)

    @staticmethod
    def RemoveQueuedEvents(proc: Callable[..., Any]) -> int:
        """Drop pending main-thread calls of ``proc``."""
        return main_queue().remove(fn=proc)


def synchronize_on(queue: MessageQueue, proc: Callable[..., Any], args: tuple[Any, ...] = (),
                   timeout: float | None = None, owner: Any = None) -> Any:
    """Run ``proc(*args)`` on ``queue``'s thread and wait for it (see ``TThread.Synchronize``)."""
    if threading.get_ident() == queue.ident:
        return proc(*args)
    sync = _SyncState()
    queue._post_sync((proc, args, owner, sync))
    wait = DEFAULT_SYNCHRONIZE_TIMEOUT if timeout is None else timeout
    if not sync.done.wait(wait):
        with sync.lock:
            if sync.state == "pending":
                sync.state = "abandoned"
                raise ESynchronizeTimeout(
                    f"Synchronize timed out after {wait:g} s: thread {queue.thread.name!r} "
                    "did not pump its message queue (call Application.ProcessMessages, "
                    "CheckSynchronize or Application.Run there)")
        sync.done.wait()  # it started running: wait for it to finish
    if sync.error is not None:
        raise sync.error
    return sync.result


def CheckSynchronize(timeout: int = 0) -> bool:
    """Run the main thread's queued calls; wait up to ``timeout`` ms for the first one.

    Must be called on the main thread (raises :class:`EThread` elsewhere). Returns True when
    something ran. An exception from a queued (not synchronized) call propagates from here.
    """
    if threading.get_ident() != MainThreadID:
        raise EThread(
            f"CheckSynchronize called from non-main thread {threading.current_thread().name!r}")
    return main_queue().process(timeout / 1000.0)


def RemoveQueuedEvents(owner: Any) -> int:
    """Drop every pending call posted on behalf of ``owner`` from every thread's queue."""
    with _queues_lock:
        queues = list(_queues.values())
    return sum(q.remove(owner=owner) for q in queues)
