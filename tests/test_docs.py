"""Every ```python block in docs/*.md and README.md runs, so the documentation cannot rot.

The blocks of one page run in order in one fresh interpreter (a page may build on its earlier
blocks). A block fenced as ```python no-run is shown to readers but not executed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^```python[ \t]*(?P<flags>[^\n]*)\n(?P<code>.*?)^```", re.M | re.S)


def blocks(page: Path) -> list[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        if "no-run" in m.group("flags"):
            continue
        line = text.count("\n", 0, m.start()) + 2
        found.append((line, m.group("code")))
    return found


def _missing_service(page: Path) -> str | None:
    """A page marked ``<!-- needs: redis-server -->`` runs only where a Redis can be had."""
    if "<!-- needs: redis-server -->" not in page.read_text(encoding="utf-8"):
        return None
    from fnc_websocket.testing.redis_server import REDIS_PACKAGE_HINT, find_redis_server

    if os.environ.get("FNC_REDIS_URL") or find_redis_server():
        return None
    return REDIS_PACKAGE_HINT


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.name)
def test_page_examples_run(page: Path) -> None:
    missing = _missing_service(page)
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the examples of {page.name}: {missing}")
        pytest.skip(missing)
    parts = []
    for line, code in blocks(page):
        # Keep the page's line numbers in tracebacks: pad each block to where it stands.
        parts.append((line, code))
    # The script stands in docs/, as a user's module stands in their project: form-file lookup
    # (designer_specs/ beside or above the module) then works as documented.
    script = ROOT / "docs" / f"_example_{page.stem}_{os.getpid()}.py"
    source_lines: list[str] = []
    for line, code in parts:
        source_lines.extend([""] * (line - 1 - len(source_lines)))
        source_lines.extend(code.splitlines())
    script.write_text("\n".join(source_lines) + "\n", encoding="utf-8")
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
    finally:
        script.unlink(missing_ok=True)
    assert proc.returncode == 0, (
        f"examples of {page.relative_to(ROOT)} failed (line numbers are the page's):\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
