"""TComponent: Delphi's owner tree, names, notifications and lifetime.

Semantics follow Free Pascal's ``classes`` unit (spec: delphi-component-model.md §1-2):

* ``TComponent(AOwner)`` appends itself to ``AOwner.Components``; the owner frees what it owns,
  last created first, after marking the whole tree ``csDestroying``.
* ``Name`` is an ASCII identifier, unique among the owner's components case-insensitively. Naming
  an owned component binds it as an attribute of the owner (``Form1.Client1``).
* ``Notification(AComponent, opInsert | opRemove)`` reaches the owner and every owned component;
  ``FreeNotification`` links are mutual.
* A freed component refuses every further use with :class:`EComponentError`.

Each component has a *home thread* (its creator's, or its owner's): see ``fnc.events``.
``TPersistent`` and ``TNestedPersistent`` (:mod:`fnc.persistent`) are re-exported here.
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from fnc.events import Event
from fnc.exceptions import EComponentError, EValidationError
from fnc.extension import ComponentHooks
from fnc.persistent import TNestedPersistent, TPersistent
from fnc.properties import Property, PropertyKind, declared_properties
from fnc.threads import MessageQueue, current_queue

__all__ = [
    "FindNestedComponent", "TComponent", "TComponentState", "TComponentStyle",
    "TNestedPersistent", "TOperation", "TPersistent", "csDesigning", "csDestroying",
    "csFixups", "csFreeNotification", "csInline", "csLoading", "csReading", "csUpdating",
    "csWriting", "on_component_created", "opInsert", "opRemove",
]


class TOperation(enum.Enum):
    """What ``Notification`` reports."""

    opInsert = 0
    opRemove = 1


opInsert = TOperation.opInsert
opRemove = TOperation.opRemove


class TComponentState(enum.Enum):
    """Flags of ``ComponentState``."""

    csLoading = 0
    csReading = 1
    csWriting = 2
    csDestroying = 3
    csDesigning = 4
    csAncestor = 5
    csUpdating = 6
    csFixups = 7
    csFreeNotification = 8
    csInline = 9
    csDesignInstance = 10

    # Members are singletons compared by identity: hashing by identity (in C) instead of
    # Enum's hash of the name keeps the state-set checks of every component operation cheap.
    __hash__ = object.__hash__


csLoading = TComponentState.csLoading
csReading = TComponentState.csReading
csWriting = TComponentState.csWriting
csDestroying = TComponentState.csDestroying
csDesigning = TComponentState.csDesigning
csUpdating = TComponentState.csUpdating
csFixups = TComponentState.csFixups
csFreeNotification = TComponentState.csFreeNotification
csInline = TComponentState.csInline


class TComponentStyle(enum.Enum):
    """Flags of ``ComponentStyle``."""

    csInheritable = 0
    csCheckPropAvail = 1
    csSubComponent = 2
    csTransient = 3

    __hash__ = object.__hash__  # as TComponentState's


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_creation_hooks: list[Callable[[TComponent], None]] = []


class _OwnedList(list):  # type: ignore[type-arg]
    """A component's owned components, plus which of them ``Notification(opInsert)`` must reach.

    The base ``Notification`` does nothing on ``opInsert`` but forward it, so only an owned
    component that overrides ``Notification`` or owns components itself needs the call.
    ``listeners`` lists those as ``(index, component)`` pairs in list order, or is None when it
    must be recomputed; ``version`` counts every change to the list or to a member's interest, so
    a notification that changes the tree mid-way can finish exactly as a plain scan would.
    """

    __slots__ = ("listeners", "version")

    def __init__(self) -> None:  # empty, as list() makes it: list.__init__ has nothing to do
        self.listeners: list[tuple[int, TComponent]] | None = []
        self.version = 0

    def changed(self) -> None:
        self.version += 1
        self.listeners = None


class _NoComponents(tuple):  # type: ignore[type-arg]
    """The owned components of a component that never owned one: shared, empty, immutable (the
    first ``InsertComponent`` gives the owner its own :class:`_OwnedList` and name index)."""

    __slots__ = ()
    listeners: tuple[()] = ()
    version = 0


_NO_COMPONENTS = _NoComponents()
_NO_NAMES: Mapping[str, TComponent] = MappingProxyType({})


def _hears_insert(c: TComponent) -> bool:
    return bool(c._components) or type(c).Notification is not TComponent.Notification


def on_component_created(hook: Callable[[TComponent], None]) -> Callable[[], None]:
    """Call ``hook(component)`` for every component constructed from now on; returns a remover.

    Runs on the constructing thread at the end of ``TComponent.__init__`` (test fixtures use
    it to free what a test created).
    """
    _creation_hooks.append(hook)

    def remove() -> None:
        if hook in _creation_hooks:
            _creation_hooks.remove(hook)

    return remove


def IsValidIdent(name: str) -> bool:
    """Delphi's ``IsValidIdent``: an ASCII letter or ``_``, then letters, digits or ``_``."""
    return bool(_IDENT.match(name))


