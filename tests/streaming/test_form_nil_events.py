"""``OnClick = nil`` (checklist 18, spec §3): a cleared inherited handler is written as ``nil``.

"Inherited" here: a block read from an ``inherited`` header, whose component already existed
(created, and perhaps given handlers, by the root class's constructor: our ancestor)."""

from __future__ import annotations

import pytest

from fnc import Event, TComponent, TForm
from fnc.streaming import ComponentToString, StringToComponent


class TButton(TComponent):
    OnClick = Event("Sender")
    OnEnter = Event("Sender")


class TPlainForm(TForm):
    """No ancestor: every component comes from the form file."""

    Button2: TButton

    def OtherClick(self, Sender) -> None:
        self.other = Sender


class TBaseForm(TForm):
    """The "ancestor": its constructor builds Button1 and gives it a handler."""

    def __init__(self, AOwner=None, **props) -> None:
        super().__init__(AOwner, **props)
        self.Button1 = TButton(self, Name="Button1")
        self.Button1.OnClick = self.Button1Click

    def Button1Click(self, Sender) -> None:
        self.clicked = Sender

    def OtherClick(self, Sender) -> None:
        self.other = Sender


_roots: list[TComponent] = []


@pytest.fixture(autouse=True)
def _free_roots():
    yield
    while _roots:
        _roots.pop().Free()


def load(text: str, root_class: type[TForm] = TBaseForm) -> TBaseForm:
    form = root_class(None)
    _roots.append(form)
    return StringToComponent(text, form, filename="main.dfm")  # type: ignore[return-value]


INHERITED_NIL = """inherited BaseForm: TBaseForm
  inherited Button1: TButton
    OnClick = nil
  end
end
"""


def test_reader_accepts_nil_and_clears_the_inherited_handler():
    form = load(INHERITED_NIL.replace("nil", "NIL"))        # keywords are case-insensitive
    assert form.Button1.OnClick is None


def test_inherited_form_with_nil_round_trips_byte_for_byte():
    form = load(INHERITED_NIL)
    assert ComponentToString(form) == INHERITED_NIL


def test_handler_cleared_after_loading_an_inherited_form_is_written_as_nil():
    form = load("inherited BaseForm: TBaseForm\n  inherited Button1: TButton\n"
                "    OnClick = OtherClick\n    OnEnter = OtherClick\n  end\nend\n")
    assert form.Button1.OnClick == form.OtherClick
    form.Button1.OnClick = None
    text = ComponentToString(form)
    assert text == ("inherited BaseForm: TBaseForm\n  inherited Button1: TButton\n"
                    "    OnClick = nil\n    OnEnter = OtherClick\n  end\nend\n")
    again = load(text)                       # a fresh "ancestor" has Button1Click: nil wins
    assert again.Button1.OnClick is None and again.Button1.OnEnter == again.OtherClick


def test_clearing_the_ancestors_handler_is_written_as_nil():
    form = load("inherited BaseForm: TBaseForm\n  inherited Button1: TButton\n  end\nend\n")
    assert form.Button1.OnClick == form.Button1Click         # from the constructor
    form.Button1.OnClick = None
    assert ComponentToString(form) == INHERITED_NIL


def test_inherited_event_the_ancestor_never_had_writes_nothing_when_empty():
    form = load("inherited BaseForm: TBaseForm\n  inherited Button1: TButton\n  end\nend\n")
    form.Button1.OnEnter = form.OtherClick
    form.Button1.OnEnter = None
    assert "OnEnter" not in ComponentToString(form)


def test_plain_component_with_no_handler_writes_nothing():
    form = load("object PlainForm: TPlainForm\n  object Button2: TButton\n"
                "    OnClick = OtherClick\n  end\nend\n", TPlainForm)
    assert form.Button2.OnClick == form.OtherClick
    form.Button2.OnClick = None
    assert ComponentToString(form) == (
        "object PlainForm: TPlainForm\n  object Button2: TButton\n  end\nend\n")
    fresh = TPlainForm(None, Name="Fresh")
    _roots.append(fresh)
    TButton(fresh, Name="Button3")
    assert "nil" not in ComponentToString(fresh)


def test_explicit_nil_on_a_plain_component_round_trips():
    text = ("object PlainForm: TPlainForm\n  object Button2: TButton\n"
            "    OnClick = nil\n  end\nend\n")
    form = load(text, TPlainForm)
    assert form.Button2.OnClick is None
    assert ComponentToString(form) == text
    form.Button2.OnClick = form.OtherClick                   # a handler again: by name
    assert "    OnClick = OtherClick\n" in ComponentToString(form)


def test_nil_on_the_inherited_root_itself():
    text = "inherited PlainForm: TPlainForm\n  OnCreate = nil\nend\n"
    form = load(text, TPlainForm)
    assert form.OnCreate is None and ComponentToString(form) == text


def test_ancestor_handler_left_alone_is_not_written():
    text = "inherited BaseForm: TBaseForm\n  inherited Button1: TButton\n  end\nend\n"
    form = load(text)
    assert form.Button1.OnClick == form.Button1Click
    assert ComponentToString(form) == text                   # inherited, not restated
    _roots.remove(form)
    form.Free()                                              # frees the global name
    named = ("inherited BaseForm: TBaseForm\n  inherited Button1: TButton\n"
             "    OnClick = Button1Click\n  end\nend\n")
    assert ComponentToString(load(named)) == named           # the file named it: kept
