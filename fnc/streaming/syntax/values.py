"""Conversions between syntax-tree values and plain Python values.

Used for values the component model does not type: placeholders' properties and design-time
values kept in ``DesignInfo``. Typed published properties are converted by the reader itself.
"""

from __future__ import annotations

from typing import Any

from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    Float,
    Ident,
    Integer,
    List,
    Nil,
    Set,
    String,
    Value,
)

__all__ = ["is_plain_round_trip", "node_from_plain", "plain_value"]


def plain_value(node: Value) -> Any:
    """The Python value of a syntax node.

    Integer -> int, Float -> float (Currency divided by 10000), String -> str, Bool -> bool,
    Nil -> None, Binary -> bytes, Ident -> str, Set -> tuple of names, List -> list; a Collection
    is returned as the node itself.
    """
    match node:
        case Integer(value=v) | String(value=v) | Bool(value=v) | Ident(value=v):
            return v
        case Float(value=v, suffix="c"):
            return v / 10000
        case Float(value=v):
            return v
        case Nil():
            return None
        case Binary(data=data):
            return data
        case Set(items=items):
            return tuple(items)
        case List(items=items):
            return [plain_value(item) for item in items]
        case Collection():
            return node
    raise TypeError(f"not a syntax value: {node!r}")


def is_plain_round_trip(node: Value) -> bool:
    """Whether ``node_from_plain(plain_value(node)) == node`` (simple scalars)."""
    match node:
        case Integer() | String() | Bool() | Nil() | Binary() | Float(suffix=""):
            return True
    return False


def node_from_plain(value: Any) -> Value:
    """The syntax node for a plain Python value (a node passes through unchanged)."""
    if isinstance(value, Integer | Float | String | Ident | Bool | Nil | Set | List | Collection
                  | Binary):
        return value
    if value is None:
        return Nil()
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, int):
        return Integer(value)
    if isinstance(value, float):
        return Float(value)
    if isinstance(value, str):
        return String(value)
    if isinstance(value, bytes | bytearray):
        return Binary(bytes(value))
    if isinstance(value, list):
        return List([node_from_plain(item) for item in value])
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a form-file value")
