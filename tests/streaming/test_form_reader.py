"""The component reader and writer: registry, typed properties, handler binding, fix-ups,
Loaded order, placeholders, errors and hooks (checklist 14, 18, 22-27)."""

from __future__ import annotations

import enum

import pytest

from fnc import (
    Event,
    Property,
    SetOf,
    TComponent,
    TDataModule,
    TForm,
    TNestedPersistent,
    TTimer,
    csFixups,
    csLoading,
    csReading,
)
from fnc.exceptions import EClassNotFound, EFilerError, EParserError, EReadError
from fnc.streaming import (
    ComponentToString,
    FindClass,
    FindGlobalComponent,
    FormReader,
    GetClass,
    ReadComponentResFile,
    RegisterClass,
    RegisterClassAlias,
    RegisterClasses,
    StringToComponent,
    TPlaceholderComponent,
    UnRegisterClass,
    WriteComponentFile,
    WriteComponentResFile,
    pending_fixups,
)


class TShade(enum.Enum):
    shRed = 0
    shGreen = 1
    shBlue = 2


class TStyle(enum.Enum):
    stBold = 0
    stItalic = 1
    stUnderline = 2


class TLook(TNestedPersistent):
    FaceName = Property(str, "Tahoma")
    Size = Property(int, 8)
    Style = Property(SetOf(TStyle), frozenset())


class TGadget(TComponent):
    """Every property kind the reader converts."""

    Enabled = Property(bool, True)
    Count = Property(int, 0)
    Ratio = Property(float, 0.0)
    Caption = Property(str)
    Data = Property(bytes)
    Shade = Property(TShade, TShade.shRed)
    Styles = Property(SetOf(TStyle), frozenset())
    Link = Property(TComponent)
    Look = Property(TLook)
    Hidden = Property(str, "", stored=False)
    Always = Property(int, 0, nodefault=True)
    Counter = Property(int, 0, read_only=True)
    OnChange = Event("Sender")

    journal: list[tuple[str, str, frozenset]] = []

    @Count.setter
    def Count(self, value: int) -> None:
        TGadget.journal.append(("Count", self.Name, self.ComponentState))
        type(self).Count.set_stored(self, value)

    def Loaded(self) -> None:
        TGadget.journal.append(("Loaded", self.Name, self.ComponentState))
        super().Loaded()


class TGadgetForm(TForm):
    Gadget1: TGadget  # resolves TGadget for this root without registering it

    def Loaded(self) -> None:
        TGadget.journal.append(("Loaded", self.Name, self.ComponentState))
        super().Loaded()

    def Gadget1Change(self, Sender: TComponent) -> None:
        self.changed = Sender


class TUnknownToForms(TComponent):
    """Defined here but neither registered nor a field: forms cannot create it."""


_roots: list[TComponent] = []


@pytest.fixture(autouse=True)
def _journal_and_roots():
    TGadget.journal.clear()
    yield
    TGadget.journal.clear()
    while _roots:  # loaded roots are globally findable by name until freed
        _roots.pop().Free()


def load(text: str, root: TComponent | None = None, **options) -> TComponent:
    root = root if root is not None else TGadgetForm(None)
    _roots.append(root)
    return StringToComponent(text, root, filename="test.dfm", **options)


FULL = """object GadgetForm: TGadgetForm
  Caption = 'Gadgets'
  object Gadget1: TGadget
    Enabled = False
    Count = 3
    Ratio = 2
    Caption = 'It'#39's'
    Data = {0102}
    Shade = SHBLUE
    Styles = [stBold, stUnderline]
    Link = Gadget2
    Look.FaceName = 'Segoe UI'
    Look.Style = [stItalic]
    Always = 0
    OnChange = Gadget1Change
  end
  object Gadget2: TGadget
    Count = 7
    Link = Owner
  end
end
"""


# -- registry ------------------------------------------------------------------------------------


