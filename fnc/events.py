"""Event slots: Delphi's single-cast ``OnX`` handlers, plus listeners on a blinker ``Signal``.

Declare an event on a component class with its Delphi parameter names::

    class TTimer(TComponent):
        OnTimer = Event("Sender")

``timer.OnTimer = handler`` assigns the one Delphi-style handler (a strong reference, so a lambda
keeps working); ``None`` clears it; reading returns it.

Each event of an instance is also a blinker signal, :class:`EventSignal`, reached with
:func:`signal` (``signal(timer, "OnTimer")``) or ``TTimer.OnTimer.signal(timer)``. Listeners
subscribe to it with :func:`listen` (positional arguments, as the handler gets them; a strong
reference unless ``weak=True``) or through blinker's own API (``connect``, ``connected_to``,
``connect_via``, ``receiver_connected``...), where a receiver is called blinker's way:
``receiver(sender, **kwargs)`` with the parameter names after ``Sender`` as keywords, and held
weakly unless ``weak=False``.

Order, always: the handler first, then the listeners in subscription order. A listener
subscribed while the event is being delivered first runs at the next firing; one unsubscribed
during delivery no longer runs. ``EventSignal.send`` keeps blinker's semantics: it calls the
signal's receivers only (not the handler), on the calling thread, lets their exceptions
propagate and returns their results.

Where handler and listeners run: firing from the component's home thread runs them inline.
Firing from another thread queues them to the queue the component names
(``fnc_event_queue()``, driven by ``AutoSyncEvents``), else runs them on the firing thread.
Events declared ``marshal=False`` (those with ``var`` answers such as ``OnAllow``) always run on
the firing thread. An exception from a handler or listener goes to the exception handler that
:mod:`fnc.application` installs (``Application.HandleException``) and never stops the firing code.
"""

from __future__ import annotations

import itertools
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, MutableSet
from inspect import ismethod
from typing import Any, Generic, TypeVar

import attrs
from blinker import Signal

from fnc.extension import PersistentHooks

__all__ = [
    "Event", "EventInfo", "EventSignal", "VarParam", "listen", "published_events",
    "set_exception_handler", "signal",
]

T = TypeVar("T")

_log = logging.getLogger("fnc")
_get_ident = threading.get_ident


def _log_exception(exc: BaseException, sender: Any) -> None:
    _log.error("Unhandled exception in an event of %r", sender, exc_info=exc)


_exception_handler: Callable[[BaseException, Any], None] = _log_exception


def set_exception_handler(handler: Callable[[BaseException, Any], None]
                          ) -> Callable[[BaseException, Any], None]:
    """Route exceptions raised by handlers and listeners to ``handler(exc, sender)``.

    :mod:`fnc.application` installs ``Application.HandleException`` when it is imported (this
    layer does not know the application). Returns the previous handler. The handler runs on the
    thread where the exception happened and must not raise.
    """
    global _exception_handler
    previous, _exception_handler = _exception_handler, handler
    return previous


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


_subscriptions = itertools.count()


class _OrderedIds(MutableSet[Any]):
    """blinker's ``set_class`` hook: a set that iterates in subscription order.

    Each id remembers when it was added; a union (blinker unites the receivers for any sender
    with those for one sender) is ordered by that too, so order holds across both groups.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items: dict[Any, int] = {}
        for item in items:
            self.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __or__(self, other: Any) -> _OrderedIds:
        if not isinstance(other, _OrderedIds):
            return NotImplemented
        union = _OrderedIds()
        union._items = dict(sorted({**self._items, **other._items}.items(),
                                   key=lambda kv: kv[1]))
        return union

    def add(self, value: Any) -> None:
        if value not in self._items:
            self._items[value] = next(_subscriptions)

    def discard(self, value: Any) -> None:
        self._items.pop(value, None)

    def copy(self) -> _OrderedIds:
        dup = _OrderedIds()
        dup._items = dict(self._items)
        return dup


class EventSignal(Signal):
    """The blinker signal of one event of one component.

    Receivers are kept and called in subscription order (an ordered ``set_class``).
    ``name`` is the event's name and ``params`` its parameter names after ``Sender``: the
    keywords blinker-style receivers get.
    """

    set_class = _OrderedIds  # blinker's documented hook for dispatch order

    def __init__(self, name: str, params: tuple[str, ...], doc: str | None = None) -> None:
        super().__init__(doc)
        self.name = name
        self.params = params

    def __repr__(self) -> str:
        return f"<EventSignal {self.name}({', '.join(('Sender', *self.params))})>"


class _Listener:
    """A :func:`listen` subscriber: called with positional arguments, held strongly or weakly.

    Connected to the signal strongly; a weak listener disconnects itself when its target dies.
    """

    __slots__ = ("__weakref__", "active", "fn", "params", "ref")

    def __init__(self, fn: Callable[..., Any], params: tuple[str, ...], weak: bool,
                 on_dead: Callable[[Any], None]) -> None:
        self.params = params
        self.active = True
        self.fn: Callable[..., Any] | None = None
        self.ref: Callable[[], Callable[..., Any] | None] | None = None
        if weak:
            self.ref = weakref.WeakMethod(fn, on_dead) if ismethod(fn) else weakref.ref(
                fn, on_dead)
        else:
            self.fn = fn

    def target(self) -> Callable[..., Any] | None:
        return self.fn if self.ref is None else self.ref()

    def __call__(self, sender: Any, **kwargs: Any) -> Any:  # blinker's send()
        fn = self.target()
        if fn is None:
            return None
        return fn(sender, *[kwargs.get(p) for p in self.params])


class _EventState:
    """Per instance and event: the handler and, once asked for, the signal."""

    __slots__ = ("handler", "signal")

    def __init__(self, handler: Callable[..., Any] | None = None) -> None:
        self.handler: Callable[..., Any] | None = handler
        self.signal: EventSignal | None = None


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
        self.key = ""
        self._run = self._dispatch  # bound once: posted on every marshaled fire

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.key = "_ev_" + name

    @property
    def info(self) -> EventInfo:
        return EventInfo(self.name, self.params, self.doc, self.marshal, self.var)

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        state: _EventState | None = obj.__dict__.get(self.key)
        return None if state is None else state.handler

    def __set__(self, obj: PersistentHooks, handler: Callable[..., Any] | None) -> None:
        if handler is not None and not callable(handler):
            raise TypeError(
                f"{type(obj).__name__}.{self.name}: a handler must be callable or None, "
                f"not {type(handler).__name__}")
        d = obj.__dict__
        state: _EventState | None = d.get(self.key)
        if state is None:
            d[self.key] = _EventState(handler)
        else:
            state.handler = handler
        obj.fnc_event_assigned(self.name)

    def _state(self, obj: Any) -> _EventState:
        d = obj.__dict__
        state: _EventState | None = d.get(self.key)
        if state is None:
            state = d[self.key] = _EventState()
        return state

    # -- the signal -------------------------------------------------------------------------

    def signal(self, obj: PersistentHooks) -> EventSignal:
        """The blinker signal of this event of ``obj`` (created on first use)."""
        state = self._state(obj)
        sig = state.signal
        if sig is None:
            sig = state.signal = EventSignal(self.name, self.params[1:], self.doc or None)
        return sig

    def assigned(self, obj: Any) -> bool:
        """Whether ``obj`` has a handler or at least one listener for this event."""
        state: _EventState | None = obj.__dict__.get(self.key)
        return state is not None and (
            state.handler is not None or (state.signal is not None
                                          and bool(state.signal.receivers)))

    def receivers(self, obj: Any) -> list[Callable[..., Any]]:
        """What firing would call now, in order, each taking ``(Sender, *args)`` positionally:
        the handler, then the listeners (blinker-style receivers wrapped)."""
        state: _EventState | None = obj.__dict__.get(self.key)
        if state is None:
            return []
        calls: list[Callable[..., Any]] = [] if state.handler is None else [state.handler]
        if state.signal is not None:
            for r in list(state.signal.receivers_for(obj)):
                if type(r) is _Listener:
                    fn = r.target()
                    if fn is not None:
                        calls.append(fn)
                else:
                    calls.append(self._keywords(r))
        return calls

    def _keywords(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        names = self.params[1:]

        def call(sender: Any, *args: Any) -> Any:
            return receiver(sender, **dict(zip(names, args, strict=False)))

        return call

    # -- firing ----------------------------------------------------------------------------

    def fire(self, obj: PersistentHooks, *args: Any) -> None:
        """Raise the event for ``obj`` with the arguments after ``Sender``.

        Cheap when nothing listens. Thread rules: see the module docstring.
        """
        state: _EventState | None = obj.__dict__.get(self.key)
        if state is None or obj.is_destroyed:
            return
        if state.handler is None and (state.signal is None or not state.signal.receivers):
            return
        if self.marshal:
            queue = obj.fnc_event_queue()
            if queue is not None and queue.ident != _get_ident():
                queue.post_owned(self._run, obj, args)
                return
        if state.signal is None:  # a handler and no listener: what _dispatch does, in short
            try:
                state.handler(obj, *args)  # type: ignore[misc]
            except Exception as exc:
                _exception_handler(exc, obj)
            return
        self._dispatch(obj, args)

    def fire_inline(self, obj: PersistentHooks, *args: Any) -> None:
        """Raise the event on the calling thread, whatever the component's settings."""
        if obj.__dict__.get(self.key) is not None and not obj.is_destroyed:
            self._dispatch(obj, args)

    def _dispatch(self, obj: Any, args: tuple[Any, ...]) -> None:
        # On the delivering thread. A queued call is dropped by the queue once obj is freed.
        state: _EventState | None = obj.__dict__.get(self.key)
        if state is None:
            return
        handler = state.handler
        if handler is not None:
            try:
                handler(obj, *args)
            except Exception as exc:
                _exception_handler(exc, obj)
        sig = state.signal
        if sig is None or not sig.receivers:
            return
        kwargs: dict[str, Any] | None = None
        # receivers_for works on a copy of the ids and skips receivers gone in the meantime.
        for receiver in sig.receivers_for(obj):
            if obj.is_destroyed:
                return  # a handler never runs for a freed component
            try:
                if type(receiver) is _Listener:
                    if receiver.active:
                        fn = receiver.target()
                        if fn is not None:
                            fn(obj, *args)
                else:
                    if kwargs is None:
                        kwargs = dict(zip(sig.params, args, strict=False))
                    receiver(obj, **kwargs)
            except Exception as exc:
                _exception_handler(exc, obj)


