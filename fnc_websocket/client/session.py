"""One connection attempt of the client: its state, its worker thread, and how it ends.

A :class:`ClientSession` is created by each ``Connect``. Its worker opens the connection
(``_client_opening``), fires ``OnConnect``, then either reads until the connection ends
(``_client_reading``, ``AutoCheckMessages``) or hands reading over to ``CheckIncoming``
(``_client_polling``). Incoming frames become events in ``_client_incoming``; the close
handshake and failing the connection live in ``_client_closing``; the heartbeat schedule in
``_client_heartbeat``; interpreter exit in ``_client_exit``.

Other threads control a session through :meth:`ClientSession.abort`, :meth:`~ClientSession.join`
and the connection's sends; a :class:`~fnc_websocket.client.waiting.Wakeup` ends the worker's
waits at once. The session holds only a weak reference to its component, so dropping an unfreed
client lets it be collected (its ``fnc_release_unfreed`` hook then aborts the session). Events
are fired through the component's event slots, so ``AutoSyncEvents`` decides where handlers run.
Exactly one ``OnDisconnect`` fires per session.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from fnc.application import Application
from fnc.exceptions import EComponentError
from fnc_websocket.client import exit as _client_exit
from fnc_websocket.client.closing import CloseHandshake
from fnc_websocket.client.connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.client.errors import EWebSocketClient
from fnc_websocket.client.frames import FrameReader
from fnc_websocket.client.heartbeat import HeartBeatSchedule
from fnc_websocket.client.incoming import IncomingFrames
from fnc_websocket.client.opening import open_connection
from fnc_websocket.client.polling import check_incoming, close_manually
from fnc_websocket.client.reading import read_until_closed
from fnc_websocket.client.settings import ClientSettings
from fnc_websocket.client.waiting import Aborted, Wakeup
from fnc_websocket.common import CLOSE_ABNORMAL, TTMSFNCWebSocketIncomingResult

__all__ = ["ClientSession"]

log = logging.getLogger("fnc_websocket.client")

CONNECTING, OPEN, CLOSING, CLOSED = "connecting", "open", "closing", "closed"


class ClientSession:
    """One connection attempt; see the module docstring."""

    def __init__(self, component: Any, settings: ClientSettings) -> None:
        self._ref = weakref.ref(component)
        self.settings = settings
        self.conn = TTMSFNCWebSocketClientConnection(settings.options, self)
        self.state = CONNECTING
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
        self._handed_over = False  # manual mode: the worker ended after the handshake
        self.lock = threading.Lock()
        self.read_lock = threading.Lock()
        self.wakeup = Wakeup()
        self.sock: socket.socket | None = None
        self.tls = False
        self.poller: Any = None
        self.reader: FrameReader | None = None
        self.closing = CloseHandshake(self)
        self.heartbeat = HeartBeatSchedule(settings.heartbeat_interval,
                                           settings.heartbeat_timeout)
        self.incoming = IncomingFrames(self)
        self.thread = threading.Thread(target=self._run, name=settings.thread_name, daemon=True)
        _client_exit.register(self)

    # -- control from other threads ---------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    @property
    def active(self) -> bool:
        return self.state != CLOSED

    def split_frame_size(self) -> int:
        """FrameSize when the client splits messages now, else 0 (read live, as TMS does)."""
        comp = self._ref()
        if comp is None:
            return 0
        try:
            return comp.FrameSize if comp.SplitMessage else 0
        except Exception:  # a component being freed: send unsplit
            return 0

    def abort(self, user: bool = True, silent: bool = False) -> None:
        """Stop now, without a close handshake (Disconnect(False), Free, exit)."""
        with self.lock:
            if user:
                self.user_closed = True
            if silent:
                self.silent = True
            self.stop_requested = True
            sock = self.sock
            handed_over = self._handed_over
        _shutdown(sock)
        self.wakeup.wake()
        if handed_over:
            self.finish(None)

    def join(self, timeout: float) -> bool:
        """Wait for the worker to end (not from the worker itself); True when it ended."""
        thread = self.thread
        if thread is threading.current_thread() or thread.ident is None:
            return not thread.is_alive()
        thread.join(timeout)
        return not thread.is_alive()

    def set_close_timeout(self, timeout: float) -> None:
        """The CloseTimeout (s) of the close handshake started next (Disconnect)."""
        self.closing.timeout = timeout

    def on_close_sent(self) -> None:
        """A close frame went out: the server's reply is due within the close timeout."""
        self.closing.start_deadline()
        self.heartbeat.stop()
        self.enter_closing()
        if threading.current_thread() is not self.thread:
            self.wakeup.wake()

    def enter_closing(self) -> None:
        if self.state == OPEN:
            self.state = CLOSING

    def on_send_failed(self, exc: OSError) -> None:
        """A send failed: the connection is gone; let the reader notice at once."""
        sock = self.sock
        _shutdown(sock)
        self.wakeup.wake()

    def set_socket(self, sock: socket.socket) -> None:
        """The socket being opened (so that :meth:`abort` can shut it down)."""
        with self.lock:
            self.sock = sock

    # -- manual mode (AutoCheckMessages = False), on the caller's thread ----------------------

    def check_incoming(self, timeout: float) -> TTMSFNCWebSocketIncomingResult:
        return check_incoming(self, timeout)

    def close_manually(self, timeout: float) -> None:
        close_manually(self, timeout)

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
        if comp is None:
            return
        getattr(type(comp), name).fire(comp, self.conn, *args)

    def received(self, method: str, *args: Any) -> None:
        """Hand an incoming message or control frame to the component's protected ``method``
        (``MessageReceived``, ...; Sender is the connection), which raises the event. Runs on
        the reading thread; an exception from an override goes to Application.HandleException.
        """
        if self.silent:
            return
        comp = self.component()
        if comp is None:
            return
        try:
            getattr(comp, method)(self.conn, self.conn, *args)
        except EComponentError:
            pass  # freed meanwhile
        except Exception as exc:
            Application.HandleException(exc, comp)

    # -- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            try:
                self._open()
            except Aborted:
                self.finish(None)
                return
            except EWebSocketClient as exc:
                self.finish(exc)
                return
            except Exception as exc:  # a bug, or an OS error we did not foresee
                log.exception("unexpected error while connecting")
                err = EWebSocketClient(f"connecting failed: {exc!r}")
                err.__cause__ = exc
                self.finish(err)
                return
            self.was_open = True
            self.fire("OnConnect")
            if not self.settings.auto_check:
                with self.lock:
                    self._handed_over = True
                    stop = self.stop_requested
                if stop:
                    self.finish(None)
                return
            self.finish(read_until_closed(self))
        finally:
            if not self.settings.auto_check and not self._handed_over:
                self.finish(None)

    def _open(self) -> None:
        sock, rest = open_connection(self)
        sock.setblocking(True)
        conn = self.conn
        conn._sock = sock
        self.reader = FrameReader(sock.recv_into, self.incoming.check_header, rest)
        if hasattr(select, "poll"):
            self.poller = select.poll()
            self.poller.register(sock, select.POLLIN)
            self.poller.register(self.wakeup.reader, select.POLLIN)
        self.heartbeat.start(time.monotonic())
        with self.lock:
            if self.stop_requested:
                raise Aborted
            self.state = OPEN
            conn._handshake_completed = True

    # -- the end ------------------------------------------------------------------------------

    def finish(self, error: EWebSocketClient | None) -> None:
        """End the session once: close the socket, fire OnError (when ``error``) and
        OnDisconnect, and tell the component (home thread) for the WatchDog."""
        with self.lock:
            if self.finished:
                return
            self.finished = True
            self.state = CLOSED
            sock = self.sock
        _shutdown(sock)
        with self.conn._send_lock:
            self.conn._closed = True
            if sock is not None:
                sock.close()
        self.wakeup.close()
        if not self.closing.peer_closed:
            self.close_code = self.close_code or CLOSE_ABNORMAL
        if error is not None and self.error is None:
            self.error = error
            if not self.silent:
                self.fire("OnError", error)
        self.fire("OnDisconnect")
        _client_exit.unregister(self)
        if not self.silent:
            comp = self.component()
            if comp is not None:
                comp._fnc_home.post(_session_ended, (self._ref, self))


def _session_ended(ref: Callable[[], Any], session: ClientSession) -> None:
    comp = ref()
    if comp is not None and not comp.is_destroyed:
        comp._session_ended(session)


def _shutdown(sock: socket.socket | None) -> None:
    """End both directions of ``sock`` so that a blocked read or write returns at once."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected
