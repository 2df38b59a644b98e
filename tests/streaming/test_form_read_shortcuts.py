"""What the reader keeps between blocks to go faster (classes resolved per spelling, handlers
found per method name, lower-case paths and decoded code runs shared) changes nothing a form
can observe."""

from __future__ import annotations

import pytest

from fnc import Event, Property, TComponent, TForm, TFrame
from fnc.exceptions import EReadError
from fnc.streaming import ComponentToString, FormReader, StringToComponent, parse_text
from fnc.streaming.components.placeholders import TPlaceholderComponent
from fnc.streaming.components.propertyreader import HANDLER_NAMES_KEY, ORDER_KEY
from fnc.streaming.syntax.lexer import _RUNS_LIMIT, Source, decode_string
from fnc.streaming.syntax.parser import parse_rows


class THookedGadget(TComponent):
    Count = Property(int, 0)
    OnChange = Event("Sender")
    OnClick = Event("Sender")

    def fnc_event_assigned(self, name: str) -> None:
        self.__dict__.setdefault("_assigned", []).append(name)


class TShortcutForm(TForm):
    A: THookedGadget  # (the field makes the class known to the reader)

    def GadgetChange(self, Sender: TComponent) -> None:
        pass


FORM = """object ShortcutForm: TShortcutForm
  object A: THookedGadget
    OnChange = GadgetChange
    OnClick = gadgetchange
  end
  object B: THookedGadget
    OnChange = GADGETCHANGE
  end
  object Lost1: TNoSuchShortcutClass
    Count = 1
  end
  inline Lost2: TNoSuchShortcutClass
  end
  object Lost3: TNoSuchShortcutClass
  end
end
"""


@pytest.mark.parametrize("rows", [True, False])
def test_events_call_the_class_hook_and_keep_each_spelling(rows: bool) -> None:
    form = TShortcutForm(None)
    if rows:
        StringToComponent(FORM, form)
    else:
        FormReader().read(parse_text(FORM), form)
    a, b = form.FindComponent("A"), form.FindComponent("B")
    assert a.__dict__["_assigned"] == ["OnChange", "OnClick"]
    assert b.__dict__["_assigned"] == ["OnChange"]
    assert a.OnChange == a.OnClick == b.OnChange == form.GadgetChange
    spelled = {name: method for name, (method, _) in a.__dict__[HANDLER_NAMES_KEY].items()}
    assert spelled == {"OnChange": "GadgetChange", "OnClick": "gadgetchange"}
    assert b.__dict__[HANDLER_NAMES_KEY]["OnChange"][0] == "GADGETCHANGE"
    form.Free()


def test_an_unknown_class_is_a_frame_inline_and_a_placeholder_elsewhere() -> None:
    form = StringToComponent(FORM, TShortcutForm(None))
    lost1, lost2, lost3 = (form.FindComponent(f"Lost{n}") for n in (1, 2, 3))
    assert isinstance(lost1, TPlaceholderComponent) and type(lost3) is type(lost1)
    assert isinstance(lost2, TFrame) and not isinstance(lost2, TPlaceholderComponent)
    form.Free()


BROKEN_ROOT = """object ShortcutForm: TShortcutForm
  Tag = 1
  Left = 2
  Tag = 'x'
  Top = 3
end
"""


@pytest.mark.parametrize("rows", [True, False])
def test_a_failed_read_leaves_the_paths_read_up_to_the_error(rows: bool) -> None:
    form = TShortcutForm(None)
    with pytest.raises(EReadError, match="Tag"):
        if rows:
            StringToComponent(BROKEN_ROOT, form)
        else:
            FormReader().read(parse_text(BROKEN_ROOT), form)
    assert list(form.__dict__[ORDER_KEY]) == ["tag", "left", "tag"]
    form.Free()


def test_code_runs_decode_alike_past_the_number_kept() -> None:
    for n in range(_RUNS_LIMIT + 100):
        run = f"#{n % 1000}#{n // 1000 + 1}"
        token = f"'a'{run}'b'"
        expected = "a" + chr(n % 1000) + chr(n // 1000 + 1) + "b"
        assert decode_string(token, Source(token), 0) == expected
        assert decode_string(run, Source(run), 0) == expected[1:-1]


def test_a_tree_given_to_read_stays_whole() -> None:
    tree = parse_rows(FORM)
    first = FormReader().read(tree, TShortcutForm(None))
    written = ComponentToString(first)
    first.Free()
    second = FormReader().read(tree, TShortcutForm(None))
    assert ComponentToString(second) == written
    assert [c.Name for c in second.Components] == ["A", "B", "Lost1", "Lost2", "Lost3"]
    assert tree.to_tree() == parse_text(FORM)
    second.Free()
