"""The component writer: a component tree as a form file's syntax tree.

For the root and every component it owns (nested under their parents, in ``Components`` order):

* ``DesignInfo`` values first (design-time positions, unmodelled form properties), as read;
* a placeholder's streamed values, unchanged;
* published properties in declaration order, only when stored and different from the default
  (nested persistent objects as dotted paths, enums and sets by name, references by name,
  a non-empty collection as ``< item ... end >`` with each item's properties written the same
  way);
* events whose handler is a method of the root's class, by method name; ``OnX = nil`` for an
  event whose handler is None where the file it was read from had ``nil``, or, on an
  ``inherited`` block, had a handler or the component had one before the block was read (its
  ancestor's); on an ``inherited`` block a handler that is still the ancestor's and that the
  file did not name is not written (it is inherited).

A component that was read from a form file keeps that file's property order: values it had are
written in the same order, values it did not have follow. So a hand-written file comes back
byte for byte when its values are written canonically.

``Name`` is never written as a property; sub-components (``csSubComponent``) and components owned
by something other than the root are not written.
"""

from __future__ import annotations

import enum
from typing import Any

from fnc.collections import TCollection, TCollectionItem
from fnc.component import TComponent, TComponentStyle, csWriting
from fnc.events import Event
from fnc.exceptions import EWriteError
from fnc.properties import Property as PublishedProperty
from fnc.properties import declared_properties, is_stored
from fnc.streaming.components.placeholders import TPlaceholderComponent
from fnc.streaming.components.reader import (
    ANCESTOR_EVENTS_KEY,
    HEADER_KEY,
    NIL_EVENTS_KEY,
    ORDER_KEY,
    handler_methods,
)
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    CollectionItem,
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
from fnc.streaming.syntax.values import node_from_plain

__all__ = ["component_to_tree"]


def component_to_tree(Instance: TComponent) -> ObjectNode:
    """The syntax tree that describes ``Instance`` as the root of a form file."""
    if not isinstance(Instance, TComponent):
        raise TypeError(f"component_to_tree needs a TComponent, not {type(Instance).__name__}")
    if Instance.is_destroyed:
        raise EWriteError("Cannot write a freed component")
    return _TreeWriter(Instance).root_node()


def reference_name(target: TComponent, root: TComponent) -> str | None:
    """How a form file names ``target`` from inside ``root`` (None: it cannot be named)."""
    if target is root:
        return "Owner"
    if not target.Name:
        return None
    owner = target.Owner
    if owner is root:
        return target.Name
    if owner is None:
        return f"{target.Name}.Owner"
    if owner.Name and (owner.Owner is None or owner.Owner.FindComponent(owner.Name) is owner):
        return f"{owner.Name}.{target.Name}"
    return None


