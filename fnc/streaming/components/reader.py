"""The component reader: builds a component tree from a form file's syntax tree.

What it does, in Delphi's order (spec §5.2-5.3):

1. The root: the given instance, or a new instance of the root's registered class. It gets
   ``csLoading``, a globally unique name (``Form1``, then ``Form1_1``, ``Form1_2``...) and its
   properties. An ``inherited`` root first gets its **ancestors**: the form file of the nearest
   base class that has one is read into the same instance (itself after its own ancestors),
   as Delphi's ``InitInheritedComponent`` does (see :mod:`fnc.streaming.components.ancestors`).
2. Each nested block: the class resolves through the root class's annotated fields (inside a
   frame, the frame class's first), then the registry. The component is created **owned by
   the lookup root** (the form, or the inline frame it is in); the enclosing block becomes its
   parent (``SetParentComponent``); it is named (which binds ``owner.<Name>``); its properties
   are assigned with ``csReading`` set; then its own nested blocks follow. ``inherited``
   blocks reuse the component the lookup root already has under that name (when there is
   none and reading is not strict, it is created and marked as coming from a missing
   ancestor); ``[n]`` moves it to position ``n`` among its parent's children.
3. ``inline Frame1: TFrame1`` creates a :class:`~fnc.forms.TFrame` subclass instance (a
   generated one when the class is unknown and reading is not strict) that owns its children:
   ``TFrame1``'s own form file supplies them when found, and the block's ``inherited`` entries
   are deltas against it. Inside the frame, handlers bind to the frame's methods first, then the
   form's.
4. Properties and events: :mod:`fnc.streaming.components.propertyreader`. Component references are
   recorded and fixed up after the whole root is read (frame first, then form), so forward
   references work; ``Other.Name`` references to a root not loaded yet wait for it.
5. ``Loaded()`` runs once per component, root first, after the local fix-ups.

Unknown classes become placeholders that keep every value
(:mod:`fnc.streaming.components.placeholders`);
design-time values (``Left``, ``Top``, ``Size.Width``...) and, on ``TForm`` / ``TDataModule``
roots, form properties this framework does not model (``ClientHeight``, ``Font.*``...) are kept
in ``DesignInfo``. ``strict=True`` turns unknown classes into :class:`EClassNotFound`, unknown
root properties into :class:`EReadError`, and an ``inherited`` block without its ancestor into
``EReadError: Ancestor for 'X' not found``.

Errors name the file, line, column, component and property (``unit1.dfm:7:5: Error reading
Client1.Port: ...``) and carry them as attributes. Reading never imports a module and never runs
code named by the form: only registered classes are created and only methods of the root's (or
frame's) own class are bound.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import attrs

from fnc.component import TComponent, csInline, csLoading, csReading
from fnc.exceptions import EClassNotFound, EParserError, EReadError
from fnc.forms import TFrame
from fnc.properties import Property as PublishedProperty
from fnc.streaming.components.ancestors import (
    ANCESTRY_KEY,
    MISSING_ANCESTOR_KEY,
    SEARCH_KEY,
    ancestor_form,
    class_form_file,
    frame_class,
    reading_folders,
    set_child_order,
)
from fnc.streaming.components.globals import (
    register_root,
    resolve_pending,
    root_name_lock,
    unique_root_name,
)
from fnc.streaming.components.placeholders import TPlaceholderComponent, placeholder_class
from fnc.streaming.components.propertyreader import (
    ANCESTOR_EVENTS_KEY,
    DESIGN_TIME_PROPERTIES,
    HANDLER_NAMES_KEY,
    HEADER_KEY,
    NIL_EVENTS_KEY,
    ORDER_KEY,
    Scope,
    Skip,
    events_map,
    handler_methods,
)
from fnc.streaming.components.registry import GetClass, field_classes
from fnc.streaming.components.rowreader import RowAssigner
from fnc.streaming.syntax.formfile import read_tree_file
from fnc.streaming.syntax.gcpause import paused_gc
from fnc.streaming.syntax.rowtree import RowsObjectNode
from fnc.streaming.syntax.tree import ObjectNode, PropertyNode

__all__ = [
    "ANCESTOR_EVENTS_KEY", "DESIGN_TIME_PROPERTIES", "FormReader", "HANDLER_NAMES_KEY",
    "HEADER_KEY", "NIL_EVENTS_KEY", "ORDER_KEY", "SEQUENCE_KEY", "handler_methods",
    "read_component",
]

#: Position of a component's block in the file read (the writer keeps file order where
#: ``[n]`` indexes were read without an ancestor to compare with).
SEQUENCE_KEY = "_fnc_form_sequence"
#: Deepest chain of ancestor form files and nested frames followed (a cycle stops here).
MAX_ANCESTRY = 32


@attrs.define
class FormReader:
    """Reads syntax trees into components. Hooks (all optional, called on the reading thread):

    * ``on_error(error) -> bool``: an :class:`EReadError` about one property or reference;
      return True to skip that value and go on (Delphi's ``OnError``).
    * ``on_find_method(root, method_name) -> callable | None``: supply a handler the root class
      does not define (Delphi's ``OnFindMethod``); None keeps the "method not found" error.
    * ``on_property_not_found(component, path, value) -> bool``: return True when the value
      was handled (Delphi's ``OnPropertyNotFound``).

    ``strict``: unknown classes raise :class:`EClassNotFound` instead of becoming placeholders,
    a root's unmodelled properties raise :class:`EReadError` instead of going to DesignInfo, and
    an ``inherited`` block whose component no ancestor provides raises :class:`EReadError`.
    ``filename`` labels error messages; its folder, then ``search_path``, is where ancestor and
    frame form files are looked for first.
    """

    strict: bool = False
    on_error: Any = None
    on_find_method: Any = None
    on_property_not_found: Any = None
    filename: str | None = None
    search_path: Sequence[str | os.PathLike[str]] = ()

    def read(self, tree: ObjectNode | RowsObjectNode, Instance: TComponent | None = None
             ) -> TComponent:
        """Build the component tree of ``tree`` into ``Instance`` (or a new root); return the root.

        ``tree`` is a syntax tree, or what :func:`~fnc.streaming.syntax.parser.parse_rows`
        returns (the same components, read faster).

        On an error every component this read created is freed (and the root, if it created
        it) before the exception propagates.
        """
        return read_own_tree(self, tree, Instance, consume=False)


def read_own_tree(reader: FormReader, tree: ObjectNode | RowsObjectNode,
                  Instance: TComponent | None, consume: bool = True) -> TComponent:
    """``reader.read(tree, Instance)``, for a tree parsed for this read alone (``consume``): each
    block's rows are dropped once assigned, freed while still in the CPU's cache, and ``tree``
    is not to be used afterwards."""
    if not isinstance(tree, ObjectNode | RowsObjectNode):
        raise TypeError(f"read needs an ObjectNode, not {type(tree).__name__}")
    if Instance is not None and not isinstance(Instance, TComponent):
        raise TypeError(f"Instance must be a TComponent, not {type(Instance).__name__}")
    with paused_gc():
        session = _ReadSession(reader, tree)
        session.consume = consume
        return session.run(Instance)


def read_component(tree: ObjectNode, Instance: TComponent | None = None, **options: Any
                   ) -> TComponent:
    """``FormReader(**options).read(tree, Instance)``."""
    return FormReader(**options).read(tree, Instance)


def load_comparison(cls: type[TComponent], path: str, search_path: Sequence[Any] = ()
                    ) -> TComponent:
    """A fresh ``cls`` instance loaded from the form file ``path`` (with its ancestors), for
    the writer to compare with: not registered as a global root, ``Loaded`` not called (it stays
    ``csLoading``, so nothing activates). The caller frees it."""
    reader = FormReader(filename=path, search_path=search_path, on_error=lambda _exc: True)
    session = _ReadSession(reader, read_tree_file(path, rows=True))
    session.comparison = True
    session.consume = True  # (a tree of its own)
    return session.run(cls(None))


_NO_ROWS: list[Any] = []  # the paths and values a consumed block keeps (never changed)
_BASE_LOADING = TComponent.Loading
_BASE_SET_STATE = TComponent.SetComponentState


def _annotate(exc: Exception, **details: Any) -> Exception:
    for key, value in details.items():
        setattr(exc, key, value)
    return exc


class _ReadSession(RowAssigner):
    def __init__(self, reader: FormReader, tree: ObjectNode) -> None:
        self.reader = reader
        self.tree = tree
        self.comparison = False
        self.consume = False
        self.classes: dict[str, type[TComponent]] = {}
        self.frame_classes: dict[type, dict[str, type[TComponent]]] = {}
        #: Class name as spelled -> the class a block (not ``inline``) of the root's own scope
        #: resolved to.
        self.resolved: dict[str, type[TComponent]] = {}
        self.plain_classes: dict[type, bool] = {}
        self.created: list[TComponent] = []
        self.loaded: list[TComponent] = []
        self.fixups: list[tuple[TComponent, Any, PublishedProperty, str, Any, str,
                                TComponent, bool]] = []
        self.filename = reader.filename
        self.depth = 0
        self.sequence = 0
        self.root_ref: TComponent | None = None

    # -- errors ----------------------------------------------------------------------------

    def where(self, line: int | None, col: int | None) -> str:
        where = self.filename or "<string>"
        if line is not None:
            where += f":{line}"
            if col is not None:
                where += f":{col}"
        return where

    def error(self, component: TComponent, path: str, reason: str, prop: PropertyNode,
              cls: type[EReadError] = EReadError) -> EReadError:
        name = component.Name or type(component).__name__
        exc = cls(f"{self.where(prop.line, prop.col)}: Error reading {name}.{path}: {reason}")
        _annotate(exc, filename=self.filename, line=prop.line, column=prop.col,
                  component=name, property=path, reason=reason)
        return exc

    def node_error(self, node: ObjectNode, reason: str, cls: type[Exception] = EReadError
                   ) -> Exception:
        exc = cls(f"{self.where(node.line, node.col)}: {reason}")
        return _annotate(exc, filename=self.filename, line=node.line, column=node.col,
                         component=node.name, reason=reason)

    def recoverable(self, exc: EReadError) -> None:
        """Raise ``exc`` unless the on_error hook skips it."""
        hook = self.reader.on_error
        if hook is not None and hook(exc):
            raise Skip
        raise exc

    # -- the whole read --------------------------------------------------------------------

    def run(self, instance: TComponent | None) -> TComponent:
        tree = self.tree
        created_root = instance is None
        if instance is None:
            instance = self.resolve_class(tree, registry_only=True)(None)
        root = self.root = self.root_ref = instance
        self.classes = field_classes(type(root))
        scope = Scope(root, ((root, handler_methods(type(root))),))
        try:
            root.Loading()
            if tree.kind == "inline":
                root.SetComponentState(csInline, True)
            if tree.name and not self.comparison:
                with root_name_lock:
                    try:
                        root.Name = unique_root_name(tree.name, root)
                    except Exception as exc:
                        raise self.node_error(tree, f"Invalid root name: {exc}") from exc
            self.loaded.append(root)
            if self.reader.search_path:
                root.__dict__[SEARCH_KEY] = tuple(os.fspath(p) for p in self.reader.search_path)
            self.read_tree(root, tree, scope, type(root), None)
            self.fix_up()
        except BaseException:
            self.abandon(created_root)
            raise
        if self.comparison:
            return root
        register_root(root)
        first_error: BaseException | None = None
        for component in self.loaded:
            try:
                component.Loaded()
            except Exception as exc:
                if first_error is None:
                    first_error = exc
        resolve_pending()
        if first_error is not None:
            raise first_error
        return root

    def abandon(self, created_root: bool) -> None:
        for component in reversed(self.created):
            if not component.is_destroyed:
                component.Free()
        root = self.root_ref
        if root is None:
            return
        if created_root:
            root.Free()
        else:
            root.SetComponentState(csReading, False)
            root.SetComponentState(csLoading, False)

    def read_tree(self, instance: TComponent, tree: ObjectNode, scope: Scope, cls: type,
                  child_parent: TComponent | None) -> None:
        """Read a root-level tree (the form's, an ancestor's or a frame's file) into
        ``instance``: its ancestors first when it is ``inherited``, then its values and
        children in ``scope``."""
        if tree.kind == "inherited":
            self.read_ancestors(instance, tree, scope, cls, child_parent)
        self.remember_header(instance, tree)
        if tree.kind == "inherited" and not instance.__dict__.get(ANCESTRY_KEY):
            self.remember_ancestor_handlers(instance)
        # What the writer compares with: nothing for an ``object`` root (the file said so),
        # whatever ancestors an ``inherited`` one had (read_ancestors sets it).
        instance.__dict__.setdefault(ANCESTRY_KEY, ())
        instance.SetComponentState(csReading, True)
        self.read_properties(instance, tree, scope)
        instance.SetComponentState(csReading, False)
        for child in tree.children:
            self.read_component(child, child_parent, scope)

    def read_ancestors(self, instance: TComponent, tree: ObjectNode, scope: Scope, cls: type,
                       child_parent: TComponent | None) -> None:
        folders = reading_folders(self.filename, self.reader.search_path)
        found = ancestor_form(cls, folders)
        if found is None:
            instance.__dict__[MISSING_ANCESTOR_KEY] = True
            instance.__dict__.setdefault(ANCESTRY_KEY, ())
            return
        base, path = found
        ancestor_tree = self.load_file(str(path), tree)
        outer = self.filename
        self.filename = str(path)
        self.depth += 1
        try:
            self.read_tree(instance, ancestor_tree, scope, base, child_parent)
        finally:
            self.filename = outer
            self.depth -= 1
        instance.__dict__[ANCESTRY_KEY] = ((base, path),)

    def load_file(self, path: str, referrer: ObjectNode) -> ObjectNode:
        if self.depth >= MAX_ANCESTRY:
            raise self.node_error(referrer, f"Ancestor and frame files nest deeper than "
                                            f"{MAX_ANCESTRY} levels (a cycle?) at {path}")
        try:
            return read_tree_file(path, rows=True)
        except (OSError, EParserError) as exc:
            raise self.node_error(referrer, f"Cannot read the form file {path}: {exc}") from exc

    # -- classes and components ------------------------------------------------------------

    def resolve_class(self, node: ObjectNode, registry_only: bool = False,
                      scope: Scope | None = None) -> type[TComponent]:
        name = node.class_name
        cls: Any = None
        if not registry_only:
            folded = name.lower()
            if scope is not None and scope.owner is not self.root:  # inside a frame: its fields
                owner_class = type(scope.owner)
                fields = self.frame_classes.get(owner_class)
                if fields is None:
                    fields = self.frame_classes[owner_class] = field_classes(owner_class)
                cls = fields.get(folded)
            if cls is None:
                cls = self.classes.get(folded)
        if cls is None:
            cls = GetClass(name)
        if cls is None:
            if self.reader.strict:
                raise self.node_error(node, f'Class "{name}" not found', EClassNotFound)
            if node.kind == "inline":
                return frame_class(name)
            return placeholder_class(name)
        if not issubclass(cls, TComponent):
            raise self.node_error(node, f"Class {name} is not a component class")
        return cls

    def remember_header(self, component: TComponent, node: ObjectNode) -> None:
        if node.kind != "object" or node.index is not None:
            component.__dict__[HEADER_KEY] = (node.kind, node.index)
        else:
            component.__dict__.pop(HEADER_KEY, None)

    def remember_ancestor_handlers(self, component: TComponent) -> None:
        # An inherited block's component may exist before the block is read, with handlers
        # assigned by code (the root class's constructor). Clearing one of them later must be
        # written as ``OnX = nil``, or reading the file back restores it.
        had = {event.name: handler for event in events_map(type(component)).values()
               if (handler := event.__get__(component)) is not None}
        if had:
            component.__dict__[ANCESTOR_EVENTS_KEY] = had
            component.__dict__.setdefault(NIL_EVENTS_KEY, set()).update(had)

    def plain_class(self, cls: type) -> bool:
        """Whether ``cls`` keeps TComponent's ``Loading`` and ``SetComponentState``, whose flags
        the reader then sets itself (friend access, as Delphi's reader has to
        ``FComponentState``)."""
        plain = self.plain_classes.get(cls)
        if plain is None:
            plain = self.plain_classes[cls] = (
                cls.Loading is _BASE_LOADING and cls.SetComponentState is _BASE_SET_STATE)
        return plain

    def create(self, node: ObjectNode, scope: Scope) -> TComponent:
        # (inline, an unknown class stands for a frame: not the class of an object block)
        kept = scope.owner is self.root and node.kind != "inline"
        cls = self.resolved.get(node.class_name) if kept else None
        if cls is None:
            cls = self.resolve_class(node, scope=scope)
            if kept:
                self.resolved[node.class_name] = cls
        component = cls(scope.owner)
        self.created.append(component)
        if node.name:
            try:
                component.Name = node.name
            except Exception as exc:
                raise self.node_error(node, f"Cannot name component {node.name}: {exc}") from exc
        return component

    def read_component(self, node: ObjectNode, parent: TComponent | None, scope: Scope) -> None:
        if node.kind == "inline":
            cls = self.resolve_class(node, scope=scope)
            if issubclass(cls, TFrame):
                self.read_frame(node, cls, parent, scope)
                return
        component: TComponent | None = None
        kind = node.kind
        if kind == "object":
            component = self.create(node, scope)
        elif kind == "inherited":
            component = scope.owner.FindComponent(node.name) if node.name else None
            if component is None:
                if self.reader.strict or not node.name:
                    raise self.node_error(node, f"Ancestor for '{node.name}' not found")
                component = self.create(node, scope)
                component.__dict__[MISSING_ANCESTOR_KEY] = True
            else:
                self.remember_ancestor_handlers(component)
                if isinstance(component, TFrame) and csInline in component.ComponentState:
                    # a frame the ancestor form placed: its blocks are in the frame's namespace
                    scope = Scope(component, ((component, handler_methods(type(component))),
                                              *scope.handlers))
        else:
            component = self.create(node, scope)
            if node.kind == "inline":
                component.SetComponentState(csInline, True)
        plain = self.plain_class(type(component))
        if plain:
            flags = component._state  # what Loading and SetComponentState come to
            flags.add(csLoading)
        else:
            component.Loading()
        if parent is not None:
            component.SetParentComponent(parent)
        index = node.index
        if index is not None:
            set_child_order(component, index)
        state = component.__dict__
        if kind != "object" or index is not None:  # remember_header, inline
            state[HEADER_KEY] = (node.kind, index)
        else:
            state.pop(HEADER_KEY, None)
        self.sequence += 1
        state[SEQUENCE_KEY] = self.sequence
        if plain:
            flags.add(csReading)
        else:
            component.SetComponentState(csReading, True)
        paths = node.paths if type(node) is RowsObjectNode else None
        if paths is not None and not isinstance(component, TPlaceholderComponent):
            self.read_rows_of(component, paths, node.values,  # type: ignore[union-attr,arg-type]
                              node.rows_line, node.source, scope)
            if self.consume:
                node.paths = node.values = _NO_ROWS  # type: ignore[union-attr]
        else:
            self.read_properties(component, node, scope)
        if plain:
            flags.discard(csReading)
        else:
            component.SetComponentState(csReading, False)
        for child in node.children:
            self.read_component(child, component, scope)
        self.loaded.append(component)

    def read_frame(self, node: ObjectNode, cls: type[TComponent], parent: TComponent | None,
                   scope: Scope) -> None:
        frame = self.create(node, scope)
        frame.SetComponentState(csInline, True)
        frame.Loading()
        if parent is not None:
            frame.SetParentComponent(parent)
        if node.index is not None:
            set_child_order(frame, node.index)
        inner = Scope(frame, ((frame, handler_methods(cls)), *scope.handlers))
        folders = reading_folders(self.filename, self.reader.search_path)
        path = class_form_file(cls, folders)
        if path is None:
            frame.__dict__[MISSING_ANCESTOR_KEY] = True
            frame.__dict__[ANCESTRY_KEY] = ()
        else:
            frame_tree = self.load_file(str(path), node)
            outer = self.filename
            self.filename = str(path)
            self.depth += 1
            try:
                self.read_tree(frame, frame_tree, inner, cls, frame)
            finally:
                self.filename = outer
                self.depth -= 1
            frame.__dict__[ANCESTRY_KEY] = ((cls, path),)
        self.remember_header(frame, node)
        frame.SetComponentState(csReading, True)
        self.read_properties(frame, node, inner)
        frame.SetComponentState(csReading, False)
        for child in node.children:
            self.read_component(child, frame, inner)
        self.loaded.append(frame)

    # -- properties ------------------------------------------------------------------------

    def read_properties(self, component: TComponent, node: ObjectNode, scope: Scope) -> None:
        if isinstance(component, TPlaceholderComponent):
            if node.properties:
                component.__dict__[ORDER_KEY] = [prop.path.lower() for prop in node.properties]
            streamed = component.StreamedProperties
            for prop in node.properties:
                streamed[prop.path] = prop.value
            return
        if type(node) is RowsObjectNode and node.paths is not None:
            self.read_rows_of(component, node.paths, node.values,  # type: ignore[arg-type]
                              node.rows_line, node.source, scope)
        else:
            self.read_properties_of(component, node.properties, scope)
