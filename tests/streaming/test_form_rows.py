"""The row path of reading form text (``parse_rows``: blocks of one-line properties kept as the
rows matched, a whole row-only file in one scan; the reader assigning rows without nodes) gives
exactly what the general path gives (``parse_text`` then the reader on its nodes): the same tree
and positions, the same errors, the same components, values, hooks and written text."""

from __future__ import annotations

import enum
import random
import re
from typing import Any

import pytest

from fnc import Event, Property, SetOf, TComponent, TForm, TNestedPersistent
from fnc.exceptions import EParserError, EReadError
from fnc.properties import declared_properties
from fnc.streaming import ComponentToString, FormReader, StringToComponent, parse_text
from fnc.streaming.components.propertyreader import (
    HANDLER_NAMES_KEY,
    HEADER_KEY,
    NIL_EVENTS_KEY,
    ORDER_KEY,
    events_map,
)
from fnc.streaming.components.reader import SEQUENCE_KEY
from fnc.streaming.syntax.lexer import Source, decode_string, join_surrogates
from fnc.streaming.syntax.parser import MAX_DEPTH, parse_rows
from fnc.streaming.syntax.rowtree import RowsObjectNode, flat_tree
from fnc.streaming.syntax.tree import ObjectNode


class TTint(enum.Enum):
    tnPale = 0
    tnDeep = 1


class TRowStyle(enum.Enum):
    rsBold = 0
    rsItalic = 1


class TRowFont(TNestedPersistent):
    Name = Property(str, "Tahoma")
    Size = Property(int, 8)


class TRowGadget(TComponent):
    Caption = Property(str)
    Count = Property(int, 0)
    Ratio = Property(float, 0.0)
    Enabled = Property(bool, True)
    Tint = Property(TTint, TTint.tnPale)
    Styles = Property(SetOf(TRowStyle), frozenset())
    Data = Property(bytes)
    Link = Property(TComponent)
    Font = Property(TRowFont)
    Fixed = Property(int, 0, read_only=True)
    Logged = Property(str)
    OnChange = Event("Sender")
    OnClick = Event("Sender")

    @Logged.setter
    def Logged(self, value: str) -> None:
        self.__dict__.setdefault("_log", []).append(value)
        type(self).Logged.set_stored(self, value)


def _name(component: TComponent | None) -> str | None:
    return None if component is None else component.Name


class TRowWatcher(TRowGadget):
    """Watches its references change (so assigning one is more than storing it)."""

    def fnc_reference_changed(self, old: TComponent | None, new: TComponent | None) -> None:
        self.__dict__.setdefault("_log", []).append(("changed", _name(old), _name(new)))
        super().fnc_reference_changed(old, new)


class TRowLocked(TRowGadget):
    """A locked reference: assigning it checks the component is inactive first."""

    Target = Property(TComponent, locked=True)

    def fnc_check_inactive(self, name: str) -> None:
        self.__dict__.setdefault("_log", []).append(("inactive?", name))
        super().fnc_check_inactive(name)


class TRowForm(TForm):
    Gadget1: TRowGadget
    RowGadget: TRowGadget
    Watcher: TRowWatcher
    Locked: TRowLocked

    def GadgetChange(self, Sender: TComponent) -> None:
        pass

    def GadgetClick(self, Sender: TComponent) -> None:
        pass


# -- texts ------------------------------------------------------------------------------------

REGULAR = """object RowForm: TRowForm
  Caption = 'Rows'
  Left = 10
  object Gadget1: TRowGadget
    Left = 4
    Top = $10
    Width = 7.5
    Caption = 'It''s '#39'quoted'#39#13#10'x'
    Count = 7
    Ratio = 1.250000000000000000
    Enabled = False
    Tint = tnDeep
    Link = Gadget2
    OnChange = gadgetchange
    OnClick = GadgetClick
    Logged = 'one'
    Tag = -3
  end
  object Gadget2: TRowGadget
    Count = $FF
    Ratio = 3
    Enabled = TRUE
    Link = Gadget1
    Font.Size = 12
    Logged = 'two'
    object Inner: TRowGadget
      Caption = #$263A
      Ratio = 2.5s
      Ratio = 4.5C
      Link = nil
      OnChange = nil
    end
  end
  object Unknown1: TNoSuchRowClass
    Value = 5
    Text = 'kept'
    Other = SomeName
  end
end
"""

