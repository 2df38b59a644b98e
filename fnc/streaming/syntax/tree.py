"""The syntax tree of a form file (``.dfm``, ``.fmx``, ``.lfm``, or a binary ``TPF0`` stream).

Every form file, text or binary, is turned into this tree first; the component reader builds
components from it and the component writer produces it. The nodes are immutable value objects:
two trees compare equal when they declare the same objects, properties and values. Source
positions (``line``, ``col``, 1-based) are kept for error messages but never take part in
equality.

Value nodes mirror Delphi's ``TValueType`` families:

================  ==========================================  ============================
node              text form                                   binary value types
================  ==========================================  ============================
``Integer``       ``42``, ``-5``, ``$FF``                     vaInt8/16/32/64, vaQWord
``Float``         ``1.5``, ``1e3``, ``2.5s``/``d``/``c``      vaExtended/vaDouble, vaSingle,
                                                              vaDate, vaCurrency
``String``        ``'It''s'#13#10'x'`` (``+`` joins lines)    vaString/LString/WString/...
``Ident``         ``alClient``, ``Form2.Button1``             vaIdent
``Bool``          ``True`` / ``False``                        vaTrue / vaFalse
``Nil``           ``nil``                                     vaNil
``Set``           ``[fsBold, fsItalic]``                      vaSet
``List``          ``( 'a' 'b' )``                             vaList
``Collection``    ``< item ... end >``                        vaCollection
``Binary``        ``{ 0A FF }``                               vaBinary
================  ==========================================  ============================

``Float.value`` is the number exactly as the file states it: for a Currency (``c``) value that is
the amount times 10000, as Delphi writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeAlias

import attrs

__all__ = [
    "Binary", "Bool", "Collection", "CollectionItem", "Float", "Ident", "Integer", "List", "Nil",
    "ObjectKind", "ObjectNode", "PropertyNode", "Set", "String", "Value",
]

ObjectKind: TypeAlias = Literal["object", "inherited", "inline"]
FloatSuffix: TypeAlias = Literal["", "s", "d", "c"]


def _tuple(items: object) -> tuple:
    return tuple(items)  # type: ignore[call-overload]


@attrs.frozen(slots=True)
class Integer:
    """An integer literal (decimal or ``$`` hex in text; stored as a Python ``int``)."""

    value: int


@attrs.frozen(slots=True)
class Float:
    """A floating-point literal; ``suffix`` is ``''`` (Extended), ``'s'`` (Single), ``'d'``
    (TDateTime) or ``'c'`` (Currency, value stated times 10000)."""

    value: float
    suffix: FloatSuffix = ""


@attrs.frozen(slots=True)
class String:
    """A string value, already decoded from its quoted pieces and ``#nnn`` codes."""

    value: str


@attrs.frozen(slots=True)
class Ident:
    """An identifier value: an enum name, a constant, a component reference or a method name.

    May be dotted (``Form2.Button1``).
    """

    value: str


@attrs.frozen(slots=True)
class Bool:
    """``True`` or ``False`` (case-insensitive in text)."""

    value: bool


@attrs.frozen(slots=True)
class Nil:
    """``nil``: no component, no handler."""


