"""Every element of the text form grammar (spec §4.1, checklist 19-21)."""

from __future__ import annotations

import pytest

from fnc.exceptions import EParserError
from fnc.streaming import parse_text
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
)


def value_of(text: str):
    """Parse ``X = <text>`` inside a minimal form and return the value node."""
    root = parse_text(f"object F: TF\n  X = {text}\nend\n")
    assert len(root.properties) == 1
    return root.properties[0].value


# -- strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("'It''s'", "It's"),
    ("#39", "'"),
    ("#13#10", "\r\n"),
    ("'a'#13#10'b'", "a\r\nb"),
    ("''", ""),
    ("'x'#$41'y'", "xAy"),
    ("#55357#56832", "\U0001F600"),  # UTF-16 surrogate pair joins into one code point
    ("'Σφάλμα'", "Σφάλμα"),
    ("#931#966", "Σφ"),
    ("'  spaces kept  '", "  spaces kept  "),
])
def test_string_pieces(text: str, expected: str) -> None:
    assert value_of(text) == String(expected)


def test_plus_joins_strings_across_lines() -> None:
    assert value_of("'first ' +\n    'second'#13#10 +\n  #39'third'#39") == String(
        "first second\r\n'third'")


def test_plus_with_crlf_line_breaks() -> None:
    root = parse_text("object F: TF\r\n  X = 'a' +\r\n    'b'\r\nend\r\n")
    assert root.properties[0].value == String("ab")


def test_unterminated_string_reports_line_and_column() -> None:
    with pytest.raises(EParserError) as info:
        parse_text("object F: TF\n  Caption = 'abc\nend\n", "unit1.dfm")
    err = info.value
    assert (err.filename, err.line, err.column) == ("unit1.dfm", 2, 13)
    assert "Unterminated string" in str(err)
    assert str(err).startswith("unit1.dfm:2:13: ")


def test_string_needs_piece_after_plus() -> None:
    with pytest.raises(EParserError,
                       match="string after '\\+' expected but integer 5 found") as info:
        parse_text("object F: TF\n  X = 'a' + 5\nend")
    assert (info.value.line, info.value.column) == (2, 13)


@pytest.mark.parametrize("text", ["#", "#x", "'a'#"])
def test_bad_character_code(text: str) -> None:
    with pytest.raises(EParserError, match="'#' must be followed by a character code"):
        value_of(text)


def test_character_code_out_of_range() -> None:
    with pytest.raises(EParserError, match="out of range"):
        value_of("#1114112")


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("0", Integer(0)),
    ("42", Integer(42)),
    ("-5", Integer(-5)),
    ("$FF", Integer(255)),
    ("$ff", Integer(255)),
    ("$FFFFFFFFFFFFFFFF", Integer(2**64 - 1)),
    ("-9223372036854775808", Integer(-(2**63))),
    ("1.5", Float(1.5)),
    ("-0.25", Float(-0.25)),
    ("1e3", Float(1000.0)),
    ("1.5E-3", Float(0.0015)),
    ("2.5s", Float(2.5, "s")),
    ("2.5S", Float(2.5, "s")),
    ("45000.5d", Float(45000.5, "d")),
    ("125000c", Float(125000.0, "c")),
    ("16.000000000000000000", Float(16.0)),
])
def test_numbers(text: str, expected: object) -> None:
    assert value_of(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("-$FF", "'-' must be followed by digits"),
    ("$", "'\\$' must be followed by hex digits"),
    ("1.", "'1.' is not a number"),
    ("5x", "'5x' is not a number"),
    ("1e", "'1e' is not a number"),
    ("$FG", "'\\$FG' is not a number"),
    ("18446744073709551616", "Integer out of range"),
    ("-9223372036854775809", "Integer out of range"),
    ("1e999", "Float out of range"),
    ("9" * 5000, "Number out of range"),
])
def test_bad_numbers(text: str, message: str) -> None:
    with pytest.raises(EParserError, match=message) as info:
        value_of(text)
    assert (info.value.line, info.value.column) == (2, 7)


# -- identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("True", Bool(True)),
    ("TRUE", Bool(True)),
    ("false", Bool(False)),
    ("nil", Nil()),
    ("NIL", Nil()),
    ("alClient", Ident("alClient")),
    ("Form2.Button1", Ident("Form2.Button1")),
    ("_x1", Ident("_x1")),
    ("Owner", Ident("Owner")),
])
def test_identifiers(text: str, expected: object) -> None:
    assert value_of(text) == expected


@pytest.mark.parametrize("word", ["end", "object", "Inherited", "INLINE"])
def test_block_keywords_are_not_values(word: str) -> None:
    with pytest.raises(EParserError, match=f"property value expected but '{word}' found"):
        value_of(word)


# -- sets, lists, collections, binary --------------------------------------------------------


