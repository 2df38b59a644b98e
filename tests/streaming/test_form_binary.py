"""Binary TPF0 streams: byte layout, value types, resource header, detection (§4.3, item 28)."""

from __future__ import annotations

import io
import struct

import pytest

from fnc.exceptions import EParserError, EWriteError
from fnc.streaming import (
    ObjectBinaryToText,
    ObjectTextToBinary,
    detect_format,
    load_tree,
    parse_text,
    read_binary,
    read_tree_file,
    write_binary,
    write_text,
)
from fnc.streaming.syntax.binary import ValueType
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


def short(text: str) -> bytes:
    raw = text.encode()
    return bytes([len(raw)]) + raw


def test_exact_bytes_of_a_small_form() -> None:
    tree = ObjectNode("TForm1", "Form1", properties=[
        PropertyNode("Left", Integer(8)), PropertyNode("Caption", String("Hi")),
        PropertyNode("Visible", Bool(True)),
    ], children=[ObjectNode("TButton", "B", "inherited", 2)])
    expected = (
        b"TPF0" + short("TForm1") + short("Form1")
        + short("Left") + bytes([ValueType.vaInt8, 8])
        + short("Caption") + bytes([ValueType.vaString]) + short("Hi")
        + short("Visible") + bytes([ValueType.vaTrue])
        + b"\0"
        + bytes([0xF3, ValueType.vaInt8, 2]) + short("TButton") + short("B") + b"\0\0"
        + b"\0"
    )
    assert write_binary(tree) == expected
    assert read_binary(expected) == tree


@pytest.mark.parametrize(("value", "encoded"), [
    (Integer(127), bytes([2, 127])),
    (Integer(-128), bytes([2, 0x80])),
    (Integer(128), bytes([3]) + struct.pack("<h", 128)),
    (Integer(-32769), bytes([4]) + struct.pack("<i", -32769)),
    (Integer(2**31), bytes([19]) + struct.pack("<q", 2**31)),
    (Integer(2**64 - 1), bytes([22]) + struct.pack("<Q", 2**64 - 1)),
    (Float(1.0), bytes([5]) + bytes(7) + b"\x80\xff\x3f"),
    (Float(-2.0), bytes([5]) + bytes(7) + b"\x80\x00\xc0"),
    (Float(0.0), bytes([5]) + bytes(10)),
    (Float(2.5, "s"), bytes([15]) + struct.pack("<f", 2.5)),
    (Float(45000.5, "d"), bytes([17]) + struct.pack("<d", 45000.5)),
    (Float(125000.0, "c"), bytes([16]) + struct.pack("<q", 125000)),
    (String("abc"), bytes([6, 3]) + b"abc"),
    (String("x" * 300), bytes([12]) + struct.pack("<i", 300) + b"x" * 300),
    (String("é\U0001F600"), bytes([18]) + struct.pack("<i", 3)
     + "é\U0001F600".encode("utf-16-le")),
    (Ident("alClient"), bytes([7]) + short("alClient")),
    (Bool(False), bytes([8])),
    (Nil(), bytes([13])),
    (Set(("a", "bc")), bytes([11]) + short("a") + short("bc") + b"\0"),
    (Set(()), bytes([11, 0])),
    (Binary(b"\x01\x02"), bytes([10]) + struct.pack("<i", 2) + b"\x01\x02"),
    (List([Integer(1), String("a")]), bytes([1, 2, 1, 6, 1]) + b"a\0"),
    (Collection([CollectionItem([PropertyNode("W", Integer(5))]), CollectionItem([], 3)]),
     bytes([14, 1]) + short("W") + bytes([2, 5, 0, 2, 3, 1, 0, 0])),
])
def test_value_encodings(value: object, encoded: bytes) -> None:
    tree = ObjectNode("TA", "A", properties=[PropertyNode("X", value)])  # type: ignore[arg-type]
    data = write_binary(tree)
    prefix = b"TPF0" + short("TA") + short("A") + short("X")
    assert data == prefix + encoded + b"\0\0"
    assert read_binary(data) == tree


