"""Condition-based waits over the mock server's records (no sleeping, always bounded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["MockTimeoutError", "wait_consume", "wait_until"]

T = TypeVar("T")


class MockTimeoutError(TimeoutError):
    """A mock server wait ran out of time; the message says what was awaited and what was seen."""


def wait_until(
    cond: threading.Condition,
    ready: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
    give_up: Callable[[], str | None] = lambda: None,
) -> None:
    """Wait on ``cond`` (not held by the caller) until ``ready()`` is true.

    ``give_up()`` returning a string ends the wait early with that explanation (e.g. the connection
    closed, so the awaited thing can never happen). Raises :class:`MockTimeoutError`.
    """
    deadline = time.monotonic() + timeout
    with cond:
        while not ready():
            hopeless = give_up()
            if hopeless is not None:
                raise MockTimeoutError(f"{describe()}: {hopeless}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MockTimeoutError(f"{describe()}: nothing within {timeout:g} s")
            cond.wait(remaining)


def wait_consume(
    cond: threading.Condition,
    items: Sequence[T],
    consumed: set[int],
    predicate: Callable[[T], bool],
    timeout: float,
    describe: Callable[[], str],
    give_up: Callable[[], str | None] = lambda: None,
) -> T:
    """Return the first item of ``items`` (a list that grows under ``cond``) matching ``predicate``
    whose index is not in ``consumed``, and mark it consumed; wait for one if there is none yet."""
    found: list[T] = []

    def ready() -> bool:
        for index, item in enumerate(items):
            if index not in consumed and predicate(item):
                consumed.add(index)
                found.append(item)
                return True
        return False

    wait_until(cond, ready, timeout, describe, give_up)
    return found[0]
