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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fnc.application import TApplication
from fnc_websocket.testing import app_helpers
from fnc_websocket.testing.app_helpers import AppGuard, EventRecord
from fnc_websocket.testing.mock_server import MockWebSocketServer

__all__ = ["fnc_app", "record_events", "wait_for", "ws_mock_server", "ws_mock_server_factory"]

MockServerFactory = Callable[..., MockWebSocketServer]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("fnc_thread_timeout", "seconds fnc_app waits for threads a test started "
                  "before failing it (default 5)", default="5")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ws_mock_server(**options): MockWebSocketServer constructor options for the "
        "ws_mock_server fixture (echo=True, tls=True, path=..., faults=[...], ...)",
    )


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
