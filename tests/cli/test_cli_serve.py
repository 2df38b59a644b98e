"""``fnc-ws serve``: modes, options, logging, and a clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import re
import signal
import socket
from collections.abc import Callable

import pytest
from cli_support import TIMEOUT, CliProcess, assert_one_line_error, run_cli
from websockets.exceptions import ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect

from fnc_websocket.testing.certs import MockCertificates

Start = Callable[..., CliProcess]


def start_server(cli: Start, *args: str) -> tuple[CliProcess, str]:
    """Start ``serve --port 0`` and return the process and the URL its first line states."""
    process = cli("serve", "--port", "0", *args)
    first = process.stdout.expect(r".")
    match = re.match(r"listening on (wss?://\S+) ", first.string)
    assert match, f"the first line must state the URL: {first.string!r}"
    return process, match.group(1)


def test_echo_mode_answers_the_sender_and_logs_connections(cli: Start) -> None:
    process, url = start_server(cli, "--mode", "echo")
    assert re.match(r"ws://127\.0\.0\.1:\d+/$", url)
    with connect(url + "room?x=1", open_timeout=TIMEOUT) as ws:
        process.stdout.expect(r"^\+ 127\.0\.0\.1:\d+ connected to /room\?x=1 \(1 client\)")
        ws.send("hello")
        assert ws.recv(timeout=TIMEOUT) == "hello"
        ws.send(b"\x00\xff")
        assert ws.recv(timeout=TIMEOUT) == b"\x00\xff"
    process.stdout.expect(r"^- 127\.0\.0\.1:\d+ disconnected, close 1000 \(0 clients\)")


def test_chat_mode_relays_to_everyone_else(cli: Start) -> None:
    _, url = start_server(cli, "--mode", "chat")
    with connect(url, open_timeout=TIMEOUT) as alice, connect(url, open_timeout=TIMEOUT) as bob:
        alice.send("from alice")
        assert bob.recv(timeout=TIMEOUT) == "from alice"
        bob.send(b"from bob")
        # Had alice's own message come back, it would have been queued to her before bob even
        # received it: so her first message proves she did not get her own.
        assert alice.recv(timeout=TIMEOUT) == b"from bob"


def test_broadcast_mode_sends_to_everyone_including_the_sender(cli: Start) -> None:
    process, url = start_server(cli, "--mode", "broadcast", "--verbose")
    with connect(url, open_timeout=TIMEOUT) as alice, connect(url, open_timeout=TIMEOUT) as bob:
        process.stdout.expect(r"connected to / \(2 clients\)")
        alice.send("to all")
        assert alice.recv(timeout=TIMEOUT) == "to all"
        assert bob.recv(timeout=TIMEOUT) == "to all"
    process.stdout.expect(r"127\.0\.0\.1:\d+ text: to all")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_closes_clients_with_1001_and_exits_0(cli: Start, signum: int) -> None:
    process, url = start_server(cli)
    with connect(url, open_timeout=TIMEOUT) as ws:
        process.stdout.expect(r"connected")
        process.signal(signum)
        with pytest.raises(ConnectionClosedOK) as closed:
            ws.recv(timeout=TIMEOUT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert process.wait(TIMEOUT) == 0
    rest = process.stdout.rest()
    assert any(line.startswith(f"stopping ({signal.Signals(signum).name})") for line in rest)
    assert rest[-1] == "stopped"
    assert "Traceback" not in "\n".join(process.stderr.rest())


def test_path_restricts_the_request_path(cli: Start) -> None:
    _, url = start_server(cli, "--path", "chat")
    assert url.endswith("/chat")
    with connect(url, open_timeout=TIMEOUT) as ws:
        ws.send("ok")
        assert ws.recv(timeout=TIMEOUT) == "ok"
    with pytest.raises(InvalidStatus) as refused:
        connect(url.rsplit("/", 1)[0] + "/other", open_timeout=TIMEOUT)
    assert refused.value.response.status_code == 404


def test_allow_origin_takes_repeats_and_comma_lists(cli: Start) -> None:
    process, url = start_server(cli, "--allow-origin", "https://a.example",
                                "--allow-origin", "https://b.example, https://c.example")
    for origin in ("https://a.example", "https://c.example"):
        with connect(url, origin=origin, open_timeout=TIMEOUT) as ws:  # type: ignore[arg-type]
            ws.send("hi")
            assert ws.recv(timeout=TIMEOUT) == "hi"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin="https://evil.example", open_timeout=TIMEOUT)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    process.stdout.expect(r"^! .*127\.0\.0\.1:\d+.* HTTP 403: origin 'https://evil\.example'")


def test_tls_serves_wss(cli: Start) -> None:
    certificates = MockCertificates()
    try:
        process, url = start_server(cli, "--tls-cert", certificates.cert_file,
                                    "--tls-key", certificates.key_file)
        assert url.startswith("wss://127.0.0.1:")
        with connect(url, ssl=certificates.client_context(), open_timeout=TIMEOUT) as ws:
            ws.send("secret")
            assert ws.recv(timeout=TIMEOUT) == "secret"
        process.signal(signal.SIGINT)
        assert process.wait() == 0
    finally:
        certificates.cleanup()


def test_port_in_use_is_one_line_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_cli(["serve", "--port", str(port)])
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, f"127.0.0.1:{port}", "in use")
    assert proc.stdout == ""


def test_missing_certificate_file_is_a_usage_error() -> None:
    proc = run_cli(["serve", "--port", "0", "--tls-cert", "no-such-cert.pem"])
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "--tls-cert", "no-such-cert.pem")
