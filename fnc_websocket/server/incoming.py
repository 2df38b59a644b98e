"""The incoming side of a server connection: dispatching its events in order, backpressure.

Mixed into ``TTMSFNCWebSocketServerConnection`` (its attributes are set up there). The reader
thread of the connection (its *connection thread* once the handshake is done) hands each frame
to ``_on_engine_event``, which dispatches it on that same thread, unless another thread is
dispatching (then that one does) or the handshake events have not run yet (then the frame
waits in the event queue). Exactly one thread dispatches at a time, in arrival order, and the
end of the stream comes last.

Inbound bytes are counted from the read to the handling (with ``AutoSyncEvents``: to the
home thread's run of the handlers, marked by a queued call). While more than
``ReceiveQueueLimit`` bytes wait, the reader stops reading (``EngineConnection.pause_reading``)
and TCP pushes back on the client; it resumes once half of them were handled.
"""

from __future__ import annotations

import threading
from typing import Any

from fnc_websocket.server.engine import END_OF_STREAM, DecodedText, EngineConnection

__all__ = ["IncomingEvents"]


class IncomingEvents:
    """Event dispatch and inbound backpressure of a server connection (a mixin)."""

    _runtime: Any
    _engine: EngineConnection | None

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
            self._in_received += len((event[0] if type(event) is DecodedText else event).data)
            if (self._in_received - self._in_done > self._runtime.settings.receive_queue_limit
                    and not self._reading_paused):
                with self._in_lock:
                    self._reading_paused = True
                    engine = self._engine
                    if engine is not None:
                        engine.pause_reading()  # before the frame is queued: its handling
                        # will resume the reading
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

    def _handled(self, n: int) -> None:
        """A received frame of ``n`` bytes was handed to the handlers: with AutoSyncEvents it
        counts as handled once the home thread ran them (a marker queued after them, one per
        ReceiveQueueLimit / 8 bytes, or per frame while reading is paused)."""
        comp = self._runtime.component()
        queue = self._runtime.marshal_queue(comp) if comp is not None else None
        if queue is not None and threading.get_ident() != queue.ident:
            with self._in_lock:
                self._in_unmarked += n
                if not (self._reading_paused or self._in_unmarked >=
                        self._runtime.settings.receive_queue_limit // 8):
                    return
                n, self._in_unmarked = self._in_unmarked, 0
            queue.post(self._consumed, (n,), comp)
        else:
            self._consumed(n)

    def _flush_unmarked(self) -> None:
        """After the frames of one read (or a burst dispatched by another thread) were handed
        on: queue the marker for those not marked yet (AutoSyncEvents), so that the count
        drops to 0 once the home thread ran their handlers."""
        if not self._in_unmarked:
            return
        with self._in_lock:
            n, self._in_unmarked = self._in_unmarked, 0
        comp = self._runtime.component()
        queue = self._runtime.marshal_queue(comp) if comp is not None else None
        if queue is None:
            self._consumed(n)
        else:
            queue.post(self._consumed, (n,), comp)

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
