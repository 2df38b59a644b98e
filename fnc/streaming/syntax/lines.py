"""The line patterns of the text form-file parser, and the values of its one-line properties.

A form file is mostly lines of one ``Path = value`` each, an ``object Name: Class`` header or an
``end``. The patterns here match such lines directly (each matches only text the token grammar of
:mod:`fnc.streaming.syntax.lexer` reads the same way); :func:`rows_to_properties` turns the rows of
:data:`LINE_PROPERTY_RE` into property nodes. Syntax layer: no component knowledge.
"""

from __future__ import annotations

import re

from fnc.exceptions import EParserError
from fnc.streaming.syntax.lexer import Source, decode_string
from fnc.streaming.syntax.tree import (
    Bool,
    Integer,
    Nil,
    PropertyNode,
    Value,
    new_float,
    new_ident,
    new_integer,
    new_property,
    new_string,
)

__all__ = [
    "BLOCK_WORD_RE", "END_RE", "IDENTS", "INF", "INTEGERS", "LINE_END_RE", "LINE_PROPERTY_RE",
    "PROPERTY_RUN_RE", "RESERVED_VALUES", "Row", "SECTION_END_RE", "SIMPLE_HEADER_RE",
    "SIMPLE_PROPERTY_RE", "ident_value", "rows_to_properties",
]

RESERVED_VALUES = frozenset(("end", "object", "inherited", "inline"))

_IDENT = r"[^\W\d]\w*+(?:\.[^\W\d]\w*+)*+"
_WS = r"[\x01-\x20]*+"

# Fast paths for the lines most of a form file is made of. Each matches only text that the token
# grammar reads the same way (the same tokens, values and positions); anything else, errors
# included, goes through the token-by-token path.

#: ``Path = value`` with an integer, a decimal float, a string without ``+`` or an identifier.
SIMPLE_PROPERTY_RE = re.compile(
    rf"""
    {_WS} (?P<path>{_IDENT}) {_WS} = {_WS}
    (?:
        (?P<int>-?[0-9]{{1,18}}) (?![\w.])
      | \$ (?P<hex>[0-9A-Fa-f]{{1,16}}) (?![\w.])
      | (?P<string>(?>(?:'[^'\r\n]*+(?:''[^'\r\n]*+)*+'|\#(?:[0-9]++|\$[0-9A-Fa-f]++))++))
        (?!{_WS}\+)
      | (?P<ident>{_IDENT})
      | (?P<float>-?[0-9]{{1,100}}\.[0-9]{{1,200}}(?:[eE][+-]?[0-9]{{1,3}})?)
        (?P<suffix>[sSdDcC])? (?![\w.])
    )
    """,
    re.VERBOSE,
)
#: ``object Name: ClassName`` (any keyword case), without an ``[index]``.
SIMPLE_HEADER_RE = re.compile(
    rf"""
    {_WS} (?P<keyword>[^\W\d]\w*+) (?![\w.]) {_WS}
    (?P<name>[^\W\d]\w*+) (?![\w.]) {_WS} : {_WS}
    (?P<cls>[^\W\d]\w*+) (?![\w.]) (?!{_WS}\[)
    """,
    re.VERBOSE,
)
INF = (float("inf"), float("-inf"))
#: Words that end a block's properties; a value that is one of them is an error.
_KEYWORD = r"(?i:end|object|inherited|inline)(?![\w.])"
#: One property on a line of its own, the way form files are written: after the line break
#: before it (spaces or tabs around), ``Path = value`` with the values of
#: ``SIMPLE_PROPERTY_RE``; groups: indent, path, int, hex, string, ident, float, suffix.
def _property_rest(code: str, exponent: str) -> str:
    """``Path = value`` up to the end of the line; ``code``: the digits of a ``#`` character code
    (and ``$`` hex digits), ``exponent``: those of a float's exponent."""
    return rf"""
    (?!{_KEYWORD}) ({_IDENT}) [ \t]*+ = [ \t]*+
    (?:
        (-?[0-9]{{1,18}}) (?![\w.])
      | \$ ([0-9A-Fa-f]{{1,16}}) (?![\w.])
      | ((?>(?:'[^'\r\n]*+(?:''[^'\r\n]*+)*+'|\#(?:{code}))++))
        (?!{_WS}\+)
      | (?!{_KEYWORD}) ({_IDENT})
      | (-?[0-9]{{1,100}}\.[0-9]{{1,200}}(?:[eE][+-]?{exponent})?) ([sSdDcC])? (?![\w.])
    )
    (?=[ \t]*+\r?\n)
"""


