"""``TTMSFNCWebSocketServerConnection``: one client of the server, and the thread that serves it.

Each accepted TCP connection gets one *connection thread* (TMS: the Indy thread) once the
acceptor has its request head (``OnConnect`` fired before, see ``server.acceptor``). It runs the
WebSocket handshake (``OnAllow`` on this thread, see ``server.upgrade``) and fires
``OnHandshakeResponseSent``; from then on the engine's reader thread reads the client's frames
and dispatches their events itself (``server.incoming``), in arrival order, ``OnDisconnect``
last, and the thread that ran the handshake ends (an idle connection holds one thread). With
``AutoSyncEvents`` the home thread reads too while it waits (``server.home_reading``).
Messages other threads send are written by the connection's *writer thread*, which exists
only while something waits to be sent (``server.outgoing``). A handler that blocks stops the
reading of its own connection only: a slow client or handler blocks nobody else.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from fnc_websocket.connection import TTMSFNCWebSocketConnection
from fnc_websocket.errors import EWebsocketServer, server_error
from fnc_websocket.handshake import TTMSFNCWebSocketRequest
from fnc_websocket.server.engine import (
    PING,
    PONG,
    EngineConnection,
    create_engine,
)
from fnc_websocket.server.home_reading import HomeReading
from fnc_websocket.server.identity import allocate_connection_id
from fnc_websocket.server.incoming import IncomingEvents
from fnc_websocket.server.outgoing import (
    _CLOSE,
    _CONTROL,
    _FAIL,
    _REPORT,
    OutgoingQueue,
)
from fnc_websocket.server.upgrade import UpgradeHooks
from fnc_websocket.types import (
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL_ERROR,
    CLOSE_NORMAL,
    SErrCloseSent,
    SErrHandshakeNotComplete,
    TCloseStatus,
    TransformCloseData,
    TTMSFNCWebSocketFrameOpcode,
    encode_close_payload,
    focClose,
    focPing,
    twsoManualClose,
    twsoManualPong,
)

if TYPE_CHECKING:
    from fnc_websocket.server.runtime import ServerRuntime

__all__ = ["TTMSFNCWebSocketServerConnection"]

log = logging.getLogger("fnc_websocket.server")

_HTTP_LINGER = 2.0
"""Longest wait, after a plain HTTP answer or a refusal, for the client to close first."""


class TTMSFNCWebSocketServerConnection(OutgoingQueue, IncomingEvents, UpgradeHooks,
                                       TTMSFNCWebSocketConnection):
    """A client of a ``TTMSFNCWebSocketServer``: the ``AConnection`` of the server's events.

    The object stays usable as a value for every event that names it, ``OnDisconnect``
    included (also when that event is queued to the home thread): ``PeerIP``, ``PeerPort``,
    ``HandshakeRequest``, ``UserData`` and ``CloseStatus`` keep their values; sends after the
    close raise :class:`EWebSocket` saying why.

    ``Send``/``SendBytes``/``SendClose``/``SendSimpleFrame``/``Disconnect`` may be called from
    any thread: the message is queued and written by the connection's writer thread. Above the
    server's ``SendQueueLimit`` a sender waits (at most ``SendTimeout``) while the client makes
    progress; a client whose queue stays above the limit with nothing written for
    ``SendTimeout`` is disconnected with close code 1008 (policy violation) and an ``OnError``
    (docs/server.md, "Backpressure").
    """

    def __init__(self, runtime: ServerRuntime, address: Any) -> None:
        super().__init__(runtime.settings.options)
        self._runtime = runtime
        host = str(address[0]) if address else ""
        if host.startswith("::ffff:"):
            host = host[7:]
        self._peer_ip = host
        self._peer_port = int(address[1]) if address and len(address) > 1 else 0
        self._request: TTMSFNCWebSocketRequest | None = None
        self.OwnsUserData = False
        self._events: collections.deque[Any] = collections.deque()  # frames, reports, the end
        self._ev_lock = threading.Lock()
        self._ready = False  # OnHandshakeResponseSent ran: frames may be dispatched
        self._pumping = False  # a thread is dispatching events (handlers may be running)
        self._pumper: threading.Thread | None = None
        self._engine: EngineConnection | None = None
        self._sock: Any = None
        self._thread: threading.Thread | None = None
        self._outbox: collections.deque[tuple[Any, ...]] = collections.deque()
        self._writer_active = False
        self._writing = False
        self._out_lock = threading.Lock()
        self._out_room = threading.Condition(self._out_lock)  # the queue shrank or ended
        self._out_ready = threading.Condition(self._out_lock)  # something to write
        self._out_bytes = 0
        self._out_items = 0
        self._last_progress = time.monotonic()  # a queued message finished writing
        self._in_lock = threading.Lock()
        self._in_received = 0  # bytes of frames read (the reader thread adds)
        self._in_done = 0  # bytes of those handled (the thread that handled them adds)
        self._in_unmarked = 0  # AutoSyncEvents: handed to the home thread, no marker yet
        self._unflushed = False  # calls posted to the home thread with no marker after them
        self._home_owed = 0  # markers posted to the home thread that have not run yet
        self._home_reading: HomeReading | None = None  # the home thread reads too
        self._reading_paused = False
        self._closing = False
        self._overflowed = False
        self._error_reported = False
        self._refusal: tuple[int, str] | None = None
        self._slot = False
        self._plain_http = False
        self._close_status: TCloseStatus | None = None
        self._hb_ping_sent: float | None = None
        self._hb_last_ping = time.monotonic()
        self._msg_text = False
        self._msg_parts: list[Any] = []
        self._id = allocate_connection_id(runtime, self)
        self._disconnect_reason = ""

    # -- read-only state ----------------------------------------------------------------------

    @property
    def Id(self) -> str:
        """Added: this connection's id, unique across a backplane cluster:
        ``'<Backplane.NodeId>#<n>'``. ``SendMessageToId`` reaches it from any node."""
        return self._id

    @property
    def PeerIP(self) -> str:
        """The client's IP address."""
        return self._peer_ip

    @property
    def PeerPort(self) -> int:
        """The client's TCP port."""
        return self._peer_port

    @property
    def HandshakeRequest(self) -> TTMSFNCWebSocketRequest | None:
        """The client's upgrade request (None until it arrived)."""
        return self._request

    @property
    def HandshakeResponseSent(self) -> bool:
        """True once the 101 response was sent (same as ``HandshakeCompleted``)."""
        return self._handshake_completed

    @property
    def CloseStatus(self) -> TCloseStatus | None:
        """The close status the client sent (code 1005 when its close frame had none);
        None when no close frame came from the client."""
        return self._close_status

    @property
    def DisconnectReason(self) -> str:
        """Added: set before ``OnDisconnect`` when the connection ended without a closing
        handshake ('connection lost: ...', with the cause); '' otherwise."""
        return self._disconnect_reason

    @property
    def Server(self) -> Any:
        """The server component (None once it is gone)."""
        return self._runtime.component()

    # -- sending (any thread) --------------------------------------------------------------

    def Send(self, aMessage: str) -> None:
        """Send a text message (split into frames when the server's SplitMessage is set)."""
        if not isinstance(aMessage, str):
            raise TypeError(f"Send expects str, got {type(aMessage).__name__}; "
                            "use SendBytes for binary data")
        self._queue_message(True, aMessage.encode("utf-8", "surrogatepass"))

    def SendBytes(self, ABytes: bytes) -> None:
        """Send a binary message (split into frames when the server's SplitMessage is set)."""
        if not isinstance(ABytes, (bytes, bytearray, memoryview)):
            raise TypeError(f"SendBytes expects bytes, got {type(ABytes).__name__}")
        self._queue_message(False, bytes(ABytes))

    def SendInMultipleFrames(self, AMessage: str, AFrameLength: int) -> None:
        """Send a text message as frames of at most ``AFrameLength`` bytes, header included,
        whatever the server's SplitMessage says (queued as ``Send``).

        Raises ``ValueError`` when ``AFrameLength`` leaves no room for payload (at least 3).
        """
        if not isinstance(AMessage, str):
            raise TypeError(f"SendInMultipleFrames expects str, got {type(AMessage).__name__}; "
                            "use SendBytesInMultipleFrames for binary data")
        length = self._frame_length(AFrameLength, masked=False)
        self._queue_message(True, AMessage.encode("utf-8", "surrogatepass"), length)

    def SendBytesInMultipleFrames(self, ABytes: bytes, AFrameLength: int) -> None:
        """Send a binary message as frames of at most ``AFrameLength`` bytes (as
        :meth:`SendInMultipleFrames`)."""
        if not isinstance(ABytes, (bytes, bytearray, memoryview)):
            raise TypeError(f"SendBytesInMultipleFrames expects bytes, got "
                            f"{type(ABytes).__name__}")
        length = self._frame_length(AFrameLength, masked=False)
        self._queue_message(False, bytes(ABytes), length)

    def SendClose(self, code: int | bytes | str = CLOSE_NORMAL, reason: str = "") -> None:
        """Start the closing handshake with status ``code`` and ``reason`` — or, with
        ``twsoManualClose``, answer the client's close frame (after ``OnClose``; the server does
        not answer it by itself then, and drops the client if no answer is sent within
        ``CloseTimeout`` of its close frame).

        ``code`` may also be a raw close payload (bytes, decoded with TransformCloseData; empty
        means no status) or, as TMS's ``SendClose(aMessage)``, a str: the reason, with code 1000.
        The connection is dropped if the client does not answer within the server's
        ``CloseTimeout``. Raises ``ValueError`` for a code that may not be sent.
        """
        status: int | None
        if isinstance(code, (bytes, bytearray)):
            status, reason = TransformCloseData(bytes(code)) if code else (None, "")
        elif isinstance(code, str):
            status, reason = CLOSE_NORMAL, code
        else:
            status = int(code)
        encode_close_payload(status, reason)  # ValueError for a bad code or a long reason
        if not self._awaiting_close_reply():
            self._check_can_send()
        with self._out_lock:
            if self._close_sent:
                raise EWebsocketServer(SErrCloseSent)
            self._close_sent = True
        self._enqueue_control((_CLOSE, status, reason))

    def SendSimpleFrame(self, AOpcode: TTMSFNCWebSocketFrameOpcode | int,
                        aData: bytes = b"") -> None:
        """Send a ping, pong or close frame with ``aData`` (at most 125 bytes)."""
        opcode = self._check_simple_opcode(AOpcode)
        data = bytes(aData)
        if len(data) > 125:
            raise ValueError(f"a control frame carries at most 125 bytes, not {len(data)}")
        if opcode == focClose:
            self.SendClose(data)
            return
        self._check_can_send()
        self._enqueue_control((_CONTROL, PING if opcode == focPing else PONG, data))

    def Ping(self, AData: bytes = b"") -> None:
        """Send a ping frame (the answer arrives as ``OnPong``)."""
        self.SendSimpleFrame(focPing, AData)

    def Disconnect(self, ASendClose: bool = True) -> None:
        """Close this connection: with ``ASendClose`` a close 1000 handshake (bounded by the
        server's CloseTimeout; with twsoManualClose after the client's close frame: the reply),
        else drop TCP at once. Harmless on a closed connection."""
        if self._closed:
            return
        if ASendClose and self._handshake_completed and not self._close_sent:
            try:
                self.SendClose(CLOSE_NORMAL)
                return
            except EWebsocketServer:
                pass
        self._abort()

    def _awaiting_close_reply(self) -> bool:
        """twsoManualClose: the client's close frame arrived; the application must answer it."""
        return (twsoManualClose in self._options and self._close_status is not None
                and not self._close_sent and not self._closed)

    def _check_can_send(self) -> None:
        if self._closed:
            raise EWebsocketServer(
                f"Connection {self._peer_ip}:{self._peer_port} is closed; cannot send")
        if not self._handshake_completed:
            raise EWebsocketServer(SErrHandshakeNotComplete)
        if self._close_sent:
            raise EWebsocketServer(SErrCloseSent)
        if self._closing:
            raise EWebsocketServer(
                f"Connection {self._peer_ip}:{self._peer_port} is closing; cannot send")

    def _can_broadcast(self) -> bool:
        return (self._handshake_completed and not self._closed and not self._closing
                and not self._close_sent and not self._overflowed)

    # -- called by the runtime (other threads) --------------------------------------------

    def _fail_async(self, code: int, reason: str, error: str) -> None:
        """Ask the connection thread to fail the connection; abort if it cannot in time."""
        with self._out_lock:
            if self._closing and self._error_reported:
                return
            self._closing = True
            self._error_reported = True
        self._post_event((_REPORT, error, code))  # dispatched before the end of the stream
        self._enqueue_control((_FAIL, code, reason))
        self._runtime.schedule_abort(self, self._runtime.settings.close_timeout)

    def _going_away(self) -> None:
        """Server stop: close 1001 when open (or when a twsoManualClose reply is still due),
        else drop the TCP connection."""
        if self._handshake_completed and not self._closed and not self._close_sent \
                and (not self._closing or self._awaiting_close_reply()):
            with self._out_lock:
                self._close_sent = True
            self._enqueue_control((_CLOSE, CLOSE_GOING_AWAY, "server going away"))
        elif not self._handshake_completed:
            self._abort()

    def _heartbeat(self, now: float, interval: float, timeout: float) -> None:
        """Housekeeper tick: ping when due; drop the client when the last ping went unanswered."""
        if not self._can_broadcast():
            return
        sent = self._hb_ping_sent
        if sent is not None and (self._reading_paused or self._pumping):
            self._hb_ping_sent = now  # we are not reading its pong: not the client's fault
            return
        if sent is not None:
            if timeout > 0 and now - sent >= timeout:
                self._fail_async(CLOSE_INTERNAL_ERROR, "heartbeat timeout",
                                 f"client {self._peer_ip}:{self._peer_port} did not answer the "
                                 f"heartbeat ping within {timeout:g} s; disconnected (1011)")
            return
        if now - self._hb_last_ping >= interval:
            self._hb_ping_sent = self._hb_last_ping = now
            self._enqueue_control((_CONTROL, PING, b"fnc-heartbeat"))

    def _abort(self) -> None:
        engine = self._engine
        if engine is not None:
            engine.abort()
            with self._in_lock:
                self._resume_reading()
            return
        sock = self._sock
        if sock is not None:
            import socket

            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    # -- the connection thread -------------------------------------------------------------

    def _run_connect(self, pending: Any, acceptor: Any) -> None:
        """Short-lived thread (named as the connection thread): raise ``OnConnect``, then hand
        the socket back to the accept thread to wait for the request (or, when the server is
        stopping meanwhile, end the connection here)."""
        self._runtime.fire("OnConnect", self)
        if self._runtime.stopping:
            self._run(pending.sock, b"", None, 0.0)
        else:
            acceptor.park(pending)

    def _run(self, sock: Any, prefix: bytes, failure: str | None, deadline: float) -> None:
        """Body of the connection thread, from the request's arrival (``prefix``: the bytes
        read so far) to ``OnDisconnect``. ``failure``: why no request came (reported with
        OnError, then the connection ends); ``deadline``: the end of the handshake timeout."""
        self._thread = threading.current_thread()
        self._sock = sock
        runtime = self._runtime
        settings = runtime.settings
        handed_over = False
        try:
            if runtime.stopping:
                return
            if failure is not None:
                self._report_error(f"handshake with {self._peer_ip}:{self._peer_port} failed: "
                                   f"{failure}")
                return
            sock.setblocking(True)
            self._home_reading = home = HomeReading.open(self, sock)
            self._engine = create_engine(
                sock, runtime.engine_server, manual_pong=twsoManualPong in self._options,
                manual_close=twsoManualClose in self._options,
                compression=settings.compression, max_size=settings.max_message_size,
                close_timeout=settings.close_timeout,
                name=f"fnc-ws-server-conn {self._peer_ip}:{self._peer_port}",
                on_event=self._on_engine_event if home is None else self._enqueue_event,
                on_fail=self._on_protocol_fail, prefix=prefix,
                shared_reader=None if home is None else home.reader_loop)
            self._engine.after_read = self._flush_unmarked
            if home is not None:
                home.attach(self._engine)
            if not self._engine.run_handshake(self._process_request, self._process_response,
                                              max(0.5, deadline - time.monotonic())):
                if self._handshake_completed:  # the 101 could not be written after all
                    self._handshake_completed = False
                    runtime.connection_closed(self)
                self._report_handshake_failure()
                return
            runtime.register_thread(self._engine.recv_events_thread, self)
            runtime.fire("OnHandshakeResponseSent", self)
            # From now on, the reader thread dispatches the frames as it reads them; this
            # thread only dispatches those that arrived meanwhile (and maybe the end).
            with self._ev_lock:
                self._ready = True
            handed_over = True
            self._pump()
            if home is not None:
                home.start()
        except Exception as exc:  # a bug of ours: report it, never lose the thread silently
            log.exception("server connection thread failed")
            self._report_error(f"internal error on {self._peer_ip}:{self._peer_port}: {exc!r}")
            handed_over = False
        finally:
            if not handed_over:
                self._finish()

    # -- errors and the end ---------------------------------------------------------------------

    def _report_error(self, message: str, status_code: int = 0, close_code: int = 0,
                      handshake: bool = False) -> None:
        self._error_reported = True
        error = server_error(message, StatusCode=status_code, CloseCode=close_code,
                             handshake=handshake)
        self._runtime.fire("OnError", self, error)

    def _lost_cause(self, engine: EngineConnection | None) -> tuple[str, bool] | None:
        """Why an open connection ended without a closing handshake (the client crashed, the
        network failed) and whether that was an error (not a plain end of TCP), or None when it
        did not end that way (or we ended it)."""
        if engine is None or not self._handshake_completed or self._closing \
                or self._close_sent or self._runtime.stopping:
            return None
        if not engine.join_reader(0):
            return None  # still reading: ended by us
        protocol = engine.protocol
        if protocol.close_rcvd is not None:
            return None
        cause = engine.connection_exc or protocol.parser_exc
        if cause is None or isinstance(cause, EOFError):
            return "the TCP connection ended without a close frame", False
        return f"{type(cause).__name__}: {str(cause) or type(cause).__name__}", True

    def _finish(self) -> None:
        runtime = self._runtime
        engine = self._engine
        lost = self._lost_cause(engine)
        self._closing = True
        if self._home_reading is not None:
            self._home_reading.end()  # before the socket closes
        with self._in_lock:
            self._resume_reading()  # the reader must see the end of the stream
        with self._out_lock:
            self._out_ready.notify_all()  # an idle writer thread ends
        if engine is not None:
            if not engine.join_reader(0):
                if self._handshake_completed and not self._close_sent and engine.is_open:
                    engine.close_with(CLOSE_GOING_AWAY, "")
                elif not self._handshake_completed and not runtime.stopping:
                    # An HTTP answer went out with "Connection: close": let the client read it
                    # and close first (closing with unread data would reset the connection).
                    engine.join_reader(min(runtime.settings.close_timeout, _HTTP_LINGER))
                engine.abort()
            if not engine.join_reader(runtime.settings.close_timeout + 1.0):
                engine.close_now()
                engine.join_reader(1.0)
            if self._close_status is None and engine.protocol.close_rcvd is not None:
                rcvd = engine.protocol.close_rcvd
                self._close_status = TCloseStatus(int(rcvd.code), rcvd.reason)
        elif self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        if lost is not None:
            text, failed = lost
            self._disconnect_reason = f"connection lost: {text}"
            log.info("connection with %s:%d lost: %s", self._peer_ip, self._peer_port, text)
            if failed:  # a reset or a network error (a plain end of TCP is no error)
                self._report_error(f"connection with {self._peer_ip}:{self._peer_port} lost: "
                                   f"{text}", close_code=1006)
        # Frames read after the loop ended (a close reply) still count for CloseStatus.
        with self._out_lock:
            self._closed = True
            self._out_room.notify_all()
            self._out_ready.notify_all()
        if engine is not None:
            runtime.unregister_thread(engine.recv_events_thread)
        if self._slot:
            runtime.release_slot()
            self._slot = False
        runtime.connection_closed(self)
        runtime.fire("OnDisconnect", self)
        runtime.release_user_data(self)

