#!/usr/bin/env python3
"""Bootstrap and run the project: ``python3 tools/dev.py demo|test|bench|lint [args...]``.

Creates ``.venv`` beside the project on first use and installs the project with its test extra
(again whenever pyproject.toml changes), then runs the demo, the test suite (on two worker
processes unless ``-n`` is given), the benchmarks or the linter inside it. Needs only Python 3.11+
and access to the package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".fnc-installed"


def ensure_env() -> None:
    """Create the virtual environment and install the project when needed."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("installing the project and its test tools into .venv ...", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    # Qt (PySide6) is an optional extra: its adapter test skips with a reason without it.
    if subprocess.run([*pip, "-e", f"{ROOT}[qt]"]).returncode:
        print("note: the optional Qt extra (PySide6) could not be installed; "
              "the Qt adapter test will be skipped", flush=True)
    STAMP.write_text(digest)


def _chooses_workers(args: list[str]) -> bool:
    return any(a.startswith(("-n", "--numprocesses")) for a in args)


COMMANDS = {
    "demo": lambda a: [str(PY), "-m", "fnc_websocket", "demo", *a],
    # two worker processes (pytest-xdist) unless the arguments choose (-n 0: one process)
    "test": lambda a: [str(PY), "-m", "pytest", *([] if _chooses_workers(a) else ["-n", "2"]), *a],
    "bench": lambda a: [str(PY), str(ROOT / "benchmarks" / "run_all.py"), *a],
    "lint": lambda a: [str(PY), "-m", "ruff", "check", str(ROOT), *a],
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: {Path(sys.argv[0]).name} {{{'|'.join(COMMANDS)}}} [args...]",
              file=sys.stderr)
        return 2
    ensure_env()
    return subprocess.run(COMMANDS[sys.argv[1]](sys.argv[2:]), cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
