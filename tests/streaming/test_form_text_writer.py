"""Delphi's text layout (spec §4.2, checklist 29) and the LFM flavour (§4.4)."""

from __future__ import annotations

import math

import pytest

from fnc.exceptions import EWriteError
from fnc.streaming import parse_text, write_text
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


def form(*props: PropertyNode, children: tuple[ObjectNode, ...] = ()) -> ObjectNode:
    return ObjectNode("TForm1", "Form1", properties=props, children=children)


def prop_text(value: object, flavour: str = "dfm") -> str:
    """The text written for ``X = value`` (without the header and ``end`` lines)."""
    text = write_text(form(PropertyNode("X", value)), flavour)  # type: ignore[arg-type]
    lines = text.split("\n")
    assert lines[0] == "object Form1: TForm1"
    assert lines[-2:] == ["end", ""]
    return "\n".join(lines[1:-2])


def test_delphi_layout_of_a_whole_form() -> None:
    tree = form(
        PropertyNode("Left", Integer(0)),
        PropertyNode("Caption", String("It's a form")),
        PropertyNode("Font.Style", Set(("fsBold",))),
        PropertyNode("OnCreate", Ident("FormCreate")),
        children=(
            ObjectNode("TMemo", "Memo1", properties=[
                PropertyNode("Lines.Strings", List([String("first"), String("second")]))]),
            ObjectNode("TDBGrid", "DBGrid1", properties=[
                PropertyNode("Columns", Collection([
                    CollectionItem([PropertyNode("FieldName", String("ID"))])]))]),
            ObjectNode("TImage", "Image1", properties=[
                PropertyNode("Picture.Data", Binary(bytes.fromhex(
                    "0954506E67496D61676589504E470D0A1A0A0000000D49484452000000100000"
                    "0010")))]),
        ),
    )
    assert write_text(tree) == (
        "object Form1: TForm1\n"
        "  Left = 0\n"
        "  Caption = 'It'#39's a form'\n"
        "  Font.Style = [fsBold]\n"
        "  OnCreate = FormCreate\n"
        "  object Memo1: TMemo\n"
        "    Lines.Strings = (\n"
        "      'first'\n"
        "      'second')\n"
        "  end\n"
        "  object DBGrid1: TDBGrid\n"
        "    Columns = <\n"
        "      item\n"
        "        FieldName = 'ID'\n"
        "      end>\n"
        "  end\n"
        "  object Image1: TImage\n"
        "    Picture.Data = {\n"
        "      0954506E67496D61676589504E470D0A1A0A0000000D49484452000000100000\n"
        "      0010}\n"
        "  end\n"
        "end\n"
    )


def test_headers() -> None:
    tree = ObjectNode("TForm2", "Form2", "inherited", children=[
        ObjectNode("TLabel", "Label1", "inherited", 0),
        ObjectNode("TFrame1", "Frame11", "inline"),
        ObjectNode("TPanel"),
    ])
    assert write_text(tree) == (
        "inherited Form2: TForm2\n"
        "  inherited Label1: TLabel [0]\n  end\n"
        "  inline Frame11: TFrame1\n  end\n"
        "  object TPanel\n  end\n"
        "end\n")


