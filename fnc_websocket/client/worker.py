"""The client's worker: one thread per connection attempt, around websocket-client's ``WebSocket``.

Each ``Connect`` creates a :class:`ClientWorker`. Its thread opens the connection
(:mod:`~fnc_websocket.client.opening`), fires ``OnConnect``, then serves the socket until the
connection ends: it waits (``poll``) on the socket, on its wake-up socket pair and on the next
deadline together, so data is handled when it arrives, another thread's request (a send to
write, ``Disconnect``, ``Free``) is seen at once, and a heartbeat ping, an overdue pong or an
unanswered close is acted on in time whatever the peer does.

Reading: :class:`~fnc_websocket.client.reading.IncomingFrames` (websocket-client's frame parser
on a buffered reader, then :mod:`fnc_websocket.messages`); with ``AutoSyncEvents`` the home
thread shares it while it waits (:mod:`~fnc_websocket.client.home_reading`). Writing:
:class:`~fnc_websocket.client.outgoing.OutgoingQueue`.

Items for the application (messages, control frames) go to the component's protected
``*Received`` methods on the thread that read them (``AutoCheckMessages``), or wait in an
inbox that ``CheckIncoming`` empties on the caller's thread (manual mode). Exactly one
``OnDisconnect`` fires per worker. The worker holds a weak reference to its component;
interpreter exit stops every live worker.
"""

from __future__ import annotations

import atexit
import logging
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import websocket

from fnc.application import Application
from fnc.exceptions import EComponentError
from fnc.fdwatch import drain
from fnc_websocket.client.connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.client.home_reading import GRACE, HomeReading
from fnc_websocket.client.opening import (
    Aborted,
    ClientSettings,
    open_websocket,
    peer_of,
    shutdown,
)
from fnc_websocket.client.outgoing import OutgoingQueue, encode_frame, encode_message
from fnc_websocket.client.reading import END, Inbox, IncomingFrames
from fnc_websocket.errors import (
    EWebSocketClient,
    EWebSocketClientConnectionLost,
    EWebSocketClientHeartBeatTimeout,
    EWebSocketClientTimeout,
)
from fnc_websocket.messages import (
    OP_CLOSE,
    OP_PING,
    Received,
    dispatch,
)
from fnc_websocket.types import (
    CLOSE_ABNORMAL,
    TTMSFNCWebSocketIncomingResult,
    irClose,
    irNone,
    irOK,
)

__all__ = ["ClientSettings", "ClientWorker", "stop_all_workers"]  # ClientSettings: re-export

log = logging.getLogger("fnc_websocket.client")

_MAX_WAIT = 30.0  # longest single poll; wake-ups are normally immediate


class _Ended(Exception):
    """The connection is over; ``error`` is what to report (None: a clean end)."""

    def __init__(self, error: EWebSocketClient | None = None) -> None:
        self.error = error


