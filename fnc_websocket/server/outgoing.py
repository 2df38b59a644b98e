"""The outgoing side of a server connection: its send queue, its writer thread, backpressure.

Mixed into ``TTMSFNCWebSocketServerConnection`` (its attributes are set up there). Messages
queued from any thread are written in order by a *writer thread* of the connection, started when
something is queued and ended after ``_WRITER_LINGER`` s with nothing to write, so an idle
connection has none. A handler's send on the connection's own thread writes directly when
nothing is queued; when the home thread shares the reading (``server.home_reading``), a send
there is written without waiting when nothing is queued and no frame of the client waits for
dispatch, what the socket does not take going to the writer. The writer writes the messages
queued one behind the other together, in one write (up to ``_BATCH_BYTES``): many small
messages cost one system call, and nothing waits for more to come.

Policy (documented in docs/server.md, "Backpressure"): above ``SendQueueLimit`` a sender from
another thread waits for room while the client makes progress (a message finished writing
within ``STALL_GRACE`` s), at most ``SendTimeout``; a client that makes no progress is not
waited for (the message is queued anyway). The housekeeper drops (1008) a client whose queue
stays above the limit with no message written for ``SendTimeout``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fnc_websocket.connection import frame_payload_sizes
from fnc_websocket.errors import EWebsocketServer
from fnc_websocket.server.engine import EngineConnection
from fnc_websocket.types import CLOSE_POLICY_VIOLATION

__all__ = ["STALL_GRACE", "OutgoingQueue"]

log = logging.getLogger("fnc_websocket.server")

_WRITER_LINGER = 1.0
"""Seconds a connection's writer thread waits for more to send before it ends."""

_BATCH_BYTES = 256 * 1024
"""At most this many bytes of queued messages go out in one write."""

STALL_GRACE = 0.5
"""Seconds without a message written after which senders stop waiting for a client's room."""

# Items of the send queue (first element of each tuple); _FAILED and _REPORT are items of the
# event queue (see ``incoming``).
_SEND, _CONTROL, _CLOSE, _FAIL, _FAILED, _REPORT, _FLUSH = range(7)


