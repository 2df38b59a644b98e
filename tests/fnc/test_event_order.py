"""Events on blinker: handler first, listeners in subscription order, blinker API, lifetime."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest
from blinker import ANY, Signal

from fnc import Application, Event, EventSignal, TComponent, listen, signal
from fnc.threads import MessageQueue


class TSensor(TComponent):
    OnReading = Event("Sender", "AValue", "AUnit")


class TQueuedSensor(TSensor):
    def fnc_event_queue(self) -> MessageQueue | None:
        return self.home_queue


def test_many_listeners_run_in_subscription_order_every_time():
    s = TSensor(None)
    order: list[object] = []
    s.OnReading = lambda sender, v, u: order.append("handler")
    for i in range(50):
        listen(s, "OnReading", lambda sender, v, u, i=i: order.append(i))
    for _ in range(20):
        order.clear()
        s.fire("OnReading", 1.5, "C")
        assert order == ["handler", *range(50)]


def test_handler_assigned_after_listeners_still_runs_first():
    s = TSensor(None)
    order: list[str] = []
    listen(s, "OnReading", lambda *a: order.append("l1"))
    listen(s, "OnReading", lambda *a: order.append("l2"))
    s.OnReading = lambda *a: order.append("handler")
    s.fire("OnReading", 1, "C")
    assert order == ["handler", "l1", "l2"]


def test_blinker_api_receivers_interleave_in_subscription_order():
    s = TSensor(None)
    order: list[object] = []
    sig = signal(s, "OnReading")
    assert isinstance(sig, Signal) and isinstance(sig, EventSignal)
    assert sig is TSensor.OnReading.signal(s)  # one signal per instance and event

    def blinker_style(sender, **kw):
        order.append(("kw", sender is s, kw))

    listen(s, "OnReading", lambda sender, v, u: order.append(("pos", v, u)))
    sig.connect(blinker_style)  # blinker's API: weak by default, kwargs by parameter name
    listen(s, "OnReading", lambda sender, v, u: order.append("last"))
    s.fire("OnReading", 20.5, "C")
    assert order == [("pos", 20.5, "C"), ("kw", True, {"AValue": 20.5, "AUnit": "C"}), "last"]


def test_connected_to_and_receiver_connected():
    s = TSensor(None)
    sig = signal(s, "OnReading")
    seen: list[object] = []
    connected: list[object] = []

    def on_connect(signal_, receiver, sender, weak):
        connected.append(receiver)

    def temp(sender, **kw):
        seen.append(kw["AValue"])

    sig.receiver_connected.connect(on_connect)
    with sig.connected_to(temp):
        s.fire("OnReading", 1, "C")
    s.fire("OnReading", 2, "C")  # disconnected again
    assert seen == [1] and connected == [temp]


def test_send_calls_receivers_blinker_style_but_not_the_handler():
    s = TSensor(None)
    calls: list[object] = []
    s.OnReading = lambda *a: calls.append("handler")
    listen(s, "OnReading", lambda sender, v, u: calls.append(("listen", v, u)))
    sig = signal(s, "OnReading")

    def answer(sender, **kw):
        return kw["AValue"] * 2

    sig.connect(answer)
    results = sig.send(s, AValue=4, AUnit="K")
    assert calls == [("listen", 4, "K")]
    assert [r for _, r in results] == [None, 8]


def test_subscribe_during_dispatch_runs_from_the_next_firing():
    s = TSensor(None)
    order: list[str] = []

    def first(sender, v, u):
        order.append("first")
        if v == 1:
            listen(s, "OnReading", lambda *a: order.append("late"))

    listen(s, "OnReading", first)
    listen(s, "OnReading", lambda *a: order.append("second"))
    s.fire("OnReading", 1, "C")
    assert order == ["first", "second"]
    order.clear()
    s.fire("OnReading", 2, "C")
    assert order == ["first", "second", "late"]


def test_unsubscribe_during_dispatch_stops_a_later_listener_at_once():
    s = TSensor(None)
    order: list[str] = []
    offs: dict[str, Callable[[], None]] = {}

    def first(sender, v, u):
        order.append("first")
        offs["second"]()
        offs["first"]()  # itself too

    offs["first"] = listen(s, "OnReading", first)
    offs["second"] = listen(s, "OnReading", lambda *a: order.append("second"))
    listen(s, "OnReading", lambda *a: order.append("third"))
    s.fire("OnReading", 1, "C")
    s.fire("OnReading", 2, "C")
    assert order == ["first", "third", "third"]


def test_blinker_disconnect_during_dispatch_is_honoured():
    s = TSensor(None)
    sig = signal(s, "OnReading")
    order: list[str] = []

    def a(sender, **kw):
        order.append("a")
        sig.disconnect(b)

    def b(sender, **kw):
        order.append("b")

    sig.connect(a)
    sig.connect(b)
    s.fire("OnReading", 1, "C")
    assert order == ["a"]


def test_listen_keeps_lambdas_alive_by_default():
    s = TSensor(None)
    seen: list[int] = []
    listen(s, "OnReading", lambda sender, v, u: seen.append(v))
    gc.collect()
    s.fire("OnReading", 7, "C")
    assert seen == [7]


def test_weak_listener_goes_away_with_its_target():
    s = TSensor(None)
    seen: list[int] = []

    class Display:
        def show(self, sender, v, u):
            seen.append(v)

    display = Display()
    listen(s, "OnReading", display.show, weak=True)
    s.fire("OnReading", 1, "C")
    del display
    gc.collect()
    s.fire("OnReading", 2, "C")
    assert seen == [1]
    assert not TSensor.OnReading.assigned(s)


def test_blinker_weak_receiver_is_dropped_but_strong_one_kept():
    s = TSensor(None)
    sig = signal(s, "OnReading")
    seen: list[str] = []
    sig.connect(lambda sender, **kw: seen.append("weak lambda"))  # blinker: weak by default
    sig.connect(lambda sender, **kw: seen.append("strong lambda"), weak=False)
    gc.collect()
    s.fire("OnReading", 1, "C")
    assert seen == ["strong lambda"]


def test_component_and_its_signal_are_collected():
    s = TSensor(None)
    listen(s, "OnReading", lambda *a: None)
    signal(s, "OnReading").connect(lambda sender, **kw: None, weak=False)
    ref = __import__("weakref").ref(s)
    s.Free()
    del s
    gc.collect()
    assert ref() is None


def test_sender_specific_and_any_sender_receivers_keep_subscription_order():
    s = TSensor(None)
    sig = signal(s, "OnReading")
    order: list[str] = []

    def specific(sender, **kw):
        order.append("specific")

    def general(sender, **kw):
        order.append("any")

    sig.connect(specific, sender=s)
    sig.connect(general, sender=ANY)
    listen(s, "OnReading", lambda *a: order.append("listen"))
    sig.connect_via(s)(lambda sender, **kw: order.append("via"))
    s.fire("OnReading", 1, "C")
    assert order == ["specific", "any", "listen", "via"]


def test_freeing_in_the_handler_stops_the_listeners():
    s = TSensor(None)
    order: list[str] = []
    s.OnReading = lambda sender, v, u: (order.append("handler"), sender.Free())
    listen(s, "OnReading", lambda *a: order.append("listener"))
    s.fire("OnReading", 1, "C")
    assert order == ["handler"]


def test_marshaled_events_keep_firing_order_and_listener_order():
    s = TQueuedSensor(None)
    got: list[tuple[str, int]] = []
    s.OnReading = lambda sender, v, u: got.append(("handler", v))
    for name in ("a", "b", "c"):
        listen(s, "OnReading", lambda sender, v, u, name=name: got.append((name, v)))

    def worker() -> None:
        for i in range(200):
            s.fire("OnReading", i, "C")

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert not t.is_alive()
    assert Application.ProcessMessagesUntil(lambda: len(got) == 800, timeout=10)
    assert got == [(n, i) for i in range(200) for n in ("handler", "a", "b", "c")]
    s.Free()


def test_listener_exception_is_routed_and_later_listeners_run():
    s = TSensor(None, Name="Sensor1")
    errors: list[tuple[object, BaseException]] = []
    previous = Application.OnException
    Application.OnException = lambda sender, e: errors.append((sender, e))
    try:
        listen(s, "OnReading", lambda *a: 1 / 0)
        ran: list[str] = []
        listen(s, "OnReading", lambda *a: ran.append("after"))
        s.fire("OnReading", 1, "C")
    finally:
        Application.OnException = previous
    assert ran == ["after"]
    assert errors and errors[0][0] is s and isinstance(errors[0][1], ZeroDivisionError)


def test_listen_rejects_unknown_event():
    with pytest.raises(AttributeError, match="no event 'OnNope'"):
        signal(TSensor(None), "OnNope")


def test_application_installs_the_exception_route_and_it_can_be_replaced():
    from fnc.events import set_exception_handler

    seen: list[BaseException] = []
    previous = set_exception_handler(lambda exc, sender: seen.append(exc))
    try:
        assert previous == Application.HandleException  # installed by fnc.application
        s = TSensor(None)
        s.OnReading = lambda *a: 1 / 0
        s.fire("OnReading", 1, "C")
    finally:
        set_exception_handler(previous)
    assert len(seen) == 1 and isinstance(seen[0], ZeroDivisionError)


def test_subscribing_on_another_thread_while_firing_is_safe():
    s = TSensor(None)
    errors: list[BaseException] = []
    fired = [0]
    listen(s, "OnReading", lambda *a: fired.__setitem__(0, fired[0] + 1))
    done = threading.Event()

    def churn() -> None:
        try:
            while not done.is_set():
                off = listen(s, "OnReading", lambda *a: None)
                sig = signal(s, "OnReading")
                sig.connect(_noop_receiver)
                sig.disconnect(_noop_receiver)
                off()
        except BaseException as exc:  # reported below
            errors.append(exc)

    t = threading.Thread(target=churn)
    t.start()
    try:
        for i in range(20_000):
            s.fire("OnReading", i, "C")  # inline: no event queue
    except BaseException as exc:
        errors.append(exc)
    finally:
        done.set()
        t.join(10)
    assert not t.is_alive() and not errors
    assert fired[0] == 20_000  # the steady listener saw every event


def _noop_receiver(sender, **kwargs):
    return None