_FREED_ALLOWED = frozenset({
    "ComponentState", "Free", "Name", "ClassName", "__class__", "__dict__",
    "__repr__", "__str__", "__eq__", "__hash__", "__ne__", "__exit__", "__enter__",
    "__reduce_ex__", "__getstate__", "is_destroyed", "__bool__", "__len__", "home_queue",
    "_state", "_name", "_fnc_freeing",
})

_freed_classes: dict[type, type] = {}


def _freed_class(cls: type) -> type:
    klass = _freed_classes.get(cls)
    if klass is None:
        def __getattribute__(self: Any, name: str) -> Any:
            if name in _FREED_ALLOWED:
                return object.__getattribute__(self, name)
            d = object.__getattribute__(self, "__dict__")
            raise EComponentError(
                f"{cls.__name__} {d.get('_name') or '(unnamed)'!s} has been freed: "
                f"cannot use {name!r}")

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if name in _FREED_ALLOWED:
                object.__setattr__(self, name, value)
                return
            d = object.__getattribute__(self, "__dict__")
            raise EComponentError(
                f"{cls.__name__} {d.get('_name') or '(unnamed)'!s} has been freed: "
                f"cannot set {name!r}")

        klass = type(cls.__name__, (cls,), {
            "__getattribute__": __getattribute__, "__setattr__": __setattr__,
            "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "_fnc_freed_class": True,
        })
        _freed_classes[cls] = klass
    return klass


