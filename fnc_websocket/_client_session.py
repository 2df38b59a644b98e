"""One connection attempt of the client: its worker thread, socket, reader and close logic.

The worker resolves, connects, does TLS and the upgrade handshake, then (``AutoCheckMessages``)
reads frames with a blocking wait on the socket plus a wake-up socket pair: data is handled the
moment it arrives (no polling interval), and other threads can interrupt the wait (abort,
``Disconnect``) at once. Deadlines (heartbeat, close reply) bound the wait.

The session holds only a weak reference to its component, so dropping an unfreed client lets
it be collected (its ``_fnc_release_unfreed`` hook then aborts the session). Events are fired
through the component's event slots, so ``AutoSyncEvents`` decides where handlers run.
Exactly one ``OnDisconnect`` fires per session.
"""

from __future__ import annotations

import atexit
import codecs
import errno
import logging
import os
import select
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import attrs

from fnc.events import VarParam
from fnc_websocket._client_frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    FrameReader,
)
from fnc_websocket.client_connection import TTMSFNCWebSocketClientConnection
from fnc_websocket.client_errors import (
    EWebSocketClient,
    EWebSocketClientConnectError,
    EWebSocketClientConnectionLost,
    EWebSocketClientHandshakeError,
    EWebSocketClientHeartBeatTimeout,
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientProtocolError,
    EWebSocketClientResolveError,
    EWebSocketClientTimeout,
    EWebSocketClientTLSError,
)
from fnc_websocket.client_handshake import (
    MAX_HEAD_BYTES,
    check_response,
    looks_like_tls,
    parse_response,
)
from fnc_websocket.common import (
    CLOSE_ABNORMAL,
    CLOSE_NO_STATUS,
    TTMSFNCWebSocketIncomingResult,
    TTMSFNCWebsocketOption,
    ftContinuation,
    ftFirst,
    ftLast,
    irClose,
    irNone,
    irOK,
    twsoFrameByFrame,
    twsoManualClose,
    twsoManualPong,
)
from fnc_websocket.tls import describe_tls_error

__all__ = ["ClientSession", "ClientSettings"]

log = logging.getLogger("fnc_websocket.client")

CONNECTING, OPEN, CLOSING, CLOSED = "connecting", "open", "closing", "closed"
_MAX_WAIT = 30.0  # longest single wait slice of the worker; wake-ups are normally immediate
_VALID_CLOSE_CODES = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                1013, 1014))
_TYPES_WHOLE_SINGLE = frozenset((ftFirst, ftLast))
_TYPES_WHOLE_FRAGMENTED = frozenset((ftContinuation, ftLast))
_Utf8Decoder = codecs.getincrementaldecoder("utf-8")
_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, 10035}

_live: weakref.WeakSet[ClientSession] = weakref.WeakSet()


class _Abort(Exception):
    """Internal: the session was asked to stop (Disconnect, Free, exit)."""


class _NoData(Exception):
    """Internal: CheckIncoming's wait ended without data."""


@attrs.frozen
class ClientSettings:
    """What ``Connect`` captured from the client's properties for one session."""

    host: str
    port: int
    request: bytes
    key: str
    protocols: tuple[str, ...]
    ssl_context: ssl.SSLContext | None
    server_hostname: str
    connect_timeout: float
    bound_ip: str
    auto_check: bool
    max_message_size: int
    options: frozenset[TTMSFNCWebsocketOption]
    close_timeout: float
    heartbeat_interval: float  # 0: no heartbeat
    heartbeat_timeout: float
    thread_name: str