def test_sets() -> None:
    assert value_of("[fsBold, fsItalic]") == Set(("fsBold", "fsItalic"))
    assert value_of("[ fsBold ]") == Set(("fsBold",))
    assert value_of("[]") == Set(())
    assert value_of("[\n  a,\n  b\n]") == Set(("a", "b"))


@pytest.mark.parametrize(("text", "message"), [
    ("[a,]", "set element name expected but ']' found"),
    ("[a b]", "',' or ']' expected but 'b' found"),
    ("[1]", "set element name expected but integer 1 found"),
    ("[a.b]", "dotted name 'a.b'"),
    ("[a", "',' or ']' expected but end of file found"),
])
def test_bad_sets(text: str, message: str) -> None:
    with pytest.raises(EParserError, match=message):
        parse_text(f"object F: TF\n  X = {text}")


def test_lists_of_any_values_nested() -> None:
    assert value_of("(\n  'first'\n  'second')") == List((String("first"), String("second")))
    assert value_of("()") == List(())
    assert value_of("( 1 2.5 'x' a [b] (3 ('y')) True nil {00} )") == List((
        Integer(1), Float(2.5), String("x"), Ident("a"), Set(("b",)),
        List((Integer(3), List((String("y"),)))), Bool(True), Nil(), Binary(b"\0"),
    ))
    assert value_of("('a' 'b')") == List((String("a"), String("b")))
    assert value_of("('a'+\n 'b' 'c')") == List((String("ab"), String("c")))


def test_unclosed_list() -> None:
    with pytest.raises(EParserError, match="'\\)' expected but end of file found"):
        parse_text("object F: TF\n  X = ('a'\n")


def test_collections() -> None:
    value = value_of(
        "<\n    item\n      FieldName = 'ID'\n      Width = 64\n    end\n"
        "    item [3]\n    end\n    item[4]\n      Sub = <>\n    end>")
    assert value == Collection((
        CollectionItem((PropertyNode("FieldName", String("ID")),
                        PropertyNode("Width", Integer(64)))),
        CollectionItem((), 3),
        CollectionItem((PropertyNode("Sub", Collection(())),), 4),
    ))
    assert value_of("<>") == Collection(())
    assert value.items[0].line == 3


@pytest.mark.parametrize(("text", "message"), [
    ("< items end>", "'item' or '>' expected but 'items' found"),
    ("< item X = 1 >", "property name or 'end' of the collection item expected but '>' found"),
    ("< item X = 1 end", "'item' or '>' expected but end of file found"),
    ("< item [x] end>", "integer index expected but 'x' found"),
])
def test_bad_collections(text: str, message: str) -> None:
    with pytest.raises(EParserError, match=message):
        parse_text(f"object F: TF\n  X = {text}")


def test_binary_with_whitespace() -> None:
    assert value_of("{ 0A FF }") == Binary(b"\x0a\xff")
    assert value_of("{\n  0954\n  5046}") == Binary(bytes.fromhex("09545046"))
    assert value_of("{}") == Binary(b"")
    assert value_of("{0a0b}") == Binary(b"\x0a\x0b")


@pytest.mark.parametrize(("text", "message", "column"), [
    ("{0A F}", "odd number of hex digits", 7),
    ("{0A XY}", "'X' is not a hex digit", 11),
    ("{0A", "Unterminated binary value", 7),
])
def test_bad_binary(text: str, message: str, column: int) -> None:
    with pytest.raises(EParserError, match=message) as info:
        parse_text(f"object F: TF\n  X = {text}")
    assert (info.value.line, info.value.column) == (2, column)


# -- objects ---------------------------------------------------------------------------------


def test_headers() -> None:
    root = parse_text(
        "inherited Form2: TForm2\n"
        "  object TLabel\n  end\n"
        "  inline Frame11: TFrame1\n  end\n"
        "  Inherited Label1: TLabel [0]\n  end\n"
        "  OBJECT Button3: TButton[2]\n  END\n"
        "  object TPanel [1]\n  end\n"
        "end\n")
    assert (root.kind, root.name, root.class_name, root.index) == (
        "inherited", "Form2", "TForm2", None)
    assert [(c.kind, c.name, c.class_name, c.index) for c in root.children] == [
        ("object", "", "TLabel", None),
        ("inline", "Frame11", "TFrame1", None),
        ("inherited", "Label1", "TLabel", 0),
        ("object", "Button3", "TButton", 2),
        ("object", "", "TPanel", 1),
    ]


def test_dotted_property_paths_and_positions() -> None:
    root = parse_text("object Form1: TForm1\n  Font.Name = 'Tahoma'\n"
                      "  Constraints.MinWidth = 5\n  object B: TB\n    Size.Width = 26.0\n"
                      "  end\nend\n")
    assert root.properties[0] == PropertyNode("Font.Name", String("Tahoma"))
    assert root.properties[0].parts == ("Font", "Name")
    assert (root.properties[1].line, root.properties[1].col) == (3, 3)
    assert (root.line, root.col) == (1, 1)
    child = root.children[0]
    assert (child.line, child.col) == (4, 3)
    assert child.find_property("size.width") == PropertyNode("Size.Width", Float(26.0))
    assert root.find_child("b") is child
    assert [n.name for n in root.walk()] == ["Form1", "B"]


