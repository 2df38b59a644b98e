"""Fixtures of the ``fnc-ws port`` tests: the test units ported once into a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from port_support import copy_units, on_path, port_unit

#: Units in the order they are ported (an ancestor before its descendants).
PORTED = ["ChatClient", "ServerMain", "SharedData", "BaseDialog", "LoginDialog", "Tokenizer"]


@pytest.fixture(scope="module")
def ported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding every test unit, its form and its generated module, on sys.path."""
    folder = tmp_path_factory.mktemp("ported")
    copy_units(folder)
    for name in PORTED:
        port_unit(folder, name)
    with on_path(folder, PORTED):
        yield folder
