"""``TTMSFNCWebsocketClient``: TMS FNC's WebSocket client component, on one worker per client.

::

    client = TTMSFNCWebsocketClient(None, HostName="localhost", Port=5050)
    client.OnConnect = lambda Sender, AConnection: AConnection.Send("hello")
    client.OnMessageReceived = lambda Sender, AConnection, AMessage: print(AMessage)
    client.Connect()                 # returns at once; OnConnect follows
    Application.ProcessMessagesUntil(lambda: not client.Active, timeout=10)

Threads: ``Connect`` validates the properties and fires ``OnSendHandshake`` on the calling thread,
then starts the client's worker thread, which connects (directly or through ``Proxy``), does TLS
and the handshake with websocket-client (``OnHandshakeResponse`` runs there) and then reads and
writes. Sends never wait for the network: they queue (``SendQueueLimit``) and return. Every
other event is fired by the worker and, with ``AutoSyncEvents`` (default), queued to the
client's home thread (the thread that created it), which must pump messages
(``Application.ProcessMessages``/``Run``/``ProcessMessagesUntil``).
``Free()``, ``Disconnect``, destruction of the owner and interpreter exit stop and join the worker.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any
from urllib.parse import quote

from fnc.component import TComponent, csDesigning, csLoading
from fnc.events import Event
from fnc.properties import Property, SetOf, at_least, in_range
from fnc.threads import MessageQueue
from fnc_websocket.client.connection import TTMSFNCWebSocketClientConnection, control_payload
from fnc_websocket.client.handshake import (
    TTMSFNCWebSocketHandshakeRequest,
    header_value,
    request_options,
)
from fnc_websocket.client.properties import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_SEND_QUEUE_LIMIT,
    MAX_TIMEOUT_MS,
    TWatchDog,
    bound_ip_problem,
    client_problems,
    header_text_problem,
    path_problem,
    split_protocols,
    subprotocols_problem,
)
from fnc_websocket.client.proxy import TProxy
from fnc_websocket.client.received import ReceivedMethods
from fnc_websocket.client.tls import build_client_context
from fnc_websocket.client.watchdog import WatchDogReconnect
from fnc_websocket.client.worker import ClientSettings, ClientWorker
from fnc_websocket.errors import (
    EWebSocketClient,
    EWebSocketClientClosed,
    EWebSocketClientPropertyError,
)
from fnc_websocket.heartbeat import THeartBeat
from fnc_websocket.messages import OP_BINARY, OP_TEXT
from fnc_websocket.types import (
    CLOSE_NORMAL,
    DefaultPort,
    SErrActive,
    SErrHandshakeNotComplete,
    SErrInActive,
    TransformCloseData,
    TTMSFNCWebSocketIncomingResult,
    TTMSFNCWebsocketOption,
)

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_MAX_MESSAGE_SIZE", "DEFAULT_SEND_QUEUE_LIMIT",
           "MAX_TIMEOUT_MS", "TTMSFNCCustomWebsocketClient", "TTMSFNCWebsocketClient",
           "TWatchDog"]

log = logging.getLogger("fnc_websocket.client")

_JOIN_MARGIN = 0.5  # seconds a join may exceed the timeout that bounds the worker's last step

# TMS's locked-property message names the server; the client uses it too (spec §0).
_SErrLocked = SErrActive + " (cannot change {name} while the client is connected)"


def _ms(value: int) -> float:
    return value / 1000.0


class TTMSFNCCustomWebsocketClient(ReceivedMethods, WatchDogReconnect, TComponent):
    """The client component with every property and event (TMS's Custom class).

    Use :class:`TTMSFNCWebsocketClient`; subclass this one to override the protected methods
    (``CreateHandShakeRequest``, ``MessageReceived``, ``BinaryDataReceived``, ``PingReceived``,
    ``PongReceived``, ``CloseReceived``).
    """

    # -- properties (TMS) -----------------------------------------------------------------
    Active = Property(bool, False, doc=(
        "True while a connection exists or is being made. Setting it True calls Connect, "
        "False calls Disconnect(True). Streamed True in a form file: connects in Loaded."))
    HostName = Property(str, "", locked=True, validator=lambda _o, v: None if v.strip() else
                        "must not be empty", doc="Server host name or IP address.")
    Port = Property(int, DefaultPort, locked=True, validator=in_range(1, 65535),
                    doc="Server port.")
    UseSSL = Property(bool, False, locked=True, doc="Connect with TLS (wss://).")
    PathName = Property(str, "", locked=True, validator=path_problem, doc=(
        "Request path with optional query, with or without the leading '/' (empty: '/')."))
    Origin = Property(str, "", stored=False, locked=True, validator=header_text_problem,
                      doc="Sends an Origin header when set (public, not streamed, as in TMS).")
    Options = Property(SetOf(TTMSFNCWebsocketOption), frozenset(), locked=True,
                       doc="Protocol options (twsoFrameByFrame, twsoManualPong, ...).")
    CheckTimeout = Property(int, 0, locked=True, validator=in_range(0, MAX_TIMEOUT_MS),
                            doc="Milliseconds CheckIncoming waits for data; 0: no wait.")
    AutoCheckMessages = Property(bool, True, locked=True, doc=(
        "True: the worker reads and raises events. False: call CheckIncoming yourself."))
    AutoCheckInterval = Property(int, 50, locked=True, validator=in_range(0, MAX_TIMEOUT_MS), doc=(
        "Kept for form compatibility: the worker reads with a blocking wait and adds no "
        "polling delay, so this value is not used."))
    SplitMessage = Property(bool, False, doc="Send each message as frames of FrameSize bytes.")
    FrameSize = Property(int, 0, validator=at_least(0), doc=(
        "Bytes per frame, header included, when SplitMessage is True."))
    ConnectTimeout = Property(int, 0, locked=True, validator=in_range(0, MAX_TIMEOUT_MS), doc=(
        "Milliseconds each step of connecting (TCP or proxy, TLS, handshake) may take; "
        "0: 20 s."))
    AutoSyncEvents = Property(bool, True, doc=(
        "True: events are queued to the home thread. False: they run on the worker."))
    BoundIP = Property(str, "", locked=True, validator=bound_ip_problem,
                       doc="Local IP address to connect from; empty: the OS chooses.")
    # -- properties added beyond TMS ------------------------------------------------------
    SSLVerifyPeer = Property(bool, True, locked=True, doc=(
        "Added. Verify the server's certificate and host name (turn off only for development)."))
    RootCertificateFile = Property(str, "", locked=True, doc=(
        "Added. PEM file of the CA(s) to trust instead of the system's."))
    CertificateFile = Property(str, "", locked=True,
                               doc="Added. PEM client certificate (chain) to present.")
    CertificateKeyFile = Property(str, "", locked=True,
                                  doc="Added. PEM private key of CertificateFile.")
    SSLContext = Property(ssl.SSLContext, None, stored=False, locked=True, doc=(
        "Added. Your own ssl.SSLContext; replaces every other TLS setting when assigned."))
    SubProtocols = Property(str, "", locked=True, validator=subprotocols_problem, doc=(
        "Added. Comma-separated sub-protocols to request (Sec-WebSocket-Protocol)."))
    Protocol = Property(str, "", read_only=True,
                        doc="Added. The sub-protocol the server chose ('' for none).")
    MaxMessageSize = Property(int, DEFAULT_MAX_MESSAGE_SIZE, locked=True, validator=at_least(0),
                              doc="Added. Largest message accepted, in bytes (close 1009); "
                                  "0 = unlimited.")
    CloseTimeout = Property(int, 5000, validator=in_range(0, MAX_TIMEOUT_MS), doc=(
        "Added. Milliseconds to wait for the server's close reply before dropping the socket; "
        "Disconnect(True) returns within CloseTimeout + 1 s whatever the server does."))
    SendQueueLimit = Property(int, DEFAULT_SEND_QUEUE_LIMIT, locked=True, validator=at_least(1),
                              doc="Added. Bytes of messages that may wait to be sent; a send "
                                  "beyond raises EWebSocketClientSendQueueFull.")
    SendQueueSize = Property(int, 0, read_only=True,
                             doc="Added. Bytes of messages waiting to be sent now.")
    CloseCode = Property(int, 0, read_only=True, doc=(
        "Added. Status code of the last connection's close (1006: ended without close frame)."))
    CloseReason = Property(str, "", read_only=True,
                           doc="Added. Reason text of the last connection's close.")
    HeartBeat = Property(THeartBeat, doc="Added. Keep-alive pings (Enabled, Interval, Timeout).")
    WatchDog = Property(TWatchDog, doc="Added. Reconnect after unexpected drops.")
    Proxy = Property(TProxy, doc="Added. Connect through an HTTP (CONNECT) or SOCKS proxy.")

    # -- events ---------------------------------------------------------------------------
    OnConnect = Event("Sender", "AConnection", doc=(
        "The handshake succeeded; sending is possible. Home thread when AutoSyncEvents."))
    OnDisconnect = Event("Sender", "AConnection", doc=(
        "The connection (or the attempt) ended; exactly once per Connect. Active is False."))
    OnMessageReceived = Event("Sender", "AConnection", "AMessage",
                              doc="A text message (str) arrived (empty ones too).")
    OnBinaryDataReceived = Event("Sender", "AConnection", "AData", "AFrameType",
                                 doc="A binary message (bytes) arrived; AFrameType is a set of "
                                     "ftFirst/ftContinuation/ftLast.")
    OnPing = Event("Sender", "AConnection", "AData",
                   doc="A ping arrived (already answered unless twsoManualPong).")
    OnPong = Event("Sender", "AConnection", "AData", doc="A pong arrived.")
    OnClose = Event("Sender", "AConnection", "AData", doc=(
        "A close frame arrived; AData is its payload (TransformCloseData decodes it)."))
    OnSendHandshake = Event("Sender", "AHeaders", marshal=False, doc=(
        "Before the upgrade request is sent: edit the list of header lines in place. Runs on "
        "the thread that calls Connect."))
    OnHandshakeResponse = Event("Sender", "AResponse", "AAllow", marshal=False,
                                var=("AAllow",), doc=(
        "The server's valid 101 response; set AAllow.Value = False to refuse it. Runs on the "
        "worker thread."))
    OnError = Event("Sender", "AConnection", "AError", doc=(
        "Added. A connection failed or broke; AError (an EWebSocketClient subclass) says why. "
        "OnDisconnect follows."))

    fnc_repr_props = ("HostName", "Port", "Active")

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        self._session: ClientWorker | None = None
        self._old_sessions: list[ClientWorker] = []
        self._last: ClientWorker | None = None
        super().__init__(AOwner, **props)

    # -- Active and the lock ------------------------------------------------------------------

    @Active.getter
    def Active(self) -> bool:
        if self._state & {csLoading, csDesigning}:
            return type(self).Active.get_stored(self)
        session = self._session
        return session is not None and session.active

    @Active.setter
    def Active(self, value: bool) -> None:
        if self._state & {csLoading, csDesigning}:
            type(self).Active.set_stored(self, value)
            return
        if value:
            self.Connect()
        else:
            self.Disconnect(True)

    def fnc_check_inactive(self, name: str) -> None:
        if csLoading in self._state:
            return
        if self.Active:
            raise EWebSocketClient(_SErrLocked.format(name=name))

    def fnc_event_queue(self) -> MessageQueue | None:
        # read on every event: the stored AutoSyncEvents, without the descriptor's steps
        return self.home_queue if self.__dict__.get(_AUTO_SYNC_KEY, _AUTO_SYNC_DEFAULT) else None

    def fnc_validation_error(self, problems: list[tuple[str, str]]) -> Exception:
        return EWebSocketClientPropertyError(self.Name or type(self).__name__, problems)

    def fnc_collect_problems(self, prefix: str, problems: list[tuple[str, str]]) -> None:
        super().fnc_collect_problems(prefix, problems)
        problems.extend(client_problems(self, prefix))

    # -- read-only values of the last connection ----------------------------------------------

    @Protocol.getter
    def Protocol(self) -> str:
        session = self._session or self._last
        return session.protocol if session is not None else ""

    @CloseCode.getter
    def CloseCode(self) -> int:
        session = self._session or self._last
        return session.close_code if session is not None else 0

    @CloseReason.getter
    def CloseReason(self) -> str:
        session = self._session or self._last
        return session.close_reason if session is not None else ""

    @SendQueueSize.getter
    def SendQueueSize(self) -> int:
        session = self._session
        return session.queue.size if session is not None and session.active else 0

    @property
    def Connection(self) -> TTMSFNCWebSocketClientConnection | None:
        """The current (or last) connection object; None before the first Connect."""
        session = self._session or self._last
        return session.conn if session is not None else None

    # -- connecting -----------------------------------------------------------------------------

    def Connect(self) -> None:
        """Start connecting and return at once (does nothing while already Active).

        Raises :class:`EWebSocketClientPropertyError` listing every unusable property value;
        then nothing connects. ``OnSendHandshake`` runs here, on the calling thread; the rest
        happens on the worker: ``OnConnect`` on success, ``OnError`` then ``OnDisconnect`` on
        failure.
        """
        if self.Active:
            return
        self._watchdog_connecting()
        self.Validate()
        context = self._ssl_context()
        request = self.CreateHandShakeRequest()
        lines: list[str] = []
        request.ToStrings(lines)
        type(self).OnSendHandshake.fire(self, lines)
        options, protocols = self._request_options(lines)
        self._reap_sessions()
        heartbeat = self.HeartBeat
        settings = ClientSettings(
            host=self.HostName.strip(), port=self.Port, handshake_options=options,
            protocols=protocols, ssl_context=context,
            connect_timeout=_ms(self.ConnectTimeout) or DEFAULT_CONNECT_TIMEOUT,
            bound_ip=self.BoundIP, auto_check=self.AutoCheckMessages,
            max_message_size=self.MaxMessageSize, options=self.Options,
            close_timeout=_ms(self.CloseTimeout),
            heartbeat_interval=heartbeat.Interval if heartbeat.Enabled else 0.0,
            heartbeat_timeout=heartbeat.Timeout, send_queue_limit=self.SendQueueLimit,
            proxy=self.Proxy.settings(), proxy_from_environment=self.Proxy.FromEnvironment,
            thread_name=f"WebsocketClient {self.Name or hex(id(self))}")
        session = ClientWorker(self, settings)
        self._session = session
        session.start()

    def CreateHandShakeRequest(self) -> TTMSFNCWebSocketHandshakeRequest:
        """Build the upgrade request from the properties (TMS's protected virtual method)."""
        host = self.HostName.strip()
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        default_port = 443 if self.UseSSL else 80
        path = self.PathName or "/"
        if not path.startswith("/"):
            path = "/" + path
        path = quote(path, safe="".join(chr(c) for c in range(0x21, 0x7F)))
        request = TTMSFNCWebSocketHandshakeRequest(path)
        request.Host = host if self.Port == default_port else f"{host}:{self.Port}"
        request.Port = self.Port
        request.Origin = self.Origin
        request.Protocol = ", ".join(split_protocols(self.SubProtocols))
        return request

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.UseSSL:
            return None
        if self.SSLContext is not None:
            return self.SSLContext
        try:
            return build_client_context(self.SSLVerifyPeer, self.RootCertificateFile,
                                        self.CertificateFile, self.CertificateKeyFile)
        except (ssl.SSLError, OSError) as exc:
            where = "CertificateFile" if self.CertificateFile else "RootCertificateFile"
            raise self.fnc_validation_error([(where, f"cannot be loaded: {exc}")]) from exc

    def _request_options(self, lines: list[str]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """websocket-client options for the (edited) request lines, and the sub-protocols
        they ask for; raises the property error naming every line that cannot be sent."""
        options, why = request_options(lines)
        problems = [("OnSendHandshake", w) for w in why]
        if problems:
            raise self.fnc_validation_error(problems)
        protocols = tuple(split_protocols(header_value(lines[1:], "Sec-WebSocket-Protocol")))
        return options, protocols

    def _reap_sessions(self) -> None:
        """Join workers of ended sessions (bounded); keep any that cannot be joined yet."""
        old = self._session
        if old is not None:
            self._last = old
            self._session = None
            self._old_sessions.append(old)
        keep = []
        for session in self._old_sessions:
            if not session.join(_JOIN_MARGIN):
                keep.append(session)
        self._old_sessions = keep

    # -- disconnecting --------------------------------------------------------------------------

    def Disconnect(self, ASendClose: bool = True) -> None:
        """Close the connection; exactly one ``OnDisconnect`` follows (queued when AutoSyncEvents).

        ``ASendClose=True``: send a close frame (1000) after the messages already queued and wait
        for the server's reply, at most ``CloseTimeout`` ms, then drop the socket; this returns
        within ``CloseTimeout`` + 1 s whatever the server does (reads nothing, never answers).
        ``False``: drop it now. Either way the worker has ended when this returns (unless
        called from the worker itself). Also cancels a pending WatchDog reconnect. Does nothing
        when not connected.
        """
        self._watchdog_generation += 1
        session = self._session
        if session is None or not session.active:
            return
        session.user_closed = True
        timeout = _ms(self.CloseTimeout)
        manual = not session.settings.auto_check
        if ASendClose and session.conn.HandshakeCompleted and not session.finished:
            try:
                session.send_close(CLOSE_NORMAL.to_bytes(2, "big"))
            except EWebSocketClient:
                session.abort(user=True)  # close already sent, or the connection is gone
        else:
            session.abort(user=True)
        if not session.join(timeout + _JOIN_MARGIN):
            session.abort(user=True)
            if not session.join(_JOIN_MARGIN):
                log.warning("%r: the worker thread did not end in time (a handler blocks it?)",
                            self)
        if manual:
            session.drain_inbox()

    def IsConnected(self) -> bool:
        """True while the handshake has completed and the connection is not closing or closed."""
        session = self._session
        return session is not None and session.state == "open"

    # -- sending ------------------------------------------------------------------------------

    def _open_connection(self) -> TTMSFNCWebSocketClientConnection:
        session = self._session
        if session is None:
            raise EWebSocketClientClosed(
                f"{SErrInActive}: the client is not connected (call Connect and wait for "
                "OnConnect)")
        return session.conn

    def _split_frame_size(self) -> int:
        """FrameSize when the client splits messages now, else 0 (read live, as TMS does)."""
        return self.FrameSize if self.SplitMessage else 0

    def Send(self, AMessage: str | bytes | bytearray | memoryview) -> None:
        """Send a text (str) or binary (bytes) message; any thread; never waits for the network.

        The message is queued for the worker (or written at once when the socket takes it).
        Raises :class:`EWebSocketClientSendQueueFull` when it would take the queue above
        ``SendQueueLimit`` (nothing is queued), :class:`EWebSocketClientClosed` before the
        handshake completed or after the connection closed, saying which; ``TypeError`` for
        other types.
        """
        conn = self._open_connection()
        frame_size = self._split_frame_size()
        if isinstance(AMessage, str):
            conn._send_message(OP_TEXT, AMessage.encode("utf-8"), frame_size)
        elif isinstance(AMessage, (bytes, bytearray, memoryview)):
            conn._send_message(OP_BINARY, AMessage, frame_size)
        else:
            raise TypeError(f"Send: expected str or bytes, got {type(AMessage).__name__}")

    def SendMasked(self, AMessage: str | bytes | bytearray | memoryview) -> None:
        """The same as ``Send``: every client frame is masked (RFC 6455), so this is an alias."""
        self.Send(AMessage)

    def Ping(self, data: str | bytes = "") -> None:
        """Send a ping with ``data`` (UTF-8 text or bytes, at most 125 bytes)."""
        control_payload(data, "Ping")
        self._open_connection()._send_ping(data)

    def Pong(self, data: str | bytes = "") -> None:
        """Send an (unsolicited or manual, see twsoManualPong) pong with ``data``."""
        control_payload(data, "Pong")
        self._open_connection()._send_ping(data, pong=True)

    @classmethod
    def TransformCloseData(cls, AData: bytes) -> tuple[int, str]:
        """Split a close payload (``OnClose``'s AData) into (status code, reason); (1005, '')
        without a code. As the server's."""
        return TransformCloseData(AData)

    # -- manual reading -------------------------------------------------------------------------

    def CheckIncoming(self) -> TTMSFNCWebSocketIncomingResult:
        """Read what arrives within ``CheckTimeout`` ms (then whatever is already buffered) and
        raise its events on the calling thread (queued to the home thread when called elsewhere
        with AutoSyncEvents). Returns ``irNone`` (nothing came), ``irOK`` or ``irClose`` (the
        connection ended; ``OnDisconnect`` has fired).

        For ``AutoCheckMessages = False``. Raises :class:`EWebSocketClient` when not active,
        before the handshake completed, or while the worker reads (AutoCheckMessages True).
        """
        session = self._session
        if session is None or not session.active:
            raise EWebSocketClient(f"{SErrInActive}: CheckIncoming needs a connected client")
        if not session.conn.HandshakeCompleted:
            raise EWebSocketClient(SErrHandshakeNotComplete)
        if session.settings.auto_check:
            raise EWebSocketClient("CheckIncoming is for AutoCheckMessages = False; the worker "
                                   "thread already reads this connection")
        return session.check_incoming(_ms(self.CheckTimeout))

    # -- lifetime -------------------------------------------------------------------------------

    def Loaded(self) -> None:
        """After a form file was read: connect when ``Active`` was streamed as True."""
        super().Loaded()
        if type(self).Active.get_stored(self) and csDesigning not in self._state:
            type(self).Active.set_stored(self, False)
            self.Connect()

    def _stop_sessions(self, silent: bool) -> None:
        self._watchdog_generation += 1
        sessions = [s for s in (self._session, *self._old_sessions) if s is not None]
        for session in sessions:
            session.abort(user=True, silent=silent)
        for session in sessions:
            session.join(_JOIN_MARGIN)

    def Destroy(self) -> None:
        """Abort the connection (no events), join the worker, then free as TComponent does."""
        self._stop_sessions(silent=True)
        super().Destroy()

    def fnc_release_unfreed(self) -> None:
        self._stop_sessions(silent=True)


_AUTO_SYNC_KEY = TTMSFNCCustomWebsocketClient.AutoSyncEvents.key
_AUTO_SYNC_DEFAULT = TTMSFNCCustomWebsocketClient.AutoSyncEvents.default


class TTMSFNCWebsocketClient(TTMSFNCCustomWebsocketClient):
    """TMS FNC's WebSocket client component (the published surface; see the module docstring)."""
