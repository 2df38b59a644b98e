"""Writes a syntax tree as form-file text, in Delphi's layout or in Lazarus' LFM layout.

Delphi layout (``flavour="dfm"``, spec §4.2), as ``ObjectBinaryToText`` produces it:

* two spaces per nesting level; a block's properties, then its nested blocks, then ``end``;
* strings: characters 32..127 inside quotes, everything else (control characters, the apostrophe,
  every non-ASCII character, as UTF-16 units) as ``#nnn``; a string longer than 64 units starts on
  a new line after ``Name = `` and is cut into lines of 64 units joined with `` +``, two spaces
  deeper than the property;
* lists ``(`` with one item per line and ``'last')``; collections ``<``, ``item``/``item [n]``,
  ``end>``; binary data ``{`` with 32 bytes of uppercase hex per line, ``...}`` (under 32 bytes it
  stays on the ``{`` line);
* floats with 18 decimals (``16.000000000000000000``); Single, Date and Currency values in the
  shortest form with their ``s``/``d``/``c`` suffix.

LFM layout (``flavour="lfm"``, spec §4.4): UTF-8 as is (only characters below 32 become ``#nn``,
the apostrophe is doubled), no wrapping, the ``)`` of a list and the ``}`` of binary data on their
own line, floats in the shortest form.

Text written here parses back to a tree that writes the same text again, byte for byte.
"""

from __future__ import annotations

import enum
import re

from fnc.exceptions import EWriteError
from fnc.streaming.syntax.floats import fixed18, general15
from fnc.streaming.syntax.lexer import join_surrogates
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    Float,
    Ident,
    Integer,
    List,
    Nil,
    ObjectNode,
    PropertyNode,
    Set,
    String,
    Value,
)

__all__ = ["LINE_LENGTH", "TextFlavour", "write_text"]

#: Delphi wraps string values longer than this many UTF-16 units.
LINE_LENGTH = 64
#: Binary data bytes per line.
BYTES_PER_LINE = 32
_MAX_DEPTH = 200

_NAME_RE = re.compile(r"[^\W\d]\w*")
_PATH_RE = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
_KEYWORDS = frozenset(("object", "inherited", "inline", "end", "true", "false", "nil"))
_BLOCK_WORDS = frozenset(("object", "inherited", "inline", "end"))


class TextFlavour(enum.Enum):
    """Which text layout to write: Delphi's (``.dfm``/``.fmx``) or Lazarus' (``.lfm``)."""

    DFM = "dfm"
    LFM = "lfm"


def write_text(node: ObjectNode, flavour: TextFlavour | str = TextFlavour.DFM, *,
               line_break: str = "\n") -> str:
    """The form-file text of ``node`` (ending with a line break).

    ``flavour`` is :class:`TextFlavour` or its value (``"dfm"``, ``"lfm"``); ``line_break`` is
    ``"\\n"`` or ``"\\r\\n"`` (what Delphi writes on Windows). Raises :class:`EWriteError` for a
    tree that has no text form (an invalid name, a NaN float, nesting too deep).
    """
    if not isinstance(node, ObjectNode):
        raise TypeError(f"write_text needs an ObjectNode, not {type(node).__name__}")
    try:
        flavour = TextFlavour(flavour)
    except ValueError:
        raise ValueError(f"unknown text flavour {flavour!r}: use 'dfm' or 'lfm'") from None
    if line_break not in ("\n", "\r\n"):
        raise ValueError("line_break must be '\\n' or '\\r\\n'")
    writer = _TextWriter(flavour is TextFlavour.LFM, line_break)
    writer.write_object(node, 0)
    return "".join(writer.out)


#: Names already checked against each pattern (bounded: a form repeats a few hundred names).
_CHECKED: dict[re.Pattern[str], set[str]] = {}
_CHECKED_LIMIT = 8192


