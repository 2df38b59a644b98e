"""The incoming side of a server connection: dispatching its events in order, backpressure.

Mixed into ``TTMSFNCWebSocketServerConnection`` (its attributes are set up there). The reader
thread of the connection (its *connection thread* once the handshake is done) hands each frame
to ``_on_engine_event``, which dispatches it on that same thread, unless another thread is
dispatching (then that one does) or the handshake events have not run yet (then the frame
waits in the event queue). Exactly one thread dispatches at a time, in arrival order, and the
end of the stream comes last. ``_dispatch`` hands each frame to the server's protected
``MessageReceived``/``BinaryDataReceived``/``PingReceived``/``PongReceived``/``CloseReceived``,
reassembling fragmented messages unless ``twsoFrameByFrame`` is set.

With ``AutoSyncEvents`` the home thread may read the socket too (``server.home_reading``):
then whoever reads only queues the frames (``_enqueue_event``, under the protocol lock, so in
read order) and dispatches afterwards, and the home thread dispatches inline only once the
calls the reader posted for this connection have run (``_pump_home``).

Inbound bytes are counted from the read to the handling (with ``AutoSyncEvents``: to the
home thread's run of the handlers, marked by a queued call). While more than
``ReceiveQueueLimit`` bytes wait, the reader stops reading (``EngineConnection.pause_reading``)
and TCP pushes back on the client; it resumes once half of them were handled.
"""

from __future__ import annotations

import threading
from typing import Any

from fnc.application import Application
from fnc.exceptions import EComponentError
from fnc_websocket.messages import frame_types
from fnc_websocket.server.engine import (
    BINARY,
    CLOSE,
    CONT,
    END_OF_STREAM,
    PING,
    PONG,
    TEXT,
    DecodedText,
    EngineConnection,
)
from fnc_websocket.server.outgoing import _FAILED, _REPORT
from fnc_websocket.types import (
    TCloseStatus,
    TransformCloseData,
    twsoFrameByFrame,
)

__all__ = ["IncomingEvents"]

_SINGLE = frame_types(first=True, last=True)
_REASSEMBLED = frame_types(first=False, last=True)
_FIRST = frame_types(first=True, last=False)
_MIDDLE = frame_types(first=False, last=False)


