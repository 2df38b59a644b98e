"""The parts of ``websockets``' threading server that the server component relies on, in one place.

The component does not call ``websockets.sync.server.serve()``: it accepts TCP connections itself
(so that ``OnConnect`` fires before any handshake and TLS failures can be reported) and then drives
one ``websockets`` connection per socket. Everything it uses beyond the documented API lives in
this module and in ``engine_protocol`` (the ``ServerProtocol`` subclass), and is listed here, so
that an upgrade of ``websockets`` has one place to check:

* ``ServerProtocol.recv_frame`` (overridden): checks the UTF-8 of text messages while the frames
  arrive (with ``fnc_websocket._payload``), so invalid text fails at once with close code 1007,
  and passes the decoded text on with the frame; with ``manual_pong`` it does not answer pings;
  with ``manual_close`` it does not answer a close frame: it records ``close_rcvd``, keeps the
  state OPEN and replaces ``parser`` by a discarding one, and :meth:`EngineProtocol.reply_close`
  later sends the application's close frame, doing what ``recv_frame`` would have done
  (``close_sent``, ``close_rcvd_then_sent``, state CLOSING, ``send_eof``). ``send_close`` cannot
  be used for that: it asserts that no close frame was received.
* ``Protocol.reader.read_line`` (wrapped, instance attribute, before the handshake parser
  starts): reads the body (``Content-Length``) of a plain HTTP request, which
  ``Request.parse`` refuses, so that ``OnCommandGet``/``OnCommandOther`` can see it.
* ``Protocol.fail`` (extended): reports every failure of the connection (close code and reason).
* ``ServerConnection.process_event`` and ``recv_events`` (overridden): every frame after the
  handshake goes to a callback, in arrival order, then an end-of-stream marker. The reading
  loop is ours (blocking ``recv``, no selector and no ``shutdown_watcher`` socketpair, which are
  closed at once: one descriptor per connection); it follows the sans-I/O protocol's contract
  (``receive_data``, ``events_received``, ``send_data`` under ``protocol_mutex``,
  ``close_deadline``, ``set_connection_exc``, ``request_rcvd``), and ``close_socket`` shuts the
  socket down before closing it so that a blocked ``recv`` returns. When the home thread may read
  the socket too (``server.home_reading``), both read with ``recv(MSG_DONTWAIT)`` under
  ``protocol_mutex`` (:meth:`EngineConnection.read_now`) until the closing handshake. The message
  assembler (and with it the ``WEBSOCKETS_MAX_FRAGMENTS`` limit) is not used: fragmented messages
  are reassembled by the component and bounded by their total size (``max_size``) only.
* ``Connection.send_context``, ``protocol``, ``close_socket``, ``recv_events_thread``: writing
  frames, closing with a timeout, aborting. ``Protocol.writes`` (the output not yet taken by
  ``data_to_send``): what a non-blocking write of the home thread could not write goes back to
  its front, for the next flush (``server.home_reading``).
* ``Connection.recv_flow_control`` (the lock ``recv_events`` takes before each read): held to
  stop reading a socket whose received messages wait for the application (inbound
  backpressure, ``ReceiveQueueLimit``).
* ``ServerConnection.handshake(process_request, process_response, server_header, timeout)`` and the
  one attribute it reads from its server object (``socket_closed``: refuse with 503 once set).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from typing import Any, cast

from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import enable_server_permessage_deflate
from websockets.frames import BINARY, CLOSE, CONT, PING, PONG, TEXT, Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CLOSING, OPEN
from websockets.sync.server import Server, ServerConnection
from websockets.sync.utils import Deadline

from fnc_websocket.server.engine_protocol import (
    DecodedText,
    EngineProtocol,
    first_offered,
    request_body,
)

__all__ = [
    "BINARY", "CLOSE", "CONT", "END_OF_STREAM", "ENDED", "NOTHING", "NOT_NOW", "PING", "PONG",
    "READ", "TEXT", "DecodedText", "EngineConnection", "EngineServer", "Frame", "Request",
    "Response", "create_engine", "request_body",
]

log = logging.getLogger("fnc_websocket.server")

SERVER_HEADER = "fnc-websocket"

END_OF_STREAM = object()
"""Posted to the event callback once the connection's reader thread has ended."""

NOTHING, READ, ENDED, NOT_NOW = range(4)
"""What :meth:`EngineConnection.read_now` did."""


class EngineServer:
    """The server object a ``ServerConnection`` consults during its handshake.

    Only ``socket_closed`` is read: once set, a handshake that would succeed is answered 503.
    """

    def __init__(self) -> None:
        self.socket_closed = threading.Event()


