"""TCollection / TCollectionItem (checklist 16): name paths, Add/Insert/Delete, Index moves,
IDs, BeginUpdate/EndUpdate, Assign, and collections as published properties."""

from __future__ import annotations

import pytest

from fnc import (
    EConvertError,
    EValidationError,
    Property,
    TCollection,
    TCollectionItem,
    TComponent,
    TNestedPersistent,
    published_properties,
)
from fnc.properties import at_least


class TColumn(TCollectionItem):
    FieldName = Property(str)
    Width = Property(int, 64, validator=at_least(0))

    def GetDisplayName(self) -> str:
        return self.FieldName or super().GetDisplayName()


class TWideColumn(TColumn):
    Stretch = Property(bool, False)


class TColumns(TCollection):
    ItemClass = TColumn

    def __init__(self, AOwner=None, ItemClass=None) -> None:
        super().__init__(AOwner, ItemClass)
        self.updates: list[TCollectionItem | None] = []

    def Update(self, Item):
        self.updates.append(Item)


class TDBGrid(TComponent):
    Columns = Property(TColumns, doc="The grid's columns.")
    Tag2 = Property(int, 0)


class TPanelItem(TCollectionItem):
    Text = Property(str)


class TPanels(TCollection):
    ItemClass = TPanelItem


class TBar(TNestedPersistent):
    Panels = Property(TPanels)


class TStatusBar(TComponent):
    Bar = Property(TBar)


def names(collection: TCollection) -> list[str]:
    return [item.FieldName for item in collection]  # type: ignore[attr-defined]


@pytest.fixture
def grid():
    with TComponent(None, Name="Form1") as form:
        yield TDBGrid(form, Name="DBGrid1")


def test_property_creates_one_collection_per_component_owned_by_it(grid):
    other = TDBGrid(None, Name="DBGrid2")
    assert isinstance(grid.Columns, TColumns) and grid.Columns is grid.Columns
    assert grid.Columns is not other.Columns
    assert grid.Columns.Owner is grid and grid.Columns.GetOwner() is grid
    assert grid.Columns.PropName == "Columns"
    assert [p.kind for p in published_properties(TDBGrid) if p.name == "Columns"] == [
        "persistent"]
    other.Free()


def test_get_name_path_of_collection_and_items(grid):
    assert grid.Columns.GetNamePath() == "DBGrid1.Columns"
    first = grid.Columns.Add()
    second = grid.Columns.Add()
    assert first.GetNamePath() == "DBGrid1.Columns[0]"
    assert second.GetNamePath() == "DBGrid1.Columns[1]"
    assert first.GetOwner() is grid.Columns and first.Collection is grid.Columns
    second.Index = 0
    assert second.GetNamePath() == "DBGrid1.Columns[0]"
    assert first.GetNamePath() == "DBGrid1.Columns[1]"


def test_name_path_inside_a_nested_persistent_and_without_owner():
    bar = TStatusBar(None, Name="StatusBar1")
    bar.Bar.Panels.Add()
    assert bar.Bar.Panels.GetNamePath() == "StatusBar1.Bar.Panels"
    assert bar.Bar.Panels[0].GetNamePath() == "StatusBar1.Bar.Panels[0]"
    loose = TCollection(None, TColumn)
    assert loose.GetNamePath() == "TCollection"
    assert loose.Add().GetNamePath() == "TCollection[0]"
    assert TColumn(None).GetNamePath() == "TColumn"
    bar.Free()


def test_owned_collection_not_held_by_a_property_uses_its_class_name(grid):
    spare = TColumns(grid)
    assert spare.Owner is grid and spare.GetNamePath() == "TColumns"


def test_add_insert_delete_clear_and_indexing(grid):
    columns = grid.Columns
    a = columns.Add()
    a.FieldName = "A"
    b = columns.Add()
    b.FieldName = "B"
    c = columns.Insert(1)
    c.FieldName = "C"
    assert names(columns) == ["A", "C", "B"]
    assert columns.Count == len(columns) == 3
    assert columns[0] is a and columns.Items[2] is b and columns[-1] is b
    assert [item.Index for item in columns] == [0, 1, 2]
    head = columns.Insert(0)
    assert columns[0] is head and columns.Insert(4) is columns[4]
    columns.Delete(0)
    columns.Delete(3)
    assert names(columns) == ["A", "C", "B"]
    columns.Delete(1)
    assert names(columns) == ["A", "B"] and c.Collection is None and c.Index == -1
    columns.Clear()
    assert columns.Count == 0 and list(columns) == [] and a.Collection is None


def test_bad_indexes_raise_clear_errors(grid):
    columns = grid.Columns
    columns.Add()
    with pytest.raises(IndexError, match=r"DBGrid1\.Columns: list index out of bounds \(1\)"):
        columns[1]
    with pytest.raises(IndexError, match=r"DBGrid1\.Columns\.Delete: .*\(5\)"):
        columns.Delete(5)
    with pytest.raises(IndexError, match=r"Insert: list index out of bounds \(2\)"):
        columns.Insert(2)
    with pytest.raises(TypeError, match="must be an int, not str"):
        columns["0"]
    with pytest.raises(IndexError, match=r"move: list index out of bounds \(3\)"):
        columns[0].Index = 3
    with pytest.raises(IndexError, match="in no collection"):
        TColumn(None).Index = 0


