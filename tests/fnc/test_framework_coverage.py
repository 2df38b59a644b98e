"""fnc behaviour the other framework tests leave unchecked: fnc never imports fnc_websocket,
RemoveQueuedEvents (by owner, and TThread's by procedure), and Application.HandleException."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from fnc import Application, Event, RemoveQueuedEvents, TComponent, TThread
from fnc.threads import main_queue

WAIT = 5.0


# -- fnc stands alone ------------------------------------------------------------------------

IMPORT_ALL = """
import importlib, pkgutil, sys
import fnc
names = []
for info in pkgutil.walk_packages(fnc.__path__, "fnc."):
    try:
        importlib.import_module(info.name)
    except ImportError as exc:  # an optional GUI toolkit (Qt, Tk) that is not installed
        if (exc.name or "").split(".")[0] in ("fnc", "fnc_websocket"):
            raise
        continue
    names.append(info.name)
print(",".join(names))
leaked = sorted(m for m in sys.modules if m == "fnc_websocket" or m.startswith("fnc_websocket."))
print(",".join(leaked))
"""


def test_importing_fnc_and_every_submodule_does_not_import_fnc_websocket() -> None:
    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    imported_line, leaked_line = proc.stdout.splitlines()
    imported = set(imported_line.split(","))
    assert {"fnc.streaming", "fnc.inspector", "fnc.integrations.asyncio", "fnc.timer",
            "fnc.application", "fnc.threads", "fnc.forms"} <= imported
    assert leaked_line == "", f"fnc imported {leaked_line}"


# -- RemoveQueuedEvents ----------------------------------------------------------------------

class TSource(TComponent):
    OnData = Event("Sender", "AValue")

    def fnc_event_queue(self):
        return self.home_queue


def fire_from_worker(*pairs: tuple[TComponent, int]) -> None:
    """Fire OnData for each (component, value) from another thread; all end up queued."""
    worker = threading.Thread(target=lambda: [c.fire("OnData", v) for c, v in pairs])
    worker.start()
    worker.join(WAIT)
    assert not worker.is_alive()


@pytest.fixture
def sources() -> Iterator[tuple[TSource, TSource, list[tuple[str, int]]]]:
    got: list[tuple[str, int]] = []
    a = TSource(None, Name="A")
    b = TSource(None, Name="B")
    a.OnData = lambda Sender, AValue: got.append((Sender.Name, AValue))
    b.OnData = lambda Sender, AValue: got.append((Sender.Name, AValue))
    Application.ProcessMessages()  # start from an empty queue
    yield a, b, got
    a.Free()
    b.Free()


def test_remove_queued_events_drops_only_that_owners_calls(sources: Any) -> None:
    a, b, got = sources
    fire_from_worker((a, 1), (b, 2), (a, 3), (b, 4))
    assert RemoveQueuedEvents(a) == 2
    Application.ProcessMessages()
    assert got == [("B", 2), ("B", 4)]
    assert RemoveQueuedEvents(a) == 0  # nothing left to drop
    fire_from_worker((a, 5))  # later events of the owner are queued and run again
    Application.ProcessMessages()
    assert got[-1] == ("A", 5)


def test_remove_queued_events_covers_delayed_calls_and_other_threads(sources: Any) -> None:
    a, b, got = sources
    ran: list[str] = []
    main_queue().post(lambda: ran.append("a-later"), owner=a, delay=0.01)
    main_queue().post(lambda: ran.append("b-later"), owner=b, delay=0.01)
    # a component whose home is a worker thread: its queued events wait in that thread's queue
    created = threading.Event()
    go = threading.Event()
    box: dict[str, Any] = {}

    def worker() -> None:
        box["w"] = w = TSource(None, Name="W")
        w.OnData = lambda Sender, AValue: got.append(("W", AValue))
        created.set()
        go.wait(WAIT)
        Application.ProcessMessages()  # the worker pumps its own queue
        box["done"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert created.wait(WAIT)
        w = box["w"]
        w.fire("OnData", 7)  # from the main thread: queued to W's home, the worker
        w.fire("OnData", 8)
        assert RemoveQueuedEvents(w) == 2
        assert RemoveQueuedEvents(a) == 1
    finally:
        go.set()
        thread.join(WAIT)
    assert box.get("done") and not thread.is_alive()
    assert Application.ProcessMessagesUntil(lambda: ran, WAIT)
    Application.ProcessMessagesUntil(lambda: False, 0.03)
    assert ran == ["b-later"]
    assert ("W", 7) not in got and ("W", 8) not in got
    box["w"].Free()


def test_tthread_remove_queued_events_drops_that_procs_calls_only() -> None:
    got: list[str] = []

    def mine() -> None:
        got.append("mine")

    def other() -> None:
        got.append("other")

    Application.ProcessMessages()
    worker = threading.Thread(target=lambda: [TThread.Queue(p) for p in (mine, other, mine)])
    worker.start()
    worker.join(WAIT)
    TThread.ForceQueue(mine, delay_ms=10)
    TThread.ForceQueue(other, delay_ms=10)
    assert TThread.RemoveQueuedEvents(mine) == 3
    assert Application.ProcessMessagesUntil(lambda: len(got) == 2, WAIT)
    Application.ProcessMessagesUntil(lambda: False, 0.03)
    assert got == ["other", "other"]


# -- Application.HandleException -------------------------------------------------------------

@pytest.fixture
def no_exception_handler() -> Iterator[None]:
    saved = Application.OnException
    Application.OnException = None
    yield
    Application.OnException = saved


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_handle_exception_passes_sender_and_exception(no_exception_handler: None) -> None:
    seen: list[tuple[Any, BaseException]] = []
    Application.OnException = lambda Sender, E: seen.append((Sender, E))
    sender = TComponent(None, Name="Origin")
    error = _raised(ValueError("boom"))
    try:
        Application.HandleException(error, sender)
        Application.HandleException(error)  # no Sender: Application stands in
    finally:
        sender.Free()
    assert seen == [(sender, error), (Application, error)]


def test_handle_exception_without_handler_logs_with_traceback(
        no_exception_handler: None, caplog: pytest.LogCaptureFixture) -> None:
    sender = TComponent(None, Name="Source1")
    error = _raised(RuntimeError("nobody handles this"))
    try:
        with caplog.at_level(logging.ERROR, logger="fnc"):
            Application.HandleException(error, sender)
    finally:
        sender.Free()
    records = [r for r in caplog.records if r.name == "fnc"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.ERROR
    assert "Source1" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[1] is error
    assert "Traceback" in caplog.text and "nobody handles this" in caplog.text
    assert "_raised" in caplog.text  # the frame where it was raised


def test_a_raising_on_exception_handler_is_logged_not_raised(
        no_exception_handler: None, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[BaseException] = []

    def handler(Sender: Any, E: BaseException) -> None:
        calls.append(E)
        raise KeyError("handler broke")

    Application.OnException = handler
    error = _raised(ValueError("original"))
    with caplog.at_level(logging.ERROR, logger="fnc"):
        Application.HandleException(error, None)  # must not raise
    assert calls == [error]
    records = [r for r in caplog.records if r.name == "fnc"]
    assert len(records) == 1
    assert "original" in records[0].getMessage()
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], KeyError)
