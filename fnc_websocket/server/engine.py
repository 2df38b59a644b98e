"""The parts of ``websockets``' threading server that the server component relies on, in one place.

The component does not call ``websockets.sync.server.serve()``: it accepts TCP connections itself
(so that ``OnConnect`` fires before any handshake and TLS failures can be reported) and then drives
one ``websockets`` connection per socket. Everything it uses beyond the documented API lives in
this module, so that an upgrade of ``websockets`` has one place to check:

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
  socket down before closing it so that a blocked ``recv`` returns. The message
  assembler (and with it the ``WEBSOCKETS_MAX_FRAGMENTS`` limit) is not used: fragmented messages
  are reassembled by the component and bounded by their total size (``max_size``) only.
* ``Connection.send_context``, ``protocol``, ``close_socket``, ``recv_events_thread``: writing
  frames, closing with a timeout, aborting.
* ``Connection.recv_flow_control`` (the lock ``recv_events`` takes before each read): held to
  stop reading a socket whose received messages wait for the application (inbound
  backpressure, ``ReceiveQueueLimit``).
* ``ServerConnection.handshake(process_request, process_response, server_header, timeout)`` and the
  one attribute it reads from its server object (``socket_closed``: refuse with 503 once set).
"""

from __future__ import annotations

import email.utils
import http
import logging
import socket
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any, NamedTuple, cast

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, PayloadTooBig, ProtocolError
from websockets.extensions.permessage_deflate import enable_server_permessage_deflate
from websockets.frames import BINARY, CLOSE, CONT, PING, PONG, TEXT, Close, CloseCode, Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CLOSING, OPEN
from websockets.protocol import CONNECTING as CONNECTING_STATE
from websockets.server import ServerProtocol
from websockets.sync.server import Server, ServerConnection
from websockets.sync.utils import Deadline

from fnc_websocket.messages import Utf8FragmentDecoder, decode_text

__all__ = [
    "BINARY", "CLOSE", "CONT", "END_OF_STREAM", "PING", "PONG", "TEXT", "DecodedText",
    "EngineConnection", "EngineServer", "Frame", "Request", "Response", "create_engine",
    "request_body", "respond",
]

log = logging.getLogger("fnc_websocket.server")

SERVER_HEADER = "fnc-websocket"

END_OF_STREAM = object()
"""Posted to the event callback once the connection's reader thread has ended."""


class DecodedText(NamedTuple):
    """A text frame (or a continuation of a text message) with its payload already decoded."""

    frame: Frame
    text: str


_BODY_HEADER = "X-Fnc-Body-Length"


def request_body(engine: EngineConnection, request: Request) -> bytes | None:
    """The body of a plain HTTP request (b"" for none; None when it exceeded the limit and was
    not read); puts its ``Content-Length`` header back in ``request.headers`` (hidden from
    ``Request.parse``, which refuses bodies)."""
    headers = request.headers
    if _BODY_HEADER in headers:
        length = headers[_BODY_HEADER].strip()
        del headers[_BODY_HEADER]
        headers["Content-Length"] = length
    if engine.protocol.body_too_large:
        return None
    return engine.protocol.request_body


class EngineServer:
    """The server object a ``ServerConnection`` consults during its handshake.

    Only ``socket_closed`` is read: once set, a handshake that would succeed is answered 503.
    """

    def __init__(self) -> None:
        self.socket_closed = threading.Event()


