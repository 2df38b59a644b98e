"""Placeholder components for classes this project does not implement (``TButton``, ``TMemo``...).

Real Delphi forms are full of visual controls. When the reader meets an unknown class (and strict
mode is off) it creates a :class:`TPlaceholderComponent` subclass named like the original class,
owned by the root like any component, nested under its parent, and keeping every property value
as it was written (syntax nodes, in file order), events included. The writer writes them back
unchanged, so a round trip loses nothing and the non-visual components of the same form work.
"""

from __future__ import annotations

import threading
from typing import Any

from fnc.component import TComponent
from fnc.streaming.syntax.tree import Value
from fnc.streaming.syntax.values import plain_value

__all__ = ["TPlaceholderComponent", "placeholder_class"]


class TPlaceholderComponent(TComponent):
    """Stands for a component class that is not implemented here; keeps its streamed values.

    ``StreamedProperties`` maps each property path (``'Caption'``, ``'Font.Style'``,
    ``'OnClick'``) to the syntax node read from the form file, in file order.
    """

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        self.StreamedProperties: dict[str, Value] = {}
        super().__init__(AOwner, **props)

    def HasParent(self) -> bool:
        return True

    def StreamedValue(self, Path: str) -> Any:
        """The Python value of streamed property ``Path`` (case-insensitive); KeyError if absent.

        Integers, floats, strings, booleans and bytes come back as such; identifiers as str,
        sets as tuples of names, lists as lists, ``nil`` as None.
        """
        wanted = Path.lower()
        for path, node in self.StreamedProperties.items():
            if path.lower() == wanted:
                return plain_value(node)
        raise KeyError(Path)

    def __repr__(self) -> str:
        if self.is_destroyed:
            return super().__repr__()
        name = f" {self.Name}" if self.Name else ""
        return f"<{type(self).__name__}{name} (placeholder, {len(self.StreamedProperties)} values)>"


_lock = threading.Lock()
_classes: dict[str, type[TPlaceholderComponent]] = {}


def placeholder_class(class_name: str) -> type[TPlaceholderComponent]:
    """The placeholder subclass named ``class_name`` (one per spelling, created once)."""
    with _lock:
        cls = _classes.get(class_name)
        if cls is None:
            cls = type(class_name, (TPlaceholderComponent,), {
                "__module__": __name__,
                "__doc__": f"Placeholder for the unimplemented class {class_name}.",
            })
            _classes[class_name] = cls
        return cls
