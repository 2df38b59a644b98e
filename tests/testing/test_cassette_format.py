"""The cassette format: a stable, hand-editable JSON that refuses bad input clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fnc_websocket.testing import MockWebSocketServer
from fnc_websocket.testing.cassette import (
    REDACTED,
    Cassette,
    CassetteError,
    RecordedConnection,
    RecordedEvent,
    RecordedRequest,
    RecordedResponse,
    redact_headers,
)


def sample() -> Cassette:
    return Cassette(target="wss://feed.example.com/prices", connections=(
        RecordedConnection(
            RecordedRequest("GET", "/prices", (("Host", "feed.example.com"),
                                               ("Authorization", REDACTED))),
            RecordedResponse(101, "Switching Protocols", (("Upgrade", "websocket"),)),
            (
                RecordedEvent(0.001, "client", "text", b'{"subscribe": "ACME"}'),
                RecordedEvent(0.002, "server", "binary", b"\x00\xff"),
                RecordedEvent(0.5, "server", "ping", b"keepalive"),
                RecordedEvent(0.5004, "client", "pong", b"\xff"),
                RecordedEvent(0.9, "client", "close", code=1000, reason="bye"),
                RecordedEvent(0.9001, "server", "close", code=None),
            ),
        ),
        RecordedConnection(RecordedRequest(path="/prices"),
                           RecordedResponse(403, "Forbidden", (), b"go away")),
    ))


def test_round_trip_is_exact_and_stable(tmp_path: Path) -> None:
    cassette = sample()
    path = cassette.save(tmp_path / "deep" / "c.json")
    assert Cassette.load(path) == cassette
    text = path.read_text()
    assert Cassette.load(path).to_json() == text  # saving again changes nothing
    document = json.loads(text)
    assert list(document) == ["format", "version", "target", "connections"]
    assert document["version"] == 1
    events = document["connections"][0]["events"]
    assert events[0] == {"t": 0.001, "from": "client", "type": "text",
                         "text": '{"subscribe": "ACME"}'}
    assert events[1] == {"t": 0.002, "from": "server", "type": "binary", "base64": "AP8="}
    assert events[2]["text"] == "keepalive" and events[3]["base64"] == "/w=="
    assert events[5] == {"t": 0.9001, "from": "server", "type": "close", "code": None,
                         "reason": ""}
    assert document["connections"][1]["response"]["body"] == {"text": "go away"}
    # one line per event and per header: a re-recording diffs line by line
    assert '    {"t": 0.002, "from": "server", "type": "binary", "base64": "AP8="},' in text
    assert '          ["Authorization", "<redacted>"]' in text


def test_redaction_is_case_insensitive_and_keeps_what_is_asked() -> None:
    headers = (("authorization", "Bearer x"), ("Cookie", "a=b"), ("X-Key", "k"), ("Host", "h"))
    assert redact_headers(headers) == (("authorization", REDACTED), ("Cookie", REDACTED),
                                       ("X-Key", "k"), ("Host", "h"))
    assert redact_headers(headers, keep=["COOKIE"], redact=["authorization", "cookie", "x-key"]
                          ) == (("authorization", REDACTED), ("Cookie", "a=b"),
                                ("X-Key", REDACTED), ("Host", "h"))


def document(**changes: Any) -> dict[str, Any]:
    base = json.loads(sample().to_json())
    for place, value in changes.items():
        target = base
        *parents, last = place.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return base


@pytest.mark.parametrize(("changes", "message"), [
    ({"version": 2}, "format version 2 is newer than this fnc_websocket reads (up to 1)"),
    ({"format": "vcr"}, "not a cassette: 'format' must be 'fnc-websocket-cassette'"),
    ({"version": "1"}, "'version' must be a positive integer, found '1'"),
    ({"connections": {}}, "connections: 'connections' must be a list"),
    ({"extra": 1}, "unknown key 'extra'"),
    ({"connections__0__events__1__type": "bin"},
     "connections[0].events[1]: 'type' must be one of text, binary, ping, pong, close, drop; "
     "found 'bin'"),
    ({"connections__0__events__1__base64": "not base64!"},
     "connections[0].events[1]: 'base64' is not valid base64"),
    ({"connections__0__events__0__t": 5.0},
     "connections[0].events[1]: 't' 0.002 is earlier than the event before it (5.0)"),
    ({"connections__0__events__2__from": "proxy"},
     "connections[0].events[2]: 'from' must be 'client' or 'server', not 'proxy'"),
    ({"connections__0__events__4__code": 99},
     "connections[0].events[4]: 'code' 99 is not a close code"),
    ({"connections__0__events__0__text": KeyError},
     "connections[0].events[0]: needs exactly one payload key, 'text'"),
    ({"connections__0__request__headers__0": ["Host"]},
     "connections[0].request.headers[0]: a header must be [name, value] strings"),
    ({"connections__1__response__status": 1234},
     "connections[1].response: 'status' 1234 is not an HTTP status"),
    ({"connections__0__request__path": "prices"},
     "connections[0].request: 'path' must start with '/'"),
    ({"connections__0__response": KeyError}, "connections[0]: missing 'response'"),
])
def test_bad_cassettes_name_the_file_and_the_entry(tmp_path: Path, changes: dict[str, Any],
                                                    message: str) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(document(**changes)))
    with pytest.raises(CassetteError) as error:
        Cassette.load(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    with pytest.raises(CassetteError, match=r"feed\.json"):  # the mock refuses it the same way
        MockWebSocketServer.from_cassette(path)


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
    (b"[]", "expected a JSON object, found list"),
    (b"\xff\xfe", "not UTF-8 text"),
])
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(content)
    with pytest.raises(CassetteError, match=r"c\.json: ") as error:
        Cassette.load(path)
    assert message in str(error.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match=r"nope\.json: no such cassette file"):
        MockWebSocketServer.from_cassette(tmp_path / "nope.json")


@pytest.mark.parametrize(("options", "message"), [
    ({"match": "fuzzy"}, "match must be 'order' or 'content', not 'fuzzy'"),
    ({"timing": "fast"}, "timing must be 'none', 'recorded' or a factor >= 0, not 'fast'"),
    ({"timing": -1.0}, "timing must be"),
    ({"timing": float("nan")}, "timing must be"),
])
def test_bad_replay_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MockWebSocketServer.from_cassette(sample(), **options)
    with pytest.raises(TypeError, match="collection of field names"):
        MockWebSocketServer.from_cassette(sample(), ignore_fields="id")


def test_a_hand_written_cassette_replays(tmp_path: Path) -> None:
    """The documented minimum: a path, a status and events; everything else has defaults."""
    from websockets.sync.client import connect

    path = tmp_path / "hand.json"
    path.write_text(json.dumps({
        "format": "fnc-websocket-cassette", "version": 1, "connections": [{
            "request": {"path": "/chat"}, "response": {"status": 101},
            "events": [
                {"t": 0, "from": "client", "type": "text", "text": "hi"},
                {"t": 0, "from": "server", "type": "text", "text": "hello"},
                {"t": 0, "from": "server", "type": "ping", "base64": "AQ=="},
            ]}]}))
    with MockWebSocketServer.from_cassette(path) as mock:
        assert mock.url.endswith("/chat")
        with connect(mock.url, open_timeout=5, close_timeout=1) as ws:
            ws.send("hi")
            assert ws.recv(timeout=5) == "hello"
            # Wait while still connected: a client that closed first would never see the ping.
            frame = mock.wait_for_frame(lambda f: f.opcode == 0xA)  # the client answered it
        assert frame.payload == b"\x01"
        mock.assert_cassette_done()


def test_refused_and_surplus_connections(tmp_path: Path) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    cassette = Cassette(connections=(
        RecordedConnection(RecordedRequest(path="/"),
                           RecordedResponse(401, "Unauthorized", (("WWW-Authenticate", "Bearer"),),
                                            b"log in first")),))
    with MockWebSocketServer.from_cassette(cassette) as mock:
        with pytest.raises(InvalidStatus) as refused:
            connect(mock.url, open_timeout=5)
        assert refused.value.response.status_code == 401
        assert refused.value.response.body == b"log in first"
        assert refused.value.response.headers["WWW-Authenticate"] == "Bearer"
        with pytest.raises(InvalidStatus, match="503"):
            connect(mock.url, open_timeout=5)
        assert mock.cassette_problems(timeout=0) == [
            "connection 2: the cassette has only 1 connection(s); this one was refused with 503"]
