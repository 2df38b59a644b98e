"""A small, tolerant reader of Object Pascal units (not a compiler).

:func:`read_unit` finds what a port needs: the ``uses`` lists, the class declarations (ancestor,
fields with their visibility, method headers), the ``const`` and ``resourcestring`` sections, the
global variables, ``{$R *.dfm}``-style form resources, and every routine implementation with its
exact text (header, local declarations, nested routines, body). Statements are not parsed: a
body is skipped by balancing ``begin``/``try``/``case``/``asm`` against ``end``, which comments
and strings cannot disturb because they are tokens of their own.

Errors (:class:`PascalSyntaxError`) name the file and line: a file that is not a unit, a comment
or string never closed, a ``begin`` without its ``end`` or an ``end`` without its ``begin``.
Anything else it does not understand is skipped up to the next ``;``.
"""

from __future__ import annotations

from pathlib import Path

from fnc_websocket.porting.lexer import PascalSyntaxError, Token, tokenize
from fnc_websocket.porting.unit import (
    ClassDecl,
    ConstDecl,
    FieldDecl,
    MethodDecl,
    Param,
    PascalUnit,
    Routine,
    UsesEntry,
)

__all__ = ["PascalSyntaxError", "parse_unit", "read_unit"]

_ROUTINE_WORDS = ("procedure", "function", "constructor", "destructor", "operator")
_VISIBILITY = ("private", "protected", "public", "published", "automated")
_SECTION_WORDS = ("type", "const", "var", "threadvar", "resourcestring", "uses", "label",
                  "exports", "implementation", "initialization", "finalization", "begin",
                  *_ROUTINE_WORDS)
_DIRECTIVES = frozenset((
    "virtual", "override", "overload", "reintroduce", "abstract", "dynamic", "static", "final",
    "message", "stdcall", "cdecl", "safecall", "register", "pascal", "inline", "deprecated",
    "platform", "experimental", "library", "dispid", "assembler", "varargs", "winapi",
    "default", "nodefault", "stored", "export", "far", "near", "local",
))
_BODY_OPENERS = ("begin", "try", "case", "asm")
_TYPE_OPENERS = ("record", "object", "class", "interface", "dispinterface")


def read_unit(path: str | Path) -> PascalUnit:
    """Read the unit in file ``path`` (UTF-8, else Windows-1252, as Delphi saves them)."""
    p = Path(path)
    data = p.read_bytes()
    if b"\x00" in data[:4096]:
        raise PascalSyntaxError("not an Object Pascal unit (binary data)", 1, str(p))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return parse_unit(text, str(p))


def parse_unit(source: str, filename: str = "") -> PascalUnit:
    """Read a unit from its text; ``filename`` labels errors."""
    return _Reader(source, filename).unit()


