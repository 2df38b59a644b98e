"""The class registry: which Python classes a form file may name (Delphi's ``RegisterClass``).

Lookups are case-insensitive. Registering the same class twice does nothing; registering a
*different* class under a taken name raises :class:`~fnc.exceptions.EFilerError`. The reader also
resolves classes through the root class's annotated fields (``Client1: TTMSFNCWebsocketClient``),
as Delphi does through a form's published field table. Nothing is ever imported because a form
names it: a class is known only once its module registered it.

fnc's own components (``TComponent``, ``TDataModule``, ``TForm``, ``TFrame``, ``TTimer``) are
registered here; other packages register theirs when imported.
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Iterable

from fnc.component import TComponent, TPersistent
from fnc.exceptions import EClassNotFound, EFilerError
from fnc.forms import TDataModule, TForm, TFrame
from fnc.timer import TTimer

__all__ = [
    "FindClass", "GetClass", "RegisterClass", "RegisterClassAlias", "RegisterClasses",
    "UnRegisterClass", "field_classes", "registered_classes",
]

_lock = threading.Lock()
_classes: dict[str, type[TPersistent]] = {}


def _check(cls: object) -> type[TPersistent]:
    if not isinstance(cls, type) or not issubclass(cls, TPersistent):
        raise TypeError(f"only TPersistent classes can be registered, not {cls!r}")
    return cls


def _add(name: str, cls: type[TPersistent]) -> None:
    key = name.lower()
    with _lock:
        current = _classes.get(key)
        if current is cls:
            return
        if current is not None:
            raise EFilerError(f"A class named {name} already exists")
        _classes[key] = cls


def RegisterClass(AClass: type[TPersistent]) -> None:
    """Make ``AClass`` findable by its ``__name__`` (case-insensitive)."""
    cls = _check(AClass)
    _add(cls.__name__, cls)


def RegisterClasses(AClasses: Iterable[type[TPersistent]]) -> None:
    """``RegisterClass`` for each class."""
    for cls in AClasses:
        RegisterClass(cls)


def RegisterClassAlias(AClass: type[TPersistent], Alias: str) -> None:
    """Make ``AClass`` findable under ``Alias`` as well."""
    _add(Alias, _check(AClass))


def UnRegisterClass(AClass: type[TPersistent]) -> None:
    """Forget ``AClass`` under its name and every alias."""
    with _lock:
        for key in [k for k, v in _classes.items() if v is AClass]:
            del _classes[key]


def GetClass(AClassName: str) -> type[TPersistent] | None:
    """The class registered as ``AClassName`` (case-insensitive), or None."""
    with _lock:
        return _classes.get(AClassName.lower())


def FindClass(AClassName: str) -> type[TPersistent]:
    """The class registered as ``AClassName``; :class:`EClassNotFound` when there is none."""
    cls = GetClass(AClassName)
    if cls is None:
        raise EClassNotFound(f'Class "{AClassName}" not found')
    return cls


def registered_classes() -> dict[str, type[TPersistent]]:
    """A snapshot: lower-case name or alias -> class."""
    with _lock:
        return dict(_classes)


def field_classes(root_class: type) -> dict[str, type[TComponent]]:
    """Component classes named by the annotated fields of ``root_class`` and its bases.

    ``Client1: TTMSFNCWebsocketClient`` makes ``TTMSFNCWebsocketClient`` resolvable while reading
    a form into this class. String annotations are looked up by plain name in the defining module
    (never evaluated).
    """
    found: dict[str, type[TComponent]] = {}
    for klass in reversed(root_class.__mro__):
        annotations = inspect.get_annotations(klass)  # the raw strings: never evaluated
        module = sys.modules.get(klass.__module__)
        namespace = vars(module) if module is not None else {}
        for annotation in annotations.values():
            target = annotation
            if isinstance(annotation, str):
                target = namespace.get(annotation.strip()) if annotation.isidentifier() else None
            if isinstance(target, type) and issubclass(target, TComponent):
                found[target.__name__.lower()] = target
    return found


RegisterClasses([TComponent, TDataModule, TForm, TFrame, TTimer])