class TComponent(TPersistent, ComponentHooks):
    """Delphi's ``TComponent``: a named node of an owner tree with published properties.

    ``TComponent(AOwner, **props)``: ``AOwner`` (a component or None) will free this one;
    keyword arguments assign published properties and events, in order.
    Use ``with TComponent(None) as c:`` to free it at the end of the block.
    """

    Name = Property(str, stored=False, doc="The component's identifier; unique among siblings.")
    Tag = Property(int, 0, doc="A free integer for the application's use.")

    fnc_repr_props: ClassVar[tuple[str, ...]] = ()
    # Until a component changes them, it shares these (SetSubComponent, FreeNotification,
    # InsertComponent give it its own): most components never do, and a form has thousands.
    _style: frozenset[TComponentStyle] = frozenset({TComponentStyle.csInheritable})
    _free_notifies: tuple[()] | list[TComponent] = ()
    _components: _OwnedList | _NoComponents = _NO_COMPONENTS
    _names: dict[str, TComponent] | Mapping[str, TComponent] = _NO_NAMES  # lower-case -> owned
    is_destroyed: bool = False
    """True once ``Free()`` has run (set by ``Free``; read-only for everyone else)."""

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        if AOwner is not None and not isinstance(AOwner, TComponent):
            raise TypeError(f"AOwner must be a TComponent or None, not {type(AOwner).__name__}")
        self._name = ""
        self._owner: TComponent | None = None
        self._state: set[TComponentState] = set()
        self.home_queue: MessageQueue = (AOwner.home_queue if AOwner is not None
                                         else current_queue())
        """The message queue of the home thread (marshaled events and timers go there). Set
        at construction and when the owner changes; read-only for everyone else."""
        self._parent: TComponent | None = None
        self.DesignInfo: dict[str, Any] = {}
        # The shared empty default, held from the start: a component's first free
        # notification then adds no attribute, so components read alike add their attributes
        # in one order and CPython keeps their dicts key-shared (600 bytes less each).
        self._free_notifies: tuple[()] | list[TComponent] = ()
        if AOwner is not None:
            AOwner.InsertComponent(self)
        for name, value in props.items():
            if not hasattr(type(self), name):
                raise AttributeError(f"{type(self).__name__} has no property or event {name!r}")
            setattr(self, name, value)
        if _creation_hooks:
            for hook in list(_creation_hooks):
                hook(self)

    # -- identity ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        if self.is_destroyed:
            return f"<{type(self).__name__} {self._name or '(unnamed)'} (freed)>"
        parts = [type(self).__name__]
        if self._name:
            parts.append(self._name)
        for prop in self.fnc_repr_props:
            parts.append(f"{prop}={getattr(self, prop)!r}")
        return "<" + " ".join(parts) + ">"

    def GetNamePath(self) -> str:
        return self._name


    @Name.getter
    def Name(self) -> str:
        return self._name

    @Name.setter
    def Name(self, value: str) -> None:
        old = self._name
        if value == old:
            return
        if value and not _IDENT.match(value):
            raise EComponentError(f'"{value}" is not a valid component name')
        owner = self._owner
        if owner is None:
            self._name = value
            return
        folded = value.lower()
        owner_class = type(owner)
        if (not old and owner_class.ValidateRename is _BASE_VALIDATE_RENAME
                and owner_class.FindComponent is _BASE_FIND and not owner.is_destroyed):
            # what ValidateRename does
            found = owner._names.get(folded)
            if found is not None and found is not self:
                raise EComponentError(
                    f'Duplicate name: A component named "{value}" already exists')
        else:
            owner.ValidateRename(self, old, value)
        if old:  # an unnamed component is neither indexed nor bound
            owner._unindex(self)
            self._set_reference(False)
        self._name = value
        if value:
            self._set_reference(True)
            owner._names[folded] = self

    def ValidateRename(self, AComponent: TComponent | None, CurName: str, NewName: str) -> None:
        """Raise when ``NewName`` would duplicate a sibling of ``AComponent``."""
        if NewName and NewName.lower() != CurName.lower():
            found = self.FindComponent(NewName)
            if found is not None and found is not AComponent:
                raise EComponentError(
                    f'Duplicate name: A component named "{NewName}" already exists')

    def _set_reference(self, enable: bool) -> None:
        # Delphi binds the owner's published field named like the component.
        owner, name = self._owner, self._name
        if owner is None or not name:
            return
        d = owner.__dict__
        if enable:
            if name in d or _class_defines(type(owner), name):
                return
            d[name] = self
        elif d.get(name) is self:
            del d[name]

    # -- owner tree -------------------------------------------------------------------------

    @property
    def Owner(self) -> TComponent | None:
        """The component that will free this one (read-only; use InsertComponent)."""
        return self._owner

    @property
    def Components(self) -> tuple[TComponent, ...]:
        """The owned components, in creation order."""
        return tuple(self._components)

    @property
    def ComponentCount(self) -> int:
        """How many components this one owns."""
        return len(self._components)

    @property
    def ComponentIndex(self) -> int:
        """Position in ``Owner.Components`` (-1 without owner); assigning moves it, clamped."""
        return self._owner._components.index(self) if self._owner is not None else -1

    @ComponentIndex.setter
    def ComponentIndex(self, value: int) -> None:
        owner = self._owner
        if owner is None:
            return
        lst = owner._components
        lst.remove(self)
        lst.insert(max(0, min(value, len(lst))), self)
        lst.changed()

    def __iter__(self) -> Iterator[TComponent]:
        return iter(tuple(self._components))

    def __len__(self) -> int:
        return len(self._components)

    def __bool__(self) -> bool:
        return True

    def FindComponent(self, AName: str) -> TComponent | None:
        """The directly owned component named ``AName`` (case-insensitive), or None."""
        if not AName:
            return None
        return self._names.get(AName.lower())

    def _unindex(self, AComponent: TComponent) -> None:
        key = AComponent._name.lower()
        if key and self._names.get(key) is AComponent:
            del self._names[key]

    def InsertComponent(self, AComponent: TComponent) -> None:
        """Make this component the owner of ``AComponent`` (detaching it from its old owner)."""
        cls = type(self)
        if (type(AComponent).ValidateContainer is not _BASE_VALIDATE_CONTAINER
                or cls.ValidateInsert is not _BASE_VALIDATE_INSERT or AComponent.is_destroyed):
            AComponent.ValidateContainer(self)  # (the base ones do nothing)
        if AComponent._name or cls.ValidateRename is not _BASE_VALIDATE_RENAME:
            self.ValidateRename(AComponent, "", AComponent._name)
        if AComponent._owner is not None:
            AComponent._owner.RemoveComponent(AComponent)
        comps = self._components
        if type(comps) is _NoComponents:  # its first: it gets its own list and name index
            comps = self._components = _OwnedList()
            self._names = {}
        comps.append(AComponent)
        comps.version += 1
        listeners = comps.listeners
        if listeners is not None and _hears_insert(AComponent):
            listeners.append((len(comps) - 1, AComponent))
        if len(comps) == 1:
            self._fnc_owns_changed()
        AComponent._owner = self
        AComponent.home_queue = self.home_queue
        if AComponent._name:  # an unnamed component is neither indexed nor bound
            self._names[AComponent._name.lower()] = AComponent
            AComponent._set_reference(True)
        if csDesigning in self._state:
            AComponent._set_designing(True)
        if cls.Notification is not _BASE_NOTIFICATION:
            self.Notification(AComponent, opInsert)
        elif comps.listeners != []:  # (else the base Notification has no one to tell)
            self._fnc_forward_insert(AComponent)

    def RemoveComponent(self, AComponent: TComponent) -> None:
        """Stop owning ``AComponent`` (its ``Owner`` becomes None)."""
        if AComponent._owner is not self:
            return
        self.Notification(AComponent, opRemove)
        AComponent._set_reference(False)
        comps = self._components
        comps.remove(AComponent)
        comps.changed()
        if not comps:
            self._fnc_owns_changed()
        self._unindex(AComponent)
        AComponent._owner = None
        AComponent._set_designing(False)

    def ValidateContainer(self, AComponent: TComponent) -> None:
        """Hook: raise to refuse being inserted into ``AComponent``."""
        AComponent.ValidateInsert(self)

    def ValidateInsert(self, AComponent: TComponent) -> None:
        """Hook: raise to refuse owning ``AComponent``."""

    def _set_designing(self, on: bool) -> None:
        for c in [self, *self._components]:
            (c._state.add if on else c._state.discard)(csDesigning)

    # -- notifications ----------------------------------------------------------------------

    def Notification(self, AComponent: TComponent, Operation: TOperation) -> None:
        """Told about insertion/removal of ``AComponent``; forwards to every owned component.

        On ``opRemove`` it also drops any free-notification link with ``AComponent`` and clears
        published references to it. Overrides must call ``super()``.
        """
        if Operation is opRemove:
            self.RemoveFreeNotification(AComponent)
            self._clear_references_to(AComponent)
        elif Operation is opInsert:
            self._fnc_forward_insert(AComponent)
            return
        self._fnc_forward(len(self._components) - 1, AComponent, Operation)

    def _fnc_forward(self, i: int, AComponent: TComponent, Operation: TOperation) -> None:
        # Forward to owned components from index i down, re-reading the list at every step so
        # that a notification that adds or removes components is handled as Delphi does.
        comps = self._components
        inserting = Operation is opInsert
        while i >= 0:
            if i < len(comps):
                c = comps[i]
                # The base class does nothing on opInsert but forward it: skip leaves that
                # keep the base behaviour.
                if not (inserting and not c._components
                        and type(c).Notification is TComponent.Notification):
                    c.Notification(AComponent, Operation)
            i -= 1

    def _fnc_forward_insert(self, AComponent: TComponent) -> None:
        # The same calls as _fnc_forward(opInsert), but visiting only the owned components that
        # need them, so inserting N components stays linear.
        comps = self._components
        listeners = comps.listeners
        if listeners is None:
            try:
                listeners = [(i, c) for i, c in enumerate(comps) if _hears_insert(c)]
            except Exception:  # e.g. a freed component left in the list: fail where a scan does
                self._fnc_forward(len(comps) - 1, AComponent, opInsert)
                return
            comps.listeners = listeners
        version = comps.version
        for i, c in reversed(listeners):
            c.Notification(AComponent, opInsert)
            if comps.version != version:  # the tree changed: go on exactly as a scan would
                self._fnc_forward(i - 1, AComponent, opInsert)
                return

    def _fnc_owns_changed(self) -> None:
        # This component gained its first or lost its last owned component: for a class with
        # the base Notification that decides whether its owner must forward opInsert to it.
        owner = self._owner
        if owner is None or type(self).Notification is not TComponent.Notification:
            return
        comps = owner._components
        listeners = comps.listeners
        if listeners is not None and comps and comps[-1] is self:
            last = listeners[-1][1] if listeners else None
            if self._components:
                if last is not self:
                    listeners.append((len(comps) - 1, self))
                    comps.version += 1
                    return
            elif last is self:
                listeners.pop()
                comps.version += 1
                return
        comps.changed()

    def _clear_references_to(self, AComponent: TComponent) -> None:
        for prop in declared_properties(type(self)).values():
            if prop.kind is PropertyKind.COMPONENT and prop.peek(self) is AComponent:
                prop.clear(self)

    def fnc_reference_changed(self, old: TComponent | None, new: TComponent | None) -> None:
        # A published reference follows its target's lifetime, as Delphi's setters do.
        if old is not None and not self._references(old):
            self.RemoveFreeNotification(old)
        if new is not None:
            new.FreeNotification(self)

    def _references(self, target: TComponent) -> bool:
        return any(prop.kind is PropertyKind.COMPONENT and prop.peek(self) is target
                   for prop in declared_properties(type(self)).values())

    def FreeNotification(self, AComponent: TComponent) -> None:
        """Tell ``AComponent`` (and be told) when either side is freed. Mutual, idempotent."""
        if AComponent is self._owner or AComponent is self:
            return
        notifies = self._free_notifies
        if AComponent in notifies:
            return
        if type(notifies) is tuple:  # the shared empty default
            notifies = self._free_notifies = []
        notifies.append(AComponent)
        self._state.add(csFreeNotification)
        base = TComponent.FreeNotification
        if (type(AComponent).FreeNotification is not base or AComponent.is_destroyed
                or type(self).FreeNotification is not base):
            AComponent.FreeNotification(self)
            return
        theirs = AComponent._free_notifies  # what that call does (its call back finds the link)
        if self is not AComponent._owner and self not in theirs:
            if type(theirs) is tuple:
                theirs = AComponent._free_notifies = []
            theirs.append(self)
            AComponent._state.add(csFreeNotification)

    def RemoveFreeNotification(self, AComponent: TComponent) -> None:
        """Undo ``FreeNotification`` in both directions."""
        if AComponent in self._free_notifies:
            self._free_notifies.remove(AComponent)  # type: ignore[union-attr]
            if not self._free_notifies:
                self._state.discard(csFreeNotification)
            AComponent.RemoveFreeNotification(self)

    def _remove_free_notifications(self) -> None:
        lst = self._free_notifies
        while lst:
            other = lst.pop()  # type: ignore[union-attr]
            if not lst:
                self._state.discard(csFreeNotification)
            other.Notification(self, opRemove)

    # -- state, loading ---------------------------------------------------------------------

    @property
    def ComponentState(self) -> frozenset[TComponentState]:
        """The component's state flags (``csLoading``, ``csDestroying``, ...)."""
        return frozenset(self._state)

    @property
    def ComponentStyle(self) -> frozenset[TComponentStyle]:
        """The component's style flags (``csSubComponent``, ...)."""
        return frozenset(self._style)

    def SetSubComponent(self, IsSubComponent: bool) -> None:
        """Mark this component as a sub-component (streamed inline by its owner)."""
        flag = frozenset({TComponentStyle.csSubComponent})
        self._style = self._style | flag if IsSubComponent else self._style - flag

    def SetComponentState(self, Flag: TComponentState, Value: bool) -> None:
        """Set or clear one ``ComponentState`` flag.

        For form readers and writers (``csReading``, ``csWriting``, ``csFixups``, ``csInline``,
        ...); Delphi's reader sets these through friend access to ``FComponentState``.
        """
        (self._state.add if Value else self._state.discard)(Flag)

    def Loading(self) -> None:
        """Enter ``csLoading`` (the form reader calls this)."""
        self._state.add(csLoading)

    def Loaded(self) -> None:
        """Called once after a form file was read into this component; clears ``csLoading``.

        Overrides call ``super().Loaded()`` first, then apply what loading deferred (a client
        whose ``Active`` was streamed as True connects here).
        """
        self._state.discard(csLoading)

    # -- parents (visual nesting in form files) --------------------------------------------

    def HasParent(self) -> bool:
        """Whether this component has a visual parent in form files."""
        return False

    def GetParentComponent(self) -> TComponent | None:
        """The visual parent (None for non-visual components)."""
        return self._parent

    def SetParentComponent(self, Value: TComponent | None) -> None:
        """Record the form-file nesting parent (ownership stays with the root)."""
        self._parent = Value

    def GetChildren(self, Proc: Callable[[TComponent], None], Root: TComponent) -> None:
        """Call ``Proc`` for each component written nested inside this one (none by default)."""

    # -- validation -------------------------------------------------------------------------

    def Validate(self) -> None:
        """Run every property validator; raise one :class:`EValidationError` listing them all.

        Components call this when they are activated (``Connect``, ``Active = True``), not in
        property setters. Subclasses add cross-property checks in ``fnc_collect_problems``.
        """
        problems: list[tuple[str, str]] = []
        self.fnc_collect_problems("", problems)
        if problems:
            raise self.fnc_validation_error(problems)

    def fnc_validation_error(self, problems: list[tuple[str, str]]) -> Exception:
        return EValidationError(self._name or type(self).__name__, problems)

    # -- events and threads -----------------------------------------------------------------

    def fnc_event_queue(self) -> MessageQueue | None:
        """Where events fired off the home thread go: None (the default) runs handlers on the
        firing thread; components with ``AutoSyncEvents`` return :attr:`home_queue`."""
        return None

    @property
    def HomeThread(self) -> threading.Thread:
        """The thread whose message queue receives this component's marshaled events."""
        return self.home_queue.thread

    def fire(self, event: str, *args: Any) -> None:
        """Raise event ``event`` with the arguments after ``Sender`` (see fnc.events)."""
        slot = getattr(type(self), event)
        assert isinstance(slot, Event)
        slot.fire(self, *args)

    # -- lifetime ---------------------------------------------------------------------------

    def BeforeDestruction(self) -> None:
        """First step of ``Free``: marks the whole tree ``csDestroying``."""
        self.Destroying()

    def Destroying(self) -> None:
        """Set ``csDestroying`` on this component and everything it owns."""
        if csDestroying in self._state:
            return
        self._state.add(csDestroying)
        for c in self._components:
            c.Destroying()

    def Destroy(self) -> None:
        """Release resources. Overrides do their own clean-up, then call ``super().Destroy()``."""
        self._remove_free_notifications()
        comps = self._components
        while comps:
            child = comps.pop()
            comps.changed()
            if not comps:
                self._fnc_owns_changed()
            self._unindex(child)
            child._set_reference(False)
            child._owner = None
            child.Free()
        if self._owner is not None:
            self._owner.RemoveComponent(self)

    def Free(self) -> None:
        """Destroy the component and everything it owns. Freeing twice is harmless.

        Afterwards its queued events are dropped and any use raises :class:`EComponentError`.
        """
        if self.is_destroyed or self.__dict__.get("_fnc_freeing"):
            return
        self._fnc_freeing = True
        self.BeforeDestruction()
        try:
            self.Destroy()
        finally:
            self.is_destroyed = True
            self.home_queue.remove(owner=self)
            if self._owner is not None:  # still listed by its owner: it changes class below
                self._owner._components.changed()
            self.__class__ = _freed_class(type(self))

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.Free()

    def __del__(self) -> None:
        # Threads are owned: a component dropped without Free() still stops its workers.
        if not self.is_destroyed and "_state" in self.__dict__:
            try:
                self.fnc_release_unfreed()
            except Exception:
                pass

    def fnc_release_unfreed(self) -> None:
        """Hook run when an unfreed component is garbage-collected: stop owned threads."""


