"""Inherited forms with their ancestor files, frames, inherited forms without their ancestor:
read with the right owners, parents, values and handlers, written back byte for byte (text and
TPF0 binary)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fnc import TComponent, TForm, TFrame, TTimer
from fnc.exceptions import EReadError
from fnc.streaming import (
    ComponentToString,
    ObjectTextToBinary,
    ReadComponentResFile,
    RegisterFormFile,
    StringToComponent,
    WriteComponentResFile,
    component_to_tree,
    from_missing_ancestor,
    write_binary,
)

VEHICLE = """object VehicleForm: TVehicleForm
  Left = 0
  Top = 0
  Caption = 'Vehicle'
  ClientHeight = 300
  ClientWidth = 400
  OnClose = FormClose
  OnShow = FormShow
  object TopPanel: TPanel
    Left = 0
    Top = 0
    Width = 400
    Height = 41
    Align = alTop
    TabOrder = 0
    object TitleLabel: TLabel
      Left = 8
      Top = 12
      Caption = 'Vehicle'
    end
  end
  object OkButton: TButton
    Left = 232
    Top = 264
    Caption = 'OK'
    TabOrder = 1
    OnClick = OkButtonClick
  end
  object CancelButton: TButton
    Left = 316
    Top = 264
    Caption = 'Cancel'
    TabOrder = 2
  end
  object RefreshTimer: TTimer
    Interval = 500
    OnTimer = RefreshTimerTimer
    Left = 24
    Top = 256
  end
end
"""

CAR = """inherited CarForm: TCarForm
  Caption = 'Car'
  inherited TopPanel: TPanel
    inherited TitleLabel: TLabel
      Caption = 'Car details'
    end
  end
  inherited OkButton: TButton
  end
  inherited CancelButton: TButton
  end
  inherited RefreshTimer: TTimer
  end
  object WheelsEdit: TEdit
    Left = 8
    Top = 56
    TabOrder = 3
    Text = '4'
  end
end
"""

SPORTS_CAR = """inherited SportsCarForm: TSportsCarForm
  Caption = 'Sports car'
  OnShow = SportsFormShow
  inherited TopPanel: TPanel
    Color = clRed
    inherited TitleLabel: TLabel
    end
  end
  inherited CancelButton: TButton [1]
  end
  inherited OkButton: TButton
    Caption = 'Drive'
  end
  inherited RefreshTimer: TTimer
    Interval = 100
    OnTimer = nil
  end
  inherited WheelsEdit: TEdit
  end
  object TurboTimer: TTimer
    Interval = 50
    OnTimer = turboTimerTIMER
    Left = 96
    Top = 256
  end