def _slot(component: Any, event: str) -> Event:
    slot = getattr(type(component), event, None)
    if not isinstance(slot, Event):
        raise AttributeError(f"{type(component).__name__} has no event {event!r}")
    return slot


def signal(component: PersistentHooks, event: str) -> EventSignal:
    """The blinker signal of ``component``'s event ``event`` (for example ``"OnConnect"``).

    Connect receivers through blinker's API; they run after the handler, in subscription
    order, called as ``receiver(Sender, **params)``. See the module docstring.
    """
    return _slot(component, event).signal(component)


def listen(component: PersistentHooks, event: str, fn: Callable[..., Any], *,
           weak: bool = False) -> Callable[[], None]:
    """Subscribe ``fn`` to ``component``'s event ``event`` (for example ``"OnConnect"``).

    ``fn`` gets the same arguments as the handler (``Sender`` first), on the same thread, after
    the handler and earlier listeners. The signal keeps ``fn`` alive unless ``weak=True`` (then
    it is unsubscribed when collected). Returns a function that unsubscribes it.
    """
    slot = _slot(component, event)
    sig = slot.signal(component)

    def dead(_ref: Any) -> None:
        listener.active = False
        sig.disconnect(listener)

    listener = _Listener(fn, sig.params, weak, dead)
    sig.connect(listener, weak=False)

    def unsubscribe() -> None:
        listener.active = False
        sig.disconnect(listener)

    return unsubscribe


def published_events(cls: type) -> list[EventInfo]:
    """The events of ``cls`` in declaration order, base classes first."""
    seen: dict[str, EventInfo] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Event):
                seen[name] = value.info  # a redeclaration keeps the first position
    return list(seen.values())
