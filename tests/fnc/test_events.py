"""Event slots: single-cast handlers, listeners, var parameters, exceptions (checklist 17)."""

from __future__ import annotations

import logging

import pytest

from fnc import Application, Event, TComponent, VarParam, listen, published_events


class TButton(TComponent):
    OnClick = Event("Sender")
    OnAllow = Event("Sender", "AAllow", var=("AAllow",), marshal=False)


def test_single_cast_assign_replace_clear_read():  # checklist 17
    b = TButton(None)
    calls = []
    first, second = (lambda s: calls.append(1)), (lambda s: calls.append(2))
    b.OnClick = first
    assert b.OnClick is first
    b.OnClick = second
    b.fire("OnClick")
    b.OnClick = None
    b.fire("OnClick")  # unassigned: a no-op
    assert calls == [2] and b.OnClick is None


def test_lambda_handler_is_kept_strongly():
    import gc

    b = TButton(None)
    calls = []
    b.OnClick = lambda s: calls.append(s)
    gc.collect()
    b.fire("OnClick")
    assert calls == [b]


def test_var_parameter_holder():  # checklist 17
    b = TButton(None)

    def refuse(sender, allow):
        allow.Value = False

    b.OnAllow = refuse
    allow = VarParam(True)
    b.fire("OnAllow", allow)
    assert allow.Value is False


def test_non_callable_handler_rejected():
    with pytest.raises(TypeError, match="OnClick: a handler must be callable"):
        TButton(None).OnClick = "Button1Click"


def test_listeners_run_after_handler_in_order_and_unsubscribe():
    b = TButton(None)
    order = []
    b.OnClick = lambda s: order.append("handler")
    off1 = listen(b, "OnClick", lambda s: order.append("l1"))
    listen(b, "OnClick", lambda s: order.append("l2"))
    b.fire("OnClick")
    off1()
    b.OnClick = None
    b.fire("OnClick")
    assert order == ["handler", "l1", "l2", "l2"]
    with pytest.raises(AttributeError, match="no event 'OnNope'"):
        listen(b, "OnNope", print)


def test_handler_exception_routed_not_swallowed(caplog):
    b = TButton(None, Name="Button1")
    after = []
    b.OnClick = lambda s: 1 / 0
    listen(b, "OnClick", lambda s: after.append("listener still ran"))
    with caplog.at_level(logging.ERROR, logger="fnc"):
        b.fire("OnClick")
    assert after == ["listener still ran"]
    assert "Button1" in caplog.text and "ZeroDivisionError" in caplog.text

    seen = []
    Application.OnException = lambda sender, e: seen.append((sender, type(e)))
    try:
        b.fire("OnClick")
    finally:
        Application.OnException = None
    assert seen == [(b, ZeroDivisionError)]


def test_failing_on_exception_handler_is_logged(caplog):
    b = TButton(None)
    b.OnClick = lambda s: 1 / 0
    Application.OnException = lambda s, e: [][1]
    try:
        with caplog.at_level(logging.ERROR, logger="fnc"):
            b.fire("OnClick")
    finally:
        Application.OnException = None
    assert "OnException handler failed" in caplog.text


def test_published_events_metadata():
    infos = {e.name: e for e in published_events(TButton)}
    assert infos["OnAllow"].signature == "Sender, var AAllow"
    assert infos["OnAllow"].marshal is False


def test_firing_on_a_freed_component_is_a_no_op():
    b = TButton(None)
    calls = []
    b.OnClick = lambda s: calls.append(s)
    b.Free()
    TButton.OnClick.fire(b)
    TButton.OnClick.fire_inline(b)
    assert calls == []
