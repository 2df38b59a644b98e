"""The token cursor under the Pascal reader: looking ahead, and skipping what a port does not
need (declarations to their ``;``, type bodies to their ``end``, statement blocks to the ``end``
that balances them) with errors that name the line."""

from __future__ import annotations

from fnc_websocket.porting.lexer import PascalSyntaxError, Token

__all__ = ["BODY_OPENERS", "DIRECTIVES", "ROUTINE_WORDS", "Cursor"]

ROUTINE_WORDS = ("procedure", "function", "constructor", "destructor", "operator")
DIRECTIVES = frozenset((
    "virtual", "override", "overload", "reintroduce", "abstract", "dynamic", "static", "final",
    "message", "stdcall", "cdecl", "safecall", "register", "pascal", "inline", "deprecated",
    "platform", "experimental", "library", "dispid", "assembler", "varargs", "winapi",
    "default", "nodefault", "stored", "export", "far", "near", "local",
))
BODY_OPENERS = ("begin", "try", "case", "asm")


class Cursor:
    """A position in the code tokens (comments and directives left out) of ``source``."""

    def __init__(self, source: str, tokens: list[Token], filename: str) -> None:
        self.source = source
        self.tokens = tokens
        self.filename = filename
        self.pos = 0

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of file", self.last_line())
        self.pos += 1
        return token

    def at_word(self, *words: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.is_word(*words)

    def at_symbol(self, *symbols: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.is_symbol(*symbols)

    def last_line(self) -> int:
        return self.tokens[-1].line if self.tokens else 1

    def error(self, message: str, line: int) -> PascalSyntaxError:
        return PascalSyntaxError(message, line, self.filename)

    def dotted_name(self) -> str:
        parts = [self.next().text]
        while self.at_symbol(".") and self.peek(1) is not None and self.peek(1).kind == "ident":
            self.pos += 1
            parts.append(self.next().text)
        return ".".join(parts)

    def skip_generic_args(self) -> str:
        """Skip ``<...>`` after a name; return its text."""
        if not self.at_symbol("<"):
            return ""
        start = self.next()
        depth = 1
        end = start
        while depth and self.peek() is not None:
            end = self.next()
            if end.is_symbol("<"):
                depth += 1
            elif end.is_symbol(">"):
                depth -= 1
        return self.source[start.start:end.end]

    def skip_to_semicolon(self) -> str:
        """Skip to the ``;`` ending a declaration (nested brackets and records balanced)."""
        start = self.peek()
        depth = 0
        last = None
        while (token := self.peek()) is not None:
            if depth == 0 and token.is_symbol(";"):
                self.pos += 1
                break
            if depth == 0 and last is not None and token.is_word("end", "implementation"):
                break
            if self.opens_type_at(self.pos):
                self.pos += 1
                self.skip_type_body(token)
                last = self.tokens[self.pos - 1]
                continue
            self.pos += 1
            last = token
            if token.is_symbol("(", "[", "(."):
                depth += 1
            elif token.is_symbol(")", "]", ".)"):
                depth = max(0, depth - 1)
        if start is None or last is None:
            return ""
        return self.source[start.start:last.end].strip()

    def skip_attribute(self) -> None:
        depth = 0
        while (token := self.peek()) is not None:
            self.pos += 1
            if token.is_symbol("["):
                depth += 1
            elif token.is_symbol("]"):
                depth -= 1
                if depth <= 0:
                    return

    def opens_type_body(self) -> bool:
        return self.opens_type_at(self.pos)

    def opens_type_at(self, index: int) -> bool:
        """Does the token at ``index`` open a type body closed by ``end``? ``record``, an
        ``object`` not after ``of``, and ``class``/``interface`` unless ``class of``, a
        forward ``class;``, ``class(TX);`` without a body or ``class procedure``."""
        tokens = self.tokens
        token = tokens[index]
        if token.is_word("record"):
            return True
        if token.is_word("object"):
            return not (index > 0 and tokens[index - 1].is_word("of"))
        if not token.is_word("class", "interface", "dispinterface"):
            return False
        if index > 0 and not tokens[index - 1].is_symbol("=") and not tokens[index - 1].is_word(
                "packed", "sealed", "abstract"):
            return False
        index += 1
        if index >= len(tokens) or tokens[index].is_symbol(";") or tokens[index].is_word(
                "of", *ROUTINE_WORDS, "var", "property"):
            return False
        while index < len(tokens) and tokens[index].is_word("sealed", "abstract", "helper",
                                                              "for"):
            index += 2 if tokens[index].is_word("for") else 1
        if index < len(tokens) and tokens[index].is_symbol("("):
            depth = 0
            while index < len(tokens):
                if tokens[index].is_symbol("("):
                    depth += 1
                elif tokens[index].is_symbol(")"):
                    depth -= 1
                    if depth == 0:
                        break
                index += 1
            return not (index + 1 < len(tokens) and tokens[index + 1].is_symbol(";"))
        return True

    def skip_type_body(self, opener: Token) -> None:
        """After ``record``/``class``/...: skip to its ``end`` (a record's ``case`` has none)."""
        depth = 1
        while (token := self.peek()) is not None:
            if self.opens_type_at(self.pos):
                depth += 1
            elif token.is_word("end"):
                depth -= 1
            self.pos += 1
            if depth == 0:
                return
        raise self.error(f"'{opener.text}' is never closed by 'end'", opener.line)

    def skip_directives(self) -> list[str]:
        found: list[str] = []
        while (token := self.peek()) is not None and token.kind == "ident" and \
                token.lower in DIRECTIVES | {"forward", "external"}:
            found.append(token.lower)
            self.pos += 1
            self.skip_to_semicolon()
        return found

    def text_until(self, stops: tuple[str, ...]) -> str:
        start = self.peek()
        depth = 0
        last: Token | None = None
        while (token := self.peek()) is not None:
            if depth == 0 and token.is_symbol(*stops):
                break
            if token.is_symbol("(", "["):
                depth += 1
            elif token.is_symbol(")", "]"):
                depth -= 1
            last = token
            self.pos += 1
        if start is None or last is None:
            return ""
        return self.source[start.start:last.end]

    def skip_block(self, opener: Token, what: str, closes_unit: bool = False) -> None:
        """After ``begin``/``asm``/...: skip to the matching ``end`` (balanced)."""
        depth = 1
        in_asm = opener.is_word("asm")
        while (token := self.peek()) is not None:
            self.pos += 1
            if token.kind != "ident":
                continue
            word = token.lower
            if word == "end":
                depth -= 1
                in_asm = False
                if depth == 0:
                    if not closes_unit and self.at_symbol("."):
                        raise self.error(
                            f"unbalanced begin/end: the '{opener.text}' of {what} at line "
                            f"{opener.line} takes the unit's final 'end.'", opener.line)
                    return
            elif in_asm:
                continue
            elif word in BODY_OPENERS:
                depth += 1
                in_asm = word == "asm"
            elif word in ROUTINE_WORDS and not closes_unit and self.looks_like_header():
                raise self.error(
                    f"unbalanced begin/end: the '{opener.text}' of {what} at line "
                    f"{opener.line} is not closed before the next routine (line {token.line})",
                    opener.line)
        raise self.error(f"unbalanced begin/end: the '{opener.text}' of {what} at line "
                         f"{opener.line} is never closed", opener.line)

    def looks_like_header(self) -> bool:
        """After ``procedure``/``function`` inside a body: a name follows, so this starts a
        routine declaration (an anonymous method goes straight to ``(``, ``:`` or ``begin``)."""
        token = self.peek()
        return token is not None and token.kind == "ident" and not token.is_word(
            "begin", "var", "const", "type", "label", "asm", "of")
