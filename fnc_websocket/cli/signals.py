"""Ctrl-C and SIGTERM as a polite stop request for the long-running commands.

A signal handler runs on the main thread between two bytecodes, possibly while that thread holds
a lock of the message pump; so it only writes one byte to a pipe. An owned watcher thread reads
the pipe and calls ``on_stop(signal_name)`` there, where taking locks (``Application.Terminate``,
posting to a message queue) is safe.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

__all__ = ["StopSignals"]

_JOIN_TIMEOUT = 2.0
_STOP_WATCHER = 0


def _stop_signals() -> list[signal.Signals]:
    names = ("SIGINT", "SIGTERM")
    return [getattr(signal, n) for n in names if hasattr(signal, n)]


class StopSignals:
    """While entered, SIGINT and SIGTERM call ``on_stop(name)`` on a watcher thread.

    On exit the previous handlers are restored and the watcher is stopped and joined. Entering
    on a thread other than the main thread installs nothing (Python allows signal handlers only
    there); the stop request then never comes.
    """

    def __init__(self, on_stop: Callable[[str], None]) -> None:
        self._on_stop = on_stop
        self._previous: dict[signal.Signals, Any] = {}
        self._read_fd = -1
        self._write_fd = -1
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._thread = threading.Thread(target=self._watch, name="fnc-ws-signals", daemon=True)
        self._thread.start()
        for sig in _stop_signals():
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()
        thread = self._thread
        if thread is not None:
            self._notify(_STOP_WATCHER)
            thread.join(_JOIN_TIMEOUT)
            self._thread = None
            os.close(self._write_fd)
            if not thread.is_alive():
                os.close(self._read_fd)

    def _notify(self, number: int) -> None:
        try:
            os.write(self._write_fd, bytes([number]))
        except OSError:
            pass  # the pipe is full: a stop request is already waiting

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._notify(signum)

    def _watch(self) -> None:
        while True:
            data = os.read(self._read_fd, 64)
            for number in data:
                if number == _STOP_WATCHER:
                    return
                self._on_stop(signal.Signals(number).name)
            if not data:
                return
