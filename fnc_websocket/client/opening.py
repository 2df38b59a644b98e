"""Opening a client connection: resolve, TCP connect, TLS, and the HTTP upgrade handshake.

Runs on the session's worker thread. Every step is bounded by ``ConnectTimeout`` and ends at once
when another thread aborts the session (the socket in progress is registered with the session,
which shuts it down, and the session's :class:`~fnc_websocket.client.waiting.Wakeup` ends any
wait). Failures raise the ``EWebSocketClient`` subclass that names the step;
``OnHandshakeResponse`` runs here, on the worker.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
import time
from typing import TYPE_CHECKING, Any

from fnc.events import VarParam
from fnc_websocket.client.errors import (
    EWebSocketClientConnectError,
    EWebSocketClientConnectionLost,
    EWebSocketClientHandshakeError,
    EWebSocketClientResolveError,
    EWebSocketClientTimeout,
    EWebSocketClientTLSError,
)
from fnc_websocket.client.handshake import (
    MAX_HEAD_BYTES,
    check_response,
    looks_like_tls,
    parse_response,
)
from fnc_websocket.client.tls import describe_tls_error
from fnc_websocket.client.waiting import Aborted, poll

if TYPE_CHECKING:
    from fnc_websocket.client.session import ClientSession

__all__ = ["open_connection"]

_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, 10035}


def open_connection(session: ClientSession) -> tuple[socket.socket, bytes]:
    """Connect and handshake; return the (TLS) socket and the bytes received after the 101
    response. Raises ``EWebSocketClient`` subclasses, or :class:`Aborted` when stopped."""
    return _Opener(session).open()


class _Opener:
    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.s = session.settings

    def open(self) -> tuple[socket.socket, bytes]:
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
        if self.session.stop_requested:
            raise Aborted
        sock = self._tcp_connect(infos, deadline)
        self.session.conn._peer = sock.getpeername()[:2]
        if s.ssl_context is not None:
            sock = self._tls_handshake(sock, deadline)
        rest = self._http_upgrade(sock, deadline)
        return sock, rest

    def _tcp_connect(self, infos: list[Any], deadline: float) -> socket.socket:
        s = self.s
        session = self.session
        errors: list[OSError] = []
        for family, type_, proto, _name, addr in infos:
            if s.bound_ip and (":" in s.bound_ip) != (family == socket.AF_INET6):
                continue
            sock = socket.socket(family, type_, proto)
            session.set_socket(sock)
            try:
                if session.stop_requested:
                    raise Aborted
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
        if session.stop_requested:
            raise Aborted
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
        self.session.set_socket(tls)
        self.session.tls = True
        while True:
            try:
                tls.do_handshake()
                return tls
            except ssl.SSLWantReadError:
                self._wait_io(tls, False, deadline, "TLS handshake")
            except ssl.SSLWantWriteError:
                self._wait_io(tls, True, deadline, "TLS handshake")
            except (ssl.SSLError, OSError) as exc:
                if self.session.stop_requested:
                    raise Aborted from exc
                raise EWebSocketClientTLSError(describe_tls_error(exc)) from exc

    def _http_upgrade(self, sock: socket.socket, deadline: float) -> bytes:
        session = self.session
        view = memoryview(self.s.request)
        while view:
            try:
                n = sock.send(view)
                view = view[n:]
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                self._wait_io(sock, True, deadline, "handshake")
            except OSError as exc:
                if session.stop_requested:
                    raise Aborted from exc
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
                if session.stop_requested:
                    raise Aborted from exc
                raise EWebSocketClientHandshakeError(
                    f"the server reset the connection during the handshake{self._tls_hint()}"
                ) from exc
            if not data:
                if session.stop_requested:
                    raise Aborted
                raise EWebSocketClientHandshakeError(
                    f"the server closed the connection during the handshake{self._tls_hint()}")
            buf += data
        head = bytes(buf[:end])
        rest = bytes(buf[end + 4:])
        response = parse_response(head)
        check_response(response, self.s.key, self.s.protocols, rest[:MAX_HEAD_BYTES])
        comp = session.component()
        if comp is None:
            raise Aborted
        allow = VarParam(True)
        if not session.silent:
            type(comp).OnHandshakeResponse.fire(comp, response, allow)
        if session.stop_requested:
            raise Aborted
        if not allow.Value:
            raise EWebSocketClientHandshakeError(
                "the OnHandshakeResponse handler refused the response (AAllow = False)",
                response.StatusCode, response.StatusText, response.RawHeaders[1:])
        session.protocol = response.Protocol
        return rest

    def _tls_hint(self) -> str:
        return "" if self.session.tls else " (is it a wss:// server? then set UseSSL = True)"

    def _wait_io(self, sock: socket.socket, write: bool, deadline: float, phase: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._connect_timeout(phase)
        wakeup = self.session.wakeup
        if write:
            r, w = poll([wakeup.reader], [sock], remaining)
        else:
            r, w = poll([wakeup.reader, sock], [], remaining)
        if wakeup.fd in r:
            wakeup.drain()
        if self.session.stop_requested:
            raise Aborted
        if not r and not w:
            raise self._connect_timeout(phase)

    def _connect_timeout(self, phase: str) -> EWebSocketClientTimeout:
        ms = round(self.s.connect_timeout * 1000)
        return EWebSocketClientTimeout(
            f"{phase} with {self.s.host}:{self.s.port} did not finish within the connect "
            f"timeout ({ms} ms, ConnectTimeout)")
