"""Queue, Synchronize, ForceQueue, CheckSynchronize and event marshaling (checklist 30-36)."""

from __future__ import annotations

import threading
import time

import pytest

from fnc import (
    Application,
    CheckSynchronize,
    ESynchronizeTimeout,
    EThread,
    Event,
    TComponent,
    TThread,
)
from fnc.threads import current_queue


def run_in_thread(fn, timeout=5.0):
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    return t, box


def pump_until_joined(t, timeout=5.0):
    assert Application.ProcessMessagesUntil(lambda: not t.is_alive(), timeout)
    t.join(1)


def test_synchronize_inline_on_main_and_blocks_worker():  # checklist 30
    ran_on = []
    TThread.Synchronize(lambda: ran_on.append(threading.current_thread().name))
    assert ran_on == ["MainThread"]

    def worker():
        return TThread.Synchronize(lambda: threading.current_thread().name + "!")

    t, box = run_in_thread(worker)
    pump_until_joined(t)
    assert box["result"] == "MainThread!"


def test_synchronize_exception_reraised_in_worker():  # checklist 30
    def worker():
        TThread.Synchronize(lambda: 1 / 0)

    t, box = run_in_thread(worker)
    pump_until_joined(t)
    assert isinstance(box["error"], ZeroDivisionError)


def test_queue_inline_on_main_fifo_from_worker():  # checklist 31
    order = []
    TThread.Queue(lambda: order.append("inline"))
    assert order == ["inline"]

    def worker():
        for i in range(50):
            TThread.Queue(None, lambda i=i: order.append(i))

    t, _ = run_in_thread(worker)
    t.join(5)
    assert order == ["inline"]  # nothing runs until the main thread pumps
    assert CheckSynchronize(0)
    assert order == ["inline", *range(50)]


def test_queued_exception_surfaces_from_check_synchronize_rest_kept():  # checklist 31
    order = []

    def worker():
        TThread.Queue(lambda: order.append(1))
        TThread.Queue(lambda: 1 / 0)
        TThread.Queue(lambda: order.append(3))

    t, _ = run_in_thread(worker)
    t.join(5)
    with pytest.raises(ZeroDivisionError):
        CheckSynchronize(0)
    assert order == [1]
    assert CheckSynchronize(0) and order == [1, 3]


def test_force_queue_never_inline_and_delay():  # checklist 32
    order = []
    TThread.ForceQueue(lambda: order.append("late"), delay_ms=80)
    TThread.ForceQueue(lambda: order.append("now"))
    assert order == []
    start = time.monotonic()
    CheckSynchronize(0)
    assert order == ["now"]  # the delayed entry did not hold up the due one
    assert Application.ProcessMessagesUntil(lambda: "late" in order, 2)
    assert time.monotonic() - start >= 0.075


def test_check_synchronize_rules():  # checklist 33
    t, box = run_in_thread(lambda: CheckSynchronize(0))
    t.join(5)
    assert isinstance(box["error"], EThread)
    assert CheckSynchronize(0) is False
    start = time.monotonic()
    assert CheckSynchronize(30) is False
    assert time.monotonic() - start >= 0.025

    woken = []
    q = current_queue()
    q.wake_hooks.append(lambda: woken.append(threading.current_thread().name))
    try:
        t, _ = run_in_thread(lambda: TThread.Queue(lambda: None))
        t.join(5)
    finally:
        q.wake_hooks.clear()
    assert woken == [t.name]  # the hook runs on the posting thread
    assert CheckSynchronize(0)


def test_check_synchronize_waits_for_work():  # checklist 33
    release = threading.Event()

    def worker():
        release.wait(5)
        TThread.Queue(lambda: None)

    t, _ = run_in_thread(worker)
    release.set()
    assert CheckSynchronize(5000) is True
    t.join(5)


class TSource(TComponent):
    OnData = Event("Sender", "AValue")
    AutoSync = True

    def fnc_event_queue(self):
        return self.home_queue if self.AutoSync else None


def test_freed_component_queued_events_dropped():  # checklist 34
    src = TSource(None)
    got = []
    src.OnData = lambda s, v: got.append(v)
    t, _ = run_in_thread(lambda: [src.fire("OnData", i) for i in range(10)])
    t.join(5)
    src.Free()
    Application.ProcessMessages()
    assert got == []


def test_synchronize_times_out_when_nobody_pumps():  # checklist 35
    ran = []

    def worker():
        TThread.Synchronize(lambda: ran.append(1), timeout=0.05)

    t, box = run_in_thread(worker)
    t.join(5)
    assert isinstance(box["error"], ESynchronizeTimeout)
    assert "did not pump" in str(box["error"])
    Application.ProcessMessages()
    assert ran == []  # a withdrawn call never runs late


def test_events_marshaled_in_order_and_inline_on_home():  # checklist 36
    src = TSource(None)
    got = []
    src.OnData = lambda s, v: got.append((v, threading.current_thread().name))
    n = 1000
    t, _ = run_in_thread(lambda: [src.fire("OnData", i) for i in range(n)])
    pump_until_joined(t)
    Application.ProcessMessagesUntil(lambda: len(got) == n, 5)
    assert [v for v, _ in got] == list(range(n))  # none lost, none duplicated, in order
    assert {name for _, name in got} == {"MainThread"}
    src.fire("OnData", "direct")
    assert got[-1] == ("direct", "MainThread")


def test_without_marshaling_handler_runs_on_worker():
    src = TSource(None)
    src.AutoSync = False
    got = []
    src.OnData = lambda s, v: got.append(threading.current_thread().name)
    t, _ = run_in_thread(lambda: src.fire("OnData", 1))
    t.join(5)
    assert got == [t.name]


def test_component_on_worker_thread_served_by_its_pump():
    got = []

    def worker():
        src = TSource(None)
        src.OnData = lambda s, v: got.append((v, threading.current_thread().name))
        helper = threading.Thread(target=lambda: src.fire("OnData", 7))
        helper.start()
        helper.join(5)
        ok = Application.ProcessMessagesUntil(lambda: got, 5)
        src.Free()
        return ok

    t, box = run_in_thread(worker)
    t.join(10)
    assert box["result"] is True
    assert got == [(7, t.name)]


def test_nested_pump_goes_on_with_the_calls_behind_it_in_order():
    q = current_queue()
    order: list[str] = []

    def first() -> None:
        order.append("A")
        q.post(order.append, ("D",))  # posted while pumping: behind B and C
        Application.ProcessMessages()  # nested: goes on with B, C, D, in order
        order.append("A-end")

    q.post(first)
    q.post(order.append, ("B",))
    q.post(order.append, ("C",))
    assert Application.ProcessMessagesUntil(lambda: "D" in order, timeout=5)
    assert order == ["A", "B", "C", "D", "A-end"]
