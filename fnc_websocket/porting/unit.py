"""What the Pascal reader finds in a unit: immutable records, no parsing here."""

from __future__ import annotations

import attrs

__all__ = ["ClassDecl", "ConstDecl", "FieldDecl", "MethodDecl", "Param", "PascalUnit",
           "Routine", "UsesEntry"]


@attrs.frozen
class Param:
    """One parameter: ``modifier`` is '', 'var', 'const', 'out' or 'constref'."""

    name: str
    type: str = ""
    modifier: str = ""
    default: str = ""

    @property
    def is_var(self) -> bool:
        """A parameter the routine assigns (``var`` / ``out``): a ``VarParam`` in Python."""
        return self.modifier in ("var", "out")


@attrs.frozen
class MethodDecl:
    """A routine header: ``kind`` is procedure, function, constructor or destructor."""

    kind: str
    name: str
    params: tuple[Param, ...] = ()
    result: str = ""
    class_method: bool = False
    visibility: str = ""
    line: int = 0
    directives: tuple[str, ...] = ()


@attrs.frozen
class FieldDecl:
    """A field of a class; ``visibility`` '' means the default (published) section."""

    name: str
    type: str
    visibility: str = ""
    line: int = 0


@attrs.frozen
class ClassDecl:
    """A class type declaration."""

    name: str
    ancestor: str = ""
    fields: tuple[FieldDecl, ...] = ()
    methods: tuple[MethodDecl, ...] = ()
    line: int = 0
    section: str = "interface"

    @property
    def published_fields(self) -> tuple[FieldDecl, ...]:
        return tuple(f for f in self.fields if f.visibility in ("", "published"))

    def method(self, name: str) -> MethodDecl | None:
        """The declared method called ``name`` (case-insensitive), first overload."""
        wanted = name.lower()
        return next((m for m in self.methods if m.name.lower() == wanted), None)


@attrs.frozen
class Routine:
    """A routine implementation: its header and its whole text, header to the final ``end;``.

    ``class_name`` is '' for a stand-alone routine. ``text`` is the source exactly as written,
    local declarations and nested routines included.
    """

    class_name: str
    header: MethodDecl
    text: str
    line: int
    end_line: int
    has_body: bool = True

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def qualified_name(self) -> str:
        return f"{self.class_name}.{self.name}" if self.class_name else self.name


@attrs.frozen
class ConstDecl:
    """A constant: ``value`` is its Pascal text; ``type`` is given for typed constants."""

    name: str
    value: str
    type: str = ""
    line: int = 0
    section: str = "interface"
    resource_string: bool = False


@attrs.frozen
class UsesEntry:
    name: str
    line: int = 0
    section: str = "interface"


@attrs.frozen
class PascalUnit:
    """A unit: its name, declarations and routine implementations in source order."""

    name: str
    filename: str
    classes: tuple[ClassDecl, ...] = ()
    routines: tuple[Routine, ...] = ()
    consts: tuple[ConstDecl, ...] = ()
    uses: tuple[UsesEntry, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    form_resources: tuple[str, ...] = ()

    def find_class(self, name: str) -> ClassDecl | None:
        wanted = name.lower()
        return next((c for c in self.classes if c.name.lower() == wanted), None)

    def routines_of(self, class_name: str) -> list[Routine]:
        wanted = class_name.lower()
        return [r for r in self.routines if r.class_name.lower() == wanted]