@pytest.mark.parametrize(("encoded", "value"), [
    (bytes([23]) + struct.pack("<d", 0.1), Float(0.1)),
    (bytes([21]) + struct.pack("<i", 2) + "hé".encode("utf-16-le"), String("hé")),
    (bytes([20]) + struct.pack("<i", 3) + "hé".encode(), String("hé")),
    (bytes([12]) + struct.pack("<i", 2) + b"h\xe9", String("hé")),  # ANSI long string
    (bytes([19]) + struct.pack("<q", -5), Integer(-5)),
    (bytes([0]), Ident("Null")),  # Delphi's ReadIdent reads a vaNull value as 'Null'
])
def test_reading_other_value_types(encoded: bytes, value: object) -> None:
    data = b"TPF0" + short("TA") + short("A") + short("X") + encoded + b"\0\0"
    assert read_binary(data).properties[0].value == value


def test_extended_values_round_trip_exactly() -> None:
    for number in (0.1, -1e300, 5e-324, 2.2250738585072014e-308, 1234.5678, -0.0):
        tree = ObjectNode("TA", properties=[PropertyNode("X", Float(number))])
        back = read_binary(write_binary(tree)).properties[0].value
        assert back == Float(number) and str(back.value) == str(number)  # type: ignore[union-attr]


def test_resource_header() -> None:
    tree = parse_text("object Form1: TForm1\n  Left = 1\nend")
    data = write_binary(tree, resource_name="TForm1")
    body = write_binary(tree)
    assert data == b"\xff\x0a\x00TFORM1\x00\x30\x10" + struct.pack("<I", len(body)) + body
    assert read_binary(data) == tree
    assert detect_format(data) == "binary"


def test_resource_header_with_numeric_name_and_trailing_padding() -> None:
    body = write_binary(ObjectNode("TA", "A"))
    data = b"\xff\x0a\x00\xff\x01\x00\x30\x10" + struct.pack("<I", len(body)) + body + b"\0\0"
    assert read_binary(data) == ObjectNode("TA", "A")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "'TPF0' signature expected"),
    (b"TPF1", "'TPF0' signature expected"),
    (b"TPF0", "Unexpected end of binary stream"),
    (b"TPF0\x02TA", "Unexpected end of binary stream"),
    (b"TPF0\x00\x01A\x00\x00", "empty class name"),
    (b"TPF0\x02TA\x01A\x01X\x63\x00\x00", "Invalid value type 99"),
    (b"TPF0\x02TA\x01A\x00\x00junk", "Unexpected data after the root component"),
    (b"TPF0\xf2\x06\x02TA\x00\x00\x00", "Integer value expected"),
    (b"TPF0\x02TA\x01A\x01X\x0a\xff\xff\xff\xff\x00\x00", "Invalid negative length"),
    (b"TPF0\x02TA\x01A\x01X\x14\x01\x00\x00\x00\xff\x00\x00", "Invalid UTF-8"),
    (b"\xff\x0a\x01", "resource type RCDATA expected"),
    (b"\xff\x0a\x00NAME", "unterminated resource name"),
    (b"\xff\x0a\x00N\x00\x30\x10\xff\x00\x00\x00TPF0", "exceeds the file"),
])
def test_malformed_streams(data: bytes, message: str) -> None:
    with pytest.raises(EParserError, match=message):
        read_binary(data, "form.dfm")


def test_every_truncation_raises_eparsererror() -> None:
    text = ("object Form1: TForm1\n  A = 1\n  B = 'x'\n  C = [a]\n  D = (1 2)\n  E = {0102}\n"
            "  F = <\n    item [1]\n      G = 2.5\n    end>\n  object P: TP [3]\n  end\nend")
    data = write_binary(parse_text(text))
    for cut in range(len(data)):
        with pytest.raises(EParserError):
            read_binary(data[:cut])


