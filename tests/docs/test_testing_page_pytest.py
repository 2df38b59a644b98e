"""The pytest examples of docs/testing.md run as a user's own test file, with no conftest.

They are fenced as ```python no-run pytest (tests/test_docs.py skips them: they are not a script).
Here their blocks are joined, in page order, into one test file inside an empty directory that
pytester provides, and run in a fresh pytest process. The plugin reaches that process only
through the installed package's ``pytest11`` entry point, so the run also proves the acceptance
criterion: a user's test file using ``ws_mock_server`` and ``fnc_app`` passes with no conftest.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PAGE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
FENCE = re.compile(r"^```python[ \t]*(?P<flags>[^\n]*)\n(?P<code>.*?)^```", re.M | re.S)


def pytest_blocks(page: Path) -> list[str]:
    """The code of every ```python block whose flags include ``pytest``, in page order."""
    text = page.read_text(encoding="utf-8")
    return [m.group("code") for m in FENCE.finditer(text) if "pytest" in m.group("flags").split()]


def test_page_has_pytest_examples() -> None:
    blocks = pytest_blocks(PAGE)
    assert len(blocks) >= 5, "docs/testing.md lost its ```python no-run pytest examples"
    for code in blocks:
        assert "no-run" not in code  # a fence typo would swallow the next block


def test_pytest_examples_pass_as_a_users_test_file(pytester: pytest.Pytester) -> None:
    blocks = pytest_blocks(PAGE)
    source = "\n\n".join(blocks)
    pytester.makepyfile(test_from_docs=source)
    assert not list(pytester.path.rglob("conftest.py"))
    assert not (pytester.path / "pytest.ini").exists()

    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider", timeout=120)

    outcomes = result.parseoutcomes()
    failed = {k: v for k, v in outcomes.items() if k not in ("passed",)}
    assert result.ret == 0 and not failed, result.stdout.str()[-6000:]
    collected = re.search(r"collected (\d+) items?", result.stdout.str())
    assert collected, result.stdout.str()[-6000:]
    assert outcomes.get("passed") == int(collected.group(1)) >= len(blocks)
    # Every example shows up by name, so a renamed or skipped one is noticed.
    for name in re.findall(r"^def (test_\w+)", source, re.M):
        result.stdout.fnmatch_lines([f"*::{name}* PASSED*"])
