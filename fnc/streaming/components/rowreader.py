"""Assigning a block's one-line properties straight from the parser's rows.

:func:`~fnc.streaming.syntax.parser.parse_rows` keeps a block made of one-line properties as
the rows its line pattern matched (:class:`~fnc.streaming.syntax.rowtree.RowsObjectNode`).
:meth:`RowAssigner.read_rows_of` assigns them with no syntax node built for the common cases: an
integer, string, float, Boolean or enum name for a published property of the component itself,
a component reference (fixed up later), a method name for an event, an integer design-time
value. Each of those does what :meth:`PropertyAssigner.read_one` does with the node the row
stands for; any other row (a value of another type, a dotted path, an unknown name, a method
that is not found...) is turned into that node and given to ``read_one`` itself, so errors,
hooks and messages are the general path's.

Component layer (used by the read session).
"""

from __future__ import annotations

from typing import Any

from fnc.component import TComponent
from fnc.events import Event, _EventState
from fnc.properties import PropertyKind
from fnc.streaming.components.propertyreader import (
    _UNDOTTED_DESIGN_TIME,
    HANDLER_NAMES_KEY,
    HEADER_KEY,
    NIL_EVENTS_KEY,
    ORDER_KEY,
    PropertyAssigner,
    Scope,
    Skip,
    dispatch,
)
from fnc.streaming.syntax.lexer import Source
from fnc.streaming.syntax.rows import row_property, row_string

__all__ = ["RowAssigner", "row_slots"]

#: Identifiers that are not an identifier value (``True``/``False``/``nil``), lower case.
_WORD_VALUES = {"true": True, "false": False, "nil": None}
_NONE: Any = object()


class _Folded(dict):  # type: ignore[type-arg]
    """A path as written -> in lower case (the same string for every row that spells it so,
    for the first ``_FOLDED_LIMIT`` spellings met)."""

    def __missing__(self, path: str) -> str:
        folded = path.lower()
        if len(self) < _FOLDED_LIMIT:
            self[path] = folded
        return folded


_FOLDED = _Folded()
_FOLDED_LIMIT = 4096
_PLAN_LIMIT = 1024
#: What ``Event.__set__`` calls after storing a handler, when no class overrides it.
_NO_HOOK = TComponent.fnc_event_assigned
_new_event_state = _EventState.__new__
_BASE_REFERENCE_CHANGED = TComponent.fnc_reference_changed


#: What a row of a name means for a class: (entry, kind code, whether ``setattr`` reaches the
#: entry's ``__set__``: the class attribute is the entry and the class keeps ``__setattr__``).
_Slot = tuple[Any, int, bool]
_EVENT, _INT, _STR, _FLOAT, _BOOL, _ENUM, _COMPONENT, _DESIGN, _OTHER, _UNKNOWN = range(10)
_CODES = {PropertyKind.INT: _INT, PropertyKind.STR: _STR, PropertyKind.FLOAT: _FLOAT,
          PropertyKind.BOOL: _BOOL, PropertyKind.ENUM: _ENUM, PropertyKind.COMPONENT: _COMPONENT}


