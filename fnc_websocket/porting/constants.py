"""Pascal constant values as Python literals, where they are literals.

:func:`python_literal` turns the text of a constant's value into Python source, or returns None
when it is not a literal (an expression, a record, a call): the generator then keeps the Pascal
text as a comment. Handled: integers (``$hex``, ``%binary``, ``&octal``), reals, ``True`` /
``False`` / ``nil``, strings with ``''`` and ``#nnn`` / ``#$hh`` codes joined by ``+``, sets of
names, numbers and characters (ranges included, up to 4096 members), and parenthesised lists
of those (typed array constants) as tuples.
"""

from __future__ import annotations

from fnc_websocket.porting.lexer import PascalSyntaxError, Token, string_value, tokenize

__all__ = ["python_literal", "python_string"]

_MAX_RANGE = 4096


def python_string(value: str) -> str:
    """A double-quoted Python literal of ``value``; characters outside ASCII are escaped."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif 32 <= code < 127:
            out.append(ch)
        elif code < 256:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _number(token: Token) -> int | float | None:
    text = token.text
    try:
        if text.startswith("$"):
            return int(text[1:], 16)
        if text.startswith("%"):
            return int(text[1:], 2)
        if text.startswith("&"):
            return int(text[1:], 8)
        if any(c in text for c in ".eE"):
            return float(text)
        return int(text)
    except ValueError:
        return None


class _NotLiteral(Exception):
    pass


class _Literal:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _NotLiteral
        self.pos += 1
        return token

    def value(self) -> str:
        token = self.take()
        if token.is_symbol("[", "(."):
            return self.set_value()
        if token.is_symbol("("):
            items = self.items(")")
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if token.is_symbol("-", "+"):
            number = self.take()
            if number.kind != "number":
                raise _NotLiteral
            value = _number(number)
            if value is None:
                raise _NotLiteral
            return repr(-value if token.text == "-" else value)
        if token.kind == "number":
            value = _number(token)
            if value is None:
                raise _NotLiteral
            if token.text.startswith("$"):
                return f"0x{int(value):X}"
            return repr(value)
        if token.kind == "string":
            text = string_value(token.text)
            while (plus := self.peek()) is not None and plus.is_symbol("+"):
                self.pos += 1
                piece = self.take()
                if piece.kind != "string":
                    raise _NotLiteral
                text += string_value(piece.text)
            return python_string(text)
        if token.is_word("true"):
            return "True"
        if token.is_word("false"):
            return "False"
        if token.is_word("nil"):
            return "None"
        raise _NotLiteral

    def items(self, close: str) -> list[str]:
        items: list[str] = []
        while True:
            token = self.peek()
            if token is None:
                raise _NotLiteral
            if token.is_symbol(close):
                self.pos += 1
                return items
            items.append(self.value())
            if self.peek() is not None and self.peek().is_symbol(","):  # type: ignore[union-attr]
                self.pos += 1

    def set_member(self) -> tuple[str, int | None]:
        """One member as Python source, plus its ordinal when it may start a range."""
        token = self.take()
        if token.kind == "ident" and token.lower not in ("true", "false", "nil"):
            return python_string(token.text), None
        if token.kind == "string":
            text = string_value(token.text)
            return python_string(text), ord(text) if len(text) == 1 else None
        if token.kind == "number":
            value = _number(token)
            if not isinstance(value, int):
                raise _NotLiteral
            return str(value), value
        raise _NotLiteral

    def set_value(self) -> str:
        parts: list[str] = []
        while True:
            token = self.peek()
            if token is None:
                raise _NotLiteral
            if token.is_symbol("]", ".)"):
                self.pos += 1
                break
            first = self.peek()
            member, low = self.set_member()
            if self.peek() is not None and self.peek().is_symbol(".."):  # type: ignore[union-attr]
                self.pos += 1
                _, high = self.set_member()
                if low is None or high is None or high < low or high - low >= _MAX_RANGE:
                    raise _NotLiteral
                is_char = first is not None and first.kind == "string"
                parts.append(f"*map(chr, range({low}, {high + 1}))" if is_char
                             else f"*range({low}, {high + 1})")
            else:
                parts.append(member)
            if self.peek() is not None and self.peek().is_symbol(","):  # type: ignore[union-attr]
                self.pos += 1
        return "frozenset({" + ", ".join(parts) + "})" if parts else "frozenset()"


def python_literal(pascal: str) -> str | None:
    """The Python source of constant value ``pascal``, or None when it is not a literal."""
    try:
        tokens = [t for t in tokenize(pascal) if t.kind not in ("comment", "directive")]
    except PascalSyntaxError:
        return None
    if not tokens:
        return None
    reader = _Literal(tokens)
    try:
        result = reader.value()
    except _NotLiteral:
        return None
    if reader.pos != len(tokens):
        return None
    return result
