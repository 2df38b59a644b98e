"""``fnc-ws record``: a recording relay to a real (wss://) server, as a user runs it."""

from __future__ import annotations

import json
import re
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import TIMEOUT, CliProcess, assert_one_line_error, run_cli
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection, serve

from fnc_websocket.testing import MockWebSocketServer
from fnc_websocket.testing.cassette import REDACTED, Cassette
from fnc_websocket.testing.certs import MockCertificates

Start = Callable[..., CliProcess]


@pytest.fixture
def tls_server() -> Iterator[tuple[str, str]]:
    """A real wss:// server: it answers each message with the message and whether the upgrade
    request had the right Authorization header. Yields (URL, CA file)."""
    certificates = MockCertificates()

    def handler(ws: ServerConnection) -> None:
        authorization = ws.request.headers.get("Authorization") if ws.request else None
        for message in ws:
            ws.send(f"{message} (authorized: {authorization == 'Bearer t0k3n'})")

    server = serve(handler, "127.0.0.1", 0, ssl=certificates.server_context(), compression=None)
    thread = threading.Thread(target=server.serve_forever, name="tls-target")
    thread.start()
    try:
        yield f"wss://localhost:{server.socket.getsockname()[1]}/feed", certificates.ca_file
    finally:
        server.shutdown()
        thread.join(TIMEOUT)
        certificates.cleanup()


def test_records_a_wss_conversation_then_replays_it(cli: Start, tls_server: tuple[str, str],
                                                     tmp_path: Path) -> None:
    url, ca_file = tls_server
    out = tmp_path / "feed.json"
    process = cli("record", url, "--out", str(out), "--ca-file", ca_file, "--connections", "1",
                  "--header", "Authorization: Bearer t0k3n", "--keep-header", "X-Trace")
    first = process.stderr.expect(r"^recording ")
    relay = re.match(r"recording (ws://127\.0\.0\.1:\d+/feed) -> (\S+) into ", first.string)
    assert relay and relay.group(2) == url, first.string
    headers = {"Cookie": "session=abc", "X-Trace": "t-1"}
    with connect(relay.group(1), additional_headers=headers, open_timeout=TIMEOUT) as ws:
        ws.send("hello")
        assert ws.recv(timeout=TIMEOUT) == "hello (authorized: True)"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=TIMEOUT) == "b'\\x00\\x01' (authorized: True)"
    process.stderr.expect(r"^connection 1 /feed: 4 messages, close 1000 from the client; saved ")
    assert process.wait() == 0
    process.stderr.expect(r"^stopped \(done\): 1 connection in ")

    text = out.read_text()
    assert "t0k3n" not in text and "session=abc" not in text
    (connection,) = Cassette.load(out).connections
    assert connection.request.header("Authorization") == REDACTED
    assert connection.request.header("Cookie") == REDACTED
    assert connection.request.header("X-Trace") == "t-1"  # --keep-header
    assert connection.request.header("Host") == url.split("/")[2]
    assert [(e.side, e.type, e.data) for e in connection.events if e.is_data] == [
        ("client", "text", "hello"), ("server", "text", "hello (authorized: True)"),
        ("client", "binary", b"\x00\x01"),
        ("server", "text", "b'\\x00\\x01' (authorized: True)")]
    event = json.loads(text)["connections"][0]["events"][2]
    assert event == {"t": event["t"], "from": "client", "type": "binary", "base64": "AAE="}

    with MockWebSocketServer.from_cassette(out) as mock, \
            connect(mock.url, open_timeout=TIMEOUT) as ws:
        ws.send("hello")
        assert ws.recv(timeout=TIMEOUT) == "hello (authorized: True)"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=TIMEOUT) == "b'\\x00\\x01' (authorized: True)"


def test_an_untrusted_certificate_is_not_recorded(cli: Start, tls_server: tuple[str, str],
                                                  tmp_path: Path) -> None:
    url, _ = tls_server
    out = tmp_path / "feed.json"
    process = cli("record", url, "--out", str(out), "--connections", "1")
    relay = re.search(r"(ws://\S+) ->", process.stderr.expect(r"^recording ").string)
    assert relay
    with pytest.raises(Exception, match="502"):
        connect(relay.group(1), open_timeout=TIMEOUT)
    process.stderr.expect(r"^connection 1 ended before the server answered")
    assert process.wait() == 1
    process.stderr.expect(r"^! .*TLS handshake with the target .*CERTIFICATE_VERIFY_FAILED")
    assert Cassette.load(out).connections == ()


@pytest.mark.parametrize(("args", "fragment"), [
    (["http://x/", "--out", "c.json"], "must start with ws:// or wss://"),
    (["ws://x/", "--out", "no/such/folder/c.json"], "no such folder"),
    (["ws://x/", "--out", "c.json", "--header", "bad header"], "bad header"),
    (["ws://x/", "--out", "c.json", "--ca-file", "missing.pem"], "no such file"),
])
def test_unusable_arguments_are_one_line(args: list[str], fragment: str, tmp_path: Path) -> None:
    result = run_cli(["record", *args], cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, fragment)


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli(["record", "ws://127.0.0.1:9/", "--out", "c.json", "--listen",
                          str(port)], cwd=tmp_path)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, f"cannot listen on 127.0.0.1:{port}")
    assert not (tmp_path / "c.json").exists()


def test_ctrl_c_stops_and_saves_what_was_recorded(cli: Start, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    with MockWebSocketServer(echo=True) as target:
        process = cli("record", target.url, "--out", str(out))
        relay = re.search(r"(ws://\S+) ->", process.stderr.expect(r"^recording ").string)
        assert relay
        with connect(relay.group(1), open_timeout=TIMEOUT) as ws:
            ws.send("kept")
            assert ws.recv(timeout=TIMEOUT) == "kept"
            process.signal(signal.SIGINT)  # while the conversation is still open
            assert process.wait() == 0
    process.stderr.expect(r"^stopped \(SIGINT\): 1 connection in ")
    (connection,) = Cassette.load(out).connections
    assert [e.data for e in connection.events] == ["kept", "kept"]
