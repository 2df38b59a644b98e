"""The extension interface: what fnc's lower layers ask of the objects they serve.

``fnc.properties``, ``fnc.events`` and ``fnc.threads`` know nothing of components. They talk to
the objects that carry properties and events through the two small base classes below, and
nothing else: no attribute is looked up by a private name, no instance storage of another module
is read. ``TPersistent`` implements :class:`PersistentHooks` and ``TComponent`` implements
:class:`ComponentHooks`; a component class customises the framework by overriding these methods
(each has a working default)::

    class TSensor(TComponent):
        AutoSyncEvents = Property(bool, True)

        def fnc_event_queue(self):           # which thread the events go to
            return self.home_queue if self.AutoSyncEvents else None

        def fnc_check_inactive(self, name):  # may a ``locked`` property change now?
            if self.Active:
                raise EPropertyError(f"cannot change {name} while active")

The bases are plain classes (no ``abc``/``Protocol`` metaclass), so ``isinstance`` checks on
components stay as cheap as on any class. Where a lower layer must reach a higher one (a handler's
exception goes to ``Application.OnException``; ``Application.CreateForm`` reads a form file), the
higher layer installs a hook when it is imported: see :func:`fnc.events.set_exception_handler`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # annotations only: fnc.threads is on the same layer
    from fnc.threads import MessageQueue

__all__ = ["ComponentHooks", "PersistentHooks"]


class PersistentHooks:
    """What ``fnc.properties``, ``fnc.events`` and ``fnc.threads`` ask of an object with
    published properties and events (``TPersistent``; collection items have events too).

    A property whose type derives from this class (and not from :class:`ComponentHooks`) is a
    *nested* property (``HeartBeat``, ``Font``, a ``TCollection``): each owner gets its own
    instance, created with the owner, and assignment copies values through ``Assign``.
    All hooks run on the thread that assigns the property.
    """

    __slots__ = ()

    is_destroyed: bool = False
    """True once the object was freed: its events and queued calls are dropped. A plain
    attribute (the owner sets it when freed), because every fired event reads it."""

    def fnc_event_queue(self) -> MessageQueue | None:
        """The message queue events fired on another thread are queued to, or None to run
        handlers on the firing thread. Called by the firing thread, on every marshaled fire."""
        return None

    def fnc_event_assigned(self, name: str) -> None:
        """The handler of event ``name`` was assigned or cleared (on the assigning thread)."""

    def fnc_check_inactive(self, name: str) -> None:
        """Raise when the ``locked`` property ``name`` may not change now (default: it may)."""

    def fnc_reference_changed(self, old: Any, new: Any) -> None:
        """A component-reference property changed from ``old`` to ``new`` (default: nothing)."""

    def fnc_bind_property(self, name: str) -> None:
        """This object was just created as the value of its owner's nested property ``name``."""

    def fnc_collect_problems(self, prefix: str, problems: list[tuple[str, str]]) -> None:
        """Append ``(property path, problem)`` for every unusable value (``Validate``)."""

    def Assign(self, Source: Any) -> None:
        """Copy ``Source`` into this object (nested properties are assigned through it)."""
        raise NotImplementedError


class ComponentHooks(PersistentHooks):
    """What the framework asks of a component (``TComponent``) beyond :class:`PersistentHooks`.

    A property whose type derives from this class holds a *reference* to a component owned
    elsewhere. Events of an object are raised through :meth:`fnc_event_queue`; calls queued on
    its behalf are dropped once :attr:`is_destroyed` is true.
    """

    __slots__ = ()

    fnc_repr_props: ClassVar[tuple[str, ...]] = ()
    """Property names ``repr`` shows after the class and the name."""

    def fnc_validation_error(self, problems: list[tuple[str, str]]) -> Exception:
        """The exception ``Validate`` raises for ``problems`` (the component's own class)."""
        raise NotImplementedError

    def fnc_release_unfreed(self) -> None:
        """Run when an unfreed object is garbage-collected: stop the threads it owns."""