def test_nesting_and_positions_ignored_in_equality() -> None:
    a = parse_text("object A: TA\n  object B: TB\n    X = 1\n  end\nend")
    b = parse_text("object A: TA object B: TB X = 1 end end")
    assert a == b
    inner = ObjectNode("TB", "B", properties=[PropertyNode("X", Integer(1))])
    assert a == ObjectNode("TA", "A", children=[inner])


def test_bom_and_bytes_input() -> None:
    text = "\ufeffobject A: TA\n  S = 'é'\nend\n"
    assert parse_text(text).properties[0].value == String("é")
    assert parse_text(text.encode("utf-8")).properties[0].value == String("é")
    # ANSI (Windows-1252) text without BOM, as old Delphi versions wrote it
    assert parse_text("object A: TA\n  S = '\u20ac'\nend".encode("cp1252")).properties[0].value == \
        String("\u20ac")


def test_bom_does_not_shift_columns() -> None:
    with pytest.raises(EParserError) as info:
        parse_text("\ufeffobject A: TA X end")
    assert (info.value.line, info.value.column) == (1, 16)  # the 'end' where '=' belongs


def test_whitespace_is_any_control_character() -> None:
    assert parse_text("object\tA:\x0bTA\x0c\r\n\x01X\t=\t1 end").properties[0].value == Integer(1)


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ("", "Empty form file", 1, 1),
    ("   \n  ", "Empty form file", 2, 3),
    ("objekt A: TA end", "'object', 'inherited' or 'inline' expected but 'objekt' found", 1, 1),
    ("object : TA end", "component name or class name expected but ':' found", 1, 8),
    ("object A: end", "'end' of A expected but end of file found", 1, 14),
    ("object A: 5 end", "class name expected but integer 5 found", 1, 11),
    ("object A.B: TA end", "dotted name 'A.B' found", 1, 8),
    ("object A: TA [x] end", "integer index expected but 'x' found", 1, 15),
    ("object A: TA\n  X 1\nend", "'=' expected but integer 1 found", 2, 5),
    ("object A: TA\n  X = \nend", "property value expected but 'end' found", 3, 1),
    ("object A: TA\n  X = =\nend", "property value expected but '=' found", 2, 7),
    ("object A: TA\n  X = )\nend", "property value expected but '\\)' found", 2, 7),
    ("object A: TA\n  5 = 1\nend", "property name, nested object or 'end' expected but integer",
     2, 3),
    ("object A: TA\n  X = 1\n", "'end' of A expected but end of file found", 3, 1),
    ("object A: TA\n  object B: TB\n  end\n  X = 1\nend",
     "PropertyNode 'X' after a nested object", 4, 3),
    ("object A: TA\n  object B: TB\n  end\n  'x'\nend", "nested object or 'end' expected", 4, 3),
    ("object A: TA end\nobject B: TB end", "Unexpected 'object' after the root object's 'end'",
     2, 1),
    ("object A: TA\n  X = 1 ;\nend", "Invalid character ';'", 2, 9),
    ("object A: TA\n  X = 1 \x00\nend", "Invalid character #0", 2, 9),
    ("object A: TA\n  X = 1 \u00a0\nend", "Invalid character #160", 2, 9),
])
def test_error_messages_and_positions(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(EParserError, match=message) as info:
        parse_text(text, "form.dfm")
    err = info.value
    assert (err.filename, err.line, err.column) == ("form.dfm", line, column)
    assert str(err).startswith(f"form.dfm:{line}:{column}: ")


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    deep = "object A: TA\n" + "object B: TB\n" * 5000 + "end\n" * 5001
    with pytest.raises(EParserError, match="nested deeper than"):
        parse_text(deep)
    with pytest.raises(EParserError, match="nested deeper than"):
        parse_text("object A: TA X = " + "(" * 5000 + ")" * 5000 + " end")
    with pytest.raises(EParserError, match="nested deeper than"):
        parse_text("object A: TA X = " + "<item X = " * 5000 + "1" + " end>" * 5000 + " end")


def test_moderate_nesting_is_fine() -> None:
    text = "object A: TA\n" + "object B: TB\n" * 150 + "end\n" * 151
    depth = sum(1 for _ in parse_text(text).walk())
    assert depth == 151


def test_bad_input_types() -> None:
    with pytest.raises(TypeError):
        parse_text(42)  # type: ignore[arg-type]


def test_invalid_utf8_after_bom() -> None:
    with pytest.raises(EParserError, match="Invalid UTF-8 after the byte order mark"):
        parse_text(b"\xef\xbb\xbfobject A: TA X = '\xff' end")
