"""The Application object: the message pump, Run/Terminate, exception routing, waiting helpers.

Pumping methods serve the *calling* thread's message queue, so a component created on a worker
thread is served when that worker pumps. Scripts and tests wait with
:meth:`TApplication.ProcessMessagesUntil` instead of sleeping::

    client.Connect()
    assert Application.ProcessMessagesUntil(lambda: connected, timeout=5)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fnc.component import TComponent
from fnc.events import Event, set_exception_handler
from fnc.threads import MessageQueue, current_queue

__all__ = ["Application", "TApplication", "set_form_loader"]

log = logging.getLogger("fnc")

C = TypeVar("C", bound=TComponent)

FormLoader = Callable[[type[TComponent], TComponent, dict[str, Any]], TComponent]

_form_loader: FormLoader | None = None


def set_form_loader(loader: FormLoader) -> None:
    """Install the function ``CreateForm`` uses: ``loader(InstanceClass, owner, props)``.

    :mod:`fnc.streaming` installs its form-file loader when it is imported (``import fnc`` does
    that); this layer does not import the streaming layer above it.
    """
    global _form_loader
    _form_loader = loader


_UNTIL_SLICE = 0.005
"""Longest a ProcessMessagesUntil wait blocks before re-checking a predicate that changed
without a queued call (for example a flag set by another thread)."""


class TApplication(TComponent):
    """Delphi's ``TApplication`` without windows: pump, exception routing, form creation."""

    OnException = Event(
        "Sender", "E", marshal=False,
        doc="A handler raised E. Runs on the thread where it happened. Unassigned: the "
            "exception is logged with its traceback (logger 'fnc') and the program goes on.")

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        super().__init__(AOwner, **props)
        self._terminated = threading.Event()
        self._run_queue: MessageQueue | None = None
        self.MainForm: TComponent | None = None

    # -- exceptions -------------------------------------------------------------------------

    def HandleException(self, E: BaseException, Sender: Any = None) -> None:
        """Report an exception that a handler or queued call raised, then return.

        Calls ``OnException(Sender, E)`` and its listeners (``Sender``: the component whose
        handler raised, else Application); without a handler it logs ``E`` with its traceback.
        Never raises (a failing ``OnException`` handler is logged too).
        """
        handler = self.OnException
        if handler is None:
            where = (getattr(Sender, "Name", "") or type(Sender).__name__) if Sender else "?"
            log.error("Unhandled exception in an event of %s", where, exc_info=E)
        for fn in TApplication.OnException.receivers(self):
            try:
                fn(self if Sender is None else Sender, E)
            except Exception:
                log.exception("OnException handler failed while reporting %r", E)

    # -- pumping ----------------------------------------------------------------------------

    def ProcessMessages(self) -> bool:
        """Run the calls queued to the calling thread; return whether any ran.

        Exceptions from queued calls go to :meth:`HandleException`; the rest still run.
        """
        return self._pump(current_queue(), 0.0)

    def _pump(self, q: MessageQueue, timeout: float) -> bool:
        ran = False
        while True:
            try:
                return q.process(timeout) or ran
            except Exception as exc:
                ran = True
                timeout = 0.0
                self.HandleException(exc)

    def HandleMessage(self, timeout: float = 1.0) -> bool:
        """Wait up to ``timeout`` seconds for queued calls and run them."""
        return self._pump(current_queue(), timeout)

    def ProcessMessagesUntil(self, predicate: Callable[[], object], timeout: float = 5.0) -> bool:
        """Pump the calling thread's queue until ``predicate()`` is true or ``timeout`` passes.

        Returns whether the predicate held. The predicate is checked before each wait and after
        every batch of calls, so it may depend on handlers or on other threads.
        """
        q = current_queue()
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bool(predicate())
            try:  # (_pump's common case, inline)
                q.process(remaining if remaining < _UNTIL_SLICE else _UNTIL_SLICE)
            except Exception as exc:
                self.HandleException(exc)
                self._pump(q, 0.0)  # the calls that were due behind it, as _pump runs them

    def Run(self, timeout: float | None = None) -> bool:
        """Pump the calling thread's queue until :meth:`Terminate` (or ``timeout`` seconds).

        Returns True when terminated, False when the timeout ended it. ``Terminated`` is reset
        on return, so ``Run`` can be called again.
        """
        q = current_queue()
        self._run_queue = q
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self._terminated.is_set():
                wait = 0.25
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    wait = min(wait, remaining)
                self._pump(q, wait)
            return True
        finally:
            self._run_queue = None
            self._terminated.clear()

    def Terminate(self) -> None:
        """Ask :meth:`Run` to return (from any thread), and close ``MainForm``.

        A ``TForm`` main form gets ``OnClose`` and is hidden (``OnHide``): at once on its home
        thread, else at the next pump of that thread.
        """
        self._terminated.set()
        q = self._run_queue
        if q is not None:
            q.wake()
        main = self.MainForm
        close = getattr(main, "_fnc_application_terminated", None)
        if main is not None and close is not None and not main.is_destroyed:
            if main.home_queue.thread is threading.current_thread():
                close()
            else:
                main.home_queue.post(close, (), main)

    @property
    def Terminated(self) -> bool:
        """True between :meth:`Terminate` and the end of :meth:`Run`."""
        return self._terminated.is_set()

    # -- forms ------------------------------------------------------------------------------

    def CreateForm(self, InstanceClass: type[C], **props: Any) -> C:
        """Create a form or data module owned by Application, loaded from its form file.

        The form file is found beside the class's module or in ``designer_specs/`` (see
        ``fnc.streaming``). The first form created becomes ``MainForm``.
        """
        if _form_loader is None:
            raise RuntimeError("no form loader installed: import fnc.streaming")
        instance = _form_loader(InstanceClass, self, props)
        if self.MainForm is None:
            self.MainForm = instance
        return instance


Application = TApplication(None)
"""The process-wide application object (Delphi's global ``Application``)."""

set_exception_handler(Application.HandleException)
