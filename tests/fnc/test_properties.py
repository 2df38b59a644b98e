"""Published typed properties (checklist 13-16) and lazy validation."""

from __future__ import annotations

import enum

import pytest

from fnc import (
    EConvertError,
    EPropertyError,
    EValidationError,
    Property,
    SetOf,
    TComponent,
    TNestedPersistent,
    TPersistent,
    get_property,
    published_properties,
    set_property,
)
from fnc.properties import in_range, is_stored, not_empty


class TColor(enum.Enum):
    clRed = 0
    clGreen = 1
    clBlue = 2


class TFont(TNestedPersistent):
    Name = Property(str, "Tahoma", doc="Face name.")
    Size = Property(int, 8, validator=in_range(1, 200))


class TWidget(TComponent):
    Port = Property(int, 8888, validator=in_range(1, 65535), doc="TCP port.")
    Host = Property(str, validator=not_empty)
    Ratio = Property(float, 1.5)
    Color = Property(TColor, TColor.clGreen)
    Colors = Property(SetOf(TColor))
    Font = Property(TFont)
    Buddy = Property(TComponent)
    Secret = Property(str, "x", stored=False)
    Always = Property(int, 0, nodefault=True)
    Maybe = Property(int, 0, stored=lambda self: self.Tag == 1)


def test_metadata_in_declaration_order_with_inheritance():  # checklist 13
    names = [p.name for p in published_properties(TWidget)]
    assert names[:2] == ["Name", "Tag"]
    assert names[2:6] == ["Port", "Host", "Ratio", "Color"]
    port = next(p for p in published_properties(TWidget) if p.name == "Port")
    assert (port.type_name, port.default, port.doc, port.has_validator) == (
        "Integer", 8888, "TCP port.", True)


@pytest.mark.parametrize(("prop", "value"), [
    ("Port", "x"), ("Port", True), ("Port", 1.5), ("Host", 3), ("Ratio", "1"), ("Ratio", False),
    ("Color", 1), ("Colors", "clRed"), ("Buddy", "Button1"),
])
def test_wrong_types_raise_type_error_naming_property(prop, value):  # checklist 13
    w = TWidget(None)
    with pytest.raises(TypeError, match=f"TWidget.{prop}"):
        setattr(w, prop, value)


def test_enum_and_set_by_name():  # checklist 13
    w = TWidget(None)
    w.Color = "clblue"
    assert w.Color is TColor.clBlue
    w.Colors = ["clRed", TColor.clBlue, "clRed"]
    assert w.Colors == frozenset({TColor.clRed, TColor.clBlue})
    with pytest.raises(EPropertyError, match=r"'clPink'.*expected one of clRed"):
        w.Color = "clPink"
    with pytest.raises(ValueError):
        w.Colors = ["clPink"]
    w.Ratio = 2
    assert w.Ratio == 2.0 and isinstance(w.Ratio, float)


def test_defaults_initialise_and_stored_rules():  # checklist 14
    w = TWidget(None)
    assert (w.Port, w.Host, w.Color, w.Colors, w.Tag) == (8888, "", TColor.clGreen, frozenset(), 0)
    assert not is_stored(w, "Port") and not is_stored(w, "Tag") and not is_stored(w, "Host")
    assert not is_stored(w, "Name") and not is_stored(w, "Secret")
    assert is_stored(w, "Always")  # nodefault: always written
    w.Port, w.Host, w.Tag, w.Maybe = 5050, "h", 1, 3
    assert is_stored(w, "Port") and is_stored(w, "Host") and is_stored(w, "Maybe")
    w.Tag = 2
    assert not is_stored(w, "Maybe")


def test_assign_errors():  # checklist 15
    f = TFont(None)
    with pytest.raises(EConvertError, match="Cannot assign a Nil to a TFont"):
        f.Assign(None)
    with pytest.raises(EConvertError, match="Cannot assign a TComponent to a TFont"):
        f.Assign(TComponent(None))

    class TFancy(TPersistent):
        def AssignTo(self, Dest):
            if isinstance(Dest, TFont):
                Dest.Name = "Fancy"
                return
            super().AssignTo(Dest)

    f.Assign(TFancy())  # the source gets its chance
    assert f.Name == "Fancy"


def test_get_name_path():  # checklist 16
    w = TWidget(None, Name="Widget1")
    assert w.GetNamePath() == "Widget1"
    assert w.Font.GetNamePath() == "Widget1.Font"
    assert TPersistent().GetNamePath() == "TPersistent"


def test_nested_persistent_assign_and_dotted_paths():
    w = TWidget(None)
    w.Font.Size = 12
    other = TFont(None, Name="Arial", Size=20)
    w.Font = other
    assert (w.Font.Name, w.Font.Size) == ("Arial", 20) and w.Font is not other
    set_property(w, "Font.Name", "Consolas")
    assert get_property(w, "Font.Name") == "Consolas"
    with pytest.raises(EPropertyError, match="Invalid property path"):
        set_property(w, "Port.X", 1)
    with pytest.raises(EPropertyError, match="Unknown property"):
        get_property(w, "Font.Bold")
    with pytest.raises(TypeError):
        w.Font = None


def test_validation_is_lazy_and_lists_every_problem():
    w = TWidget(None, Name="W1")
    w.Port = 0  # accepted by the setter
    w.Font.Size = 0
    with pytest.raises(EValidationError) as info:
        w.Validate()
    problems = dict(info.value.problems)
    assert set(problems) == {"Port", "Host", "Font.Size"}
    assert "out of range 1..65535" in problems["Port"]
    assert "W1" in str(info.value) and "Host: must not be empty" in str(info.value)
    w.Port, w.Host, w.Font.Size = 80, "h", 9
    w.Validate()


def test_component_reference_cleared_when_target_freed():
    w = TWidget(None)
    buddy = TComponent(None)
    w.Buddy = buddy
    buddy.Free()
    assert w.Buddy is None


def test_read_only_property():
    class TRO(TComponent):
        Version = Property(int, 13, read_only=True)

    r = TRO(None)
    assert r.Version == 13
    with pytest.raises(EPropertyError, match="read-only"):
        r.Version = 1


def test_locked_property_uses_component_hook():
    class TLocked(TComponent):
        Active = Property(bool, False)
        Host = Property(str, locked=True)

        def fnc_check_inactive(self, name):
            if self.Active:
                raise RuntimeError(f"{name} locked")

    c = TLocked(None, Host="a")
    c.Active = True
    with pytest.raises(RuntimeError, match="Host locked"):
        c.Host = "b"
    assert c.Host == "a"
