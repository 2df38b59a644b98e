"""The fast paths of reading and writing (blocks of one-line properties split in one pass,
plain values assigned inline, floats formatted without Decimal) give exactly what the general
paths give: the same tree, positions, errors and text."""

from __future__ import annotations

import math
import random
import struct

import pytest

from fnc import Event, Property, TComponent, TForm
from fnc.exceptions import EParserError, EReadError
from fnc.streaming import ComponentToString, StringToComponent, parse_text
from fnc.streaming.syntax.floats import _fixed18, fixed18
from fnc.streaming.syntax.tree import Float, Ident, Integer, String

CANONICAL = (
    "object A: TA\n"
    "  Left = 10\n"
    "  Caption = 'It''s '#39'quoted'#39\n"
    "  Ratio = 1.500000000000000000\n"
    "  Size = 2.5s\n"
    "  Mask = $FF\n"
    "  Kind = akBig\n"
    "  Font.Bold = True\n"
    "  object B: TB\n"
    "    Link = A.C\n"
    "  end\n"
    "end\n"
)


def test_one_line_properties_read_as_the_token_path_reads_them() -> None:
    fast = parse_text(CANONICAL)
    # The same tokens on few lines: nothing here is a block of one-line properties.
    slow = parse_text(
        "object A: TA Left = 10 Caption = 'It''s '#39'quoted'#39 Ratio = 1.5 Size = 2.5s "
        "Mask = $FF Kind = akBig Font.Bold = True object B: TB Link = A.C end end")
    assert fast == slow
    assert [p.value for p in fast.properties] == [
        Integer(10), String("It's 'quoted'"), Float(1.5), Float(2.5, "s"), Integer(255),
        Ident("akBig"), fast.properties[-1].value]
    assert [(p.line, p.col) for p in fast.properties] == [(i, 3) for i in range(2, 9)]
    child = fast.children[0]
    assert (child.line, child.col) == (9, 3)
    assert (child.properties[0].line, child.properties[0].col) == (10, 5)


def test_crlf_line_breaks_give_the_same_positions() -> None:
    lf = parse_text(CANONICAL)
    crlf = parse_text(CANONICAL.replace("\n", "\r\n"))
    assert crlf == lf
    assert [(p.line, p.col) for p in crlf.properties] == [(p.line, p.col) for p in lf.properties]
    assert (crlf.children[0].line, crlf.children[0].col) == (9, 3)


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ("object A: TA\n  X = 1\n  Y = 1e999\n  Z = 2\nend", "Float out of range: 1e999", 3, 7),
    ("object A: TA\n  X = 1\n  S = 'a'#99999999999\n  Z = 2\nend",
     "Invalid character code #99999999999: out of range", 3, 10),
    ("object A: TA\n  X = 1\n  Y = 2 junk\nend", "'=' expected but 'end' found", 4, 1),
    ("object A: TA\n  X = 1\n  End = 2\nend", "Unexpected '=' after the root object's 'end'",
     3, 7),
    ("object A: TA\n  X = 1\n  Y = end\nend", "property value expected but 'end' found", 3, 7),
    ("object A: TA\n  X = 1\n  Y = 'a'\n    + 5\nend",
     "string after '\\+' expected but integer 5 found", 4, 7),
    ("object A: TA\n  X = 1\n  object B: TB\n    Y = 2\n  end\n  Z = 3\nend",
     "PropertyNode 'Z' after a nested object", 6, 3),
    ("object A: TA\n  X = 1\n  Y = 12abc\nend", "Invalid number: '12a' is not a number", 3, 7),
    ("object A: TA\n  X = 1\n  Y = 'open\nend", "Unterminated string", 3, 7),
])
def test_errors_inside_one_line_blocks_keep_their_positions(text: str, message: str, line: int,
                                                            column: int) -> None:
    with pytest.raises(EParserError, match=message) as info:
        parse_text(text, "form.dfm")
    assert (info.value.line, info.value.column) == (line, column)


def test_fixed18_matches_the_exact_decimal_formatting() -> None:
    rnd = random.Random(20261202)
    values = [0.01, -0.01, 0.1, 1 / 3, 2.675, 9.999999999999999, 999999999999999.9, 1e15 - 0.5,
              0.0099999999, 123456.789, 1.0000000000000002]
    for _ in range(20000):
        values.append(rnd.random() * 10 ** rnd.uniform(-3, 16) * rnd.choice((1, -1)))
        bits = struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0]
        if math.isfinite(bits):
            values.append(bits)
    assert [fixed18(v) for v in values] == [_fixed18(v) for v in values]


class TFastGadget(TComponent):
    Caption = Property(str)
    Count = Property(int, 0)
    Ratio = Property(float, 0.0)
    Money = Property(float, 0.0)
    Enabled = Property(bool, True)
    Link = Property(TComponent)
    OnClick = Event("Sender")


class TFastForm(TForm):
    G1: TFastGadget
    G2: TFastGadget

    def GadgetClick(self, Sender: TComponent) -> None:
        pass


FORM = (
    "object FastForm: TFastForm\n"
    "  object G1: TFastGadget\n"
    "    Left = 4\n"
    "    Caption = 'one'\n"
    "    Count = 7\n"
    "    Ratio = 1.5\n"
    "    Money = 25000c\n"
    "    Enabled = False\n"
    "    Link = G2\n"
    "    OnClick = gadgetclick\n"
    "  end\n"
    "  object G2: TFastGadget\n"
    "    Count = 3\n"
    "  end\n"
    "end\n"
)


def test_inline_assignment_gives_the_typed_values_and_writes_back() -> None:
    form = StringToComponent(FORM, TFastForm(None))
    try:
        g1, g2 = form.G1, form.G2
        assert type(g1) is TFastGadget
        assert (g1.Caption, g1.Count, g1.Ratio, g1.Money, g1.Enabled) == (
            "one", 7, 1.5, 2.5, False)
        assert type(g1.Ratio) is float and g1.Link is g2 and g1.DesignInfo == {"Left": 4}
        assert g1.OnClick == form.GadgetClick
        text = ComponentToString(form)
        assert "    OnClick = gadgetclick\n" in text  # the file's spelling
        assert "    Ratio = 1.500000000000000000\n" in text
    finally:
        form.Free()


def test_inline_assignment_reports_bad_values_like_the_general_path() -> None:
    bad = FORM.replace("Count = 7", "Count = 'seven'")
    form = TFastForm(None)
    try:
        with pytest.raises(EReadError, match=r"Error reading G1\.Count") as info:
            StringToComponent(bad, form)
    finally:
        form.Free()
    assert (getattr(info.value, "line", None), getattr(info.value, "column", None)) == (5, 5)
