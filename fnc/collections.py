"""Owned lists of persistent items: Delphi's ``TCollection`` and ``TCollectionItem``.

A collection is a published property of a component (a grid's ``Columns``, a status bar's
``Panels``): declare it like a nested object and the component gets its own collection,
created with the component as owner::

    class TColumn(TCollectionItem):
        FieldName = Property(str)
        Width = Property(int, 64)

    class TColumns(TCollection):
        ItemClass = TColumn

    class TDBGrid(TComponent):
        Columns = Property(TColumns)

    grid = TDBGrid(None, Name="DBGrid1")
    column = grid.Columns.Add()            # a new TColumn at the end
    column.GetNamePath()                   # 'DBGrid1.Columns[0]'

Assigning another collection to the property copies its items (``Assign``); form files write a
non-empty collection as ``Columns = < item ... end >`` and read it back item by item.

A collection is not thread-safe: use it from its owner's home thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from fnc.component import TPersistent
from fnc.properties import PropertyKind, declared_properties

__all__ = ["TCollection", "TCollectionItem"]


def _check_index(index: Any, count: int, what: str) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"{what}: the index must be an int, not {type(index).__name__}")
    if not 0 <= index < count:
        raise IndexError(f"{what}: list index out of bounds ({index}); the collection has "
                         f"{count} item{'s' if count != 1 else ''}")
    return index


class TCollectionItem(TPersistent):
    """One item of a :class:`TCollection` (Delphi's ``TCollectionItem``).

    ``TCollectionItem(Collection, **props)`` appends the new item to ``Collection`` (which may be
    None: a free-standing item) and then assigns the keyword arguments as published properties.
    Subclasses declare published properties with ``Property``; those are what ``Assign`` copies
    and what form files store.
    """

    def __init__(self, Collection: TCollection | None = None, **props: Any) -> None:
        self._collection: TCollection | None = None
        self._id = -1
        if Collection is not None:
            if not isinstance(Collection, TCollection):
                raise TypeError(f"{type(self).__name__}: Collection must be a TCollection or "
                                f"None, not {type(Collection).__name__}")
            Collection._insert_item(self)
        for name, value in props.items():
            if name not in declared_properties(type(self)):
                raise AttributeError(f"{type(self).__name__} has no published property {name!r}")
            setattr(self, name, value)

    # -- place in the collection ------------------------------------------------------------

    @property
    def Collection(self) -> TCollection | None:
        """The collection holding this item; assigning moves it (to the end) or, with None,
        takes it out."""
        return self._collection

    @Collection.setter
    def Collection(self, value: TCollection | None) -> None:
        if value is self._collection:
            return
        if value is not None and not isinstance(value, TCollection):
            raise TypeError(f"{type(self).__name__}.Collection: expected a TCollection or None, "
                            f"not {type(value).__name__}")
        if self._collection is not None:
            self._collection._remove_item(self)
        if value is not None:
            value._insert_item(self)

    @property
    def Index(self) -> int:
        """Position in the collection (-1 when free-standing); assigning moves the item there."""
        collection = self._collection
        return collection._items.index(self) if collection is not None else -1

    @Index.setter
    def Index(self, value: int) -> None:
        collection = self._collection
        if collection is None:
            raise IndexError(f"{type(self).__name__}.Index: the item is in no collection")
        _check_index(value, len(collection._items), f"{collection.GetNamePath()} move")
        current = collection._items.index(self)
        if current != value:
            del collection._items[current]
            collection._items.insert(value, self)
            collection.Changed()

    @property
    def ID(self) -> int:
        """An identifier unique within the collection, increasing with each insertion and never
        reused (Delphi's ``ID``); -1 for a free-standing item."""
        return self._id

    @property
    def DisplayName(self) -> str:
        """The text a designer shows for the item: ``GetDisplayName()``."""
        return self.GetDisplayName()

    def GetDisplayName(self) -> str:
        """Override to describe the item; the class name by default."""
        return type(self).__name__

    def GetOwner(self) -> TPersistent | None:
        """The collection (items are owned by their collection)."""
        return self._collection

    def GetNamePath(self) -> str:
        """``'<collection name path>[<Index>]'``, e.g. ``'DBGrid1.Columns[0]'``."""
        collection = self._collection
        if collection is None:
            return type(self).__name__
        return f"{collection.GetNamePath()}[{self.Index}]"

    def Changed(self, AllItems: bool = False) -> None:
        """Tell the collection this item changed (``Update(self)``, or ``Update(None)`` with
        ``AllItems``), unless it is inside ``BeginUpdate``/``EndUpdate``."""
        collection = self._collection
        if collection is not None:
            collection._changed(None if AllItems else self)

    def Free(self) -> None:
        """Take the item out of its collection (Delphi frees it; Python drops it)."""
        self.Collection = None

    # -- copying ------------------------------------------------------------------------

    def Assign(self, Source: TPersistent | None) -> None:
        """Copy the published properties of another item of this class (or a subclass, or a
        base class: then the properties both declare). Anything else raises EConvertError."""
        if isinstance(Source, TCollectionItem) and (
                isinstance(Source, type(self)) or isinstance(self, type(Source))):
            theirs = declared_properties(type(Source))
            for name, prop in declared_properties(type(self)).items():
                if theirs.get(name) is prop and not prop.read_only:
                    setattr(self, name, getattr(Source, name))
            return
        super().Assign(Source)

    def fnc_check_inactive(self, name: str) -> None:
        collection = self._collection
        if collection is not None:
            collection.fnc_check_inactive(name)

    def __repr__(self) -> str:
        values = ", ".join(f"{n}={getattr(self, n)!r}" for n in declared_properties(type(self)))
        return f"<{type(self).__name__} {self.GetNamePath()}{': ' if values else ''}{values}>"


class _ItemsView:
    """``collection.Items``: indexing reads an item; assigning ``Items[i] = x`` copies ``x``
    into the item (``Assign``), as Delphi's ``Items[I] := Value`` does."""

    __slots__ = ("_collection",)

    def __init__(self, collection: TCollection) -> None:
        self._collection = collection

    def __getitem__(self, index: int) -> TCollectionItem:
        return self._collection[index]

    def __setitem__(self, index: int, value: TPersistent) -> None:
        self._collection[index].Assign(value)

    def __len__(self) -> int:
        return len(self._collection)

    def __iter__(self) -> Iterator[TCollectionItem]:
        return iter(self._collection)


class TCollection(TPersistent):
    """An ordered list of items of one class (Delphi's ``TCollection``/``TOwnedCollection``).

    ``TCollection(AOwner, ItemClass)``, or a subclass that sets the class attribute
    ``ItemClass`` and is created as ``TMyCollection(AOwner)``. Declared as a component's
    published property (``Columns = Property(TColumns)``), the collection is created with the
    component as owner and knows its property name, which ``GetNamePath`` uses
    (``'DBGrid1.Columns'``). Assigning to that property copies items (``Assign``).

    Changes call ``Update(Item)`` (``Item`` None: the whole collection changed) unless they
    happen between ``BeginUpdate`` and ``EndUpdate``; the last ``EndUpdate`` then calls
    ``Update(None)`` once. Not thread-safe: use it on the owner's home thread.
    """

    #: The class of the items ``Add`` and ``Insert`` create.
    ItemClass: ClassVar[type[TCollectionItem]] = TCollectionItem

    def __init__(self, AOwner: TPersistent | None = None,
                 ItemClass: type[TCollectionItem] | None = None) -> None:
        if AOwner is not None and not isinstance(AOwner, TPersistent):
            raise TypeError(f"{type(self).__name__}: AOwner must be a TPersistent or None, "
                            f"not {type(AOwner).__name__}")
        if ItemClass is not None:
            if not (isinstance(ItemClass, type) and issubclass(ItemClass, TCollectionItem)):
                raise TypeError(f"{type(self).__name__}: ItemClass must be a TCollectionItem "
                                f"subclass, not {ItemClass!r}")
            self.ItemClass = ItemClass  # type: ignore[misc]
        self._owner = AOwner
        self._prop_name = ""
        self._items: list[TCollectionItem] = []
        self._next_id = 0
        self._update_count = 0
        self._pending_change = False

    def fnc_bind_property(self, name: str) -> None:
        # Called by Property when it creates this collection as the value of property ``name``.
        self._prop_name = name

    # -- owner and names ------------------------------------------------------------------

    @property
    def Owner(self) -> TPersistent | None:
        """The object this collection belongs to (``GetOwner()``)."""
        return self._owner

    def GetOwner(self) -> TPersistent | None:
        return self._owner

    @property
    def PropName(self) -> str:
        """The name of the owner's property holding this collection ('' when unknown)."""
        if not self._prop_name and self._owner is not None:
            for name, prop in declared_properties(type(self._owner)).items():
                if prop.kind is PropertyKind.PERSISTENT and prop.peek(self._owner) is self:
                    self._prop_name = name
                    break
        return self._prop_name

    def GetNamePath(self) -> str:
        """``'<owner name path>.<property name>'`` (``'DBGrid1.Columns'``); the class name
        when the collection has no owner or is not a property value."""
        owner, name = self._owner, self.PropName
        if owner is None or not name:
            return type(self).__name__
        owner_path = owner.GetNamePath()
        return f"{owner_path}.{name}" if owner_path else name

    # -- items ----------------------------------------------------------------------------

    @property
    def Count(self) -> int:
        """The number of items."""
        return len(self._items)

    @property
    def Items(self) -> _ItemsView:
        """``Items[i]`` reads item ``i``; ``Items[i] = other`` assigns ``other`` to it."""
        return _ItemsView(self)

    def __getitem__(self, index: int) -> TCollectionItem:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{self.GetNamePath()}: the index must be an int, not "
                            f"{type(index).__name__}")
        count = len(self._items)
        if not -count <= index < count:
            raise IndexError(f"{self.GetNamePath()}: list index out of bounds ({index}); the "
                             f"collection has {count} item{'s' if count != 1 else ''}")
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[TCollectionItem]:
        return iter(tuple(self._items))

    def __bool__(self) -> bool:
        return True  # a collection is an object, even when empty

    def Add(self) -> TCollectionItem:
        """Append a new ``ItemClass`` item and return it."""
        return self.ItemClass(self)

    def Insert(self, Index: int) -> TCollectionItem:
        """Create a new item at position ``Index`` (0..Count) and return it."""
        if isinstance(Index, bool) or not isinstance(Index, int):
            raise TypeError(f"{self.GetNamePath()}.Insert: the index must be an int, not "
                            f"{type(Index).__name__}")
        if not 0 <= Index <= len(self._items):
            raise IndexError(f"{self.GetNamePath()}.Insert: list index out of bounds ({Index})")
        self.BeginUpdate()
        try:
            item = self.Add()
            item.Index = Index
        finally:
            self.EndUpdate()
        return item

    def Delete(self, Index: int) -> None:
        """Remove the item at ``Index``."""
        _check_index(Index, len(self._items), f"{self.GetNamePath()}.Delete")
        self._remove_item(self._items[Index])

    def Clear(self) -> None:
        """Remove every item."""
        if not self._items:
            return
        self.BeginUpdate()
        try:
            while self._items:
                self._remove_item(self._items[-1])
        finally:
            self.EndUpdate()

    def FindItemID(self, ID: int) -> TCollectionItem | None:
        """The item whose ``ID`` is ``ID``, or None."""
        for item in self._items:
            if item._id == ID:
                return item
        return None

    # -- updates --------------------------------------------------------------------------

    @property
    def UpdateCount(self) -> int:
        """How many ``BeginUpdate`` calls are not yet matched by ``EndUpdate``."""
        return self._update_count

    def BeginUpdate(self) -> None:
        """Defer ``Update`` calls until the matching ``EndUpdate``."""
        self._update_count += 1

    def EndUpdate(self) -> None:
        """End a ``BeginUpdate``; the last one calls ``Update(None)`` if anything changed."""
        if self._update_count <= 0:
            raise RuntimeError(f"{self.GetNamePath()}: EndUpdate without BeginUpdate")
        self._update_count -= 1
        if self._update_count == 0 and self._pending_change:
            self._pending_change = False
            self.Update(None)

    def Changed(self) -> None:
        """The collection as a whole changed: ``Update(None)`` unless updates are deferred."""
        self._changed(None)

    def Update(self, Item: TCollectionItem | None) -> None:
        """Override to react to changes: ``Item`` changed, or (None) the whole collection."""

    def _changed(self, item: TCollectionItem | None) -> None:
        if self._update_count:
            self._pending_change = True
        else:
            self.Update(item)

    def _insert_item(self, item: TCollectionItem) -> None:
        if not isinstance(item, self.ItemClass):
            raise TypeError(f"{self.GetNamePath()}: cannot hold a {type(item).__name__}; its "
                            f"items are {self.ItemClass.__name__}")
        self._items.append(item)
        item._collection = self
        item._id = self._next_id
        self._next_id += 1
        self.Changed()

    def _remove_item(self, item: TCollectionItem) -> None:
        self._items.remove(item)
        item._collection = None
        self.Changed()

    # -- copying and checks -----------------------------------------------------------------

    def Assign(self, Source: TPersistent | None) -> None:
        """Replace the items with copies of ``Source``'s items (another collection): one new
        ``ItemClass`` item per source item, given the source item through ``Assign``."""
        if isinstance(Source, TCollection):
            if Source is self:
                return
            self.BeginUpdate()
            try:
                self.Clear()
                for source_item in Source._items:
                    self.Add().Assign(source_item)
            finally:
                self.EndUpdate()
            return
        super().Assign(Source)

    def fnc_collect_problems(self, prefix: str, problems: list[tuple[str, str]]) -> None:
        super().fnc_collect_problems(prefix, problems)
        base = prefix[:-1] if prefix.endswith(".") else prefix
        for i, item in enumerate(self._items):
            item.fnc_collect_problems(f"{base}[{i}].", problems)

    def fnc_check_inactive(self, name: str) -> None:
        if self._owner is not None:
            self._owner.fnc_check_inactive(name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.GetNamePath()}: {len(self._items)} items>"
