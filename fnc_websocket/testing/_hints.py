"""Hints for a failed wait: running mock servers say what they saw that the test may not expect.

``wait_for`` appends them to its timeout message, so a test that forgot ``echo=True``, or whose
client sent what a cassette did not record, fails with the reason instead of a bare timeout.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

__all__ = ["collect", "register", "unregister"]

_lock = threading.Lock()
_providers: dict[int, Callable[[], list[str]]] = {}
_tokens = itertools.count(1)


def register(provider: Callable[[], list[str]]) -> int:
    """Add a hint provider (called on the waiting thread after a timeout); returns its token."""
    with _lock:
        token = next(_tokens)
        _providers[token] = provider
        return token


def unregister(token: int) -> None:
    """Remove the provider registered under ``token`` (unknown tokens are ignored)."""
    with _lock:
        _providers.pop(token, None)


def collect() -> list[str]:
    """Every hint of every registered provider, in registration order."""
    with _lock:
        providers = list(_providers.values())
    hints: list[str] = []
    for provider in providers:
        hints.extend(provider())
    return hints
