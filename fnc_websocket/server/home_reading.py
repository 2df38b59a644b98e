"""The home thread's share of reading a server connection's socket (``AutoSyncEvents``).

With ``AutoSyncEvents`` a connection's reader thread would read every frame and post its event
to the home thread: a thread hand-off per message (tens of microseconds, more than the rest of
an echo). So while the home thread waits in its message loop, it reads the socket itself: the
connection asks the home queue to watch the socket (:meth:`fnc.threads.MessageQueue.
watch_readable`), and what arrives then is parsed, and its handlers run, on the home thread,
with no hand-off. The client does the same (``fnc_websocket.client.home_reading``).

Sharing rules, which keep every event in order, none lost, and the reader in charge whenever
the home thread is not at it:

* One parser: whoever reads holds the connection's protocol lock from the ``recv`` to the
  queueing of the events it produced (``EngineConnection.read_now``), so the events are queued
  in read order. The home thread never waits for that lock: when it is held (the reader reads,
  a writer is blocked on a slow client), it gives the socket back to the reader.
* The reader steps aside (not reading, not in ``recv``) while the home thread waits on the
  socket or found it readable less than :data:`~fnc.fdwatch.GRACE` s ago; otherwise (a long
  handler, a loop that stopped pumping) it reads, answers pings, and its reading stops while
  more than ``ReceiveQueueLimit`` bytes wait (the home thread then gives the socket back too).
* The home thread dispatches what it read at once unless calls the reader posted for this
  connection have not run yet (their marker is pending): then those calls' marker dispatches.
  Home reading starts with a call queued behind the connection's earlier events
  (``OnConnect``, ``OnHandshakeResponseSent``).
* The home thread never waits to write: a send there is written without waiting when nothing
  is queued for the client and none of its frames waits for dispatch (a request's answer goes
  out with no hand-off), else queued; so are the automatic answers (pong, close reply) of
  frames it read. What the socket does not take goes to the writer thread, which also writes
  the queued messages, several in one write.
* From the closing handshake on, the reader reads alone (its blocking loop keeps the close
  timeouts); the end of the stream is handled off the home thread.

Only for a plain socket (poll cannot see what TLS has decrypted already) and a server class
that keeps the protected ``*Received`` methods (documented to run on the connection thread). A
queue pumped by a foreign event loop (Tk, Qt, asyncio adapters) never waits on its watches, so
there the reader keeps reading, as without this module.
"""

from __future__ import annotations

import select
import ssl
import threading
import time
from threading import get_ident
from typing import TYPE_CHECKING, Any

from fnc.fdwatch import GRACE, FdWatch
from fnc.threads import MessageQueue
from fnc_websocket.messages import keeps_received_methods
from fnc_websocket.server.engine import ENDED, NOTHING, READ, EngineConnection

if TYPE_CHECKING:
    from fnc_websocket.server.connection import TTMSFNCWebSocketServerConnection

__all__ = ["HomeReading"]


def _keeps_received_methods(comp: Any) -> bool:
    from fnc_websocket.server.component import TTMSFNCCustomWebSocketServer

    return keeps_received_methods(type(comp), TTMSFNCCustomWebSocketServer)


