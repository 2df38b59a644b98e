"""The documentation hangs together: the index maps every page, and relative links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
LINK = re.compile(r"\]\((?P<target>[^)#\s]+\.md)(?:#(?P<anchor>[^)\s]+))?\)")


def anchors(page: Path) -> set[str]:
    """GitHub-style anchors of the page's headings."""
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", page.read_text(encoding="utf-8"), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_index_links_every_page() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = {m.group("target") for m in LINK.finditer(index)}
    missing = [p.name for p in PAGES if p.name != "index.md" and p.name not in linked]
    assert not missing, f"docs/index.md does not list: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for m in LINK.finditer(page.read_text(encoding="utf-8")):
        target = m.group("target")
        if "://" in target:
            continue
        path = (page.parent / target).resolve()
        if not path.is_file():
            broken.append(target)
        elif m.group("anchor") and m.group("anchor") not in anchors(path):
            broken.append(f"{target}#{m.group('anchor')}")
    assert not broken, f"{page.name}: broken links {broken}"