def test_registry_is_case_insensitive_and_idempotent() -> None:
    class TRegistered(TComponent):
        pass

    RegisterClass(TRegistered)
    try:
        RegisterClass(TRegistered)
        RegisterClasses([TRegistered])
        assert GetClass("tregistered") is TRegistered
        assert FindClass("TREGISTERED") is TRegistered
        RegisterClassAlias(TRegistered, "TOldName")
        assert GetClass("toldname") is TRegistered

        class TRegistered2(TComponent):
            pass

        TRegistered2.__name__ = "TRegistered"
        with pytest.raises(EFilerError, match="A class named TRegistered already exists"):
            RegisterClass(TRegistered2)
    finally:
        UnRegisterClass(TRegistered)
    assert GetClass("TRegistered") is None and GetClass("TOldName") is None
    with pytest.raises(EClassNotFound, match='Class "TRegistered" not found'):
        FindClass("TRegistered")
    with pytest.raises(TypeError):
        RegisterClass(int)  # type: ignore[arg-type]


def test_fnc_classes_are_registered() -> None:
    assert FindClass("TTimer") is TTimer
    assert FindClass("tform") is TForm
    assert FindClass("TDataModule") is TDataModule
    assert FindClass("TComponent") is TComponent


# -- reading -------------------------------------------------------------------------------------


def test_every_property_kind_is_assigned_through_the_typed_system() -> None:
    form = load(FULL)
    g1, g2 = form.Gadget1, form.Gadget2  # field binding by name
    assert form.Components == (g1, g2) and g1.Owner is form
    assert form.Caption == "Gadgets"
    assert g1.Enabled is False and g1.Count == 3 and g1.Ratio == 2.0
    assert isinstance(g1.Ratio, float)
    assert g1.Caption == "It's" and g1.Data == b"\x01\x02"
    assert g1.Shade is TShade.shBlue
    assert g1.Styles == frozenset({TStyle.stBold, TStyle.stUnderline})
    assert g1.Look.FaceName == "Segoe UI" and g1.Look.Style == frozenset({TStyle.stItalic})
    assert g1.Link is g2  # forward reference, fixed up after the whole root was read
    assert g2.Link is form  # 'Owner' names the root itself
    assert g1.OnChange == form.Gadget1Change
    g1.fire("OnChange")
    assert form.changed is g1


def test_loading_states_and_loaded_order() -> None:
    form = load("object GadgetForm: TGadgetForm\n"
                "  object Outer: TPlaceholderPanel\n"
                "    object Inner: TGadget\n      Count = 1\n    end\n  end\n"
                "  object Last: TGadget\n    Count = 2\n  end\nend\n")
    journal = TGadget.journal
    counts = [entry for entry in journal if entry[0] == "Count"]
    assert all({csLoading, csReading} <= state for _, _, state in counts)
    loaded = [name for kind, name, _ in journal if kind == "Loaded"]
    assert loaded == ["GadgetForm", "Inner", "Last"]  # root first, each after its children
    assert all(csReading not in state and csLoading in state
               for kind, _, state in journal if kind == "Loaded")
    assert all(csLoading not in c.ComponentState for c in [form, *form.Components])


_BASE_SET_NAME = TComponent.__dict__["Name"].fset


class TWatchedGadget(TGadget):
    """Overrides what the reader otherwise does itself for a plain component."""

    calls: list[tuple[str, object]] = []

    Name = Property(str, stored=False)

    @Name.getter
    def Name(self) -> str:
        return self._name

    @Name.setter
    def Name(self, value: str) -> None:
        self.calls.append(("Name", value))
        _BASE_SET_NAME(self, value)

    def Loading(self) -> None:
        self.calls.append(("Loading", None))
        super().Loading()

    def SetComponentState(self, Flag: object, Value: bool) -> None:
        self.calls.append((str(Flag), Value))
        super().SetComponentState(Flag, Value)  # type: ignore[arg-type]


def test_overrides_of_naming_and_loading_states_are_called() -> None:
    RegisterClass(TWatchedGadget)
    TWatchedGadget.calls = []
    try:
        form = load("object GadgetForm: TGadgetForm\n"
                    "  object Watched1: TWatchedGadget\n    Count = 1\n  end\nend\n")
    finally:
        UnRegisterClass(TWatchedGadget)
    assert form.FindComponent("Watched1").Count == 1
    assert TWatchedGadget.calls == [
        ("Name", "Watched1"), ("Loading", None),
        (str(csReading), True), (str(csReading), False)]


def test_nested_blocks_are_owned_by_the_root_and_parented_by_the_block() -> None:
    form = load("object GadgetForm: TGadgetForm\n"
                "  object Panel1: TPanel\n    object Panel2: TPanel\n"
                "      object Gadget1: TGadget\n      end\n    end\n  end\nend\n")
    assert [c.Name for c in form.Components] == ["Panel1", "Panel2", "Gadget1"]
    assert all(c.Owner is form for c in form.Components)
    assert form.Gadget1.GetParentComponent() is form.Panel2
    assert form.Panel2.GetParentComponent() is form.Panel1
    assert form.Panel1.GetParentComponent() is None


