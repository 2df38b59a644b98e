"""Pausing Python's cyclic garbage collector while a form file is turned into objects.

Parsing and reading a large form creates hundreds of thousands of small objects that all stay
alive, so each automatic collection scans them again for nothing (a third of a 10,000-component
read). :func:`paused_gc` turns automatic collection off for the duration of a parse, read or write
and back on afterwards, only if it was on; reference counting frees memory as usual meanwhile.
Nested and concurrent uses (several threads reading forms) share one pause: collection resumes
when the last one ends.

What the pause made and kept (a loaded form: its components live as long as the form) is
long-lived, so when the pause ends it goes to the oldest generation at once (``gc.freeze()``
then ``gc.unfreeze()`` move every tracked object there without scanning any) instead of being
scanned by the young collection that re-enabling would trigger (a tenth of a 10,000-component
read), then by the middle one. Cyclic garbage among those objects is found by the next full
collection. This is skipped when the program keeps objects frozen itself
(``gc.get_freeze_count()`` is not zero): unfreezing would release them.

Syntax layer: no component knowledge.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable automatic garbage collection inside the ``with`` block (see the module doc)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                if gc.get_freeze_count() == 0:
                    gc.freeze()  # promote without a scan (see the module doc)
                    gc.unfreeze()
                gc.enable()
