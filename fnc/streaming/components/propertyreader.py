"""Assigning a form file's values to components: typed properties, dotted paths, collections,
component references (recorded for the fix-up) and events (bound by name).

Used by ``FormReader``'s read session (component layer). Values go
through the typed property system: enums and sets by name, integers where a float is declared,
``nil`` for a reference. Event handlers bind to the methods of the lookup scope's owners in order
(a frame's methods, then its form's), and the spelling the file used is remembered for the
writer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from fnc.collections import TCollection
from fnc.component import TComponent
from fnc.events import Event
from fnc.exceptions import EReadError
from fnc.forms import TDataModule, TFrame
from fnc.properties import Property as PublishedProperty
from fnc.properties import declared_properties, type_name
from fnc.streaming.components.globals import add_pending, find_reference
from fnc.streaming.syntax.lexer import Source
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    Float,
    Ident,
    Integer,
    Nil,
    PropertyNode,
    Set,
    String,
    Value,
)
from fnc.streaming.syntax.values import is_plain_round_trip, plain_value

__all__ = [
    "ANCESTOR_EVENTS_KEY", "DESIGN_TIME_PROPERTIES", "HANDLER_NAMES_KEY", "HEADER_KEY",
    "NIL_EVENTS_KEY", "ORDER_KEY", "Scope", "describe_value", "events_map", "handler_methods",
]

#: Design-time values every component accepts and keeps in ``DesignInfo`` (strict mode too).
DESIGN_TIME_PROPERTIES = frozenset(p.lower() for p in (
    "Left", "Top", "Width", "Height", "Visible", "DesignInfo",
    "ExplicitLeft", "ExplicitTop", "ExplicitWidth", "ExplicitHeight",
    "Size.Width", "Size.Height", "Size.PlatformDefault", "Position.X", "Position.Y",
))

#: Those of them that are not a path (a dotted one may name a nested property the component has).
_UNDOTTED_DESIGN_TIME = frozenset(p for p in DESIGN_TIME_PROPERTIES if "." not in p)

#: Header details (``inherited``/``inline``, ``[n]``) kept for the writer.
HEADER_KEY = "_fnc_form_header"
#: Lower-case property paths in the order the form file gave them, kept for the writer.
ORDER_KEY = "_fnc_form_order"
#: Names of the events the writer writes as ``OnX = nil`` while their handler is None: events
#: the file set to ``nil``, and on an ``inherited`` block every event the file set or the
#: component already had a handler for when the block was read (the ancestor's handler).
NIL_EVENTS_KEY = "_fnc_form_nil_events"
#: Event name -> handler an ``inherited`` block's component had before the block was read; the
#: writer leaves out a handler that is still the ancestor's and that the file did not name.
ANCESTOR_EVENTS_KEY = "_fnc_form_ancestor_events"
#: Event name -> (method name as the file spelled it, the handler bound), for the writer.
HANDLER_NAMES_KEY = "_fnc_form_handler_names"

_FRAMEWORK_PACKAGES = ("fnc", "fnc_websocket")


@attrs.frozen
class Scope:
    """Where names resolve while a block is read: ``owner`` owns the components created and
    is where ``inherited`` names and references are looked up (the form, or an inline frame);
    ``handlers`` are the objects whose methods events bind to, in order, with their
    lower-case name -> name maps."""

    owner: TComponent
    handlers: tuple[tuple[TComponent, dict[str, str]], ...]


def lower_map(cls: type) -> dict[str, PublishedProperty]:
    cached = cls.__dict__.get("_fnc_props_lower")
    if cached is None:
        cached = {name.lower(): prop for name, prop in declared_properties(cls).items()}
        type.__setattr__(cls, "_fnc_props_lower", cached)
    return cached


def events_map(cls: type) -> dict[str, Event]:
    """Lower-case name -> event descriptor of every event ``cls`` publishes."""
    cached = cls.__dict__.get("_fnc_events_lower")
    if cached is None:
        cached = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Event):
                    cached[name.lower()] = value
        type.__setattr__(cls, "_fnc_events_lower", cached)
    return cached


def dispatch(cls: type) -> dict[str, Event | PublishedProperty]:
    """Lower-case name -> the event or published property ``cls`` has under that name (an
    event wins, as the reader always looked events up first)."""
    cached = cls.__dict__.get("_fnc_read_dispatch")
    if cached is None:
        cached = {**lower_map(cls), **events_map(cls)}
        type.__setattr__(cls, "_fnc_read_dispatch", cached)
    return cached


def _is_framework(module: str) -> bool:
    return module.split(".", 1)[0] in _FRAMEWORK_PACKAGES


def handler_methods(root_class: type) -> dict[str, str]:
    """Lower-case name -> name of the methods a form may bind on ``root_class``: public
    functions defined by the application's classes (not by fnc's or fnc_websocket's)."""
    found: dict[str, str] = {}
    for klass in reversed(root_class.__mro__):
        if klass is object or _is_framework(klass.__module__):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and callable(value) and not isinstance(value, type):
                found[name.lower()] = name
    return found


