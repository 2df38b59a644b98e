"""The component writer: a component tree as a form file's syntax tree.

For the root and every component it owns (nested under their parents, in ``Components`` order):

* ``DesignInfo`` values first (design-time positions, unmodelled form properties), as read;
* a placeholder's streamed values, unchanged;
* published properties in declaration order, only when stored and different from the default
  (nested persistent objects as dotted paths, enums and sets by name, references by name,
  a non-empty collection as ``< item ... end >`` with each item's properties written the same
  way);
* events whose handler is a method of the root's class (or, inside a frame, of the frame's), by
  the method name as the file spelled it; ``OnX = nil`` for an event whose handler is None where
  the file it was read from had ``nil``, or, on an ``inherited`` block, had a handler or the
  component had one before the block was read.

**Ancestors** (Delphi's ``WriteDescendent``): a root whose class inherits a form file, and an
inline frame whose class has one, is written against a fresh instance loaded from that file:
``inherited`` headers for the components the ancestor has, only the values that differ from the
ancestor's, and ``[n]`` where a child's position among its parent's children differs from where
reading would put it. Frames' children are written inside their ``inline`` block, named in the
frame's namespace. A component read from an ``inherited`` block whose ancestor was missing keeps
its header and writes every value its block had, so the file comes back as it was.

A component that was read from a form file keeps that file's property order: values it had are
written in the same order, values it did not have follow. So a hand-written file comes back
byte for byte when its values are written canonically.

``Name`` is never written as a property; sub-components (``csSubComponent``) are not written.
"""

from __future__ import annotations

import enum
from typing import Any

from fnc.collections import TCollection, TCollectionItem
from fnc.component import TComponent, TComponentStyle, csInline, csWriting
from fnc.events import Event
from fnc.exceptions import EWriteError
from fnc.forms import TDataModule, TFrame
from fnc.properties import Property as PublishedProperty
from fnc.properties import declared_properties
from fnc.streaming.components.ancestors import (
    ANCESTRY_KEY,
    MISSING_ANCESTOR_KEY,
    SEARCH_KEY,
    ancestor_form,
    class_form_file,
)
from fnc.streaming.components.placeholders import TPlaceholderComponent
from fnc.streaming.components.propertyreader import (
    ANCESTOR_EVENTS_KEY,
    HANDLER_NAMES_KEY,
    HEADER_KEY,
    NIL_EVENTS_KEY,
    ORDER_KEY,
    handler_methods,
)
from fnc.streaming.components.reader import SEQUENCE_KEY, load_comparison
from fnc.streaming.syntax.gcpause import paused_gc
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    CollectionItem,
    Ident,
    Nil,
    ObjectKind,
    ObjectNode,
    PropertyNode,
    Set,
    String,
    Value,
    new_float,
    new_ident,
    new_integer,
    new_object,
    new_property,
    new_string,
)
from fnc.streaming.syntax.values import node_from_plain

__all__ = ["component_to_tree", "reference_name"]


def component_to_tree(Instance: TComponent) -> ObjectNode:
    """The syntax tree that describes ``Instance`` as the root of a form file."""
    if not isinstance(Instance, TComponent):
        raise TypeError(f"component_to_tree needs a TComponent, not {type(Instance).__name__}")
    if Instance.is_destroyed:
        raise EWriteError("Cannot write a freed component")
    with paused_gc():
        return _TreeWriter(Instance).root_node()


def reference_name(target: TComponent, root: TComponent, scope: TComponent | None = None
                   ) -> str | None:
    """How a form file names ``target`` from inside ``root`` (None: it cannot be named);
    inside a frame (``scope``) the frame's own components go by their plain names."""
    if target is root:
        return "Owner"
    if not target.Name:
        return None
    owner = target.Owner
    if owner is root or (scope is not None and owner is scope):
        return target.Name
    if owner is None:
        return f"{target.Name}.Owner"
    if owner.Name and (owner.Owner is None or owner.Owner.FindComponent(owner.Name) is owner):
        return f"{owner.Name}.{target.Name}"
    return None


