"""fnc_app, wait_for and record_events, run as a user's test file with no conftest of its own."""

from __future__ import annotations

import pytest

COMPONENTS = '''
import threading

from fnc.component import TComponent
from fnc.events import Event


class TPinger(TComponent):
    """Fires OnPing from a worker thread, marshaled to the home thread."""

    OnPing = Event("Sender", "ACount")
    OnDone = Event("Sender")

    def fnc_event_queue(self):
        return self.home_queue

    def Start(self, count):
        def work():
            for i in range(count):
                self.fire("OnPing", i)
            self.fire("OnDone")
        self.worker = threading.Thread(target=work, name="pinger-worker")
        self.worker.start()
'''


def _run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=COMPONENTS + body)
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")


def test_events_recorded_in_order_on_the_home_thread(pytester: pytest.Pytester) -> None:
    result = _run(pytester, '''

def test_pings(fnc_app, wait_for, record_events):
    pinger = TPinger(None)
    events = record_events(pinger)
    pinger.Start(3)
    wait_for(lambda: "OnDone" in events.names())
    assert events == [("OnPing", (0,)), ("OnPing", (1,)), ("OnPing", (2,)), ("OnDone", ())]
    assert events.other_threads == []
    pinger.worker.join(5)
''')
    result.assert_outcomes(passed=1)


def test_wait_for_times_out_with_assertion(pytester: pytest.Pytester) -> None:
    result = _run(pytester, '''

def test_never(fnc_app, wait_for):
    wait_for(lambda: False, timeout=0.05, message="the impossible")
''')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*wait_for: the impossible did not become true within 0.05 s*"])


def test_handler_exception_fails_the_test(pytester: pytest.Pytester) -> None:
    result = _run(pytester, '''

def test_raises_in_handler(fnc_app, wait_for):
    pinger = TPinger(None)
    done = []
    def on_ping(sender, count):
        raise ValueError("handler broke")
    pinger.OnPing = on_ping
    pinger.OnDone = lambda sender: done.append(True)
    pinger.Start(1)
    wait_for(lambda: done)
    pinger.worker.join(5)
''')
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*a handler raised on thread MainThread*", "*handler broke*"])


def test_components_created_in_the_test_are_freed(pytester: pytest.Pytester) -> None:
    result = _run(pytester, '''
KEPT = []


def test_creates(fnc_app):
    root = TPinger(None)
    child = TPinger(root)
    KEPT.extend([root, child])


def test_check_freed():
    assert all(c.is_destroyed for c in KEPT)
''')
    result.assert_outcomes(passed=2)


def test_leftover_thread_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfnc_thread_timeout = 0.2\n")
    result = _run(pytester, '''
import threading

STOP = threading.Event()


def test_leaks(fnc_app):
    threading.Thread(target=lambda: STOP.wait(30), name="leaky", daemon=True).start()


def test_cleanup():
    STOP.set()
''')
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*threads started by the test still alive after 0.2 s*leaky*"])


def test_fnc_app_with_mock_server(pytester: pytest.Pytester) -> None:
    result = _run(pytester, '''
import websocket


def test_both(fnc_app, wait_for, ws_mock_server):
    ws_mock_server.echo = True
    ws = websocket.create_connection(ws_mock_server.url, timeout=5)
    ws.send("x")
    assert ws.recv() == "x"
    ws.close()
    wait_for(lambda: ws_mock_server.messages)
''')
    result.assert_outcomes(passed=1)