class _Reader:
    def __init__(self, source: str, filename: str) -> None:
        self.source = source
        self.filename = filename
        all_tokens = tokenize(source, filename)
        self.tokens = [t for t in all_tokens if t.kind not in ("comment", "directive")]
        self.directives = [t for t in all_tokens if t.kind == "directive"]
        self.pos = 0
        self.section = "interface"
        self.classes: list[ClassDecl] = []
        self.routines: list[Routine] = []
        self.consts: list[ConstDecl] = []
        self.uses: list[UsesEntry] = []
        self.variables: list[tuple[str, str]] = []

    # -- cursor ----------------------------------------------------------------------------

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

    def expect_symbol(self, symbol: str) -> Token:
        token = self.next()
        if not token.is_symbol(symbol):
            raise self.error(f"expected '{symbol}', found '{token.text}'", token.line)
        return token

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

    # -- the unit --------------------------------------------------------------------------

    def unit(self) -> PascalUnit:
        first = self.peek()
        if first is None or not first.is_word("unit"):
            found = "nothing" if first is None else f"'{first.text[:30]}'"
            raise self.error(f"not an Object Pascal unit: expected 'unit <Name>;', found {found}",
                             first.line if first else 1)
        self.pos += 1
        name = self.dotted_name()
        self.skip_to_semicolon()
        if not self.at_word("interface"):
            token = self.peek()
            raise self.error("expected 'interface' after the unit header",
                             token.line if token else self.last_line())
        self.pos += 1
        self.section = "interface"
        self.declarations(implementation=False)
        if self.at_word("implementation"):
            self.pos += 1
            self.section = "implementation"
            self.declarations(implementation=True)
        self.unit_end()
        resources = tuple(
            ext for t in self.directives
            for ext in (".dfm", ".fmx", ".lfm", ".xfm", ".nfm")
            if t.lower.replace(" ", "").startswith(("{$r*" + ext, "{$resource*" + ext)))
        return PascalUnit(name, self.filename, tuple(self.classes), tuple(self.routines),
                          tuple(self.consts), tuple(self.uses), tuple(self.variables),
                          resources)

    def unit_end(self) -> None:
        token = self.peek()
        if token is None:
            raise self.error("the unit has no final 'end.'", self.last_line())
        if token.is_word("initialization", "finalization", "begin"):
            self.pos += 1
            self.skip_block(token, "the unit's " + token.lower + " section", closes_unit=True)
            return
        if token.is_word("end") and self.at_symbol(".", ahead=1):
            return
        raise self.error(f"unexpected '{token.text}' (unbalanced begin/end?)", token.line)

    def declarations(self, implementation: bool) -> None:
        while (token := self.peek()) is not None:
            word = token.lower if token.kind == "ident" else ""
            if word == "uses":
                self.pos += 1
                self.uses_list()
            elif word == "type":
                self.pos += 1
                self.type_section()
            elif word in ("const", "resourcestring"):
                self.pos += 1
                self.const_section(resource=word == "resourcestring")
            elif word in ("var", "threadvar"):
                self.pos += 1
                self.var_section(self.variables)
            elif word in _ROUTINE_WORDS or (word == "class" and self.at_word(
                    *_ROUTINE_WORDS, ahead=1)):
                self.routine(implementation)
            elif word in ("implementation", "initialization", "finalization", "begin", "end"):
                return
            elif token.is_symbol("["):
                self.skip_attribute()
            else:
                self.pos += 1
                self.skip_to_semicolon()

    def uses_list(self) -> None:
        while (token := self.peek()) is not None and token.kind == "ident":
            line = token.line
            name = self.dotted_name()
            self.uses.append(UsesEntry(name, line, self.section))
            if self.at_word("in"):
                self.pos += 2
            if self.at_symbol(","):
                self.pos += 1
                continue
            break
        if self.at_symbol(";"):
            self.pos += 1

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

    def starts_entry(self) -> bool:
        """At ``Name =`` / ``Name:`` / ``Name<T> =`` (an entry of a declaration section)."""
        token = self.peek()
        if token is None or token.kind != "ident" or token.lower in _SECTION_WORDS or \
                token.lower in ("end", "class", "private", "protected", "public", "published",
                                "strict", "property", *_ROUTINE_WORDS):
            return False
        after = self.peek(1)
        return after is not None and after.is_symbol("=", ":", "<", ",")

    # -- declaration sections --------------------------------------------------------------

    def const_section(self, resource: bool) -> None:
        while True:
            if self.at_symbol("["):
                self.skip_attribute()
            if not self.starts_entry():
                return
            name = self.next()
            type_text = ""
            if self.at_symbol(":"):
                self.pos += 1
                type_start = self.peek()
                while (token := self.peek()) is not None and not token.is_symbol("=", ";"):
                    self.pos += 1
                if type_start is not None and self.pos > 0:
                    type_text = self.source[type_start.start:self.tokens[self.pos - 1].end]
            if self.at_symbol("="):
                self.pos += 1
            value = self.skip_to_semicolon()
            self.consts.append(ConstDecl(name.text, value, type_text.strip(), name.line,
                                         self.section, resource))

    def var_section(self, into: list[tuple[str, str]]) -> None:
        while True:
            if self.at_symbol("["):
                self.skip_attribute()
            if not self.starts_entry():
                return
            names = [self.next().text]
            while self.at_symbol(","):
                self.pos += 1
                names.append(self.next().text)
            type_text = ""
            if self.at_symbol(":"):
                self.pos += 1
                type_text = self.skip_to_semicolon()
                type_text = type_text.split("=", 1)[0].strip()
            into.extend((n, type_text) for n in names)

    def type_section(self) -> None:
        while True:
            if self.at_symbol("["):
                self.skip_attribute()
            if not self.starts_entry():
                return
            name = self.next()
            self.skip_generic_args()
            if not self.at_symbol("="):
                self.skip_to_semicolon()
                continue
            self.pos += 1
            if self.at_word("class") and (self.opens_type_body() or self.at_symbol(
                    "(", ahead=1)):
                self.class_declaration(name)
            elif self.at_word("packed"):
                self.pos += 1
                self.skip_to_semicolon()
            else:
                self.skip_to_semicolon()

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
                "of", *_ROUTINE_WORDS, "var", "property"):
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

    def class_declaration(self, name: Token) -> None:
        self.pos += 1  # class
        while self.at_word("sealed", "abstract"):
            self.pos += 1
        ancestor = ""
        if self.at_symbol("("):
            self.pos += 1
            bases: list[str] = []
            while (token := self.peek()) is not None and not token.is_symbol(")"):
                if token.kind == "ident":
                    bases.append(self.dotted_name() + self.skip_generic_args())
                else:
                    self.pos += 1
            self.pos += 1
            ancestor = bases[0] if bases else ""
        fields: list[FieldDecl] = []
        methods: list[MethodDecl] = []
        visibility = ""
        if self.at_symbol(";"):  # TX = class(TY); has no body
            self.pos += 1
            self.classes.append(ClassDecl(name.text, ancestor, (), (), name.line, self.section))
            return
        while (token := self.peek()) is not None:
            if token.is_word("end"):
                self.pos += 1
                break
            if token.is_word("strict") and self.at_word("private", "protected", ahead=1):
                visibility = "strict " + self.tokens[self.pos + 1].lower
                self.pos += 2
            elif token.is_word(*_VISIBILITY):
                visibility = token.lower
                self.pos += 1
            elif token.is_symbol("["):
                self.skip_attribute()
            elif token.is_word(*_ROUTINE_WORDS) or (token.is_word("class") and self.at_word(
                    *_ROUTINE_WORDS, ahead=1)):
                methods.append(self.routine_header(visibility))
            elif token.is_word("property") or (token.is_word("class") and self.at_word(
                    "property", ahead=1)):
                self.pos += 1
                self.skip_to_semicolon()
                self.skip_directives()
            elif token.is_word("const"):
                self.pos += 1
                self.const_section(resource=False)
            elif token.is_word("type"):
                self.pos += 1
                self.type_section()
            elif token.is_word("var") or (token.is_word("class") and self.at_word("var",
                                                                                    ahead=1)):
                self.pos += 2 if token.is_word("class") else 1
            elif self.starts_entry():
                entries: list[tuple[str, str]] = []
                self.var_section(entries)
                fields.extend(FieldDecl(n, t, visibility, token.line) for n, t in entries)
            else:
                self.pos += 1
                self.skip_to_semicolon()
        else:
            raise self.error(f"class {name.text} is never closed by 'end'", name.line)
        if self.at_symbol(";"):
            self.pos += 1
        self.classes.append(ClassDecl(name.text, ancestor, tuple(fields), tuple(methods),
                                      name.line, self.section))

    # -- routines --------------------------------------------------------------------------

    def skip_directives(self) -> list[str]:
        found: list[str] = []
        while (token := self.peek()) is not None and token.kind == "ident" and \
                token.lower in _DIRECTIVES | {"forward", "external"}:
            found.append(token.lower)
            self.pos += 1
            self.skip_to_semicolon()
        return found

    def parameters(self) -> tuple[Param, ...]:
        if not self.at_symbol("("):
            return ()
        self.pos += 1
        params: list[Param] = []
        while (token := self.peek()) is not None and not token.is_symbol(")"):
            if token.is_symbol(";"):
                self.pos += 1
                continue
            if token.is_symbol("["):
                self.skip_attribute()
                continue
            modifier = ""
            if token.is_word("var", "const", "out", "constref"):
                modifier = token.lower
                self.pos += 1
                if self.at_symbol("["):
                    self.skip_attribute()
            names: list[str] = []
            while (t := self.peek()) is not None and t.kind == "ident":
                names.append(self.next().text.lstrip("&"))
                if not self.at_symbol(","):
                    break
                self.pos += 1
            type_text = default = ""
            if self.at_symbol(":"):
                self.pos += 1
                type_text = self.text_until(("=", ";", ")"))
            if self.at_symbol("="):
                self.pos += 1
                default = self.text_until((";", ")"))
            if not names:
                self.pos += 1  # tolerate anything else
            params.extend(Param(n, type_text, modifier, default) for n in names)
        if self.peek() is not None:
            self.pos += 1
        return tuple(params)

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

    def routine_header(self, visibility: str = "") -> MethodDecl:
        class_method = False
        if self.at_word("class"):
            class_method = True
            self.pos += 1
        kind_token = self.next()
        line = kind_token.line
        name = self.dotted_name()
        self.skip_generic_args()
        if self.at_symbol("."):  # TList<T>.Method
            self.pos += 1
            name += "." + self.dotted_name()
        params = self.parameters()
        result = ""
        if self.at_symbol(":"):
            self.pos += 1
            result = self.text_until((";",)).strip()
        if self.at_symbol("="):  # interface method resolution: procedure I.X = Y;
            self.skip_to_semicolon()
        elif self.at_symbol(";"):
            self.pos += 1
        directives = tuple(self.skip_directives())
        return MethodDecl(kind_token.lower, name, params, result, class_method, visibility,
                          line, directives)

    def routine(self, implementation: bool) -> None:
        first = self.peek()
        assert first is not None
        header = self.routine_header()
        if not implementation or {"forward", "external"} & set(header.directives):
            return
        class_name, _, name = header.name.rpartition(".")
        has_body = self.routine_rest(header)
        last = self.tokens[self.pos - 1]
        self.routines.append(Routine(
            class_name, MethodDecl(header.kind, name, header.params, header.result,
                                   header.class_method, "", header.line, header.directives),
            self.source[first.start:last.end], first.line, last.line, has_body))

    def routine_rest(self, header: MethodDecl) -> bool:
        """Local declarations, nested routines and the body of an implementation."""
        while (token := self.peek()) is not None:
            if token.is_word("begin", "asm"):
                self.pos += 1
                self.skip_block(token, f"{header.name} (line {header.line})")
                if self.at_symbol(";"):
                    self.pos += 1
                return True
            if token.is_word("var", "threadvar"):
                self.pos += 1
                self.var_section([])
            elif token.is_word("const", "resourcestring"):
                self.pos += 1
                saved = len(self.consts)
                self.const_section(resource=False)
                del self.consts[saved:]
            elif token.is_word("type"):
                self.pos += 1
                saved = len(self.classes)
                self.type_section()
                del self.classes[saved:]
            elif token.is_word("label"):
                self.pos += 1
                self.skip_to_semicolon()
            elif token.is_word(*_ROUTINE_WORDS):
                nested = self.routine_header()
                if not {"forward", "external"} & set(nested.directives):
                    self.routine_rest(nested)
            else:
                raise self.error(f"expected 'begin' for {header.name} (line {header.line}), "
                                 f"found '{token.text}'", token.line)
        raise self.error(f"{header.name} (line {header.line}) has no body", self.last_line())

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
            elif word in _BODY_OPENERS:
                depth += 1
                in_asm = word == "asm"
            elif word in _ROUTINE_WORDS and not closes_unit and self.looks_like_header():
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
