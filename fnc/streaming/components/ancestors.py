"""Ancestor form files: which file a form class inherits from, and what reading left behind.

Delphi compiles each form class's form file into the program; reading a form whose class
derives from another form class reads the ancestor's file first (``InitInheritedComponent``),
then the descendant's ``inherited``/``inline`` deltas. Here a class names its form file with
``RegisterFormFile(cls, path)`` or the class attribute ``form_file``; otherwise the file is
looked for by name (``<Unit>.dfm``, ``<ClassName>.dfm``, ``<ClassName without T>.dfm``, also
``.fmx``/``.lfm``), and its root class must be the class's name:

1. beside the descendant's file (the folder of the file being read),
2. in the reader's ``search_path`` folders, in order,
3. where ``find_form_file`` looks (beside the class's module,
   ``designer_specs/``).

The ancestor of a form class is its nearest base class (below ``TForm``, ``TDataModule``,
``TFrame`` and the framework's own classes) that has a form file; a frame's children come from
the frame class's own form file. A component read from an ``inherited`` block whose ancestor
could not be found (non-strict reading) is marked: :func:`from_missing_ancestor`.

This module belongs to the component layer (it knows form classes).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from fnc.component import TComponent
from fnc.forms import TFrame
from fnc.streaming.components.formlookup import (
    FORM_EXTENSIONS,
    find_form_file,
    registered_form_file,
    root_class_name,
)

__all__ = [
    "ANCESTRY_KEY", "MISSING_ANCESTOR_KEY", "ancestor_form", "class_form_file", "frame_class",
    "from_missing_ancestor", "set_child_order",
]

#: On a root or frame read from a file: the ``(class, path)`` of the form file its ancestors
#: came from (nearest first), or ``()`` when none was found; kept for the writer.
ANCESTRY_KEY = "_fnc_form_ancestry"
#: On a component created from an ``inherited`` block whose ancestor was not found.
MISSING_ANCESTOR_KEY = "_fnc_missing_ancestor"
#: Folders searched, kept on a root read from a file so the writer finds the same ancestors.
SEARCH_KEY = "_fnc_form_search"

_FRAMEWORK_PACKAGES = ("fnc", "fnc_websocket")


def from_missing_ancestor(Component: TComponent) -> bool:
    """Whether ``Component`` was created from an ``inherited`` (or ``inline``) block whose
    ancestor form file was not available, so its values are only those the file gave."""
    return bool(Component.__dict__.get(MISSING_ANCESTOR_KEY))


def _names(cls: type) -> list[str]:
    import sys

    names: list[str] = []
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    if filename:
        names.append(Path(filename).stem)
    names.append(cls.__name__)
    if cls.__name__[:1] in "Tt" and len(cls.__name__) > 1:
        names.append(cls.__name__[1:])
    return list(dict.fromkeys(names))


def class_form_file(cls: type, folders: Iterable[str | os.PathLike[str]] = ()) -> Path | None:
    """The form file of ``cls``: registered or ``form_file``, else by name in ``folders``
    (whose root class must be ``cls``'s name), else :func:`find_form_file`. None: no file."""
    explicit = registered_form_file(cls)
    if explicit is not None:
        return explicit if explicit.is_file() else None
    wanted = cls.__name__.lower()
    for folder in folders:
        base = Path(folder)
        for name in _names(cls):
            for ext in FORM_EXTENSIONS:
                path = base / (name + ext)
                if path.is_file():
                    found = root_class_name(path)
                    if found is not None and found.lower() == wanted:
                        return path
    return find_form_file(cls)


def _is_framework(cls: type) -> bool:
    return cls.__module__.split(".", 1)[0] in _FRAMEWORK_PACKAGES


def ancestor_form(cls: type, folders: Sequence[str | os.PathLike[str]] = ()
                  ) -> tuple[type, Path] | None:
    """The nearest base class of ``cls`` with a form file, and that file; None when there is
    none (the framework's classes have none)."""
    for base in cls.__mro__[1:]:
        if base is object or _is_framework(base) or not issubclass(base, TComponent):
            continue
        path = class_form_file(base, folders)
        if path is not None:
            return base, path
    return None


def reading_folders(filename: str | None, search_path: Sequence[str | os.PathLike[str]]
                    ) -> list[str]:
    """The folders ancestor files are looked for in: the read file's, then ``search_path``."""
    folders: list[str] = []
    if filename:
        folders.append(os.path.dirname(os.path.abspath(filename)))
    folders.extend(os.fspath(p) for p in search_path)
    return folders


def _group(component: TComponent, owner: TComponent) -> TComponent | None:
    parent = component.GetParentComponent()
    return parent if parent is not None and parent.Owner is owner else None


def set_child_order(component: TComponent, index: int) -> None:
    """Move ``component`` to position ``index`` among its parent's children (Delphi's
    ``SetChildOrder``): the components its owner owns with the same parent, in order."""
    owner = component.Owner
    if owner is None:
        return
    group = _group(component, owner)
    others = [c for c in owner.Components if c is not component and _group(c, owner) is group]
    rest = [c for c in owner.Components if c is not component]
    if index >= len(others):
        position = rest.index(others[-1]) + 1 if others else len(rest)
    else:
        position = rest.index(others[max(index, 0)])
    component.ComponentIndex = position


_frame_lock = threading.Lock()
_frame_classes: dict[str, type[TFrame]] = {}


def frame_class(class_name: str) -> type[TFrame]:
    """The generated TFrame subclass standing for the unknown frame class ``class_name``."""
    with _frame_lock:
        cls = _frame_classes.get(class_name)
        if cls is None:
            cls = type(class_name, (TFrame,), {
                "__module__": "fnc.streaming.components.placeholders",
                "__doc__": f"Stands for the unknown frame class {class_name}.",
            })
            _frame_classes[class_name] = cls
        return cls