def test_unknown_classes_become_placeholders_that_keep_every_value() -> None:
    text = ("object GadgetForm: TGadgetForm\n"
            "  object Button1: TButton [2]\n    Left = 8\n    Caption = '&Send'\n"
            "    Font.Style = [fsBold]\n    Items = (\n      'a'\n      1.500000000000000000)\n"
            "    OnClick = NoSuchMethodYet\n  end\nend\n")
    form = load(text)
    button = form.Button1
    assert isinstance(button, TPlaceholderComponent)
    assert type(button).__name__ == "TButton" and button.ClassName() == "TButton"
    assert button.StreamedValue("caption") == "&Send"
    assert button.StreamedValue("Font.Style") == ("fsBold",)
    assert button.StreamedValue("Items") == ["a", 1.5]
    assert button.StreamedValue("OnClick") == "NoSuchMethodYet"
    with pytest.raises(KeyError):
        button.StreamedValue("Width")
    assert ComponentToString(form) == text


def test_strict_mode_refuses_unknown_classes_and_root_properties() -> None:
    with pytest.raises(EClassNotFound, match=r'test\.dfm:2:3: Class "TButton" not found'):
        load("object GadgetForm: TGadgetForm\n  object Button1: TButton\n  end\nend", strict=True)
    with pytest.raises(EReadError, match=r'Error reading GadgetForm\.ClientHeight: Unknown '):
        load("object GadgetForm: TGadgetForm\n  ClientHeight = 5\nend", strict=True)
    # design-time positions are accepted even in strict mode, and kept
    form = load("object GadgetForm: TGadgetForm\n  object G: TGadget\n    Left = 4\n"
                "    Size.Width = 26.000000000000000000\n  end\nend", strict=True)
    assert form.G.DesignInfo == {"Left": 4, "Size.Width": 26.0}


def test_root_keeps_form_properties_it_does_not_model() -> None:
    form = load("object GadgetForm: TGadgetForm\n  ClientHeight = 441\n  Font.Style = []\n"
                "  Color = clBtnFace\nend")
    assert form.DesignInfo["ClientHeight"] == 441
    assert form.DesignInfo["Color"].value == "clBtnFace"


def test_classes_come_only_from_fields_and_the_registry() -> None:
    form = load("object GadgetForm: TGadgetForm\n  object X: TUnknownToForms\n  end\nend")
    assert isinstance(form.X, TPlaceholderComponent)  # never looked up in the test module
    assert type(form.X) is not TUnknownToForms


def test_second_root_with_a_taken_name_is_renamed() -> None:
    RegisterClass(TGadgetForm)
    try:
        first = StringToComponent("object GadgetForm: TGadgetForm\nend")
        second = StringToComponent("object GadgetForm: TGadgetForm\nend")
        third = StringToComponent("object GadgetForm: TGadgetForm\nend")
        assert [first.Name, second.Name, third.Name] == ["GadgetForm", "GadgetForm_1",
                                                          "GadgetForm_2"]
        assert FindGlobalComponent("gadgetform_1") is second
        for form in (first, second, third):
            form.Free()
        fresh = StringToComponent("object GadgetForm: TGadgetForm\nend")
        assert fresh.Name == "GadgetForm"
        fresh.Free()
    finally:
        UnRegisterClass(TGadgetForm)


def test_reference_to_a_root_loaded_later_waits_for_it() -> None:
    RegisterClass(TDataModule)
    form = load("object LaterUser: TGadgetForm\n  object Gadget1: TGadget\n"
                "    Link = LaterModule.Target\n  end\nend")
    assert form.Gadget1.Link is None and csFixups in form.Gadget1.ComponentState
    assert (form.Gadget1, "LaterModule.Target") in pending_fixups()
    module = StringToComponent("object LaterModule: TGadgetForm\n  object Target: TGadget\n"
                               "  end\nend", TGadgetForm(None))
    assert form.Gadget1.Link is module.Target
    assert csFixups not in form.Gadget1.ComponentState
    assert (form.Gadget1, "LaterModule.Target") not in pending_fixups()
    module.Free()
    assert form.Gadget1.Link is None  # the reference follows its target's lifetime
    form.Free()