def test_index_setter_moves_the_item(grid):
    columns = grid.Columns
    for name in "ABCD":
        columns.Add().FieldName = name
    columns[0].Index = 3
    assert names(columns) == ["B", "C", "D", "A"]
    columns[3].Index = 1
    assert names(columns) == ["B", "A", "C", "D"]
    columns[2].Index = 2
    assert names(columns) == ["B", "A", "C", "D"]


def test_ids_are_unique_increasing_and_never_reused(grid):
    columns = grid.Columns
    items = [columns.Add() for _ in range(3)]
    assert [i.ID for i in items] == [0, 1, 2]
    columns.Delete(2)
    assert columns.Add().ID == 3
    assert columns.FindItemID(1) is items[1] and columns.FindItemID(2) is None
    assert TColumn(None).ID == -1


def test_item_created_with_collection_and_properties(grid):
    item = TColumn(grid.Columns, FieldName="Name", Width=120)
    assert grid.Columns[0] is item and (item.FieldName, item.Width) == ("Name", 120)
    assert item.DisplayName == "Name" and TCollectionItem(None).DisplayName == "TCollectionItem"
    with pytest.raises(AttributeError, match="TColumn has no published property 'Wdth'"):
        TColumn(None, Wdth=1)
    with pytest.raises(TypeError, match="cannot hold a TCollectionItem; its items are TColumn"):
        TCollectionItem(grid.Columns)


def test_collection_setter_moves_item_between_collections(grid):
    other = TColumns(None)
    item = grid.Columns.Add()
    item.Collection = other
    assert grid.Columns.Count == 0 and other[0] is item and item.Collection is other
    item.Free()
    assert other.Count == 0 and item.Collection is None


def test_updates_are_deferred_inside_begin_end_update(grid):
    columns = grid.Columns
    columns.updates.clear()
    columns.Add()
    assert columns.updates == [None]
    columns.BeginUpdate()
    columns.BeginUpdate()
    columns.Add()
    columns.Add().Changed()
    columns.EndUpdate()
    assert columns.UpdateCount == 1 and columns.updates == [None]
    columns.EndUpdate()
    assert columns.UpdateCount == 0 and columns.updates == [None, None]
    columns[0].Changed()
    assert columns.updates[-1] is columns[0]
    with pytest.raises(RuntimeError, match="EndUpdate without BeginUpdate"):
        columns.EndUpdate()


def test_assign_copies_items_published_properties(grid):
    source = TColumns(None)
    TColumn(source, FieldName="ID", Width=30)
    TColumn(source, FieldName="Name")
    grid.Columns.Add().FieldName = "old"
    grid.Columns.updates.clear()
    grid.Columns = source                       # the property assigns through Assign
    assert names(grid.Columns) == ["ID", "Name"]
    assert [c.Width for c in grid.Columns] == [30, 64]
    assert grid.Columns[0] is not source[0] and grid.Columns.Owner is grid
    assert grid.Columns.updates == [None]       # one Update for the whole Assign
    source[0].Width = 1
    assert grid.Columns[0].Width == 30          # copies, not shared items


def test_assign_between_item_classes(grid):
    wide = TWideColumn(None, FieldName="W", Width=5, Stretch=True)
    column = TColumn(None)
    column.Assign(wide)                         # the properties both declare
    assert (column.FieldName, column.Width) == ("W", 5)
    back = TWideColumn(None)
    back.Assign(TColumn(None, FieldName="X"))
    assert (back.FieldName, back.Stretch) == ("X", False)
    with pytest.raises(EConvertError, match="Cannot assign a TPanelItem to a TColumn"):
        column.Assign(TPanelItem(None))     # unrelated item classes
    with pytest.raises(EConvertError, match="Cannot assign a TColumn to a TColumns"):
        grid.Columns.Assign(column)
    with pytest.raises(TypeError, match="cannot assign None"):
        grid.Columns = None


def test_items_setitem_assigns(grid):
    grid.Columns.Add()
    grid.Columns.Items[0] = TColumn(None, FieldName="Copied")
    assert grid.Columns[0].FieldName == "Copied" and len(grid.Columns.Items) == 1


def test_constructor_checks_its_arguments():
    with pytest.raises(TypeError, match="ItemClass must be a TCollectionItem subclass"):
        TCollection(None, int)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="AOwner must be a TPersistent or None, not str"):
        TCollection("owner")  # type: ignore[arg-type]
    generic = TCollection(None, TColumn)
    assert isinstance(generic.Add(), TColumn) and TCollection.ItemClass is TCollectionItem


def test_validate_reports_item_problems_with_their_path(grid):
    grid.Columns.Add()
    grid.Columns.Add().Width = -1
    with pytest.raises(EValidationError) as info:
        grid.Validate()
    assert [name for name, _ in info.value.problems] == ["Columns[1].Width"]
