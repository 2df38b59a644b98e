"""Client behaviour the other client tests leave unchecked: BoundIP as the source address, the
WatchDog back-off, CheckTimeout in manual mode, and the response header-count limit."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from typing import Any

import pytest
from client_support import WAIT, RawConnection, Recorder, wait_until
from server_support import running_server

from fnc_websocket.errors import EWebSocketClientHandshakeError
from fnc_websocket.types import irNone, irOK

# -- BoundIP ----------------------------------------------------------------------------------


def _can_bind(address: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((address, 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _can_bind("127.0.0.2"),
                    reason="127.0.0.2 cannot be bound here (only Linux routes all of 127/8 "
                           "to loopback)")
def test_bound_ip_is_the_source_address_the_server_sees(client_factory: Any) -> None:
    peers: list[str] = []
    with running_server(OnConnect=lambda Sender, AConnection: peers.append(AConnection.PeerIP)
                        ) as server:
        c = client_factory(server.BoundPort, BoundIP="127.0.0.2")
        rec = Recorder(c)
        c.Connect()
        rec.wait_for("OnConnect")
        assert peers == ["127.0.0.2"]
        wait_until(lambda: server.ConnectionCount == 1)
        assert server.Connections[0].PeerIP == "127.0.0.2"
        c.Disconnect()
        # without BoundIP the OS picks 127.0.0.1 for a 127.0.0.1 destination
        other = client_factory(server.BoundPort)
        rec2 = Recorder(other)
        other.Connect()
        rec2.wait_for("OnConnect")
        assert peers == ["127.0.0.2", "127.0.0.1"]


# -- WatchDog back-off ------------------------------------------------------------------------

def test_watchdog_delays_double_after_each_failed_attempt(client_raw: Any,
                                                          client_factory: Any) -> None:
    """Documented: reconnect after Interval, then twice as long for each further failure."""
    interval = 0.1
    stamps: list[float] = []
    lock = threading.Lock()

    def script(conn: RawConnection) -> None:
        with lock:
            stamps.append(time.monotonic())
            first = len(stamps) == 1
        if first:
            conn.handshake()  # then the server drops it: an unexpected disconnection
            return
        conn.read_request()  # every reconnect attempt fails: the server hangs up

    server = client_raw(script)
    c = client_factory(server.port)
    c.WatchDog.Enabled = True
    c.WatchDog.Interval = interval
    c.WatchDog.Attempts = 4
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnDisconnect", 5, timeout=8)  # the first session and 4 failed attempts
    assert rec.count("OnConnect") == 1
    errors = [e[1] for e in rec.of("OnError")]
    assert len(errors) == 5
    assert all(isinstance(e, EWebSocketClientHandshakeError) for e in errors[1:])
    # the server's view: gaps between the accepts of consecutive connections
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 4
    expected = [interval * 2 ** i for i in range(4)]  # 0.1, 0.2, 0.4, 0.8
    for gap, want in zip(gaps, expected, strict=True):
        assert want - 0.01 <= gap <= want + 0.25, f"gaps {gaps}, expected about {expected}"
    for earlier, later in itertools.pairwise(gaps):
        assert 1.5 <= later / earlier <= 2.6, f"gaps {gaps} do not double"


def test_watchdog_back_off_restarts_after_a_successful_reconnect(client_raw: Any,
                                                                 client_factory: Any) -> None:
    """A reconnect that succeeded resets the count: the next drop waits Interval again."""
    interval = 0.1
    stamps: list[float] = []

    def script(conn: RawConnection) -> None:
        stamps.append(time.monotonic())
        n = len(stamps)
        if n in (1, 3):  # connect, drop; fail once; connect, drop; then reconnect once more
            conn.handshake()
            return
        conn.read_request()

    server = client_raw(script)
    c = client_factory(server.port)
    c.WatchDog.Enabled = True
    c.WatchDog.Interval = interval
    rec = Recorder(c)
    c.Connect()
    wait_until(lambda: len(stamps) >= 4, 5)
    c.Disconnect()
    gaps = [b - a for a, b in itertools.pairwise(stamps[:4])]
    # 1 dropped -> Interval -> 2 fails -> 2*Interval -> 3 ok, dropped -> Interval -> 4
    assert interval - 0.01 <= gaps[0] <= interval + 0.25, gaps
    assert 2 * interval - 0.01 <= gaps[1] <= 2 * interval + 0.25, gaps
    assert interval - 0.01 <= gaps[2] <= interval + 0.25, gaps
    assert rec.count("OnConnect") == 2


# -- CheckTimeout -----------------------------------------------------------------------------

def test_check_timeout_waits_when_idle_and_returns_at_once_with_data(client_raw: Any,
                                                                     client_factory: Any) -> None:
    send_now = threading.Event()
    sent = threading.Event()
    finish = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        send_now.wait(WAIT)
        conn.send_frame(0x1, b"data")
        sent.set()
        finish.wait(WAIT)

    server = client_raw(script)
    c = client_factory(server.port, AutoCheckMessages=False, CheckTimeout=150)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    try:
        t0 = time.monotonic()
        assert c.CheckIncoming() is irNone
        waited = time.monotonic() - t0
        assert 0.14 <= waited < 1.0, waited
        send_now.set()
        assert sent.wait(WAIT)
        t0 = time.monotonic()
        assert c.CheckIncoming() is irOK
        assert time.monotonic() - t0 < 0.1
        assert [m[1] for m in rec.of("OnMessageReceived")] == ["data"]
    finally:
        finish.set()


def test_check_timeout_zero_does_not_wait(client_raw: Any, client_factory: Any) -> None:
    finish = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        finish.wait(WAIT)

    server = client_raw(script)
    c = client_factory(server.port, AutoCheckMessages=False)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    try:
        t0 = time.monotonic()
        assert c.CheckIncoming() is irNone
        assert time.monotonic() - t0 < 0.1
    finally:
        finish.set()


# -- at most 100 response header lines ---------------------------------------------------------

@pytest.mark.parametrize(("extra_lines", "ok"), [(97, True), (98, False)])
def test_more_than_100_response_headers_fail(client_raw: Any, client_factory: Any,
                                             extra_lines: int, ok: bool) -> None:
    """The 101 response has 3 header lines of its own; 100 in all pass, 101 fail."""
    finish = threading.Event()

    def script(conn: RawConnection) -> None:
        extra = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(extra_lines))
        conn.handshake(extra=extra)
        finish.wait(WAIT)

    server = client_raw(script)
    c = client_factory(server.port)
    rec = Recorder(c)
    c.Connect()
    try:
        if ok:
            rec.wait_for("OnConnect")
            assert rec.count("OnError") == 0
        else:
            rec.wait_for("OnDisconnect")
            error = rec.error()
            assert isinstance(error, EWebSocketClientHandshakeError)
            assert "Too many response headers" in str(error)
            assert rec.count("OnConnect") == 0
    finally:
        finish.set()