#: Values of the wrong type or unknown names: errors, skipped by an on_error hook.
WRONG = """object RowForm: TRowForm
  object Gadget1: TRowGadget
    Count = 'seven'
    Caption = 5
    Ratio = 1.5c
    Enabled = Maybe
    Tint = tnNone
    Tint = True
    Fixed = 3
    Missing = 1
    Font.Missing = 2
    OnChange = NoSuchMethod
    OnClick = Form.Method
    OnClick = 5
    Link = Nowhere
    Count = 4
  end
end
"""

#: Blocks that are not all one-line properties: read line by line, with nodes.
IRREGULAR = """object RowForm: TRowForm
  object Gadget1: TRowGadget
    Count = 1
    Styles = [rsBold, rsItalic]
    Caption = 'a' +
      'b'
    Data = {0A0B}
    Ratio = 1e300
  end
  object Gadget2: TRowGadget
    Caption = 'x'#99999
    Count = 2
  end
  inherited Gadget3: TRowGadget [0]
    Count = 3
  end
end
"""

VARIANTS = [
    REGULAR,
    REGULAR.replace("Gadget2", "Gadget\u00e92").replace("'Rows'", "'R\u00f6ws'"),
    REGULAR.replace("Tint = tnDeep", "\u00c9tat = tnDeep"),
    REGULAR.replace("\n", "\r\n"),
    REGULAR.replace("  ", "\t"),
    REGULAR.replace(" = ", "=").replace("object ", "OBJECT  ").replace("end\n", "End  \n"),
    REGULAR.rstrip("\n"),
    "\n\n" + REGULAR + "\n\n  ",
    "\ufeff" + REGULAR,
    REGULAR.replace("Count = 7", "Count = 7 "),
    REGULAR.replace("Ratio = 3", "Ratio = 1.5e300"),
    REGULAR.replace("#$263A", "#$10FFFF"),
    REGULAR.replace("#13#10", "#55357#56832"),
    REGULAR.replace("object Gadget2", "inline Gadget2").replace("object Inner", "inherited Inner"),
    REGULAR.replace("object Inner: TRowGadget", "object Inner: TRowGadget [0]"),
    REGULAR.replace("Link = Gadget2", "Link = Gadget2\n    Link = Inner\n    Link = Gadget1"),
    REGULAR.replace("Count = 7\n", "Count = 7\r"),  # a CR alone: blank, no line break
    IRREGULAR,
    WRONG,
]


def positions(node: Any) -> list[tuple[Any, ...]]:
    found = [(node.name, node.line, node.col)]
    found += [(prop.path, prop.line, prop.col) for prop in node.properties]
    for child in node.children:
        found += positions(child)
    return found


# -- the syntax tree ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", VARIANTS)
def test_rows_give_the_tree_and_positions_of_parse_text(text: str) -> None:
    expected = parse_text(text, "f.dfm")
    rows = parse_rows(text, "f.dfm")
    tree = rows.to_tree() if isinstance(rows, RowsObjectNode) else rows
    assert tree == expected
    assert positions(tree) == positions(expected)
    assert positions(rows) == positions(expected)


