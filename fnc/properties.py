"""Published, typed properties: one declaration drives type checks, defaults, storage and docs.

::

    class TTimer(TComponent):
        Interval = Property(int, 1000, doc="Milliseconds between OnTimer events.",
                            validator=at_least(0))

A declaration carries the type, default, stored-ness, read-only and "locked while active" flags,
an optional validator and a one-line doc. From it:

* assignment checks the type at once (``Port = "x"`` raises ``TypeError`` naming the property);
  enums accept a member or its Delphi name, sets any iterable of members or names;
* :func:`published_properties` lists a class's properties with metadata (Delphi's RTTI);
* the form-file writer skips values equal to the default, and non-stored properties; as in
  Delphi, an ordinal property (bool, int, enum, set) declared *without* a default is
  ``nodefault`` and always written: give ``Property(int, 0)`` to omit a zero;
* a ``TPersistent`` type (a nested object, or a ``TCollection``) gets one instance per owner,
  created with the owner (a collection also learns its property name, for ``GetNamePath``);
* ``TComponent.Validate`` runs every validator and reports every problem at once: validators
  never run in the setter.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from fnc.exceptions import EPropertyError
from fnc.extension import ComponentHooks, PersistentHooks

__all__ = [
    "Property", "PropertyInfo", "PropertyKind", "SetOf", "at_least", "get_property",
    "in_range", "is_stored", "not_empty", "published_properties", "set_property", "type_name",
]

_MISSING: Any = object()

Validator = Callable[[Any, Any], "str | None"]


class SetOf:
    """A Delphi ``set of TEnum`` property type; values are frozensets of members."""

    def __init__(self, enum_type: type[enum.Enum]) -> None:
        self.enum = enum_type
        self.__name__ = f"set of {enum_type.__name__}"

    def __repr__(self) -> str:
        return f"SetOf({self.enum.__name__})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SetOf) and other.enum is self.enum

    def __hash__(self) -> int:
        return hash((SetOf, self.enum))


class PropertyKind(enum.StrEnum):
    """What kind of value a property holds; decides type checks, defaults and streaming.

    A ``StrEnum``: members compare equal to their lower-case names (``"persistent"``).
    """

    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STR = "str"
    BYTES = "bytes"
    ENUM = "enum"
    SET = "set"
    PERSISTENT = "persistent"
    """A nested object (``TPersistent`` but not ``TComponent``), one per owner, via Assign."""
    COMPONENT = "component"
    """A reference to a component owned elsewhere, cleared when that component is freed."""
    OBJECT = "object"
    """An instance of any other class, or None."""


#: Delphi's ordinal types: declared without a default they are ``nodefault`` (always written).
_ORDINAL_KINDS = frozenset({PropertyKind.BOOL, PropertyKind.INT, PropertyKind.ENUM,
                            PropertyKind.SET})

#: Property kinds whose values of exactly this Python type are stored as they are.
_EXACT_TYPES: dict[PropertyKind, type] = {
    PropertyKind.BOOL: bool, PropertyKind.INT: int, PropertyKind.FLOAT: float,
    PropertyKind.STR: str}

#: Attributes of a :class:`Property` that decide whether ``__set__`` may store directly.
_DIRECT_INPUTS = frozenset(("read_only", "locked", "fset", "kind"))

_DELPHI_NAMES = {bool: "Boolean", int: "Integer", float: "Double", str: "string",
                 bytes: "TBytes"}


def type_name(tp: Any) -> str:
    """A readable name for a property type (Delphi's where one exists)."""
    if tp in _DELPHI_NAMES:
        return _DELPHI_NAMES[tp]
    return getattr(tp, "__name__", repr(tp))


def enum_member(enum_type: type[enum.Enum], value: Any, where: str) -> enum.Enum:
    """Convert a member or a (case-insensitive) member name to a member of ``enum_type``."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        member = enum_type.__members__.get(value)
        if member is None:
            folded = value.lower()
            for name, m in enum_type.__members__.items():
                if name.lower() == folded:
                    member = m
                    break
        if member is None:
            names = ", ".join(enum_type.__members__)
            raise EPropertyError(
                f"{where}: invalid property value {value!r}: not a {enum_type.__name__} "
                f"(expected one of {names})")
        return member
    raise TypeError(f"{where}: expected {enum_type.__name__} or its name, "
                    f"got {type(value).__name__} {value!r}")


_PERSISTENT = PropertyKind.PERSISTENT


class Property:
    """Descriptor of one published property.

    :param type_: ``bool``, ``int``, ``float``, ``str``, ``bytes``, an ``Enum`` subclass,
        :class:`SetOf`, a ``TPersistent`` subclass (a nested object, assigned through
        ``Assign``), a ``TComponent`` subclass (a reference, cleared when the target is freed),
        or any other class (instances of it, or None).
    :param default: initial value, and the value the form writer omits. Omitted: the type's
        empty value (``False``, ``0``, the first enum member, ``frozenset()``, ``''``, ``0.0``,
        ``b''``, None); an ordinal property (bool, int, enum, set) declared without a default is
        then ``nodefault``, as in Delphi, so the form writer always writes it.
    :param stored: False, or a predicate ``(instance) -> bool``, keeps the value out of form files.
    :param nodefault: always write the value to form files (Delphi's ``nodefault``).
    :param read_only: assignment raises.
    :param locked: assignment raises while the component is active (``fnc_check_inactive``).
    :param validator: ``(instance, value) -> problem text or None``; run by ``Validate()``.
    :param doc: one line for docs and the inspector.
    """

    #: Kept by ``__setattr__``: the type whose values ``__set__`` stores as they are (no custom
    #: setter) or gives straight to the custom setter; ``_EXACT_TYPES.get(self.kind)``.
    _direct: type | None = None
    _to_setter: type | None = None
    _exact: type | None = None

    def __init__(self, type_: Any, default: Any = _MISSING, *, stored: bool | Callable[[Any], bool]
                 = True, nodefault: bool = False, read_only: bool = False, locked: bool = False,
                 validator: Validator | None = None, doc: str = "") -> None:
        self.type = type_
        self.kind = _kind_of(type_)
        self.stored = stored
        self.nodefault = nodefault
        self.read_only = read_only
        self.locked = locked
        self.validator = validator
        self.doc = doc
        self.fget: Callable[[Any], Any] | None = None
        self.fset: Callable[[Any, Any], None] | None = None
        self.name = ""
        self.key = ""
        if default is _MISSING:
            default = _empty_value(type_, self.kind)
            if self.kind in _ORDINAL_KINDS:
                self.nodefault = True  # Delphi: an ordinal without ``default`` is nodefault
        elif self.kind is not PropertyKind.PERSISTENT:
            default = self._coerce(default, f"default of {type_name(type_)} property")
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.key = "_p_" + name

    def __repr__(self) -> str:
        return f"<Property {self.name}: {type_name(self.type)} = {self.default!r}>"

    # -- decorators for custom accessors ----------------------------------------------------

    def getter(self, fget: Callable[[Any], Any]) -> Property:
        """Use ``fget(instance)`` to read the value."""
        self.fget = fget
        return self

    def setter(self, fset: Callable[[Any, Any], None]) -> Property:
        """Use ``fset(instance, checked_value)`` to store the value (after type checks)."""
        self.fset = fset
        return self

    # -- descriptor protocol --------------------------------------------------------------

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        if self.fget is not None:
            return self.fget(obj)
        # get_stored, inline for the common cases (read on every event and send)
        value = obj.__dict__.get(self.key, _MISSING)
        if value is not _MISSING:
            return value
        return self.default if self.kind is not _PERSISTENT else self.get_stored(obj)

    def get_stored(self, obj: Any) -> Any:
        """The stored value, bypassing a custom getter."""
        value = obj.__dict__.get(self.key, _MISSING)  # (a default is read often: no KeyError)
        if value is not _MISSING:
            return value
        if self.kind is PropertyKind.PERSISTENT:
            value = self.type(obj)
            value.fnc_bind_property(self.name)  # a TCollection learns its name
            obj.__dict__[self.key] = value
            return value
        return self.default

    def peek(self, obj: Any) -> Any:
        """The stored value, or None when nothing was stored yet (creates no nested object)."""
        return obj.__dict__.get(self.key)

    def clear(self, obj: Any) -> None:
        """Forget a component reference without the change hook (its target is being freed)."""
        obj.__dict__[self.key] = None

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "kind":
            object.__setattr__(self, "_exact", _EXACT_TYPES.get(value))
        if name in _DIRECT_INPUTS:
            plain = self._plain_type()
            setter = self.__dict__.get("fset") is not None
            object.__setattr__(self, "_direct", None if setter else plain)
            object.__setattr__(self, "_to_setter", plain if setter else None)

    def _plain_type(self) -> type | None:
        """The type whose values need no check or conversion before they are stored or given
        to the custom setter (a writable, unlocked property of a kind with one exact type)."""
        d = self.__dict__
        if d.get("read_only", True) or d.get("locked", True):
            return None
        kind = d.get("kind")
        return None if kind is None else _EXACT_TYPES.get(kind)

    def __set__(self, obj: Any, value: Any) -> None:
        value_type = type(value)
        if value_type is self._direct:  # the common case: what the checks below come to
            obj.__dict__[self.key] = value
            return
        if value_type is self._to_setter:  # the same, for a property with a custom setter
            self.fset(obj, value)  # type: ignore[misc]
            return
        kind = self.kind
        if self.read_only:
            raise EPropertyError(f"{type(obj).__name__}.{self.name} is a read-only property")
        if kind is PropertyKind.PERSISTENT:
            if not isinstance(value, PersistentHooks):
                got = "None" if value is None else f"{type(value).__name__} {value!r}"
                raise TypeError(f"{type(obj).__name__}.{self.name}: cannot assign {got} to a "
                                f"{type_name(self.type)} property; assign another "
                                f"{type_name(self.type)} to copy its values")
            self.get_stored(obj).Assign(value)
            return
        if self._exact is not type(value) and not (  # else what _coerce returns
                kind is PropertyKind.COMPONENT and (value is None or isinstance(value, self.type))):
            value = self._coerce(value, f"{type(obj).__name__}.{self.name}")
        if self.locked:
            obj.fnc_check_inactive(self.name)
        if self.fset is not None:
            self.fset(obj, value)
        else:
            self.set_stored(obj, value)

    def set_stored(self, obj: Any, value: Any) -> None:
        """Store an already checked value, bypassing a custom setter."""
        if self.kind is PropertyKind.COMPONENT:
            old = obj.__dict__.get(self.key)
            if old is value:
                return
            obj.__dict__[self.key] = value
            obj.fnc_reference_changed(old, value)
            return
        obj.__dict__[self.key] = value

    # -- type checks ----------------------------------------------------------------------

    def _coerce(self, value: Any, where: str) -> Any:
        kind, tp = self.kind, self.type
        if kind is PropertyKind.ENUM:
            return enum_member(tp, value, where)
        if kind is PropertyKind.SET:
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                raise TypeError(f"{where}: expected an iterable of {tp.enum.__name__} members "
                                f"or names, got {type(value).__name__} {value!r}")
            return frozenset(enum_member(tp.enum, v, where) for v in value)
        if kind is PropertyKind.BOOL:
            if type(value) is not bool:
                raise TypeError(f"{where}: expected Boolean (bool), got "
                                f"{type(value).__name__} {value!r}")
            return value
        if kind is PropertyKind.INT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{where}: expected Integer (int), got "
                                f"{type(value).__name__} {value!r}")
            return int(value)
        if kind is PropertyKind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{where}: expected Double (float), got "
                                f"{type(value).__name__} {value!r}")
            return float(value)
        if kind is PropertyKind.STR:
            if not isinstance(value, str):
                raise TypeError(f"{where}: expected string (str), got "
                                f"{type(value).__name__} {value!r}")
            return value
        if kind is PropertyKind.BYTES:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise TypeError(f"{where}: expected TBytes (bytes), got {type(value).__name__}")
            return bytes(value)
        # component reference or any other class: an instance or None
        if value is not None and not isinstance(value, tp):
            raise TypeError(f"{where}: expected {type_name(tp)} or None, got "
                            f"{type(value).__name__} {value!r}")
        return value

    @property
    def info(self) -> PropertyInfo:
        return PropertyInfo(
            name=self.name, type=self.type, kind=self.kind, default=self.default,
            stored=self.stored, nodefault=self.nodefault, read_only=self.read_only,
            locked=self.locked, doc=self.doc, has_validator=self.validator is not None)


_SIMPLE_KINDS = {bool: PropertyKind.BOOL, int: PropertyKind.INT, float: PropertyKind.FLOAT,
                 str: PropertyKind.STR, bytes: PropertyKind.BYTES}


def _kind_of(tp: Any) -> PropertyKind:
    if isinstance(tp, SetOf):
        return PropertyKind.SET
    simple = _SIMPLE_KINDS.get(tp)
    if simple is not None:
        return simple
    if not isinstance(tp, type):
        raise TypeError(f"unsupported property type {tp!r}")
    if issubclass(tp, enum.Enum):
        return PropertyKind.ENUM
    if issubclass(tp, ComponentHooks):
        return PropertyKind.COMPONENT
    if issubclass(tp, PersistentHooks):
        return PropertyKind.PERSISTENT
    return PropertyKind.OBJECT


_EMPTY_VALUES: dict[PropertyKind, Any] = {
    PropertyKind.BOOL: False, PropertyKind.INT: 0, PropertyKind.FLOAT: 0.0, PropertyKind.STR: "",
    PropertyKind.BYTES: b"", PropertyKind.SET: frozenset()}


def _empty_value(tp: Any, kind: PropertyKind) -> Any:
    if kind is PropertyKind.ENUM:
        return next(iter(tp))
    return _EMPTY_VALUES.get(kind)


@attrs.frozen
class PropertyInfo:
    """Metadata of one published property (Delphi RTTI, as an Object Inspector shows it)."""

    name: str
    type: Any
    kind: PropertyKind
    default: Any
    stored: bool | Callable[[Any], bool] = True
    nodefault: bool = False
    read_only: bool = False
    locked: bool = False
    doc: str = ""
    has_validator: bool = False

    @property
    def type_name(self) -> str:
        return type_name(self.type)


def _declared(cls: type) -> dict[str, Property]:
    cached = cls.__dict__.get("_fnc_props")
    if cached is not None:
        return cached
    props: dict[str, Property] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Property):
                props[name] = value  # a redeclaration replaces it but keeps its position
    type.__setattr__(cls, "_fnc_props", props)
    return props


def declared_properties(cls: type) -> dict[str, Property]:
    """Name → descriptor of every published property of ``cls`` (declaration order)."""
    return _declared(cls)


def published_properties(cls: type) -> list[PropertyInfo]:
    """The published properties of ``cls`` in declaration order, base classes first."""
    return [p.info for p in _declared(cls).values()]


def is_stored(obj: Any, name: str) -> bool:
    """Whether the form writer writes property ``name`` of ``obj`` (stored, not default)."""
    prop = _declared(type(obj))[name]
    stored = prop.stored
    if callable(stored):
        stored = stored(obj)
    if not stored or prop.kind is PropertyKind.PERSISTENT:
        return bool(stored)
    if prop.read_only:
        return False
    value = getattr(obj, name)
    if prop.nodefault:
        return True
    return bool(value != prop.default)


def _resolve_path(obj: Any, path: str) -> tuple[Any, str]:
    parts = path.split(".")
    target = obj
    for i, part in enumerate(parts[:-1]):
        prop = _declared(type(target)).get(part)
        if prop is None or prop.kind is not PropertyKind.PERSISTENT:
            where = ".".join(parts[: i + 1])
            raise EPropertyError(f"Invalid property path {path!r}: {where!r} is not a nested "
                                 f"persistent property of {type(target).__name__}")
        target = getattr(target, part)
    return target, parts[-1]


def get_property(obj: Any, path: str) -> Any:
    """Read a published property by dotted path (``"HeartBeat.Interval"``)."""
    target, name = _resolve_path(obj, path)
    if name not in _declared(type(target)):
        raise EPropertyError(f"Unknown property: {name!r} of {type(target).__name__}")
    return getattr(target, name)


def set_property(obj: Any, path: str, value: Any) -> None:
    """Assign a published property by dotted path, with the usual type checks."""
    target, name = _resolve_path(obj, path)
    if name not in _declared(type(target)):
        raise EPropertyError(f"Unknown property: {name!r} of {type(target).__name__}")
    setattr(target, name, value)


# -- ready-made validators ------------------------------------------------------------------

def in_range(low: int | float, high: int | float) -> Validator:
    """Validator: the value lies in ``[low, high]``."""

    def check(_obj: Any, value: Any) -> str | None:
        if not low <= value <= high:
            return f"{value!r} is out of range {low}..{high}"
        return None

    return check


def at_least(low: int | float) -> Validator:
    """Validator: the value is ``>= low``."""

    def check(_obj: Any, value: Any) -> str | None:
        return None if value >= low else f"{value!r} is below the minimum {low}"

    return check


def not_empty(_obj: Any, value: Any) -> str | None:
    """Validator: the value is not empty."""
    return None if value else "must not be empty"
