"""Application pump, Run/Terminate, TTimer, form roots."""

from __future__ import annotations

import threading
import time

from fnc import Application, TComponent, TDataModule, TForm, TThread, TTimer


def test_run_until_terminate_from_worker():
    def worker():
        TThread.Queue(lambda: ran.append("queued"))
        Application.Terminate()

    ran = []
    t = threading.Thread(target=worker)
    t.start()
    assert Application.Run(timeout=5) is True
    t.join(5)
    assert not Application.Terminated
    # queued work before Terminate ran, or runs at the next pump
    Application.ProcessMessagesUntil(lambda: ran, 1)
    assert ran == ["queued"]


def test_run_timeout_returns_false():
    start = time.monotonic()
    assert Application.Run(timeout=0.05) is False
    assert time.monotonic() - start >= 0.045


def test_process_messages_until_false_on_timeout_and_exceptions_routed():
    assert Application.ProcessMessagesUntil(lambda: False, 0.02) is False
    seen = []
    Application.OnException = lambda s, e: seen.append(type(e))
    try:
        t = threading.Thread(target=lambda: [TThread.Queue(lambda: 1 / 0),
                                             TThread.Queue(lambda: seen.append("after"))])
        t.start()
        t.join(5)
        assert Application.ProcessMessagesUntil(lambda: "after" in seen, 2)
    finally:
        Application.OnException = None
    assert seen == [ZeroDivisionError, "after"]


def test_timer_fires_on_home_thread_and_stops():
    ticks = []
    timer = TTimer(None, Interval=10)
    timer.OnTimer = lambda s: ticks.append(threading.current_thread().name)
    assert Application.ProcessMessagesUntil(lambda: len(ticks) >= 3, 3)
    assert set(ticks) == {"MainThread"}
    timer.Enabled = False
    count = len(ticks)
    Application.ProcessMessagesUntil(lambda: False, 0.05)
    assert len(ticks) == count
    timer.Enabled = True
    assert Application.ProcessMessagesUntil(lambda: len(ticks) > count, 2)
    timer.Free()
    count = len(ticks)
    Application.ProcessMessagesUntil(lambda: False, 0.05)
    assert len(ticks) == count


def test_timer_needs_handler_interval_and_not_loading():
    timer = TTimer(None, Interval=0)
    ticks = []
    timer.OnTimer = lambda s: ticks.append(1)
    Application.ProcessMessagesUntil(lambda: False, 0.03)
    assert ticks == []
    timer.Loading()
    timer.Interval = 5
    Application.ProcessMessagesUntil(lambda: False, 0.03)
    assert ticks == []
    timer.Loaded()
    assert Application.ProcessMessagesUntil(lambda: ticks, 2)
    timer.Free()


def test_data_module_events_and_children():
    created, destroyed = [], []

    class TDM(TDataModule):
        def DMCreate(self, sender):
            created.append(sender)

    dm = TDM(None, Name="DM1")
    dm.OnCreate = dm.DMCreate
    dm.OnDestroy = lambda s: destroyed.append(s.ComponentCount)
    a, b = TComponent(dm), TComponent(dm)
    b.SetParentComponent(a)
    dm.DoCreate()
    listed = []
    dm.GetChildren(listed.append, dm)
    assert created == [dm] and listed == [a]
    dm.Free()
    assert destroyed == [2]  # OnDestroy ran while the components still existed
    assert TForm(None, Caption="Main").Caption == "Main"