class ClientWorker:
    """One connection attempt and its thread; see the module docstring."""

    def __init__(self, component: Any, settings: ClientSettings) -> None:
        self._ref = weakref.ref(component)
        self.settings = settings
        self.conn = TTMSFNCWebSocketClientConnection(settings.options, self)
        self.state = "connecting"
        self.protocol = ""
        self.close_code = 0
        self.close_reason = ""
        self.user_closed = False
        self.was_open = False
        self.watchdog = False  # started by the WatchDog (its failures count as attempts)
        self.error: EWebSocketClient | None = None
        self.silent = False  # no more events (Free, exit)
        self.stop_requested = False
        self.finished = False
        self.tls = False
        self.peer: tuple[str, int] = ("", 0)
        self.ws: websocket.WebSocket | None = None
        self.lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.wake_r, self._wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.queue = OutgoingQueue(settings.send_queue_limit, self.wake)
        self.incoming = IncomingFrames(self)
        self.peer_closed = False
        self.failing = False
        self._close_deadline: float | None = None
        self._next_ping: float | None = None
        self.pong_deadline: float | None = None
        self._pings = 0
        self.inbox = Inbox()  # manual mode
        self.read_lock = threading.RLock()  # a handler may call Disconnect (re-entrant)
        self.reader = threading.Lock()  # held by whichever thread parses a burst
        self._home: HomeReading | None = None  # the home thread reads too (AutoSyncEvents)
        self._aside_until = 0.0  # the worker leaves the socket to the home thread until then
        self.thread = threading.Thread(target=self._run, name=settings.thread_name, daemon=True)
        _live.add(self)

    # -- control from other threads -------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    @property
    def active(self) -> bool:
        return not self.finished

    def wake(self) -> None:
        """End the worker's current wait (any thread)."""
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # already woken (buffer full) or closed

    def set_socket(self, sock: socket.socket) -> None:
        """The socket being opened, so that :meth:`abort` can shut it down."""
        with self.lock:
            self._sock = sock
            stop = self.stop_requested
        if stop:
            shutdown(sock)

    def abort(self, user: bool = True, silent: bool = False) -> None:
        """Stop now, without a close handshake (Disconnect(False), Free, exit)."""
        with self.lock:
            if user:
                self.user_closed = True
            if silent:
                self.silent = True
            self.stop_requested = True
            sock = self._sock
            ws_sock = self.ws.sock if self.ws is not None else None
        shutdown(sock)
        shutdown(ws_sock)
        self.wake()
        if not self.thread.is_alive() and not self.settings.auto_check:
            self.finish(None)  # manual mode: nobody else will end it

    def join(self, timeout: float) -> bool:
        """Wait for the thread to end (not from the worker itself); True when it ended."""
        thread = self.thread
        if thread is threading.current_thread() or thread.ident is None:
            return not thread.is_alive()
        thread.join(timeout)
        return not thread.is_alive()

    # -- sending (any thread; see OutgoingQueue) ------------------------------------------------

    def send_message(self, opcode: int, payload: Any, frame_size: int) -> None:
        self.conn._check_can_send()
        if type(payload) is memoryview and (payload.itemsize != 1 or payload.ndim != 1
                                            or not payload.c_contiguous):
            payload = payload.tobytes()  # its bytes, in order (len() then counts bytes)
        self.queue.put_message(encode_message(opcode, payload, frame_size), len(payload))

    def send_control(self, opcode: int, payload: bytes) -> None:
        """The application's ping or pong (counted against SendQueueLimit)."""
        self.conn._check_can_send()
        self.queue.put_control(encode_frame(opcode, payload), user=True)

    def send_close(self, payload: bytes, after_data: bool = True) -> bool:
        """Queue our close frame; the peer's reply is due within CloseTimeout from now."""
        self.conn._check_can_send()
        if not self.queue.put_close(encode_frame(OP_CLOSE, payload), after_data):
            return False
        self.conn._close_sent = True
        with self.lock:
            if self.state == "open":
                self.state = "closing"
            if self._close_deadline is None:
                self._close_deadline = time.monotonic() + self.settings.close_timeout
            self._next_ping = self.pong_deadline = None  # closing: the heartbeat is over
        self.wake()
        return True

    def split_frame_size(self) -> int:
        """The component's frame size for a send of the connection (0: unsplit, also when the
        component is gone or being freed)."""
        comp = self._ref()
        if comp is None:
            return 0
        try:
            return comp._split_frame_size()
        except Exception:  # a component being freed: send unsplit
            return 0

    # -- manual mode (AutoCheckMessages = False): the caller's thread ---------------------------

    def check_incoming(self, timeout: float) -> TTMSFNCWebSocketIncomingResult:
        """Wait at most ``timeout`` s for items, then hand every waiting one to the component."""
        with self.read_lock:
            if self.finished:
                return irClose
            items = self.inbox.take(timeout)
            self.wake()  # reading may resume
            if not items:
                return irNone
            for item in items:
                if item is END:
                    self.finish(self.error, fire_error=True)
                    return irClose
                self._dispatch(item)
            return irOK

    def drain_inbox(self) -> None:
        """Manual mode, after the thread ended: deliver what waits, then end (Disconnect)."""
        if self.check_incoming(0.0) is not irClose:
            self.finish(self.error, fire_error=True)

    # -- events -----------------------------------------------------------------------------

    def component(self) -> Any:
        """The client component, or None once it is gone or being freed (then stop)."""
        comp = self._ref()
        if comp is None or comp.__dict__.get("_fnc_freeing"):
            self.stop_requested = True
            return None
        return comp

    def fire(self, name: str, *args: Any) -> None:
        """Fire the component's event ``name`` with this connection (nothing when silent)."""
        if self.silent:
            return
        comp = self.component()
        if comp is not None:
            fire = getattr(type(comp), name).fire
            calls = self._home.collecting() if self._home is not None else None
            if calls is not None:  # the home thread parses: after the parse, in order
                calls.append((fire, (comp, self.conn, *args)))
            else:
                fire(comp, self.conn, *args)

    def received(self, item: Received) -> None:
        """An item the parser produced (called by whichever thread parses, holding
        ``reader``; the worker's ``END`` in manual mode)."""
        home = self._home
        if home is not None and home.calls is not None:
            # only the parser calls this, so the home thread: after the parse, in order
            home.calls.append((self._dispatch, (item,)))
        elif self.settings.auto_check:
            self._dispatch(item)
        else:
            self.inbox.put(item)

    def _dispatch(self, item: Received) -> None:
        if self.silent:
            return
        comp = self.component()
        if comp is not None:
            dispatch(comp, self.conn, item, self._handler_failed)

    def _handler_failed(self, exc: BaseException) -> None:
        """An override of a ``*Received`` method raised: Application.HandleException."""
        comp = self._ref()
        if comp is not None and not isinstance(exc, EComponentError):  # freed: nothing to say
            Application.HandleException(exc, comp)

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        error: EWebSocketClient | None = None
        try:
            self.ws = open_websocket(self)
            # Ready to write before anyone may send (HandshakeCompleted, OnConnect): a send
            # then goes out at once, in order with what follows it.
            self.ws.sock.setblocking(False)
            self.incoming.attach(self.ws)
            self.queue.attach(self.ws.sock, direct=not self.tls)
            with self.lock:
                if self.stop_requested:
                    raise Aborted
                self._sock = self.ws.sock
                self.state = "open"
                self.conn._handshake_completed = True
            self.was_open = True
            self.peer = self.peer if self.peer[0] else peer_of(self.ws.sock)
            self.fire("OnConnect")
            self._serve()
        except Aborted:
            pass
        except _Ended as end:
            error = end.error
        except EWebSocketClient as exc:
            error = exc
        except Exception as exc:  # a bug, or an OS error nobody foresaw
            log.exception("unexpected error in the client worker")
            error = EWebSocketClient(f"the client worker failed: {exc!r}")
            error.__cause__ = exc
        self._release()
        if self.settings.auto_check or not self.was_open or self.silent:
            self.finish(error)
        else:
            if error is not None and self.error is None:
                self.error = error
            self.received(END)

    def _serve(self) -> None:
        ws = self.ws
        assert ws is not None
        sock = ws.sock
        if self.settings.heartbeat_interval > 0:
            self._next_ping = time.monotonic() + self.settings.heartbeat_interval
        self._home = home = HomeReading.open(self, sock)
        poller = select.poll()
        wake_fd = self.wake_r.fileno()
        sock_fd = sock.fileno()
        poller.register(wake_fd, select.POLLIN)
        poller.register(sock_fd, select.POLLIN)
        mask = select.POLLIN
        more = False
        broken = select.POLLERR | select.POLLHUP  # reported even while POLLIN is off
        while True:
            wait_ms = 0.0 if more else self._wait_ms()
            if self._aside_until:  # the home thread reads: look again later (now if closing)
                now = time.monotonic()
                if now >= self._aside_until or home is None or self.queue.close_queued:
                    self._aside_until = 0.0
                else:
                    wait_ms = min(wait_ms, (self._aside_until - now) * 1000.0)
            want = (select.POLLIN if not self.inbox.full and not self._aside_until
                    else 0)
            if self.queue.pending():
                want |= select.POLLOUT
            if want != mask:
                poller.modify(sock_fd, want)
                mask = want
            events = poller.poll(wait_ms)
            readable = more and bool(mask & select.POLLIN)
            hangup = False
            for fd, ev in events:
                if fd == wake_fd:
                    drain(self.wake_r)
                elif ev & (select.POLLIN | broken):
                    readable = True
                    hangup = bool(ev & broken)
            if self.stop_requested:
                raise Aborted
            if home is not None and home.error is not None:
                raise self._lost(home.error)
            try:
                more = readable and self._read_burst(sock, hangup)
                if self.queue.pending():
                    self.queue.write()
            except (OSError, EOFError, websocket.WebSocketException) as exc:
                raise self._lost(exc) from None
            if self._close_deadline or self._next_ping or self.pong_deadline:
                self._check_deadlines(time.monotonic())

    def _read_burst(self, sock: socket.socket, hangup: bool) -> bool:
        """Read and parse a burst unless the home thread is at it (then step aside; not for
        a broken socket, which poll reports whatever the mask, nor once we are closing)."""
        home = self._home
        now = time.monotonic()
        if ((home is not None and not hangup and not self.queue.close_queued
             and home.busy(now)) or not self.reader.acquire(blocking=False)):
            self._aside_until = now + GRACE
            return False
        try:
            return self.incoming.read_burst(sock)
        finally:
            self.reader.release()

    def expect_eof(self) -> None:
        """Both close frames are on their way: the server should now end TCP."""
        with self.lock:
            if self.state == "open":
                self.state = "closing"
            if self._close_deadline is None:
                self._close_deadline = time.monotonic() + self.settings.close_timeout
        self._next_ping = self.pong_deadline = None
        if threading.current_thread() is not self.thread:
            self.wake()  # the worker's wait must end by the new deadline

    def fail(self, exc: EWebSocketClient) -> None:
        """Fail the connection (RFC 6455 §7.1.7): report, close with the code, discard input
        until the server closes TCP (or CloseTimeout)."""
        self.failing = True
        self.error = exc
        if self.close_code == 0:
            self.close_code = exc.CloseCode
            self.close_reason = str(exc)
        if self.settings.auto_check:
            self.fire("OnError", exc)
        if self.queue.put_close(encode_frame(OP_CLOSE, exc.CloseCode.to_bytes(2, "big")),
                                after_data=False):
            self.conn._close_sent = True
        self.expect_eof()

    def _lost(self, exc: BaseException) -> _Ended:
        """The socket ended (``exc``): a clean end after the close handshake, else an error."""
        if self.stop_requested or self.failing or (self.peer_closed and self.queue.close_queued):
            return _Ended(None)
        if isinstance(exc, EOFError):
            return _Ended(EWebSocketClientConnectionLost(
                "the server closed the TCP connection without a close frame"))
        err = EWebSocketClientConnectionLost(f"the connection broke: {exc}")
        err.__cause__ = exc
        return _Ended(err)

    # -- deadlines ------------------------------------------------------------------------------

    def _wait_ms(self) -> float:
        if not (self._close_deadline or self._next_ping or self.pong_deadline):
            return _MAX_WAIT * 1000.0
        now = time.monotonic()
        timeout = _MAX_WAIT
        for due in (self._close_deadline, self._next_ping, self.pong_deadline):
            if due is not None:
                timeout = min(timeout, due - now)
        return max(0.0, timeout) * 1000.0

    def _check_deadlines(self, now: float) -> None:
        due = self._close_deadline
        if due is not None and now >= due:
            if self.peer_closed or self.failing:
                raise _Ended(None)
            ms = round(self.settings.close_timeout * 1000)
            raise _Ended(EWebSocketClientTimeout(
                f"the server did not answer the close frame within CloseTimeout ({ms} ms)"))
        due = self.pong_deadline
        if due is not None and now >= due:
            raise _Ended(EWebSocketClientHeartBeatTimeout(
                f"HeartBeat: no pong within {self.settings.heartbeat_timeout:g} s; the server "
                "is considered dead"))
        due = self._next_ping
        if due is not None and now >= due and not self.queue.close_queued:
            self._pings += 1
            self._next_ping = now + self.settings.heartbeat_interval
            if self.settings.heartbeat_timeout > 0 and self.pong_deadline is None:
                # before the ping goes out: the home thread may read the pong at once
                self.pong_deadline = now + self.settings.heartbeat_timeout
            self.queue.put_control(encode_frame(OP_PING, b"fnc-hb-%d" % self._pings))

    # -- the end ------------------------------------------------------------------------------

    def _release(self) -> None:
        """Close the socket and drop what waits to be sent (the worker, at its end)."""
        with self.lock:
            sock = self._sock
            ws_sock = self.ws.sock if self.ws is not None else None
        if self._home is not None:
            self._home.close()
        self.queue.discard()
        for s in (ws_sock, sock):
            shutdown(s)
            if s is not None:
                s.close()
        with self.conn._send_lock:
            self.conn._closed = True

    def finish(self, error: EWebSocketClient | None, fire_error: bool = True) -> None:
        """End once: fire OnError (a new ``error``) and OnDisconnect, tell the component."""
        with self.lock:
            if self.finished:
                return
            self.finished = True
            self.state = "closed"
        with self.conn._send_lock:
            self.conn._closed = True
        self.wake_r.close()
        self._wake_w.close()
        if not self.peer_closed:
            self.close_code = self.close_code or CLOSE_ABNORMAL
        if error is not None and fire_error and (self.error is None or self.error is error):
            reported_by_fail = self.failing and self.settings.auto_check
            self.error = error
            if not reported_by_fail:
                self.fire("OnError", error)
        self.fire("OnDisconnect")
        _live.discard(self)
        if not self.silent:
            comp = self.component()
            if comp is not None:
                comp.home_queue.post(_worker_ended, (self._ref, self))


def _worker_ended(ref: Callable[[], Any], worker: ClientWorker) -> None:
    comp = ref()
    if comp is not None and not comp.is_destroyed:
        comp._session_ended(worker)


# -- interpreter exit ---------------------------------------------------------------------------

_live: weakref.WeakSet[ClientWorker] = weakref.WeakSet()


def stop_all_workers(timeout: float = 2.0) -> None:
    """Abort every live worker silently and join it (bounded by ``timeout`` s in all)."""
    workers = list(_live)
    for worker in workers:
        worker.abort(user=True, silent=True)
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))


atexit.register(stop_all_workers)