class _TreeWriter:
    def __init__(self, root: TComponent) -> None:
        self.root = root
        self.methods = handler_methods(type(root))
        owned = [c for c in root.Components
                 if TComponentStyle.csSubComponent not in c.ComponentStyle]
        owned_ids = {id(c) for c in owned}
        self.children: dict[int, list[TComponent]] = {}
        for component in owned:
            parent = component.GetParentComponent()
            key = id(parent) if parent is not None and id(parent) in owned_ids else id(root)
            self.children.setdefault(key, []).append(component)

    def root_node(self) -> ObjectNode:
        return self.node(self.root)

    def node(self, component: TComponent) -> ObjectNode:
        component.SetComponentState(csWriting, True)
        try:
            kind, index = component.__dict__.get(HEADER_KEY, ("object", None))
            properties = self.properties(component)
            children = [self.node(c) for c in self.children.get(id(component), ())]
        finally:
            component.SetComponentState(csWriting, False)
        return ObjectNode(type(component).__name__, component.Name, kind, index,
                          properties, children)

    def properties(self, component: TComponent) -> list[PropertyNode]:
        result = [PropertyNode(path, self.plain(component, path, value))
                  for path, value in component.DesignInfo.items()]
        if isinstance(component, TPlaceholderComponent):
            result.extend(PropertyNode(path, value)
                          for path, value in component.StreamedProperties.items())
            return result
        self.published(component, "", result)
        self.events(component, result)
        return _in_read_order(component, result)

    def events(self, obj: Any, out: list[PropertyNode]) -> None:
        state = obj.__dict__
        nil_events = state.get(NIL_EVENTS_KEY, ())
        ancestor = state.get(ANCESTOR_EVENTS_KEY, {})
        streamed = state.get(ORDER_KEY, ()) if ancestor else ()
        for event in _events(type(obj)):
            handler = event.__get__(obj)
            name = self.method_name(handler)
            if name is not None:
                if (event.name in ancestor and ancestor[event.name] == handler
                        and event.name.lower() not in streamed):
                    continue  # still the ancestor's handler: inherited, not written
                out.append(PropertyNode(event.name, Ident(name)))
            elif handler is None and event.name in nil_events:
                out.append(PropertyNode(event.name, Nil()))

    def collection(self, collection: TCollection) -> Collection:
        return Collection(CollectionItem(self.item_properties(item)) for item in collection)

    def item_properties(self, item: TCollectionItem) -> list[PropertyNode]:
        result: list[PropertyNode] = []
        self.published(item, "", result)
        self.events(item, result)
        return _in_read_order(item, result)

    def plain(self, component: TComponent, path: str, value: Any) -> Value:
        try:
            return node_from_plain(value)
        except TypeError as exc:
            raise EWriteError(f"Error writing {component.Name}.{path}: {exc}") from None

    def published(self, obj: Any, prefix: str, out: list[PropertyNode]) -> None:
        for name, published in declared_properties(type(obj)).items():
            if name == "Name" and isinstance(obj, TComponent):
                continue
            if published.kind == "persistent":
                stored = published.stored
                if callable(stored):
                    stored = stored(obj)
                if stored:
                    value = getattr(obj, name)
                    if not isinstance(value, TCollection):
                        self.published(value, f"{prefix}{name}.", out)
                    elif len(value):
                        out.append(PropertyNode(prefix + name, self.collection(value)))
                continue
            if not is_stored(obj, name):
                continue
            node = self.value_node(published, getattr(obj, name), f"{prefix}{name}")
            if node is not None:
                out.append(PropertyNode(prefix + name, node))

    def value_node(self, published: PublishedProperty, value: Any, path: str) -> Value | None:
        kind = published.kind
        if kind == "bool":
            return Bool(bool(value))
        if kind == "int":
            return Integer(int(value))
        if kind == "float":
            return Float(float(value))
        if kind == "str":
            return String(value)
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
            name = reference_name(value, self.root)
            return Ident(name) if name is not None else None
        if isinstance(value, enum.Enum):
            return Ident(value.name)
        return None  # other object-valued properties have no text form

    def method_name(self, handler: Any) -> str | None:
        if handler is None or getattr(handler, "__self__", None) is not self.root:
            return None
        name = getattr(handler, "__name__", None)
        if not isinstance(name, str) or self.methods.get(name.lower()) != name:
            return None
        if getattr(getattr(type(self.root), name, None), "__func__", None) is not None:
            return None  # classmethod: not an instance method
        function = getattr(handler, "__func__", None)
        return name if function is getattr(type(self.root), name, None) else None


def _in_read_order(obj: Any, props: list[PropertyNode]) -> list[PropertyNode]:
    """``props`` in the order the form file gave ``obj``'s values (new values last)."""
    order = obj.__dict__.get(ORDER_KEY)
    if order:
        rank = {path: i for i, path in enumerate(order)}
        last = len(rank)
        props.sort(key=lambda prop: rank.get(prop.path.lower(), last))
    return props


def _events(cls: type) -> list[Event]:
    seen: dict[str, Event] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Event):
                seen[name] = value
    return list(seen.values())