@pytest.mark.parametrize(("value", "expected"), [
    (String(""), "''"),
    (String("plain"), "'plain'"),
    (String("It's"), "'It'#39's'"),
    (String("a\r\nb"), "'a'#13#10'b'"),
    (String("\t"), "#9"),
    (String("caf\u00e9"), "'caf'#233"),
    (String("\U0001F600"), "#55357#56832"),
    (String("~\x7f"), "'~\x7f'"),
    (Integer(-42), "-42"),
    (Integer(2**64 - 1), "18446744073709551615"),
    (Bool(True), "True"),
    (Bool(False), "False"),
    (Nil(), "nil"),
    (Ident("Form2.Button1"), "Form2.Button1"),
    (Set(()), "[]"),
    (Set(("a", "b", "c")), "[a, b, c]"),
    (Float(16.0), "16.000000000000000000"),
    (Float(0.5), "0.500000000000000000"),
    (Float(-3.25), "-3.250000000000000000"),
    (Float(0.699999988079071), "0.699999988079071000"),
    (Float(1e20), "1.000000000000000E+0020"),
    (Float(1.7976931348623157e308), "1.797693134862315E+0308"),  # rounded down: stays finite
    (Float(-1.7976931348623157e308, "d"), "-1.79769313486231E308d"),
    (Float(2.5, "s"), "2.5s"),
    (Float(45000.5, "d"), "45000.5d"),
    (Float(125000.0, "c"), "125000c"),
    (Float(1.5e-7, "s"), "1.5E-7s"),
    (List(()), "()"),
    (Collection(()), "<>"),
    (Binary(b""), "{}"),
])
def test_values(value: object, expected: str) -> None:
    assert prop_text(value) == "  X = " + expected


def test_short_binary_stays_on_the_brace_line_and_32_bytes_wrap() -> None:
    assert prop_text(Binary(bytes(range(31)))) == "  X = {" + bytes(range(31)).hex().upper() + "}"
    assert prop_text(Binary(bytes(range(32)))) == (
        "  X = {\n    " + bytes(range(32)).hex().upper() + "}")
    assert prop_text(Binary(bytes(range(70)))) == (
        "  X = {\n    " + bytes(range(32)).hex().upper() + "\n    "
        + bytes(range(32, 64)).hex().upper() + "\n    " + bytes(range(64, 70)).hex().upper() + "}")


def test_string_of_64_units_stays_on_one_line() -> None:
    assert prop_text(String("a" * 64)) == "  X = '" + "a" * 64 + "'"


def test_long_strings_wrap_at_64_units_after_the_equals_sign() -> None:
    text = "Warning: lowering this threshold causes performance degradation. Contact support."
    assert prop_text(String(text)) == (
        "  X = \n"
        "    'Warning: lowering this threshold causes performance degradation.' +\n"
        "    ' Contact support.'")


def test_wrap_counts_a_character_code_as_one_unit() -> None:
    value = "x" * 62 + "\r\n" + "y" * 3
    assert prop_text(String(value)) == (
        "  X = \n"
        "    '" + "x" * 62 + "'#13#10 +\n"
        "    'yyy'")
    value = "x" * 63 + "\r\n" + "y"
    assert prop_text(String(value)) == (
        "  X = \n"
        "    '" + "x" * 63 + "'#13 +\n"
        "    #10'y'")


def test_wrap_exactly_at_the_end_adds_no_plus() -> None:
    assert prop_text(String("z" * 128)) == (
        "  X = \n    '" + "z" * 64 + "' +\n    '" + "z" * 64 + "'")


def test_long_string_in_a_list_starts_its_own_line() -> None:
    assert prop_text(List([String("short"), String("w" * 70)])) == (
        "  X = (\n"
        "    'short'\n"
        "    \n"
        "      '" + "w" * 64 + "' +\n"
        "      'wwwwww')")


def test_nested_values_indent() -> None:
    value = Collection([
        CollectionItem([PropertyNode("Items", List([Integer(1), List([String("a")])])),
                        PropertyNode("Sub", Collection([CollectionItem([], 2)]))], index=0),
    ])
    assert prop_text(value) == (
        "  X = <\n"
        "    item [0]\n"
        "      Items = (\n"
        "        1\n"
        "        (\n"
        "          'a'))\n"
        "      Sub = <\n"
        "        item [2]\n"
        "        end>\n"
        "    end>")


def test_crlf_line_breaks() -> None:
    tree = form(PropertyNode("X", List([String("a")])))
    assert write_text(tree, line_break="\r\n") == (
        "object Form1: TForm1\r\n  X = (\r\n    'a')\r\nend\r\n")