@attrs.frozen(slots=True)
class Set:
    """A set of enumeration names, in the order written (``[]`` when empty)."""

    items: tuple[str, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(slots=True)
class List:
    """A parenthesised list of values of any kind, nested lists included."""

    items: tuple[Value, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(slots=True)
class Binary:
    """Binary data written as hex digits in braces."""

    data: bytes


@attrs.frozen(slots=True)
class PropertyNode:
    """One ``Path = value`` assignment. ``path`` may be dotted (``Font.Name``)."""

    path: str
    value: Value
    line: int | None = attrs.field(default=None, eq=False, repr=False)
    col: int | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def parts(self) -> tuple[str, ...]:
        """The path split at its dots: ``('Font', 'Name')``."""
        return tuple(self.path.split("."))


@attrs.frozen(slots=True)
class CollectionItem:
    """One ``item ... end`` of a collection; ``index`` is the optional ``item [n]`` order."""

    properties: tuple[PropertyNode, ...] = attrs.field(default=(), converter=_tuple)
    index: int | None = None
    line: int | None = attrs.field(default=None, eq=False, repr=False)
    col: int | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(slots=True)
class Collection:
    """A collection value ``< item ... end ... >``."""

    items: tuple[CollectionItem, ...] = attrs.field(default=(), converter=_tuple)


Value: TypeAlias = (
    Integer | Float | String | Ident | Bool | Nil | Set | List | Collection | Binary
)


@attrs.frozen(slots=True)
class ObjectNode:
    """An ``object``/``inherited``/``inline`` block: header, properties, then nested blocks.

    ``name`` is ``''`` for an unnamed block (``object TForm1``); ``index`` is the ``[n]`` child
    position or ``None``.
    """

    class_name: str
    name: str = ""
    kind: ObjectKind = "object"
    index: int | None = None
    properties: tuple[PropertyNode, ...] = attrs.field(default=(), converter=_tuple)
    children: tuple[ObjectNode, ...] = attrs.field(default=(), converter=_tuple)
    line: int | None = attrs.field(default=None, eq=False, repr=False)
    col: int | None = attrs.field(default=None, eq=False, repr=False)

    def walk(self) -> Iterator[ObjectNode]:
        """This node, then every nested node depth-first in file order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def find_property(self, path: str) -> PropertyNode | None:
        """The first property whose path equals ``path`` case-insensitively, or None."""
        wanted = path.lower()
        for prop in self.properties:
            if prop.path.lower() == wanted:
                return prop
        return None

    def find_child(self, name: str) -> ObjectNode | None:
        """The first nested node (at any depth) named ``name`` case-insensitively, or None."""
        wanted = name.lower()
        for node in self.walk():
            if node is not self and node.name.lower() == wanted:
                return node
        return None


# -- fast construction for the parsers ------------------------------------------------------
# attrs' frozen ``__init__`` sets each field through ``object.__setattr__``; a form file of
# 10,000 components builds ~100,000 nodes, so the parsers use these instead. Each returns the
# same immutable node as the class call with the same (already converted) fields.

_new = object.__new__


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    setter: Callable[[Any, Any], None] = vars(cls)[name].__set__
    return setter


_set_path = _slot_setter(PropertyNode, "path")
_set_value = _slot_setter(PropertyNode, "value")
_set_line = _slot_setter(PropertyNode, "line")
_set_col = _slot_setter(PropertyNode, "col")
_set_string = _slot_setter(String, "value")
_set_float = _slot_setter(Float, "value")
_set_suffix = _slot_setter(Float, "suffix")
_set_integer = _slot_setter(Integer, "value")
_set_ident = _slot_setter(Ident, "value")
_object_setters = tuple(_slot_setter(ObjectNode, name) for name in (
    "class_name", "name", "kind", "index", "properties", "children", "line", "col"))


def new_property(path: str, value: Value, line: int | None, col: int | None) -> PropertyNode:
    """``PropertyNode(path, value, line, col)``, built faster."""
    node = _new(PropertyNode)
    _set_path(node, path)
    _set_value(node, value)
    _set_line(node, line)
    _set_col(node, col)
    return node


def new_string(value: str) -> String:
    """``String(value)``, built faster."""
    node = _new(String)
    _set_string(node, value)
    return node


def new_float(value: float, suffix: FloatSuffix) -> Float:
    """``Float(value, suffix)``, built faster."""
    node = _new(Float)
    _set_float(node, value)
    _set_suffix(node, suffix)
    return node


def new_integer(value: int) -> Integer:
    """``Integer(value)``, built faster."""
    node = _new(Integer)
    _set_integer(node, value)
    return node


def new_ident(value: str) -> Ident:
    """``Ident(value)``, built faster."""
    node = _new(Ident)
    _set_ident(node, value)
    return node


def new_object(class_name: str, name: str, kind: ObjectKind, index: int | None,
               properties: tuple[PropertyNode, ...], children: tuple[ObjectNode, ...],
               line: int | None, col: int | None) -> ObjectNode:
    """``ObjectNode(...)`` with every field given (``properties`` and ``children`` as tuples),
    built faster."""
    node = _new(ObjectNode)
    for setter, value in zip(_object_setters, (class_name, name, kind, index, properties,
                                                children, line, col), strict=True):
        setter(node, value)
    return node
