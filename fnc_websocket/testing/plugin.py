"""pytest plugin of fnc_websocket, active once the package is installed (``pytest11`` entry point).

Fixtures:

* ``ws_mock_server`` — a started :class:`MockWebSocketServer`, stopped (every thread joined) at
  teardown. Constructor options come from the ``ws_mock_server`` marker::

      @pytest.mark.ws_mock_server(echo=True, tls=True)
      def test_tls_echo(ws_mock_server): ...

* ``ws_mock_server_factory`` — ``factory(**options)`` returns a new started server each call; all
  of them are stopped at teardown.
* ``fnc_app`` — the ``Application`` object, guarded: at teardown it pumps the test thread's queue,
  frees every component the test created (roots of what it created, last first), and fails the
  test (a teardown error) if any handler raised (``Application.OnException``) or if a thread the
  test started is still alive after a bounded join.
* ``wait_for`` — ``wait_for(predicate, timeout=5.0)`` pumps the test thread's queue until the
  predicate holds (AssertionError on timeout); also importable from
  ``fnc_websocket.testing.app_helpers``.
* ``record_events`` — ``record_events(component)`` returns an ordered list of ``(event name, args)``
  fired on the component's home thread; recording stops at teardown.
* ``ws_cassette`` — for a test marked ``@pytest.mark.ws_cassette("feed.json", target=...)``: a
  :class:`~fnc_websocket.testing.cassette_fixture.CassetteSession` that records the conversation
  with the real server through a relay, or replays the cassette on a mock, as ``--ws-record``
  (``none``, ``once``, ``all``) says. Cassettes live in ``cassettes/`` beside the test file (ini
  option ``ws_cassette_dir``).

The mock fixtures fail a test at teardown when a mock received a message that nothing handled
(no script step, rule, echo or pending fault), unless the mock was made with
``report_unhandled=False``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fnc.application import TApplication
from fnc_websocket.testing import app_helpers
from fnc_websocket.testing.app_helpers import AppGuard, EventRecord
from fnc_websocket.testing.cassette_fixture import RECORD_MODES, CassetteSession, CassetteSetupError
from fnc_websocket.testing.mock_server import MockWebSocketServer

__all__ = ["fnc_app", "record_events", "wait_for", "ws_cassette", "ws_mock_server",
           "ws_mock_server_factory"]

MockServerFactory = Callable[..., MockWebSocketServer]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("fnc_thread_timeout", "seconds fnc_app waits for threads a test started "
                  "before failing it (default 5)", default="5")
    parser.addini("ws_cassette_dir", "folder of ws_cassette files, relative to each test file "
                  "(default: cassettes)", default="cassettes")
    group = parser.getgroup("fnc_websocket")
    group.addoption("--ws-record", choices=RECORD_MODES, default=None, dest="ws_record",
                    help="ws_cassette tests: none (default) replays and never records; once "
                         "records a missing cassette; all records every cassette again. "
                         "Overrides the marker's record_mode")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ws_mock_server(**options): MockWebSocketServer constructor options for the "
        "ws_mock_server fixture (echo=True, tls=True, path=..., faults=[...], ...)",
    )
    config.addinivalue_line(
        "markers",
        "ws_cassette(name=None, *, target=None, record_mode='none', match='order', "
        "timing='none', ignore_fields=(), **mock_options): record the test's WebSocket "
        "conversation with target into cassettes/name, or replay it (see --ws-record)",
    )


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test's call phase passed (a failed recording is not saved)."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


@pytest.fixture
def ws_mock_server_factory() -> Iterator[MockServerFactory]:
    """Make started mock servers: ``ws_mock_server_factory(echo=True)``; all stopped at teardown."""
    servers: list[MockWebSocketServer] = []

    def make(**options: Any) -> MockWebSocketServer:
        server = MockWebSocketServer(**options)
        servers.append(server)
        return server.start()

    yield make
    problems = []
    for server in reversed(servers):
        try:
            server.stop()
        except RuntimeError as exc:
            problems.append(str(exc))
        if server.report_unhandled:
            problems.extend(
                f"the mock received {message.data!r} that no rule handled (give it echo=True, "
                "a when()/expect() rule, or report_unhandled=False)"
                for message in server.unhandled_messages
            )
    if problems:
        pytest.fail("mock server teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def ws_mock_server(
    request: pytest.FixtureRequest, ws_mock_server_factory: MockServerFactory
) -> MockWebSocketServer:
    """A started mock WebSocket server on 127.0.0.1 (options: ``@pytest.mark.ws_mock_server``)."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("ws_mock_server"))):
        if marker.args:
            pytest.fail("@pytest.mark.ws_mock_server takes keyword options only", pytrace=False)
        options.update(marker.kwargs)
    return ws_mock_server_factory(**options)


@pytest.fixture
def fnc_app(pytestconfig: pytest.Config) -> Iterator[TApplication]:
    """The ``Application`` object; teardown frees the test's components and fails the test on
    handler exceptions or leftover threads (ini option ``fnc_thread_timeout`` bounds the join)."""
    guard = AppGuard()
    guard.start()
    yield guard.application
    problems = guard.finish(float(pytestconfig.getini("fnc_thread_timeout")))
    if problems:
        pytest.fail("fnc_app: " + "\n\n".join(problems), pytrace=False)


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """``wait_for(predicate, timeout=5.0, message=None)``: pump until the predicate holds."""
    return app_helpers.wait_for


@pytest.fixture
def record_events() -> Iterator[Callable[..., EventRecord]]:
    """``record_events(component, events=None)`` → ordered ``(event name, args)`` list."""
    records: list[EventRecord] = []

    def start(component: Any, events: list[str] | None = None) -> EventRecord:
        record = app_helpers.record_events(component, events)
        records.append(record)
        return record

    yield start
    for record in records:
        record.stop()


def _cassette_path(request: pytest.FixtureRequest, name: str | None) -> Path:
    folder = Path(request.node.path).parent / str(request.config.getini("ws_cassette_dir"))
    if name is None:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
        name = f"{Path(request.node.path).stem}.{safe}.json"
    return folder / name


@pytest.fixture
def ws_cassette(request: pytest.FixtureRequest) -> Iterator[CassetteSession]:
    """Record this test's conversation with the real server, or replay it (``--ws-record``);
    options from ``@pytest.mark.ws_cassette("name.json", target=..., timing=...)``."""
    marker = request.node.get_closest_marker("ws_cassette")
    if marker is None:
        pytest.fail("the ws_cassette fixture needs @pytest.mark.ws_cassette(\"name.json\", ...)",
                    pytrace=False)
    if len(marker.args) > 1 or (marker.args and not isinstance(marker.args[0], str)):
        pytest.fail("@pytest.mark.ws_cassette takes one positional argument, the cassette's "
                    f"file name, not {marker.args!r}", pytrace=False)
    path = _cassette_path(request, marker.args[0] if marker.args else None)
    options = dict(marker.kwargs)
    marker_mode = options.pop("record_mode", "none")
    mode = request.config.getoption("ws_record") or marker_mode
    try:
        session = CassetteSession(path, mode, **options)
    except CassetteSetupError as exc:
        pytest.fail(f"ws_cassette: {exc}", pytrace=False)
    except TypeError as exc:
        pytest.fail(f"@pytest.mark.ws_cassette: {exc}", pytrace=False)
    yield session
    problems = session.finish(request.node.stash.get(_CALL_PASSED, False))
    if problems:
        pytest.fail("ws_cassette: " + "\n".join(problems), pytrace=False)