class IncomingEvents:
    """Event dispatch and inbound backpressure of a server connection (a mixin)."""

    _runtime: Any
    _engine: EngineConnection | None
    _home_reading: Any

    def _post_event(self, item: Any) -> None:
        """Queue an event item (a frame, a report, the end); dispatched in order by the thread
        that pumps next (the reader, after its read)."""
        with self._ev_lock:
            self._events.append(item)

    def _pump(self) -> None:
        """Dispatch the queued event items in order, unless another thread is doing it (then
        that thread dispatches these too) or the handshake events have not run yet."""
        events = self._events
        with self._ev_lock:
            if self._pumping or not self._ready or not events:
                return
            self._pumping = True
            item = events.popleft()
        self._pump_from(item)

    def _pump_from(self, item: Any) -> None:
        # This thread is the pumper (_pumping was set): dispatch ``item``, then the rest.
        events = self._events
        self._pumper = threading.current_thread()
        try:
            while True:
                if item is END_OF_STREAM:
                    with self._ev_lock:
                        self._pumping = False
                    self._pumper = None
                    home = self._home_reading
                    if home is not None and home.on_home_thread():
                        self._finish_off_home()
                    else:
                        self._finish()
                    return
                self._dispatch(item)
                with self._ev_lock:
                    if events:
                        item = events.popleft()
                        continue
                    self._pumping = False
                    self._pumper = None
                engine = self._engine
                if engine is None or threading.current_thread() is not \
                        engine.recv_events_thread:
                    self._flush_unmarked()  # the reader flushes after each of its reads
                return
        except BaseException:
            with self._ev_lock:
                self._pumping = False
            self._pumper = None
            raise

    def _finish_off_home(self) -> None:
        """The end of the stream reached the home thread (which read the last frames): the
        connection's end (joins, close waits) runs on a thread of its own, after the reader."""
        def finish() -> None:
            engine = self._engine
            if engine is not None:
                engine.join_reader(self._runtime.settings.close_timeout + 1.0)
            self._finish()

        if not self._runtime.start_thread(self, finish, (), None):
            self._finish()

    # -- shared reading (server.home_reading) -------------------------------------------------

    def _enqueue_event(self, event: Any) -> None:
        """The engine's event callback when the home thread may read too: under the protocol
        lock, count the frame (as :meth:`_on_engine_event`) and queue it; the reading thread
        dispatches after the read. The end of the stream is dispatched at once."""
        if event is END_OF_STREAM:
            self._post_event(event)
            self._pump()
            return
        self._count_in(event)
        with self._ev_lock:
            self._events.append(event)

    def _after_shared_read(self) -> None:
        """Reader thread, after a read it queued events from: dispatch, then mark."""
        self._pump()
        self._flush_unmarked()

    def _pump_home(self) -> None:
        """Home thread, after a read: dispatch here, now, unless calls the reader posted for
        this connection still wait in the home queue (their marker then dispatches)."""
        if not (self._home_owed or self._unflushed):
            self._pump()

    @property
    def ReceiveQueueSize(self) -> int:
        """Added: bytes received from this client whose events have not been handled yet
        (at most about the server's ReceiveQueueLimit plus one read)."""
        return self._in_received - self._in_done

    def _on_engine_event(self, event: Any) -> None:
        """Reader thread: count the frame (reading stops while more than ReceiveQueueLimit
        bytes wait for the handlers), then dispatch it here unless another thread is
        dispatching (then it does) or the handshake events have not run yet."""
        if event is not END_OF_STREAM:
            self._count_in(event)
        events = self._events
        with self._ev_lock:
            if self._pumping or not self._ready:
                events.append(event)
                return
            self._pumping = True
            if events:
                events.append(event)
                event = events.popleft()
        self._pump_from(event)

    def _count_in(self, event: Any) -> None:
        # On the reading thread: count a received frame; pause reading above the limit.
        self._in_received += len((event[0] if type(event) is DecodedText else event).data)
        if (self._in_received - self._in_done > self._runtime.settings.receive_queue_limit
                and not self._reading_paused):
            with self._in_lock:
                self._reading_paused = True
                engine = self._engine
                if engine is not None:
                    engine.pause_reading()  # before the frame is queued: its handling
                    # will resume the reading

    def _handled(self, n: int) -> None:
        """A received frame of ``n`` bytes was handed to the handlers: with AutoSyncEvents it
        counts as handled once the home thread ran them (a marker queued after them, one per
        ReceiveQueueLimit / 8 bytes, or per frame while reading is paused)."""
        comp = self._runtime.component()
        queue = self._runtime.marshal_queue(comp) if comp is not None else None
        if queue is not None and threading.get_ident() != queue.ident:
            with self._in_lock:
                self._in_unmarked += n
                self._unflushed = True
                if not (self._reading_paused or self._in_unmarked >=
                        self._runtime.settings.receive_queue_limit // 8):
                    return
                n, self._in_unmarked = self._in_unmarked, 0
                self._unflushed = False
                self._home_owed += 1
            queue.post(self._marker, (n,), comp)
        else:
            self._consumed(n)

    def _flush_unmarked(self) -> None:
        """After the frames of one read (or a burst dispatched by another thread) were handed
        on: queue the marker for those not marked yet (AutoSyncEvents), so that the count
        drops to 0 once the home thread ran their handlers."""
        if not self._unflushed:
            return
        comp = self._runtime.component()
        queue = self._runtime.marshal_queue(comp) if comp is not None else None
        with self._in_lock:
            n, self._in_unmarked = self._in_unmarked, 0
            self._unflushed = False
            if queue is not None:
                self._home_owed += 1
        if queue is None:
            self._consumed(n)
        else:
            queue.post(self._marker, (n,), comp)

    def _marker(self, n: int) -> None:
        """Home thread: the calls posted before this marker ran; ``n`` bytes were handled.
        The last pending marker dispatches what the home thread read meanwhile."""
        with self._in_lock:
            self._home_owed -= 1
        self._consumed(n)
        if self._events and not (self._home_owed or self._unflushed) \
                and self._home_reading is not None:
            self._pump()

    def _consumed(self, n: int) -> None:
        self._in_done += n
        if self._reading_paused and self._in_received - self._in_done <= \
                self._runtime.settings.receive_queue_limit // 2:
            with self._in_lock:
                self._resume_reading()

    def _resume_reading(self) -> None:
        # Called with _in_lock held.
        if self._reading_paused:
            self._reading_paused = False
            engine = self._engine
            if engine is not None:
                engine.resume_reading()

    # -- dispatching events (the connection thread) ------------------------------------------

    def _dispatch(self, item: Any) -> None:
        if type(item) is not tuple:  # a frame (Frame or DecodedText, a NamedTuple)
            frame = item[0] if type(item) is DecodedText else item
            if self._on_frame(item):  # the client's close frame: it has CloseTimeout to end TCP
                self._runtime.schedule_abort(self, self._runtime.settings.close_timeout)
            self._handled(len(frame.data))
            return
        home = self._home_reading
        if home is not None and not home.on_home_thread():
            self._unflushed = True  # its OnError may be posted: later frames wait for it
        kind = item[0]
        if kind == _FAILED:  # websockets failed the connection (protocol error...)
            self._closing = True
            self._report_error(f"connection with {self._peer_ip}:{self._peer_port} failed: "
                               f"close {item[1]} ({item[2]})", close_code=item[1])
            self._runtime.schedule_abort(self, self._runtime.settings.close_timeout)
        elif kind == _REPORT:
            self._report_error(item[1], close_code=item[2])

    def _on_frame(self, event: Any) -> bool:
        """Dispatch one incoming frame; True when it was a close frame."""
        if type(event) is DecodedText:
            frame, text = event
        else:
            frame, text = event, None
        opcode = frame.opcode
        received = self._received
        if opcode is TEXT or opcode is BINARY or opcode is CONT:
            self._on_data_frame(frame, text)
        elif opcode is PING:
            received("PingReceived", bytes(frame.data))
        elif opcode is PONG:
            self._hb_ping_sent = None
            received("PongReceived", bytes(frame.data))
        elif opcode is CLOSE:
            data = bytes(frame.data)
            self._close_status = TCloseStatus(*TransformCloseData(data))
            self._closing = True
            received("CloseReceived", data)
            return True
        return False

    def _received(self, method: str, *args: Any) -> None:
        """Hand an incoming message or control frame to the server's protected ``method``
        (``MessageReceived``, ... ; Sender is this connection), which raises the event.
        An exception from an override goes to Application.HandleException."""
        comp = self._runtime.component()
        if comp is None:
            return
        try:
            getattr(comp, method)(self, self, *args)
        except EComponentError:
            pass  # freed meanwhile
        except Exception as exc:
            Application.HandleException(exc, comp)

    def _on_data_frame(self, frame: Any, text: str | None) -> None:
        received = self._received
        opcode = frame.opcode
        fin = frame.fin
        if twsoFrameByFrame in self._options:
            if opcode is CONT:
                types = _REASSEMBLED if fin else _MIDDLE
                is_text = self._msg_text
            else:
                types = _SINGLE if fin else _FIRST
                is_text = self._msg_text = opcode is TEXT
            if is_text:
                received("MessageReceived", text or "")
            else:
                received("BinaryDataReceived", bytes(frame.data), types)
            return
        if opcode is not CONT:
            if fin:  # the common case: a whole message in one frame
                if opcode is TEXT:
                    received("MessageReceived", text or "")
                else:
                    received("BinaryDataReceived", bytes(frame.data), _SINGLE)
                return
            self._msg_text = opcode is TEXT
            self._msg_parts = [text if self._msg_text else bytes(frame.data)]
            return
        self._msg_parts.append(text if self._msg_text else bytes(frame.data))
        if fin:
            parts, self._msg_parts = self._msg_parts, []
            if self._msg_text:
                received("MessageReceived", "".join(parts))
            else:
                received("BinaryDataReceived", b"".join(parts), _REASSEMBLED)

    def _on_protocol_fail(self, code: int, reason: str) -> None:
        # On the reader thread (or ours), under the protocol lock: just queue the report.
        if code in (1000, 1001, 1005, 1006) or self._closing:
            return
        self._post_event((_FAILED, code, reason))  # dispatched after this read
