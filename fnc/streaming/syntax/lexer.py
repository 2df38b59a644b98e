"""Tokens of the text form-file grammar (Delphi ``TParser`` rules, spec §4.1).

``tokenize`` turns the whole source into a list of tokens (``next_token`` reads one at a given
offset), decoding literal values on the way:
integers (``42``, ``-5``, ``$FF``), floats (``1.5``, ``1e3``, ``2.5s``/``d``/``c``), strings
(quoted pieces with ``''``, ``#nnn`` codes, adjacent pieces joined), binary data (``{ hex }``),
identifiers (dotted, as ``Form2.Button1``) and the punctuation ``= : [ ] ( ) < > , +``.

Whitespace is any character from ``#1`` to ``#32``; there are no comments (``{`` always starts
binary data). Every malformed input raises :class:`~fnc.exceptions.EParserError` with the file name,
line and column of the fault.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from typing import NamedTuple

from fnc.exceptions import EParserError

__all__ = [
    "MAX_INTEGER", "MIN_INTEGER", "Source", "Token", "decode_form_text", "decode_string",
    "next_token", "tokenize",
]

#: Range of integer literals: Int64 below zero, QWord above (what a binary stream can hold).
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**64 - 1

_MAX_NUMBER_DIGITS = 400  # longer literals are out of range anyway; keeps int() cheap and safe


class Token(NamedTuple):
    """One token. ``kind`` is ``ident``, ``int``, ``float``, ``string``, ``binary``, ``sym`` or
    ``eof``; ``value`` is the decoded value (for ``float`` a ``(value, suffix)`` pair, for ``sym``
    the character); ``offset`` is where it starts in the source."""

    kind: str
    value: object
    offset: int


class Source:
    """Source text with its file name, mapping offsets to 1-based line and column."""

    __slots__ = ("_last_line", "_last_offset", "_line_starts", "filename", "text")

    def __init__(self, text: str, filename: str | None = None) -> None:
        self.text = text
        self.filename = filename
        self._line_starts: list[int] | None = None
        self._last_offset = 0
        self._last_line = 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based ``(line, column)`` of ``offset``; lines end at LF (CR LF counts as one break)."""
        text = self.text
        last = self._last_offset
        if last <= offset <= len(text):  # moving forward, as parsing does: count from there
            line = self._last_line + text.count("\n", last, offset)
            self._last_offset, self._last_line = offset, line
            return line, offset - text.rfind("\n", 0, offset)
        starts = self.line_starts()
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def line_starts(self) -> list[int]:
        """The offset where each line starts (built on first use, then kept)."""
        if self._line_starts is None:
            # 0, then one past each LF: the running sum of the lines' lengths plus their LF
            starts = list(accumulate(map((1).__add__, map(len, self.text.split("\n"))),
                                     initial=0))
            starts.pop()  # (past the end of the text)
            self._line_starts = starts
        return self._line_starts

    def indent_column(self, line: int) -> int:
        """The 1-based column of the first character of ``line`` (1-based) that is not a space
        or a tab: where a row of :mod:`fnc.streaming.syntax.rows` on that line starts."""
        start = self.line_starts()[line - 1]
        return _INDENT_RE.match(self.text, start).end() - start + 1  # type: ignore[union-attr]

    def error(self, message: str, offset: int) -> EParserError:
        """An :class:`EParserError` for ``message`` located at ``offset``."""
        line, col = self.position(offset)
        return EParserError(message, self.filename, line, col)


