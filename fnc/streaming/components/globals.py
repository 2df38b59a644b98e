"""Globally findable roots and cross-root reference fix-ups (Delphi's ``FindGlobalComponent``
and ``GlobalFixupReferences``).

A root loaded from a form file, and every component Application owns, can be found by name. A
reference such as ``DataSource = DataModule1.DataSource1`` whose root is not loaded yet waits
here (its component carries ``csFixups``) and is resolved when that root finishes loading.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeGuard

from fnc.application import Application
from fnc.component import TComponent, csFixups

__all__ = ["FindGlobalComponent", "find_reference", "pending_fixups"]

_lock = threading.RLock()
_roots: list[weakref.ref[TComponent]] = []


def _alive(component: TComponent | None) -> TypeGuard[TComponent]:
    return component is not None and not component.is_destroyed


def register_root(root: TComponent) -> None:
    """Make ``root`` findable by :func:`FindGlobalComponent` while it lives."""
    with _lock:
        _roots[:] = [r for r in _roots if _alive(r())]
        if not any(r() is root for r in _roots):
            _roots.append(weakref.ref(root))


#: Held while a root read from a form file takes its name (:func:`unique_root_name`).
root_name_lock = threading.Lock()


def unique_root_name(name: str, root: TComponent) -> str:
    """``name``, or the first of ``name_1``, ``name_2``... that no other global root and no
    other component of ``root``'s owner has (hold :data:`root_name_lock` until it is set)."""
    owner = root.Owner
    candidate, n = name, 0
    while True:
        other = FindGlobalComponent(candidate)
        if other is None and owner is not None:
            other = owner.FindComponent(candidate)
        if other is None or other is root:
            return candidate
        n += 1
        candidate = f"{name}_{n}"


def FindGlobalComponent(Name: str) -> TComponent | None:
    """A live root named ``Name`` (case-insensitive): Application's components first, then roots
    loaded from form files. None when there is none."""
    if not Name:
        return None
    found = Application.FindComponent(Name)
    if _alive(found):
        return found
    folded = Name.lower()
    with _lock:
        for ref in _roots:
            root = ref()
            if _alive(root) and root.Name.lower() == folded:
                return root
    return None


def find_reference(root: TComponent, path: str) -> TComponent | None:
    """Resolve a reference written in a form file, relative to ``root``.

    Each dotted segment is an owned component's name; ``Owner`` stands for the current root.
    When the first segment does not resolve inside ``root`` it names another global root.
    """
    parts = path.split(".")
    found = _walk(root, parts)
    if found is None:
        other = FindGlobalComponent(parts[0])
        if other is not None:
            found = _walk(other, parts[1:])
    return found


def _walk(start: TComponent, parts: list[str]) -> TComponent | None:
    current: TComponent | None = start
    for part in parts:
        if current is None:
            return None
        if part.lower() != "owner":
            current = current.FindComponent(part)
    return current


class _Pending:
    __slots__ = ("assign", "component", "path", "root")

    def __init__(self, component: TComponent, root: TComponent, path: str,
                 assign: Callable[[TComponent], None]) -> None:
        self.component = weakref.ref(component)
        self.root = weakref.ref(root)
        self.path = path
        self.assign = assign


_pending: list[_Pending] = []


def add_pending(component: TComponent, root: TComponent, path: str,
                assign: Callable[[TComponent], None]) -> None:
    """Remember a reference to a root not loaded yet; ``component`` gets ``csFixups``."""
    with _lock:
        _pending.append(_Pending(component, root, path, assign))
    component.SetComponentState(csFixups, True)


def resolve_pending() -> None:
    """Retry every waiting reference (after a root finished loading)."""
    with _lock:
        entries = list(_pending)
    done: list[_Pending] = []
    for entry in entries:
        component, root = entry.component(), entry.root()
        if not _alive(component) or not _alive(root):
            done.append(entry)
            continue
        target = find_reference(root, entry.path)
        if target is not None:
            done.append(entry)
            try:
                entry.assign(target)
            except Exception as exc:  # the loading root is not to blame: report, go on
                Application.HandleException(exc, component)
    with _lock:
        for entry in done:
            if entry in _pending:
                _pending.remove(entry)
        waiting = {id(e.component()) for e in _pending}
    for entry in done:
        component = entry.component()
        if _alive(component) and id(component) not in waiting:
            component.SetComponentState(csFixups, False)


def pending_fixups() -> list[tuple[TComponent, str]]:
    """The references still waiting for their root: ``(component, 'Root.Name')`` pairs."""
    with _lock:
        return [(c, e.path) for e in _pending if _alive(c := e.component())]
