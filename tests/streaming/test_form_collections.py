"""Collections in form files (checklist 16, spec §4.2, §5.2 step 4): ``Columns = < item ... end >``
read into a typed collection property and written back byte for byte."""

from __future__ import annotations

import enum

import pytest

from fnc import (
    Event,
    Property,
    SetOf,
    TCollection,
    TCollectionItem,
    TComponent,
    TForm,
    TNestedPersistent,
)
from fnc.exceptions import EReadError
from fnc.streaming import (
    ComponentToString,
    ObjectBinaryToText,
    ObjectTextToBinary,
    StringToComponent,
    component_to_tree,
)
from fnc.streaming.syntax.tree import Collection


class TAlignment(enum.Enum):
    taLeftJustify = 0
    taRightJustify = 1
    taCenter = 2


class TColumnOption(enum.Enum):
    coEditing = 0
    coVisible = 1


class TTitle(TNestedPersistent):
    Caption = Property(str)
    Alignment = Property(TAlignment, TAlignment.taLeftJustify)


class TColumn(TCollectionItem):
    Alignment = Property(TAlignment, TAlignment.taLeftJustify)
    Expanded = Property(bool, True)
    FieldName = Property(str)
    Options = Property(SetOf(TColumnOption), frozenset())
    Title = Property(TTitle)
    Width = Property(int, 64)
    Lookup = Property(TComponent)
    OnTitleClick = Event("Sender")


class TColumns(TCollection):
    ItemClass = TColumn

    def __init__(self, AOwner=None, ItemClass=None) -> None:
        super().__init__(AOwner, ItemClass)
        self.log: list[tuple[str, int, int]] = []

    def Update(self, Item):
        self.log.append(("Update", self.UpdateCount, self.Count))


class TDBGrid(TComponent):
    Columns = Property(TColumns)
    ReadOnly = Property(bool, False)


class TGridForm(TForm):
    DBGrid1: TDBGrid
    DBGrid2: TDBGrid
    Source1: TComponent

    def ColumnTitleClick(self, Sender) -> None:
        self.clicked = Sender


_roots: list[TComponent] = []


@pytest.fixture(autouse=True)
def _free_roots():
    yield
    while _roots:
        _roots.pop().Free()


def load(text: str, **options) -> TGridForm:
    form = TGridForm(None)
    _roots.append(form)
    return StringToComponent(text, form, filename="grid.dfm", **options)  # type: ignore[return-value]


GRID = """object GridForm: TGridForm
  Caption = 'Grid'
  object Source1: TComponent
  end
  object DBGrid1: TDBGrid
    Columns = <
      item
        Expanded = False
        FieldName = 'ID'
        Title.Caption = 'Key'
        Width = 40
      end
      item
        Alignment = taRightJustify
        FieldName = 'Amount'
        Options = [coEditing, coVisible]
        Title.Caption = {trailing_space}
          'It'#39's a long caption, long enough to wrap at sixty-four character' +
          's'
        Title.Alignment = taCenter
        Lookup = Source1
        OnTitleClick = ColumnTitleClick
      end
      item
      end>
    ReadOnly = True
  end
  object DBGrid2: TDBGrid
  end
end
""".replace("{trailing_space}", "")  # the line before a wrapped string ends in "= "


def test_reads_items_into_the_typed_collection():
    form = load(GRID)
    columns = form.DBGrid1.Columns
    assert isinstance(columns, TColumns) and columns.Count == 3
    first, second, third = columns
    assert (first.FieldName, first.Expanded, first.Width, first.Title.Caption) == (
        "ID", False, 40, "Key")
    assert second.Alignment is TAlignment.taRightJustify
    assert second.Options == frozenset(TColumnOption)
    assert second.Title.Alignment is TAlignment.taCenter
    assert second.Lookup is form.Source1                   # a reference, fixed up
    assert second.OnTitleClick == form.ColumnTitleClick    # a handler of the root
    assert (third.FieldName, third.Width) == ("", 64)
    assert second.GetNamePath() == "DBGrid1.Columns[1]"
    assert form.DBGrid2.Columns.Count == 0
    assert form.DBGrid1.ReadOnly is True


def test_items_are_added_inside_one_begin_end_update():
    form = load(GRID)
    # The property's collection was created empty; the reader's BeginUpdate/EndUpdate
    # defers every change to one Update after the last item, with every item there.
    assert form.DBGrid1.Columns.log == [("Update", 0, 3)]


def test_round_trip_is_byte_identical():
    form = load(GRID)
    assert ComponentToString(form) == GRID


def test_binary_round_trip_keeps_the_collection():
    form = load(GRID)
    text = ObjectBinaryToText(ObjectTextToBinary(ComponentToString(form)))
    assert text == GRID


def test_writer_writes_collections_built_in_code_in_declaration_order():
    form = TGridForm(None, Name="GridForm")
    _roots.append(form)
    grid = TDBGrid(form, Name="DBGrid1")
    column = grid.Columns.Add()
    column.Width = 10
    column.FieldName = "A"
    TDBGrid(form, Name="DBGrid2")                        # empty collection: not written
    assert ComponentToString(form) == (
        "object GridForm: TGridForm\n"
        "  object DBGrid1: TDBGrid\n"
        "    Columns = <\n"
        "      item\n"
        "        FieldName = 'A'\n"
        "        Width = 10\n"
        "      end>\n"
        "  end\n"
        "  object DBGrid2: TDBGrid\n"
        "  end\n"
        "end\n")
    node = component_to_tree(form).find_child("DBGrid1").find_property("Columns")
    assert isinstance(node.value, Collection) and len(node.value.items) == 1