end
"""


class TVehicleForm(TForm):
    RefreshTimer: TTimer

    def FormClose(self, Sender: TComponent, Action: object) -> None:
        self.log.append("close")

    def FormShow(self, Sender: TComponent) -> None:
        self.log.append("vehicle show")

    def OkButtonClick(self, Sender: TComponent) -> None:
        pass

    def RefreshTimerTimer(self, Sender: TComponent) -> None:
        pass

    def __init__(self, AOwner: TComponent | None = None) -> None:
        self.log: list[str] = []
        super().__init__(AOwner)


class TCarForm(TVehicleForm):
    pass


class TSportsCarForm(TCarForm):
    TurboTimer: TTimer

    def SportsFormShow(self, Sender: TComponent) -> None:
        self.log.append("sports show")

    def TurboTimerTimer(self, Sender: TComponent) -> None:
        pass


def _write_forms(folder: Path) -> Path:
    (folder / "VehicleForm.dfm").write_text(VEHICLE)
    (folder / "CarForm.dfm").write_text(CAR)
    path = folder / "SportsCarForm.dfm"
    path.write_text(SPORTS_CAR)
    return path


def _check_sports_car(form: TSportsCarForm) -> None:
    assert form.Name == "SportsCarForm" and form.Caption == "Sports car"
    names = [c.Name for c in form.Components if c.GetParentComponent() is None]
    assert names == ["TopPanel", "CancelButton", "OkButton", "RefreshTimer", "WheelsEdit",
                     "TurboTimer"]
    assert form.TitleLabel.GetParentComponent() is form.TopPanel
    assert form.TitleLabel.StreamedValue("Caption") == "Car details"  # from the middle level
    assert form.TopPanel.StreamedValue("Color") == "clRed"
    assert form.OkButton.StreamedValue("Caption") == "Drive"
    assert form.CancelButton.StreamedValue("Caption") == "Cancel"  # from the base level
    assert form.WheelsEdit.StreamedValue("Text") == "4"
    assert form.RefreshTimer.Interval == 100 and form.RefreshTimer.OnTimer is None
    assert form.TurboTimer.OnTimer == form.TurboTimerTimer
    assert form.OnShow == form.SportsFormShow and form.OnClose == form.FormClose
    assert form.DesignInfo["ClientHeight"] == 300
    assert not any(from_missing_ancestor(c) for c in form.Components)


def test_two_level_inherited_form_reads_its_ancestors_beside_it(tmp_path: Path) -> None:
    path = _write_forms(tmp_path)
    form = ReadComponentResFile(path, TSportsCarForm(None))
    try:
        _check_sports_car(form)
        assert ComponentToString(form) == SPORTS_CAR
        form.Show()
        assert form.Close()
        assert form.log == ["sports show", "close"]
    finally:
        form.Free()


def test_inherited_form_round_trips_in_tpf0_binary(tmp_path: Path) -> None:
    _write_forms(tmp_path)
    binary = ObjectTextToBinary(SPORTS_CAR)
    path = tmp_path / "SportsCarForm.dfm"
    path.write_bytes(binary)
    form = ReadComponentResFile(path, TSportsCarForm(None))
    try:
        _check_sports_car(form)
        out = tmp_path / "written.dfm"
        WriteComponentResFile(out, form)
        assert out.read_bytes()[-len(binary):] == binary
        assert ComponentToString(form) == SPORTS_CAR
    finally:
        form.Free()


def test_ancestor_files_through_registration_and_search_path(tmp_path: Path) -> None:
    ancestors = tmp_path / "shared"
    ancestors.mkdir()
    (ancestors / "VehicleForm.dfm").write_text(VEHICLE)
    (ancestors / "car.dfm").write_text(CAR)
    RegisterFormFile(TCarForm, ancestors / "car.dfm")
    try:
        form = StringToComponent(SPORTS_CAR, TSportsCarForm(None), search_path=[ancestors])
        try:
            _check_sports_car(form)
            assert ComponentToString(form) == SPORTS_CAR
        finally:
            form.Free()
    finally:
        RegisterFormFile(TCarForm, None)


def test_an_added_component_in_the_middle_level_is_inherited_below(tmp_path: Path) -> None:
    _write_forms(tmp_path)
    form = ReadComponentResFile(tmp_path / "CarForm.dfm", TCarForm(None))
    try:
        assert form.WheelsEdit.Owner is form and form.Caption == "Car"
        assert ComponentToString(form) == CAR
    finally:
        form.Free()


CUSTOMER = """object CustomerForm: TCustomerForm
  Caption = 'Customer'
  OnShow = FormShow
  object NameEdit: TEdit
    Left = 8
    Top = 8
    Text = 'form name'
  end
  object PollTimer: TTimer
    Interval = 5000
    OnTimer = PollTimerTimer
  end
  inline Address: TAddressFrame
    Left = 8
    Top = 40
    TabOrder = 1
    inherited NameEdit: TEdit
      Text = 'street'
    end
    inherited PollTimer: TTimer
    end
  end
  inline Contact: TContactFrame
    Left = 8
    Top = 170
    TabOrder = 2
    inherited NameEdit: TEdit
      Text = 'contact name'
    end
    inherited PollTimer: TTimer
      OnTimer = ContactTimerTimer
    end
  end
end
"""

ADDRESS_FRAME = """object AddressFrame: TAddressFrame
  Left = 0
  Top = 0
  Width = 320
  Height = 120
  TabOrder = 0
  object NameEdit: TEdit
    Left = 8
    Top = 8
    TabOrder = 0
  end
  object PollTimer: TTimer
    Interval = 250
    OnTimer = PollTimerTimer
  end