def test_a_row_only_file_is_scanned_in_one_pass_and_others_block_by_block() -> None:
    assert flat_tree(Source(REGULAR), MAX_DEPTH) is not None
    assert flat_tree(Source(REGULAR.replace("\n", "\r\n")), MAX_DEPTH) is not None
    for text in (IRREGULAR, REGULAR.replace("Ratio = 3", "Ratio = 1.5e300"),
                 REGULAR.replace("#$263A", "#$10FFFF"), "\n" + REGULAR):
        assert flat_tree(Source(text), MAX_DEPTH) is None
        assert isinstance(parse_rows(text), RowsObjectNode)  # still rows where a block allows
    tree = parse_rows(IRREGULAR)
    assert tree.children[0].paths is None and tree.children[2].paths is not None


@pytest.mark.parametrize("text", [
    "object A: TA\n  X = 1\n  object B: TB\n  end\n  Y = 2\nend\n",  # property after a child
    "object A: TA\n  X = 1\nend\nend\n",
    "object A: TA\n  X = 1\nend\nobject B: TB\nend\n",
    "object A: TA\n  X = 1\n",
    "object A: TA\n  X = 1\n  End = 2\nend\n",
    "object A: TA\n  X = end\nend\n",
    "object A: TA\n  S = 'a'#99999999999\nend\n",
    "object A: TA\n  Y = 1e999\nend\n",
    "object A: TA\n  X = 1\n  Y = 12abc\nend\n",
    "object A: TA\n  Y = 'open\nend\n",
    "end\n",
    "",
    "object A: TA\n  X = 1\n  \u0130nline B: TB\n  end\nend\n",  # not a keyword: İ
    "object A: TA\n  \u0131nherited B: TB\n  end\nend\n",
    "object A: TA\n  X = 12\u00e9\nend\n",
    "object A: TA junk\n  X = 1\nend\n",  # something after a row's text: no row
    "object A: TA\n  X = 1 junk\nend\n",
    "object A: TA\n  X = 1\n  object B: TB junk\n  end\nend\n",
    "object A: TA\n  X = 1\nend junk\n",
    "junk object A: TA\n  X = 1\nend\n",
    "object A: TA\n  X = 1\n junk Y = 2\nend\n",
    "object A: TA\n" + "".join(f"{' ' * i}object B{i}: TB\n" for i in range(MAX_DEPTH))
    + "end\n" * (MAX_DEPTH + 1),
])
def test_rows_report_the_errors_of_parse_text(text: str) -> None:
    with pytest.raises(EParserError) as expected:
        parse_text(text, "f.dfm")
    with pytest.raises(EParserError) as got:
        parse_rows(text, "f.dfm")
    assert str(got.value) == str(expected.value)


def test_the_deepest_nesting_allowed_is_scanned_as_rows() -> None:
    depth = MAX_DEPTH - 1
    text = ("object A: TA\n" + "".join(f"object B{i}: TB\n  X = {i}\n" for i in range(depth))
            + "end\n" * (depth + 1))
    assert flat_tree(Source(text), MAX_DEPTH) is not None
    assert parse_rows(text).to_tree() == parse_text(text)


_NAMES = ["Left", "Caption", "Count", "Font.Size", "OnClick", "end", "Item", "Ratio", "x.y.z"]
_VALUES = ["1", "-42", "$1F", "'s'", "'it''s'#39", "#65#$42", "#1234567", "1.5", "-2.25s",
           "3.0c", "1.5e10", "1.5e300", "True", "nil", "Ident", "A.B", "end", "[a, b]", "(1 2)",
           "{0A}", "'a' + 'b'", "12x", "'open", "<>", "inline", "-0", "-0.0", "1.5D", "_Under",
           "False", "$0"]


def _random_form(rng: random.Random) -> str:
    lines: list[str] = []

    def block(depth: int, keyword: str) -> None:
        pad = rng.choice(["", " ", "\t"]) + "  " * depth
        lines.append(f"{pad}{keyword} N{len(lines)}: TRowGadget")
        for _ in range(rng.randrange(4)):
            sep = rng.choice([" = ", "=", "  =\t"])
            lines.append(f"{pad}  {rng.choice(_NAMES)}{sep}{rng.choice(_VALUES)}")
        if depth < 3:
            for _ in range(rng.randrange(3)):
                block(depth + 1, rng.choice(["object", "object", "inherited", "Inline"]))
        lines.append(f"{pad}{rng.choice(['end', 'END', 'end '])}")

    block(0, "object")
    return rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["\n", "", "\n\n"])


