"""Fixtures of the command-line tests: ``cli`` starts ``python -m fnc_websocket`` processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import CliProcess


@pytest.fixture
def cli() -> Iterator[Callable[..., CliProcess]]:
    """Start the command with the given arguments; every process is killed (if still running)
    and its reader threads joined at teardown."""
    started: list[CliProcess] = []

    def start(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
              ) -> CliProcess:
        process = CliProcess(list(args), cwd=cwd, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()
