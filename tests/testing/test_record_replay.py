"""Record a conversation with a real server, then replay it with that server stopped.

The real server is a ``websockets`` server run by the test: after a subscribe message it streams
prices at a fixed pace, and it answers pings. The client is the ``TTMSFNCWebsocketClient``
component. The recording is made once per module and shared by the replay tests.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.server import serve

from fnc_websocket import TTMSFNCWebsocketClient
from fnc_websocket.testing import MockWebSocketServer, record_events, wait_for
from fnc_websocket.testing.cassette import REDACTED, Cassette
from fnc_websocket.testing.recorder import Recorder

PRICES = [10.5, 10.75, 10.25, 11.0]
GAP = 0.3
"""Seconds between two prices of the real server's stream."""
SUBSCRIBE = json.dumps({"subscribe": "ACME", "id": 1})


class PriceServer:
    """The real service: a websockets server that streams PRICES after a subscribe message."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.server = serve(self.handler, "127.0.0.1", 0, compression=None)
        self.thread = threading.Thread(target=self.server.serve_forever, name="price-server")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/prices"

    def handler(self, ws) -> None:  # type: ignore[no-untyped-def]
        for text in ws:
            symbol = json.loads(text)["subscribe"]
            for i, price in enumerate(PRICES):
                if i and self.stopping.wait(GAP):  # the stream's pace, not a test wait
                    return
                ws.send(json.dumps({"symbol": symbol, "price": price}))

    def __enter__(self) -> PriceServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.thread.join(5)
        assert not self.thread.is_alive()


class FeedRun:
    """Runs the client component against (host, port) until every price came, then closes."""

    def __init__(self, host: str, port: int, subscribe: str = SUBSCRIBE) -> None:
        self.received: list[tuple[float, str]] = []
        self.pongs: list[bytes] = []
        self.client = TTMSFNCWebsocketClient(None, HostName=host, Port=port, PathName="/prices")
        self.events = record_events(self.client)
        self.client.OnSendHandshake = lambda Sender, AHeaders: AHeaders.append(
            "Authorization: Bearer s3cr3t")
        self.client.OnConnect = lambda Sender, AConnection: Sender.Send(subscribe)
        self.client.OnMessageReceived = self.on_message
        self.client.OnPong = lambda Sender, AConnection, AData: self.pongs.append(AData)

    def on_message(self, Sender, AConnection, AMessage) -> None:  # type: ignore[no-untyped-def]
        self.received.append((time.monotonic(), AMessage))
        if len(self.received) == 1:
            Sender.Ping("are you there?")

    def run(self, expect: int = len(PRICES)) -> list[str]:
        with self.client:
            self.client.Connect()
            wait_for(lambda: len(self.received) >= expect and self.pongs, timeout=10,
                     message=f"{expect} prices and a pong")
            self.client.Disconnect()
            wait_for(lambda: "OnDisconnect" in self.events.names())
        return [text for _, text in self.received]

    def gaps(self) -> list[float]:
        times = [t for t, _ in self.received]
        return [b - a for a, b in itertools.pairwise(times)]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    path = tmp_path_factory.mktemp("cassettes") / "prices.json"
    with PriceServer() as real, Recorder(real.url) as recorder:
        live = FeedRun(recorder.host, recorder.port).run()
        recorder.wait_finished(1)
    assert recorder.errors == []
    recorder.save(str(path))
    yield path, live


def test_recording_holds_the_conversation(recording: tuple[Path, list[str]]) -> None:
    path, live = recording
    assert [json.loads(text)["price"] for text in live] == PRICES
    cassette = Cassette.load(path)
    (connection,) = cassette.connections
    assert connection.request.path == "/prices"
    assert connection.request.header("Authorization") == REDACTED
    assert "s3cr3t" not in path.read_text()
    assert connection.response.status == 101
    kinds = [(e.side, e.type) for e in connection.events]
    assert kinds[0] == ("client", "text")
    assert connection.events[0].payload.decode() == SUBSCRIBE
    assert [e.data for e in connection.server_messages()] == live
    assert ("client", "ping") in kinds and ("server", "pong") in kinds
    assert kinds[-2:] in ([("client", "close"), ("server", "close")],
                          [("server", "close"), ("client", "close")])
    close = next(e for e in connection.events if e.type == "close")
    assert close.code == 1000
    times = [e.t for e in connection.events]
    assert times == sorted(times)
    prices = [e.t for e in connection.server_messages()]
    assert all(GAP * 0.8 < b - a < GAP * 2 for a, b in itertools.pairwise(prices))


def test_replay_gives_the_client_the_same_messages(recording: tuple[Path, list[str]]) -> None:
    path, live = recording
    with MockWebSocketServer.from_cassette(path) as mock:
        feed = FeedRun(mock.host, mock.port)
        assert feed.run() == live
        assert feed.pongs == [b"are you there?"]  # the mock answered the ping
        mock.assert_cassette_done()
        assert mock.unhandled_messages == []


def test_replay_with_recorded_timing_keeps_the_gaps(recording: tuple[Path, list[str]]) -> None:
    path, live = recording
    recorded = Cassette.load(path).connections[0].server_messages()
    recorded_gaps = [b.t - a.t for a, b in itertools.pairwise(recorded)]
    with MockWebSocketServer.from_cassette(path, timing="recorded") as mock:
        feed = FeedRun(mock.host, mock.port)
        assert feed.run() == live
        mock.assert_cassette_done()
    for replayed, original in zip(feed.gaps(), recorded_gaps, strict=True):
        assert abs(replayed - original) <= 0.2 * original, (feed.gaps(), recorded_gaps)


def test_replay_with_a_timing_factor_scales_the_gaps(recording: tuple[Path, list[str]]) -> None:
    path, live = recording
    with MockWebSocketServer.from_cassette(path, timing=0.4) as mock:
        feed = FeedRun(mock.host, mock.port)
        assert feed.run() == live
    total = feed.received[-1][0] - feed.received[0][0]
    assert 0.4 * GAP * 3 * 0.8 <= total < GAP * 3 * 0.8


def test_a_different_subscribe_message_fails_with_a_diff(recording: tuple[Path, list[str]]) -> None:
    path, _ = recording
    other = json.dumps({"subscribe": "XYZ", "id": 1})
    with MockWebSocketServer.from_cassette(path) as mock:
        feed = FeedRun(mock.host, mock.port, subscribe=other)
        with feed.client:
            feed.client.Connect()
            with pytest.raises(AssertionError) as timeout:  # the test's own wait says why
                wait_for(lambda: feed.received, timeout=0.5, message="a price")
            assert str(timeout.value).startswith(
                "wait_for: a price did not become true within 0.5 s\n"
                f"  hint: the replay of {path} stopped: connection 1: the client sent a message "
                "that does not match recorded client message 1 of 1:\n"
                f"expected text {SUBSCRIBE!r}\nreceived text {other!r}\n")
        with pytest.raises(AssertionError) as failure:
            mock.assert_cassette_done()
    text = str(failure.value)
    assert str(path) in text
    assert f"expected text {SUBSCRIBE!r}" in text
    assert f"received text {other!r}" in text
    assert '-  "subscribe": "ACME"' in text and '+  "subscribe": "XYZ"' in text
    assert feed.received == []  # nothing was sent after the mismatch


def test_ignored_fields_let_ids_and_timestamps_differ(recording: tuple[Path, list[str]]) -> None:
    path, live = recording
    renumbered = json.dumps({"id": 99, "subscribe": "ACME"})
    with MockWebSocketServer.from_cassette(path, ignore_fields={"id"}) as mock:
        assert FeedRun(mock.host, mock.port, subscribe=renumbered).run() == live
        mock.assert_cassette_done()
    with MockWebSocketServer.from_cassette(path) as mock:
        feed = FeedRun(mock.host, mock.port, subscribe=renumbered)
        with feed.client:
            feed.client.Connect()
            wait_for(lambda: mock.replay_errors)
        (problem,) = mock.cassette_problems()
        assert '-  "id": 1,' in problem and '+  "id": 99,' in problem


def test_a_client_that_stops_early_is_reported(recording: tuple[Path, list[str]]) -> None:
    path, _ = recording
    with MockWebSocketServer.from_cassette(path) as mock:
        client = TTMSFNCWebsocketClient(None, HostName=mock.host, Port=mock.port,
                                        PathName="/prices")
        with client:
            events = record_events(client)
            client.Connect()
            wait_for(lambda: "OnConnect" in events.names())
            client.Disconnect()  # before subscribing
            wait_for(lambda: "OnDisconnect" in events.names())
        problems = mock.cassette_problems()
    assert problems == [f"connection 1: the client never sent text {SUBSCRIBE!r} "
                        "(recorded client message 1 of 1)"]


def test_leaving_the_with_block_reports_what_did_not_happen(
        recording: tuple[Path, list[str]]) -> None:
    path, _ = recording
    with pytest.raises(AssertionError) as failure, MockWebSocketServer.from_cassette(path):
        pass  # no client came
    assert str(failure.value) == (f"replay of {path} did not go as recorded:\n"
                                  "the cassette has 1 connection(s); the client opened 0")


def test_content_matching_accepts_another_order(tmp_path: Path) -> None:
    cassette = Cassette.from_json(json.dumps({
        "format": "fnc-websocket-cassette", "version": 1, "connections": [{
            "request": {"path": "/"}, "response": {"status": 101},
            "events": [
                {"t": 0.0, "from": "server", "type": "text", "text": "welcome"},
                {"t": 0.1, "from": "client", "type": "text", "text": "a"},
                {"t": 0.2, "from": "server", "type": "text", "text": "A"},
                {"t": 0.3, "from": "client", "type": "binary", "base64": "AQI="},
                {"t": 0.4, "from": "server", "type": "binary", "base64": "AwQ="},
                {"t": 0.5, "from": "client", "type": "text", "text": "bye"},
                {"t": 0.6, "from": "server", "type": "close", "code": 4000, "reason": "bye"},
            ]}]}))
    from websockets.sync.client import connect

    with MockWebSocketServer.from_cassette(cassette, match="content") as mock, \
            connect(mock.url, open_timeout=5, close_timeout=1) as ws:
        assert ws.recv(timeout=5) == "welcome"
        ws.send(b"\x01\x02")
        assert ws.recv(timeout=5) == b"\x03\x04"
        ws.send("a")
        assert ws.recv(timeout=5) == "A"
        ws.send("bye")
        with pytest.raises(Exception) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == 4000  # type: ignore[attr-defined]
        mock.assert_cassette_done()


def test_a_last_message_right_before_the_close_still_counts() -> None:
    from websockets.sync.client import connect

    cassette = Cassette.from_json(json.dumps({
        "format": "fnc-websocket-cassette", "version": 1, "connections": [{
            "request": {"path": "/"}, "response": {"status": 101},
            "events": [{"t": 0.0, "from": "client", "type": "text", "text": "bye"}]}]}))
    with MockWebSocketServer.from_cassette(cassette) as mock:
        with connect(mock.url, open_timeout=5, close_timeout=1) as ws:
            ws.send("bye")  # then the close frame, at once
        assert mock.cassette_problems() == []
