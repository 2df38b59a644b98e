"""The parts of ``websockets``' threading server that the server component relies on, in one place.

The component does not call ``websockets.sync.server.serve()``: it accepts TCP connections itself
(so that ``OnConnect`` fires before any handshake and TLS failures can be reported) and then drives
one ``websockets`` connection per socket. Everything it uses beyond the documented API lives in
this module, so that an upgrade of ``websockets`` has one place to check:

* ``ServerProtocol.recv_frame`` (overridden): checks the UTF-8 of text messages while the frames
  arrive, so invalid text fails at once with close code 1007, and passes the decoded text on with
  the frame; with ``manual_pong`` it does not answer pings.
* ``Protocol.fail`` (extended): reports every failure of the connection (close code and reason).
* ``ServerConnection.process_event`` and ``recv_events`` (overridden): every frame after the
  handshake goes to a callback, in arrival order, then an end-of-stream marker. The message
  assembler (and with it the ``WEBSOCKETS_MAX_FRAGMENTS`` limit) is not used: fragmented messages
  are reassembled by the component and bounded by their total size (``max_size``) only.
* ``Connection.send_context``, ``protocol``, ``close_socket``, ``recv_events_thread``: writing
  frames, closing with a timeout, aborting.
* ``ServerConnection.handshake(process_request, process_response, server_header, timeout)`` and the
  one attribute it reads from its server object (``socket_closed``: refuse with 503 once set).
"""

from __future__ import annotations

import codecs
import email.utils
import http
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import enable_server_permessage_deflate
from websockets.frames import BINARY, CLOSE, CONT, PING, PONG, TEXT, Frame
from websockets.http11 import Request, Response
from websockets.protocol import OPEN
from websockets.server import ServerProtocol
from websockets.sync.server import Server, ServerConnection

__all__ = [
    "BINARY", "CLOSE", "CONT", "END_OF_STREAM", "PING", "PONG", "TEXT", "DecodedText",
    "EngineConnection", "EngineServer", "Frame", "Request", "Response", "create_engine",
]

log = logging.getLogger("fnc_websocket.server")

SERVER_HEADER = "fnc-websocket"

_UTF8Decoder = codecs.getincrementaldecoder("utf-8")

END_OF_STREAM = object()
"""Posted to the event callback once the connection's reader thread has ended."""


class DecodedText(NamedTuple):
    """A text frame (or a continuation of a text message) with its payload already decoded."""

    frame: Frame
    text: str


class EngineServer:
    """The server object a ``ServerConnection`` consults during its handshake.

    Only ``socket_closed`` is read: once set, a handshake that would succeed is answered 503.
    """

    def __init__(self) -> None:
        self.socket_closed = threading.Event()


class EngineProtocol(ServerProtocol):
    """``ServerProtocol`` that validates text as it arrives and may leave pings unanswered."""

    def __init__(self, *, manual_pong: bool, on_fail: Callable[[int, str], None],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._manual_pong = manual_pong
        self._on_fail = on_fail
        self._fail_reported = False
        self._utf8: Any = None  # incremental decoder of the text message being received

    def recv_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        text: str | None = None
        # Decode only frames in a valid position; the base class rejects the others (1002).
        # A UnicodeDecodeError here makes parse() fail the connection with 1007.
        if opcode is TEXT and self.current_size is None:
            decoder = _UTF8Decoder()
            text = decoder.decode(frame.data, frame.fin)
            self._utf8 = None if frame.fin else decoder
        elif opcode is BINARY and self.current_size is None:
            self._utf8 = None
        elif opcode is CONT and self.current_size is not None and self._utf8 is not None:
            text = self._utf8.decode(frame.data, frame.fin)
            if frame.fin:
                self._utf8 = None
        if opcode is PING and self._manual_pong:
            self.events.append(frame)  # the application answers (twsoManualPong)
            return
        super().recv_frame(frame)
        if text is not None:
            self.events[-1] = cast(Any, DecodedText(frame, text))

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
        super().__init__(sock, protocol, cast(Server, server), ping_interval=None,
                         ping_timeout=None, close_timeout=close_timeout, max_queue=None)
        self.recv_events_thread.name = name

    # -- reading ----------------------------------------------------------------------------

    def process_event(self, event: Any) -> None:
        if self.request is None:
            super().process_event(event)  # the handshake request
        else:
            self._on_event(event)

    def recv_events(self) -> None:
        try:
            super().recv_events()
        finally:
            self._on_event(END_OF_STREAM)

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
        """Drop the TCP connection now; a write blocked on a full socket returns with an error."""
        try:
            socket.socket.shutdown(self.socket, socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_socket()

    def join_reader(self, timeout: float) -> bool:
        """Wait for the reader thread to end; True when it did."""
        self.recv_events_thread.join(timeout)
        return not self.recv_events_thread.is_alive()


def create_engine(sock: socket.socket, server: EngineServer, *, manual_pong: bool,
                  compression: bool, max_size: int, close_timeout: float, name: str,
                  on_event: Callable[[Any], None],
                  on_fail: Callable[[int, str], None]) -> EngineConnection:
    """Wrap an accepted (and TLS-handshaken) socket; its reader thread starts at once."""
    protocol = EngineProtocol(
        manual_pong=manual_pong, on_fail=on_fail,
        extensions=enable_server_permessage_deflate(None) if compression else None,
        select_subprotocol=_first_offered, max_size=max_size or None, logger=log)
    return EngineConnection(sock, protocol, server, on_event=on_event,
                            close_timeout=close_timeout, name=name)


def respond(status: int, text: str = "", headers: dict[str, str] | None = None,
            body: bytes | None = None, content_type: str = "text/plain; charset=utf-8") -> Response:
    """A plain HTTP response (``Connection: close``) for a refused or plain HTTP request."""
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
    return Response(status, phrase, all_headers, payload)
