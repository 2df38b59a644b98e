"""Opening a client connection with websocket-client's ``WebSocket``: TCP, proxy, TLS, upgrade.

Runs on the worker thread. websocket-client performs the upgrade handshake (request from the
``OnSendHandshake`` lines, ``Upgrade``/``Connection``/``Sec-WebSocket-Accept`` checks) and, through
a proxy (``Proxy``, or the environment with ``Proxy.FromEnvironment``), the TCP connection, the
tunnel and the TLS wrap (with the client's ``SSLContext``). A direct connection opens its TCP
socket here instead (``BoundIP``, interruptible by ``Free``/``Disconnect``, and never an
environment proxy) and wraps TLS with the same context before handing the socket to
websocket-client. Each step is bounded by ``ConnectTimeout``; failures raise the
``EWebSocketClient`` subclass naming the step, ``Aborted`` when the worker was stopped.
``OnHandshakeResponse`` runs here.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl
import time
from typing import TYPE_CHECKING, Any

import attrs
import websocket

from fnc.events import VarParam
from fnc.fdwatch import drain
from fnc_websocket.client.handshake import (
    TTMSFNCWebSocketHandshakeResponse,
    check_response,
    response_lines,
)
from fnc_websocket.client.proxy import ProxySettings, proxy_error, proxy_options
from fnc_websocket.client.tls import describe_tls_error
from fnc_websocket.errors import (
    EWebSocketClient,
    EWebSocketClientConnectError,
    EWebSocketClientConnectionLost,
    EWebSocketClientHandshakeError,
    EWebSocketClientResolveError,
    EWebSocketClientTimeout,
    EWebSocketClientTLSError,
)
from fnc_websocket.types import TTMSFNCWebsocketOption

if TYPE_CHECKING:
    from fnc_websocket.client.worker import ClientWorker

__all__ = ["Aborted", "ClientSettings", "open_websocket", "peer_of", "shutdown"]

_IN_PROGRESS = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, 10035}


@attrs.frozen(eq=False)
class ClientSettings:
    """What ``Connect`` captured from the properties for one attempt (read without locks)."""

    host: str
    port: int
    handshake_options: dict[str, Any]
    protocols: tuple[str, ...]
    ssl_context: ssl.SSLContext | None
    connect_timeout: float
    bound_ip: str
    auto_check: bool
    max_message_size: int
    options: frozenset[TTMSFNCWebsocketOption]
    close_timeout: float
    heartbeat_interval: float  # 0: no heartbeat
    heartbeat_timeout: float
    send_queue_limit: int
    proxy: ProxySettings | None
    proxy_from_environment: bool
    thread_name: str


class Aborted(Exception):
    """The worker was asked to stop (Disconnect, Free, exit); never reaches the application."""


def open_websocket(worker: ClientWorker) -> websocket.WebSocket:
    """Connect and handshake; return the open ``WebSocket``."""
    s = worker.settings
    deadline = time.monotonic() + s.connect_timeout
    context = s.ssl_context
    sslopt = {"context": _WorkerContext(context, worker, deadline)} if context else None
    ws = websocket.WebSocket(sslopt=sslopt, skip_utf8_validation=True)
    options = dict(s.handshake_options)
    resource = options.pop("resource")
    host = f"[{s.host}]" if ":" in s.host else s.host
    url = f"{'wss' if context else 'ws'}://{host}:{s.port}{resource}"
    options["redirect_limit"] = 0
    options["timeout"] = s.connect_timeout
    via_proxy = s.proxy is not None or s.proxy_from_environment
    phase = "TCP connect"
    try:
        if via_proxy:
            if s.proxy is not None:
                options.update(proxy_options(s.proxy, s.connect_timeout))
            worker.ws = ws
            phase = "proxy"
        else:
            sock = _tcp_connect(worker, deadline)
            if context is not None:
                sock = _WorkerContext(context, worker, deadline).wrap_socket(
                    sock, server_hostname=s.host)
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            options["socket"] = sock
            worker.ws = ws
            phase = "handshake"
        ws.connect(url, **options)
    except (Aborted, EWebSocketClient):
        _close(ws)
        raise
    except Exception as exc:
        _close(ws)
        if worker.stop_requested:
            raise Aborted from exc
        if via_proxy and ws.sock is None:
            raise proxy_error(exc, s.proxy, s.host, s.port, s.connect_timeout) from exc
        raise _handshake_error(exc, worker, phase) from exc
    if worker.stop_requested:
        _close(ws)
        raise Aborted
    try:
        _accept(ws, worker)
    except BaseException:
        _close(ws)
        raise
    return ws


def _accept(ws: websocket.WebSocket, worker: ClientWorker) -> None:
    status = ws.getstatus()
    headers = ws.getheaders() or {}
    response = TTMSFNCWebSocketHandshakeResponse(response_lines(status, headers))
    if status != 101:
        raise EWebSocketClientHandshakeError(
            f"the server refused the upgrade: HTTP {status} {response.StatusText}".rstrip(),
            status, response.StatusText, response.RawHeaders[1:])
    check_response(response, worker.settings.protocols)
    comp = worker.component()
    if comp is None:
        raise Aborted
    allow = VarParam(True)
    if not worker.silent:
        type(comp).OnHandshakeResponse.fire(comp, response, allow)
    if worker.stop_requested:
        raise Aborted
    if not allow.Value:
        raise EWebSocketClientHandshakeError(
            "the OnHandshakeResponse handler refused the response (AAllow = False)",
            response.StatusCode, response.StatusText, response.RawHeaders[1:])
    worker.protocol = response.Protocol


def _close(ws: websocket.WebSocket) -> None:
    sock = ws.sock
    ws.sock = None
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


# -- the direct TCP connection ------------------------------------------------------------

def _tcp_connect(worker: ClientWorker, deadline: float) -> socket.socket:
    s = worker.settings
    try:
        infos = socket.getaddrinfo(s.host, s.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        why = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise EWebSocketClientResolveError(
            f"cannot resolve HostName {s.host!r}: {why}") from exc
    errors: list[OSError] = []
    for family, type_, proto, _name, addr in infos:
        if s.bound_ip and (":" in s.bound_ip) != (family == socket.AF_INET6):
            continue
        sock = socket.socket(family, type_, proto)
        worker.set_socket(sock)
        try:
            if worker.stop_requested:
                raise Aborted
            if s.bound_ip:
                sock.bind((s.bound_ip, 0))
            sock.setblocking(False)
            err = sock.connect_ex(addr)
            if err in _IN_PROGRESS:
                _wait_io(worker, sock, True, deadline, "TCP connect")
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise OSError(err, os.strerror(err))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            worker.peer = sock.getpeername()[:2]
            return sock
        except OSError as exc:
            sock.close()
            errors.append(exc)
        except BaseException:
            sock.close()
            raise
    if worker.stop_requested:
        raise Aborted
    if not errors:
        raise EWebSocketClientConnectError(
            f"cannot connect to {s.host}:{s.port}: no address of the BoundIP family "
            f"({s.bound_ip})")
    last = errors[-1]
    raise EWebSocketClientConnectError(
        f"cannot connect to {s.host}:{s.port}: {last.strerror or last}") from last


class _WorkerContext:
    """The client's ``SSLContext`` as websocket-client calls it: the TLS socket is registered
    with the worker (so that ``Free`` ends its handshake), the handshake is bounded by the
    connect deadline, and its failure is an ``EWebSocketClientTLSError`` saying what to do."""

    def __init__(self, context: ssl.SSLContext, worker: ClientWorker, deadline: float) -> None:
        self._context = context
        self._worker = worker
        self._deadline = deadline

    def wrap_socket(self, sock: socket.socket, server_hostname: str | None = None,
                    **_options: Any) -> ssl.SSLSocket:
        worker = self._worker
        try:
            tls = self._context.wrap_socket(sock, server_hostname=server_hostname or None,
                                            do_handshake_on_connect=False)
        except (ssl.SSLError, ValueError) as exc:
            raise EWebSocketClientTLSError(f"TLS setup failed: {exc}") from exc
        worker.set_socket(tls)
        worker.tls = True
        tls.setblocking(False)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                _wait_io(worker, tls, False, self._deadline, "TLS handshake")
            except ssl.SSLWantWriteError:
                _wait_io(worker, tls, True, self._deadline, "TLS handshake")
            except (ssl.SSLError, OSError) as exc:
                if worker.stop_requested:
                    raise Aborted from exc
                raise EWebSocketClientTLSError(describe_tls_error(exc)) from exc
        tls.settimeout(max(0.001, self._deadline - time.monotonic()))
        return tls


# -- errors of websocket-client's connect -------------------------------------------------

def _wait_io(worker: ClientWorker, sock: socket.socket, write: bool, deadline: float,
             phase: str) -> None:
    """Wait until ``sock`` is ready, bounded by ``deadline`` (ConnectTimeout), while the
    worker's wake-up socket can interrupt; raise :class:`Aborted` when stopped meanwhile."""
    remaining = deadline - time.monotonic()
    ready = False
    if remaining > 0:
        poller = select.poll()
        poller.register(worker.wake_r.fileno(), select.POLLIN)
        poller.register(sock.fileno(), select.POLLOUT if write else select.POLLIN)
        for fd, _ev in poller.poll(remaining * 1000.0):
            if fd == worker.wake_r.fileno():
                drain(worker.wake_r)
            else:
                ready = True
    if worker.stop_requested:
        raise Aborted
    if not ready and time.monotonic() >= deadline:
        s = worker.settings
        raise EWebSocketClientTimeout(
            f"{phase} with {s.host}:{s.port} did not finish within the connect timeout "
            f"({round(s.connect_timeout * 1000)} ms, ConnectTimeout)")