class OutgoingQueue:
    """The send queue and writer thread of a server connection (a mixin)."""

    _runtime: Any
    _engine: EngineConnection | None
    _home_reading: Any
    _events: Any

    def _queue_message(self, text: bool, data: bytes, frame_size: int | None = None) -> None:
        """Queue (or, on the connection thread with nothing queued, write) one message;
        ``frame_size``: split into frames of that size (None: as SplitMessage says).

        From another thread, while the queue is above SendQueueLimit and the client makes
        progress, this waits for room (at most SendTimeout); a client that made no progress
        for ``STALL_GRACE`` s is not waited for (the message is queued anyway). The
        housekeeper drops a client whose queue stays above the limit for SendTimeout.
        """
        self._check_can_send()
        n = len(data)
        own_thread = threading.current_thread() is self._pumper
        home = self._home_reading
        if home is not None and home.on_home_thread():
            own_thread = False  # the home thread never waits for a socket
            if self._out_items == 0 and not self._events and self._write_nowait(
                    text, data, frame_size):
                return  # nothing queued, no frame of this client waits: written now
        elif own_thread and self._out_items == 0:
            self._write_message(text, data, frame_size)  # nothing queued: write in order now
            return
        settings = self._runtime.settings
        with self._out_lock:
            if not own_thread:
                self._wait_for_room(n, settings.send_queue_limit, settings.send_timeout)
            if self._overflowed:
                raise EWebsocketServer(
                    f"Connection {self._peer_ip}:{self._peer_port} is being dropped: it made "
                    f"no progress for SendTimeout with {self._out_bytes} bytes waiting")
            if self._out_bytes == 0:
                self._last_progress = time.monotonic()  # the stall clock starts now
            self._out_bytes += n
            self._out_items += 1
            self._outbox.append((_SEND, text, data, n, frame_size))
            self._kick_writer()

    def _write_nowait(self, text: bool, data: bytes, frame_size: int | None) -> bool:
        """Home thread: write the message without waiting; what the socket does not take
        goes to the writer thread. False when it cannot be written now (queue it)."""
        engine = self._engine
        if engine is None:
            return False
        left = engine.write_nowait(data, text, self._frame_sizes(len(data), frame_size))
        if left is None:
            return False
        if left:
            self._queue_flush(left)
        return True

    def _queue_flush(self, n: int) -> None:
        """``n`` bytes of automatic answers the home thread could not write at once (they
        stay in the protocol's output): the writer thread writes them."""
        with self._out_lock:
            if self._out_bytes == 0:
                self._last_progress = time.monotonic()
            self._out_bytes += n
            self._out_items += 1
            self._outbox.append((_FLUSH, None, None, n))
            self._kick_writer()

    def _wait_for_room(self, n: int, limit: int, timeout: float) -> None:
        # Called with _out_lock held.
        deadline = time.monotonic() + timeout
        while (self._out_bytes > 0 and self._out_bytes + n > limit and not self._overflowed
               and not self._closed):
            now = time.monotonic()
            stall_end = self._last_progress + STALL_GRACE
            if now >= stall_end or now >= deadline:
                return  # not progressing (or waited long enough): queue anyway
            self._out_room.wait(min(stall_end, deadline) - now)

    @property
    def SendQueueSize(self) -> int:
        """Added: bytes of messages queued for this client and not yet fully written."""
        return self._out_bytes

    def _check_send_stall(self, now: float, limit: int, timeout: float) -> None:
        """Housekeeper tick: drop the client (1008) when its queue stayed above
        SendQueueLimit with no message written for SendTimeout."""
        with self._out_lock:
            if self._overflowed or self._closed or self._out_bytes <= limit \
                    or now - self._last_progress < timeout:
                return
            self._overflowed = True
            pending = self._out_bytes
            self._out_room.notify_all()
        self._fail_async(
            CLOSE_POLICY_VIOLATION, "client too slow",
            f"client {self._peer_ip}:{self._peer_port} is not reading: no progress for "
            f"SendTimeout ({timeout * 1000:.0f} ms) with {pending} bytes waiting (above "
            f"SendQueueLimit, {limit}); disconnected with close code 1008")
        self._abort()  # its writer is blocked on a full socket: unblock it

    def _enqueue_control(self, item: tuple[Any, ...]) -> None:
        # Counted like messages, so that a later direct write cannot overtake it.
        with self._out_lock:
            self._out_items += 1
            self._outbox.append(item)
            self._kick_writer()

    def _kick_writer(self) -> None:
        """Called with _out_lock held: wake the writer thread, or start one."""
        if self._writer_active:
            self._out_ready.notify()
            return
        if self._closed:
            return
        self._writer_active = True
        if not self._runtime.start_thread(self, self._write_loop, (), None):
            self._writer_active = False

    def _write_loop(self) -> None:
        """The writer thread: writes the send queue in order, ends after ``_WRITER_LINGER`` s
        with nothing to write (an idle connection has none)."""
        engine = self._engine
        while True:
            with self._out_lock:
                while not self._outbox:
                    if self._closed or (not self._out_ready.wait(_WRITER_LINGER)
                                        and not self._outbox):
                        self._writer_active = False
                        self._out_room.notify_all()
                        return
                item = self._outbox.popleft()
                batch = None
                if item[0] == _SEND and self._outbox and self._outbox[0][0] == _SEND:
                    batch = self._take_batch(item)
                self._writing = True
            try:
                if batch is None:
                    self._write_item(engine, item)
                else:
                    self._write_batch(engine, batch)
            except Exception:
                log.exception("server writer thread failed")
            finally:
                with self._out_lock:
                    self._writing = False
                    for done in (item,) if batch is None else batch:
                        self._out_items -= 1
                        if done[0] == _SEND or done[0] == _FLUSH:
                            self._out_bytes -= done[3]
                    self._last_progress = time.monotonic()
                    self._out_room.notify_all()

    def _take_batch(self, first: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        # Called with _out_lock held: ``first`` and the messages queued right behind it, up to
        # _BATCH_BYTES, written together (one write for many small messages).
        batch = [first]
        size = first[3]
        outbox = self._outbox
        while outbox and outbox[0][0] == _SEND and size + outbox[0][3] <= _BATCH_BYTES:
            item = outbox.popleft()
            batch.append(item)
            size += item[3]
        return batch

    def _write_batch(self, engine: EngineConnection | None, batch: list[tuple[Any, ...]]) -> None:
        if engine is None or self._overflowed or self._closed:
            return
        try:
            engine.send_messages([(data, text, self._frame_sizes(len(data), frame_size))
                                  for _kind, text, data, _n, frame_size in batch])
        except Exception as exc:
            self._send_failed(engine, exc)

    def _write_item(self, engine: EngineConnection | None, item: tuple[Any, ...]) -> None:
        if engine is None:
            return
        kind = item[0]
        if kind == _SEND:
            if not self._overflowed and not self._closed:
                self._write_message(item[1], item[2], item[4])
        elif kind == _CONTROL:
            try:
                engine.send_control(item[1], item[2])
            except Exception:
                pass  # closing: the end of the stream follows
        elif kind == _CLOSE:
            self._closing = True
            engine.close_with(item[1], item[2])
        elif kind == _FAIL:
            self._closing = True
            engine.fail_with(item[1], item[2])
        elif kind == _FLUSH:
            try:
                engine.flush()
            except Exception as exc:
                self._send_failed(engine, exc)

    def _write_message(self, text: bool, data: bytes, frame_size: int | None = None) -> None:
        engine = self._engine
        if engine is None:
            return
        try:
            engine.send_message(data, text, self._frame_sizes(len(data), frame_size))
        except Exception as exc:
            self._send_failed(engine, exc)

    def _frame_sizes(self, n: int, frame_size: int | None) -> list[int] | None:
        runtime = self._runtime
        if frame_size is None:
            frame_size = runtime.frame_size() if runtime.split_message() else 0
        return frame_payload_sizes(n, frame_size, masked=False) if frame_size > 0 else None

    def _send_failed(self, engine: EngineConnection, exc: Exception) -> None:
        if not self._closing and not engine.protocol.close_sent:
            message = f"sending to {self._peer_ip}:{self._peer_port} failed: {exc}"
            if threading.current_thread() is self._pumper:
                self._report_error(message)
            else:
                self._post_event((_REPORT, message, 0))
