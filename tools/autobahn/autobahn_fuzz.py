"""Drive kosoku in both modes and turn its results into a :class:`RunSummary`.

kosoku (PyPI) runs the Autobahn|Testsuite case files from a Rust core:

- fuzzingserver mode (client under test): ``kosoku.run_fuzzingserver(cases, exclude, host=,
  port=)`` is an async context manager; the client talks to it like to Autobahn's wstest:
  ``/getCaseCount`` (a text message with the count), ``/runCase?case=N&agent=A`` for N = 1 … count
  (N indexes the *selected* cases in numeric order), then ``/updateReports?agent=A``, after which
  ``get_result()`` returns. Without ``/updateReports`` it never returns.
- fuzzingclient mode (server under test): ``await kosoku.run_fuzzingclient(url, cases, exclude,
  concurrency=)`` opens one connection per case and returns the results.

Both raise ``kosoku.FailureError`` (carrying ``.results``) when a case does not pass by kosoku's
own rule; we take the results either way and judge them with :mod:`autobahn_cases`.
"""

from __future__ import annotations

import asyncio
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import kosoku
import websocket
from autobahn_cases import CaseOutcome, RunSummary


def exit_now(code: int) -> None:
    """End the runner process with ``code`` once its output is written, without interpreter
    finalisation.

    kosoku's Rust core keeps worker threads of its own; one may still be finishing a case
    (a case failed by the wrong endpoint waits ~10 s for its close) when the runner is done.
    On Python < 3.14 such a native thread that re-enters Python during finalisation is
    terminated with ``pthread_exit``, which aborts the process (SIGABRT, exit -6) instead of
    returning ``code`` (CPython gh-87135). Everything of ours has been stopped and joined by
    then: the runners call this after their servers and agents are closed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class ClientAgent(Protocol):
    """A WebSocket client under test, as the client runner drives it.

    ``run_case(url)`` connects to ``url``, echoes every text and binary message back unchanged
    (text as text, binary as binary) until the server closes, then returns. It runs on the
    runner's main thread, one case at a time, and must return within a bounded time whatever
    the server does (the agent owns that bound). It should not raise for anything a fuzzing
    server may legitimately do (protocol errors, abrupt drops); an exception is recorded as a
    harness error for that case.
    """

    name: str

    def run_case(self, url: str) -> None: ...


class FuzzingServerThread:
    """kosoku's fuzzing server on its own asyncio loop in a thread owned by this object.

    ``start()`` returns once the server listens (or raises); ``wait_result()`` joins the thread
    after the client has sent ``/updateReports``; ``stop()`` cancels and joins (bounded) and is
    safe to call at any time. Use as a context manager to guarantee ``stop()``.
    """

    def __init__(self, case_ids: Sequence[str], host: str = "127.0.0.1", port: int = 0) -> None:
        self._case_ids = list(case_ids)
        self._host = host
        self._requested_port = port
        self.port = 0
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._stopping = False
        self._results: list[Any] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kosoku-fuzzingserver",
                                        daemon=True)

    def __enter__(self) -> FuzzingServerThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 10.0) -> int:
        """Start serving; return the bound port. Raises RuntimeError if it cannot listen."""
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"kosoku fuzzing server did not start within {timeout} s")
        if self._error is not None:
            raise RuntimeError(f"kosoku fuzzing server failed to start: {self._error!r}")
        return self.port

    def wait_result(self, timeout: float) -> list[Any]:
        """Wait for the run's results (after ``/updateReports``); raise TimeoutError if late."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"kosoku did not deliver results within {timeout} s")
        if self._error is not None:
            raise RuntimeError(f"kosoku fuzzing server failed: {self._error!r}")
        return self._results or []

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the server if still running and join its thread (bounded)."""
        with self._lock:
            self._stopping = True
            if self._loop is not None and self._task is not None and not self._task.done():
                self._loop.call_soon_threadsafe(self._task.cancel)
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"kosoku fuzzing server thread did not stop within {timeout} s")

    async def _serve(self) -> None:
        with self._lock:
            if self._stopping:
                return
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
        async with kosoku.run_fuzzingserver(self._case_ids, None, host=self._host,
                                            port=self._requested_port) as server:
            self.port = server.port
            self._ready.set()
            try:
                self._results = await server.get_result()
            except kosoku.FailureError as failure:
                self._results = failure.results

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # reported to the owner through start()/wait_result()
            self._error = exc
        finally:
            self._ready.set()


def _control_request(url: str, timeout: float) -> str:
    """Open a control connection (getCaseCount/updateReports) and return its text, if any."""
    ws = websocket.WebSocket()
    ws.connect(url, timeout=timeout)
    try:
        text = ""
        while True:
            opcode, data = ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return text
            if opcode == websocket.ABNF.OPCODE_TEXT:
                text = data.decode("utf-8")
    except websocket.WebSocketConnectionClosedException:
        return text
    finally:
        ws.shutdown()


def run_client_suite(
    agent_factory: Callable[[], ClientAgent],
    case_ids: Sequence[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    jobs: int = 1,
    case_timeout: float = 60.0,
    result_timeout: float = 60.0,
    report_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunSummary:
    """Serve ``case_ids`` with kosoku and drive agents through them; return the summary.

    ``jobs == 1``: one agent from ``agent_factory`` runs every case on the calling thread (so a
    component agent's home thread is the caller's). ``jobs > 1``: that many worker threads, each
    with its own agent (its home thread), take cases from a shared queue; the cases are
    independent connections, so this only shortens the cases that wait on timers (5.19, 6.4.x, …).
    ``case_timeout`` bounds the wait for each worker's current case.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    errors: list[str] = []
    started = time.perf_counter()
    with FuzzingServerThread(case_ids, host, port) as server:
        bound = server.start()
        base = f"ws://{host}:{bound}"
        count = int(_control_request(f"{base}/getCaseCount", timeout=10.0))
        if count != len(case_ids):
            errors.append(f"kosoku serves {count} cases, the harness selected {len(case_ids)}")
        work: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()
        for item in enumerate(case_ids[:count], start=1):
            work.put(item)
        lock = threading.Lock()
        name = ""

        def drive(agent: ClientAgent) -> None:
            nonlocal name
            name = agent.name
            while True:
                try:
                    index, case_id = work.get_nowait()
                except queue.Empty:
                    return
                case_started = time.perf_counter()
                try:
                    agent.run_case(f"{base}/runCase?case={index}&agent={agent.name}")
                except Exception as exc:
                    with lock:
                        errors.append(f"agent {agent.name} raised in case {case_id}: {exc!r}")
                if progress is not None:
                    progress(f"{case_id} done in {time.perf_counter() - case_started:.3f} s")

        if jobs == 1:
            drive(agent_factory())
        else:
            _drive_in_threads(drive, agent_factory, jobs, count, case_timeout, errors)
        _control_request(f"{base}/updateReports?agent={name}", timeout=10.0)
        results = server.wait_result(result_timeout)
    return _summarise(f"client agent {name!r}", case_ids, results, started, errors, report_dir)


