"""Parser for text form files: source text in, :class:`~fnc.streaming.syntax.tree.ObjectNode` out.

Grammar (spec §4.1), keywords case-insensitive::

    file       := [BOM] object
    object     := ("object" | "inherited" | "inline") header {property} {object} "end"
    header     := [Name ":"] ClassName ["[" Integer "]"]
    property   := Ident{"." Ident} "=" value
    value      := Integer | Float | String {"+" String} | Ident | "True" | "False" | "nil"
                | "[" [Ident {"," Ident}] "]" | "(" {value} ")"
                | "<" {"item" ["[" Integer "]"] {property} "end"} ">" | "{" hex "}"

As in Delphi's ``ObjectTextToBinary``, a block's properties come before its nested blocks.
Malformed input of any kind raises :class:`~fnc.exceptions.EParserError` naming the file, line and
column, never another exception type; nesting deeper than :data:`MAX_DEPTH` is refused.
"""

from __future__ import annotations

import re

from fnc.exceptions import EParserError
from fnc.streaming.syntax.gcpause import paused_gc
from fnc.streaming.syntax.lexer import (
    Source,
    Token,
    decode_form_text,
    decode_string,
    join_surrogates,
    next_token,
    tokenize,
)
from fnc.streaming.syntax.lines import (
    BLOCK_WORD_RE,
    END_RE,
    IDENTS,
    INF,
    INTEGERS,
    LINE_END_RE,
    LINE_PROPERTY_RE,
    PROPERTY_RUN_RE,
    RESERVED_VALUES,
    SECTION_END_RE,
    SIMPLE_HEADER_RE,
    SIMPLE_PROPERTY_RE,
    ident_value,
    rows_to_properties,
)
from fnc.streaming.syntax.rows import PATH, ROW_RE, ROW_STRIDE, VALUE
from fnc.streaming.syntax.rowtree import RowsObjectNode, flat_tree
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    CollectionItem,
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
    new_object,
)

__all__ = ["MAX_DEPTH", "decode_form_text", "parse_rows", "parse_text"]

#: Deepest nesting of objects, lists and collections accepted (real forms use a few dozen).
MAX_DEPTH = 200

_OBJECT_KEYWORDS = {"object": "object", "inherited": "inherited", "inline": "inline"}
_BOM = "\ufeff"


def parse_text(text: str | bytes, filename: str | None = None, *,
               encoding: str | None = None) -> ObjectNode:
    """Parse the text of a form file into its root :class:`ObjectNode`.

    ``text`` may be ``bytes`` (decoded by :func:`decode_form_text`) or ``str``; a leading BOM is
    skipped. ``filename`` only labels error messages. Raises :class:`EParserError`; when the
    text has a lexical fault (a bad character, string or number) anywhere, that is the error
    reported, even if a syntax error comes earlier.
    """
    source = _source(text, filename, encoding)
    with paused_gc():
        return _Parser(source).parse_file()


def _source(text: str | bytes, filename: str | None, encoding: str | None) -> Source:
    if isinstance(text, bytes | bytearray | memoryview):
        text = decode_form_text(bytes(text), encoding)
    elif not isinstance(text, str):
        raise TypeError(f"form text must be str or bytes, not {type(text).__name__}")
    if text.startswith(_BOM):
        text = text[1:]  # editors do not show it: columns count from the first visible character
    return Source(text, filename)


def parse_rows(text: str | bytes, filename: str | None = None, *,
               encoding: str | None = None) -> ObjectNode | RowsObjectNode:
    """:func:`parse_text`, for a reader that takes rows: the same tree (``to_tree()`` of the
    result equals ``parse_text``'s, positions included) and the same errors, but blocks made of
    one-line properties keep them as the rows matched (:class:`RowsObjectNode`), with no node
    built per property."""
    source = _source(text, filename, encoding)
    with paused_gc():
        tree = flat_tree(source, MAX_DEPTH)
        if tree is not None:
            return tree
        return _Parser(source, light=True).parse_file()


