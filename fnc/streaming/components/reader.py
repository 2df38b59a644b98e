"""The component reader: builds a component tree from a form file's syntax tree.

What it does, in Delphi's order (spec §5.2-5.3):

1. The root: the given instance, or a new instance of the root's registered class. It gets
   ``csLoading``, a globally unique name (``Form1``, then ``Form1_1``, ``Form1_2``...) and its
   properties.
2. Each nested block: the class resolves through the root class's annotated fields, then the
   registry. The component is created **owned by the root**; the enclosing block becomes its
   parent (``SetParentComponent``); it is named (which binds ``root.<Name>``); its properties are
   assigned with ``csReading`` set; then its own nested blocks follow. ``inherited`` blocks reuse
   the component the root already has under that name.
3. Properties go through the typed property system (enums and sets by name, dotted paths into
   nested persistent objects). A collection (``Columns = < item ... end >``) is cleared when the
   file lists items, then gets one ``Add()`` per item, inside ``BeginUpdate``/``EndUpdate``;
   item values are assigned like a component's and errors name them ``Columns[1].Width``.
   Events bind to **methods of the root's Python class** by name; ``nil`` clears a handler and
   is remembered, with what an ``inherited`` block's component had and was given, so that the
   writer can write a cleared handler as ``OnX = nil``.
   Component references are recorded and fixed up after the whole root is read, so forward
   references work; ``Other.Name`` references to a root not loaded yet wait for it.
4. ``Loaded()`` runs once per component, root first, after the local fix-ups.

Unknown classes become placeholders that keep every value
(:mod:`fnc.streaming.components.placeholders`);
design-time values (``Left``, ``Top``, ``Size.Width``, ``Position.X``...) and, on ``TForm`` /
``TDataModule`` roots, form properties this framework does not model (``ClientHeight``, ``Font.*``,
``PixelsPerInch``...) are kept in ``DesignInfo``. ``strict=True`` turns unknown classes into
:class:`EClassNotFound` and unknown root properties into :class:`EReadError`.

Errors name the file, line, column, component and property (``unit1.dfm:7:5: Error reading
Client1.Port: ...``) and carry them as attributes. Reading never imports a module and never runs
code named by the form: only registered classes are created and only methods of the root's own
class are bound.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import attrs

from fnc.collections import TCollection
from fnc.component import TComponent, csInline, csLoading, csReading
from fnc.events import Event
from fnc.exceptions import EClassNotFound, EReadError
from fnc.forms import TDataModule
from fnc.properties import Property as PublishedProperty
from fnc.properties import declared_properties, type_name
from fnc.streaming.components.globals import (
    FindGlobalComponent,
    add_pending,
    find_reference,
    register_root,
    resolve_pending,
)
from fnc.streaming.components.placeholders import TPlaceholderComponent, placeholder_class
from fnc.streaming.components.registry import GetClass, field_classes
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    Float,
    Ident,
    Integer,
    Nil,
    ObjectNode,
    PropertyNode,
    Set,
    String,
    Value,
)
from fnc.streaming.syntax.values import is_plain_round_trip, plain_value

__all__ = ["DESIGN_TIME_PROPERTIES", "FormReader", "read_component"]

#: Design-time values every component accepts and keeps in ``DesignInfo`` (strict mode too).
DESIGN_TIME_PROPERTIES = frozenset(p.lower() for p in (
    "Left", "Top", "Width", "Height", "Visible", "DesignInfo",
    "ExplicitLeft", "ExplicitTop", "ExplicitWidth", "ExplicitHeight",
    "Size.Width", "Size.Height", "Size.PlatformDefault", "Position.X", "Position.Y",
))

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

ErrorHook = Callable[[EReadError], bool]
FindMethodHook = Callable[[TComponent, str], "Callable[..., Any] | None"]
PropertyNotFoundHook = Callable[[TComponent, str, Value], bool]

_FRAMEWORK_PACKAGES = ("fnc", "fnc_websocket")


@attrs.define
class FormReader:
    """Reads syntax trees into components. Hooks (all optional, called on the reading thread):

    * ``on_error(error) -> bool``: an :class:`EReadError` about one property or reference;
      return True to skip that value and go on (Delphi's ``OnError``).
    * ``on_find_method(root, method_name) -> callable | None``: supply a handler the root class
      does not define (Delphi's ``OnFindMethod``); None keeps the "method not found" error.
    * ``on_property_not_found(component, path, value) -> bool``: return True when the value
      was handled (Delphi's ``OnPropertyNotFound``).

    ``strict``: unknown classes raise :class:`EClassNotFound` instead of becoming placeholders,
    and a root's unmodelled properties raise :class:`EReadError` instead of going to DesignInfo.
    ``filename`` labels error messages.
    """

    strict: bool = False
    on_error: ErrorHook | None = None
    on_find_method: FindMethodHook | None = None
    on_property_not_found: PropertyNotFoundHook | None = None
    filename: str | None = None

    def read(self, tree: ObjectNode, Instance: TComponent | None = None) -> TComponent:
        """Build the component tree of ``tree`` into ``Instance`` (or a new root); return the root.

        On an error every component this read created is freed (and the root, if it created
        it) before the exception propagates.
        """
        if not isinstance(tree, ObjectNode):
            raise TypeError(f"read needs an ObjectNode, not {type(tree).__name__}")
        if Instance is not None and not isinstance(Instance, TComponent):
            raise TypeError(f"Instance must be a TComponent, not {type(Instance).__name__}")
        return _ReadSession(self, tree).run(Instance)


def read_component(tree: ObjectNode, Instance: TComponent | None = None, **options: Any
                   ) -> TComponent:
    """``FormReader(**options).read(tree, Instance)``."""
    return FormReader(**options).read(tree, Instance)


_name_lock = threading.Lock()


def _unique_root_name(name: str, root: TComponent) -> str:
    owner = root.Owner
    candidate, n = name, 0
    while True:
        other = FindGlobalComponent(candidate)
        if other is None and owner is not None:
            other = owner.FindComponent(candidate)
        if other is None or other is root:
            return candidate
        n += 1
        candidate = f"{name}_{n}"


def _lower_map(cls: type) -> dict[str, PublishedProperty]:
    cached = cls.__dict__.get("_fnc_props_lower")
    if cached is None:
        cached = {name.lower(): prop for name, prop in declared_properties(cls).items()}
        type.__setattr__(cls, "_fnc_props_lower", cached)
    return cached


def _events_map(cls: type) -> dict[str, Event]:
    cached = cls.__dict__.get("_fnc_events_lower")
    if cached is None:
        cached = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Event):
                    cached[name.lower()] = value
        type.__setattr__(cls, "_fnc_events_lower", cached)
    return cached


def _is_framework(module: str) -> bool:
    top = module.split(".", 1)[0]
    return top in _FRAMEWORK_PACKAGES


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


def _describe(node: Value) -> str:
    cls = type(node)
    if cls in (Integer, Ident):
        return f"{node.value}"  # type: ignore[union-attr]
    if cls is String:
        return repr(node.value)  # type: ignore[union-attr]
    if cls is Float:
        return f"{node.value}{node.suffix}"  # type: ignore[union-attr]
    if cls is Bool:
        return "True" if node.value else "False"  # type: ignore[union-attr]
    if cls is Nil:
        return "nil"
    return cls.__name__.lower()


class _Skip(Exception):
    """A property the on_error hook chose to skip."""


class _ReadSession:
    def __init__(self, reader: FormReader, tree: ObjectNode) -> None:
        self.reader = reader
        self.tree = tree
        self.root: TComponent = None  # type: ignore[assignment]
        self.classes: dict[str, type[TComponent]] = {}
        self.methods: dict[str, str] = {}
        self.created: list[TComponent] = []
        self.loaded: list[TComponent] = []
        self.fixups: list[tuple[TComponent, Any, PublishedProperty, str, PropertyNode, str]] = []

    # -- errors ----------------------------------------------------------------------------

    def where(self, line: int | None, col: int | None) -> str:
        where = self.reader.filename or "<string>"
        if line is not None:
            where += f":{line}"
            if col is not None:
                where += f":{col}"
        return where

    def error(self, component: TComponent, path: str, reason: str, prop: PropertyNode,
              cls: type[EReadError] = EReadError) -> EReadError:
        name = component.Name or type(component).__name__
        exc = cls(f"{self.where(prop.line, prop.col)}: Error reading {name}.{path}: {reason}")
        exc.filename = self.reader.filename  # type: ignore[attr-defined]
        exc.line = prop.line  # type: ignore[attr-defined]
        exc.column = prop.col  # type: ignore[attr-defined]
        exc.component = name  # type: ignore[attr-defined]
        exc.property = path  # type: ignore[attr-defined]
        exc.reason = reason  # type: ignore[attr-defined]
        return exc

    def node_error(self, node: ObjectNode, reason: str, cls: type[Exception] = EReadError
                   ) -> Exception:
        exc = cls(f"{self.where(node.line, node.col)}: {reason}")
        exc.filename = self.reader.filename  # type: ignore[attr-defined]
        exc.line = node.line  # type: ignore[attr-defined]
        exc.column = node.col  # type: ignore[attr-defined]
        exc.component = node.name  # type: ignore[attr-defined]
        exc.reason = reason  # type: ignore[attr-defined]
        return exc

    def recoverable(self, exc: EReadError) -> None:
        """Raise ``exc`` unless the on_error hook skips it."""
        hook = self.reader.on_error
        if hook is not None and hook(exc):
            raise _Skip
        raise exc

    # -- the whole read --------------------------------------------------------------------

    def run(self, instance: TComponent | None) -> TComponent:
        tree = self.tree
        created_root = instance is None
        if instance is None:
            cls = self.resolve_class(tree, registry_only=True)
            instance = cls(None)
        root = self.root = instance
        self.classes = field_classes(type(root))
        self.methods = handler_methods(type(root))
        try:
            root.Loading()
            if tree.kind == "inline":
                root.SetComponentState(csInline, True)
            if tree.name:
                with _name_lock:
                    try:
                        root.Name = _unique_root_name(tree.name, root)
                    except Exception as exc:
                        raise self.node_error(tree, f"Invalid root name: {exc}") from exc
            self.loaded.append(root)
            self.remember_header(root, tree)
            if tree.kind == "inherited":
                self.remember_ancestor_handlers(root)
            root.SetComponentState(csReading, True)
            self.read_properties(root, tree)
            root.SetComponentState(csReading, False)
            for child in tree.children:
                self.read_component(child, None)
            self.fix_up()
        except BaseException:
            self.abandon(created_root)
            raise
        register_root(root)
        first_error: BaseException | None = None
        for component in self.loaded:
            try:
                component.Loaded()
            except Exception as exc:
                if first_error is None:
                    first_error = exc
        resolve_pending()
        if first_error is not None:
            raise first_error
        return root

    def abandon(self, created_root: bool) -> None:
        for component in reversed(self.created):
            if not component.is_destroyed:
                component.Free()
        root = self.root
        if root is None:
            return
        if created_root:
            root.Free()
        else:
            root.SetComponentState(csReading, False)
            root.SetComponentState(csLoading, False)

    # -- classes and components ------------------------------------------------------------

    def resolve_class(self, node: ObjectNode, registry_only: bool = False) -> type[TComponent]:
        name = node.class_name
        cls: Any = None if registry_only else self.classes.get(name.lower())
        if cls is None:
            cls = GetClass(name)
        if cls is None:
            if self.reader.strict:
                raise self.node_error(node, f'Class "{name}" not found', EClassNotFound)
            return placeholder_class(name)
        if not issubclass(cls, TComponent):
            raise self.node_error(node, f"Class {name} is not a component class")
        return cls

    def remember_header(self, component: TComponent, node: ObjectNode) -> None:
        if node.kind != "object" or node.index is not None:
            component.__dict__[HEADER_KEY] = (node.kind, node.index)

    def remember_ancestor_handlers(self, component: TComponent) -> None:
        # An inherited block's component exists before the block is read: the handlers it has
        # now were assigned by its "ancestor" (the root class's constructor). Clearing one of
        # them later must be written as ``OnX = nil``, or reading the file back restores it.
        had = {event.name: handler for event in _events_map(type(component)).values()
               if (handler := event.__get__(component)) is not None}
        if had:
            component.__dict__[ANCESTOR_EVENTS_KEY] = had
            component.__dict__.setdefault(NIL_EVENTS_KEY, set()).update(had)

    def read_component(self, node: ObjectNode, parent: TComponent | None) -> None:
        root = self.root
        if node.kind == "inherited":
            component = root.FindComponent(node.name) if node.name else None
            if component is None:
                raise self.node_error(node, f"Ancestor for '{node.name}' not found")
        else:
            cls = self.resolve_class(node)
            component = cls(root)
            self.created.append(component)
            if node.kind == "inline":
                component.SetComponentState(csInline, True)
        component.Loading()
        if parent is not None:
            component.SetParentComponent(parent)
        if node.kind != "inherited" and node.name:
            try:
                component.Name = node.name
            except Exception as exc:
                raise self.node_error(node, f"Cannot name component {node.name}: {exc}") from exc
        self.remember_header(component, node)
        if node.kind == "inherited":
            self.remember_ancestor_handlers(component)
        component.SetComponentState(csReading, True)
        self.read_properties(component, node)
        component.SetComponentState(csReading, False)
        for child in node.children:
            self.read_component(child, component)
        self.loaded.append(component)

    # -- properties ------------------------------------------------------------------------

    def read_properties(self, component: TComponent, node: ObjectNode) -> None:
        placeholder = isinstance(component, TPlaceholderComponent)
        if node.properties and not placeholder:
            component.__dict__[ORDER_KEY] = [prop.path.lower() for prop in node.properties]
        for prop in node.properties:
            if placeholder:
                component.StreamedProperties[prop.path] = prop.value  # type: ignore[attr-defined]
                continue
            try:
                self.read_property(component, prop)
            except _Skip:
                continue

    def read_property(self, component: TComponent, prop: PropertyNode, owner: Any = None,
                      prefix: str = "") -> None:
        """Assign ``prop`` to ``owner`` (the component itself, or a collection item whose path
        for messages is ``prefix``, e.g. ``Columns[0].``)."""
        if owner is None:
            owner = component
        path = prop.path
        if "." not in path:  # the usual case: an event or a property of the object itself
            cls = type(owner)
            folded = path.lower()
            event = _events_map(cls).get(folded)
            if event is not None:
                self.bind_event(component, owner, event, prop, prefix)
                return
            published = _lower_map(cls).get(folded)
            if published is None:
                self.unknown(component, prop, f'Unknown property: "{path}"', prefix)
                return
            self.assign(component, owner, published, prop, prefix)
            return
        parts = prop.parts
        target: Any = owner
        for i, part in enumerate(parts[:-1]):
            published = _lower_map(type(target)).get(part.lower())
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
        published = _lower_map(type(target)).get(name.lower())
        if published is None:
            self.unknown(component, prop, f'Unknown property: "{name}"', prefix)
            return
        self.assign(component, target, published, prop, prefix)

    def unknown(self, component: TComponent, prop: PropertyNode, reason: str,
                prefix: str = "") -> None:
        path = prop.path
        keep = not prefix and (path.lower() in DESIGN_TIME_PROPERTIES or (
            not self.reader.strict and component is self.root
            and isinstance(component, TDataModule)))
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
                   prefix: str = "") -> None:
        value = prop.value
        if type(value) is Nil:
            setattr(owner, event.name, None)
            owner.__dict__.setdefault(NIL_EVENTS_KEY, set()).add(event.name)
            return
        if type(value) is not Ident or "." in value.value:  # type: ignore[union-attr]
            self.recoverable(self.error(
                component, prefix + prop.path,
                f"Invalid property value: {_describe(value)} (an event takes a method name)",
                prop))
        method_name: str = value.value  # type: ignore[union-attr]
        root = self.root
        handler: Any = None
        real = self.methods.get(method_name.lower())
        if real is not None:
            handler = getattr(root, real)
        elif self.reader.on_find_method is not None:
            handler = self.reader.on_find_method(root, method_name)
        if handler is None or not callable(handler):
            self.recoverable(self.error(
                component, prefix + prop.path,
                f"Method '{method_name}' not found in {type(root).__name__}", prop))
        setattr(owner, event.name, handler)
        header = owner.__dict__.get(HEADER_KEY)
        if header is not None and header[0] == "inherited":
            owner.__dict__.setdefault(NIL_EVENTS_KEY, set()).add(event.name)

    def convert(self, published: PublishedProperty, value: Value) -> Any:
        kind = published.kind
        vtype = type(value)
        if kind == "bool" and vtype is Bool:
            return value.value  # type: ignore[union-attr]
        if kind == "int" and vtype is Integer:
            return value.value  # type: ignore[union-attr]
        if kind == "float" and vtype in (Integer, Float):
            return float(plain_value(value))
        if kind == "str" and vtype is String:
            return value.value  # type: ignore[union-attr]
        if kind == "bytes" and vtype is Binary:
            return value.data  # type: ignore[union-attr]
        if kind == "enum" and vtype is Ident:
            return value.value  # type: ignore[union-attr]
        if kind == "set" and vtype is Set:
            return value.items  # type: ignore[union-attr]
        if kind in ("component", "object") and vtype is Nil:
            return None
        raise ValueError(f"Invalid property value: {_describe(value)} for a "
                         f"{type_name(published.type)} property")

    def assign(self, component: TComponent, target: Any, published: PublishedProperty,
               prop: PropertyNode, prefix: str = "") -> None:
        path = prefix + prop.path
        if type(prop.value) is Collection and published.kind == "persistent":
            collection = getattr(target, published.name)
            if isinstance(collection, TCollection):
                self.read_collection(component, collection, prop, path)
                return
        if published.read_only:
            self.recoverable(self.error(
                component, path, "Cannot assign to a read-only property", prop))
        if published.kind == "component" and type(prop.value) is Ident:
            self.fixups.append((component, target, published, prop.value.value, prop, path))  # type: ignore[union-attr]
            return
        try:
            setattr(target, published.name, self.convert(published, prop.value))
        except Exception as exc:
            self.recoverable(self.error(component, path, str(exc), prop))

    def read_collection(self, component: TComponent, collection: TCollection,
                        prop: PropertyNode, path: str) -> None:
        """``Columns = < item ... end >``: Delphi clears the collection (only when the file
        has items), then adds one item per ``item`` and assigns its properties, all inside
        ``BeginUpdate``/``EndUpdate``."""
        items = prop.value.items  # type: ignore[union-attr]
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
                        self.read_property(component, item_prop, item, prefix)
                    except _Skip:
                        continue
        finally:
            collection.EndUpdate()

    # -- references ------------------------------------------------------------------------

    def fix_up(self) -> None:
        root = self.root
        index: dict[str, TComponent] = {}
        if self.fixups:  # one pass instead of a FindComponent scan per reference
            for owned in reversed(root.Components):
                if owned.Name:
                    index[owned.Name.lower()] = owned
        for component, target, published, path, prop, prop_path in self.fixups:
            folded = path.lower()
            found = index.get(folded) if "." not in folded and folded != "owner" else None
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
                setattr(target, published.name, found)
            except Exception as exc:
                try:
                    self.recoverable(self.error(component, prop_path, str(exc), prop))
                except _Skip:
                    continue