def decode_form_text(data: bytes, encoding: str | None = None) -> str:
    """Decode form-file bytes: a UTF-8 BOM means UTF-8; otherwise UTF-8 if valid, else Windows-1252
    (Delphi's ANSI default), else Latin-1. ``encoding`` forces a codec."""
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise EParserError(f"Cannot decode form text as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EParserError(f"Invalid UTF-8 after the byte order mark: {exc.reason} "
                               f"at byte {exc.start + 3}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_IDENT = r"[^\W\d]\w*(?:\.[^\W\d]\w*)*"
# Possessive repeats: the regex engine keeps no backtracking state per character, so a string
# literal of any length takes memory in proportion to its text only (a few bytes per character).
_STRING = r"(?>(?:'[^'\r\n]*+(?:''[^'\r\n]*+)*+'|\#(?:[0-9]++|\$[0-9A-Fa-f]++))++)"

#: One token after any whitespace; ``lastgroup`` names its kind.
_TOKEN_RE = re.compile(
    rf"""
    [\x01-\x20]*+
    (?:
      (?P<ident>{_IDENT})
    | (?P<string>{_STRING})
    | (?P<hex>\$[0-9A-Fa-f]+)
    | (?P<number>-?[0-9]+(?P<frac>\.[0-9]+)?(?P<exp>[eE][+-]?[0-9]+)?(?P<suffix>[sSdDcC])?)
    | (?P<binary>\{{[0-9A-Fa-f\x01-\x20]*\}})
    | (?P<sym>[=:\[\](),<>+])
    )
    """,
    re.VERBOSE,
)
_PIECE_RE = re.compile(r"'([^']*+(?:''[^']*+)*+)'|\#(?:([0-9]++)|\$([0-9A-Fa-f]++))")
_WORD_CHAR_RE = re.compile(r"[\w.]")
_HEX_WS_RE = re.compile(r"[0-9A-Fa-f\x01-\x20]*")
_BLANKS_RE = re.compile(r"[\x01-\x20]+")
_INDENT_RE = re.compile(r"[ \t]*+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def join_surrogates(text: str) -> str:
    """Combine UTF-16 surrogate pairs (as ``#55357#56832`` produces) into one code point.

    Lone surrogates stay as they are.
    """
    if _SURROGATE_RE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def decode_string(token: str, source: Source, offset: int) -> str:
    """The value of a string token (quoted pieces and ``#nnn`` codes) starting at ``offset``."""
    if "#$" not in token:
        quick = _decode_quoted(token)
        if quick is not None:
            return quick
    parts: list[str] = []
    append = parts.append
    codes = _CODES
    # findall leaves '' for a group that did not take part: only the quoted piece can be empty
    for quoted, decimal, hexa in _PIECE_RE.findall(token):
        if decimal:
            char = codes.get(decimal)
            if char is None:
                char = _code_char(decimal, 10, token, source, offset)
        elif hexa:
            char = _code_char(hexa, 16, token, source, offset)
        else:
            char = quoted.replace("''", "'") if "''" in quoted else quoted
        append(char)
    return join_surrogates("".join(parts))


def _decode_quoted(token: str) -> str | None:
    """:func:`decode_string` of a well-formed token without ``#$`` codes, by splitting it at its
    quotes; None when a code has more than six digits (it may be out of range)."""
    # Splitting at every quote alternates outside (codes, at even indexes) and inside (text).
    # An empty outside part between two inside ones is a doubled quote: a quote character.
    parts = token.split("'")
    if len(parts) > 3:  # outside parts between two inside ones
        middle = parts[2:-1:2]
        try:
            parts[2:-1:2] = list(map(_RUNS.__getitem__, middle))
        except KeyError:
            runs = [_code_run(run) for run in middle]
            if None in runs:
                return None
            parts[2:-1:2] = runs
    first = parts[0]
    if first:
        run = _code_run(first)
        if run is None:
            return None
        if len(parts) == 1:  # codes only: the first part is the last
            return run if run.isascii() else join_surrogates(run)
        parts[0] = run
    last = parts[-1]
    if last:
        run = _RUNS.get(last) or _code_run(last)
        if run is None:
            return None
        parts[-1] = run
    text = "".join(parts)
    return text if text.isascii() else join_surrogates(text)


#: ``#nnn`` digits -> character, for the codes most files use.
_CODES = {str(code): chr(code) for code in range(256)}
#: A run of ``#nnn`` codes between two quoted pieces -> its characters (the empty run, a doubled
#: quote, -> a quote), filled as runs are met, up to ``_RUNS_LIMIT`` of them.
_RUNS = {"": "'"} | {f"#{code}": char for code, char in _CODES.items()}
_RUNS_LIMIT = 4096


def _code_run(run: str) -> str | None:
    """The characters of ``#nnn#nnn...`` (decimal codes, at least one); None when a code has
    more than six digits (it may be out of range)."""
    chars = _RUNS.get(run)
    if chars is None:
        found: list[str] = []
        for digits in run.split("#")[1:]:
            char = _CODES.get(digits)
            if char is None:
                if len(digits) > 6:
                    return None
                char = chr(int(digits))
            found.append(char)
        chars = "".join(found)
        if len(_RUNS) < _RUNS_LIMIT:
            _RUNS[run] = chars
    return chars


def _code_char(digits: str, base: int, token: str, source: Source, offset: int) -> str:
    code = int(digits, base) if len(digits) <= 8 else -1
    if not 0 <= code <= 0x10FFFF:
        # where in the token: the first code piece with these digits that is out of range
        group = 2 if base == 10 else 3
        for match in _PIECE_RE.finditer(token):
            if match.group(group) == digits:
                raise source.error(f"Invalid character code #{digits}: out of range",
                                   offset + match.start())
    return chr(code)


def _describe_char(char: str) -> str:
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"#{ord(char)}"


def _lex_error(source: Source, pos: int) -> EParserError:
    """The specific error for the character at ``pos`` that starts no valid token."""
    text = source.text
    char = text[pos]
    if char == "'":
        return source.error("Unterminated string: a quoted string must end on the same line", pos)
    if char == "#":
        return source.error("Invalid string constant: '#' must be followed by a character code",
                            pos)
    if char == "{":
        end = _HEX_WS_RE.match(text, pos + 1).end()  # type: ignore[union-attr]
        if end >= len(text):
            return source.error("Unterminated binary value: '}' expected", pos)
        return source.error(f"Invalid binary value: {_describe_char(text[end])} is not a hex digit "
                            "(or '}' is missing)", end)
    if char == "$":
        return source.error("Invalid number: '$' must be followed by hex digits", pos)
    if char == "-":
        return source.error("Invalid number: '-' must be followed by digits", pos)
    return source.error(f"Invalid character {_describe_char(char)}", pos)


def tokenize(source: Source) -> list[Token]:
    """All tokens of ``source``, ending with an ``eof`` token.

    Raises :class:`EParserError` at the first malformed token.
    """
    tokens: list[Token] = []
    append = tokens.append
    pos = 0
    while True:
        token, pos = next_token(source, pos)
        append(token)
        if token.kind == "eof":
            return tokens


def next_token(source: Source, pos: int) -> tuple[Token, int]:
    """The token after any whitespace at ``pos``, and the offset just past it.

    At the end of the text that is the ``eof`` token (offset: the text's length). Raises
    :class:`EParserError` when the text there starts no valid token.
    """
    text = source.text
    match = _TOKEN_RE.match(text, pos)
    if match is None:
        blank = _BLANKS_RE.match(text, pos)
        if blank is not None:
            pos = blank.end()
        if pos >= len(text):
            return Token("eof", None, len(text)), len(text)
        raise _lex_error(source, pos)
    kind: str = match.lastgroup  # type: ignore[assignment]
    start = match.start(kind)
    end = match.end()
    if kind == "ident" or kind == "sym":
        return Token(kind, match.group(kind), start), end  # type: ignore[arg-type]
    if kind == "string":
        return Token("string", decode_string(match.group(kind), source, start), start), end
    if kind == "number" or kind == "hex":
        if end < len(text) and _WORD_CHAR_RE.match(text, end):
            raise source.error(f"Invalid number: {text[start:end + 1]!r} is not a number", start)
        return _number_token(match, kind, source, start), end
    return Token("binary", _decode_binary(match.group(kind), source, start), start), end


def _number_token(match: re.Match[str], kind: str, source: Source, pos: int) -> Token:
    literal = match.group(kind)
    if len(literal) > _MAX_NUMBER_DIGITS:
        raise source.error(f"Number out of range: {literal[:20]}...", pos)
    if kind == "hex":
        value = int(literal[1:], 16)
        if value > MAX_INTEGER:
            raise source.error(f"Integer out of range: {literal}", pos)
        return Token("int", value, pos)
    suffix = match.group("suffix")
    if match.group("frac") is None and match.group("exp") is None and suffix is None:
        value = int(literal)
        if not MIN_INTEGER <= value <= MAX_INTEGER:
            raise source.error(f"Integer out of range: {literal}", pos)
        return Token("int", value, pos)
    number = literal[:-1] if suffix else literal
    fvalue = float(number)
    if fvalue in (float("inf"), float("-inf")):
        raise source.error(f"Float out of range: {literal}", pos)
    return Token("float", (fvalue, suffix.lower() if suffix else ""), pos)


def _decode_binary(token: str, source: Source, pos: int) -> bytes:
    digits = _BLANKS_RE.sub("", token[1:-1])
    if len(digits) % 2:
        raise source.error("Invalid binary value: odd number of hex digits", pos)
    return bytes.fromhex(digits)
