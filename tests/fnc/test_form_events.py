"""Root events of TForm: bound from a form file, fired by Close/Show/Hide/Application.Terminate."""

from __future__ import annotations

import pytest

from fnc import Application, TComponent, TForm, TFrame, VarParam, caFree, caHide, caNone
from fnc.exceptions import EReadError
from fnc.streaming import ComponentToString, ObjectTextToBinary, StringToComponent

FORM = """object EditorForm: TEditorForm
  Caption = 'Editor'
  OnActivate = FormActivate
  OnClose = FormClose
  OnCloseQuery = FormCloseQuery
  OnHide = FormHide
  OnKeyDown = FormKeyDown
  OnResize = FormResize
  OnShow = FormShow
end
"""


class TEditorForm(TForm):
    def __init__(self, AOwner: TComponent | None = None) -> None:
        self.log: list[str] = []
        self.allow = True
        self.action = caHide
        super().__init__(AOwner)

    def FormActivate(self, Sender: TComponent) -> None:
        self.log.append("activate")

    def FormClose(self, Sender: TComponent, Action: VarParam) -> None:
        self.log.append(f"close {Action.Value.name}")
        Action.Value = self.action

    def FormCloseQuery(self, Sender: TComponent, CanClose: VarParam) -> None:
        self.log.append("query")
        CanClose.Value = self.allow

    def FormHide(self, Sender: TComponent) -> None:
        self.log.append("hide")

    def FormKeyDown(self, Sender: TComponent, Key: VarParam, Shift: object) -> None:
        self.log.append(f"key {Key.Value}")

    def FormResize(self, Sender: TComponent) -> None:
        self.log.append("resize")

    def FormShow(self, Sender: TComponent) -> None:
        self.log.append("show")


@pytest.fixture
def form():
    instance = StringToComponent(FORM, TEditorForm(None))
    yield instance
    instance.Free()


def test_root_events_bind_and_round_trip(form: TEditorForm) -> None:
    assert form.OnClose == form.FormClose and form.OnKeyDown == form.FormKeyDown
    assert ComponentToString(form) == FORM
    binary = ObjectTextToBinary(FORM)
    assert ObjectTextToBinary(ComponentToString(form)) == binary
    form.fire("OnKeyDown", VarParam(13), frozenset())
    assert form.log == ["key 13"]


def test_a_missing_root_handler_is_an_error() -> None:
    root = TForm(None)
    try:
        with pytest.raises(EReadError, match="FormClose' not found"):
            StringToComponent("object F: TForm\n  OnClose = FormClose\nend\n", root)
    finally:
        root.Free()


def test_show_hide_and_close(form: TEditorForm) -> None:
    form.Show()
    form.Show()  # already visible: no second OnShow
    assert form.Visible and form.log == ["show"]
    assert form.Close()
    assert form.log == ["show", "query", "close caHide", "hide"] and not form.Visible
    form.log.clear()
    form.Visible = True
    assert form.log == ["show"]


def test_close_query_and_canone_keep_the_form_open(form: TEditorForm) -> None:
    form.Show()
    form.log.clear()
    form.allow = False
    assert not form.Close()
    assert form.log == ["query"] and form.Visible
    form.allow, form.action = True, caNone
    assert not form.Close()
    assert form.log == ["query", "query", "close caHide"] and form.Visible


def test_cafree_releases_the_form_at_the_next_pump() -> None:
    form = StringToComponent(FORM, TEditorForm(None))
    form.action = caFree
    form.Show()
    assert form.Close()
    assert not form.is_destroyed  # released, not freed inside its own handler
    assert Application.ProcessMessagesUntil(lambda: form.is_destroyed, timeout=5)


def test_closing_the_main_form_terminates_and_terminate_closes_it() -> None:
    previous = Application.MainForm
    form = StringToComponent(FORM, TEditorForm(None))
    try:
        Application.MainForm = form
        form.Show()
        assert form.Close()
        assert Application.Terminated
        assert Application.Run(timeout=5)  # returns at once: terminated
        form.Show()
        form.log.clear()
        Application.Terminate()
        assert form.log == ["close caFree", "hide"] and not form.Visible
        assert Application.Run(timeout=5)
    finally:
        Application.MainForm = previous
        form.Free()


class TToolFrame(TFrame):
    def FrameResize(self, Sender: TComponent) -> None:
        pass


class THost(TForm):
    Tools: TToolFrame


def test_frames_publish_their_events() -> None:
    text = ("object Host: THost\n  inline Tools: TToolFrame\n    OnResize = FrameResize\n"
            "  end\nend\n")
    host = StringToComponent(text, THost(None))
    try:
        assert host.Tools.OnResize == host.Tools.FrameResize
        assert ComponentToString(host) == text
    finally:
        host.Free()
