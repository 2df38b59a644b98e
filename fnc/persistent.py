"""TPersistent and TNestedPersistent: objects with published properties (Delphi's ``classes``).

``TPersistent`` is the base of components, collections and nested property objects: ``Assign``
and ``AssignTo``, ``GetOwner``/``GetNamePath`` and the hooks of :mod:`fnc.extension` that
``TComponent.Validate`` uses. ``TNestedPersistent`` is a sub-object property (``Font``,
``HeartBeat``) owned by a component. Both are re-exported by :mod:`fnc.component`.
"""

from __future__ import annotations

from typing import Any

from fnc.exceptions import EConvertError
from fnc.extension import PersistentHooks
from fnc.properties import PropertyKind, declared_properties

__all__ = ["TNestedPersistent", "TPersistent"]


_RENAMED_HOOKS = {
    "_fnc_marshals_events": "fnc_event_queue() (return self.home_queue to queue events there)",
    "_fnc_check_inactive": "fnc_check_inactive()",
    "_fnc_collect_problems": "fnc_collect_problems()",
    "_fnc_validation_error": "fnc_validation_error()",
    "_fnc_release_unfreed": "fnc_release_unfreed()",
    "_fnc_reference_changed": "fnc_reference_changed()",
    "_fnc_event_assigned": "fnc_event_assigned()",
    "_fnc_bind_property": "fnc_bind_property()",
    "_fnc_repr_props": "fnc_repr_props",
}
"""Hook names of earlier versions: a class still defining one gets a TypeError at once."""


class TPersistent(PersistentHooks):
    """Base of everything with published properties (Delphi's ``TPersistent``).

    ``Assign(Source)`` lets the *source* try (``Source.AssignTo(self)``) and raises
    :class:`EConvertError` ("Cannot assign a X to a Y") when neither side knows the other.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for old, new in _RENAMED_HOOKS.items():
            if old in cls.__dict__:  # it would silently never be called
                raise TypeError(f"{cls.__qualname__}.{old}: this hook is now {new} "
                                "(see fnc.extension)")

    def Assign(self, Source: TPersistent | None) -> None:
        """Copy ``Source`` into this object; subclasses handle the classes they know."""
        if Source is None:
            raise EConvertError(f"Cannot assign a Nil to a {type(self).__name__}")
        Source.AssignTo(self)

    def AssignTo(self, Dest: TPersistent) -> None:
        """Copy this object into ``Dest``; the base class knows no destination."""
        raise EConvertError(f"Cannot assign a {type(self).__name__} to a {type(Dest).__name__}")

    def GetOwner(self) -> TPersistent | None:
        """The object that owns this one, for ``GetNamePath`` (None by default)."""
        return None

    def GetNamePath(self) -> str:
        """A path for messages and designers: ``ClassName``, after the owner's path if any."""
        owner = self.GetOwner()
        name = type(self).__name__
        if owner is not None:
            owner_path = owner.GetNamePath()
            if owner_path:
                return f"{owner_path}.{name}"
        return name

    @classmethod
    def ClassName(cls) -> str:
        """The class name, as Delphi's ``ClassName``."""
        return cls.__name__

    def fnc_collect_problems(self, prefix: str, problems: list[tuple[str, str]]) -> None:
        for name, prop in declared_properties(type(self)).items():
            if prop.kind is PropertyKind.PERSISTENT:
                getattr(self, name).fnc_collect_problems(f"{prefix}{name}.", problems)
            elif prop.validator is not None:
                try:
                    problem = prop.validator(self, getattr(self, name))
                except (ValueError, TypeError, OSError) as exc:
                    problem = str(exc)
                if problem:
                    problems.append((prefix + name, problem))

    def fnc_check_inactive(self, name: str) -> None:
        """Hook for ``locked`` properties: raise when they may not change now."""


class TNestedPersistent(TPersistent):
    """A sub-object property (Delphi's ``Font``, ``HeartBeat``): owned by a component.

    ``Assign`` copies every published property from another instance of the same class.
    Locked properties of a nested object follow their owner's "active" lock.
    """

    def __init__(self, AOwner: TPersistent | None = None, **props: Any) -> None:
        self._owner = AOwner
        for name, value in props.items():
            setattr(self, name, value)

    def GetOwner(self) -> TPersistent | None:
        return self._owner

    def GetNamePath(self) -> str:
        owner = self._owner
        if owner is not None:
            for name, prop in declared_properties(type(owner)).items():
                if prop.kind is PropertyKind.PERSISTENT and prop.peek(owner) is self:
                    return f"{owner.GetNamePath()}.{name}"
        return super().GetNamePath()

    def Assign(self, Source: TPersistent | None) -> None:
        if isinstance(Source, type(self)):
            for name, prop in declared_properties(type(self)).items():
                if not prop.read_only:
                    setattr(self, name, getattr(Source, name))
            return
        super().Assign(Source)

    def fnc_check_inactive(self, name: str) -> None:
        if self._owner is not None:
            self._owner.fnc_check_inactive(name)

    def __repr__(self) -> str:
        values = ", ".join(f"{n}={getattr(self, n)!r}" for n in declared_properties(type(self)))
        return f"{type(self).__name__}({values})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in declared_properties(type(self)))

    __hash__ = None  # type: ignore[assignment]
