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

from itertools import compress, pairwise
from operator import not_

from fnc.streaming.syntax.lexer import Source
from fnc.streaming.syntax.rows import PATH, ROW_RE, ROW_STRIDE, VALUE, rows_to_nodes
from fnc.streaming.syntax.tree import ObjectKind, ObjectNode, PropertyNode, new_object

__all__ = ["RowsObjectNode", "flat_tree"]

#: Whitespace of the token grammar (``#1`` to ``#32``).
_BLANKS = "".join(map(chr, range(1, 33)))
_KINDS = {"object": "object", "inherited": "inherited", "inline": "inline"}


class RowsObjectNode:
    """One block: ``class_name``, ``name``, ``kind``, ``index``, ``children``, ``line``, ``col``
    as in :class:`ObjectNode`, and either ``paths`` and ``values`` (the block's properties as
    rows of :mod:`fnc.streaming.syntax.rows`: their paths and their values, the first on the
    line after ``rows_line``) or, when they are None, ``properties`` as nodes.

    Not to be changed after the parser built it.
    """

    __slots__ = ("_col", "_properties", "children", "class_name", "index", "kind", "line",
                 "name", "paths", "rows_line", "source", "values")

    def __init__(self, class_name: str, name: str, kind: ObjectKind, index: int | None,
                 children: list[ObjectNode | RowsObjectNode], line: int, col: int,
                 rows: tuple[list[str], list[str], int] | None,
                 properties: list[PropertyNode], source: Source) -> None:
        self.class_name = class_name
        self.name = name
        self.kind = kind
        self.index = index
        self.children = children
        self.line = line
        self._col = col
        self.source = source
        self._properties: tuple[PropertyNode, ...] | None
        self.paths: list[str] | None
        self.values: list[str] | None
        if rows is None:
            self.paths = self.values = None
            self.rows_line = 0
            self._properties = tuple(properties)
        else:
            self.paths, self.values, self.rows_line = rows
            self._properties = None

    @property
    def col(self) -> int:
        """The header's column (found from the text on first use when the rows of the whole
        file were matched at once)."""
        if not self._col:
            self._col = self.source.indent_column(self.line)
        return self._col

    @property
    def properties(self) -> tuple[PropertyNode, ...]:
        """The block's properties as nodes (built from the rows on first use)."""
        if self._properties is None:
            self._properties = tuple(rows_to_nodes(
                self.paths, self.values, self.rows_line, self.source))  # type: ignore[arg-type]
        return self._properties

    def to_tree(self) -> ObjectNode:
        """The equivalent :class:`ObjectNode` tree (what ``parse_text`` returns)."""
        return new_object(self.class_name, self.name, self.kind, self.index, self.properties,
                          tuple(child.to_tree() for child in self.children), self.line,
                          self.col)

    def __repr__(self) -> str:
        return f"<RowsObjectNode {self.kind} {self.name}: {self.class_name}>"


def flat_tree(source: Source, max_depth: int) -> RowsObjectNode | None:
    """The tree of a form file made only of lines of :data:`ROW_RE` (one-line properties,
    ``object Name: Class`` headers, ``end``), from one ``split`` over the whole text; None when
    the text is anything else (the parser then reads it block by block), including any error.

    Every line must be a row: each row holds exactly one line break (its own) and starts a line,
    so as many rows as line breaks means none was skipped (the texts ``split`` leaves between
    them are all empty), and row ``i`` is on line ``i + 1``.
    """
    text = source.text
    end = len(text)
    while end and text[end - 1] in _BLANKS:  # (rstrip would copy the whole text)
        end -= 1
    stop = text.find("\n", end)
    if stop < 0:  # the last row needs a line break after it
        text += "\n"
        stop = len(text) - 1
    if stop + 1 < len(text):
        text = text[:stop + 1]  # (split takes no end position)
    flat = ROW_RE.split(text)
    rows = len(flat) // ROW_STRIDE
    if not rows or rows != text.count("\n"):
        return None
    # headers and ends: the rows without a path
    marks = list(compress(range(rows), map(not_, flat[PATH::ROW_STRIDE])))
    if marks[0] != 0 or marks[-1] != rows - 1:
        return None
    marks.append(rows)
    root: RowsObjectNode | None = None
    stack: list[RowsObjectNode] = []
    new = RowsObjectNode.__new__
    kinds = _KINDS
    for i, after in pairwise(marks):
        at = i * ROW_STRIDE
        keyword = flat[at + 3]
        if keyword is None:  # end
            if after != i + 1 or not stack:  # properties after a nested block, or a stray end
                return None
            stack.pop()
            if not stack and after != rows:
                return None  # something after the root's end
            continue
        if len(stack) >= max_depth or (root is not None and not stack):
            return None
        node = new(RowsObjectNode)
        node.class_name = flat[at + 5]
        node.name = flat[at + 4]
        kind = kinds.get(keyword) or kinds.get(keyword.lower())
        if kind is None:  # cannot happen (ASCII keywords), but the parser would decide
            return None
        node.kind = kind  # type: ignore[assignment]
        node.index = None
        node.children = []
        node.line = i + 1
        node._col = 0  # (found when asked for)
        node.source = source
        stop = after * ROW_STRIDE
        node.paths = flat[at + ROW_STRIDE + PATH:stop:ROW_STRIDE]
        node.values = flat[at + ROW_STRIDE + VALUE:stop:ROW_STRIDE]
        node.rows_line = i + 1
        node._properties = None
        if stack:
            stack[-1].children.append(node)
        else:
            root = node
        stack.append(node)
    if stack:
        return None  # a block without its end
    return root