def _class_attribute(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def row_slots(cls: type) -> dict[str, _Slot]:
    """Lower-case name -> :data:`_Slot` of every event and published property of ``cls``
    (those of :func:`dispatch`; cached on the class as it is)."""
    cached: dict[str, _Slot] | None = cls.__dict__.get("_fnc_row_slots")
    if cached is None:
        plain_setattr = getattr(cls, "__setattr__", None) is object.__setattr__
        cached = {}
        for folded, entry in dispatch(cls).items():
            code = _EVENT if isinstance(entry, Event) else _CODES.get(entry.kind, _OTHER)
            reaches = plain_setattr and _class_attribute(cls, entry.name) is entry
            cached[folded] = (entry, code, reaches)
        type.__setattr__(cls, "_fnc_row_slots", cached)
    return cached


class _RowTable(dict):  # type: ignore[type-arg]
    """Lower-case path -> what a row of it does to a ``cls`` component, for one read (the
    properties as they are when it starts): ``(code, entry, key, reaches)``.

    ``code``: the entry's kind code (:data:`_OTHER` for a read-only property: the general path
    reports it), :data:`_DESIGN` for a design-time name ``cls`` has no property for, else
    :data:`_UNKNOWN`. ``key``: where ``Property.__set__`` stores a value of the kind's own type as
    it is (a plain, writable property ``setattr`` reaches), or for a reference where
    ``set_stored`` stores it (no custom setter, lock or ``fnc_reference_changed``); else None.
    """

    __slots__ = ("plain_events", "plain_references", "plans", "slots")

    def __init__(self, cls: type) -> None:
        super().__init__()
        self.slots = row_slots(cls)
        #: The paths of a block as written -> what :meth:`plan` returns for them.
        self.plans: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[Any, ...]]] = {}
        # Event.__set__ then only stores the handler (see the event rows).
        self.plain_events = cls.fnc_event_assigned is _NO_HOOK
        # A reference then only needs storing and the free notification (see fix_up).
        self.plain_references = cls.fnc_reference_changed is _BASE_REFERENCE_CHANGED

    def __missing__(self, folded: str) -> tuple[int, Any, str | None, bool]:
        found = self.slots.get(folded)
        if found is None:
            slot = (_DESIGN if folded in _UNDOTTED_DESIGN_TIME else _UNKNOWN, None, None, False)
        else:
            entry, code, reaches = found
            key = None
            if code == _EVENT:
                pass
            elif entry.read_only:
                code = _OTHER
            elif code == _COMPONENT:
                if (reaches and self.plain_references and entry.fset is None
                        and not entry.locked):
                    key = entry.key
            elif reaches and entry._direct is not None:
                key = entry.key
            slot = (code, entry, key, reaches)
        self[folded] = slot
        return slot

    def plan(self, paths: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """What a block whose rows have ``paths`` does: the paths in lower case (the order the
        writer keeps) and each row's slot; blocks alike (as a form's components mostly are)
        share it, up to ``_PLAN_LIMIT`` kinds of block."""
        found = self.plans.get(paths)
        if found is None:
            order = tuple(map(_FOLDED.__getitem__, paths))
            found = (order, tuple(map(self.__getitem__, order)))
            if len(self.plans) < _PLAN_LIMIT:
                self.plans[paths] = found
        return found


class RowAssigner(PropertyAssigner):
    """The row half of a read session (see the module doc)."""

    #: What :meth:`row_handler` gave so far for each method name as spelled, for the scope
    #: whose ``handlers`` tuple is kept beside.
    _row_handlers: dict[str, Any] | None = None
    _row_handlers_of: Any = None
    #: Class -> its :class:`_RowTable` for this read.
    _row_tables: dict[type, _RowTable] | None = None

    def read_rows_of(self, component: TComponent, paths: list[str], values: list[str],
                     line: int, source: Source, scope: Scope) -> None:
        """Assign the properties of the rows of ``paths`` and ``values`` (the first on the line
        after ``line``) to ``component`` in file order, as :meth:`read_properties_of` assigns
        their nodes."""
        if not paths:
            return
        cls = type(component)
        tables = self._row_tables
        if tables is None:
            tables = self._row_tables = {}
        table = tables.get(cls)
        if table is None:
            table = tables[cls] = _RowTable(cls)
        state = component.__dict__
        order, slots = table.plan(tuple(paths))
        state[ORDER_KEY] = order  # kept for the writer
        handlers = self._row_handlers
        if handlers is None or self._row_handlers_of is not scope.handlers:
            handlers = self._row_handlers = {}
            self._row_handlers_of = scope.handlers
        words = _WORD_VALUES
        plain_events = table.plain_events
        names: dict[str, tuple[str, Any]] | None = None
        nil_events: set[str] | None = None
        index = -1
        try:
            # A row's value tells its kind by its first character (see syntax.rows): a number
            # from "-" to "9" (a float has a "."), a string from "'" or "#", a hex number from
            # "$", an identifier from a letter or "_" (above "A").
            for index, value in enumerate(values):
                code, entry, key, reaches = slots[index]
                first = value[0]
                plain = _NONE
                try:
                    if code == _EVENT:
                        if first >= "A":
                            found = handlers.get(value, _NONE)
                            if found is _NONE:
                                found = handlers[value] = self.row_handler(value, scope)
                            if found is not None:
                                handler, spelled = found
                                if reaches and plain_events and entry.key not in state:
                                    event_state = _new_event_state(_EventState)  # as __set__
                                    event_state.handler = handler
                                    event_state.signal = None
                                    state[entry.key] = event_state
                                elif reaches:
                                    entry.__set__(component, handler)
                                else:
                                    setattr(component, entry.name, handler)
                                # remember_handler(component, entry, value, handler):
                                if names is None:
                                    names = state.get(HANDLER_NAMES_KEY)
                                    if names is None:
                                        names = state[HANDLER_NAMES_KEY] = {}
                                    header = state.get(HEADER_KEY)
                                    if header is not None and header[0] == "inherited":
                                        nil_events = state.setdefault(NIL_EVENTS_KEY, set())
                                names[entry.name] = spelled
                                if nil_events is not None:
                                    nil_events.add(entry.name)
                                continue
                    elif code == _INT:
                        if "-" <= first <= "9":
                            if "." not in value:
                                plain = int(value)
                        elif first == "$":
                            plain = int(value[1:], 16)
                    elif code == _STR:
                        if first == "'" or first == "#":
                            plain = row_string(value, source)
                    elif code == _DESIGN:
                        if "-" <= first <= "9" and "." not in value:
                            component.DesignInfo[paths[index]] = int(value)
                            continue
                    elif code == _FLOAT:
                        if "-" <= first <= "9":
                            if "." not in value:
                                plain = float(int(value))  # (0.0 for -0, as Delphi reads it)
                            elif value[-1] <= "9":
                                plain = float(value)
                            elif value[-1] not in "cC":  # s or d: a plain float
                                plain = float(value[:-1])
                    elif code >= _OTHER:  # (or _UNKNOWN)
                        pass
                    elif first >= "A":  # an identifier
                        if code == _BOOL:
                            plain = words.get(value.lower(), _NONE)
                            if plain is None:
                                plain = _NONE
                        elif value.lower() not in words:  # an identifier value
                            if code == _ENUM:
                                plain = value
                            else:  # _COMPONENT
                                self.fixups.append((
                                    component, component, entry, value,
                                    (line + index + 1, source), paths[index], scope.owner,
                                    key is not None))
                                continue
                    if plain is _NONE:
                        self.read_one(component, row_property(paths[index], value,
                                                               line + index + 1, source),
                                      dispatch(cls), scope)
                    elif key is not None:
                        # plain is of the kind's own type (an int for _INT...), so this is
                        # Property.__set__'s first case: it stores the value as it is
                        state[key] = plain
                    else:
                        try:
                            setattr(component, entry.name, plain)
                        except Exception as exc:
                            self.recoverable(self.error(
                                component, paths[index], str(exc),
                                row_property(paths[index], value, line + index + 1, source)))
                except Skip:
                    continue
        except BaseException:
            state[ORDER_KEY] = order[:index + 1]  # the paths read so far (a read stops here)
            raise

    def row_handler(self, ident: str, scope: Scope) -> tuple[Any, tuple[str, Any]] | None:
        """For an event row's identifier: the handler :meth:`find_row_handler` finds and what
        the writer remembers of it, ``(ident, handler)``; None when the general path decides
        (no such method, a dotted name, ``nil``, ``True``/``False``)."""
        if "." in ident or ident.lower() in _WORD_VALUES:
            return None
        handler = self.find_row_handler(ident, scope)
        return None if handler is None else (handler, (ident, handler))

    def find_row_handler(self, method_name: str, scope: Scope) -> Any:
        """The handler :meth:`bind_event` binds for ``method_name`` when one of the scope's
        handler objects has that method; else None (``bind_event`` then decides)."""
        folded = method_name.lower()
        for instance, methods in scope.handlers:
            real = methods.get(folded)
            if real is not None:
                handler = getattr(instance, real)
                return handler if callable(handler) else None
        return None
