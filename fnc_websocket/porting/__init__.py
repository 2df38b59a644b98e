"""``fnc-ws port``: turn a Delphi unit and its form file into a runnable Python module.

* :mod:`~fnc_websocket.porting.lexer`, :mod:`~fnc_websocket.porting.cursor` and
  :mod:`~fnc_websocket.porting.pascal`: a small,
  tolerant Object Pascal reader (:func:`read_unit`) giving a :class:`PascalUnit`;
* :mod:`~fnc_websocket.porting.formview`: the root, components and event bindings of a form;
* :mod:`~fnc_websocket.porting.signatures`: handler signatures from the library's own events;
* :mod:`~fnc_websocket.porting.plan`: the port and its checklist;
* :mod:`~fnc_websocket.porting.generate` / :mod:`~fnc_websocket.porting.report`: the module
  text and the ``--report`` table.

:func:`port` is the whole command as a function. Every expected failure is a
:class:`PortError` (its ``str()`` is one line, ``file:line: reason`` when it has a place).
"""

from __future__ import annotations

from pathlib import Path

import attrs

from fnc_websocket.porting.formview import FormView, read_form
from fnc_websocket.porting.framework import FORM_EXTENSIONS
from fnc_websocket.porting.generate import generate_module
from fnc_websocket.porting.lexer import PascalSyntaxError
from fnc_websocket.porting.pascal import parse_unit, read_unit
from fnc_websocket.porting.plan import PortPlan, make_plan, module_name
from fnc_websocket.porting.report import format_report
from fnc_websocket.porting.unit import PascalUnit

__all__ = ["PascalSyntaxError", "PascalUnit", "PortError", "PortResult", "default_form",
           "format_report", "parse_unit", "plan_port", "port", "read_form", "read_unit"]


class PortError(Exception):
    """A port that cannot be made; ``str()`` is one line naming the cause."""


@attrs.frozen
class PortResult:
    output: Path
    plan: PortPlan
    text: str


def default_form(unit_path: Path, unit: PascalUnit | None = None) -> Path | None:
    """The form file beside ``unit_path``: its name with the extension ``{$R *.ext}`` names,
    else ``.dfm``, ``.fmx``, ``.lfm`` in that order (file names compared case-insensitively)."""
    extensions = list(unit.form_resources if unit else ()) + list(FORM_EXTENSIONS)
    folder = unit_path.parent
    try:
        entries = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    except OSError:
        return None
    for ext in extensions:
        found = entries.get((unit_path.stem + ext).lower())
        if found is not None:
            return found
    return None


def default_output(source: Path) -> Path:
    """``Unit1.pas`` -> ``Unit1.py`` beside it (see :func:`~fnc_websocket.porting.plan.module_name`:
    ``My.Unit.pas`` gives ``My_Unit.py``, ``Types.pas`` gives ``Types_unit.py``)."""
    return source.with_name(module_name(source) + ".py")


def plan_port(source: str | Path, form: str | Path | None = None, *,
              handlers_only: bool = False, output: Path | None = None) -> PortPlan:
    """Read ``source`` (a ``.pas`` unit, or a form file alone) and its form; return the plan."""
    path = Path(source)
    if not path.is_file():
        raise PortError(f"{path}: no such file")
    try:
        if path.suffix.lower() in FORM_EXTENSIONS and form is None:
            return make_plan(None, read_form(path), handlers_only=handlers_only, output=output)
        unit = read_unit(path)
        form_path = Path(form) if form is not None else default_form(path, unit)
        if form_path is not None and not form_path.is_file():
            raise PortError(f"{form_path}: no such form file")
        view: FormView | None = read_form(form_path) if form_path is not None else None
        return make_plan(unit, view, handlers_only=handlers_only, output=output)
    except PascalSyntaxError as exc:
        raise PortError(str(exc)) from None
    except (OSError, UnicodeError) as exc:
        raise PortError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def port(source: str | Path, form: str | Path | None = None, output: str | Path | None = None,
         *, handlers_only: bool = False, force: bool = False) -> PortResult:
    """Write the Python module of ``source`` (and its form); never overwrites without ``force``."""
    out = Path(output) if output is not None else default_output(Path(source))
    if out.exists() and not force:
        raise PortError(f"{out} exists (use --force to overwrite it)")
    if out.suffix != ".py":
        raise PortError(f"{out}: the output must be a .py file")
    plan = plan_port(source, form, handlers_only=handlers_only, output=out)
    text = generate_module(plan, out, handlers_only)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PortError(f"{out}: cannot write: {exc.strerror or exc}") from None
    return PortResult(out, plan, text)