# -- errors and hooks ----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "message", "line"), [
    ("Foo = 1", 'Error reading G.Foo: Unknown property: "Foo"', 3),
    ("Caption.X = 1", "Error reading G.Caption.X: Invalid property path: Caption is not an "
     "object", 3),
    ("Count = 'x'", "Error reading G.Count: Invalid property value: 'x' for a Integer property",
     3),
    ("Shade = shPurple", "Error reading G.Shade: .*invalid property value 'shPurple'", 3),
    ("Styles = [stBold, stNone]", "Error reading G.Styles: .*'stNone'", 3),
    ("Look = 5", "Error reading G.Look: Invalid property value: 5 for a TLook property", 3),
    ("Counter = 5", "Error reading G.Counter: Cannot assign to a read-only property", 3),
    ("OnChange = Missing", "Error reading G.OnChange: Method 'Missing' not found in "
     "TGadgetForm", 3),
    ("OnChange = Free", "Method 'Free' not found", 3),  # framework methods are not handlers
    ("OnChange = 5", "Error reading G.OnChange: Invalid property value: 5", 3),
    ("Link = Nowhere", "Error reading G.Link: Component 'Nowhere' not found", 3),
    ("Link = Look", "Error reading G.Link: Component 'Look' not found", 3),
])
def test_property_errors_name_file_line_component_and_property(body: str, message: str,
                                                                line: int) -> None:
    root = TGadgetForm(None)
    with pytest.raises(EReadError, match=message) as info:
        load(f"object GadgetForm: TGadgetForm\n  object G: TGadget\n    {body}\n  end\nend",
             root)
    err = info.value
    assert str(err).startswith(f"test.dfm:{line}:5: Error reading G.")
    assert (err.filename, err.line, err.column, err.component) == ("test.dfm", line, 5, "G")
    assert root.ComponentCount == 0  # what the failed read created is freed
    assert csLoading not in root.ComponentState


def test_component_level_errors() -> None:
    with pytest.raises(EReadError, match=r"test\.dfm:4:3: Cannot name component G: Duplicate"):
        load("object GadgetForm: TGadgetForm\n  object G: TGadget\n  end\n"
             "  object G: TGadget\n  end\nend")
    with pytest.raises(EReadError, match="Ancestor for 'Missing' not found"):
        load("object GadgetForm: TGadgetForm\n  inherited Missing: TGadget\n  end\nend",
             strict=True)
    with pytest.raises(EParserError):
        load("object GadgetForm: TGadgetForm\n  object G: TGadget\nend")


def test_created_root_is_freed_when_reading_fails() -> None:
    RegisterClass(TGadgetForm)
    try:
        with pytest.raises(EReadError):
            StringToComponent("object Broken: TGadgetForm\n  Nope = 1\n  ClientHeight = 1\n"
                              "end", strict=True)
        assert FindGlobalComponent("Broken") is None
    finally:
        UnRegisterClass(TGadgetForm)


def test_on_error_hook_skips_a_value_and_goes_on() -> None:
    seen: list[EReadError] = []

    def on_error(error: EReadError) -> bool:
        seen.append(error)
        return True

    form = load("object GadgetForm: TGadgetForm\n  object G: TGadget\n    Foo = 1\n"
                "    Count = 'x'\n    OnChange = Missing\n    Link = Nowhere\n    Ratio = 1.5\n"
                "  end\nend", on_error=on_error)
    assert [e.property for e in seen] == ["Foo", "Count", "OnChange", "Link"]
    assert form.G.Ratio == 1.5 and form.G.Count == 0 and form.G.OnChange is None


def test_find_method_and_property_not_found_hooks() -> None:
    calls: list[object] = []

    def on_find_method(root: TComponent, name: str):
        calls.append(name)
        return (lambda Sender: calls.append(Sender)) if name == "External" else None

    def on_property_not_found(component: TComponent, path: str, value: object) -> bool:
        calls.append(path)
        return path == "Legacy"

    form = load("object GadgetForm: TGadgetForm\n  object G: TGadget\n"
                "    OnChange = External\n    Legacy = 1\n  end\nend",
                on_find_method=on_find_method, on_property_not_found=on_property_not_found)
    form.G.fire("OnChange")
    assert calls == ["External", "Legacy", form.G]