_BASE_VALIDATE_RENAME = TComponent.ValidateRename
_BASE_VALIDATE_CONTAINER = TComponent.ValidateContainer
_BASE_VALIDATE_INSERT = TComponent.ValidateInsert
_BASE_FIND = TComponent.FindComponent
_BASE_NOTIFICATION = TComponent.Notification


def _class_defines(cls: type, name: str) -> bool:
    """True when a class of ``cls``'s MRO defines ``name`` with a value other than None (the
    first class that defines it decides)."""
    # The MRO's namespaces, kept on the class: a mappingproxy shows its class's attributes as
    # they are now, so only a new MRO (``__bases__`` assigned) makes them stale.
    cached = cls.__dict__.get("_fnc_mro_namespaces")
    if cached is None or cached[0] is not cls.__mro__:
        cached = (cls.__mro__, tuple(klass.__dict__ for klass in cls.__mro__))
        type.__setattr__(cls, "_fnc_mro_namespaces", cached)
    for namespace in cached[1]:
        if name in namespace:
            return namespace[name] is not None
    return False


def FindNestedComponent(Root: TComponent, APath: str) -> TComponent | None:
    """Walk a dotted path of component names from ``Root``, one ``FindComponent`` a segment.

    The segment ``Owner`` stands for the current component itself (Delphi's rule).
    """
    current: TComponent | None = Root
    for part in APath.split("."):
        if current is None:
            return None
        if part.lower() != "owner":
            current = current.FindComponent(part)
    return current
