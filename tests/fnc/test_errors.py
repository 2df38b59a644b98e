"""One rule for assignment errors: a wrong type is TypeError, a wrong value EPropertyError."""

from __future__ import annotations

import enum

import pytest

from fnc import (
    EClassNotFound,
    EPropertyError,
    EReadError,
    Property,
    PropertyKind,
    SetOf,
    TComponent,
    TNestedPersistent,
    published_properties,
)
from fnc.exceptions import EFilerError


class TColor(enum.Enum):
    clRed = 0
    clBlue = 1


class TOther(enum.Enum):
    oA = 0


class TBeat(TNestedPersistent):
    Interval = Property(float, 30.0)


class TWidget(TComponent):
    Color = Property(TColor, TColor.clRed)
    Colors = Property(SetOf(TColor), frozenset())
    Beat = Property(TBeat)
    Peer = Property(TComponent)
    Count = Property(int, 0)
    Caption = Property(str, "", read_only=True)


@pytest.mark.parametrize(("name", "value"), [
    ("Beat", "x"),            # a str for a nested persistent (was AttributeError)
    ("Beat", 3),
    ("Beat", None),
    ("Color", 1),             # an enum given a value of the wrong type
    ("Color", TOther.oA),     # a member of another enum
    ("Colors", "clRed"),      # a set given a str
    ("Colors", [1]),          # a set element of the wrong type
    ("Peer", "Widget2"),      # a component reference given a name
    ("Count", "3"),
    ("Count", 1.0),
])
def test_wrong_type_is_type_error(name, value):
    w = TWidget(None)
    with pytest.raises(TypeError, match=f"TWidget.{name}"):
        setattr(w, name, value)


@pytest.mark.parametrize(("name", "value"), [
    ("Color", "clGreen"),       # not a member name
    ("Colors", ["clRed", "x"]),
])
def test_wrong_value_is_property_error(name, value):
    with pytest.raises(EPropertyError, match="invalid property value"):
        setattr(TWidget(None), name, value)


def test_read_only_is_property_error():
    with pytest.raises(EPropertyError, match="read-only"):
        TWidget(None).Caption = "x"


def test_nested_persistent_still_copies_from_its_own_class():
    w = TWidget(None)
    w.Beat = TBeat(None, Interval=5.0)
    assert w.Beat.Interval == 5.0


def test_property_kinds_are_an_enum_that_still_compares_as_text():
    kinds = {p.name: p.kind for p in published_properties(TWidget)}
    assert kinds["Beat"] is PropertyKind.PERSISTENT and kinds["Peer"] is PropertyKind.COMPONENT
    assert kinds["Colors"] is PropertyKind.SET and kinds["Color"] == "enum"


def test_filer_errors_declare_their_fields():
    exc = EReadError("form.dfm:3:5: Error reading Client1.Port: bad", filename="form.dfm",
                     line=3, column=5, component="Client1", property="Port", reason="bad")
    assert (exc.filename, exc.line, exc.column, exc.component, exc.property, exc.reason) == \
        ("form.dfm", 3, 5, "Client1", "Port", "bad")
    bare = EClassNotFound('Class "TNope" not found')
    assert isinstance(bare, EFilerError)
    assert (bare.filename, bare.line, bare.component, bare.reason) == \
        (None, None, None, 'Class "TNope" not found')


def test_a_hook_under_its_former_private_name_is_refused_at_class_creation():
    with pytest.raises(TypeError, match="_fnc_marshals_events: this hook is now fnc_event_queue"):
        class TOld(TComponent):
            def _fnc_marshals_events(self) -> bool:
                return True
