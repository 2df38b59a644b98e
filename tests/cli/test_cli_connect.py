"""``fnc-ws connect``: the interactive client against the mock server, and its failures."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterator

import pytest
from cli_support import TIMEOUT, CliProcess, assert_one_line_error, run_cli

from fnc_websocket.cli.main import main
from fnc_websocket.testing import MockWebSocketServer, Opcode

Start = Callable[..., CliProcess]


@pytest.fixture
def echo_server() -> Iterator[MockWebSocketServer]:
    with MockWebSocketServer(echo=True) as server:
        yield server


def test_lines_are_sent_and_messages_printed_then_eof_closes(
        cli: Start, echo_server: MockWebSocketServer) -> None:
    process = cli("connect", echo_server.url.rstrip("/") + "/chat?room=1")
    process.stderr.expect(r"^\* connected to ws://127\.0\.0\.1:\d+/chat\?room=1")
    conn = echo_server.wait_for_connection(TIMEOUT)
    assert conn.handshake is not None and conn.handshake.path == "/chat?room=1"
    process.write("hello there\n")
    process.stdout.expect(r"^< hello there$")
    conn.send_binary(b"\x01\x02")
    process.stdout.expect(r"^< \[binary 2 bytes\] 0102$")
    process.close_stdin()
    close = conn.wait_for_close_frame(TIMEOUT)
    assert close.code == 1000
    assert process.wait() == 0
    assert any("disconnected (close 1000)" in line for line in process.stderr.rest())


def test_input_before_the_handshake_is_sent_once_connected(
        echo_server: MockWebSocketServer) -> None:
    proc = run_cli(["connect", echo_server.url], input="one\ntwo\n")
    assert proc.returncode == 0, proc.stderr
    assert echo_server.wait_for_message(timeout=TIMEOUT).text == "one"
    assert echo_server.wait_for_message(timeout=TIMEOUT).text == "two"
    conn = echo_server.all_connections[0]
    assert conn.wait_for_close_frame(TIMEOUT).code == 1000


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_closes_with_a_close_frame(cli: Start, echo_server: MockWebSocketServer,
                                          signum: int) -> None:
    process = cli("connect", echo_server.url)
    process.stderr.expect(r"^\* connected")
    conn = echo_server.wait_for_connection(TIMEOUT)
    process.signal(signum)
    assert conn.wait_for_close_frame(TIMEOUT).code == 1000
    assert process.wait() == 0
    assert "Traceback" not in "\n".join(process.stderr.rest())


def test_binary_hex_sends_and_prints_hex(cli: Start, echo_server: MockWebSocketServer) -> None:
    process = cli("connect", echo_server.url, "--binary-hex")
    process.stderr.expect(r"^\* connected")
    process.write("00 01 fe ff\n")
    message = echo_server.wait_for_message(timeout=TIMEOUT)
    assert not message.is_text and message.payload == b"\x00\x01\xfe\xff"
    process.stdout.expect(r"^< 0001feff$")
    process.write("not hex\n")
    process.stderr.expect(r"^\* not sent, not hex: not hex$")
    process.close_stdin()
    assert process.wait() == 0


def test_headers_and_subprotocols_reach_the_server(cli: Start) -> None:
    with MockWebSocketServer(echo=True, subprotocol=lambda offered: offered[-1]) as server:
        process = cli("connect", server.url, "--header", "X-Token: abc 123",
                      "--header", "User-Agent: fnc-ws-test", "--subprotocol", "v2.chat",
                      "--subprotocol", "v1.chat,legacy")
        process.stderr.expect(r"^\* connected .*\(sub-protocol legacy\)")
        request = server.wait_for_handshake(TIMEOUT)
        assert request.header("X-Token") == "abc 123"
        assert request.header_values("User-Agent") == ["fnc-ws-test"]  # replaced, not added
        assert request.subprotocols == ["v2.chat", "v1.chat", "legacy"]
        process.close_stdin()
        assert process.wait() == 0


def test_ping_interval_sends_pings(cli: Start, echo_server: MockWebSocketServer) -> None:
    process = cli("connect", echo_server.url, "--ping-interval", "0.05")
    conn = echo_server.wait_for_connection(TIMEOUT)
    for _ in range(2):
        conn.wait_for_frame(lambda f: f.opcode == Opcode.PING, TIMEOUT)
    process.stderr.expect(r"^\* pong ")
    process.close_stdin()
    assert process.wait() == 0


def test_tls_needs_trust_or_insecure(cli: Start) -> None:
    with MockWebSocketServer(tls=True, echo=True) as server:
        url = server.url
        assert url.startswith("wss://")
        refused = run_cli(["connect", url])
        assert refused.returncode == 1
        assert_one_line_error(refused.stderr, "certificate", "--insecure")
        for options in (["--insecure"], ["--ca-file", server.ca_file]):
            process = cli("connect", url, *options)
            process.stderr.expect(r"^\* connected")
            process.write("over tls\n")
            process.stdout.expect(r"^< over tls$")
            process.close_stdin()
            assert process.wait() == 0


def test_refused_connection_is_one_line_and_exit_1() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = run_cli(["connect", f"ws://127.0.0.1:{port}/"])
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, f"ws://127.0.0.1:{port}/", "refused")
    assert proc.stdout == ""


def test_handshake_refusal_names_the_http_status() -> None:
    with MockWebSocketServer() as server:
        server.fault_refuse_handshake(403)
        proc = run_cli(["connect", server.url])
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, "HTTP 403")


@pytest.mark.parametrize(("url", "fragment"), [
    ("http://example.com/", "ws:// or wss://"),
    ("ws://", "no host"),
    ("ws://host:99999/", "port"),
    ("ws://user:pw@host/", "--header"),
])
def test_bad_url_is_a_usage_error(capsys: pytest.CaptureFixture[str], url: str,
                                  fragment: str) -> None:
    assert main(["connect", url]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err, "bad URL", fragment)
    assert captured.out == ""


def test_bad_header_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["connect", "ws://127.0.0.1:1/", "--header", "no colon here"]) == 2
    assert_one_line_error(capsys.readouterr().err, "bad header", "Name: value")


def test_server_close_ends_the_client_with_status_0(
        cli: Start, echo_server: MockWebSocketServer) -> None:
    process = cli("connect", echo_server.url)
    process.stderr.expect(r"^\* connected")
    conn = echo_server.wait_for_connection(TIMEOUT)
    conn.close(1001, "bye")
    process.stderr.expect(r"^\* close frame received: 1001 'bye'$")
    assert conn.wait_for_close_frame(TIMEOUT).code == 1001  # the client's reply
    assert process.wait() == 0
    assert process.stderr.rest()[-1] == "* disconnected (close 1001 'bye')"


def test_connection_lost_is_one_error_line_and_status_1(
        cli: Start, echo_server: MockWebSocketServer) -> None:
    process = cli("connect", echo_server.url)
    process.stderr.expect(r"^\* connected")
    echo_server.wait_for_connection(TIMEOUT).drop()
    assert process.wait() == 1
    errors = [line for line in process.stderr.rest() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("fnc-ws connect: error: connection lost: ")