def test_random_forms_parse_the_same_both_ways() -> None:
    rng = random.Random(1234)
    for _ in range(400):
        text = _random_form(rng)
        try:
            expected: ObjectNode | EParserError = parse_text(text)
        except EParserError as exc:
            expected = exc
        try:
            got = parse_rows(text)
        except EParserError as exc:
            assert isinstance(expected, EParserError), text
            assert str(exc) == str(expected), text
            continue
        assert isinstance(expected, ObjectNode), text
        tree = got.to_tree() if isinstance(got, RowsObjectNode) else got
        assert tree == expected, text
        assert positions(tree) == positions(expected), text


# -- the components -----------------------------------------------------------------------------

def _listed(order: Any) -> list[str] | None:
    """A component's kept property order as a list (each path stores it as it likes)."""
    return None if order is None else list(order)


def snapshot(root: TComponent) -> list[Any]:
    """Everything a read leaves on the root and its components, in comparable form."""
    def plain(value: Any) -> Any:
        if isinstance(value, TComponent):
            return ("component", value.Name)
        if isinstance(value, TNestedPersistent):
            return repr(value)
        if callable(value):
            return ("handler", getattr(value, "__name__", repr(value)))
        if isinstance(value, float):
            return repr(value)  # (-0.0 == 0.0)
        return value

    found = []
    for component in (root, *root.Components):
        state = component.__dict__
        values = {name: plain(getattr(component, name))
                  for name in declared_properties(type(component)) if name != "Name"}
        events = {event.name: plain(event.__get__(component))
                  for event in events_map(type(component)).values()}
        handler_names = {name: spelled for name, (spelled, _) in
                         state.get(HANDLER_NAMES_KEY, {}).items()}
        found.append((
            type(component).__name__, component.Name if component is not root else "", values,
            events, dict(component.DesignInfo), _listed(state.get(ORDER_KEY)),
            state.get(HEADER_KEY), state.get(SEQUENCE_KEY), state.get(NIL_EVENTS_KEY),
            handler_names,
            state.get("_log"), sorted(flag.name for flag in component.ComponentState),
            plain(component.GetParentComponent()),
            {k: repr(v) for k, v in getattr(component, "StreamedProperties", {}).items()},
            [plain(other) for other in component._free_notifies],  # references followed
        ))
    return found


def read_both_ways(text: str, **options: Any) -> tuple[Any, Any]:
    """(outcome of the general path, outcome of the row path): a snapshot, the written text and
    the errors an on_error hook saw, or the error raised."""
    outcomes = []
    for general in (True, False):
        seen: list[str] = []
        if "on_error" in options:
            options["on_error"] = lambda exc, seen=seen: seen.append(str(exc)) or True
        root = TRowForm(None)
        try:
            if general:
                FormReader(filename="f.dfm", **options).read(parse_text(text, "f.dfm"), root)
            else:
                StringToComponent(text, root, filename="f.dfm", **options)
            outcomes.append((snapshot(root), ComponentToString(root), seen))
        except Exception as exc:  # EReadError, EParserError, EClassNotFound...
            outcomes.append((type(exc), str(exc), getattr(exc, "line", None),
                             getattr(exc, "column", None), seen))
        finally:
            root.Free()
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("text", VARIANTS)
def test_the_row_path_reads_the_components_of_the_general_path(text: str) -> None:
    general, rows = read_both_ways(text, on_error=None)
    assert rows == general


