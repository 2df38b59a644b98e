"""Deliver fnc events through a running asyncio loop, and await component events.

::

    async def main():
        fnc_asyncio.install()                  # on the loop's thread, once
        client.Connect()
        await fnc_asyncio.wait_for_event(client, "OnConnect", timeout=5)

No manual pumping is needed while the adapter is installed: queued calls for the loop's thread
run as loop callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fnc.component import TComponent
from fnc.events import listen
from fnc.integrations._base import LoopAdapter

__all__ = ["AsyncioAdapter", "install", "uninstall", "wait_for_event", "wait_until"]

_RECHECK = 0.005
"""Seconds between re-checks of a ``wait_until`` predicate that no queued call changes."""


class AsyncioAdapter(LoopAdapter):
    """Pumps the loop thread's message queue from ``loop`` callbacks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self._later: asyncio.TimerHandle | None = None

    def _call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(fn)

    def _call_later(self, delay: float, fn: Callable[[], None]) -> None:
        self._later = self.loop.call_later(delay, fn)

    def _cancel_later(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None


_adapters: dict[asyncio.AbstractEventLoop, AsyncioAdapter] = {}


def install(loop: asyncio.AbstractEventLoop | None = None) -> AsyncioAdapter:
    """Install (once) the adapter for ``loop`` (default: the running loop). Call on its thread."""
    loop = loop or asyncio.get_running_loop()
    adapter = _adapters.get(loop)
    if adapter is None:
        adapter = AsyncioAdapter(loop)
        _adapters[loop] = adapter
    adapter.install()
    return adapter


def uninstall(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Remove the adapter of ``loop`` (default: the running loop)."""
    loop = loop or asyncio.get_running_loop()
    adapter = _adapters.pop(loop, None)
    if adapter is not None:
        adapter.uninstall()


async def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> bool:
    """Await until ``predicate()`` holds or ``timeout`` seconds pass; return whether it held.

    The predicate is checked after every pump of queued calls (and every few milliseconds, for
    changes made by other threads). Installs the adapter on the running loop if needed.
    """
    adapter = install()
    if predicate():
        return True
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bool] = loop.create_future()

    def check() -> None:
        if not future.done() and predicate():
            future.set_result(True)

    def recheck() -> None:
        check()
        if not future.done():
            timer[0] = loop.call_later(_RECHECK, recheck)

    timer = [loop.call_later(_RECHECK, recheck)]
    adapter.after_pump.append(check)
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        return bool(predicate())
    finally:
        adapter.after_pump.remove(check)
        timer[0].cancel()


async def wait_for_event(component: TComponent, event: str,
                         timeout: float = 5.0) -> tuple[Any, ...]:
    """Await the next ``event`` of ``component``; return its arguments (``Sender`` first).

    Raises ``TimeoutError`` when it does not fire within ``timeout`` seconds.
    """
    install()
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def seen(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    unsubscribe = listen(component, event, seen)
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise TimeoutError(f"{event} of {component!r} did not fire within {timeout:g} s") from None
    finally:
        unsubscribe()
