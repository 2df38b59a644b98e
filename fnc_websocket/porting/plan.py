"""What a port consists of: the unit, its form and this library, matched up.

:func:`make_plan` decides the Python class (name, base class, fields), one method per handler the
form binds or the unit declares, stubs for the other routines, the constants, and the checklist
of what maps and what needs a human. :mod:`fnc_websocket.porting.generate` writes it out;
``fnc-ws port --report`` prints only the checklist.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import attrs

import fnc
import fnc_websocket
from fnc import forms as fnc_forms
from fnc.properties import declared_properties
from fnc_websocket.porting.constants import python_literal
from fnc_websocket.porting.formview import Binding, FormView
from fnc_websocket.porting.framework import DESIGN_TIME_PROPERTIES
from fnc_websocket.porting.lexer import PascalSyntaxError
from fnc_websocket.porting.signatures import (
    PySignature,
    event_info,
    handler_signature,
    library_class,
    library_name,
    method_signature,
    python_name,
)
from fnc_websocket.porting.unit import ClassDecl, MethodDecl, PascalUnit, Routine
from fnc_websocket.porting.uses import uses_counterpart

__all__ = ["CheckItem", "Field", "MethodPlan", "PortPlan", "make_plan", "module_name"]

_ROOT_BASES = {"tform": "TForm", "tcustomform": "TForm", "tdatamodule": "TDataModule",
               "tframe": "TFrame", "tcustomframe": "TFrame"}


@attrs.frozen
class CheckItem:
    """One row of the checklist: ``human`` says what needs doing, '' when it maps as is."""

    kind: str
    name: str
    maps_to: str
    human: str = ""


@attrs.frozen
class Field:
    """A component field: its annotation names a class imported from ``module``."""

    name: str
    annotation: str
    comment: str = ""
    module: str = "fnc.streaming"


@attrs.frozen
class MethodPlan:
    """A method (or stand-alone function) to write; ``comment_only`` ones are kept as Pascal
    comments (constructors, overrides of the base class's methods)."""

    signature: PySignature
    routine: Routine | None
    is_handler: bool
    doc: str
    qualified: str
    comment_only: bool = False


@attrs.frozen
class PortPlan:
    unit: PascalUnit | None
    form: FormView | None
    class_name: str
    base: str
    base_module: str
    ancestor: str = ""
    ancestor_module: str = ""
    fields: tuple[Field, ...] = ()
    private_fields: tuple[str, ...] = ()
    methods: tuple[MethodPlan, ...] = ()
    functions: tuple[MethodPlan, ...] = ()
    constants: tuple[tuple[str, str | None, str], ...] = ()
    other_routines: tuple[Routine, ...] = ()
    checklist: tuple[CheckItem, ...] = ()
    variable: str = ""


#: Names a generated module may import: its constants and functions must not take them.
_IMPORTABLE = frozenset(n.lower() for n in (
    *(n for m in (fnc, fnc_websocket) for n in m.__all__ if isinstance(getattr(m, n), type)),
    "Any", "TPlaceholderComponent", "ReadComponentResFile", "find_form_file", "annotations"))


def _python_base(ancestor: str) -> tuple[str, str]:
    base = _ROOT_BASES.get(ancestor.lower(), "")
    return (base, "fnc") if base else ("", "")


#: Module names a generated module must not take: it would hide them on sys.path (and, on a
#: case-insensitive file system, ``Types.py`` hides ``types``).
_TAKEN = frozenset({*(m.lower() for m in sys.stdlib_module_names), "fnc", "fnc_websocket",
                    "websocket", "websockets", "blinker", "attrs", "pytest"})


def module_name(path: Path) -> str:
    """The Python module a port of unit file ``path`` becomes: its name, with characters that
    cannot be in one replaced by ``_`` and ``_unit`` added where it would hide another module
    (``Types.pas`` gives ``Types_unit``)."""
    name = re.sub(r"\W", "_", path.stem)
    if not name or name[0].isdigit():
        name = "unit_" + name
    return name + "_unit" if name.lower() in _TAKEN else name


def _find_ancestor_unit(unit: PascalUnit, ancestor: str) -> Path | None:
    """The sibling ``.pas`` of a used unit that declares class ``ancestor``."""
    folder = Path(unit.filename).parent
    pattern = re.compile(rf"\b{re.escape(ancestor)}\s*=\s*class\b", re.I)
    for entry in unit.uses:
        short = entry.name.split(".")[-1]
        for candidate in (folder / f"{entry.name}.pas", folder / f"{short}.pas"):
            try:
                if candidate.is_file() and pattern.search(
                        candidate.read_text(encoding="utf-8", errors="replace")):
                    return candidate
            except OSError:
                continue
    return None


def _choose_class(unit: PascalUnit, form: FormView | None) -> ClassDecl | None:
    if form is not None:
        found = unit.find_class(form.root.class_name)
        if found is None:
            raise PascalSyntaxError(
                f"the form's root class {form.root.class_name} is not declared in "
                f"{Path(unit.filename).name}", form.root.line or 1, str(form.path))
        return found
    for decl in unit.classes:
        if decl.ancestor.lower() in _ROOT_BASES:
            return decl
    return next((c for c in unit.classes if c.ancestor and c.section == "interface"), None)


class _Planner:
    def __init__(self, unit: PascalUnit | None, form: FormView | None, handlers_only: bool,
                 output: Path | None) -> None:
        self.unit = unit
        self.form = form
        self.handlers_only = handlers_only
        self.output = output
        self.checklist: list[CheckItem] = []
        self.used_names: set[str] = set()

    def check(self, kind: str, name: str, maps_to: str, human: str = "") -> None:
        self.checklist.append(CheckItem(kind, name, maps_to, human))

    # -- the class ---------------------------------------------------------------------------

    def base_class(self, decl: ClassDecl | None) -> tuple[str, str, str, str]:
        """(base, base module, ancestor class, ancestor module) of the Python class."""
        unit, form = self.unit, self.form
        if decl is None:
            assert form is not None
            name = form.root.class_name.lower()
            if form.root.kind == "inherited":
                self.check("ancestor", form.root.class_name, "TForm",
                           "inherited form: the ancestor is unknown without its unit")
            base = "TDataModule" if "datamodule" in name else "TForm"
            return base, "fnc", "", ""
        base, module = _python_base(decl.ancestor)
        if base:
            return base, module, "", ""
        assert unit is not None
        source = _find_ancestor_unit(unit, decl.ancestor)
        if source is not None:
            ancestor_module = module_name(source)
            self.check("ancestor", decl.ancestor, f"from {ancestor_module} import "
                       f"{decl.ancestor}", f"port {source.name} too (fnc-ws port {source.name})")
            return decl.ancestor, ancestor_module, decl.ancestor, ancestor_module
        if unit.find_class(decl.ancestor) is not None:
            why = f"ancestor {decl.ancestor} is declared in this unit: port it by hand"
        elif decl.ancestor:
            why = f"ancestor {decl.ancestor} not found beside the unit: change the base class"
        else:
            why = "no ancestor: the class derives from TForm here"
        self.check("ancestor", decl.ancestor or "(none)", "TForm", why)
        return "TForm", "fnc", "", ""

    def fields(self, decl: ClassDecl | None) -> tuple[list[Field], list[str]]:
        form = self.form
        form_classes = {c.name.lower(): c for c in form.components} if form else {}
        names: list[tuple[str, str]] = []
        if decl is not None:
            names = [(f.name, f.type) for f in decl.published_fields]
        elif form is not None:
            names = [(c.name, c.class_name) for c in form.components if c.kind != "inherited"]
        fields: list[Field] = []
        placeholders: list[str] = []
        plain: list[str] = []
        for name, pascal_type in names:
            component = form_classes.get(name.lower())
            class_name = component.class_name if component else pascal_type
            cls = library_class(class_name)
            if component is None and cls is None and (form is not None or not re.match(
                    r"T[A-Z]", pascal_type)):
                plain.append(f"{name}: {pascal_type};")  # a published field, not a component
                continue
            module = (library_name(cls.__name__) or cls.__module__) if cls is not None else ""
            if cls is not None and module != "__main__":
                fields.append(Field(python_name(name), cls.__name__, "", module))
                self.check("component", f"{name}: {class_name}", cls.__name__)
            else:
                fields.append(Field(python_name(name), "TPlaceholderComponent",
                                    f"{class_name} (not implemented here)"))
                placeholders.append(f"{name}: {class_name}")
            if component is not None and cls is not None:
                self.unknown_properties(name, cls, component.properties)
        for entry in placeholders:
            self.check("component", entry, "placeholder",
                       "placeholder classes (they keep their values; no behaviour, no events)")
        private = [f"{f.name}: {f.type};" for f in decl.fields
                   if f.visibility not in ("", "published")] if decl else []
        return fields, plain + private

    def unknown_properties(self, name: str, cls: type, properties: tuple[str, ...]) -> None:
        known = {p.lower() for p in declared_properties(cls)}
        events = {e.lower() for e in dir(cls) if e.startswith("On")}
        for path in properties:
            first = path.split(".", 1)[0].lower()
            if path.lower() in DESIGN_TIME_PROPERTIES or first in known or first in events:
                continue
            self.check("property", f"{name}.{path}", "-",
                       f"unknown property of {cls.__name__}: the form will not load with it")

    # -- methods -----------------------------------------------------------------------------

    def event_for(self, binding: Binding, base_cls: type | None) -> tuple[object, str]:
        """(EventInfo or None, description) of the event a binding names."""
        if not binding.component:
            info = event_info(base_cls, binding.event) if base_cls is not None else None
            if info is None:
                self.check("event", f"(form).{binding.event}", "-",
                           f"{binding.event} is not an event of the form here: it is kept in "
                           f"DesignInfo and never fires; call {binding.method} yourself")
            what = "data module" if base_cls is not None and not issubclass(
                base_cls, fnc_forms.TForm) else "form"
            return info, f"{binding.event} of the {what}"
        cls = library_class(binding.class_name)
        where = f"{binding.event} of {binding.component} ({binding.class_name})"
        if cls is None:
            self.check("event", f"{binding.component}.{binding.event} -> {binding.method}", "-",
                       "events of placeholders never fire: call these handlers yourself")
            return None, where
        info = event_info(cls, binding.event)
        if info is None:
            self.check("event", f"{binding.component}.{binding.event}", "-",
                       f"{binding.class_name} has no event {binding.event} here")
        return info, where

    def unique(self, name: str, used: set[str] | None = None, kind: str = "method") -> str:
        """``name``, or ``name_2``... when the class (or ``used``: the module) has it already."""
        taken = self.used_names if used is None else used
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{name}_{n}"
        taken.add(candidate.lower())
        if candidate != name:
            self.check(kind, name, candidate,
                       "names taken twice (overloads, or a name the module has): renamed")
        return candidate

    def methods(self, decl: ClassDecl | None, base_cls: type | None) -> list[MethodPlan]:
        unit, form = self.unit, self.form
        class_name = decl.name if decl else (form.root.class_name if form else "")
        routines = list(unit.routines_of(class_name)) if unit else []
        bound = form.handler_names() if form else {}
        plans: list[MethodPlan] = []
        declared = list(decl.methods) if decl else []
        declared_names = {m.name.lower() for m in declared}
        for routine in routines:
            if routine.name.lower() not in declared_names:
                declared.append(routine.header)
                declared_names.add(routine.name.lower())
                self.check("method", f"{class_name}.{routine.name}", "stub",
                           "implemented but not declared in the class")
        for method in declared:
            routine = next((r for r in routines if r.name.lower() == method.name.lower()), None)
            if routine is not None:
                routines.remove(routine)
            plans.append(self.method_plan(class_name, method, routine, bound, base_cls))
        for lower, spelled in bound.items():
            if lower in declared_names:
                continue
            signature, doc = self.handler(spelled, None, base_cls)
            name = self.unique(signature.name)
            plans.append(MethodPlan(attrs.evolve(signature, name=name), None, True,
                                    doc, f"{class_name}.{spelled}"))
            if unit is not None:
                self.check("handler", f"{class_name}.{spelled}", "method",
                           f"bound in the form but not in {Path(unit.filename).name}: write it")
        if unit is None and bound:
            self.check("handler", ", ".join(bound.values()), "methods",
                       "no unit given: write the handler bodies")
        return plans

    def handler(self, name: str, decl: MethodDecl | None,
                base_cls: type | None) -> tuple[PySignature, str]:
        assert self.form is not None
        bindings = self.form.bindings_of(name)
        info, where = self.event_for(bindings[0], base_cls)
        signature = handler_signature(name, info, decl)  # type: ignore[arg-type]
        if info is not None and decl is not None and len(decl.params) != len(
                info.params):  # type: ignore[attr-defined]
            self.check("handler", name, "method",
                       f"the Pascal declaration has {len(decl.params)} parameters, the event "
                       f"{len(info.params)}")  # type: ignore[attr-defined]
        wheres = [where] + [self.event_for(b, base_cls)[1] for b in bindings[1:]]
        doc = "Handler of " + ", ".join(wheres) + "."
        if info is not None and decl is not None and len(decl.params) == len(
                info.params):  # type: ignore[attr-defined]
            renamed = [f"{p.name} is {new}" for p, new in zip(
                decl.params, info.params, strict=True)  # type: ignore[attr-defined]
                       if p.name != new]
            if renamed:
                doc += " The Pascal's " + ", ".join(renamed) + " here."
        return signature, doc

    def method_plan(self, class_name: str, method: MethodDecl, routine: Routine | None,
                    bound: dict[str, str], base_cls: type | None) -> MethodPlan:
        qualified = f"{class_name}.{method.name}"
        if method.kind in ("constructor", "destructor"):
            self.check("method", qualified, "comment",
                       f"{method.kind}: fold it into FormCreate/FormDestroy by hand")
            return MethodPlan(method_signature(method), routine, False, "", qualified, True)
        if base_cls is not None and hasattr(base_cls, method.name) and \
                method.name.lower() not in bound:
            self.check("method", qualified, "comment",
                       f"overrides {base_cls.__name__}.{method.name}: port it by hand")
            return MethodPlan(method_signature(method), routine, False, "", qualified, True)
        if method.name.lower() in bound:
            signature, doc = self.handler(method.name, method, base_cls)
            lines = routine.text.count("\n") + 1 if routine else 0
            self.check("handler", qualified, "method", f"port its body ({lines} lines)"
                       if routine and not self.handlers_only else "")
            return MethodPlan(attrs.evolve(signature, name=self.unique(signature.name)),
                              routine, True, doc, qualified)
        signature = method_signature(method)
        if routine is None:
            self.check("method", qualified, "stub", "declared but not implemented")
        else:
            lines = routine.text.count("\n") + 1
            self.check("method", qualified, "stub", f"port its body ({lines} lines)")
        first = method.params[0] if method.params else None
        if self.form is not None and first is not None and first.name.lower() == "sender" \
                and method.visibility in ("", "published"):
            self.check("handler", qualified, "stub",
                       "declared like a handler but no event of the form binds it")
        return MethodPlan(attrs.evolve(signature, name=self.unique(signature.name)), routine,
                          False, "", qualified)

    # -- the rest of the unit ----------------------------------------------------------------

    def constants(self, module_names: set[str]) -> list[tuple[str, str | None, str]]:
        result = []
        for const in self.unit.consts if self.unit else ():
            literal = python_literal(const.value)
            name = python_name(const.name)
            if literal is not None:
                name = self.unique(name, module_names, "constant")
            result.append((name, literal, f"{const.name} = {const.value}"))
            if literal is None:
                self.check("constant", const.name, "comment",
                           "constants that are not literals: port by hand")
            else:
                self.check("constant", const.name, literal if len(literal) < 40 else "literal")
        return result

    def uses(self) -> None:
        if self.unit is None:
            return
        folder = Path(self.unit.filename).parent
        for entry in self.unit.uses:
            counterpart = uses_counterpart(entry.name)
            sibling = folder / f"{entry.name}.pas"
            if sibling.is_file():
                self.check("uses", entry.name, f"{module_name(sibling)}.py",
                           f"a unit of this project: fnc-ws port {sibling.name}")
            elif counterpart:
                self.check("uses", entry.name, counterpart)
            else:
                self.check("uses", entry.name, "-", "units with no counterpart here")


def make_plan(unit: PascalUnit | None, form: FormView | None, *, handlers_only: bool = False,
              output: Path | None = None) -> PortPlan:
    """Match ``unit`` (or None) with ``form`` (or None) and this library; raises
    :class:`PascalSyntaxError` when the form's root class is not declared in the unit."""
    planner = _Planner(unit, form, handlers_only, output)
    decl = _choose_class(unit, form) if unit is not None else None
    if decl is None and form is None:
        class_name = base = base_module = ancestor = ancestor_module = ""
        fields: list[Field] = []
        private: list[str] = []
        methods: list[MethodPlan] = []
    else:
        class_name = decl.name if decl else form.root.class_name  # type: ignore[union-attr]
        base, base_module, ancestor, ancestor_module = planner.base_class(decl)
        base_cls = getattr(fnc_forms, base, None) if base_module.startswith("fnc") else None
        planner.check("form", class_name, f"class {class_name}({base})")
        fields, private = planner.fields(decl)
        methods = planner.methods(decl, base_cls)
        if form is None:
            planner.check("form", class_name, "-",
                          "no form file: the class is created without one")
    class_names = {class_name.lower()}
    module_names = {class_name.lower(), *_IMPORTABLE}
    constants = planner.constants(module_names)
    functions: list[MethodPlan] = []
    others: list[Routine] = []
    for routine in unit.routines if unit else ():
        if not routine.class_name:
            signature = method_signature(routine.header)
            signature = attrs.evolve(signature, name=planner.unique(
                signature.name, module_names, "routine"))
            functions.append(MethodPlan(signature, routine, False, "", routine.name))
            planner.check("routine", routine.name, "function",
                          f"port its body ({routine.text.count(chr(10)) + 1} lines)")
        elif routine.class_name.lower() not in class_names:
            others.append(routine)
            planner.check("routine", routine.qualified_name, "comment",
                          f"a method of {routine.class_name}: port that class by hand")
    planner.uses()
    variable = next((n for n, t in (unit.variables if unit else ())
                     if t.lower() == class_name.lower()), "")
    if not variable and class_name:
        variable = class_name[1:] if class_name[:1] in "Tt" and len(class_name) > 1 else \
            class_name + "_"
    return PortPlan(unit, form, class_name, base, base_module, ancestor, ancestor_module,
                    tuple(fields), tuple(private), tuple(methods), tuple(functions),
                    tuple(constants), tuple(others), tuple(planner.checklist), variable)
