"""The rows of a form file: one line each, as :func:`~fnc.streaming.syntax.parser.parse_rows`
keeps them.

A row is what :data:`ROW_RE` matched on one line. ``ROW_RE.split`` gives a flat list: the text
before each row (empty when the row follows the last one directly), then the row's five groups
(None for a group that did not take part):

* a one-line property ``Path = value``: ``path, value, None, None, None``, ``value`` being the
  text of the value as written: an integer (``-12``), ``$`` and hex digits, a string (quoted
  pieces and ``#nnn`` codes), an identifier (dotted or not) or a decimal float with an optional
  ``s``/``d``/``c`` suffix. Its first character tells which: a letter or ``_`` (at or above
  ``"A"``) an identifier, ``'`` or ``#`` a string, ``$`` a hex number, else (``-`` to ``9``) a
  number, a float when it has a ``.``;
* a header ``object Name: Class`` (or ``inherited``/``inline``, no ``[index]``):
  ``None, None, keyword, name, class_name``;
* an ``end``: five Nones.

A block keeps its property rows as two lists side by side, their paths and their values
(:data:`ROW_STRIDE` apart in the flat list: every sixth item from the path's or the value's
place), with no object per row. A row is a whole line, its line break included, and holds no
position: row ``i`` of a block is on the ``i``-th line after its header's, and its column is
found from the text when asked for (:meth:`Source.indent_column`), which only errors and the
conversion to nodes do. Keeping rows this small is what makes reading a large form file fast: a
10,000-component form has 110,000 of them.

Every property row converts: the pattern takes only values that always do (character codes
below ``#1000000`` and ``#$100000``, float exponents of two digits at most); a line with any other
value is no row, and the parser reads it token by token. Syntax layer: no component knowledge.
"""

from __future__ import annotations

import re

from fnc.streaming.syntax.lexer import Source, decode_string
from fnc.streaming.syntax.lines import _IDENT, _KEYWORD, _WS, IDENTS, INF, INTEGERS, ident_value
from fnc.streaming.syntax.tree import (
    PropertyNode,
    Value,
    new_float,
    new_integer,
    new_property,
    new_string,
)

__all__ = [
    "PATH", "ROW_RE", "ROW_STRIDE", "VALUE", "row_property", "row_string", "rows_to_nodes",
    "value_node",
]

#: Items per row in ``ROW_RE.split``'s list, and where in them a row's path and value are.
ROW_STRIDE = 6
PATH = 1
VALUE = 2

_SAFE_CODE = r"[0-9]{1,6}+(?![0-9])|\$[0-9A-Fa-f]{1,5}+(?![0-9A-Fa-f])"
# ASCII: identifiers and keywords of ASCII letters only (about a fifth faster to match, and a
# keyword matches only what the token path's lower() finds); any other line is no row.
#: A row: a whole line, from its start (``^``: the start of the text or after a line break) to
#: its line break included (``\r\n`` or ``\n``), with spaces or tabs around its text.
ROW_RE = re.compile(
    rf"""
    ^ [ \t]*+
    (?: (?!{_KEYWORD}) ({_IDENT}) [ \t]*+ = [ \t]*+
        (   -?[0-9]{{1,18}}+ (?![\w.])
          | \$[0-9A-Fa-f]{{1,16}}+ (?![\w.])
          | (?>(?:'[^'\r\n]*+(?:''[^'\r\n]*+)*+'|\#(?:{_SAFE_CODE}))++) (?!{_WS}\+)
          | (?!{_KEYWORD}){_IDENT}
          | -?[0-9]{{1,100}}\.[0-9]{{1,200}}(?:[eE][+-]?[0-9]{{1,2}})?[sSdDcC]? (?![\w.])
        )
      | ((?i:object|inherited|inline)) [ \t]++ ([^\W\d]\w*+) [ \t]*+ : [ \t]*+ ([^\W\d]\w*+)
      | (?i:end)
    )
    [ \t]*+ \r?\n
    """,
    re.VERBOSE | re.ASCII | re.MULTILINE,
)

def row_string(string: str, source: Source) -> str:
    """The value of a row's string (it decodes without error: see the module doc)."""
    if "#" in string or "''" in string or string.count("'") != 2:
        return decode_string(string, source, 0)
    return string[1:-1]


def value_node(value: str, source: Source) -> Value:
    """The value node of a row's value, as the token path reads it."""
    first = value[0]
    if first >= "A":
        found = IDENTS.get(value) or ident_value(value)
        if found is None:  # (the pattern takes no reserved word as a value)
            raise ValueError(f"{value!r} is not a value")
        return found
    if first == "'" or first == "#":
        return new_string(row_string(value, source))
    if first == "$":
        return new_integer(int(value[1:], 16))
    if "." not in value:
        return INTEGERS.get(value) or new_integer(int(value))
    suffix = value[-1]
    if suffix > "9":  # s, d or c
        number = float(value[:-1])
        suffix = suffix.lower()
    else:
        number = float(value)
        suffix = ""
    if number in INF:  # (cannot happen with two exponent digits)
        raise ValueError(f"{value!r} is out of range")
    return new_float(number, suffix)  # type: ignore[arg-type]


def row_property(path: str, value: str, line: int, source: Source) -> PropertyNode:
    """The property node of a property row on ``line``."""
    return new_property(path, value_node(value, source), line, source.indent_column(line))


def rows_to_nodes(paths: list[str], values: list[str], line: int, source: Source
                  ) -> list[PropertyNode]:
    """The property nodes of property rows (their paths and values), the first on the line
    after ``line``."""
    return [row_property(path, value, line + number, source)
            for number, (path, value) in enumerate(zip(paths, values, strict=True), 1)]
