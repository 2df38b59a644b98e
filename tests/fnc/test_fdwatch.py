"""A message queue that watches sockets (``MessageQueue.watch_readable``, ``fnc.fdwatch``):
the pumping thread reads them itself while the queue is idle."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from fnc import Application
from fnc.threads import current_queue


@pytest.fixture(autouse=True, params=["epoll", "poll"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on each wait the platform may give the queue (Linux has both)."""
    if request.param == "poll":
        monkeypatch.delattr(select, "epoll", raising=False)
    elif not hasattr(select, "epoll"):
        pytest.skip("this platform has no epoll")
    assert current_queue()._poller is None  # a poller is made with the first watch
    return request.param


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.setblocking(False)
    yield a, b
    a.close()
    b.close()


def _drain(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""


def test_callback_runs_on_the_pumping_thread_when_readable(pair, backend):
    a, b = pair
    q = current_queue()
    seen: list[tuple[bytes, str]] = []
    watch = q.watch_readable(a, lambda: seen.append((_drain(a), threading.current_thread().name)))
    try:
        assert q._poller is not None and type(q._poller._poll).__name__ == backend
        writer = threading.Thread(target=b.sendall, args=(b"ping",))
        writer.start()
        assert Application.ProcessMessagesUntil(lambda: seen, timeout=5)
        writer.join(5)
        assert seen == [(b"ping", threading.current_thread().name)]
        assert watch.last_call > 0 and not watch.busy and not watch.waiting
    finally:
        q.unwatch(watch)


def test_a_post_wakes_a_pump_that_waits_on_sockets(pair):
    a, _b = pair
    q = current_queue()
    watch = q.watch_readable(a, lambda: _drain(a))
    ran = threading.Event()
    try:
        def post_once_waiting() -> None:
            deadline = time.monotonic() + 5
            while not watch.waiting and time.monotonic() < deadline:
                ran.wait(0.001)  # a bounded poll of the condition "the pump waits on sockets"
            q.post(ran.set)

        poster = threading.Thread(target=post_once_waiting)
        t0 = time.monotonic()
        poster.start()
        # One wait of up to 10 s: it must end when the call is posted, not at its timeout.
        assert Application.HandleMessage(timeout=10.0)
        assert ran.is_set() and time.monotonic() - t0 < 5.0
        poster.join(5)
    finally:
        q.unwatch(watch)


def test_readable_socket_comes_after_calls_posted_before(pair):
    a, b = pair
    q = current_queue()
    order: list[str] = []
    watch = q.watch_readable(a, lambda: (_drain(a), order.append("socket")))
    try:
        b.sendall(b"x")  # readable before the pump waits
        q.post(order.append, ("posted",))
        assert Application.ProcessMessagesUntil(lambda: len(order) == 2, timeout=5)
        assert order == ["posted", "socket"]
    finally:
        q.unwatch(watch)


def test_callback_is_not_reentered_by_a_nested_pump(pair):
    a, b = pair
    q = current_queue()
    depth = [0]
    calls = [0]
    nested_ran = threading.Event()

    def on_readable() -> None:
        calls[0] += 1
        depth[0] += 1
        try:
            # The socket stays readable: a nested pump must not call us again, and it still
            # runs posted calls.
            q.post(nested_ran.set)
            Application.ProcessMessagesUntil(nested_ran.is_set, timeout=5)
            assert depth[0] == 1
        finally:
            depth[0] -= 1
        _drain(a)

    watch = q.watch_readable(a, on_readable)
    try:
        b.sendall(b"x")
        assert Application.ProcessMessagesUntil(lambda: calls[0] >= 1 and depth[0] == 0,
                                                timeout=5)
        assert nested_ran.is_set() and calls[0] == 1
    finally:
        q.unwatch(watch)


def test_a_nested_wait_serves_other_sockets_and_the_running_one_is_watched_again(pair):
    a, b = pair
    c, d = socket.socketpair()
    c.setblocking(False)
    q = current_queue()
    order: list[str] = []

    def on_a() -> None:
        order.append("a")
        if len(order) == 1:
            # ``a`` stays readable while this runs; a nested wait leaves it out (no second
            # call, no spinning) and still serves the other watched socket.
            d.sendall(b"y")
            assert Application.ProcessMessagesUntil(lambda: "c" in order, timeout=5)
        _drain(a)

    watch_a = q.watch_readable(a, on_a)
    watch_c = q.watch_readable(c, lambda: (_drain(c), order.append("c")))
    try:
        b.sendall(b"x")
        assert Application.ProcessMessagesUntil(lambda: order == ["a", "c"], timeout=5)
        b.sendall(b"x")  # once its callback ended, ``a`` is waited on again
        assert Application.ProcessMessagesUntil(lambda: len(order) == 3, timeout=5)
        assert order == ["a", "c", "a"]
    finally:
        q.unwatch(watch_a)
        q.unwatch(watch_c)
        c.close()
        d.close()


def test_a_descriptor_number_reused_before_the_old_unwatch_serves_the_new_socket():
    q = current_queue()
    a, b = socket.socketpair()
    old_fd = a.fileno()
    old = q.watch_readable(a, lambda: None)
    a.close()  # closed before its unwatch (a connection torn down from another thread)
    c, d = socket.socketpair()
    c.setblocking(False)
    calls: list[bytes] = []
    new = None
    try:
        if c.fileno() != old_fd:
            pytest.skip("the system did not reuse the descriptor number")
        new = q.watch_readable(c, lambda: calls.append(_drain(c)))
        d.sendall(b"1")
        assert Application.ProcessMessagesUntil(lambda: calls == [b"1"], timeout=5)
        q.unwatch(old)  # the late unwatch of the old socket leaves the new watch alone
        d.sendall(b"2")
        assert Application.ProcessMessagesUntil(lambda: calls == [b"1", b"2"], timeout=5)
        assert old.closed and not new.closed
    finally:
        if new is not None:
            q.unwatch(new)
        q.unwatch(old)
        for s in (b, c, d):
            s.close()


def test_unwatch_stops_callbacks_and_plain_waiting_resumes(pair):
    a, b = pair
    q = current_queue()
    calls: list[int] = []
    watch = q.watch_readable(a, lambda: calls.append(1))
    q.unwatch(watch)
    b.sendall(b"x")  # readable, but no longer watched
    ran = threading.Event()
    poster = threading.Thread(target=q.post, args=(ran.set,))
    poster.start()
    assert Application.ProcessMessagesUntil(ran.is_set, timeout=5)
    poster.join(5)
    assert calls == [] and watch.closed
    assert q._poller is None  # no socket pair is kept once nothing is watched


def test_a_socket_is_claimed_from_the_poll_that_found_it_readable(pair):
    """Another reader leaves the socket alone while the pump waits on it, and from the moment
    its poll found it readable (before the callback runs) until GRACE after."""
    from fnc.fdwatch import GRACE

    a, b = pair
    q = current_queue()
    claims: list[tuple[bool, bool]] = []

    def callback() -> None:
        now = time.monotonic()
        claims.append((watch.claimed(now), watch.claimed(now + GRACE + 0.001)))
        _drain(a)

    watch = q.watch_readable(a, callback)
    try:
        assert not watch.claimed(time.monotonic())  # never waited on, never read
        q.post(b.sendall, (b"x",))  # runs first; the pump then polls: readable at once
        assert Application.ProcessMessagesUntil(lambda: claims, timeout=5)
        assert claims == [(True, False)]
        assert not watch.waiting
    finally:
        q.unwatch(watch)
    assert not watch.claimed(time.monotonic())  # an ended watch claims nothing
