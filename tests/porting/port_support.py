"""Helpers of the ``fnc-ws port`` tests: port the units in ``units/`` into a temporary folder,
import the generated modules, and read back the Pascal kept in their comment blocks."""

from __future__ import annotations

import contextlib
import importlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from fnc.component import TComponent
from fnc.streaming import TPlaceholderComponent
from fnc_websocket.cli import main
from fnc_websocket.porting import read_form

ROOT = Path(__file__).resolve().parents[2]
UNITS = Path(__file__).resolve().parent / "units"


def copy_units(folder: Path) -> None:
    """Every test unit and form file into ``folder``."""
    for path in UNITS.iterdir():
        shutil.copy(path, folder / path.name)


def port_unit(folder: Path, name: str, *extra: str) -> Path:
    """Run ``fnc-ws port folder/name.pas`` in this process; return the module it wrote."""
    assert main(["port", str(folder / f"{name}.pas"), *extra]) == 0
    module = folder / f"{name}.py"
    assert module.is_file()
    return module


def ruff(*paths: Path) -> subprocess.CompletedProcess[str]:
    """``ruff check`` under this project's settings."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
         str(ROOT / "pyproject.toml"), *map(str, paths)],
        capture_output=True, text=True, timeout=60)


def import_fresh(folder: Path, name: str) -> ModuleType:
    """Import module ``name`` from ``folder`` (which must be on sys.path), not a cached one."""
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return importlib.import_module(name)


@contextlib.contextmanager
def on_path(folder: Path, names: list[str]) -> Iterator[None]:
    """``folder`` on sys.path; the modules ``names`` forgotten afterwards."""
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in names:
            sys.modules.pop(name, None)


_NOQA = re.compile(r"  # noqa: [A-Z0-9, ]+$")


def comment_block_after(text: str, def_name: str) -> str:
    """The comment lines that follow ``def def_name(`` (its docstring skipped), as Pascal."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.lstrip().startswith(f"def {def_name}("))
    block: list[str] = []
    for line in lines[start + 1:]:
        stripped = line.strip()
        if not stripped.startswith("#"):
            if block:
                break
            continue
        stripped = _NOQA.sub("", stripped)
        block.append(stripped[2:] if stripped.startswith("# ") else stripped[1:])
    return "\n".join(block)


def pascal_text(text: str) -> str:
    """Pascal as the generator keeps it: verbatim, trailing blanks dropped."""
    return "\n".join(line.rstrip() for line in text.splitlines())


def assert_every_handler_bound(form: TComponent, form_file: Path) -> int:
    """Every ``OnX = Method`` of the form file is bound to the form's method (placeholders,
    which have no events, keep the name and the form has the method). Returns the count."""
    view = read_form(form_file)
    for binding in view.bindings:
        method = getattr(form, binding.method)
        assert callable(method), binding
        component = form if not binding.component else form.FindComponent(binding.component)
        assert component is not None, binding
        if isinstance(component, TPlaceholderComponent):
            assert component.StreamedValue(binding.event) == binding.method
        elif component is form and not hasattr(type(form), binding.event):
            # A root event this fnc does not model yet (OnShow): kept by name in DesignInfo.
            kept = form.DesignInfo[binding.event]
            assert getattr(kept, "value", kept) == binding.method
        else:
            assert getattr(component, binding.event) == method, binding
    return len(view.bindings)


class TGadget(TComponent):
    """A component class an application registers itself (see test_port_cli)."""
