"""The ``ws_cassette`` marker and ``--ws-record`` modes, and unhandled-message reports, run the way
a user runs them: a test file with no conftest, in a fresh pytest process."""

from __future__ import annotations

import json

import pytest

from fnc_websocket import TTMSFNCWebsocketClient
from fnc_websocket.testing import MockWebSocketServer, wait_for

FEED_TESTS = '''
import json
import threading
from pathlib import Path

import pytest
from websockets.sync.server import serve

from fnc_websocket import TTMSFNCWebsocketClient

PRICES = [1.5, 1.75, 2.0]


def prices(ws):
    for text in ws:
        symbol = json.loads(text)["subscribe"]
        for price in PRICES:
            ws.send(json.dumps({"symbol": symbol, "price": price}))


@pytest.fixture
def real_feed(ws_cassette):
    """The real service, started only when the cassette is being recorded."""
    if not ws_cassette.recording:
        yield None
        return
    server = serve(prices, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    ws_cassette.target = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/feed"
    yield server
    server.shutdown()
    thread.join(5)


@pytest.mark.ws_cassette("feed.json")
def test_feed(real_feed, ws_cassette, fnc_app, wait_for):
    Path("modes.txt").open("a").write(ws_cassette.mode + "\\n")
    received = []
    client = TTMSFNCWebsocketClient(None, HostName=ws_cassette.host, Port=ws_cassette.port,
                                    PathName="/feed")
    client.OnConnect = lambda Sender, AConnection: Sender.Send('{"subscribe": "ACME"}')
    client.OnMessageReceived = lambda Sender, AConnection, AMessage: received.append(
        json.loads(AMessage)["price"])
    client.Connect()
    wait_for(lambda: len(received) == 3)
    assert received == PRICES
    client.Disconnect()  # a close handshake (Free, at teardown, would just drop the connection)
'''


def test_once_records_then_replays_without_the_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_feed=FEED_TESTS)
    assert not list(pytester.path.rglob("conftest.py"))
    first = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ws-record=once")
    first.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "feed.json"
    document = json.loads(cassette.read_text())
    assert document["version"] == 1
    events = document["connections"][0]["events"]
    assert [e["text"] for e in events if e["type"] == "text"][:4] == [
        '{"subscribe": "ACME"}', '{"symbol": "ACME", "price": 1.5}',
        '{"symbol": "ACME", "price": 1.75}', '{"symbol": "ACME", "price": 2.0}']
    assert [(e["from"], e["type"]) for e in events][-2:] == [("client", "close"),
                                                             ("server", "close")]

    second = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ws-record=once")
    second.assert_outcomes(passed=1)
    third = pytester.runpytest_subprocess("-p", "no:cacheprovider")  # default: none
    third.assert_outcomes(passed=1)
    assert (pytester.path / "modes.txt").read_text().split() == ["record", "replay", "replay"]
    assert json.loads(cassette.read_text()) == document  # replays leave the cassette alone


def test_none_without_a_cassette_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_feed=FEED_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ws-record=none")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*ws_cassette: cassette *feed.json does not exist and --ws-record=none does not record:"
        " run the test once with --ws-record=once*"])
    assert not (pytester.path / "modes.txt").exists()  # the test body never ran
    assert not (pytester.path / "cassettes").exists()


def test_a_mismatch_fails_the_test_with_a_diff(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_feed=FEED_TESTS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ws-record=once").assert_outcomes(
        passed=1)
    pytester.makepyfile(test_feed=FEED_TESTS.replace('"subscribe": "ACME"', '"subscribe": "XYZ"')
                        .replace("wait_for(lambda: len(received) == 3)",
                                 "wait_for(lambda: len(received) == 3, timeout=0.5)")
                        + STOPS_EARLY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, passed=1, errors=2)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_stops_early*",
        "*ws_cassette: replay of *feed.json did not go as recorded:",
        "connection 1: the client never sent text '{\"subscribe\": \"ACME\"}' (recorded "
        "client message 1 of 1)",
    ], consecutive=False)
    result.stdout.fnmatch_lines([
        "*ws_cassette: replay of *feed.json did not go as recorded:",
        "connection 1: the client sent a message that does not match recorded client message "
        "1 of 1:",
        "expected text '{\"subscribe\": \"ACME\"}'",
        "received text '{\"subscribe\": \"XYZ\"}'",
        "*-  \"subscribe\": \"ACME\"",
        "*+  \"subscribe\": \"XYZ\"",
    ])