@pytest.mark.parametrize("text", [WRONG, REGULAR, IRREGULAR])
def test_the_row_path_stops_at_the_first_error_of_the_general_path(text: str) -> None:
    general, rows = read_both_ways(text)
    assert rows == general
    if text is WRONG:
        assert general[0] is EReadError and general[2:4] == (3, 5)


def test_the_row_path_reports_what_the_general_path_reports_to_on_error() -> None:
    general, rows = read_both_ways(WRONG, on_error=None)
    assert rows == general
    messages = general[2]
    assert len(messages) == 12  # all but the Currency value: Ratio = 1.5c is 0.00015
    assert messages[0].startswith("f.dfm:3:5: Error reading Gadget1.Count")
    assert any("f.dfm:15:5: Error reading Gadget1.Link" in m for m in messages)


WATCHED = """object RowForm: TRowForm
  object Watcher: TRowWatcher
    Link = Locked
    Link = Watcher
  end
  object Locked: TRowLocked
    Target = Watcher
    Link = Watcher
  end
end
"""


def test_references_reach_the_hooks_of_their_class_both_ways() -> None:
    general, rows = read_both_ways(WATCHED, on_error=None)
    assert rows == general
    logs = [entry[10] for entry in general[0]]  # (the "_log" of each component)
    assert logs[1] == [("changed", None, "Locked"), ("changed", "Locked", "Watcher")]
    assert logs[2] == [("inactive?", "Target")]


def test_strict_reading_fails_alike_both_ways() -> None:
    general, rows = read_both_ways(REGULAR, strict=True)
    assert rows == general
    assert "TNoSuchRowClass" in general[1]


def test_random_forms_read_the_same_both_ways() -> None:
    rng = random.Random(99)
    names = ["Left", "Caption", "Count", "Ratio", "Enabled", "Tint", "Link", "OnClick",
             "Fixed", "Font.Size", "Logged", "Nope", "Tag"]
    values = ["1", "$2A", "'s'", "'a'#39", "2.5", "1.5d", "TRUE", "false", "nil", "tnDeep",
              "GadgetClick", "N1", "N2", "Nowhere", "[rsBold]", "-0", "-0.0", "-7", "2.5c",
              "_Under", "#65"]
    for _ in range(60):
        lines = ["object RowForm: TRowForm"]
        for n in range(1, 4):
            lines.append(f"  object N{n}: {rng.choice(['TRowGadget', 'TRowGadget', 'TNoSuch'])}")
            lines += [f"    {rng.choice(names)} = {rng.choice(values)}"
                      for _ in range(rng.randrange(6))]
            lines.append("  end")
        text = "\n".join([*lines, "end", ""])
        general, rows = read_both_ways(text, on_error=None)
        assert rows == general, text


def _decode_piece_by_piece(token: str) -> str:
    """String token -> value, one quoted piece or code at a time (the reference)."""
    parts = []
    for piece in re.findall(r"'(?:[^']|'')*'|#\$[0-9A-Fa-f]+|#[0-9]+", token):
        if piece.startswith("#$"):
            parts.append(chr(int(piece[2:], 16)))
        elif piece.startswith("#"):
            parts.append(chr(int(piece[1:])))
        else:
            parts.append(piece[1:-1].replace("''", "'"))
    return join_surrogates("".join(parts))


def test_string_values_decode_as_piece_by_piece() -> None:
    rng = random.Random(7)
    chars = ["a", " ", "''", "\u00e9", "\ud83d", "#", "$", "+"]
    codes = ["#0", "#9", "#39", "#255", "#256", "#55357", "#56832", "#999999", "#$41", "#$DE00"]
    for _ in range(3000):
        token = "".join(
            "'" + "".join(rng.choice(chars) for _ in range(rng.randrange(4))) + "'"
            if rng.random() < 0.5 else rng.choice(codes) for _ in range(rng.randrange(1, 6)))
        assert decode_string(token, Source(token), 0) == _decode_piece_by_piece(token), token