_PROPERTY_REST = _property_rest(r"[0-9]++|\$[0-9A-Fa-f]++", "[0-9]{1,3}")
_LINE_PROPERTY = rf"[ \t]*+ \r?\n ([ \t]*+) {_PROPERTY_REST}"
#: ``end``, ``object``, ``inherited`` or ``inline`` next: the end of a block's properties.
BLOCK_WORD_RE = re.compile(rf"{_WS}{_KEYWORD}")
#: The line break before the next line that starts with 'end' or a nested block: where a
#: block's properties end when they are all one-line properties.
SECTION_END_RE = re.compile(rf"\n[ \t]*+{_KEYWORD}")  # a literal first: a fast search
LINE_END_RE = re.compile(r"[ \t]*+\r?\n")
LINE_PROPERTY_RE = re.compile(_LINE_PROPERTY, re.VERBOSE)
#: A run of such lines: matched once, then split into lines by ``findall`` (no match object,
#: no position lookup per line: each line is one line below the last). When the whole block is
#: made of them, ``SECTION_END_RE`` finds its end and the run is not matched at all.
PROPERTY_RUN_RE = re.compile(rf"(?:{_LINE_PROPERTY})+", re.VERBOSE)
#: Value nodes are immutable: common ones are shared instead of built again for every line.
_CACHE_LIMIT = 4096
INTEGERS: dict[str, Integer] = {str(i): Integer(i) for i in range(-1, 1025)}
IDENTS: dict[str, Value] = {}
#: ``end`` closing a block (the token path handles anything else, errors included).
END_RE = re.compile(r"[\x01-\x20]*+end(?![\w.])", re.IGNORECASE)
_TRUE, _FALSE, _NIL = Bool(True), Bool(False), Nil()
_KEYWORD_VALUES: dict[str, Value] = {"true": _TRUE, "false": _FALSE, "nil": _NIL}


def ident_value(ident: str) -> Value | None:
    """The value of an identifier not yet in ``IDENTS``: True/False/nil, None for a word that
    cannot be a value (``end``, ``object``...), else a new (cached) :class:`Ident`."""
    folded = ident.lower()
    value = _KEYWORD_VALUES.get(folded)
    if value is not None or folded in RESERVED_VALUES:
        return value
    value = new_ident(ident)
    if len(IDENTS) < _CACHE_LIMIT:
        IDENTS[ident] = value
    return value


#: A row of :data:`LINE_PROPERTY_RE`: indent, path, then the text of the value in the group of
#: its kind (integer, hex digits, string, identifier, float, float suffix), the others empty.
Row = tuple[str, ...]


def row_value(row: Row, source: Source) -> Value | None:
    """The value node of a row, as the token path reads it; None when the row needs the checks
    of the token path (a character code or float out of range)."""
    _indent, _path, integer, hexa, string, ident, number, suffix = row[:8]
    if integer:
        return INTEGERS.get(integer) or new_integer(int(integer))
    if string:
        if "#" in string or "''" in string or string.count("'") != 2:
            try:
                return new_string(decode_string(string, source, 0))
            except EParserError:
                return None  # reported with its position by the line-by-line path
        return new_string(string[1:-1])
    if ident:
        return IDENTS.get(ident) or ident_value(ident)  # None for a reserved word
    if hexa:
        return new_integer(int(hexa, 16))
    fvalue = float(number)
    if fvalue in INF:
        return None
    return new_float(fvalue, suffix.lower() if suffix else "")  # type: ignore[arg-type]


def rows_to_properties(rows: list[Row], line: int, source: Source
                       ) -> list[PropertyNode] | None:
    """The properties of ``LINE_PROPERTY_RE`` rows, on the lines after ``line``; None when one of
    them needs the checks of the line-by-line path."""
    found: list[PropertyNode] = []
    append = found.append
    integers, idents = INTEGERS, IDENTS
    for row in rows:
        indent, path, integer, _hexa, _string, ident, _number, _suffix = row[:8]
        line += 1
        value: Value | None
        if integer:
            value = integers.get(integer) or new_integer(int(integer))
        elif ident:
            value = idents.get(ident) or ident_value(ident)
            if value is None:
                return None  # a reserved word: the line-by-line path reports it
        else:
            value = row_value(row, source)
            if value is None:
                return None
        append(new_property(path, value, line, len(indent) + 1))
    return found
