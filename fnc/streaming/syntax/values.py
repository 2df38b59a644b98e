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
    cls = type(node)
    if cls is Integer or cls is String or cls is Bool or cls is Ident:
        return node.value  # type: ignore[union-attr]
    if cls is Float:
        return node.value / 10000 if node.suffix == "c" else node.value  # type: ignore[union-attr]
    if cls is Nil:
        return None
    if cls is Binary:
        return node.data  # type: ignore[union-attr]
    if cls is Set:
        return tuple(node.items)  # type: ignore[union-attr]
    if cls is List:
        return [plain_value(item) for item in node.items]  # type: ignore[union-attr]
    if cls is Collection:
        return node
    raise TypeError(f"not a syntax value: {node!r}")


def is_plain_round_trip(node: Value) -> bool:
    """Whether ``node_from_plain(plain_value(node)) == node`` (simple scalars)."""
    cls = type(node)
    return cls in (Integer, String, Bool, Nil, Binary) or (cls is Float and node.suffix == "")  # type: ignore[union-attr]


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