class EngineConnection(ServerConnection):
    """One ``websockets`` server connection whose frames go to ``on_event`` in arrival order.

    ``on_event`` runs on the reader thread with a ``Frame``, a :class:`DecodedText`, or
    :data:`END_OF_STREAM` last. It must not block for long.
    """

    protocol: EngineProtocol

    def __init__(self, sock: socket.socket, protocol: EngineProtocol, server: EngineServer, *,
                 on_event: Callable[[Any], None], close_timeout: float, name: str,
                 shared_reader: Callable[[EngineConnection], bool] | None = None) -> None:
        self._on_event = on_event
        self.after_read: Callable[[], None] = _nothing
        """Called on the reader thread after the events of one read went to ``on_event``."""
        self._shared_reader = shared_reader
        self.home_may_read = False
        """The home thread may read (:meth:`read_now`); changed under ``protocol_mutex``."""
        self.left_unwritten = 0
        """Bytes of automatic answers the home thread's last :meth:`read_now` left unwritten."""
        super().__init__(sock, protocol, cast(Server, server), ping_interval=None,
                         ping_timeout=None, close_timeout=close_timeout, max_queue=None)
        self.recv_events_thread.name = name
        for unused in (self.shutdown_watcher, self.shutdown_notifier):  # see recv_events
            unused.close()
        # Bytes read before the reader started (create_engine's ``prefix``) left events behind
        # and maybe an answer; the reader only looks at events after its own reads.
        with self.protocol_mutex:
            events = self.protocol.events_received()
            try:
                self.send_data()
            except OSError:
                pass  # the reader sees the broken socket
            for event in events:
                self.process_event(event)

    # -- reading ----------------------------------------------------------------------------

    def process_event(self, event: Any) -> None:
        if self.request is None:
            super().process_event(event)  # the handshake request
        else:
            self._on_event(event)

    def recv_events(self) -> None:
        """The reader thread: blocking reads fed to the protocol, events to ``on_event``.

        Replaces websockets' loop, which waits in a selector with a socketpair to be woken:
        three descriptors more per connection. This one is woken by ``close_socket``, which
        shuts the socket down first (a blocked ``recv`` then returns).
        """
        try:
            self._read_until_eof()
        except Exception as exc:  # a bug: keep the connection's end orderly
            log.error("server reader failed: %r", exc)
            with self.protocol_mutex:
                self.set_connection_exc(exc)
        finally:
            self.close_socket()
            self.request_rcvd.set()  # a handshake still waiting gives up
            self._on_event(END_OF_STREAM)

    def _read_until_eof(self) -> None:
        # shared_reader: the loop of a socket the home thread may read too (server.home_reading);
        # it returns False to leave the rest (the closing) to the blocking loop below.
        if self._shared_reader is not None and self._shared_reader(self):
            self._end_of_stream()
            return
        protocol = self.protocol
        while True:
            with self.recv_flow_control:  # held while reading is paused (backpressure)
                pass
            try:
                data = self.socket.recv(self.recv_bufsize)
            except Exception as exc:
                with self.protocol_mutex:
                    self.set_connection_exc(exc)
                break
            if not data:
                break
            with self.protocol_mutex:
                protocol.receive_data(data)
                events = protocol.events_received()
                try:
                    self.send_data()  # automatic answers (pong, close reply)
                except Exception as exc:
                    self.set_connection_exc(exc)
                    break
                if protocol.close_expected() and self.close_deadline is None:
                    self.close_deadline = Deadline(self.close_timeout)
            for event in events:
                self.process_event(event)
            if events:
                self.after_read()
        self._end_of_stream()

    def _end_of_stream(self) -> None:
        with self.protocol_mutex:
            self.protocol.receive_eof()
            self.protocol.events_received()
            self.send_data()

    # -- reading shared with the home thread (server.home_reading) ----------------------------

    def read_now(self, home: bool) -> int:
        """Read what the socket holds (never waiting for data), feed it to the protocol and
        hand the events to ``on_event``, all under ``protocol_mutex``, so that two threads
        reading one socket deliver in read order. Returns :data:`READ`, :data:`NOTHING` (no
        data), :data:`ENDED` (end of stream or a failure, recorded) or :data:`NOT_NOW`.

        ``home`` (the home thread): never waits for the lock (NOT_NOW when held, or when
        ``home_may_read`` is off) and writes automatic answers (pong, close reply) without
        waiting: what the socket does not take stays first in the protocol's output
        (``left_unwritten`` bytes), for :meth:`flush`. The reader thread writes them as its
        blocking loop does.
        """
        mutex = self.protocol_mutex
        if not mutex.acquire(blocking=not home):
            return NOT_NOW
        try:
            if home and not self.home_may_read:
                return NOT_NOW
            try:
                data = self.socket.recv(self.recv_bufsize, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return NOTHING
            if not data:
                return ENDED
            protocol = self.protocol
            protocol.receive_data(data)
            events = protocol.events_received()
            for event in events:
                self.process_event(event)
            if home:
                self.left_unwritten = self._write_nowait()
            else:
                self.send_data()  # automatic answers (pong, close reply)
            if protocol.close_expected() and self.close_deadline is None:
                self.close_deadline = Deadline(self.close_timeout)
            return READ
        except Exception as exc:
            self.set_connection_exc(exc)
            return ENDED
        finally:
            mutex.release()

    @property
    def closing(self) -> bool:
        """The closing handshake began (or the connection ended): the reader reads alone."""
        return self.protocol.state in (CLOSING, CLOSED) or self.close_deadline is not None

    def write_nowait(self, data: bytes, text: bool, sizes: list[int] | None) -> int | None:
        """Home thread: write a whole message (as :meth:`send_message`) without waiting. None
        when that cannot be done now (the lock is held, the connection is not open): queue it
        instead; else how many bytes the socket did not take: they stay first in the
        protocol's output, for :meth:`flush`."""
        mutex = self.protocol_mutex
        if not mutex.acquire(blocking=False):
            return None
        try:
            if self.protocol.state is not OPEN or self.close_deadline is not None:
                return None
            self._frame(data, text, sizes)
            return self._write_nowait()
        finally:
            mutex.release()

    def _write_nowait(self) -> int:
        # Under protocol_mutex: write what the protocol has to send, as far as the socket takes
        # it at once (the end-of-stream mark once all before it went); put the rest back.
        writes = self.protocol.data_to_send()
        for i, chunk in enumerate(writes):
            if not chunk:  # SEND_EOF: a server ends TCP once both close frames went
                try:
                    self.socket.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            try:
                sent = self.socket.send(chunk, socket.MSG_DONTWAIT)
            except OSError:
                sent = 0  # full (or broken: the flush reports it)
            if sent < len(chunk):
                rest = [chunk[sent:], *writes[i + 1:]]
                self.protocol.writes[:0] = rest
                return max(1, sum(len(r) for r in rest))
        return 0

    def flush(self) -> None:
        """Write what :meth:`read_now` left unwritten (whatever the state); raises the
        ``OSError`` of a failed write (recorded as the connection's failure)."""
        with self.protocol_mutex:
            try:
                self.send_data()
            except Exception as exc:
                self.set_connection_exc(exc)
                raise

    def close_socket(self) -> None:
        try:
            socket.socket.shutdown(self.socket, socket.SHUT_RDWR)  # wakes a blocked recv
        except OSError:
            pass
        super().close_socket()

    # -- handshake --------------------------------------------------------------------------

    def run_handshake(self, process_request: Callable[[Any, Request], Response | None],
                      process_response: Callable[[Any, Request, Response], Response | None],
                      timeout: float) -> bool:
        """Read the request and answer it; True when the connection is open (101 sent)."""
        try:
            self.handshake(process_request, process_response, SERVER_HEADER, timeout)
        except TimeoutError:
            return False
        except (OSError, ConnectionClosed):
            return False
        return self.protocol.state is OPEN

    @property
    def handshake_error(self) -> BaseException | None:
        """Why websockets refused the request (None when it did not)."""
        return self.protocol.handshake_exc

    @property
    def is_open(self) -> bool:
        return self.protocol.state is OPEN

    # -- writing (connection thread) ---------------------------------------------------------

    def send_message(self, data: bytes, text: bool, sizes: list[int] | None) -> None:
        """Write a whole message, in frames of ``sizes`` payload bytes when given.

        Raises ``ConnectionClosed`` when the connection is not open or the write failed.
        """
        with self.send_context():
            self._frame(data, text, sizes)

    def send_messages(self, messages: list[tuple[bytes, bool, list[int] | None]]) -> None:
        """Write several messages (``(data, text, sizes)`` as :meth:`send_message`) in one
        write. Raises ``ConnectionClosed`` as :meth:`send_message`."""
        with self.send_context():
            for data, text, sizes in messages:
                self._frame(data, text, sizes)
            writes = self.protocol.writes
            if len(writes) > 1 and all(writes):
                self.protocol.writes = [b"".join(writes)]

    def _frame(self, data: bytes, text: bool, sizes: list[int] | None) -> None:
        # Under protocol_mutex: the message's frames into the protocol's output.
        protocol = self.protocol
        if sizes is None or len(sizes) == 1:
            if text:
                protocol.send_text(data)
            else:
                protocol.send_binary(data)
            return
        view = memoryview(data)
        last = len(sizes) - 1
        pos = 0
        for i, size in enumerate(sizes):
            chunk = view[pos:pos + size]
            pos += size
            if i == 0:
                if text:
                    protocol.send_text(chunk, fin=False)
                else:
                    protocol.send_binary(chunk, fin=False)
            else:
                protocol.send_continuation(chunk, fin=i == last)

    def send_control(self, opcode: int, data: bytes) -> None:
        """Write a ping or pong frame (``ConnectionClosed`` when not open)."""
        with self.send_context():
            if opcode == PING:
                self.protocol.send_ping(data)
            else:
                self.protocol.send_pong(data)

    def close_with(self, code: int | None, reason: str) -> None:
        """Send a close frame and wait (at most ``close_timeout``) for the peer to end TCP.

        ``code=None`` sends an empty close payload. Never raises for a connection that is
        already closing or closed.
        """
        try:
            with self.send_context():
                if self.protocol.awaiting_close_reply:
                    self.protocol.reply_close(code, reason)
                else:
                    self.protocol.send_close(code, reason)
        except ConnectionClosed:
            pass

    def fail_with(self, code: int, reason: str) -> None:
        """Fail the connection: close frame ``code``, then end TCP without waiting long."""
        try:
            with self.send_context():
                self.protocol.fail(code, reason)
        except ConnectionClosed:
            pass

    def abort(self) -> None:
        """Drop the TCP connection now; a write blocked on a full socket returns with an error.

        Only shuts the socket down: the reader thread sees the end of the stream and closes it
        (closing it under the reader's feet would make ``websockets`` log a traceback).
        """
        try:
            socket.socket.shutdown(self.socket, socket.SHUT_RDWR)
        except OSError:
            pass

    def pause_reading(self) -> None:
        """Stop reading the socket after the current read (TCP then pushes back on the peer).

        Uses ``recv_flow_control``, the lock ``recv_events`` takes before each read (websockets
        pauses its message assembler with it; this class does not use the assembler). Call
        on any thread; :meth:`resume_reading` must follow (it may come from another thread).
        """
        self.recv_flow_control.acquire(blocking=False)

    def resume_reading(self) -> None:
        """Let the reader thread read again (after :meth:`pause_reading`)."""
        try:
            self.recv_flow_control.release()
        except RuntimeError:
            pass  # not paused

    def close_now(self) -> None:
        """Close the socket (the reader thread ends); last resort after :meth:`abort`."""
        self.close_socket()

    def join_reader(self, timeout: float) -> bool:
        """Wait for the reader thread to end; True when it did (or when it is the calling
        thread, after its reading loop ended: it dispatches the end of the stream)."""
        if self.recv_events_thread is threading.current_thread():
            return True
        self.recv_events_thread.join(timeout)
        return not self.recv_events_thread.is_alive()


def _nothing() -> None:
    pass


def create_engine(sock: socket.socket, server: EngineServer, *, manual_pong: bool,
                  manual_close: bool, compression: bool, max_size: int, close_timeout: float,
                  name: str, on_event: Callable[[Any], None],
                  on_fail: Callable[[int, str], None], prefix: bytes = b"",
                  shared_reader: Callable[[EngineConnection], bool] | None = None,
                  ) -> EngineConnection:
    """Wrap an accepted (and TLS-handshaken) socket; its reader thread starts at once.

    ``prefix``: bytes already read from the socket (the request head, read while the server
    waited for it without a thread); they are parsed before anything the reader reads.

    ``max_size`` bounds incoming messages (after decompression) and the body of a plain HTTP
    request (0: no limit). A compressed frame may be slightly larger than ``max_size``:
    deflate makes incompressible data a little bigger.
    """
    protocol = EngineProtocol(
        manual_pong=manual_pong, manual_close=manual_close, max_body=max_size,
        max_message=max_size, on_fail=on_fail,
        extensions=enable_server_permessage_deflate(None) if compression else None,
        select_subprotocol=first_offered,
        max_size=max_size + max_size // 64 + 1024 if max_size else None, logger=log)
    if prefix:
        protocol.receive_data(prefix)
    return EngineConnection(sock, protocol, server, on_event=on_event,
                            close_timeout=close_timeout, name=name, shared_reader=shared_reader)
