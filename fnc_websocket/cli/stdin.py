"""Reading standard input line by line on an owned thread, for ``fnc-ws connect``.

On POSIX the thread waits on the input and a wake-up pipe together, so :meth:`LineReader.stop`
ends it at once even when no input comes. Windows cannot wait on a console or pipe that way:
there the thread blocks in ``readline`` and ``stop`` leaves it behind after a bounded join (it is
a daemon thread and ends with the process).
"""

from __future__ import annotations

import os
import select
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["LineReader"]

_JOIN_TIMEOUT = 2.0
_CHUNK = 65536


class LineReader:
    """Calls ``on_line(line)`` for each line of ``stream`` (bytes, without the line break), then
    ``on_eof()`` once at the end of input, all on the reader thread."""

    def __init__(self, stream: BinaryIO | None, on_line: Callable[[bytes], None],
                 on_eof: Callable[[], None]) -> None:
        self._stream = stream
        self._on_line = on_line
        self._on_eof = on_eof
        self._thread: threading.Thread | None = None
        self._wake_r = -1
        self._wake_w = -1

    def start(self) -> None:
        """Start the reader thread. A stream without a file descriptor counts as empty."""
        try:
            self._fd: int | None = self._stream.fileno() if self._stream is not None else None
        except (AttributeError, OSError, ValueError):
            self._fd = None
        if self._fd is None:
            target = self._on_eof
        elif os.name == "posix":
            self._wake_r, self._wake_w = os.pipe()
            target = self._run_posix
        else:  # pragma: no cover - exercised on Windows only
            target = self._run_blocking
        self._thread = threading.Thread(target=target, name="fnc-ws-stdin", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reader thread and join it (bounded); no callback runs after this returns
        on POSIX."""
        thread = self._thread
        if thread is None:
            return
        self._thread = None
        if self._wake_w >= 0:
            os.write(self._wake_w, b"x")
        if thread is not threading.current_thread():
            thread.join(_JOIN_TIMEOUT)
        if self._wake_w >= 0:
            os.close(self._wake_w)
            if not thread.is_alive():
                os.close(self._wake_r)
            self._wake_w = self._wake_r = -1

    def _run_posix(self) -> None:
        fd = self._fd
        assert fd is not None
        pending = b""
        while True:
            ready, _, _ = select.select([fd, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._on_line(line.removesuffix(b"\r"))
        if pending:
            self._on_line(pending.removesuffix(b"\r"))
        self._on_eof()

    def _run_blocking(self) -> None:  # pragma: no cover - Windows only
        for line in iter(self._stream.readline, b""):
            self._on_line(line.rstrip(b"\r\n"))
        self._on_eof()


def stdin_binary() -> BinaryIO | None:
    """Standard input as a binary stream (None when the process has none)."""
    return getattr(sys.stdin, "buffer", None)