class EngineProtocol(ServerProtocol):
    """``ServerProtocol`` that validates text as it arrives and may leave pings unanswered."""

    def __init__(self, *, manual_pong: bool, manual_close: bool, max_body: int,
                 max_message: int, on_fail: Callable[[int, str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._max_message = max_message
        self._manual_pong = manual_pong
        self._manual_close = manual_close
        self._on_fail = on_fail
        self._fail_reported = False
        self._max_body = max_body
        self._body_length = 0
        self.request_body = b""
        self.body_too_large = 0  # the Content-Length of a refused body
        self._upgrade_asked = False
        self.plain_request_complete = False  # a plain HTTP request was read whole
        self.ignored_bytes = 0  # bytes after it (a pipelined request, a refused body)
        # Read plain HTTP bodies: wrap read_line, then restart the handshake parser (it started
        # in the base __init__ and already looked read_line up; no data has been fed yet).
        self._read_line = self.reader.read_line
        self.reader.read_line = self._read_line_and_body  # type: ignore[method-assign]
        self.parser = self.parse()
        next(self.parser)
        self._utf8 = Utf8FragmentDecoder()  # of the fragmented text message being received
        self._in_text = False

    def receive_data(self, data: bytes | bytearray) -> None:
        if self.plain_request_complete and self.state is CONNECTING_STATE:
            # After a plain HTTP request, nothing more is read: it is answered with
            # "Connection: close", so a pipelined request or a refused body is not parsed.
            self.ignored_bytes += len(data)
            return
        super().receive_data(data)

    def recv_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        limit = self._max_message
        if limit and opcode in (TEXT, BINARY, CONT):
            # The limit applies to the message as the application receives it (decompressed);
            # websockets' own limit is set a little higher, for the compressed frames.
            before = (self.current_size or 0) if opcode is CONT else 0
            if before + len(frame.data) > limit:
                raise PayloadTooBig(len(frame.data), limit - before)
        text: str | None = None
        # Decode only frames in a valid position; the base class rejects the others (1002).
        # A UnicodeDecodeError here makes parse() fail the connection with 1007.
        # (InvalidUTF8 is a UnicodeDecodeError.)
        if opcode is TEXT and self.current_size is None:
            if frame.fin:
                text = decode_text(frame.data)
            else:
                self._in_text = True
                self._utf8.reset()
                text = self._utf8.decode(frame.data, False)
        elif opcode is BINARY and self.current_size is None:
            self._in_text = False
        elif opcode is CONT and self.current_size is not None and self._in_text:
            text = self._utf8.decode(frame.data, frame.fin)
            if frame.fin:
                self._in_text = False
        if opcode is PING and self._manual_pong:
            self.events.append(frame)  # the application answers (twsoManualPong)
            return
        if opcode is CLOSE and self._manual_close and self.state is OPEN:
            self._close_received_manually(frame)
            return
        super().recv_frame(frame)
        if text is not None:
            self.events[-1] = cast(Any, DecodedText(frame, text))

    def _close_received_manually(self, frame: Frame) -> None:
        # recv_frame's CLOSE branch without the automatic reply (twsoManualClose).
        self.close_rcvd = Close.parse(frame.data)  # ProtocolError for a bad code: 1002
        if self.current_size is not None:
            raise ProtocolError("incomplete fragmented message")
        self.parser = self._discard_after_close()
        next(self.parser)
        self.events.append(frame)

    def _discard_after_close(self) -> Generator[None]:
        # RFC 6455 1.4: after a close frame, further data is discarded. Unlike discard(), this
        # runs before our close frame went out (the application sends it with reply_close).
        while not (yield from self.reader.at_eof()):
            self.reader.discard()
        if not self.eof_sent:
            self.send_eof()
        self.state = CLOSED
        yield
        raise AssertionError("_discard_after_close() shouldn't step after EOF")

    @property
    def awaiting_close_reply(self) -> bool:
        """twsoManualClose: the client's close frame arrived and none was sent yet."""
        return self.state is OPEN and self.close_rcvd is not None and self.close_sent is None

    def reply_close(self, code: int | None, reason: str = "") -> None:
        """Send the application's answer to the client's close frame (twsoManualClose)."""
        if code is None:
            close = Close(CloseCode.NO_STATUS_RCVD, "")
            data = b""
        else:
            close = Close(code, reason)
            data = close.serialize()
        self.send_frame(Frame(CLOSE, data))
        self.close_sent = close
        self.close_rcvd_then_sent = True
        self.state = CLOSING
        self.send_eof()  # a server closes TCP once both close frames went

    def _read_line_and_body(self, m: int, too_long_exc_type: type[Exception] = RuntimeError,
                            ) -> Generator[None, None, bytes | bytearray]:
        line = yield from self._read_line(m, too_long_exc_type)
        if self.state is not CONNECTING_STATE:
            return line
        if line[:11].lower() == b"connection:" and b"upgrade" in line.lower():
            self._upgrade_asked = True
        if line[:15].lower() == b"content-length:":
            try:
                length = int(line[15:].strip())
            except ValueError:
                raise ValueError(f"invalid Content-Length: {line[15:].strip()!r}") from None
            if length < 0:
                raise ValueError(f"invalid Content-Length: {length}")
            if self._max_body and length > self._max_body:
                self.body_too_large = length  # not read; the request is answered 413
            else:
                self._body_length = length
            return _BODY_HEADER.encode() + b":" + line[15:]  # keep Request.parse quiet
        if line in (b"\r\n", b"\n"):
            if self._body_length and not self.body_too_large:
                self.request_body = bytes((yield from self.reader.read_exact(self._body_length)))
                self._body_length = 0
            if self.body_too_large or not self._upgrade_asked:
                # Answered at once (a 413 without reading the body); what follows is ignored.
                self.plain_request_complete = True
                self.ignored_bytes += len(self.reader.buffer)
                del self.reader.buffer[:]
        return line

    def fail(self, code: int, reason: str = "") -> None:
        super().fail(code, reason)
        if not self._fail_reported:
            self._fail_reported = True
            self._on_fail(int(code), reason)


def _first_offered(_protocol: ServerProtocol, offered: Sequence[str]) -> str | None:
    # TMS echoes the requested subprotocol; echoing the first offered one is the valid form.
    return offered[0] if offered else None


class EngineConnection(ServerConnection):
    """One ``websockets`` server connection whose frames go to ``on_event`` in arrival order.

    ``on_event`` runs on the reader thread with a ``Frame``, a :class:`DecodedText`, or
    :data:`END_OF_STREAM` last. It must not block for long.
    """

    protocol: EngineProtocol

    def __init__(self, sock: socket.socket, protocol: EngineProtocol, server: EngineServer, *,
                 on_event: Callable[[Any], None], close_timeout: float, name: str) -> None:
        self._on_event = on_event
        self.after_read: Callable[[], None] = _nothing
        """Called on the reader thread after the events of one read went to ``on_event``."""
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
        with self.protocol_mutex:
            protocol.receive_eof()
            protocol.events_received()
            self.send_data()

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
                  on_fail: Callable[[int, str], None], prefix: bytes = b"") -> EngineConnection:
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
        select_subprotocol=_first_offered,
        max_size=max_size + max_size // 64 + 1024 if max_size else None, logger=log)
    if prefix:
        protocol.receive_data(prefix)
    return EngineConnection(sock, protocol, server, on_event=on_event,
                            close_timeout=close_timeout, name=name)


def respond(status: int, text: str = "", headers: dict[str, str] | None = None,
            body: bytes | None = None, content_type: str = "text/plain; charset=utf-8",
            head_only: bool = False) -> Response:
    """A plain HTTP response (``Connection: close``) for a refused or plain HTTP request;
    ``head_only`` (a HEAD request) sends the headers of that response without its body."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    payload = text.encode() if body is None else body
    all_headers = Headers([
        ("Date", email.utils.formatdate(usegmt=True)),
        ("Connection", "close"),
        ("Content-Length", str(len(payload))),
        ("Content-Type", content_type),
    ])
    for name, value in (headers or {}).items():
        all_headers[name] = value
    return Response(status, phrase, all_headers, b"" if head_only else payload)