STOPS_EARLY = '''

@pytest.mark.ws_cassette("feed.json")
def test_stops_early(ws_cassette, fnc_app, wait_for):
    client = TTMSFNCWebsocketClient(None, HostName=ws_cassette.host, Port=ws_cassette.port,
                                    PathName="/feed")
    client.Connect()
    wait_for(client.IsConnected)
    client.Disconnect()  # before it subscribed
'''


def test_a_failed_recording_is_not_saved(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_feed=FEED_TESTS.replace("assert received == PRICES",
                                                     "assert received == []"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ws-record=all")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*the test failed while recording: *feed.json was not written"])
    assert not (pytester.path / "cassettes" / "feed.json").exists()


MISUSE_TESTS = '''
import pytest


@pytest.mark.ws_cassette("x.json")
def test_no_target(ws_cassette):
    ws_cassette.url


@pytest.mark.ws_cassette("bad.json")
def test_bad(ws_cassette):
    pass


def test_unmarked(ws_cassette):
    pass
'''


def test_misuse_and_malformed_cassettes_are_clear(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "cassettes"
    folder.mkdir()
    (folder / "bad.json").write_text(json.dumps({
        "format": "fnc-websocket-cassette", "version": 1, "connections": [{
            "request": {"path": "/"}, "response": {"status": 101},
            "events": [{"t": 0, "from": "server", "type": "txt", "text": "x"}]}]}))
    pytester.makepyfile(test_misuse=MISUSE_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ws-record=once", "-v")
    result.assert_outcomes(failed=1, errors=2)
    result.stdout.fnmatch_lines([
        "*ERROR at setup of test_bad*",
        "*ws_cassette: *bad.json: connections[[]0[]].events[[]0[]]: "
        "'type' must be one of text, binary, ping, pong, close, drop; found 'txt'",
        "*ERROR at setup of test_unmarked*",
        "*the ws_cassette fixture needs @pytest.mark.ws_cassette*",
        "*test_no_target*",
        "*CassetteSetupError: ws_cassette is recording x.json (--ws-record=once) but has no "
        "target*",
    ])


UNHANDLED_TESTS = '''
import pytest
import websocket


def talk(mock):
    ws = websocket.create_connection(mock.url, timeout=5)
    ws.send("ping?")
    ws.close()
    mock.wait_for_message("ping?")


def test_forgot_echo(ws_mock_server):
    talk(ws_mock_server)


@pytest.mark.ws_mock_server(report_unhandled=False)
def test_opted_out(ws_mock_server):
    talk(ws_mock_server)


@pytest.mark.ws_mock_server(echo=True)
def test_echoed(ws_mock_server):
    talk(ws_mock_server)


def test_rule(ws_mock_server):
    ws_mock_server.when("ping?", "pong!")
    talk(ws_mock_server)


def test_counted_by_a_fault(ws_mock_server):
    ws_mock_server.fault_close(4000, after_messages=1)
    talk(ws_mock_server)
'''


def test_unhandled_messages_fail_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_unhandled=UNHANDLED_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines([
        "*test_forgot_echo PASSED*", "*test_forgot_echo ERROR*",
        "*the mock received 'ping?' that no rule handled (give it echo=True, a when()/expect() "
        "rule, or report_unhandled=False)*",
    ])
    assert "test_opted_out ERROR" not in result.stdout.str()


def test_wait_for_timeouts_name_unhandled_messages() -> None:
    with MockWebSocketServer() as mock, \
            TTMSFNCWebsocketClient(None, HostName=mock.host, Port=mock.port) as client:
        client.OnConnect = lambda Sender, AConnection: Sender.Send("ping?")
        client.Connect()
        wait_for(lambda: mock.messages)
        with pytest.raises(AssertionError) as timeout:
            wait_for(lambda: False, timeout=0.2, message="an answer")
    assert str(timeout.value) == (
        "wait_for: an answer did not become true within 0.2 s\n"
        f"  hint: the mock at {mock.url} received 'ping?' that no rule handled")
    with pytest.raises(AssertionError) as no_mock:  # a stopped mock gives no hints
        wait_for(lambda: False, timeout=0.01, message="anything")
    assert "hint" not in str(no_mock.value)