# -- LFM flavour -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (String("It's"), "'It''s'"),
    (String("caf\u00e9 \U0001F600"), "'caf\u00e9 \U0001F600'"),
    (String("a\r\nb"), "'a'#13#10'b'"),
    (String("\ud800"), "#55296"),
    (String("x" * 100), "'" + "x" * 100 + "'"),
    (Float(16.0), "16"),
    (Float(0.5), "0.5"),
    (Float(2.5, "s"), "2.5s"),
    (List([String("a"), String("b")]), "(\n    'a'\n    'b'\n  )"),
    (List(()), "(\n  )"),
    (Binary(b"\x01\x02"), "{\n    0102\n  }"),
    (Collection([CollectionItem([PropertyNode("A", Integer(1))], 3)]),
     "<\n    item[3]\n      A = 1\n    end>"),
])
def test_lfm_values(value: object, expected: str) -> None:
    assert prop_text(value, "lfm") == "  X = " + expected


def test_lfm_text_parses_back() -> None:
    tree = form(PropertyNode("S", String("It's \u00e9\r\n")),
                PropertyNode("L", List([String("a")])),
                PropertyNode("B", Binary(bytes(range(40)))))
    text = write_text(tree, "lfm")
    assert parse_text(text) == tree
    assert write_text(parse_text(text), "lfm") == text


# -- what cannot be written --------------------------------------------------------------------


@pytest.mark.parametrize("tree", [
    ObjectNode("T Form"),
    ObjectNode("TForm", "1abc"),
    ObjectNode(""),
    form(PropertyNode("a b", Integer(1))),
    form(PropertyNode("End", Integer(1))),
    form(PropertyNode("X", Ident("True"))),
    form(PropertyNode("X", Ident("a-b"))),
    form(PropertyNode("X", Set(("ok", "not ok")))),
    form(PropertyNode("X", Float(math.nan))),
    form(PropertyNode("X", Float(math.inf, "s"))),
    form(PropertyNode("X", Float(1.0, "q"))),  # type: ignore[arg-type]
    form(PropertyNode("X", "raw string")),  # type: ignore[arg-type]
    ObjectNode("TForm", kind="class"),  # type: ignore[arg-type]
])
def test_unwritable_trees_raise_ewriteerror(tree: ObjectNode) -> None:
    with pytest.raises(EWriteError):
        write_text(tree)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError):
        write_text("object A: TA end")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown text flavour"):
        write_text(form(), "xml")
    with pytest.raises(ValueError, match="line_break"):
        write_text(form(), line_break="\r")


def test_too_deep_tree_raises_ewriteerror() -> None:
    value: object = Integer(1)
    for _ in range(300):
        value = List([value])
    with pytest.raises(EWriteError, match="nested deeper"):
        write_text(form(PropertyNode("X", value)))  # type: ignore[arg-type]


# -- stability -----------------------------------------------------------------------------------

HAND_WRITTEN = """\ufeffOBJECT Form1 : TForm1
  Left=0   Top = 0
  Caption = 'Hello ' + 'world'
  Color = clBtnFace
  Font.Style = [ fsBold,fsItalic ]
  Ratio = 1.5
  Big = $7FFFFFFF
  Strings = ( 'a' 'b' )
  Data = { 00 01 02 }
  object Panel1 : TPanel
    Cols = < item Width = 5 end >
    object Button1: TButton [0]
      OnClick = Button1Click
      Enabled = false
    end
  end
end
"""


def test_hand_written_text_is_semantically_stable() -> None:
    tree = parse_text(HAND_WRITTEN)
    text = write_text(tree)
    assert parse_text(text) == tree
    assert write_text(parse_text(text)) == text
    assert "Caption = 'Hello world'" in text
    assert "Big = 2147483647" in text
    assert "Enabled = False" in text
    assert "object Panel1: TPanel" in text
