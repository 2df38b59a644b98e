"""fnc is built in layers: a module imports only modules of its own layer or of lower ones.

Each module is imported on its own in a fresh interpreter that records every import statement
executed by an ``fnc`` module; no recorded import may reach a higher layer. The source is also
read: no ``fnc`` import inside a function (a cycle broken at run time is still a cycle), and
type-checking-only imports follow the same rule.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import fnc

# Lowest first. A module belongs to the entry with the longest matching dotted prefix.
LAYERS: list[tuple[str, ...]] = [
    # 0: no knowledge of anything else in fnc
    ("fnc.exceptions", "fnc.fdwatch"),
    # 1: properties, events, threads know nothing of components or the application: they
    #    talk to objects through the extension interface; the form-file syntax knows
    #    nothing of components either
    ("fnc.extension", "fnc.properties", "fnc.events", "fnc.threads", "fnc.streaming.syntax"),
    # 2: TPersistent, TComponent, TCollection
    ("fnc.persistent", "fnc.component", "fnc.collections"),
    # 3: Application, TTimer, TForm/TDataModule, the inspector listing
    ("fnc.application", "fnc.timer", "fnc.forms", "fnc.inspector"),
    # 4: event-loop adapters; component streaming (registry, reader, writer, fix-ups...)
    ("fnc.integrations", "fnc.streaming.components", "fnc.streaming"),
    # 5: the package's public face re-exports everything
    ("fnc",),
]

PACKAGE_DIR = Path(fnc.__file__).resolve().parent
OPTIONAL_DEPENDENCIES = {"PySide6", "tkinter", "_tkinter"}


def layer_of(module: str) -> int:
    best, best_len = -1, -1
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = level, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS"
    return best


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(module_name(p) for p in PACKAGE_DIR.rglob("*.py"))

_RECORDER = r"""
import builtins, importlib, json, sys

edges = set()
original = builtins.__import__

def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = original(name, globals, locals, fromlist, level)
    importer = (globals or {}).get("__name__", "")
    if level:
        base = (globals or {}).get("__package__") or ""
        parts = base.split(".")
        base = ".".join(parts[: len(parts) - level + 1])
        name = f"{base}.{name}" if name else base
    if importer.split(".")[0] == "fnc" and name.split(".")[0] == "fnc":
        targets = [name]
        for item in fromlist or ():
            sub = f"{name}.{item}"
            if sub in sys.modules:
                targets.append(sub)
        for target in targets:
            if target != importer:
                edges.add((importer, target))
    return module

builtins.__import__ = recording_import
try:
    importlib.import_module(sys.argv[1])
except ImportError as exc:
    print(json.dumps({"skipped": str(exc.name)}))
else:
    print(json.dumps({"edges": sorted(edges)}))
"""


def test_every_module_is_in_a_layer():
    for name in MODULES:
        layer_of(name)


def _import_alone(name: str) -> tuple[str, dict[str, Any] | str]:
    try:
        proc = subprocess.run([sys.executable, "-c", _RECORDER, name], capture_output=True,
                              text=True, cwd=PACKAGE_DIR.parent, timeout=120)
    except subprocess.TimeoutExpired:
        return name, "importing it did not finish within 120 s"
    if proc.returncode != 0:
        return name, f"importing it alone failed:\n{proc.stderr}"
    return name, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_each_module_imported_alone_imports_no_higher_layer():
    # A few interpreters side by side: the machine may be shared.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = list(pool.map(_import_alone, MODULES))
    violations: list[str] = []
    checked = 0
    for name, result in results:
        assert isinstance(result, dict), f"{name}: {result}"
        if "skipped" in result:
            assert str(result["skipped"]).split(".")[0] in OPTIONAL_DEPENDENCIES, result
            continue
        checked += 1
        for importer, target in result["edges"]:
            if layer_of(target) > layer_of(importer):
                violations.append(f"{importer} (layer {layer_of(importer)}) imports "
                                  f"{target} (layer {layer_of(target)})")
    assert checked >= len(MODULES) - 2
    assert not violations, "\n".join(sorted(set(violations)))


def _fnc_imports(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "fnc"]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
            and node.module.split(".")[0] == "fnc":
        return [node.module]
    return []


@pytest.mark.parametrize("name", MODULES)
def test_no_import_inside_functions_and_type_only_imports_respect_layers(name: str):
    path = PACKAGE_DIR.parent.joinpath(*name.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                assert not _fnc_imports(node), (
                    f"{name}:{node.lineno}: import inside {func.name}() (a hidden cycle)")
    for node in ast.walk(tree):
        for target in _fnc_imports(node):
            assert layer_of(target) <= layer_of(name), (
                f"{name}:{node.lineno}: imports {target}, a higher layer")