class HomeReading:
    """The home queue's watch of one connection's socket, and the reader's side of the
    sharing; see the module docstring."""

    def __init__(self, conn: TTMSFNCWebSocketServerConnection, home: MessageQueue) -> None:
        self._conn = conn
        self._home = home
        self._engine: EngineConnection | None = None
        self._watch: FdWatch | None = None
        self._lock = threading.Lock()  # the watch's creation and end
        self._ended = False
        self._aside = threading.Event()  # wakes a reader that stepped aside

    @staticmethod
    def open(conn: TTMSFNCWebSocketServerConnection, sock: Any) -> HomeReading | None:
        """The sharing for a connection about to be served, or None where its reader reads
        alone (TLS, AutoSyncEvents off, a class overriding a ``*Received`` method)."""
        runtime = conn._runtime
        comp = runtime.component()
        if comp is None or isinstance(sock, ssl.SSLSocket):
            return None
        home = runtime.marshal_queue(comp)
        if home is None or not _keeps_received_methods(comp):
            return None
        return HomeReading(conn, home)

    def on_home_thread(self) -> bool:
        """True when the calling thread is the home thread (its sends never wait for the
        socket: a slow client must not hold it up)."""
        return get_ident() == self._home.ident

    # -- the watch ------------------------------------------------------------------------------

    def attach(self, engine: EngineConnection) -> None:
        """The connection's engine (created with :meth:`reader_loop` as its reader)."""
        self._engine = engine

    def start(self) -> None:
        """Connection thread, once the handshake events went out: home reading starts with a
        call queued behind them (nothing the home thread reads may overtake them)."""
        comp = self._conn._runtime.component()
        if comp is not None:
            self._home.post(self._begin, (), comp)

    def _begin(self) -> None:
        # On the home thread.
        engine = self._engine
        if engine is None or self._ended:
            return
        with engine.protocol_mutex:
            if engine.closing:
                return
            engine.home_may_read = True
        self._offer()

    def _offer(self) -> None:
        """Let the home thread read while it waits (any thread; nothing when it may not)."""
        conn = self._conn
        engine = self._engine
        with self._lock:
            if (self._ended or self._watch is not None or engine is None
                    or not engine.home_may_read or engine.closing or conn._reading_paused):
                return
            comp = conn._runtime.component()
            if comp is None or conn._runtime.marshal_queue(comp) is not self._home:
                return
            self._watch = self._home.watch_readable(engine.socket, self._read)

    def _withdraw(self) -> None:
        """The home thread reads no more (until offered again); the reader takes over."""
        with self._lock:
            watch, self._watch = self._watch, None
        if watch is not None:
            self._home.unwatch(watch)
        self._aside.set()

    def end(self, exclusive: bool = False) -> None:
        """No more home reading (the connection ends or closes). ``exclusive`` (the reader,
        before it reads alone): once this returns, the home thread reads nothing more."""
        with self._lock:
            self._ended = True
        self._withdraw()
        engine = self._engine
        if engine is not None and engine.home_may_read:
            if exclusive:
                with engine.protocol_mutex:
                    engine.home_may_read = False
            else:
                engine.home_may_read = False

    def _read(self) -> None:
        # The watch's callback, on the home thread: the socket is readable.
        conn = self._conn
        engine = self._engine
        comp = conn._runtime.component()
        if (engine is None or comp is None or conn._reading_paused
                or conn._runtime.marshal_queue(comp) is not self._home):
            self._withdraw()  # backpressure, AutoSyncEvents off: the reader decides
            return
        status = engine.read_now(home=True)
        if status == READ:
            left = engine.left_unwritten
            if left:
                conn._queue_flush(left)
            if engine.closing:
                self._withdraw()
            conn._pump_home()
        elif status != NOTHING:  # the lock is held, or the stream ended: the reader's turn
            self._withdraw()

    # -- the reader thread ----------------------------------------------------------------------

    def reader_loop(self, engine: EngineConnection) -> bool:
        """The connection's reader thread while the home thread may share the socket. Returns
        True when the stream ended, False once the closing handshake began (the engine's
        blocking loop reads the rest alone)."""
        self._engine = engine
        conn = self._conn
        sock = engine.socket
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        aside = self._aside
        flow = engine.recv_flow_control
        ended = False
        try:
            while True:
                with flow:  # held while reading is paused (backpressure)
                    pass
                if engine.closing:
                    return False
                watch = self._watch
                if watch is not None and not watch.closed \
                        and time.monotonic() - watch.last_call < GRACE:
                    if aside.wait(GRACE):  # the home thread reads: look again later
                        aside.clear()
                    continue
                if sock.fileno() >= 0:
                    # Until data, the end of the stream or a shutdown: an idle connection's
                    # reader does not wake while the home thread waits on the socket too.
                    poller.poll()
                    watch = self._watch
                    if watch is not None and watch.claimed(time.monotonic()):
                        if aside.wait(GRACE):  # the home thread has it
                            aside.clear()
                        continue
                status = engine.read_now(home=False)
                if status == ENDED:
                    ended = True
                    return True
                if status == READ:
                    conn._after_shared_read()
                    if self._watch is None:
                        self._offer()  # the home thread may read again
        finally:
            self.end(exclusive=not ended)