def describe_value(node: Value) -> str:
    """A value as an error message quotes it."""
    match node:
        case Integer(value) | Ident(value):
            return f"{value}"
        case String(value):
            return repr(value)
        case Float(value, suffix):
            return f"{value}{suffix}"
        case Bool(value):
            return "True" if value else "False"
        case Nil():
            return "nil"
    return type(node).__name__.lower()


#: (property kind, value node class) -> the node's field that is the Python value as is.
_PLAIN_FIELDS: dict[tuple[str, type], str] = {
    ("bool", Bool): "value", ("int", Integer): "value", ("str", String): "value",
    ("bytes", Binary): "data", ("enum", Ident): "value", ("set", Set): "items",
}


def set_handler(owner: Any, event: Event, method_name: str, handler: Any) -> None:
    """Bind ``handler`` (found as ``method_name``) to ``owner``'s ``event`` and remember the
    name for the writer."""
    setattr(owner, event.name, handler)
    remember_handler(owner, event, method_name, handler)


def remember_handler(owner: Any, event: Event, method_name: str, handler: Any) -> None:
    """Remember for the writer that ``owner``'s ``event`` was bound to ``handler``, found as
    ``method_name``."""
    state = owner.__dict__
    names = state.get(HANDLER_NAMES_KEY)
    if names is None:
        names = state[HANDLER_NAMES_KEY] = {}
    names[event.name] = (method_name, handler)
    header = state.get(HEADER_KEY)
    if header is not None and header[0] == "inherited":
        state.setdefault(NIL_EVENTS_KEY, set()).add(event.name)


class RowPosition:
    """Where a row is, for the message of a reference fixed up later: ``line``, and ``col``
    found in ``source`` (where the row's text starts on that line)."""

    __slots__ = ("col", "line")

    def __init__(self, line: int, source: Source) -> None:
        self.line = line
        self.col = source.indent_column(line)


class Skip(Exception):
    """A property the on_error hook chose to skip."""


ErrorFactory = Callable[..., EReadError]