class _Context:
    """One namespace being written: the form, or an inline frame."""

    def __init__(self, owner: TComponent, ancestor: TComponent | None,
                 handlers: tuple[TComponent, ...]) -> None:
        self.owner = owner
        self.ancestor = ancestor
        self.handlers = handlers
        self._ancestor_context: _Context | None = None
        owned = [c for c in owner.Components
                 if TComponentStyle.csSubComponent not in c.ComponentStyle]
        owned_ids = {id(c) for c in owned}
        self.children: dict[int, list[TComponent]] = {}
        for component in owned:
            parent = component.GetParentComponent()
            key = id(parent) if parent is not None and id(parent) in owned_ids else id(owner)
            self.children.setdefault(key, []).append(component)

    def ancestor_children(self, parent: TComponent) -> list[TComponent]:
        """The children of ``parent`` (a component of the ancestor) in the ancestor."""
        if self.ancestor is None:
            return []
        if self._ancestor_context is None:
            self._ancestor_context = _Context(self.ancestor, None, ())
        key = id(parent) if parent is not self.ancestor else id(self.ancestor)
        return self._ancestor_context.children.get(key, [])

    def counterpart(self, component: TComponent) -> TComponent | None:
        """The ancestor's component of the same name (the ancestor root for the owner)."""
        if self.ancestor is None:
            return None
        if component is self.owner:
            return self.ancestor
        found = self.ancestor.FindComponent(component.Name) if component.Name else None
        return found if found is not None and type(found) is type(component) else None


def _is_frame(component: TComponent) -> bool:
    return isinstance(component, TFrame) and csInline in component.ComponentState


