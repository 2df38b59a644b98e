"""The component writer: a component tree as a form file's syntax tree.

For the root and every component it owns (nested under their parents, in ``Components`` order):

* ``DesignInfo`` values first (design-time positions, unmodelled form properties), as read;
* a placeholder's streamed values, unchanged;
* published properties in declaration order, only when stored and different from the default
  (nested persistent objects as dotted paths, enums and sets by name, references by name);
* events whose handler is a method of the root's class, by method name.

A component that was read from a form file keeps that file's property order: values it had are
written in the same order, values it did not have follow. So a hand-written file comes back
byte for byte when its values are written canonically.

``Name`` is never written as a property; sub-components (``csSubComponent``) and components owned
by something other than the root are not written.
"""

from __future__ import annotations

import enum
from typing import Any

from fnc.component import TComponent, TComponentStyle, csWriting
from fnc.events import Event
from fnc.exceptions import EWriteError
from fnc.properties import Property as PublishedProperty
from fnc.properties import declared_properties, is_stored
from fnc.streaming.placeholders import TPlaceholderComponent
from fnc.streaming.reader import HEADER_KEY, ORDER_KEY, handler_methods
from fnc.streaming.syntax import (
    Binary,
    Bool,
    Float,
    Ident,
    Integer,
    ObjectNode,
    PropertyNode,
    Set,
    String,
    Value,
)
from fnc.streaming.values import node_from_plain

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
        for event in _events(type(component)):
            handler = event.__get__(component)
            name = self.method_name(handler)
            if name is not None:
                result.append(PropertyNode(event.name, Ident(name)))
        order = component.__dict__.get(ORDER_KEY)
        if order:  # keep the order the form file had; new values follow
            rank = {path: i for i, path in enumerate(order)}
            last = len(rank)
            result.sort(key=lambda prop: rank.get(prop.path.lower(), last))
        return result

    def plain(self, component: TComponent, path: str, value: Any) -> Value:
        try:
            return node_from_plain(value)
        except TypeError as exc:
            raise EWriteError(f"Error writing {component.Name}.{path}: {exc}") from None

    def published(self, obj: Any, prefix: str, out: list[PropertyNode]) -> None:
        for name, published in declared_properties(type(obj)).items():
            if name == "Name" and not prefix:
                continue
            if published.kind == "persistent":
                stored = published.stored
                if callable(stored):
                    stored = stored(obj)
                if stored:
                    self.published(getattr(obj, name), f"{prefix}{name}.", out)
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


def _events(cls: type) -> list[Event]:
    seen: dict[str, Event] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Event):
                seen[name] = value
    return list(seen.values())
