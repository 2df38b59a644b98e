"""Bounded connection cost: silent sockets hold no thread, a normal client still connects."""

from __future__ import annotations

import resource
import socket
import threading
import time

import pytest
from server_support import EventLog, running_server, wait_until
from websockets.sync.client import connect

from fnc_websocket.server import acceptor

SILENT = 1000


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


@pytest.mark.parametrize("listen_onconnect", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_a_thousand_silent_sockets_hold_no_threads_and_a_client_still_connects(
        listen_onconnect):
    _raise_fd_limit(2 * SILENT + 500)
    with running_server(MaxConnections=10) as server:
        server.OnMessageReceived = lambda S, C, M: C.Send(M)
        log = EventLog(server, ("OnConnect",)) if listen_onconnect else None
        port = server.BoundPort
        silent = []
        peak = [threading.active_count()]
        watching = threading.Event()

        def watch() -> None:  # the thread count while the sockets arrive and leave
            while not watching.wait(0.01):
                peak[0] = max(peak[0], threading.active_count())

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            for _ in range(SILENT):
                silent.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                peak[0] = max(peak[0], threading.active_count())
            if log is not None:  # every socket got its OnConnect (on short-lived threads)
                assert log.wait_for("OnConnect", SILENT, timeout=20)
            assert wait_until(lambda: server._runtime.acceptor.pending_count == SILENT, 10)
            peak[0] = max(peak[0], threading.active_count())
            start = time.monotonic()
            with connect(f"ws://127.0.0.1:{port}", open_timeout=5, close_timeout=2) as ws:
                ws.send("still here")
                assert ws.recv(timeout=5) == "still here"
            assert time.monotonic() - start < 5
            assert peak[0] <= 200, peak[0]
            assert threading.active_count() <= 200
            for s in silent:  # they all leave at once: still a bounded number of threads
                s.close()
            silent.clear()
            assert wait_until(lambda: server._runtime.acceptor.pending_count == 0, 20)
            assert peak[0] <= 200, peak[0]
        finally:
            watching.set()
            watcher.join(5)
            for s in silent:
                s.close()


def test_silent_sockets_time_out_with_onerror_and_ondisconnect(monkeypatch):
    from fnc_websocket.server import component

    monkeypatch.setattr(component, "HANDSHAKE_TIMEOUT", 0.5)
    with running_server() as server:
        log = EventLog(server)
        with socket.create_connection(("127.0.0.1", server.BoundPort), timeout=5) as sock:
            assert log.wait_for("OnDisconnect", timeout=5)
            assert sock.recv(10) == b""  # the server closed it
        assert log.names() == ["OnConnect", "OnError", "OnDisconnect"]
        assert "no handshake request within 0.5 s" in str(log.of("OnError")[0][1])


def test_past_max_pending_the_backlog_holds_the_rest(monkeypatch):
    monkeypatch.setattr(acceptor, "MAX_PENDING", 5)
    with running_server() as server:
        port = server.BoundPort
        silent = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(5)]
        try:
            assert wait_until(lambda: server._runtime.acceptor.pending_count == 5)
            late = socket.create_connection(("127.0.0.1", port), timeout=5)  # in the backlog
            silent.append(late)
            assert not wait_until(lambda: server._runtime.acceptor.pending_count > 5, 0.3)
            silent.pop(0).close()  # a slot frees up: the backlog's connection is accepted
            assert wait_until(lambda: server._runtime.acceptor.pending_count == 5)
        finally:
            for s in silent:
                s.close()


def test_bytes_that_cannot_start_a_request_are_answered_at_once():
    with running_server() as server:
        log = EventLog(server, ("OnError",))
        with socket.create_connection(("127.0.0.1", server.BoundPort), timeout=5) as sock:
            sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a TLS hello's start
            sock.shutdown(socket.SHUT_WR)
            start = time.monotonic()
            while sock.recv(4096):
                pass
        assert time.monotonic() - start < 3  # not the 10 s handshake timeout
        assert log.wait_for("OnError")