def test_deeply_nested_stream_is_refused() -> None:
    data = b"TPF0\x02TA\x00\x01X" + b"\x01" * 5000 + b"\x00" * 5003
    with pytest.raises(EParserError, match="nested deeper"):
        read_binary(data)


@pytest.mark.parametrize("tree", [
    ObjectNode("T" * 300),
    ObjectNode("TA", properties=[PropertyNode("X", Ident("y" * 256))]),
    ObjectNode("TA", properties=[PropertyNode("X", Integer(2**64))]),
    ObjectNode("TA", properties=[PropertyNode("X", Float(1e300, "s"))]),
    ObjectNode("TA", properties=[PropertyNode("X", Float(float("inf"), "c"))]),
    ObjectNode("TA", properties=[PropertyNode("X", Set(("",)))]),
    ObjectNode("", "A"),
])
def test_unwritable_trees(tree: ObjectNode) -> None:
    with pytest.raises(EWriteError):
        write_binary(tree)


# -- detection and converters ------------------------------------------------------------------


@pytest.mark.parametrize(("data", "kind"), [
    (b"TPF0...", "binary"),
    (b"\xff\x0a\x00X", "binary"),
    (b"object A: TA end", "text"),
    (b"\xef\xbb\xbf  \r\n\tINHERITED A: TA end", "text"),
    (b"inline F: TF end", "text"),
])
def test_detect_format(data: bytes, kind: str) -> None:
    assert detect_format(data) == kind


@pytest.mark.parametrize("data", [b"", b"objects A", b"<xml/>", b"\x00TPF0", b"  end"])
def test_detect_format_rejects_other_files(data: bytes) -> None:
    with pytest.raises(EParserError, match="Not a form file"):
        detect_format(data)


SAMPLE = """object Form1: TForm1
  Left = 0
  Caption = 'It'#39's a form'
  Font.Style = [fsBold]
  Position.X = 16.000000000000000000
  Lines.Strings = (
    'first'
    'second')
  Columns = <
    item [0]
      FieldName = 'ID'
    end>
  Data = {0102}
  object Memo1: TMemo [1]
    Tag = -70000
  end
end
"""


def test_text_binary_text_is_byte_identical() -> None:
    binary = ObjectTextToBinary(SAMPLE)
    assert binary.startswith(b"TPF0")
    assert ObjectBinaryToText(binary) == SAMPLE
    assert load_tree(binary) == load_tree(SAMPLE.encode()) == parse_text(SAMPLE)


def test_converters_accept_streams() -> None:
    out = io.BytesIO()
    ObjectTextToBinary(io.StringIO(SAMPLE), out)
    text_out = io.StringIO()
    ObjectBinaryToText(io.BytesIO(out.getvalue()), text_out)
    assert text_out.getvalue() == SAMPLE
    raw_out = io.BytesIO()
    ObjectBinaryToText(out.getvalue(), raw_out, flavour="lfm")
    assert raw_out.getvalue().decode() == write_text(parse_text(SAMPLE), "lfm")
    with pytest.raises(TypeError):
        ObjectBinaryToText("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ObjectTextToBinary(42)  # type: ignore[arg-type]


def test_read_tree_file_names_the_file(tmp_path) -> None:
    good = tmp_path / "Unit1.dfm"
    good.write_bytes(write_binary(parse_text(SAMPLE), resource_name="TForm1"))
    assert read_tree_file(good) == parse_text(SAMPLE)
    bad = tmp_path / "Bad.dfm"
    bad.write_text("object A: TA\n  X = 'oops\nend\n")
    with pytest.raises(EParserError) as info:
        read_tree_file(bad)
    assert info.value.filename == str(bad) and info.value.line == 2
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(EParserError) as info:
        read_tree_file(other)
    assert info.value.filename == str(other)
    truncated = tmp_path / "Cut.dfm"
    truncated.write_bytes(b"TPF0\x02TA")
    with pytest.raises(EParserError) as info:
        read_tree_file(truncated)
    assert info.value.filename == str(truncated)
