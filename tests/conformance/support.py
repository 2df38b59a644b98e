"""Helpers for the Autobahn conformance tests: load the harness, run its scripts in a subprocess.

The runners execute in their own interpreter: kosoku puts shim packages (a minimal
``pkg_resources``, ``autobahn``) at the front of ``sys.path`` when it loads the case files, which
must not leak into the test process.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HARNESS_DIR = Path(__file__).resolve().parents[2] / "tools" / "autobahn"


def load_harness_module(name: str) -> ModuleType:
    """Import ``tools/autobahn/<name>.py`` without touching ``sys.path``."""
    module_name = f"_autobahn_harness_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, HARNESS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def run_harness(script: str, args: list[str], tmp_path: Path, timeout: float) -> dict[str, Any]:
    """Run a runner script with ``--json``; return its summary plus ``returncode``/``output``."""
    out = tmp_path / "summary.json"
    proc = subprocess.run(
        [sys.executable, str(HARNESS_DIR / script), *args, "--json", str(out)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    output = proc.stdout + proc.stderr
    assert out.exists(), f"{script} wrote no summary (exit {proc.returncode}):\n{output}"
    summary = json.loads(out.read_text())
    summary["returncode"] = proc.returncode
    summary["output"] = output
    return summary