end
"""

CONTACT_FRAME = """object ContactFrame: TContactFrame
  Width = 320
  Height = 80
  object NameEdit: TEdit
    Left = 8
    Top = 8
  end
  object PollTimer: TTimer
    Interval = 1000
  end
end
"""


class TAddressFrame(TFrame):
    def PollTimerTimer(self, Sender: TComponent) -> None:
        pass


class TContactFrame(TFrame):
    pass


class TCustomerForm(TForm):
    Address: TAddressFrame
    Contact: TContactFrame

    def FormShow(self, Sender: TComponent) -> None:
        pass

    def PollTimerTimer(self, Sender: TComponent) -> None:
        pass

    def ContactTimerTimer(self, Sender: TComponent) -> None:
        pass


def _check_customer(form: TCustomerForm) -> None:
    assert [c.Name for c in form.Components] == ["NameEdit", "PollTimer", "Address", "Contact"]
    for frame, text, interval in ((form.Address, "street", 250),
                                  (form.Contact, "contact name", 1000)):
        assert frame.Owner is form and frame.GetParentComponent() is None
        assert [c.Name for c in frame.Components] == ["NameEdit", "PollTimer"]
        assert frame.NameEdit.Owner is frame and frame.NameEdit.GetParentComponent() is frame
        assert frame.NameEdit.StreamedValue("Text") == text
        assert frame.PollTimer.Interval == interval
    assert form.NameEdit.StreamedValue("Text") == "form name"
    assert form.PollTimer.Interval == 5000
    # handlers: the frame's methods first, then the form's
    assert form.PollTimer.OnTimer == form.PollTimerTimer
    assert form.Address.PollTimer.OnTimer == form.Address.PollTimerTimer
    assert form.Contact.PollTimer.OnTimer == form.ContactTimerTimer
    assert form.Address.DesignInfo["Top"] == 40 and form.Address.DesignInfo["Height"] == 120


def test_two_frames_reusing_the_forms_names(tmp_path: Path) -> None:
    (tmp_path / "AddressFrame.dfm").write_text(ADDRESS_FRAME)
    (tmp_path / "ContactFrame.dfm").write_text(CONTACT_FRAME)
    path = tmp_path / "CustomerForm.dfm"
    path.write_text(CUSTOMER)
    form = ReadComponentResFile(path, TCustomerForm(None))
    try:
        _check_customer(form)
        assert ComponentToString(form) == CUSTOMER
    finally:
        form.Free()
    binary = ObjectTextToBinary(CUSTOMER)
    path.write_bytes(binary)
    form = ReadComponentResFile(path, TCustomerForm(None))
    try:
        _check_customer(form)
        WriteComponentResFile(tmp_path / "out.dfm", form)
        assert (tmp_path / "out.dfm").read_bytes().endswith(binary)
    finally:
        form.Free()


REPRODUCTION = """object MainForm: TMainForm
  object CheckBox1: TCheckBox
    Caption = 'form box'
  end
  inline Frame1: TFrame1
    inherited CheckBox1: TCheckBox
      Caption = 'frame box'
    end
  end
end
"""


class TMainForm(TForm):
    pass


def test_the_issues_frame_reproduction(tmp_path: Path) -> None:
    form = StringToComponent(REPRODUCTION, TMainForm(None))
    try:
        frame = form.Frame1
        assert isinstance(frame, TFrame) and type(frame).__name__ == "TFrame1"
        assert [c.Name for c in form.Components] == ["CheckBox1", "Frame1"]
        assert frame.Owner is form and frame.ComponentCount == 1
        inner = frame.CheckBox1
        assert inner is not form.CheckBox1
        assert (inner.Owner, inner.GetParentComponent()) == (frame, frame)
        assert (form.CheckBox1.Owner, form.CheckBox1.GetParentComponent()) == (form, None)
        assert form.CheckBox1.StreamedValue("Caption") == "form box"
        assert inner.StreamedValue("Caption") == "frame box"
        assert from_missing_ancestor(frame) and from_missing_ancestor(inner)
        assert ComponentToString(form) == REPRODUCTION
        assert write_binary(component_to_tree(form)) == ObjectTextToBinary(REPRODUCTION)
    finally:
        form.Free()
    path = tmp_path / "main.dfm"
    path.write_bytes(ObjectTextToBinary(REPRODUCTION))
    form = ReadComponentResFile(path, TMainForm(None))
    try:
        assert [c.Name for c in form.Frame1.Components] == ["CheckBox1"]
        assert ComponentToString(form) == REPRODUCTION
    finally:
        form.Free()


ORDERS = """inherited OrderForm: TOrderForm
  Caption = 'Orders'
  ClientHeight = 320
  OnCloseQuery = FormCloseQuery
  inherited HeaderPanel: TPanel
    Caption = 'Orders'
    inherited HeaderLabel: TLabel
      Caption = 'Open orders'
    end
  end
  inherited Poller: TTimer
    Enabled = True
    Interval = 1000
    OnTimer = PollerTimer
  end
  object GridPanel: TPanel [0]
    Left = 0
    Top = 41
  end
  inline Footer: TFooterFrame
    inherited StatusLabel: TLabel
      Caption = 'Ready'
    end
  end