def _describe(token: Token) -> str:
    kind = token.kind
    if kind == "eof":
        return "end of file"
    if kind == "ident" or kind == "sym":
        return f"'{token.value}'"
    if kind == "int":
        return f"integer {token.value}"
    if kind == "float":
        return "number"
    if kind == "string":
        return "string"
    return "binary value"


_OBJECT_END_WORDS = frozenset(("end", *_OBJECT_KEYWORDS))
_ITEM_END_WORDS = frozenset(("end",))


class _Parser:
    __slots__ = ("_peek_end", "_peek_pos", "_peeked", "light", "pos", "source", "text")

    def __init__(self, source: Source, light: bool = False) -> None:
        self.source = source
        self.light = light  # build RowsObjectNode blocks (see parse_rows)
        self.text = source.text
        self.pos = 0  # offset in the text: the next token starts here, after any whitespace
        self._peek_pos = -1
        self._peek_end = 0
        self._peeked: Token = None  # type: ignore[assignment]

    # -- helpers -------------------------------------------------------------

    def error(self, message: str, token: Token) -> EParserError:
        return self.source.error(message, token.offset)

    def expected(self, what: str, token: Token) -> EParserError:
        return self.error(f"{what} expected but {_describe(token)} found", token)

    def peek(self) -> Token:
        if self._peek_pos != self.pos:
            self._peeked, self._peek_end = next_token(self.source, self.pos)
            self._peek_pos = self.pos
        return self._peeked

    def next(self) -> Token:
        token = self.peek()
        self.pos = self._peek_end
        return token

    def expect_sym(self, char: str) -> Token:
        token = self.next()
        if token.kind != "sym" or token.value != char:
            raise self.expected(f"'{char}'", token)
        return token

    def expect_plain_ident(self, what: str) -> Token:
        token = self.next()
        if token.kind != "ident":
            raise self.expected(what, token)
        if "." in token.value:  # type: ignore[operator]
            raise self.error(f"{what} expected but dotted name '{token.value}' found", token)
        return token

    def is_sym(self, token: Token, char: str) -> bool:
        return token.kind == "sym" and token.value == char

    def is_keyword(self, token: Token, word: str) -> bool:
        return token.kind == "ident" and token.value.lower() == word  # type: ignore[union-attr]

    def node_position(self, token: Token) -> tuple[int, int]:
        return self.source.position(token.offset)

    def expect_index(self) -> int:
        self.expect_sym("[")
        token = self.next()
        if token.kind != "int":
            raise self.expected("integer index", token)
        self.expect_sym("]")
        return token.value  # type: ignore[return-value]

    def simple_property(self, match: re.Match[str], end_words: frozenset[str]
                        ) -> PropertyNode | None:
        """The property a ``SIMPLE_PROPERTY_RE`` match stands for, or None to take the token
        path (the name ends the block, or the value needs the token path's checks)."""
        path, integer, hexa, string, ident, number, suffix = match.groups()
        value: Value
        if integer is not None:
            value = INTEGERS.get(integer) or Integer(int(integer))
        elif string is not None:
            if "#" in string or "''" in string or string.count("'") != 2:
                value = String(decode_string(string, self.source, match.start("string")))
            else:
                value = String(string[1:-1])
        elif ident is not None:
            value = IDENTS.get(ident) or ident_value(ident)  # type: ignore[assignment]
            if value is None:
                return None
        elif hexa is not None:
            value = Integer(int(hexa, 16))
        else:  # float, with or without suffix
            fvalue = float(number)
            if fvalue in INF:
                return None
            value = Float(fvalue, suffix.lower() if suffix else "")  # type: ignore[arg-type]
        if path.lower() in end_words:
            return None
        line, col = self.source.position(match.start(1))
        return PropertyNode(path, value, line, col)

    # -- grammar -------------------------------------------------------------

    def parse_file(self) -> ObjectNode:
        try:
            return self.parse_whole_file()
        except EParserError as exc:
            error = exc
        # Tokens are read as the parser needs them, but a lexical fault anywhere in the text is
        # the error reported, as when the whole text is tokenized first.
        tokenize(self.source)
        raise error

    def parse_whole_file(self) -> ObjectNode:
        first = self.peek()
        if first.kind == "eof":
            raise self.error("Empty form file: 'object', 'inherited' or 'inline' expected", first)
        root = self.parse_object(0)
        trailing = self.peek()
        if trailing.kind != "eof":
            raise self.error(
                f"Unexpected {_describe(trailing)} after the root object's 'end'", trailing)
        return root

    def parse_object(self, depth: int, header: re.Match[str] | None = None) -> ObjectNode:
        """The block at ``self.pos``; ``header`` is its ``SIMPLE_HEADER_RE`` match when the
        caller has it."""
        text = self.text
        if header is None:
            header = SIMPLE_HEADER_RE.match(text, self.pos)
        kind = None
        if header is not None and depth < MAX_DEPTH:
            kind = _OBJECT_KEYWORDS.get(header.group("keyword").lower())
        if kind is not None:
            start_offset = header.start("keyword")  # type: ignore[union-attr]
            name, class_name = header.group("name", "cls")  # type: ignore[union-attr]
            index = None
            self.pos = header.end()  # type: ignore[union-attr]
        else:
            start = self.next()
            kind = _OBJECT_KEYWORDS.get(start.value.lower()) if start.kind == "ident" else None  # type: ignore[union-attr]
            if kind is None:
                raise self.expected("'object', 'inherited' or 'inline'", start)
            if depth >= MAX_DEPTH:
                raise self.error(f"Objects nested deeper than {MAX_DEPTH} levels", start)
            start_offset = start.offset
            first = self.expect_plain_ident("component name or class name")
            name = ""
            class_name = first.value  # type: ignore[assignment]
            if self.is_sym(self.peek(), ":"):
                self.next()
                name = class_name
                class_name = self.expect_plain_ident("class name").value  # type: ignore[assignment]
            index = self.expect_index() if self.is_sym(self.peek(), "[") else None
        line, col = self.source.position(start_offset)
        properties: list[PropertyNode] = []
        rows = None
        if self.light:  # rows stay rows: every ROW_RE row converts
            rows = self.section_rows()
            if rows is None:
                self.parse_properties(properties, depth, name or class_name)
        elif not self.property_section(properties):
            self.parse_properties(properties, depth, name or class_name)
        children: list[ObjectNode] = []
        match_end = END_RE.match
        match_header = SIMPLE_HEADER_RE.match
        while True:
            end = match_end(text, self.pos)
            if end is not None:
                self.pos = end.end()
                break
            child = match_header(text, self.pos)
            if child is not None and child.group("keyword").lower() in _OBJECT_KEYWORDS:
                children.append(self.parse_object(depth + 1, child))
                continue
            token = self.peek()
            if self.is_keyword(token, "end"):
                self.next()
                break
            if token.kind == "ident" and token.value.lower() in _OBJECT_KEYWORDS:  # type: ignore[union-attr]
                children.append(self.parse_object(depth + 1))
                continue
            if token.kind == "eof":
                raise self.expected(f"'end' of {name or class_name}", token)
            if token.kind == "ident":
                raise self.error(
                    f"PropertyNode '{token.value}' after a nested object: properties must come "
                    "before nested objects", token)
            raise self.expected("nested object or 'end'", token)
        if self.light:
            return RowsObjectNode(class_name, name, kind, index, children, line,  # type: ignore[return-value]
                                  col, rows, properties, self.source)
        return new_object(class_name, name, kind, index, tuple(properties),  # type: ignore[arg-type]
                          tuple(children), line, col)

    def section_rows(self) -> tuple[list[str], list[str], int] | None:
        """The rows of the block's properties when they are all one-line properties, each on its
        own line, up to the line of 'end' or a nested block (one search, one split): their paths,
        their values and the line before the first, with ``self.pos`` moved past them; None
        (nothing read) otherwise."""
        text, pos = self.text, self.pos
        found = self.section()
        if found is None:
            return None
        stop, first = found[0].start(), found[1].end()
        # each row a whole line with its line break, from the next line
        flat = ROW_RE.split(text[first:stop + 1])
        paths = flat[PATH::ROW_STRIDE]
        # as many rows as line breaks: every line is a row (and the texts between are empty);
        # no header or end among them (the section ends before them)
        if len(paths) != text.count("\n", first, stop + 1) or None in paths:
            return None
        if stop > pos and text[stop - 1] == "\r":
            stop -= 1  # the CR of a CR LF belongs to the line break, as in the rows
        self.pos = stop
        return paths, flat[VALUE::ROW_STRIDE], self.source.position(pos)[0]

    def property_section(self, properties: list[PropertyNode]) -> bool:
        """Read the block's properties when :meth:`section_rows` finds them all; False (and
        nothing read) otherwise."""
        text, pos = self.text, self.pos
        found = self.section()
        if found is None:
            return False
        section = found[0]
        stop = section.start()
        rows = LINE_PROPERTY_RE.findall(text, pos, section.end())  # each from a line break
        if len(rows) != text.count("\n", pos, stop):  # else every line up to there is a row
            return False
        converted = rows_to_properties(rows, self.source.position(pos)[0], self.source)
        if converted is None:
            return False
        if stop > pos and text[stop - 1] == "\r":
            stop -= 1  # the CR of a CR LF belongs to the line break, as in the rows
        self.pos = stop
        properties += converted
        return True

    def section(self) -> tuple[re.Match[str], re.Match[str]] | None:
        """Where the block's properties end (the line of 'end' or a nested block), and the end
        of the current line; None when either is not found."""
        section = SECTION_END_RE.search(self.text, self.pos)
        line_end = LINE_END_RE.match(self.text, self.pos)
        if section is None or line_end is None:
            return None
        return section, line_end

    def parse_properties(self, properties: list[PropertyNode], depth: int, owner: str) -> None:
        """Read the block's properties up to 'end' or a nested block, line by line (runs of
        one-line properties in one go)."""
        text = self.text
        match_property = SIMPLE_PROPERTY_RE.match
        match_run = PROPERTY_RUN_RE.match
        match_block_word = BLOCK_WORD_RE.match
        run_from = self.pos  # a run that failed is not tried again line by line
        while True:
            if self.pos >= run_from:
                run = match_run(text, self.pos)
                if run is not None:
                    # to the end of the run's last line, which its last row looks ahead at
                    line_end = LINE_END_RE.match(text, run.end())
                    row_end = run.end() if line_end is None else line_end.end()
                    rows = LINE_PROPERTY_RE.findall(text, run.start(), row_end)
                    first = self.source.position(run.start())[0]
                    if self.property_rows(rows, first, properties):
                        self.pos = run_from = run.end()
                    else:
                        run_from = run.end()
            if match_block_word(text, self.pos) is not None:
                break  # 'end' or a nested block (even as 'end = 1': the token path decides so)
            match = match_property(text, self.pos)
            if match is not None:
                node = self.simple_property(match, _OBJECT_END_WORDS)
                if node is not None:
                    properties.append(node)
                    self.pos = match.end()
                    continue
            token = self.peek()
            if token.kind != "ident":
                if token.kind == "eof":
                    raise self.expected(f"'end' of {owner}", token)
                raise self.expected("property name, nested object or 'end'", token)
            word = token.value.lower()  # type: ignore[union-attr]
            if word == "end" or word in _OBJECT_KEYWORDS:
                break
            properties.append(self.parse_property(depth))

    def property_rows(self, rows: list[tuple[str, ...]], line: int,
                      properties: list[PropertyNode]) -> bool:
        """Append the properties of ``LINE_PROPERTY_RE`` rows, on the lines after ``line``, to
        ``properties``; False (and nothing appended) when one of them needs the checks of the
        line-by-line path."""
        found = rows_to_properties(rows, line, self.source)  # type: ignore[arg-type]
        if found is None:
            return False
        properties += found
        return True

    def parse_property(self, depth: int) -> PropertyNode:
        name = self.next()  # caller checked: an identifier
        self.expect_sym("=")
        value = self.parse_value(depth)
        line, col = self.node_position(name)
        return PropertyNode(name.value, value, line, col)  # type: ignore[arg-type]

    def parse_value(self, depth: int) -> Value:
        token = self.next()
        kind = token.kind
        if kind == "int":
            return Integer(token.value)  # type: ignore[arg-type]
        if kind == "string":
            return self.parse_string_rest(token.value)  # type: ignore[arg-type]
        if kind == "ident":
            word = token.value.lower()  # type: ignore[union-attr]
            if word == "true":
                return Bool(True)
            if word == "false":
                return Bool(False)
            if word == "nil":
                return Nil()
            if word in RESERVED_VALUES:
                raise self.expected("property value", token)
            return Ident(token.value)  # type: ignore[arg-type]
        if kind == "float":
            number, suffix = token.value  # type: ignore[misc]
            return Float(number, suffix)
        if kind == "binary":
            return Binary(token.value)  # type: ignore[arg-type]
        if kind == "sym":
            char = token.value
            if depth >= MAX_DEPTH and char in "(<":
                raise self.error(f"Values nested deeper than {MAX_DEPTH} levels", token)
            if char == "[":
                return self.parse_set()
            if char == "(":
                return self.parse_list(depth + 1)
            if char == "<":
                return self.parse_collection(depth + 1)
        raise self.expected("property value", token)

    def parse_string_rest(self, first: str) -> String:
        if not self.is_sym(self.peek(), "+"):
            return String(first)
        parts = [first]
        while self.is_sym(self.peek(), "+"):
            self.next()
            token = self.next()
            if token.kind != "string":
                raise self.expected("string after '+'", token)
            parts.append(token.value)  # type: ignore[arg-type]
        return String(join_surrogates("".join(parts)))

    def parse_set(self) -> Set:
        items: list[str] = []
        if self.is_sym(self.peek(), "]"):
            self.next()
            return Set(())
        while True:
            items.append(self.expect_plain_ident("set element name").value)  # type: ignore[arg-type]
            token = self.next()
            if self.is_sym(token, "]"):
                return Set(items)
            if not self.is_sym(token, ","):
                raise self.expected("',' or ']'", token)

    def parse_list(self, depth: int) -> List:
        items: list[Value] = []
        while True:
            token = self.peek()
            if self.is_sym(token, ")"):
                self.next()
                return List(items)
            if token.kind == "eof":
                raise self.expected("')'", token)
            items.append(self.parse_value(depth))

    def parse_collection(self, depth: int) -> Collection:
        items: list[CollectionItem] = []
        while True:
            token = self.next()
            if self.is_sym(token, ">"):
                return Collection(items)
            if not self.is_keyword(token, "item"):
                raise self.expected("'item' or '>'", token)
            index = self.expect_index() if self.is_sym(self.peek(), "[") else None
            properties: list[PropertyNode] = []
            while True:
                match = SIMPLE_PROPERTY_RE.match(self.text, self.pos)
                if match is not None:
                    node = self.simple_property(match, _ITEM_END_WORDS)
                    if node is not None:
                        properties.append(node)
                        self.pos = match.end()
                        continue
                inner = self.peek()
                if self.is_keyword(inner, "end"):
                    self.next()
                    break
                if inner.kind != "ident":
                    raise self.expected("property name or 'end' of the collection item", inner)
                properties.append(self.parse_property(depth))
            line, col = self.node_position(token)
            items.append(CollectionItem(properties, index, line, col))
