"""Parser for text form files: source text in, :class:`~fnc.streaming.syntax.ObjectNode` out.

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

from fnc.exceptions import EParserError
from fnc.streaming.lexer import Source, Token, join_surrogates, tokenize
from fnc.streaming.syntax import (
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
)

__all__ = ["MAX_DEPTH", "decode_form_text", "parse_text"]

#: Deepest nesting of objects, lists and collections accepted (real forms use a few dozen).
MAX_DEPTH = 200

_OBJECT_KEYWORDS = {"object": "object", "inherited": "inherited", "inline": "inline"}
_RESERVED_VALUES = frozenset(("end", "object", "inherited", "inline"))
_BOM = "\ufeff"


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


def parse_text(text: str | bytes, filename: str | None = None, *,
               encoding: str | None = None) -> ObjectNode:
    """Parse the text of a form file into its root :class:`ObjectNode`.

    ``text`` may be ``bytes`` (decoded by :func:`decode_form_text`) or ``str``; a leading BOM is
    skipped. ``filename`` only labels error messages. Raises :class:`EParserError`.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        text = decode_form_text(bytes(text), encoding)
    elif not isinstance(text, str):
        raise TypeError(f"form text must be str or bytes, not {type(text).__name__}")
    if text.startswith(_BOM):
        text = text[1:]  # editors do not show it: columns count from the first visible character
    source = Source(text, filename)
    return _Parser(source).parse_file()


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


class _Parser:
    __slots__ = ("pos", "source", "tokens")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0

    # -- helpers -------------------------------------------------------------

    def error(self, message: str, token: Token) -> EParserError:
        return self.source.error(message, token.offset)

    def expected(self, what: str, token: Token) -> EParserError:
        return self.error(f"{what} expected but {_describe(token)} found", token)

    def next(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "eof":
            self.pos += 1
        return token

    def peek(self) -> Token:
        return self.tokens[self.pos]

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

    # -- grammar -------------------------------------------------------------

    def parse_file(self) -> ObjectNode:
        first = self.peek()
        if first.kind == "eof":
            raise self.error("Empty form file: 'object', 'inherited' or 'inline' expected", first)
        root = self.parse_object(0)
        trailing = self.peek()
        if trailing.kind != "eof":
            raise self.error(
                f"Unexpected {_describe(trailing)} after the root object's 'end'", trailing)
        return root

    def parse_object(self, depth: int) -> ObjectNode:
        start = self.next()
        kind = _OBJECT_KEYWORDS.get(start.value.lower()) if start.kind == "ident" else None  # type: ignore[union-attr]
        if kind is None:
            raise self.expected("'object', 'inherited' or 'inline'", start)
        if depth >= MAX_DEPTH:
            raise self.error(f"Objects nested deeper than {MAX_DEPTH} levels", start)
        first = self.expect_plain_ident("component name or class name")
        name = ""
        class_name: str = first.value  # type: ignore[assignment]
        if self.is_sym(self.peek(), ":"):
            self.next()
            name = class_name
            class_name = self.expect_plain_ident("class name").value  # type: ignore[assignment]
        index = self.expect_index() if self.is_sym(self.peek(), "[") else None
        properties: list[PropertyNode] = []
        tokens = self.tokens
        while True:
            token = tokens[self.pos]
            if token.kind != "ident":
                if token.kind == "eof":
                    raise self.expected(f"'end' of {name or class_name}", token)
                raise self.expected("property name, nested object or 'end'", token)
            word = token.value.lower()  # type: ignore[union-attr]
            if word == "end" or word in _OBJECT_KEYWORDS:
                break
            properties.append(self.parse_property(depth))
        children: list[ObjectNode] = []
        while True:
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
        line, col = self.node_position(start)
        return ObjectNode(class_name=class_name, name=name, kind=kind, index=index,  # type: ignore[arg-type]
                          properties=properties, children=children, line=line, col=col)

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
            if word in _RESERVED_VALUES:
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
                inner = self.peek()
                if self.is_keyword(inner, "end"):
                    self.next()
                    break
                if inner.kind != "ident":
                    raise self.expected("property name or 'end' of the collection item", inner)
                properties.append(self.parse_property(depth))
            line, col = self.node_position(token)
            items.append(CollectionItem(properties, index, line, col))
