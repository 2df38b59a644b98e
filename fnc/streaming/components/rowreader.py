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
from fnc.events import Event
from fnc.properties import PropertyKind
from fnc.streaming.components.propertyreader import (
    _UNDOTTED_DESIGN_TIME,
    ORDER_KEY,
    PropertyAssigner,
    Scope,
    Skip,
    dispatch,
    set_handler,
)
from fnc.streaming.syntax.lexer import Source, decode_string
from fnc.streaming.syntax.lines import Row, row_property

__all__ = ["RowAssigner", "RowPosition"]

_INT, _STR, _BOOL, _FLOAT, _ENUM, _COMPONENT = (
    PropertyKind.INT, PropertyKind.STR, PropertyKind.BOOL, PropertyKind.FLOAT, PropertyKind.ENUM,
    PropertyKind.COMPONENT)
#: Identifiers that are not an identifier value (``True``/``False``/``nil``), lower case.
_WORD_VALUES = {"true": True, "false": False, "nil": None}
_NONE: Any = object()


class RowPosition:
    """Where a row is, for the messages of a reference fixed up later (``line``, ``col``)."""

    __slots__ = ("col", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col


def row_string(string: str, source: Source) -> str:
    """The value of a row's string (a row :func:`parse_rows` kept: it decodes without error)."""
    if "#" in string or "''" in string or string.count("'") != 2:
        return decode_string(string, source, 0)
    return string[1:-1]


class RowAssigner(PropertyAssigner):
    """The row half of a read session (see the module doc)."""

    def read_rows_of(self, component: TComponent, rows: list[Row], line: int, source: Source,
                     scope: Scope) -> None:
        """Assign the properties of ``rows`` (the first on the line after ``line``) to
        ``component`` in file order, as :meth:`read_properties_of` assigns their nodes."""
        table = dispatch(type(component))
        order: list[str] = []
        if rows:
            component.__dict__[ORDER_KEY] = order
        append = order.append
        words = _WORD_VALUES
        for row in rows:
            line += 1
            _indent, path, integer, hexa, string, ident, number, suffix = row
            folded = path.lower()
            append(folded)
            entry = table.get(folded)
            plain = _NONE
            try:
                if entry is None:
                    if integer and folded in _UNDOTTED_DESIGN_TIME:
                        component.DesignInfo[path] = int(integer)
                        continue
                elif isinstance(entry, Event):
                    if ident and "." not in ident and ident.lower() not in words and \
                            self.bind_row(component, entry, ident, scope):
                        continue
                elif not entry.read_only:
                    kind = entry.kind
                    if kind is _INT:
                        if integer:
                            plain = int(integer)
                        elif hexa:
                            plain = int(hexa, 16)
                    elif kind is _STR:
                        if string:
                            plain = row_string(string, source)
                    elif kind is _FLOAT:
                        if number:
                            if suffix not in ("c", "C"):
                                plain = float(number)
                        elif integer:
                            plain = float(int(integer))
                    elif kind is _BOOL:
                        if ident:
                            plain = words.get(ident.lower(), _NONE)
                            if plain is None:
                                plain = _NONE
                    elif ident and ident.lower() not in words:
                        if kind is _ENUM:
                            plain = ident
                        elif kind is _COMPONENT:
                            self.fixups.append((
                                component, component, entry, ident,
                                RowPosition(line, len(_indent) + 1),  # type: ignore[arg-type]
                                path, scope.owner))
                            continue
                if plain is not _NONE:
                    try:
                        setattr(component, entry.name, plain)  # type: ignore[union-attr]
                    except Exception as exc:
                        self.recoverable(self.error(component, path, str(exc),
                                                    row_property(row, line, source)))
                    continue
                self.read_one(component, row_property(row, line, source), table, scope)
            except Skip:
                continue

    def bind_row(self, component: TComponent, event: Event, method_name: str,
                 scope: Scope) -> bool:
        """Bind the handler named ``method_name`` as :meth:`bind_event` does when the scope
        has it; False (nothing done) when it does not."""
        folded = method_name.lower()
        for instance, methods in scope.handlers:
            real = methods.get(folded)
            if real is not None:
                handler = getattr(instance, real)
                if not callable(handler):
                    return False
                set_handler(component, event, method_name, handler)
                return True
        return False