end
"""


class TOrderForm(TForm):
    Poller: TTimer

    def FormCloseQuery(self, Sender: TComponent, CanClose: object) -> None:
        pass

    def PollerTimer(self, Sender: TComponent) -> None:
        pass


def test_inherited_form_without_its_ancestor(tmp_path: Path) -> None:
    form = StringToComponent(ORDERS, TOrderForm(None))
    try:
        assert [c.Name for c in form.Components if c.GetParentComponent() is None] == [
            "GridPanel", "HeaderPanel", "Poller", "Footer"]
        assert all(from_missing_ancestor(c) for c in (form, form.HeaderPanel, form.Poller,
                                                      form.HeaderLabel))
        assert not from_missing_ancestor(form.GridPanel)
        assert form.HeaderLabel.GetParentComponent() is form.HeaderPanel
        assert form.Poller.OnTimer == form.PollerTimer and form.Poller.Interval == 1000
        assert form.Footer.StatusLabel.Owner is form.Footer
        assert ComponentToString(form) == ORDERS
        path = tmp_path / "orders.dfm"
        WriteComponentResFile(path, form)
        assert path.read_bytes().endswith(ObjectTextToBinary(ORDERS))
    finally:
        form.Free()
    path.write_bytes(ObjectTextToBinary(ORDERS))
    form = ReadComponentResFile(path, TOrderForm(None))
    try:
        assert ComponentToString(form) == ORDERS
    finally:
        form.Free()


def test_strict_reading_still_needs_the_ancestor() -> None:
    root = TOrderForm(None)
    try:
        with pytest.raises(EReadError, match="Ancestor for 'HeaderPanel' not found") as info:
            StringToComponent(ORDERS.replace("  ClientHeight = 320\n", ""), root, strict=True,
                              filename="orders.dfm")
        assert info.value.line == 4  # type: ignore[attr-defined]
        assert root.ComponentCount == 0
    finally:
        root.Free()


def test_handler_names_are_written_as_the_file_spelled_them() -> None:
    text = ("object ClockForm: TClockForm\n  object ConnectionTimer: TTimer\n"
            "    OnTimer = ConnectionTimerTimer\n  end\nend\n")

    class TClockForm(TForm):
        def ConnectiontimerTimer(self, Sender: TComponent) -> None:
            pass

    form = StringToComponent(text, TClockForm(None))
    try:
        assert form.ConnectionTimer.OnTimer == form.ConnectiontimerTimer
        assert ComponentToString(form) == text
        form.ConnectionTimer.OnTimer = None
        form.ConnectionTimer.OnTimer = form.ConnectiontimerTimer
        assert ComponentToString(form) == text  # still the same handler: still its spelling
    finally:
        form.Free()


def test_client_autosyncevents_false_round_trips() -> None:
    from fnc_websocket import TTMSFNCWebsocketClient

    text = ("object SyncForm: TSyncForm\n  object Client1: TTMSFNCWebsocketClient\n"
            "    AutoSyncEvents = False\n  end\nend\n")

    class TSyncForm(TForm):
        Client1: TTMSFNCWebsocketClient

    form = StringToComponent(text, TSyncForm(None))
    try:
        assert form.Client1.AutoSyncEvents is False
        assert ComponentToString(form) == text
    finally:
        form.Free()


def test_an_object_root_is_written_as_read_even_when_its_class_has_an_ancestor(
        tmp_path: Path) -> None:
    (tmp_path / "VehicleForm.dfm").write_text(VEHICLE)
    RegisterFormFile(TVehicleForm, tmp_path / "VehicleForm.dfm")
    text = VEHICLE.replace("VehicleForm: TVehicleForm", "CarForm: TCarForm")
    try:
        form = StringToComponent(text, TCarForm(None))
        try:
            assert ComponentToString(form) == text  # the file said ``object``: no deltas
        finally:
            form.Free()
        form = TCarForm(None)  # built in code: compared with its ancestor's file
        try:
            form.Name = "CarForm"
            assert ComponentToString(form).startswith("inherited CarForm: TCarForm\n")
        finally:
            form.Free()
    finally:
        RegisterFormFile(TVehicleForm, None)


class TInnerFrame(TFrame):
    def TickTimer(self, Sender: TComponent) -> None:
        pass


class TOuterFrame(TFrame):
    Inner: TInnerFrame


class TPanelBase(TForm):
    Outer: TOuterFrame


class TPanelDerived(TPanelBase):
    pass


INNER_FRAME = ("object InnerFrame: TInnerFrame\n  object Tick: TTimer\n    Interval = 10\n"
               "    OnTimer = TickTimer\n  end\nend\n")
OUTER_FRAME = ("object OuterFrame: TOuterFrame\n  inline Inner: TInnerFrame\n"
               "    inherited Tick: TTimer\n      Interval = 20\n    end\n  end\nend\n")
PANEL_BASE = ("object PanelBase: TPanelBase\n  inline Outer: TOuterFrame\n"
              "    inherited Inner: TInnerFrame\n      inherited Tick: TTimer\n"
              "        Interval = 30\n      end\n    end\n  end\nend\n")
PANEL_DERIVED = ("inherited PanelDerived: TPanelDerived\n  inherited Outer: TOuterFrame\n"
                 "    inherited Inner: TInnerFrame\n      inherited Tick: TTimer\n"
                 "        Interval = 40\n      end\n    end\n  end\nend\n")


def test_frames_in_frames_and_a_frame_inherited_from_the_ancestor_form(tmp_path: Path) -> None:
    for name, text in (("InnerFrame", INNER_FRAME), ("OuterFrame", OUTER_FRAME),
                       ("PanelBase", PANEL_BASE), ("PanelDerived", PANEL_DERIVED)):
        (tmp_path / f"{name}.dfm").write_text(text)
    for cls, name, text, interval in ((TPanelBase, "PanelBase", PANEL_BASE, 30),
                                      (TPanelDerived, "PanelDerived", PANEL_DERIVED, 40)):
        form = ReadComponentResFile(tmp_path / f"{name}.dfm", cls(None))
        try:
            inner = form.Outer.Inner
            assert inner.Owner is form.Outer and inner.Tick.Owner is inner
            assert inner.Tick.Interval == interval and inner.Tick.OnTimer == inner.TickTimer
            assert ComponentToString(form) == text
            assert write_binary(component_to_tree(form)) == ObjectTextToBinary(text)
        finally:
            form.Free()


class TLoopFrame(TFrame):
    Again: TLoopFrame


class TLoopHost(TForm):
    Looping: TLoopFrame


def test_a_frame_that_contains_itself_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "LoopFrame.dfm").write_text(
        "object LoopFrame: TLoopFrame\n  inline Again: TLoopFrame\n  end\nend\n")
    (tmp_path / "LoopHost.dfm").write_text(
        "object LoopHost: TLoopHost\n  inline Looping: TLoopFrame\n  end\nend\n")
    host = TLoopHost(None)
    try:
        with pytest.raises(EReadError, match=r"LoopFrame\.dfm:2:3: Ancestor and frame files nest "
                                             r"deeper than 32 levels \(a cycle\?\)"):
            ReadComponentResFile(tmp_path / "LoopHost.dfm", host)
        assert host.ComponentCount == 0  # everything the failed read created is freed
    finally:
        host.Free()
