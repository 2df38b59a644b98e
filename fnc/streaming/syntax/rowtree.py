"""Blocks whose one-line properties are kept as the rows the parser matched.

:func:`~fnc.streaming.syntax.parser.parse_rows` builds these instead of
:class:`~fnc.streaming.syntax.tree.ObjectNode` so that a reader which assigns values straight
from the text (the component reader) builds no node per property. A :class:`RowsObjectNode` has
the fields of an ``ObjectNode``; its ``properties`` are built from the rows when asked for, the
same nodes with the same positions as :func:`~fnc.streaming.syntax.parser.parse_text` gives, and
:meth:`RowsObjectNode.to_tree` returns the ``ObjectNode`` tree ``parse_text`` returns.

Syntax layer: no component knowledge.
"""

from __future__ import annotations

from fnc.streaming.syntax.lexer import Source
from fnc.streaming.syntax.lines import Row, rows_to_properties
from fnc.streaming.syntax.tree import ObjectKind, ObjectNode, PropertyNode, new_object

__all__ = ["RowsObjectNode"]


class RowsObjectNode:
    """One block: ``class_name``, ``name``, ``kind``, ``index``, ``children``, ``line``, ``col``
    as in :class:`ObjectNode`, and either ``rows`` (the block's properties as rows, the first
    on the line after ``rows_line``) or, when ``rows`` is None, ``properties`` as nodes.

    Not to be changed after the parser built it.
    """

    __slots__ = ("_properties", "children", "class_name", "col", "index", "kind", "line",
                 "name", "rows", "rows_line", "source")

    def __init__(self, class_name: str, name: str, kind: ObjectKind, index: int | None,
                 children: list[ObjectNode | RowsObjectNode], line: int, col: int,
                 rows: tuple[list[Row], int] | None, properties: list[PropertyNode],
                 source: Source) -> None:
        self.class_name = class_name
        self.name = name
        self.kind = kind
        self.index = index
        self.children = children
        self.line = line
        self.col = col
        self.source = source
        self._properties: tuple[PropertyNode, ...] | None
        if rows is None:
            self.rows: list[Row] | None = None
            self.rows_line = 0
            self._properties = tuple(properties)
        else:
            self.rows, self.rows_line = rows
            self._properties = None

    @property
    def properties(self) -> tuple[PropertyNode, ...]:
        """The block's properties as nodes (built from the rows on first use)."""
        if self._properties is None:
            found = rows_to_properties(self.rows, self.rows_line,  # type: ignore[arg-type]
                                       self.source)
            if found is None:  # parse_rows keeps rows only where every row converts
                raise AssertionError("a row that does not convert was kept")
            self._properties = tuple(found)
        return self._properties

    def to_tree(self) -> ObjectNode:
        """The equivalent :class:`ObjectNode` tree (what ``parse_text`` returns)."""
        return new_object(self.class_name, self.name, self.kind, self.index, self.properties,
                          tuple(child.to_tree() for child in self.children), self.line,
                          self.col)

    def __repr__(self) -> str:
        return f"<RowsObjectNode {self.kind} {self.name}: {self.class_name}>"
