"""Event slots: Delphi's single-cast ``OnX`` handlers, plus multicast listeners on blinker.

Declare an event on a component class with its Delphi parameter names::

    class TTimer(TComponent):
        OnTimer = Event("Sender")

``timer.OnTimer = handler`` assigns the one Delphi-style handler (a strong reference, so a lambda
keeps working); ``None`` clears it; reading returns it. Extra listeners subscribe with
:func:`listen` and run after the handler, in subscription order, without replacing it.

Where the handler runs: firing from the component's home thread runs it inline. Firing from
another thread queues it to the home thread when the component asks for that
(``_fnc_marshals_events()``, driven by ``AutoSyncEvents``), else runs it on the firing thread.
Events declared ``marshal=False`` (those with ``var`` answers such as ``OnAllow``) always run on
the firing thread. An exception from a handler or listener goes to ``Application.HandleException``
and never stops the firing code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
from blinker import Signal

if TYPE_CHECKING:
    from fnc.component import TComponent

__all__ = ["Event", "EventInfo", "VarParam", "listen", "published_events"]

T = TypeVar("T")


class VarParam(Generic[T]):
    """A Delphi ``var`` parameter: the handler reads and assigns ``.Value``."""

    __slots__ = ("Value",)

    def __init__(self, Value: T) -> None:
        self.Value = Value

    def __repr__(self) -> str:
        return f"VarParam({self.Value!r})"


@attrs.frozen
class EventInfo:
    """Metadata of one published event (what an Object Inspector lists)."""

    name: str
    params: tuple[str, ...]
    doc: str = ""
    marshal: bool = True
    var_params: tuple[str, ...] = ()

    @property
    def signature(self) -> str:
        """The handler's parameter list, Delphi order, ``var`` marked."""
        return ", ".join(f"var {p}" if p in self.var_params else p for p in self.params)


class Event:
    """Descriptor of one event slot on a component class."""

    def __init__(self, *params: str, doc: str = "", marshal: bool = True,
                 var: tuple[str, ...] = ()) -> None:
        if not params or params[0] != "Sender":
            raise ValueError("an event's first parameter is Sender")
        self.params = params
        self.doc = doc
        self.marshal = marshal
        self.var = var
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.key = "_ev_" + name

    @property
    def info(self) -> EventInfo:
        return EventInfo(self.name, self.params, self.doc, self.marshal, self.var)

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.__dict__.get(self.key)

    def __set__(self, obj: Any, handler: Callable[..., Any] | None) -> None:
        if handler is not None and not callable(handler):
            raise TypeError(
                f"{type(obj).__name__}.{self.name}: a handler must be callable or None, "
                f"not {type(handler).__name__}")
        obj.__dict__[self.key] = handler
        hook = getattr(obj, "_fnc_event_assigned", None)
        if hook is not None:
            hook(self.name)

    # -- firing ----------------------------------------------------------------------------

    def fire(self, obj: TComponent, *args: Any) -> None:
        """Raise the event for ``obj`` with the arguments after ``Sender``.

        Cheap when nothing listens. Thread rules: see the module docstring.
        """
        d = obj.__dict__
        if (d.get(self.key) is None and d.get("_sig_" + self.name) is None) or d.get(
                "_fnc_destroyed"):
            return
        if (self.marshal and threading.get_ident() != obj._fnc_home.ident
                and obj._fnc_marshals_events()):
            obj._fnc_home.post(self._dispatch, (obj, args), obj)
        else:
            self._dispatch(obj, args)

    def fire_inline(self, obj: TComponent, *args: Any) -> None:
        """Raise the event on the calling thread, whatever the component's settings."""
        d = obj.__dict__
        if d.get(self.key) is None and d.get("_sig_" + self.name) is None:
            return
        self._dispatch(obj, args)

    def _dispatch(self, obj: TComponent, args: tuple[Any, ...]) -> None:
        d = obj.__dict__
        if d.get("_fnc_destroyed"):
            return  # a handler never runs for a freed component
        handler = d.get(self.key)
        if handler is not None:
            try:
                handler(obj, *args)
            except Exception as exc:
                _handle_exception(exc, obj)
        signal: Signal | None = d.get("_sig_" + self.name)
        if signal is not None:
            for receiver in list(signal.receivers_for(obj)):
                try:
                    receiver(obj, *args)
                except Exception as exc:
                    _handle_exception(exc, obj)


def _handle_exception(exc: Exception, sender: Any) -> None:
    from fnc.application import Application

    Application.HandleException(exc, sender)


def listen(component: TComponent, event: str, fn: Callable[..., Any]) -> Callable[[], None]:
    """Subscribe ``fn`` to ``component``'s event ``event`` (for example ``"OnConnect"``).

    ``fn`` gets the same arguments as the handler (``Sender`` first), on the same thread, after
    the handler and earlier listeners. Returns a function that unsubscribes it.
    """
    slot = getattr(type(component), event, None)
    if not isinstance(slot, Event):
        raise AttributeError(f"{type(component).__name__} has no event {event!r}")
    key = "_sig_" + event
    signal: Signal | None = component.__dict__.get(key)
    if signal is None:
        signal = Signal(event)
        component.__dict__[key] = signal

    def receiver(sender: Any, *args: Any) -> None:
        fn(sender, *args)

    # blinker calls receivers as receiver(sender, **kwargs); we call them ourselves with the
    # positional arguments, so the wrapper is only registered for ordering and lifetime.
    signal.connect(receiver, sender=component, weak=False)

    def unsubscribe() -> None:
        signal.disconnect(receiver, sender=component)
        if not signal.receivers:
            component.__dict__.pop(key, None)

    return unsubscribe


def published_events(cls: type) -> list[EventInfo]:
    """The events of ``cls`` in declaration order, base classes first."""
    seen: dict[str, EventInfo] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Event):
                seen[name] = value.info  # a redeclaration keeps the first position
    return list(seen.values())