def test_reader_rejects_wrong_arguments() -> None:
    with pytest.raises(TypeError):
        FormReader().read("object A: TA end")  # type: ignore[arg-type]


# -- writing -------------------------------------------------------------------------------------


def test_writer_writes_only_stored_non_default_values() -> None:
    form = TGadgetForm(None)
    form.Name = "GadgetForm"
    gadget = TGadget(form)
    gadget.Name = "Gadget1"
    gadget.Hidden = "never written"
    other = TGadget(form, Name="Gadget2", Tag=5, Count=2, Shade="shGreen",
                    Styles=["stUnderline", "stBold"], Link=gadget, Ratio=0.5)
    other.Look.Size = 12
    other.OnChange = form.Gadget1Change
    gadget.OnChange = lambda Sender: None  # not a method of the root: not written
    assert ComponentToString(form) == (
        "object GadgetForm: TGadgetForm\n"
        "  object Gadget1: TGadget\n"
        "    Always = 0\n"
        "  end\n"
        "  object Gadget2: TGadget\n"
        "    Tag = 5\n"
        "    Count = 2\n"
        "    Ratio = 0.500000000000000000\n"
        "    Shade = shGreen\n"
        "    Styles = [stBold, stUnderline]\n"
        "    Link = Gadget1\n"
        "    Look.Size = 12\n"
        "    Always = 0\n"
        "    OnChange = Gadget1Change\n"
        "  end\n"
        "end\n")
    form.Free()


def test_text_objects_text_is_byte_identical() -> None:
    form = load(FULL)
    text = ComponentToString(form)
    form.Free()  # a live GadgetForm would make the next one GadgetForm_1
    again = ComponentToString(load(text))
    assert again == text
    assert text == FULL.replace("Ratio = 2\n", "Ratio = 2.000000000000000000\n").replace(
        "SHBLUE", "shBlue").replace("Link = Owner\n", "Link = Owner\n    Always = 0\n")


def test_lfm_flavour_and_files(tmp_path) -> None:
    form = load(FULL)
    lfm = tmp_path / "gadgets.lfm"
    WriteComponentFile(lfm, form)
    assert "Caption = 'It''s'" in lfm.read_text(encoding="utf-8")
    binary = tmp_path / "gadgets.res"
    WriteComponentResFile(binary, form)
    assert binary.read_bytes().startswith(b"\xff\x0a\x00TGADGETFORM\x00")
    for path in (lfm, binary):
        back = ReadComponentResFile(path, TGadgetForm(None))
        assert back.Name == "GadgetForm_1"  # the first one still lives
        back.Name = "GadgetForm"  # roots are unowned: no uniqueness check on renaming
        assert ComponentToString(back) == ComponentToString(form)
        assert back.Gadget1.Link is back.Gadget2
        back.Free()


# -- property-based: component trees survive write -> read -> write ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

gadget_values = st.fixed_dictionaries({}, optional={
    "Enabled": st.booleans(),
    "Count": st.integers(-(2**63), 2**63 - 1),
    "Ratio": st.floats(allow_nan=False, allow_infinity=False),
    "Caption": st.text(max_size=200),
    "Data": st.binary(max_size=64),
    "Shade": st.sampled_from(list(TShade)),
    "Styles": st.sets(st.sampled_from(list(TStyle))),
    "Tag": st.integers(-1000, 1000),
})


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(gadget_values, max_size=5), st.data())
def test_component_trees_write_read_write_unchanged(gadgets: list[dict], data) -> None:
    form = TGadgetForm(None)
    form.Name = "PropForm"
    made = []
    for i, values in enumerate(gadgets):
        gadget = TGadget(form, Name=f"G{i}", **values)
        if made and data.draw(st.booleans()):
            gadget.Link = data.draw(st.sampled_from(made))
        made.append(gadget)
    text = ComponentToString(form)
    form.Free()
    again = StringToComponent(text, TGadgetForm(None))
    try:
        assert ComponentToString(again) == text
        for i, values in enumerate(gadgets):
            for name, value in values.items():
                got = getattr(again.Components[i], name)
                if name == "Ratio":
                    assert got == pytest.approx(value, rel=1e-15, abs=1e-300) or \
                        f"{got:.15e}" == f"{value:.15e}"
                elif name == "Styles":
                    assert got == frozenset(value)
                else:
                    assert got == value
    finally:
        again.Free()
