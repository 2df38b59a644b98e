"""Tokens of Object Pascal source, tolerant enough for real Delphi and Free Pascal units.

:func:`tokenize` returns every token with its line and character offsets, comments and compiler
directives included (as ``comment`` and ``directive`` tokens), so that a reader can skip them
while the original text of any stretch of code stays available by slicing the source.

Handled: ``{ }``, ``(* *)`` and ``//`` comments; ``{$...}`` / ``(*$...*)`` directives; strings
with doubled quotes and ``#nnn`` / ``#$hh`` character codes, adjacent pieces forming one literal
(``'a'#13#10'b'``); numbers (decimal, ``$hex``, ``%binary``, ``&octal``, reals with exponents);
identifiers (``&begin`` escapes a keyword); and the symbols ``:= .. <= >= <> (. .)``.
An unterminated comment or string raises :class:`PascalSyntaxError` naming the line.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["PascalSyntaxError", "Token", "tokenize"]


class PascalSyntaxError(Exception):
    """Source that cannot be read as Object Pascal; ``str()`` is ``file:line: message``."""

    def __init__(self, message: str, line: int, filename: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.filename = filename

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line}" if self.filename else f"line {self.line}"
        return f"{where}: {self.message}"


@attrs.frozen
class Token:
    """One token: ``kind`` is ident, number, string, symbol, comment or directive."""

    kind: str
    text: str
    line: int
    start: int
    end: int

    @property
    def lower(self) -> str:
        """The text in lower case (Pascal is case-insensitive); ``&begin`` gives ``&begin``."""
        return self.text.lower()

    def is_word(self, *words: str) -> bool:
        """True when this is an identifier spelled like one of ``words`` (case-insensitive)."""
        return self.kind == "ident" and self.text.lower() in words

    def is_symbol(self, *symbols: str) -> bool:
        return self.kind == "symbol" and self.text in symbols


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<line_comment>//[^\n]*)
  | (?P<brace>\{)
  | (?P<paren_star>\(\*)
  | (?P<string>(?:'(?:[^'\n]|'')*'|\#\$[0-9A-Fa-f]+|\#[0-9]+)+)
  | (?P<bad_string>'[^\n]*)
  | (?P<number>\$[0-9A-Fa-f]+|%[01]+|&[0-7]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>&?[^\W\d]\w*)
  | (?P<symbol>:=|\.\.|<=|>=|<>|\(\.|\.\)|[-+*/=<>()\[\].,;:^@&\#])
  | (?P<other>.)
""", re.X | re.S)


def tokenize(source: str, filename: str = "") -> list[Token]:
    """Every token of ``source`` in order (whitespace dropped)."""
    tokens: list[Token] = []
    pos = 0
    line = 1
    size = len(source)
    while pos < size:
        match = _TOKEN.match(source, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "other"
        end = match.end()
        if kind == "brace":
            close = source.find("}", pos + 1)
            if close < 0:
                raise PascalSyntaxError("comment '{' is never closed", line, filename)
            end = close + 1
            kind = "directive" if source.startswith("{$", pos) else "comment"
        elif kind == "paren_star":
            close = source.find("*)", pos + 2)
            if close < 0:
                raise PascalSyntaxError("comment '(*' is never closed", line, filename)
            end = close + 2
            kind = "directive" if source.startswith("(*$", pos) else "comment"
        elif kind == "line_comment":
            kind = "comment"
        elif kind == "bad_string":
            raise PascalSyntaxError("string literal is not closed on its line", line, filename)
        text = source[pos:end]
        if kind != "space":
            tokens.append(Token("symbol" if kind == "other" else kind, text, line, pos, end))
        line += text.count("\n")
        pos = end
    return tokens


def string_value(text: str) -> str:
    """The value of a string literal token (``'it''s'#13#10`` gives ``"it's\\r\\n"``)."""
    parts: list[str] = []
    for match in re.finditer(r"'((?:[^']|'')*)'|#\$([0-9A-Fa-f]+)|#([0-9]+)", text):
        quoted, hex_code, dec_code = match.groups()
        if quoted is not None:
            parts.append(quoted.replace("''", "'"))
        else:
            code = int(hex_code, 16) if hex_code is not None else int(dec_code)
            parts.append(chr(min(code, 0x10FFFF)))
    return "".join(parts)