def test_stream_items_replace_existing_items_and_empty_collection_keeps_them():
    form = TGridForm(None)
    _roots.append(form)
    grid = TDBGrid(form, Name="DBGrid1")
    grid.Columns.Add().FieldName = "Old"
    StringToComponent("object GridForm: TGridForm\n  inherited DBGrid1: TDBGrid\n"
                      "    Columns = <\n      item\n        FieldName = 'New'\n      end>\n"
                      "  end\nend\n", form)
    assert [c.FieldName for c in grid.Columns] == ["New"]
    form2 = TGridForm(None)
    _roots.append(form2)
    grid2 = TDBGrid(form2, Name="DBGrid1")
    grid2.Columns.Add().FieldName = "Kept"
    StringToComponent("object GridForm: TGridForm\n  inherited DBGrid1: TDBGrid\n"
                      "    Columns = <>\n  end\nend\n", form2)
    assert [c.FieldName for c in grid2.Columns] == ["Kept"]


def test_unknown_item_property_names_file_line_and_item_path():
    text = ("object GridForm: TGridForm\n"
            "  object DBGrid1: TDBGrid\n"
            "    Columns = <\n"
            "      item\n"
            "        FieldName = 'ID'\n"
            "      end\n"
            "      item\n"
            "        Foo = 1\n"
            "      end>\n"
            "  end\n"
            "end\n")
    with pytest.raises(EReadError) as info:
        load(text)
    error = info.value
    assert str(error).startswith("grid.dfm:8:9: Error reading DBGrid1.Columns[1].Foo: "
                                 'Unknown property: "Foo"')
    assert (error.line, error.component, error.property) == (8, "DBGrid1", "Columns[1].Foo")


@pytest.mark.parametrize("line, message", [
    ("Width = 'wide'", r"DBGrid1\.Columns\[0\]\.Width: Invalid property value: 'wide'"),
    ("Title.Size = 3", r"DBGrid1\.Columns\[0\]\.Title\.Size: Unknown property: \"Size\""),
    ("Alignment = taNowhere", r"DBGrid1\.Columns\[0\]\.Alignment: .*'taNowhere'"),
    ("Lookup = Missing1", r"DBGrid1\.Columns\[0\]\.Lookup: Component 'Missing1' not found"),
    ("OnTitleClick = NoSuchMethod",
     r"DBGrid1\.Columns\[0\]\.OnTitleClick: Method 'NoSuchMethod' not found in TGridForm"),
])
def test_bad_item_values_name_the_item_path(line, message):
    text = ("object GridForm: TGridForm\n  object DBGrid1: TDBGrid\n    Columns = <\n"
            f"      item\n        {line}\n      end>\n  end\nend\n")
    with pytest.raises(EReadError, match=r"^grid\.dfm:5:9: Error reading " + message):
        load(text)


def test_collection_value_for_a_plain_property_and_path_into_a_collection_are_errors():
    with pytest.raises(EReadError, match=r"DBGrid1\.ReadOnly: Invalid property value: "
                                         r"collection for a Boolean property"):
        load("object GridForm: TGridForm\n  object DBGrid1: TDBGrid\n"
             "    ReadOnly = <\n      item\n      end>\n  end\nend\n")
    with pytest.raises(EReadError, match=r"DBGrid1\.Columns\.Count: Invalid property path: "
                                         r"Columns is not an object"):
        load("object GridForm: TGridForm\n  object DBGrid1: TDBGrid\n"
             "    Columns.Count = 1\n  end\nend\n")


def test_on_error_skips_one_item_value_and_keeps_the_rest():
    skipped = []

    def on_error(error: EReadError) -> bool:
        skipped.append(error.property)
        return True

    form = load("object GridForm: TGridForm\n  object DBGrid1: TDBGrid\n    Columns = <\n"
                "      item\n        Foo = 1\n        Width = 7\n      end>\n  end\nend\n",
                on_error=on_error)
    assert skipped == ["Columns[0].Foo"]
    assert form.DBGrid1.Columns[0].Width == 7


class TBand(TCollectionItem):
    Caption = Property(str)
    Columns = Property(TColumns)


class TBands(TCollection):
    ItemClass = TBand


class TBandGrid(TComponent):
    Bands = Property(TBands)


class TBandForm(TForm):
    Grid1: TBandGrid


BANDS = """object BandForm: TBandForm
  object Grid1: TBandGrid
    Bands = <
      item
        Caption = 'Head'
        Columns = <
          item
            FieldName = 'A'
          end
          item
            FieldName = 'B'
          end>
      end>
  end
end
"""


def test_collection_inside_an_item_round_trips_with_nested_name_paths():
    form = TBandForm(None)
    _roots.append(form)
    StringToComponent(BANDS, form, filename="bands.dfm")
    inner = form.Grid1.Bands[0].Columns
    assert [c.FieldName for c in inner] == ["A", "B"]
    assert inner[1].GetNamePath() == "Grid1.Bands[0].Columns[1]"
    assert ComponentToString(form) == BANDS
    bad = BANDS.replace("FieldName = 'B'", "Foo = 'B'")
    form.Free()
    _roots.remove(form)
    again = TBandForm(None)
    _roots.append(again)
    with pytest.raises(EReadError, match=r"^bands\.dfm:11:13: Error reading "
                                         r"Grid1\.Bands\[0\]\.Columns\[1\]\.Foo: "):
        StringToComponent(bad, again, filename="bands.dfm")