class _TreeWriter:
    def __init__(self, root: TComponent) -> None:
        self.root = root
        self.comparisons: dict[tuple[type, str], TComponent] = {}
        self.search = root.__dict__.get(SEARCH_KEY, ())
        self.methods: dict[type, dict[str, str]] = {}

    def root_node(self) -> ObjectNode:
        try:
            root = self.root
            context = _Context(root, self.comparison_for(root), (root,))
            return self.node(root, context, None)
        finally:
            for comparison in self.comparisons.values():
                comparison.Free()

    def comparison_for(self, component: TComponent) -> TComponent | None:
        """A fresh instance loaded from ``component``'s ancestor form file, or None."""
        ancestry = component.__dict__.get(ANCESTRY_KEY)
        if ancestry is None:
            found: tuple[type, Any] | None = None
            if component is self.root and isinstance(component, TDataModule | TFrame):
                found = ancestor_form(type(component), self.search)
            elif _is_frame(component):
                path = class_form_file(type(component), self.search)
                found = (type(component), path) if path is not None else None
            if found is None:
                return None
            ancestry = (found,)
        if not ancestry:
            return None
        cls, path = ancestry[0]
        key = (cls, str(path))
        comparison = self.comparisons.get(key)
        if comparison is None:
            try:
                comparison = load_comparison(cls, str(path), self.search)
            except Exception as exc:
                raise EWriteError(f"Cannot load the ancestor form file {path} of "
                                  f"{type(component).__name__}: {exc}") from exc
            self.comparisons[key] = comparison
        return comparison

    # -- nodes -------------------------------------------------------------------------------

    def node(self, component: TComponent, context: _Context, index: int | None) -> ObjectNode:
        component.SetComponentState(csWriting, True)
        try:
            ancestor = context.counterpart(component)
            kind: ObjectKind = component.__dict__.get(HEADER_KEY, ("object", None))[0]
            if ancestor is not None or (component.__dict__.get(MISSING_ANCESTOR_KEY)
                                        and context.ancestor is not None):
                kind = "inherited"
            if component is not context.owner and _is_frame(component):
                # A frame inherited from the ancestor form compares with the ancestor's frame,
                # one placed on this form with a fresh frame loaded from its own file.
                if ancestor is None:
                    ancestor = self.comparison_for(component)
                    kind = "inline" if kind != "inherited" else kind
                inner = _Context(component, ancestor, (component, *context.handlers))
                properties = self.properties(component, inner, ancestor)
                children = self.children(component, inner, inner.children.get(id(component), []))
            else:
                properties = self.properties(component, context, ancestor)
                key = id(component) if component is not context.owner else id(context.owner)
                children = self.children(component, context, context.children.get(key, []))
        finally:
            component.SetComponentState(csWriting, False)
        return new_object(type(component).__name__, component.Name, kind, index,
                          tuple(properties), tuple(children), None, None)

    def children(self, parent: TComponent, context: _Context, components: list[TComponent]
                 ) -> list[ObjectNode]:
        ancestor_parent = context.counterpart(parent)
        if ancestor_parent is None:
            indexes = [c.__dict__.get(HEADER_KEY, ("object", None))[1] for c in components]
            if any(i is not None for i in indexes):  # ``[n]`` moved blocks: keep file order
                order = sorted(range(len(components)), key=lambda i: components[i].__dict__.get(
                    SEQUENCE_KEY, 1 << 62))
                return [self.node(components[i], context, indexes[i]) for i in order]
            return [self.node(c, context, None) for c in components]
        # Where reading puts each block: inherited children start in the ancestor's order, new
        # ones are appended, and ``[n]`` moves one to position n. Write ``[n]`` where needed.
        names = {c.Name.lower() for c in components if c.Name}
        ancestor_children = context.ancestor_children(ancestor_parent)
        current = [c.Name.lower() for c in ancestor_children if c.Name.lower() in names]
        result: list[ObjectNode] = []
        for position, component in enumerate(components):
            name = component.Name.lower()
            if name not in current:
                current.append(name)
            index: int | None = None
            if current.index(name) != position:
                current.remove(name)
                current.insert(position, name)
                index = position
            result.append(self.node(component, context, index))
        return result

    # -- values ------------------------------------------------------------------------------

    def properties(self, component: TComponent, context: _Context,
                   ancestor: TComponent | None) -> list[PropertyNode]:
        if ancestor is not None:
            inherited = {p.path.lower(): p.value for p in self.full(ancestor, context, True)}
            result = [p for p in self.full(component, context, False)
                      if inherited.get(p.path.lower(), _ABSENT) != p.value]
            return _in_read_order(component, result)
        result = [new_property(path, self.plain(component, path, value), None, None)
                  for path, value in component.DesignInfo.items()]
        if isinstance(component, TPlaceholderComponent):
            result.extend(PropertyNode(path, value)
                          for path, value in component.StreamedProperties.items())
            return _in_read_order(component, result)
        self.published(component, "", result, context.owner)
        self.events(component, result, context.handlers)
        if component.__dict__.get(MISSING_ANCESTOR_KEY):
            # No ancestor to compare with: every value its block gave is written back, even
            # one equal to the default (the ancestor it was meant to override is unknown).
            given = set(component.__dict__.get(ORDER_KEY, ()))
            have = {p.path.lower() for p in result}
            result.extend(p for p in self.full(component, context, False)
                          if p.path.lower() in given and p.path.lower() not in have)
        return _in_read_order(component, result)

    def full(self, component: TComponent, context: _Context, is_ancestor: bool
             ) -> list[PropertyNode]:
        """Every value of ``component`` that a form file can state, defaults included."""
        result = [new_property(path, self.plain(component, path, value), None, None)
                  for path, value in component.DesignInfo.items()]
        if isinstance(component, TPlaceholderComponent):
            result.extend(PropertyNode(path, value)
                          for path, value in component.StreamedProperties.items())
            return result
        scope = component.Owner if is_ancestor else context.owner
        self.published(component, "", result, scope, everything=True)
        handlers = (component,) if is_ancestor and component.Owner is None else (
            (component.Owner, component.Owner.Owner) if is_ancestor and component.Owner
            is not None else context.handlers)
        for event in _events(type(component)):
            handler = event.__get__(component)
            name = self.method_name(component, event, handler, handlers) \
                if handler is not None else None
            out = Ident(name) if name is not None else Nil()
            result.append(PropertyNode(event.name, out))
        return result

    def events(self, obj: Any, out: list[PropertyNode], handlers: tuple[Any, ...]) -> None:
        state = obj.__dict__
        nil_events = state.get(NIL_EVENTS_KEY, ())
        ancestor = state.get(ANCESTOR_EVENTS_KEY, {})
        streamed = state.get(ORDER_KEY, ()) if ancestor else ()
        for event in _events(type(obj)):
            handler = event.__get__(obj)
            name = self.method_name(obj, event, handler, handlers)
            if name is not None:
                if (event.name in ancestor and ancestor[event.name] == handler
                        and event.name.lower() not in streamed):
                    continue  # still the ancestor's handler: inherited, not written
                out.append(new_property(event.name, new_ident(name), None, None))
            elif handler is None and event.name in nil_events:
                out.append(PropertyNode(event.name, Nil()))

    def collection(self, collection: TCollection, scope: TComponent) -> Collection:
        return Collection(CollectionItem(self.item_properties(item, scope))
                          for item in collection)

    def item_properties(self, item: TCollectionItem, scope: TComponent) -> list[PropertyNode]:
        result: list[PropertyNode] = []
        self.published(item, "", result, scope)
        handlers = (scope, self.root) if scope is not self.root else (self.root,)
        self.events(item, result, handlers)
        return _in_read_order(item, result)

    def plain(self, component: TComponent, path: str, value: Any) -> Value:
        try:
            return node_from_plain(value)
        except TypeError as exc:
            raise EWriteError(f"Error writing {component.Name}.{path}: {exc}") from None

    def published(self, obj: Any, prefix: str, out: list[PropertyNode], scope: Any,
                  everything: bool = False) -> None:
        for name, published in declared_properties(type(obj)).items():
            if name == "Name" and isinstance(obj, TComponent):
                continue
            stored = published.stored
            if callable(stored):
                stored = stored(obj)
            if published.kind == "persistent":
                if stored:
                    value = getattr(obj, name)
                    if not isinstance(value, TCollection):
                        self.published(value, f"{prefix}{name}.", out, scope, everything)
                    elif len(value) or everything:
                        out.append(PropertyNode(prefix + name, self.collection(value, scope)))
                continue
            if not stored or published.read_only:
                continue
            value = getattr(obj, name)
            # is_stored's rule (stored, writable, and nodefault or not the default), with the
            # predicate and the value read once
            if not everything and not published.nodefault:
                differs = value != published.default
                if not differs:
                    continue
            node = self.value_node(published, value, scope)
            if node is None and everything and published.kind == "component" and value is None:
                node = Nil()
            if node is not None:
                out.append(new_property(prefix + name, node, None, None))

    def value_node(self, published: PublishedProperty, value: Any, scope: Any) -> Value | None:
        kind = published.kind
        if kind == "bool":
            return Bool(bool(value))
        if kind == "int":
            return new_integer(int(value))
        if kind == "float":
            return new_float(float(value), "")
        if kind == "str":
            return String(value) if type(value) is not str else new_string(value)
        if kind == "bytes":
            return Binary(bytes(value))
        if kind == "enum":
            return Ident(value.name)
        if kind == "set":
            order = list(published.type.enum)
            return Set(tuple(m.name for m in sorted(value, key=order.index)))
        if kind == "component":
            if value is None:
                return None
            root = scope if scope is not None and scope.Owner is None else self.root
            name = reference_name(value, root, scope)
            return new_ident(name) if name is not None else None
        if isinstance(value, enum.Enum):
            return Ident(value.name)
        return None  # other object-valued properties have no text form

    def method_name(self, obj: Any, event: Event, handler: Any, handlers: tuple[Any, ...]
                    ) -> str | None:
        if handler is None:
            return None
        spelled = obj.__dict__.get(HANDLER_NAMES_KEY, {}).get(event.name)
        if spelled is not None and spelled[1] == handler:
            return str(spelled[0])  # as the file spelled it
        owner = getattr(handler, "__self__", None)
        if owner is None or not any(owner is h for h in handlers):
            return None
        name = getattr(handler, "__name__", None)
        methods = self.methods.get(type(owner))
        if methods is None:
            methods = self.methods[type(owner)] = handler_methods(type(owner))
        if not isinstance(name, str) or methods.get(name.lower()) != name:
            return None
        if getattr(getattr(type(owner), name, None), "__func__", None) is not None:
            return None  # classmethod: not an instance method
        function = getattr(handler, "__func__", None)
        return name if function is getattr(type(owner), name, None) else None


_ABSENT = object()


def _in_read_order(obj: Any, props: list[PropertyNode]) -> list[PropertyNode]:
    """``props`` in the order the form file gave ``obj``'s values (new values last)."""
    order = obj.__dict__.get(ORDER_KEY)
    if order:
        rank = {path: i for i, path in enumerate(order)}
        last = len(rank)
        ranks = [rank.get(prop.path.lower(), last) for prop in props]
        if ranks != sorted(ranks):  # else already in that order
            props[:] = [props[i] for i in sorted(range(len(props)), key=ranks.__getitem__)]
    return props


def _events(cls: type) -> list[Event]:
    cached = cls.__dict__.get("_fnc_write_events")
    if cached is None:
        seen: dict[str, Event] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Event):
                    seen[name] = value
        cached = list(seen.values())
        type.__setattr__(cls, "_fnc_write_events", cached)
    return cached