def _poll(read: list[Any], write: list[Any], timeout: float | None) -> tuple[set[int], set[int]]:
    """Wait until one of the sockets is ready; (readable fds, writable fds)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        for s in read:
            poller.register(s, select.POLLIN)
        for s in write:
            poller.register(s, select.POLLOUT)
        events = poller.poll(None if timeout is None else max(0.0, timeout) * 1000.0)
        r = {fd for fd, ev in events if ev & (select.POLLIN | select.POLLERR | select.POLLHUP)}
        w = {fd for fd, ev in events if ev & (select.POLLOUT | select.POLLERR | select.POLLHUP)}
        return r, w
    rl, wl, _ = select.select(read, write, [], timeout)  # pragma: no cover - Windows
    return {s.fileno() for s in rl}, {s.fileno() for s in wl}  # pragma: no cover


class ClientSession:
    """One connection attempt; see the module docstring."""

    def __init__(self, component: Any, settings: ClientSettings) -> None:
        self._ref = weakref.ref(component)
        self.s = settings
        self.conn = TTMSFNCWebSocketClientConnection(settings.options, self)
        self.state = CONNECTING
        self.protocol = ""
        self.close_code = 0
        self.close_reason = ""
        self.user_closed = False
        self.was_open = False
        self.watchdog = False  # started by the WatchDog (its failures count as attempts)
        self.error: EWebSocketClient | None = None
        self._silent = False
        self._stop = False
        self._finished = False
        self._handed_over = False  # manual mode: the worker ended after the handshake
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._wake_fd = self._wake_r.fileno()
        self._sock: socket.socket | None = None
        self._sock_fd = -1
        self._tls = False
        self._poller: Any = None
        self._reader: FrameReader | None = None
        self._close_deadline: float | None = None
        self._close_timeout = settings.close_timeout
        self._peer_closed = False
        self._failing = False
        self._stream_broken = False
        self._next_ping: float | None = None
        self._pong_deadline: float | None = None
        self._ping_count = 0
        self._msg_opcode: int | None = None
        self._msg_size = 0
        self._parts: list[Any] = []
        self._decoder: Any = None
        self._frame_by_frame = twsoFrameByFrame in settings.options
        self._manual_pong = twsoManualPong in settings.options
        self._manual_close = twsoManualClose in settings.options
        self.thread = threading.Thread(target=self._run, name=settings.thread_name, daemon=True)
        _live.add(self)

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
        with self._lock:
            if user:
                self.user_closed = True
            if silent:
                self._silent = True
            self._stop = True
            sock = self._sock
            handed_over = self._handed_over
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._wake()
        if handed_over:
            self._finish(None)

    def join(self, timeout: float) -> bool:
        """Wait for the worker to end (not from the worker itself); True when it ended."""
        thread = self.thread
        if thread is threading.current_thread() or thread.ident is None:
            return not thread.is_alive()
        thread.join(timeout)
        return not thread.is_alive()

    def on_close_sent(self, timeout: float | None = None) -> None:
        """A close frame went out: the server's reply is due within the close timeout."""
        if timeout is not None:
            self._close_timeout = timeout
        self._close_deadline = time.monotonic() + self._close_timeout
        self._next_ping = None
        self._pong_deadline = None
        if self.state == OPEN:
            self.state = CLOSING
        if threading.current_thread() is not self.thread:
            self._wake()

    def on_send_failed(self, exc: OSError) -> None:
        """A send failed: the connection is gone; let the reader notice at once."""
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    # -- events -----------------------------------------------------------------------------

    def _component(self) -> Any:
        comp = self._ref()
        if comp is None or comp.__dict__.get("_fnc_freeing"):
            self._stop = True
            return None
        return comp

    def _fire(self, name: str, *args: Any) -> None:
        if self._silent:
            return
        comp = self._component()
        if comp is None:
            return
        getattr(type(comp), name).fire(comp, self.conn, *args)

    # -- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            try:
                self._open()
            except _Abort:
                self._finish(None)
                return
            except EWebSocketClient as exc:
                self._finish(exc)
                return
            except Exception as exc:  # a bug, or an OS error we did not foresee
                log.exception("unexpected error while connecting")
                err = EWebSocketClient(f"connecting failed: {exc!r}")
                err.__cause__ = exc
                self._finish(err)
                return
            self.was_open = True
            self._fire("OnConnect")
            if not self.s.auto_check:
                with self._lock:
                    self._handed_over = True
                    stop = self._stop
                if stop:
                    self._finish(None)
                return
            self._serve()
        finally:
            if not self.s.auto_check and not self._handed_over:
                self._finish(None)

    def _open(self) -> None:
        s = self.s
        deadline = time.monotonic() + s.connect_timeout
        try:
            infos = socket.getaddrinfo(s.host, s.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise EWebSocketClientResolveError(
                f"cannot resolve HostName {s.host!r}: {exc.strerror}") from exc
        except UnicodeError as exc:
            raise EWebSocketClientResolveError(
                f"cannot resolve HostName {s.host!r}: {exc}") from exc
        if self._stop:
            raise _Abort
        sock = self._tcp_connect(infos, deadline)
        self.conn._peer = sock.getpeername()[:2]
        if s.ssl_context is not None:
            sock = self._tls_handshake(sock, deadline)
        rest = self._http_upgrade(sock, deadline)
        sock.setblocking(True)
        conn = self.conn
        conn._sock = sock
        self._reader = FrameReader(sock.recv_into, self._check_header, rest)
        if hasattr(select, "poll"):
            self._poller = select.poll()
            self._poller.register(sock, select.POLLIN)
            self._poller.register(self._wake_r, select.POLLIN)
        if s.heartbeat_interval > 0:
            self._next_ping = time.monotonic() + s.heartbeat_interval
        with self._lock:
            if self._stop:
                raise _Abort
            self.state = OPEN
            conn._handshake_completed = True

    def _tcp_connect(self, infos: list[Any], deadline: float) -> socket.socket:
        s = self.s
        errors: list[OSError] = []
        for family, type_, proto, _name, addr in infos:
            if s.bound_ip and (":" in s.bound_ip) != (family == socket.AF_INET6):
                continue
            sock = socket.socket(family, type_, proto)
            with self._lock:
                self._sock = sock
            try:
                if self._stop:
                    raise _Abort
                if s.bound_ip:
                    sock.bind((s.bound_ip, 0))
                sock.setblocking(False)
                err = sock.connect_ex(addr)
                if err in _IN_PROGRESS:
                    self._wait_io(sock, True, deadline, "TCP connect")
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                errors.append(exc)
            except BaseException:
                sock.close()
                raise
        if self._stop:
            raise _Abort
        if not errors:
            raise EWebSocketClientConnectError(
                f"cannot connect to {s.host}:{s.port}: no address of the BoundIP family "
                f"({s.bound_ip})")
        last = errors[-1]
        why = last.strerror or str(last)
        raise EWebSocketClientConnectError(
            f"cannot connect to {s.host}:{s.port}: {why}") from last

    def _tls_handshake(self, sock: socket.socket, deadline: float) -> socket.socket:
        s = self.s
        assert s.ssl_context is not None
        try:
            tls = s.ssl_context.wrap_socket(sock, server_hostname=s.server_hostname or None,
                                            do_handshake_on_connect=False)
        except (ssl.SSLError, ValueError) as exc:
            sock.close()
            raise EWebSocketClientTLSError(f"TLS setup failed: {exc}") from exc
        with self._lock:
            self._sock = tls
        self._tls = True
        while True:
            try:
                tls.do_handshake()
                return tls
            except ssl.SSLWantReadError:
                self._wait_io(tls, False, deadline, "TLS handshake")
            except ssl.SSLWantWriteError:
                self._wait_io(tls, True, deadline, "TLS handshake")
            except (ssl.SSLError, OSError) as exc:
                if self._stop:
                    raise _Abort from exc
                raise EWebSocketClientTLSError(describe_tls_error(exc)) from exc

    def _http_upgrade(self, sock: socket.socket, deadline: float) -> bytes:
        view = memoryview(self.s.request)
        while view:
            try:
                n = sock.send(view)
                view = view[n:]
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                self._wait_io(sock, True, deadline, "handshake")
            except OSError as exc:
                if self._stop:
                    raise _Abort from exc
                raise EWebSocketClientConnectionLost(
                    f"the connection broke while sending the upgrade request: {exc}") from exc
        buf = bytearray()
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buf) > MAX_HEAD_BYTES:
                raise EWebSocketClientHandshakeError(
                    f"the server's response headers exceed {MAX_HEAD_BYTES} bytes")
            if looks_like_tls(bytes(buf[:2])):
                raise EWebSocketClientHandshakeError(
                    "the server answered with TLS data: it expects wss:// (set UseSSL = True)")
            try:
                data = sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                self._wait_io(sock, False, deadline, "handshake")
                continue
            except OSError as exc:
                if self._stop:
                    raise _Abort from exc
                raise EWebSocketClientHandshakeError(
                    f"the server reset the connection during the handshake{self._tls_hint()}"
                ) from exc
            if not data:
                if self._stop:
                    raise _Abort
                raise EWebSocketClientHandshakeError(
                    f"the server closed the connection during the handshake{self._tls_hint()}")
            buf += data
        head = bytes(buf[:end])
        rest = bytes(buf[end + 4:])
        response = parse_response(head)
        check_response(response, self.s.key, self.s.protocols, rest[:MAX_HEAD_BYTES])
        comp = self._component()
        if comp is None:
            raise _Abort
        allow = VarParam(True)
        if not self._silent:
            type(comp).OnHandshakeResponse.fire(comp, response, allow)
        if self._stop:
            raise _Abort
        if not allow.Value:
            raise EWebSocketClientHandshakeError(
                "the OnHandshakeResponse handler refused the response (AAllow = False)",
                response.StatusCode, response.StatusText, response.RawHeaders[1:])
        self.protocol = response.Protocol
        return rest

    def _tls_hint(self) -> str:
        return "" if self._tls else " (is it a wss:// server? then set UseSSL = True)"

    def _wait_io(self, sock: socket.socket, write: bool, deadline: float, phase: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._connect_timeout(phase)
        if write:
            r, w = _poll([self._wake_r], [sock], remaining)
        else:
            r, w = _poll([self._wake_r, sock], [], remaining)
        if self._wake_fd in r:
            self._drain_wake()
        if self._stop:
            raise _Abort
        if not r and not w:
            raise self._connect_timeout(phase)

    def _connect_timeout(self, phase: str) -> EWebSocketClientTimeout:
        ms = round(self.s.connect_timeout * 1000)
        return EWebSocketClientTimeout(
            f"{phase} with {self.s.host}:{self.s.port} did not finish within the connect "
            f"timeout ({ms} ms, ConnectTimeout)")

    # -- reading ----------------------------------------------------------------------------

    def _serve(self) -> None:
        reader = self._reader
        assert reader is not None
        error: EWebSocketClient | None = None
        try:
            while not self._stop:
                try:
                    fin, opcode, payload = reader.read_frame(self._wait_readable)
                except (EWebSocketClientProtocolError, EWebSocketClientMessageTooBig):
                    self._stream_broken = True  # the rest of the stream cannot be framed
                    raise
                self._handle_frame(fin, opcode, payload)
        except _Abort:
            pass
        except (EWebSocketClientProtocolError, EWebSocketClientInvalidPayload,
                EWebSocketClientMessageTooBig) as exc:
            self._fail(exc)
        except EWebSocketClientTimeout as exc:
            error = exc
        except _CloseDone:
            pass
        except (EOFError, OSError) as exc:
            error = self._lost(exc)
        except EWebSocketClient as exc:
            error = exc
        self._finish(error)

    def _lost(self, exc: BaseException) -> EWebSocketClient | None:
        if self._stop or (self._peer_closed and self.conn._close_sent):
            return None
        if isinstance(exc, EOFError):
            return EWebSocketClientConnectionLost(
                "the server closed the TCP connection without a close frame")
        err = EWebSocketClientConnectionLost(f"the connection broke: {exc}")
        err.__cause__ = exc
        return err

    def _wait_readable(self) -> None:
        sock = self._sock
        assert sock is not None
        while True:
            if self._stop:
                raise _Abort
            if self._tls and sock.pending():  # type: ignore[attr-defined]
                return
            timeout = self._wait_timeout()
            if self._poller is not None:
                events = self._poller.poll(timeout * 1000.0)
                ready = False
                for fd, _ev in events:
                    if fd == self._wake_fd:
                        self._drain_wake()
                    else:
                        ready = True
            else:  # pragma: no cover - Windows
                r, _w = _poll([self._wake_r, sock], [], timeout)
                if self._wake_fd in r:
                    self._drain_wake()
                ready = sock.fileno() in r
            if self._stop:
                raise _Abort
            if ready:
                return
            self._check_deadlines()

    def _wait_timeout(self) -> float:
        now = time.monotonic()
        timeout = _MAX_WAIT
        for due in (self._close_deadline, self._pong_deadline, self._next_ping):
            if due is not None:
                timeout = min(timeout, due - now)
        return max(0.0, timeout)

    def _check_deadlines(self) -> None:
        now = time.monotonic()
        due = self._close_deadline
        if due is not None and now >= due:
            if self._peer_closed or self._failing:
                raise _CloseDone
            ms = round(self._close_timeout * 1000)
            raise EWebSocketClientTimeout(
                f"the server did not answer the close frame within CloseTimeout ({ms} ms)")
        due = self._pong_deadline
        if due is not None and now >= due:
            raise EWebSocketClientHeartBeatTimeout(
                f"HeartBeat: no pong within {self.s.heartbeat_timeout:g} s; the server is "
                "considered dead")
        due = self._next_ping
        if due is not None and now >= due:
            self._ping_count += 1
            try:
                self.conn._send_control(OP_PING, b"fnc-hb-%d" % self._ping_count)
            except EWebSocketClient:
                return  # the reader will see the broken connection
            self._next_ping = now + self.s.heartbeat_interval
            if self.s.heartbeat_timeout > 0 and self._pong_deadline is None:
                self._pong_deadline = now + self.s.heartbeat_timeout

    def _check_header(self, fin: bool, opcode: int, length: int) -> None:
        if self._failing or self._peer_closed:
            return
        if opcode in (OP_TEXT, OP_BINARY):
            if self._msg_opcode is not None:
                raise EWebSocketClientProtocolError(
                    "the server started a new message before finishing a fragmented one")
            size = length
        elif opcode == OP_CONT:
            if self._msg_opcode is None:
                raise EWebSocketClientProtocolError(
                    "the server sent a continuation frame with no message to continue")
            size = self._msg_size + length
        else:
            return
        limit = self.s.max_message_size
        if limit and size > limit:
            raise EWebSocketClientMessageTooBig(
                f"a message of at least {size} bytes exceeds MaxMessageSize ({limit} bytes)")

    def _handle_frame(self, fin: bool, opcode: int, payload: bytes | bytearray) -> None:
        if opcode >= 0x8:
            self._handle_control(opcode, payload)
        elif not (self._failing or self._peer_closed):
            self._handle_data(fin, opcode, payload)

    def _handle_data(self, fin: bool, opcode: int, payload: bytes | bytearray) -> None:
        first = opcode != OP_CONT
        if first:
            self._msg_opcode = opcode
            self._msg_size = 0
        self._msg_size += len(payload)
        if self._msg_opcode == OP_TEXT:
            try:
                if self._frame_by_frame:
                    if first:
                        self._decoder = _Utf8Decoder()
                    text = self._decoder.decode(payload, fin)
                elif first and fin:
                    text = payload.decode("utf-8")
                else:
                    if first:
                        self._decoder = _Utf8Decoder()
                        self._parts = []
                    self._parts.append(self._decoder.decode(payload, fin))
                    text = "".join(self._parts) if fin else ""
            except UnicodeDecodeError as exc:
                raise EWebSocketClientInvalidPayload(
                    f"the server sent a text message that is not valid UTF-8 ({exc.reason} "
                    f"at byte {exc.start})") from None
            if fin:
                self._msg_opcode = None
                self._parts = []
                self._decoder = None
                self._fire("OnMessageReceived", text)
            elif self._frame_by_frame:
                self._fire("OnMessageReceived", text)
        else:
            if self._frame_by_frame:
                types = {ftFirst} if first else {ftContinuation}
                if fin:
                    types.add(ftLast)
                    self._msg_opcode = None
                self._fire("OnBinaryDataReceived", bytes(payload), frozenset(types))
            elif first and fin:
                self._msg_opcode = None
                self._fire("OnBinaryDataReceived", bytes(payload), _TYPES_WHOLE_SINGLE)
            else:
                if first:
                    self._parts = []
                self._parts.append(payload)
                if fin:
                    data = b"".join(self._parts)
                    self._parts = []
                    self._msg_opcode = None
                    self._fire("OnBinaryDataReceived", data, _TYPES_WHOLE_FRAGMENTED)

    def _handle_control(self, opcode: int, payload: bytes | bytearray) -> None:
        payload = bytes(payload)
        if opcode == OP_PING:
            if not self._manual_pong and not self._peer_closed:
                self.conn._send_control(OP_PONG, payload)
            self._fire("OnPing", payload)
        elif opcode == OP_PONG:
            self._pong_deadline = None
            self._fire("OnPong", payload)
        elif opcode == OP_CLOSE:
            if self._peer_closed:
                return
            code, reason = self._parse_close(payload)
            self._peer_closed = True
            self.close_code = code
            self.close_reason = reason
            if not self.conn._close_sent and not self._manual_close:
                self.conn._send_control(OP_CLOSE, payload[:2] if code != CLOSE_NO_STATUS
                                        else b"")
            self._fire("OnClose", payload)
            if self.conn._close_sent:
                self._close_deadline = time.monotonic() + self._close_timeout
                if self.state == OPEN:
                    self.state = CLOSING

    def _parse_close(self, payload: bytes) -> tuple[int, str]:
        if not payload:
            return CLOSE_NO_STATUS, ""
        if len(payload) == 1:
            raise EWebSocketClientProtocolError("the server sent a close frame with a 1-byte "
                                                "payload")
        code = int.from_bytes(payload[:2], "big")
        if code not in _VALID_CLOSE_CODES and not 3000 <= code <= 4999:
            raise EWebSocketClientProtocolError(
                f"the server sent close code {code}, which may not be sent (RFC 6455 §7.4)")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise EWebSocketClientInvalidPayload(
                "the server's close reason is not valid UTF-8") from None
        return code, reason

    def _fail(self, exc: EWebSocketClient) -> None:
        """Fail the connection (RFC 6455 §7.1.7): report, close with the code, await the reply."""
        self._failing = True
        self.error = exc
        if not self._silent:
            self._fire("OnError", exc)
        try:
            sent = self.conn._send_control(OP_CLOSE, exc.CloseCode.to_bytes(2, "big"))
        except EWebSocketClient:
            return
        if self.close_code == 0:
            self.close_code = exc.CloseCode
            self.close_reason = str(exc)
        if not sent or self._peer_closed or not self.s.auto_check:
            return
        reader = self._reader
        assert reader is not None
        if self._stream_broken:
            self._drain()
            return
        try:
            while not self._stop and not self._peer_closed:
                _fin, opcode, payload = reader.read_frame(self._wait_readable)
                if opcode == OP_CLOSE:
                    self._peer_closed = True
                    self._fire("OnClose", bytes(payload))
            self._close_deadline = time.monotonic() + self._close_timeout
            while not self._stop:
                reader.read_frame(self._wait_readable)
        except (_Abort, _CloseDone, EOFError, OSError, EWebSocketClient):
            pass

    def _drain(self) -> None:
        """Discard what the server still sends until it closes TCP (or CloseTimeout ends), so
        that closing our socket does not reset the connection under our close frame."""
        sock = self._sock
        assert sock is not None
        chunk = bytearray(65536)
        try:
            while not self._stop:
                self._wait_readable()
                if not sock.recv_into(chunk):
                    return
        except (_Abort, _CloseDone, OSError, EWebSocketClient):
            pass

    # -- manual mode (AutoCheckMessages = False) ---------------------------------------------

    def check_incoming(self, timeout: float) -> TTMSFNCWebSocketIncomingResult:
        """Read and handle what arrives within ``timeout`` s, then what is already buffered."""
        with self._read_lock:
            if self._finished:
                return irClose
            reader = self._reader
            sock = self._sock
            assert reader is not None and sock is not None
            deadline = [time.monotonic() + timeout]

            def wait() -> None:
                if self._stop:
                    raise _Abort
                if self._tls and sock.pending():  # type: ignore[attr-defined]
                    return
                r, _w = _poll([self._wake_r, sock], [], deadline[0] - time.monotonic())
                if self._wake_fd in r:
                    self._drain_wake()
                if self._stop:
                    raise _Abort
                if sock.fileno() not in r:
                    raise _NoData

            result = irNone
            error: EWebSocketClient | None = None
            try:
                while True:
                    fin, opcode, payload = reader.read_frame(wait)
                    self._handle_frame(fin, opcode, payload)
                    result = irOK
                    deadline[0] = 0.0
                    if self._peer_closed and self.conn._close_sent:
                        result = irClose
                        break
            except _NoData:
                return result
            except _Abort:
                result = irClose
            except (EWebSocketClientProtocolError, EWebSocketClientInvalidPayload,
                    EWebSocketClientMessageTooBig) as exc:
                self._fail(exc)
                result = irClose
            except (EOFError, OSError) as exc:
                error = self._lost(exc)
                result = irClose
            except EWebSocketClient as exc:
                error = exc
                result = irClose
        self._finish(error)
        return result

    def close_manually(self, timeout: float) -> None:
        """Manual mode: after our close frame, read until the reply or ``timeout`` s, then end."""
        deadline = time.monotonic() + timeout
        while not self._finished and not self._peer_closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.check_incoming(remaining)
        self._finish(None)

    # -- the end ------------------------------------------------------------------------------

    def _finish(self, error: EWebSocketClient | None) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self.state = CLOSED
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            with self.conn._send_lock:
                self.conn._closed = True
                sock.close()
        else:
            self.conn._closed = True
        self._wake_r.close()
        self._wake_w.close()
        if not self._peer_closed:
            self.close_code = self.close_code or CLOSE_ABNORMAL
        if error is not None and self.error is None:
            self.error = error
            if not self._silent:
                self._fire("OnError", error)
        self._fire("OnDisconnect")
        _live.discard(self)
        if not self._silent:
            comp = self._component()
            if comp is not None:
                comp._fnc_home.post(_session_ended, (self._ref, self))


class _CloseDone(Exception):
    """Internal: the close handshake is over (or its wait for EOF ran out): end cleanly."""


def _session_ended(ref: Callable[[], Any], session: ClientSession) -> None:
    comp = ref()
    if comp is not None and not comp.__dict__.get("_fnc_destroyed"):
        comp._session_ended(session)


def stop_all_sessions(timeout: float = 2.0) -> None:
    """Abort every live session and join its worker (interpreter exit)."""
    sessions = list(_live)
    for session in sessions:
        session.abort(user=True, silent=True)
    deadline = time.monotonic() + timeout
    for session in sessions:
        session.join(max(0.0, deadline - time.monotonic()))


atexit.register(stop_all_sessions)
