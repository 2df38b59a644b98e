"""The pytest plugin, run the way a user runs it: a test file with no conftest of its own."""

from __future__ import annotations

import pytest

USER_TESTS = '''
import pytest
import websocket

from fnc_websocket.testing.mock_server import MockWebSocketServer


def test_fixture_is_a_running_server(ws_mock_server):
    assert isinstance(ws_mock_server, MockWebSocketServer)
    assert ws_mock_server.is_running
    ws_mock_server.when("ping?", "pong!")
    ws = websocket.create_connection(ws_mock_server.url, timeout=5)
    ws.send("ping?")
    assert ws.recv() == "pong!"
    ws.close()
    ws_mock_server.wait_closed()


@pytest.mark.ws_mock_server(echo=True, path="/echo")
def test_marker_configures_the_server(ws_mock_server):
    assert ws_mock_server.url.endswith("/echo")
    ws = websocket.create_connection(ws_mock_server.url, timeout=5)
    ws.send("same")
    assert ws.recv() == "same"
    ws.close()


def test_factory_makes_several(ws_mock_server_factory):
    one = ws_mock_server_factory(echo=True)
    two = ws_mock_server_factory(tls=True, echo=True)
    assert one.port != two.port
    ws = websocket.create_connection(two.url, timeout=5, sslopt={"ca_certs": two.ca_file})
    ws.send("tls")
    assert ws.recv() == "tls"
    ws.close()
'''


def test_user_test_file_passes_with_no_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_servers_are_stopped_after_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_leak='''
import threading

SEEN = {}


def test_first(ws_mock_server, ws_mock_server_factory):
    SEEN["servers"] = [ws_mock_server, ws_mock_server_factory()]


def test_second():
    assert all(not server.is_running for server in SEEN["servers"])
    assert [t.name for t in threading.enumerate() if t.name.startswith("fnc-ws-mock")] == []
'''
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_marker_is_registered_and_rejects_positional_args(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marker='''
import pytest


@pytest.mark.ws_mock_server(True)
def test_bad(ws_mock_server):
    pass
'''
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers")
    result.stdout.fnmatch_lines(["*keyword options only*"])
    assert result.ret != 0


def test_plugin_is_loaded_through_the_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*ws_mock_server*", "*ws_mock_server_factory*"])
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*ws_mock_server(**options)*"])