class PropertyAssigner:
    """The property half of a read session. The session provides ``reader``, ``error``,
    ``recoverable``, ``fixups`` and ``root``."""

    reader: Any
    root: TComponent
    #: (component, target, property, name, node or (line, source), path, owner, direct):
    #: ``direct`` when assigning the property only stores the value and calls the base
    #: ``fnc_reference_changed`` (no custom setter, lock or ``__setattr__``).
    fixups: list[tuple[TComponent, Any, PublishedProperty, str, Any, str, TComponent, bool]]

    def error(self, component: TComponent, path: str, reason: str, prop: PropertyNode
              ) -> EReadError:
        raise NotImplementedError

    def recoverable(self, exc: EReadError) -> None:
        raise NotImplementedError

    def read_properties_of(self, component: TComponent, properties: tuple[PropertyNode, ...],
                           scope: Scope) -> None:
        """Assign a block's ``properties`` to ``component`` in file order, skipping those the
        on_error hook skips (:meth:`read_one` for each); also keeps their order for the
        writer."""
        table = dispatch(type(component))
        order: list[str] = []
        if properties:
            component.__dict__[ORDER_KEY] = order
        read_one = self.read_one
        for prop in properties:
            order.append(prop.path.lower())
            try:
                read_one(component, prop, table, scope)
            except Skip:
                continue

    def read_one(self, component: TComponent, prop: PropertyNode,
                 table: dict[str, Event | PublishedProperty], scope: Scope) -> None:
        """Assign one property of ``component`` (``table``: its :func:`dispatch`):
        :meth:`read_property`, with its common cases (a plain value for a published property
        of the component itself, an integer design-time value) taken inline, with the same
        outcome. Raises :class:`Skip` when the on_error hook skips the value."""
        path = prop.path
        folded = path.lower()
        entry = table.get(folded)
        value = prop.value
        if entry is None:
            if folded in _UNDOTTED_DESIGN_TIME and type(value) is Integer:
                component.DesignInfo[path] = value.value
            else:
                self.read_property(component, prop, scope)
            return
        if isinstance(entry, Event):
            self.bind_event(component, component, entry, prop, scope)
            return
        field = _PLAIN_FIELDS.get((entry.kind, type(value)))
        if field is not None:
            plain = getattr(value, field)
        elif type(value) is Float and entry.kind == "float" and value.suffix != "c":
            plain = float(value.value)
        else:
            self.assign(component, component, entry, prop, scope)
            return
        if entry.read_only:
            self.assign(component, component, entry, prop, scope)
            return
        try:
            setattr(component, entry.name, plain)
        except Exception as exc:
            self.recoverable(self.error(component, path, str(exc), prop))

    def read_property(self, component: TComponent, prop: PropertyNode, scope: Scope,
                      owner: Any = None, prefix: str = "") -> None:
        """Assign ``prop`` to ``owner`` (the component itself, or a collection item whose path
        for messages is ``prefix``, e.g. ``Columns[0].``)."""
        if owner is None:
            owner = component
        path = prop.path
        if "." not in path:  # the usual case: an event or a property of the object itself
            entry = dispatch(type(owner)).get(path.lower())
            if entry is None:
                self.unknown(component, prop, f'Unknown property: "{path}"', prefix)
            elif isinstance(entry, Event):
                self.bind_event(component, owner, entry, prop, scope, prefix)
            else:
                self.assign(component, owner, entry, prop, scope, prefix)
            return
        parts = prop.parts
        target: Any = owner
        for i, part in enumerate(parts[:-1]):
            published = lower_map(type(target)).get(part.lower())
            if published is None or published.kind != "persistent" or isinstance(
                    getattr(target, published.name), TCollection):
                if published is None and i == 0:
                    reason = f'Unknown property: "{part}"'
                else:
                    reason = f"Invalid property path: {'.'.join(parts[:i + 1])} is not an object"
                self.unknown(component, prop, reason, prefix)
                return
            target = getattr(target, published.name)
        name = parts[-1]
        published = lower_map(type(target)).get(name.lower())
        if published is None:
            self.unknown(component, prop, f'Unknown property: "{name}"', prefix)
            return
        self.assign(component, target, published, prop, scope, prefix)

    def unknown(self, component: TComponent, prop: PropertyNode, reason: str,
                prefix: str = "") -> None:
        path = prop.path
        keep = not prefix and (path.lower() in DESIGN_TIME_PROPERTIES or (
            not self.reader.strict and isinstance(component, TDataModule | TFrame)))
        if keep:
            value = prop.value
            component.DesignInfo[path] = plain_value(value) if is_plain_round_trip(value) \
                else value
            return
        hook = self.reader.on_property_not_found
        if hook is not None and hook(component, prefix + path, prop.value):
            return
        self.recoverable(self.error(component, prefix + path, reason, prop))

    def bind_event(self, component: TComponent, owner: Any, event: Event, prop: PropertyNode,
                   scope: Scope, prefix: str = "") -> None:
        state = owner.__dict__
        value = prop.value
        if isinstance(value, Ident) and "." not in value.value:
            method_name = value.value
        elif isinstance(value, Nil):
            setattr(owner, event.name, None)
            state.setdefault(NIL_EVENTS_KEY, set()).add(event.name)
            state.get(HANDLER_NAMES_KEY, {}).pop(event.name, None)
            return
        else:
            self.recoverable(self.error(
                component, prefix + prop.path,
                f"Invalid property value: {describe_value(value)} (an event takes a method "
                "name)", prop))
            return
        handler: Any = None
        folded = method_name.lower()
        for instance, methods in scope.handlers:
            real = methods.get(folded)
            if real is not None:
                handler = getattr(instance, real)
                break
        if handler is None and self.reader.on_find_method is not None:
            handler = self.reader.on_find_method(self.root, method_name)
        if handler is None or not callable(handler):
            self.recoverable(self.error(
                component, prefix + prop.path,
                f"Method '{method_name}' not found in {type(scope.handlers[0][0]).__name__}",
                prop))
        set_handler(owner, event, method_name, handler)

    def convert(self, published: PublishedProperty, value: Value) -> Any:
        kind = published.kind
        field = _PLAIN_FIELDS.get((kind, type(value)))
        if field is not None:  # the common cases, one lookup
            return getattr(value, field)
        match value:
            case Bool(v) if kind == "bool":
                return v
            case Integer(v) if kind == "int":
                return v
            case Integer() | Float() if kind == "float":
                return float(plain_value(value))
            case String(v) if kind == "str":
                return v
            case Binary(data) if kind == "bytes":
                return data
            case Ident(v) if kind == "enum":
                return v
            case Set(items) if kind == "set":
                return items
            case Nil() if kind in ("component", "object"):
                return None
        raise ValueError(f"Invalid property value: {describe_value(value)} for a "
                         f"{type_name(published.type)} property")

    def assign(self, component: TComponent, target: Any, published: PublishedProperty,
               prop: PropertyNode, scope: Scope, prefix: str = "") -> None:
        path = prefix + prop.path
        value = prop.value
        if isinstance(value, Collection) and published.kind == "persistent":
            collection = getattr(target, published.name)
            if isinstance(collection, TCollection):
                self.read_collection(component, collection, value, scope, path)
                return
        if published.read_only:
            self.recoverable(self.error(
                component, path, "Cannot assign to a read-only property", prop))
        if published.kind == "component" and isinstance(value, Ident):
            self.fixups.append((component, target, published, value.value, prop, path,
                                scope.owner, False))
            return
        try:
            setattr(target, published.name, self.convert(published, value))
        except Exception as exc:
            self.recoverable(self.error(component, path, str(exc), prop))

    def read_collection(self, component: TComponent, collection: TCollection,
                        value: Collection, scope: Scope, path: str) -> None:
        """``Columns = < item ... end >``: Delphi clears the collection (only when the file
        has items), then adds one item per ``item`` and assigns its properties, all inside
        ``BeginUpdate``/``EndUpdate``."""
        items = value.items
        collection.BeginUpdate()
        try:
            if items:
                collection.Clear()
            for item_node in items:
                item = collection.Add()
                if item_node.properties:
                    item.__dict__[ORDER_KEY] = [p.path.lower() for p in item_node.properties]
                prefix = f"{path}[{item.Index}]."
                for item_prop in item_node.properties:
                    try:
                        self.read_property(component, item_prop, scope, item, prefix)
                    except Skip:
                        continue
        finally:
            collection.EndUpdate()

    # -- references ------------------------------------------------------------------------

    def fix_up(self) -> None:
        """Resolve the component references recorded while reading (``fixups``): by name in
        the owner that was the lookup root, then the root; dotted names through the global
        roots, waiting (``add_pending``) for a root not loaded yet."""
        root = self.root
        # What FindComponent looks in, as it is when the first reference needs it.
        root_index: dict[str, TComponent] | None = None
        indexes: dict[int, dict[str, TComponent]] = {}
        for component, target, published, path, prop, prop_path, owner, direct in self.fixups:
            folded = path.lower()
            found: TComponent | None = None
            if "." not in folded and folded != "owner":
                if owner is not root:
                    index = indexes.get(id(owner))
                    if index is None:
                        index = indexes[id(owner)] = dict(owner._names)
                    found = index.get(folded)
                if found is None:
                    if root_index is None:
                        root_index = dict(root._names)
                    found = root_index.get(folded)
            if found is None:
                found = find_reference(owner, path) if owner is not root else None
            if found is None:
                found = find_reference(root, path)
            if found is None and "." in path:
                def assign(value: TComponent, target: Any = target,
                           name: str = published.name) -> None:
                    setattr(target, name, value)

                add_pending(component, root, path, assign)
                continue
            try:
                if found is None:
                    raise ValueError(f"Component '{path}' not found")
                if direct and isinstance(found, published.type):
                    # what setattr comes to (Property.__set__, set_stored, the base
                    # fnc_reference_changed): store, then the free notification
                    state = target.__dict__
                    old = state.get(published.key)
                    if old is not found:
                        state[published.key] = found
                        if old is None:
                            found.FreeNotification(target)
                        else:
                            target.fnc_reference_changed(old, found)
                else:
                    setattr(target, published.name, found)
            except Exception as exc:
                try:
                    if type(prop) is tuple:  # (line, source) of a row
                        prop = RowPosition(*prop)
                    self.recoverable(self.error(component, prop_path, str(exc), prop))
                except Skip:
                    continue
