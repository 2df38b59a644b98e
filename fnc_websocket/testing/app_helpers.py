"""Test helpers on the fnc component framework: pumping waits, event recording, and the guard behind
the ``fnc_app`` fixture (handler exceptions, unfreed components, leftover threads)."""

from __future__ import annotations

import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from fnc.application import Application, TApplication
from fnc.component import TComponent, on_component_created
from fnc.events import listen, published_events
from fnc_websocket.testing import _hints

__all__ = ["AppGuard", "EventRecord", "record_events", "wait_for"]

T = TypeVar("T")

_OWN_THREAD_PREFIXES = ("fnc-ws-mock-", "fnc-ws-recorder-")  # owned and joined by the kit


def wait_for(predicate: Callable[[], T], timeout: float = 5.0, message: str | None = None) -> T:
    """Pump the calling thread's message queue until ``predicate()`` is truthy; return its value.

    Raises AssertionError (with ``message`` or the predicate's name) after ``timeout`` seconds;
    running mock servers add hints to it (a message no rule handled, a cassette mismatch).
    Must be called on the thread whose queue delivers the awaited events (the test thread).
    """
    result: list[T] = []

    def check() -> bool:
        value = predicate()
        if value:
            result.append(value)
            return True
        return False

    if not Application.ProcessMessagesUntil(check, timeout=timeout):
        what = message or getattr(predicate, "__qualname__", repr(predicate))
        hints = "".join(f"\n  hint: {hint}" for hint in _hints.collect())
        raise AssertionError(f"wait_for: {what} did not become true within {timeout:g} s{hints}")
    return result[0]


class EventRecord(list[tuple[str, tuple[Any, ...]]]):
    """Ordered ``(event name, args without Sender)`` of the events a component fired on its home
    thread. ``other_threads`` holds those that ran elsewhere (``marshal=False`` events such as
    ``OnAllow``, or ``AutoSyncEvents=False``), as ``(event name, args, thread name)``."""

    def __init__(self) -> None:
        super().__init__()
        self.other_threads: list[tuple[str, tuple[Any, ...], str]] = []
        self._unsubscribers: list[Callable[[], None]] = []

    def names(self) -> list[str]:
        """Just the event names, in order."""
        return [name for name, _ in self]

    def stop(self) -> None:
        """Stop recording (unsubscribe every listener)."""
        for unsubscribe in self._unsubscribers:
            try:
                unsubscribe()
            except Exception:  # the component was freed first: nothing left to unsubscribe
                pass
        self._unsubscribers.clear()


def record_events(component: TComponent, events: list[str] | None = None) -> EventRecord:
    """Record every published event of ``component`` (or only ``events``), in firing order.

    Recording runs as listeners, after the assigned handler, and never replaces it.
    """
    record = EventRecord()
    home = component.HomeThread
    names = events if events is not None else [e.name for e in published_events(type(component))]
    for name in names:

        def listener(sender: Any, *args: Any, _name: str = name) -> None:
            current = threading.current_thread()
            if current is home:
                record.append((_name, args))
            else:
                record.other_threads.append((_name, args, current.name))

        record._unsubscribers.append(listen(component, name, listener))
    return record


class AppGuard:
    """What the ``fnc_app`` fixture checks around one test (on the test thread)."""

    def __init__(self, application: TApplication = Application) -> None:
        self.application = application
        self.exceptions: list[tuple[Any, BaseException, str]] = []
        self._created: list[weakref.ref[TComponent]] = []
        self._threads_before: set[threading.Thread] = set()
        self._untrack: Callable[[], None] | None = None
        self._unlisten: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._threads_before = set(threading.enumerate())
        self._unlisten = listen(self.application, "OnException", self._on_exception)
        created, lock = self._created, self._lock

        def track(component: TComponent) -> None:
            with lock:
                created.append(weakref.ref(component))

        self._untrack = on_component_created(track)

    def _on_exception(self, sender: Any, exc: BaseException) -> None:
        with self._lock:
            self.exceptions.append((sender, exc, threading.current_thread().name))

    def finish(self, thread_timeout: float = 5.0) -> list[str]:
        """Pump, free what the test created, check threads; return the problems found."""
        problems: list[str] = []
        try:
            self.application.ProcessMessages()
            self._free_created()
            self.application.ProcessMessages()
        finally:
            if self._untrack is not None:
                self._untrack()
            if self._unlisten is not None:
                self._unlisten()
        with self._lock:
            exceptions = list(self.exceptions)
        for sender, exc, thread in exceptions:
            text = "".join(traceback.format_exception(exc)).rstrip()
            problems.append(f"a handler raised on thread {thread} (Sender={sender!r}):\n{text}")
        problems.extend(self._leftover_threads(thread_timeout))
        return problems

    def _free_created(self) -> None:
        with self._lock:
            components = [ref() for ref in self._created]
        alive = [c for c in components if c is not None and not c.is_destroyed]
        created_ids = {id(c) for c in alive}
        for component in reversed(alive):  # roots of what the test created, last created first
            if component.is_destroyed:
                continue
            owner = component.Owner
            if owner is not None and id(owner) in created_ids and not owner.is_destroyed:
                continue  # its owner frees it
            component.Free()

    def _leftover_threads(self, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        leftovers = []
        for thread in threading.enumerate():
            if thread in self._threads_before or thread is threading.current_thread():
                continue
            if thread.name.startswith(_OWN_THREAD_PREFIXES):
                continue
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                leftovers.append(thread.name)
        if leftovers:
            return [f"threads started by the test still alive after {timeout:g} s: {leftovers}"]
        return []