def _check_name(text: object, what: str, pattern: re.Pattern[str] = _NAME_RE) -> str:
    checked = _CHECKED.get(pattern)
    if checked is None:
        checked = _CHECKED.setdefault(pattern, set())
    if isinstance(text, str) and text in checked:
        return text
    if not isinstance(text, str) or pattern.fullmatch(text) is None:
        raise EWriteError(f"Cannot write {what} {text!r}: not a valid identifier")
    if len(checked) < _CHECKED_LIMIT:
        checked.add(text)
    return text


def _utf16_units(text: str) -> str:
    """``text`` with every character above U+FFFF split into its two UTF-16 surrogates."""
    if _ASTRAL_RE.search(text) is None:
        return text
    return _ASTRAL_RE.sub(_astral_units, text)


class _TextWriter:
    __slots__ = ("lfm", "nl", "out")

    def __init__(self, lfm: bool, line_break: str) -> None:
        self.lfm = lfm
        self.nl = line_break
        self.out: list[str] = []

    def newline(self, level: int) -> None:
        self.out.append(self.nl + "  " * level)

    def write_object(self, node: ObjectNode, level: int) -> None:
        if level > _MAX_DEPTH:
            raise EWriteError(f"Objects nested deeper than {_MAX_DEPTH} levels")
        if node.kind not in ("object", "inherited", "inline"):
            raise EWriteError(f"Cannot write object kind {node.kind!r}")
        header = "  " * level + node.kind + " "
        if node.name:
            header += _check_name(node.name, "component name") + ": "
        header += _check_name(node.class_name, "class name")
        if node.index is not None:
            header += f" [{int(node.index)}]"
        out = self.out
        nl = self.nl
        out.append(header + nl)
        indent = "  " * (level + 1)
        checked = _CHECKED.get(_PATH_RE, ())
        for prop in node.properties:
            # The usual line (a path already checked, an integer or identifier value) in one
            # piece; anything else, errors included, through write_property.
            if type(prop) is PropertyNode:
                path, value = prop.path, prop.value
                if type(path) is str and path in checked and path.lower() not in _BLOCK_WORDS:
                    if type(value) is Integer:
                        out.append(f"{indent}{path} = {int(value.value)}{nl}")
                        continue
                    if type(value) is Ident:
                        name = value.value
                        if type(name) is str and name in checked \
                                and name.lower() not in _KEYWORDS:
                            out.append(f"{indent}{path} = {name}{nl}")
                            continue
            self.write_property(prop, level + 1)
        for child in node.children:
            self.write_object(child, level + 1)
        out.append("  " * level + "end" + self.nl)

    def write_property(self, prop: PropertyNode, level: int) -> None:
        if not isinstance(prop, PropertyNode):
            raise EWriteError(f"Cannot write {prop!r} as a property")
        path = _check_name(prop.path, "property path", _PATH_RE)
        if path.lower() in _BLOCK_WORDS:
            raise EWriteError(f"Cannot write the property path {path!r}: reserved word")
        self.out.append("  " * level + path + " = ")
        self.write_value(prop.value, level)
        self.out.append(self.nl)

    def write_value(self, value: Value, level: int) -> None:
        out = self.out
        cls = type(value)
        if cls is String:
            self.write_string(value.value, level)  # type: ignore[union-attr]
        elif cls is Ident:
            name = _check_name(value.value, "identifier value", _PATH_RE)  # type: ignore[union-attr]
            if name.lower() in _KEYWORDS:
                raise EWriteError(f"Cannot write the identifier value {name!r}: reserved word")
            out.append(name)
        elif cls is Integer:
            out.append(str(int(value.value)))  # type: ignore[union-attr]
        elif cls is Bool:
            out.append("True" if value.value else "False")  # type: ignore[union-attr]
        elif cls is Float:
            self.write_float(value)  # type: ignore[arg-type]
        elif cls is Set:
            names = [_check_name(item, "set element") for item in value.items]  # type: ignore[union-attr]
            out.append("[" + ", ".join(names) + "]")
        elif cls is Nil:
            out.append("nil")
        elif cls is List:
            self.write_list(value, level)  # type: ignore[arg-type]
        elif cls is Collection:
            self.write_collection(value, level)  # type: ignore[arg-type]
        elif cls is Binary:
            self.write_binary(value.data, level)  # type: ignore[union-attr]
        else:
            raise EWriteError(f"Cannot write {value!r} as a property value")

    def write_float(self, value: Float) -> None:
        number = float(value.value)
        suffix = value.suffix
        if suffix not in ("", "s", "d", "c"):
            raise EWriteError(f"Unknown float suffix {suffix!r}")
        if suffix == "" and not self.lfm:
            self.out.append(fixed18(number))
        else:
            self.out.append(general15(number) + suffix)

    def write_list(self, value: List, level: int) -> None:
        if level > _MAX_DEPTH:
            raise EWriteError(f"Values nested deeper than {_MAX_DEPTH} levels")
        self.out.append("(")
        for item in value.items:
            self.newline(level + 1)
            self.write_value(item, level + 1)
        if self.lfm:
            self.newline(level)
        self.out.append(")")

    def write_collection(self, value: Collection, level: int) -> None:
        if level > _MAX_DEPTH:
            raise EWriteError(f"Values nested deeper than {_MAX_DEPTH} levels")
        out = self.out
        out.append("<")
        for item in value.items:
            self.newline(level + 1)
            out.append("item")
            if item.index is not None:
                out.append(f"[{int(item.index)}]" if self.lfm else f" [{int(item.index)}]")
            out.append(self.nl)
            for prop in item.properties:
                self.write_property(prop, level + 2)
            out.append("  " * (level + 1) + "end")
        out.append(">")

    def write_binary(self, data: bytes, level: int) -> None:
        out = self.out
        hexa = bytes(data).hex().upper()
        step = BYTES_PER_LINE * 2
        out.append("{")
        if self.lfm:
            for start in range(0, len(hexa), step):
                self.newline(level + 1)
                out.append(hexa[start:start + step])
            self.newline(level)
        elif len(data) >= BYTES_PER_LINE:
            for start in range(0, len(hexa), step):
                self.newline(level + 1)
                out.append(hexa[start:start + step])
        else:
            out.append(hexa)
        out.append("}")

    def write_string(self, text: str, level: int) -> None:
        if not isinstance(text, str):
            raise EWriteError(f"Cannot write {text!r} as a string value")
        text = join_surrogates(text)
        if not text:
            self.out.append("''")
        elif self.lfm:
            self.out.append(_lfm_string(text))
        else:
            self.write_delphi_string(_utf16_units(text), level + 1)

    def write_delphi_string(self, units: str, level: int) -> None:
        # Delphi's ObjectBinaryToText: runs of quotable units and #nnn codes, cut every 64 units.
        # ``units`` holds one character per UTF-16 unit; each line is handled by one regex pass,
        # so the work is linear in the length.
        out = self.out
        length = len(units)
        if length > LINE_LENGTH:
            self.newline(level)
        for line_start in range(0, length, LINE_LENGTH):
            if line_start:
                out.append(" +")
                self.newline(level)
            for match in _DELPHI_PIECE_RE.finditer(units, line_start,
                                                    min(line_start + LINE_LENGTH, length)):
                piece = match.group()
                if match.lastgroup == "quoted":
                    out.append("'" + piece + "'")
                else:
                    out.append(f"#{ord(piece)}")


#: A run of characters written inside quotes (32..127 but the apostrophe), or one other unit.
_DELPHI_PIECE_RE = re.compile(
    r"(?P<quoted>[\x20-\x26\x28-\x7f]++)|(?P<code>[^\x20-\x26\x28-\x7f])", re.DOTALL)
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


def _astral_units(match: re.Match[str]) -> str:
    code = ord(match.group()) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


_LFM_CONTROL_RE = re.compile(r"[\x00-\x1f\ud800-\udfff]")


def _lfm_string(text: str) -> str:
    parts: list[str] = []
    pos = 0
    for match in _LFM_CONTROL_RE.finditer(text):
        if match.start() > pos:
            parts.append("'" + text[pos:match.start()].replace("'", "''") + "'")
        parts.append(f"#{ord(match.group())}")
        pos = match.end()
    if pos < len(text):
        parts.append("'" + text[pos:].replace("'", "''") + "'")
    return "".join(parts)
