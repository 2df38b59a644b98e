"""A small, tolerant reader of Object Pascal units (not a compiler).

:func:`read_unit` finds what a port needs: the ``uses`` lists, the class declarations (ancestor,
fields with their visibility, method headers), the ``const`` and ``resourcestring`` sections, the
global variables, ``{$R *.dfm}``-style form resources, and every routine implementation with its
exact text (header, local declarations, nested routines, body). Statements are not parsed: a
body is skipped by balancing ``begin``/``try``/``case``/``asm`` against ``end``, which comments
and strings cannot disturb because they are tokens of their own.

Of conditional code (``{$IFDEF}``, ``{$IF}``) the first branch is read, the others are kept in
the text only. Errors (:class:`PascalSyntaxError`) name the file and line: a file that is not a
unit, a comment or string never closed, a ``begin`` without its ``end`` or an ``end`` without
its ``begin``. Anything else it does not understand is skipped up to the next ``;``.
"""

from __future__ import annotations

from pathlib import Path

from fnc_websocket.porting.cursor import ROUTINE_WORDS, Cursor
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

_VISIBILITY = ("private", "protected", "public", "published", "automated")
_SECTION_WORDS = ("type", "const", "var", "threadvar", "resourcestring", "uses", "label",
                  "exports", "implementation", "initialization", "finalization", "begin",
                  *ROUTINE_WORDS)


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


def _directive_word(token: Token) -> str:
    text = token.text[2:] if token.text.startswith("{$") else token.text[3:]
    return text.split(None, 1)[0].rstrip("}*)").lower() if text.strip() else ""


def _first_branches(tokens: list[Token]) -> list[Token]:
    """The code tokens, keeping only the first branch of each ``{$IF...}``/``{$ELSE}`` group
    (the reader cannot evaluate conditions; one consistent branch keeps ``begin``/``end``
    balanced). Comments and directives are left out."""
    kept: list[Token] = []
    stack: list[bool] = []  # per open group: is the current branch the first one?
    for token in tokens:
        if token.kind == "directive":
            word = _directive_word(token)
            if word in ("if", "ifdef", "ifndef", "ifopt"):
                stack.append(True)
            elif word in ("else", "elseif") and stack:
                stack[-1] = False
            elif word in ("endif", "ifend") and stack:
                stack.pop()
            continue
        if token.kind != "comment" and all(stack):
            kept.append(token)
    return kept


class _Reader(Cursor):
    """Reads one unit; the lists it fills become the :class:`PascalUnit`."""

    def __init__(self, source: str, filename: str) -> None:
        all_tokens = tokenize(source, filename)
        super().__init__(source, _first_branches(all_tokens), filename)
        self.directives = [t for t in all_tokens if t.kind == "directive"]
        self.section = "interface"
        self.classes: list[ClassDecl] = []
        self.routines: list[Routine] = []
        self.consts: list[ConstDecl] = []
        self.uses: list[UsesEntry] = []
        self.variables: list[tuple[str, str]] = []

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
            elif word in ROUTINE_WORDS or (word == "class" and self.at_word(
                    *ROUTINE_WORDS, ahead=1)):
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

    def starts_entry(self) -> bool:
        """At ``Name =`` / ``Name:`` / ``Name<T> =`` (an entry of a declaration section)."""
        token = self.peek()
        if token is None or token.kind != "ident" or token.lower in _SECTION_WORDS or \
                token.lower in ("end", "class", "private", "protected", "public", "published",
                                "strict", "property", *ROUTINE_WORDS):
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
            elif token.is_word(*ROUTINE_WORDS) or (token.is_word("class") and self.at_word(
                    *ROUTINE_WORDS, ahead=1)):
                method = self.routine_header(visibility)
                if "." not in method.name:  # not a method resolution clause (IFoo.Bar = Baz)
                    methods.append(method)
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

    def routine_header(self, visibility: str = "") -> MethodDecl:
        class_method = False
        if self.at_word("class"):
            class_method = True
            self.pos += 1
        kind_token = self.next()
        line = kind_token.line
        if self.peek() is None or self.peek().kind != "ident":  # type: ignore[union-attr]
            found = self.peek()
            raise self.error(f"expected a name after '{kind_token.text}', found "
                             f"'{found.text if found else 'the end of the file'}'", line)
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
            elif token.is_word(*ROUTINE_WORDS):
                nested = self.routine_header()
                if not {"forward", "external"} & set(nested.directives):
                    self.routine_rest(nested)
            else:
                raise self.error(f"expected 'begin' for {header.name} (line {header.line}), "
                                 f"found '{token.text}'", token.line)
        raise self.error(f"{header.name} (line {header.line}) has no body", self.last_line())