def _drive_in_threads(drive: Callable[[ClientAgent], None],
                      agent_factory: Callable[[], ClientAgent], jobs: int, count: int,
                      case_timeout: float, errors: list[str]) -> None:
    """Run ``drive`` on ``jobs`` owned threads, each with its own agent; join them (bounded)."""
    failures: list[str] = []

    def worker() -> None:
        try:
            drive(agent_factory())
        except Exception as exc:
            failures.append(f"agent worker failed: {exc!r}")

    threads = [threading.Thread(target=worker, name=f"autobahn-agent-{i}", daemon=True)
               for i in range(jobs)]
    for thread in threads:
        thread.start()
    # Each case is bounded by the agent; a worker runs at most ceil(count / jobs)-ish cases,
    # but a fast worker may take more, so the bound is per case over all cases.
    deadline = time.monotonic() + case_timeout * count
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            raise TimeoutError(f"{thread.name} did not finish its cases in time")
    errors.extend(failures)


def run_server_suite(
    url: str,
    target_name: str,
    case_ids: Sequence[str],
    *,
    concurrency: int = 1,
    timeout: float = 600.0,
    report_dir: Path | None = None,
) -> RunSummary:
    """Run kosoku's fuzzing client against the server at ``url``; return the summary."""
    errors: list[str] = []
    started = time.perf_counter()

    async def drive() -> list[Any]:
        try:
            return await asyncio.wait_for(
                kosoku.run_fuzzingclient(url, list(case_ids), None, concurrency=concurrency),
                timeout,
            )
        except kosoku.FailureError as failure:
            return list(failure.results)

    try:
        results = asyncio.run(drive())
    except TimeoutError:
        errors.append(f"kosoku fuzzing client did not finish within {timeout} s")
        results = []
    return _summarise(f"server {target_name!r}", case_ids, results, started, errors, report_dir)


def _summarise(target: str, case_ids: Sequence[str], results: list[Any], started: float,
               errors: list[str], report_dir: Path | None) -> RunSummary:
    seconds = time.perf_counter() - started
    if report_dir is not None and results:
        # kosoku's report writer is private API; the reports are a convenience, not the verdict.
        from kosoku._report import write_reports

        write_reports(results, str(report_dir))
    outcomes = [CaseOutcome.from_kosoku(r) for r in results]
    return RunSummary(target, list(case_ids), outcomes, seconds, errors)
