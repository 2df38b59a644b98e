"""The running part of a server component: listening socket, threads, connection registry.

One :class:`ServerRuntime` exists per activation (``Active = True`` … ``Active = False``). It owns
three kinds of thread, all joined (bounded) by :meth:`ServerRuntime.stop`:

* the *accept thread* (see ``server.acceptor``): accepts TCP connections and waits, without a
  thread each, for their TLS handshake and request head; then starts one connection thread each;
* the *connection threads* (see ``server.connection``), each reading its socket and dispatching
  its events, plus a *writer thread* while that connection has messages to send
  (``server.outgoing``);
* the *housekeeper*: heartbeat pings, ``SendTimeout`` and the deadlines after which a connection
  that should have closed is dropped.

The runtime holds its component weakly, so a component dropped without ``Free()`` is still
collected, and its ``fnc_release_unfreed`` hook stops the runtime. Interpreter exit stops every
runtime still running (``atexit``).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import ssl
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

import attrs

from fnc.exceptions import EComponentError, ESynchronizeTimeout
from fnc.threads import synchronize_on
from fnc_websocket.server.acceptor import MAX_STARTING, Acceptor
from fnc_websocket.server.connection import TTMSFNCWebSocketServerConnection
from fnc_websocket.server.engine import EngineServer, Response
from fnc_websocket.server.http import (
    GET_COMMANDS,
    TTMSFNCWebSocketHTTPRequest,
    TTMSFNCWebSocketHTTPResponse,
    default_answer,
    respond,
    response_problem,
)
from fnc_websocket.server.lifetime import StopAtExit, fire_event, join_thread

if TYPE_CHECKING:
    from fnc_websocket.server.component import TTMSFNCCustomWebSocketServer

__all__ = ["ServerRuntime", "ServerSettings", "stop_all_servers"]

log = logging.getLogger("fnc_websocket.server")

_JOIN_GRACE = 2.0
"""Seconds a stop waits for a thread after its connection was aborted."""

_KEEPER_TICK = 0.25
"""Longest sleep of the housekeeper: how late a stalled client may be dropped (seconds)."""

_MAX_STOP_WAIT = 60.0
"""Longest a stop waits for clients to finish their closing handshakes before aborting them."""


@attrs.frozen
class ServerSettings:
    """The settings fixed for one activation."""

    options: frozenset[Any]
    compression: bool
    max_message_size: int
    close_timeout: float
    handshake_timeout: float
    send_queue_limit: int
    send_timeout: float
    receive_queue_limit: int
    ssl_context: ssl.SSLContext | None


class ServerRuntime:
    """Listening socket, accept thread, housekeeper and connections of one activation."""

    def __init__(self, component: TTMSFNCCustomWebSocketServer, settings: ServerSettings,
                 listener: socket.socket) -> None:
        self._component = weakref.ref(component)
        self.settings = settings
        self.listener = listener
        self.bound_port: int = listener.getsockname()[1]
        self.engine_server = EngineServer()
        self.stopping = False
        self._stop_started = False
        self._lock = threading.Lock()
        self._threads: dict[threading.Thread, TTMSFNCWebSocketServerConnection] = {}
        self._open: dict[TTMSFNCWebSocketServerConnection, None] = {}
        self._slots = 0
        self._accepted = 0
        self._keeper_cond = threading.Condition()
        self._keeper_stop = False
        self._aborts: list[tuple[float, int, TTMSFNCWebSocketServerConnection]] = []
        self._abort_seq = itertools.count()
        name = f"{component.Name or type(component).__name__}:{self.bound_port}"
        self.acceptor = Acceptor(self, name)
        self._keeper_thread = threading.Thread(
            target=self._keeper_loop, name=f"fnc-ws-server-housekeeper {name}", daemon=True)

    def start(self) -> None:
        self.listener.setblocking(False)
        _live_runtimes.add(self)
        self.acceptor.start()
        self._keeper_thread.start()

    # -- the component, read live -------------------------------------------------------------

    def component(self) -> TTMSFNCCustomWebSocketServer | None:
        comp = self._component()
        if comp is None or comp.is_destroyed:
            return None
        return comp

    def _read(self, name: str, default: Any) -> Any:
        comp = self.component()
        if comp is None:
            return default
        try:
            return getattr(comp, name)
        except EComponentError:
            return default

    def path_name(self) -> str:
        return self._read("PathName", "")

    def allowed_origins(self) -> frozenset[str]:
        text = self._read("AllowedOrigins", "")
        return frozenset(o.strip().lower() for o in text.replace(";", ",").split(",")
                         if o.strip())

    def max_connections(self) -> int:
        return self._read("MaxConnections", 0)

    def split_message(self) -> bool:
        return self._read("SplitMessage", False)

    def frame_size(self) -> int:
        return self._read("FrameSize", 0)

    def fire(self, event: str, *args: Any) -> None:
        """Raise the component's event ``event`` (thread rules of fnc.events)."""
        fire_event(self.component(), event, *args)

    # -- plain HTTP -----------------------------------------------------------------------------

    def answer_http(self, request: TTMSFNCWebSocketHTTPRequest,
                    conn: TTMSFNCWebSocketServerConnection) -> Response:
        """Answer a plain HTTP request: ``OnCommandGet`` (GET, POST, HEAD, as Indy) or
        ``OnCommandOther`` (any other method) when assigned, else the default answer.

        With AutoSyncEvents the handler runs on the home thread and the connection thread waits
        for it (at most the handshake timeout; then 503). A response the handler left unsafe to
        send (a control character in a header field, a bad header name...) is replaced by a
        500 that carries nothing of it, and ``OnError`` (on ``conn``) names the field.
        """
        response = TTMSFNCWebSocketHTTPResponse()
        comp = self.component()
        event = "OnCommandGet" if request.Command in GET_COMMANDS else "OnCommandOther"
        slot = getattr(type(comp), event) if comp is not None else None
        queue = self.marshal_queue(comp) if comp is not None else None
        if slot is None or not slot.assigned(comp):
            default_answer(request, response)
        elif queue is not None and threading.get_ident() != queue.ident:
            try:
                synchronize_on(queue, slot.fire_inline, (comp, request, response),
                               timeout=self.settings.handshake_timeout)
            except ESynchronizeTimeout:
                return respond(503, "The server's home thread did not answer in time.\n")
        else:
            slot.fire_inline(comp, request, response)
        problem = response_problem(response)
        if problem is not None:
            conn._report_error(f"the answer to {request.Command} {request.RawDocument[:200]!r} "
                               f"from {request.RemoteIP}:{request.RemotePort} was not sent: "
                               f"{problem}; answered 500 instead", status_code=500)
            return respond(500, "Internal Server Error: the server's answer was invalid.\n")
        headers = dict(response.CustomHeaders)
        result = respond(response.ResponseNo, body=response.body,
                         content_type=response.ContentType, headers=headers,
                         head_only=request.Command == "HEAD")
        if response.ResponseText:
            result.reason_phrase = response.ResponseText
        return result

    # -- registry ---------------------------------------------------------------------------

    def reserve_slot(self) -> bool:
        """Count a connection against MaxConnections; False when the server is full."""
        limit = self.max_connections()
        with self._lock:
            if limit and self._slots >= limit:
                return False
            self._slots += 1
            return True

    def release_slot(self) -> None:
        with self._lock:
            self._slots -= 1

    def connection_opened(self, conn: TTMSFNCWebSocketServerConnection) -> None:
        with self._lock:
            self._open[conn] = None

    def connection_closed(self, conn: TTMSFNCWebSocketServerConnection) -> None:
        with self._lock:
            self._open.pop(conn, None)

    def open_connections(self) -> tuple[TTMSFNCWebSocketServerConnection, ...]:
        """The handshaken connections that are not closed, in the order they opened."""
        with self._lock:
            return tuple(self._open)

    def release_user_data(self, conn: TTMSFNCWebSocketServerConnection) -> None:
        """Free ``UserData`` of a connection that owns it, after its ``OnDisconnect`` ran."""
        comp = self.component()
        queue = self.marshal_queue(comp) if comp is not None else None
        if queue is not None and threading.get_ident() != queue.ident:
            # Decide on the home thread, after the queued events: their handlers may only now
            # set UserData/OwnsUserData.
            queue.post(_release, (conn,), comp)
        else:
            _release(conn)

    # -- deadlines and heartbeat (housekeeper thread) -----------------------------------------

    def schedule_abort(self, conn: TTMSFNCWebSocketServerConnection, delay: float) -> None:
        """Drop ``conn`` after ``delay`` seconds unless it has closed by then."""
        with self._keeper_cond:
            heapq.heappush(self._aborts, (time.monotonic() + delay, next(self._abort_seq), conn))
            self._keeper_cond.notify()

    def _heartbeat_settings(self) -> tuple[bool, float, float]:
        comp = self.component()
        if comp is None:
            return False, 0.0, 0.0
        try:
            hb = comp.HeartBeat
            return hb.Enabled, hb.Interval, hb.Timeout
        except EComponentError:
            return False, 0.0, 0.0

    def _keeper_loop(self) -> None:
        next_beat = 0.0
        while True:
            due: list[TTMSFNCWebSocketServerConnection] = []
            with self._keeper_cond:
                if self._keeper_stop:
                    return
                now = time.monotonic()
                while self._aborts and self._aborts[0][0] <= now:
                    due.append(heapq.heappop(self._aborts)[2])
            for conn in due:
                if not conn.Closed:
                    conn._abort()
            enabled, interval, timeout = self._heartbeat_settings()
            now = time.monotonic()
            limit, send_timeout = self.settings.send_queue_limit, self.settings.send_timeout
            for conn in self.open_connections():
                conn._check_send_stall(now, limit, send_timeout)
            period = _KEEPER_TICK
            if enabled and interval > 0:
                period = min(_KEEPER_TICK, max(0.01, min(interval, timeout if timeout > 0 else
                                                    interval) / 4))
                if now >= next_beat:
                    for conn in self.open_connections():
                        conn._heartbeat(now, interval, timeout)
                    next_beat = now + period
            with self._keeper_cond:
                if self._keeper_stop:
                    return
                wake = now + period
                if self._aborts:
                    wake = min(wake, self._aborts[0][0])
                self._keeper_cond.wait(max(0.0, wake - time.monotonic()))

    # -- threads ------------------------------------------------------------------------------

    def marshal_queue(self, comp: Any) -> Any | None:
        """The home-thread queue ``comp``'s events go to (AutoSyncEvents), or None when they
        run on the calling thread. (The one place that asks fnc how events are marshalled.)"""
        return comp.fnc_event_queue()

    def on_connect_mode(self) -> str:
        """How OnConnect is raised for a new socket: 'thread' (a short-lived thread: handlers
        run off the home thread), 'post' (queued to the home thread: AutoSyncEvents) or
        'skip' (nothing listens to it)."""
        comp = self.component()
        if comp is None:
            return "skip"
        try:
            if self.marshal_queue(comp) is not None:
                return "post"
            assigned = type(comp).OnConnect.assigned(comp)
        except EComponentError:
            return "skip"
        return "thread" if assigned else "skip"

    def start_thread(self, conn: TTMSFNCWebSocketServerConnection, target: Any,
                     args: tuple[Any, ...], semaphore: threading.BoundedSemaphore | None
                     ) -> bool:
        """Run ``target(*args)`` on a thread named after ``conn`` (its connection thread),
        registered so that a stop joins it; ``semaphore`` is released when it ends.
        False when no thread could be started."""
        thread = threading.Thread(target=self._thread_main, args=(conn, target, args, semaphore),
                                  name=f"fnc-ws-server-conn {conn.PeerIP}:{conn.PeerPort}",
                                  daemon=True)
        with self._lock:
            self._threads[thread] = conn
        try:
            thread.start()
        except RuntimeError as exc:  # cannot start a thread: refuse this client
            log.error("cannot serve %s:%d: %s", conn.PeerIP, conn.PeerPort, exc)
            with self._lock:
                self._threads.pop(thread, None)
            return False
        return True

    def register_thread(self, thread: threading.Thread,
                        conn: TTMSFNCWebSocketServerConnection) -> None:
        """Count ``thread`` (a reader that became ``conn``'s connection thread) among the
        threads a stop joins."""
        with self._lock:
            self._threads[thread] = conn

    def unregister_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._threads.pop(thread, None)

    def _thread_main(self, conn: TTMSFNCWebSocketServerConnection, target: Any,
                     args: tuple[Any, ...], semaphore: threading.BoundedSemaphore | None
                     ) -> None:
        try:
            target(*args)
        finally:
            with self._lock:
                self._threads.pop(threading.current_thread(), None)
            if semaphore is not None:
                semaphore.release()

    # -- stopping -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop listening, close every client (1001, bounded by CloseTimeout), join every thread.

        The port is free when this returns. Safe to call from any thread, several times; a
        connection thread calling it (from an event handler) is not waited for.
        """
        with self._lock:
            if self._stop_started:
                return
            self._stop_started = True
        self.stopping = True
        self.engine_server.socket_closed.set()
        current = threading.current_thread()
        threads: list[tuple[TTMSFNCWebSocketServerConnection, threading.Thread]] = []
        try:
            threads = self._stop_connections(current)
        finally:
            with self._keeper_cond:
                self._keeper_stop = True
                self._keeper_cond.notify()
            join_thread(self._keeper_thread, _JOIN_GRACE)
            self.acceptor.close()
            _live_runtimes.discard(self)
        stuck = [t.name for _c, t in threads if t.is_alive() and t is not current]
        if stuck:
            log.warning("server on port %d: %d connection thread(s) did not end: %s",
                        self.bound_port, len(stuck), ", ".join(stuck))

    def _stop_connections(self, current: threading.Thread
                          ) -> list[tuple[TTMSFNCWebSocketServerConnection, threading.Thread]]:
        acceptor = self.acceptor
        acceptor.wake()
        join_thread(acceptor.thread, _JOIN_GRACE)
        try:
            self.listener.close()
        except OSError:
            pass
        joined: list[tuple[TTMSFNCWebSocketServerConnection, threading.Thread]] = []
        for _round in range(2):  # then the sockets that OnConnect threads handed back
            with self._lock:
                threads = [(c, t) for t, c in self._threads.items()]
            for conn, _thread in threads:
                conn._going_away()
            wait = min(self.settings.close_timeout, _MAX_STOP_WAIT) + 0.5
            deadline = time.monotonic() + wait
            for _conn, thread in threads:
                if thread is not current:
                    thread.join(max(0.0, deadline - time.monotonic()))
            late = [(c, t) for c, t in threads if t.is_alive() and t is not current]
            for conn, _thread in late:
                conn._abort()
            grace = time.monotonic() + _JOIN_GRACE
            for _conn, thread in late:
                thread.join(max(0.0, grace - time.monotonic()))
            joined += threads
            waiting = acceptor.take_pending()
            if not waiting:
                break
            # Sockets still waiting for their request: each gets its OnDisconnect on a thread
            # of its own (as every connection), a few at a time.
            gate = threading.BoundedSemaphore(MAX_STARTING)
            for conn, sock in waiting:
                gate.acquire(timeout=_JOIN_GRACE)
                if not self.start_thread(conn, conn._run, (sock, b"", None, 0.0), gate):
                    gate.release()
                    try:
                        sock.close()
                    except OSError:
                        pass
        # Threads started meanwhile (a writer sending the 1001 close, ...): they end with
        # their connection, which ended or was aborted above.
        grace = time.monotonic() + _JOIN_GRACE
        with self._lock:
            rest = [(c, t) for t, c in self._threads.items() if t is not current]
        for _conn, thread in rest:
            thread.join(max(0.0, grace - time.monotonic()))
        return joined + rest


def _release(conn: TTMSFNCWebSocketServerConnection) -> None:
    data = conn.UserData
    if data is None or not conn.OwnsUserData:
        return
    conn.UserData = None
    for name in ("Free", "close"):
        method = getattr(data, name, None)
        if callable(method):
            try:
                method()
            except Exception:
                log.exception("freeing UserData of %r failed", conn)
            return


_live_runtimes: StopAtExit[ServerRuntime] = StopAtExit("server", log)

stop_all_servers = _live_runtimes.stop_all
"""Stop every server still running (runs at interpreter exit)."""
