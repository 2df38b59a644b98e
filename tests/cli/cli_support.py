"""Running ``python -m fnc_websocket`` as a real subprocess, with bounded line reads.

Each output stream is read by its own thread into a queue, so a test waits for a line with
``queue.get(timeout)``, never by sleeping. ``CliProcess.close`` kills a process that is still
running and joins the reader threads.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0
"""Seconds a test waits for any one thing the command should do."""


class _LineCollector:
    """Reads a text stream on a thread; lines go to a queue (None marks the end)."""

    def __init__(self, stream: IO[str], name: str) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._stream = stream
        self._thread = threading.Thread(target=self._run, name=f"cli-test-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for line in self._stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """The first line (not read before) matching ``pattern``; fails after ``timeout``."""
        regex = re.compile(pattern)
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {timeout} s; "
                                     f"lines so far: {self.seen!r}") from None
            if line is None:
                self.lines.put(None)
                raise AssertionError(f"the stream ended without a line matching {pattern!r}; "
                                     f"lines: {self.seen!r}")
            self.seen.append(line)
            match = regex.search(line)
            if match:
                return match

    def rest(self, timeout: float = TIMEOUT) -> list[str]:
        """Every remaining line until the stream ends (the process must be ending)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the stream did not end within {timeout} s") from None
            if line is None:
                self.lines.put(None)
                return self.seen
            self.seen.append(line)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class CliProcess:
    """``python -m fnc_websocket ARGS`` with piped stdin, stdout and stderr."""

    def __init__(self, args: Sequence[str], cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fnc_websocket", *args], cwd=cwd or ROOT, env=full_env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stdout = _LineCollector(self.proc.stdout, "stdout")
        self.stderr = _LineCollector(self.proc.stderr, "stderr")

    def write(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = TIMEOUT) -> int:
        """The exit status; fails (and kills) when the process does not end in time."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
            raise AssertionError(f"the command did not exit within {timeout} s; stdout: "
                                 f"{self.stdout.seen!r}, stderr: {self.stderr.seen!r}") from None

    def close(self) -> None:
        """Kill the process if it still runs; join the reader threads."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self.stdout.join(TIMEOUT)
        self.stderr.join(TIMEOUT)
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()  # type: ignore[union-attr]


def run_cli(args: Sequence[str], *, input: str | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None,
            timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run the command to its end (bounded) and return its status and output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "fnc_websocket", *args], cwd=cwd or ROOT,
                          env=full_env, input=input if input is not None else "",
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def assert_one_line_error(stderr: str, *fragments: str) -> str:
    """stderr is exactly one ``fnc-ws ...: error: ...`` line containing every fragment."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected one error line, got: {lines!r}"
    line = lines[0]
    assert re.match(r"fnc-ws \w+: error: ", line), line
    for fragment in fragments:
        assert fragment.lower() in line.lower(), f"{fragment!r} not in {line!r}"
    return line