def _handshake_error(exc: BaseException, worker: ClientWorker, phase: str) -> EWebSocketClient:
    s = worker.settings
    tls_hint = "" if worker.tls else " (is it a wss:// server? then set UseSSL = True)"
    if isinstance(exc, websocket.WebSocketBadStatusException):
        text = exc.status_message or ""
        lines = response_lines(exc.status_code, exc.resp_headers or {}, text)[1:]
        body = exc.resp_body if isinstance(exc.resp_body, bytes) else b""
        return EWebSocketClientHandshakeError(
            f"the server refused the upgrade: HTTP {exc.status_code} {text}".rstrip(),
            exc.status_code, text, lines, body)
    if isinstance(exc, (websocket.WebSocketTimeoutException, TimeoutError)):
        ms = round(s.connect_timeout * 1000)
        return EWebSocketClientTimeout(
            f"{phase} with {s.host}:{s.port} did not finish within the connect timeout "
            f"({ms} ms, ConnectTimeout)")
    if isinstance(exc, websocket.WebSocketConnectionClosedException):
        return EWebSocketClientHandshakeError(
            f"the server closed the connection during the handshake{tls_hint}")
    if isinstance(exc, ssl.SSLError):
        return EWebSocketClientTLSError(describe_tls_error(exc))
    if isinstance(exc, ConnectionError):
        return EWebSocketClientHandshakeError(
            f"the server reset the connection during the handshake{tls_hint}")
    if isinstance(exc, websocket.WebSocketAddressException):
        return EWebSocketClientResolveError(f"cannot resolve HostName {s.host!r}: {exc}")
    text = str(exc)
    if text.startswith("Invalid status line"):
        shown = text.partition(": ")[2][:60]
        return EWebSocketClientHandshakeError(
            f"the server's answer is not an HTTP response (starts with {shown}){tls_hint}")
    if text.startswith("Invalid header line") and ("\\x15\\x03" in text or "\\x16\\x03" in text):
        return EWebSocketClientHandshakeError(
            "the server answered with TLS data: it expects wss:// (set UseSSL = True)")
    if text == "Invalid WebSocket Header":
        return EWebSocketClientHandshakeError(
            "the server's 101 response is not a valid upgrade: its Upgrade, Connection or "
            "Sec-WebSocket-Accept header is wrong (websocket-client refused it)", 101)
    if isinstance(exc, OSError):
        return EWebSocketClientConnectionLost(f"the connection broke during the {phase}: {exc}")
    return EWebSocketClientHandshakeError(f"the upgrade handshake failed: {exc}")


# -- socket helpers of the worker (none raises) ---------------------------------------------------

def peer_of(sock: Any) -> tuple[str, int]:
    """(address, port) of the peer, or ("", 0) when unknown."""
    try:
        return sock.getpeername()[:2]
    except (OSError, AttributeError):
        return ("", 0)


def shutdown(sock: Any) -> None:
    """End both directions of ``sock`` so that a blocked read or write returns at once."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass  # already closed or never connected
