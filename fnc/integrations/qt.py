"""Deliver fnc events through the Qt event loop (PySide6, the ``qt`` extra).

::

    app = QApplication([])
    fnc_qt.install()           # on the GUI thread, after the Q(Core)Application exists
    app.exec()                 # queued events now run as Qt queued calls

A post from a worker thread emits a signal into the GUI thread (a queued connection), so
delivery needs no polling.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal

from fnc.integrations._base import LoopAdapter

__all__ = ["QtAdapter", "install", "process_until"]


class _Waker(QObject):
    wake = Signal()


class QtAdapter(LoopAdapter):
    """Pumps the GUI thread's message queue from Qt queued calls."""

    def __init__(self) -> None:
        super().__init__()
        if QCoreApplication.instance() is None:
            raise RuntimeError("create the QApplication/QCoreApplication before installing")
        self._waker = _Waker()
        self._waker.wake.connect(self._pump)  # queued when emitted from another thread
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._wake)

    def _call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        self._waker.wake.emit()

    def _call_later(self, delay: float, fn: Callable[[], None]) -> None:
        self._timer.start(max(0, int(delay * 1000 + 0.999)))

    def _cancel_later(self) -> None:
        self._timer.stop()


def install() -> QtAdapter:
    """Start delivering the calling (GUI) thread's queued calls through the Qt event loop."""
    adapter = QtAdapter()
    adapter.install()
    return adapter


def process_until(predicate: Callable[[], object], timeout: float = 5.0) -> bool:
    """Run Qt's event loop until ``predicate()`` holds or ``timeout`` passes.

    Returns whether the predicate held.
    """
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    while not predicate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bool(predicate())
        wait_ms = min(5, int(remaining * 1000) + 1)
        loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, wait_ms)
    return True
