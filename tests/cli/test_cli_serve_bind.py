"""``fnc-ws serve --bind``: the listening URL names the bound address, and the server listens
there (and only there)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

import pytest
from cli_support import TIMEOUT, CliProcess
from websockets.sync.client import connect

Start = Callable[..., CliProcess]


def start_bound(cli: Start, address: str) -> tuple[CliProcess, str, int]:
    process = cli("serve", "--bind", address, "--port", "0")
    first = process.stdout.expect(r".")
    match = re.match(r"listening on (ws://([^:/]+):(\d+)/) ", first.string)
    assert match, f"the first line must state the URL: {first.string!r}"
    assert match.group(2) == address
    port = int(match.group(3))
    assert port > 0
    return process, match.group(1), port


def _can_bind(address: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((address, 0))
        return True
    except OSError:
        return False


def test_bind_loopback_prints_its_url_and_serves_clients(cli: Start) -> None:
    process, url, _port = start_bound(cli, "127.0.0.1")
    assert url.startswith("ws://127.0.0.1:")
    with connect(url, open_timeout=TIMEOUT) as ws:
        process.stdout.expect(r"^\+ 127\.0\.0\.1:\d+ connected to / \(1 client\)")
        ws.send("over the bound address")
        assert ws.recv(timeout=TIMEOUT) == "over the bound address"
    process.stdout.expect(r"^- 127\.0\.0\.1:\d+ disconnected, close 1000 \(0 clients\)")


@pytest.mark.skipif(not _can_bind("127.0.0.2"),
                    reason="127.0.0.2 cannot be bound here (only Linux routes all of 127/8 "
                           "to loopback)")
def test_bind_listens_on_that_address_only(cli: Start) -> None:
    _process, url, port = start_bound(cli, "127.0.0.2")
    with connect(url, open_timeout=TIMEOUT) as ws:
        ws.send("hi")
        assert ws.recv(timeout=TIMEOUT) == "hi"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
