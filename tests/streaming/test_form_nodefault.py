"""Checklist 14: an ordinal property (Boolean, Integer, enum, set) declared without a default is
``nodefault`` and always written, as in Delphi; with a default it is omitted when equal to it.
Strings, floats and references have an implicit empty default and are omitted when empty."""

from __future__ import annotations

import enum

import pytest

import fnc
import fnc_websocket
from fnc import Property, SetOf, TComponent, TForm, published_properties
from fnc.properties import is_stored
from fnc.streaming import ComponentToString, StringToComponent


class TKind(enum.Enum):
    kdFirst = 0
    kdSecond = 1


class TWidget(TComponent):
    Count = Property(int)
    Flag = Property(bool)
    Kind = Property(TKind)
    Kinds = Property(SetOf(TKind))
    Zero = Property(int, 0)
    Off = Property(bool, False)
    First = Property(TKind, TKind.kdFirst)
    NoKinds = Property(SetOf(TKind), frozenset())
    Text = Property(str)
    Ratio = Property(float)
    Link = Property(TComponent)


class TWidgetForm(TForm):
    Widget1: TWidget


WRITTEN = ("object WidgetForm: TWidgetForm\n"
           "  object Widget1: TWidget\n"
           "    Count = 0\n"
           "    Flag = False\n"
           "    Kind = kdFirst\n"
           "    Kinds = []\n"
           "  end\n"
           "end\n")


def test_ordinals_without_a_default_are_nodefault_and_start_empty():
    info = {p.name: p for p in published_properties(TWidget)}
    assert [n for n, p in info.items() if p.nodefault] == ["Count", "Flag", "Kind", "Kinds"]
    widget = TWidget(None)
    assert (widget.Count, widget.Flag, widget.Kind, widget.Kinds) == (
        0, False, TKind.kdFirst, frozenset())
    assert [n for n in info if n != "Name" and is_stored(widget, n)] == [
        "Count", "Flag", "Kind", "Kinds"]
    widget.Free()


def test_writer_always_writes_them_and_omits_explicit_defaults():
    form = TWidgetForm(None, Name="WidgetForm")
    try:
        TWidget(form, Name="Widget1")
        assert ComponentToString(form) == WRITTEN
        form.Widget1.Zero = 1
        form.Widget1.Text = "x"
        assert "    Zero = 1\n" in ComponentToString(form)
        assert "    Text = 'x'\n" in ComponentToString(form)
    finally:
        form.Free()


def test_written_nodefault_values_round_trip():
    form = TWidgetForm(None)
    try:
        StringToComponent(WRITTEN, form)
        assert ComponentToString(form) == WRITTEN
    finally:
        form.Free()


@pytest.mark.parametrize("package", [fnc, fnc_websocket], ids=lambda m: m.__name__)
def test_framework_components_declare_explicit_defaults(package):
    """Only the server's AutoSyncEvents is nodefault on purpose (Delphi's default differs from
    ours); every other ordinal states its default, so empty values (Options = []) are omitted."""
    found = set()
    for name in package.__all__:
        cls = getattr(package, name)
        if isinstance(cls, type) and issubclass(cls, fnc.TPersistent):
            found.update((cls.__name__, p.name) for p in published_properties(cls)
                         if p.nodefault)
    expected = {("TTMSFNCCustomWebSocketServer", "AutoSyncEvents"),
                ("TTMSFNCWebSocketServer", "AutoSyncEvents")} if package is fnc_websocket \
        else set()
    assert found == expected


def test_websocket_options_with_explicit_empty_default_are_not_written():
    from fnc_websocket.client.component import TTMSFNCWebsocketClient
    from fnc_websocket.server.component import TTMSFNCWebSocketServer

    client = TTMSFNCWebsocketClient(None, Name="Client1")
    server = TTMSFNCWebSocketServer(None, Name="Server1")
    try:
        assert client.Options == frozenset() and server.Options == frozenset()
        assert "Options" not in ComponentToString(client)
        assert "Options" not in ComponentToString(server)
    finally:
        client.Free()
        server.Free()
