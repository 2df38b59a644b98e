"""``TTMSFNCWebSocketServer``: TMS's WebSocket server component on the ``websockets`` protocol.

Set the properties, assign handlers, then ``Active = True``; ``Active = False`` (or ``Free()``)
closes every client with 1001 and joins every thread. Each client is served on its own
*connection thread* (see ``server.connection``). With ``AutoSyncEvents`` False (the default, as
TMS's source) events run on that thread; with True every event except ``OnAllow`` and
``OnGetSSLPassword`` is queued to the component's home thread, in order.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable
from typing import Any

from fnc import Property, SetOf, TComponent, csLoading
from fnc.events import Event, VarParam
from fnc.properties import at_least, in_range
from fnc.threads import MessageQueue
from fnc_websocket.errors import (
    EBackplaneAuthError,
    EBackplaneError,
    EWebSocket,
    EWebsocketServer,
    EWebsocketServerPropertyError,
)
from fnc_websocket.heartbeat import THeartBeat
from fnc_websocket.server.backplane_settings import TBackplane
from fnc_websocket.server.cluster import ClusterServerMixin
from fnc_websocket.server.connection import TTMSFNCWebSocketServerConnection
from fnc_websocket.server.http import TTMSFNCWebSocketHTTPRequest, TTMSFNCWebSocketHTTPResponse
from fnc_websocket.server.properties import (
    binding_ip_problem,
    frame_size_problem,
    positive_problem,
    timeout_ms_problem,
)
from fnc_websocket.server.runtime import ServerRuntime, ServerSettings
from fnc_websocket.server.tls import TLSFiles, build_server_context
from fnc_websocket.types import (
    CLOSE_NORMAL,
    DefaultPort,
    SErrActive,
    SErrInActive,
    TransformCloseData,
    TTMSFNCWebSocketFrameType,
    TTMSFNCWebsocketOption,
    encode_close_payload,
)

__all__ = [
    "EBackplaneAuthError", "EBackplaneError", "EWebsocketServer", "TBackplane",
    "TTMSFNCCustomWebSocketServer", "TTMSFNCWebSocketHTTPRequest",
    "TTMSFNCWebSocketHTTPResponse", "TTMSFNCWebSocketSendToCallBack", "TTMSFNCWebSocketServer",
    "TTMSFNCWebSocketServerConnection",
]

TTMSFNCWebSocketSendToCallBack = Callable[[TTMSFNCWebSocketServerConnection], bool]
"""A selector: called with each handshaken connection, returns whether to include it."""

HANDSHAKE_TIMEOUT = 10.0
"""Seconds a client has for the TLS and WebSocket handshakes after the TCP accept."""

log = logging.getLogger("fnc_websocket.server")


class TTMSFNCCustomWebSocketServer(TComponent, ClusterServerMixin):
    """TMS's ``TTMSFNCCustomWebSocketServer``: a WebSocket server on one TCP port.

    Threads: ``Active = True`` starts an accept thread, a housekeeper thread (heartbeat and close
    deadlines) and, per client, a connection thread (plus a writer thread while messages wait to
    be sent to that client; see docs/server.md, "Threads"). All are
    stopped and joined by ``Active = False``, ``Free()``, the owner's destruction, garbage
    collection of a component that was never freed, and interpreter exit.

    With ``Backplane.Enabled`` (added; see docs/scaling.md) two more threads, a Redis
    subscriber and a publisher, carry broadcasts and ``SendMessageToId`` to the other nodes.

    Subclasses may override the protected ``MessageReceived``, ``BinaryDataReceived``,
    ``PingReceived``, ``PongReceived`` and ``CloseReceived`` methods, through which the
    server raises the corresponding events.
    """

    fnc_repr_props = ("Port", "Active")

    # -- properties -------------------------------------------------------------------------

    Active = Property(bool, False, doc="Listening. True validates every property first and "
                      "raises EWebsocketServer listing every problem.")
    Port = Property(int, DefaultPort, validator=in_range(0, 65535),
                    doc="TCP port to listen on; 0 picks a free one (see BoundPort). Applied at "
                        "the next activation.")
    BindingIP = Property(str, "", validator=binding_ip_problem,
                         doc="Local address to listen on: an IP address literal; '' = all "
                             "interfaces, IPv4 and (where available, one dual-stack socket) "
                             "IPv6.")
    PathName = Property(str, "", doc="When set, only this path (with or without a leading '/', "
                        "case-insensitive) is accepted; other paths get HTTP 404.")
    Options = Property(SetOf(TTMSFNCWebsocketOption), frozenset(), locked=True,
                       doc="Protocol options given to each new connection.")
    UseSSL = Property(bool, False, locked=True, doc="Serve wss:// (TLS) with CertificateFile.")
    CertificateFile = Property(str, "", doc="Server certificate (PEM; may hold the key and "
                               "the chain).")
    CertificateKeyFile = Property(str, "", doc="Private key (PEM); '' = in CertificateFile.")
    RootCertificateFile = Property(str, "", doc="CA certificates (PEM): when set, clients must "
                                   "present a certificate signed by one of them.")
    SplitMessage = Property(bool, False, doc="Send outgoing messages in frames of FrameSize.")
    FrameSize = Property(int, 0, validator=frame_size_problem,
                         doc="Frame size for SplitMessage, header included; 0 = no split.")
    AutoSyncEvents = Property(bool, False, nodefault=True,
                              doc="True: events are queued to the home thread. False: they run "
                                  "on the connection's thread. OnAllow and OnGetSSLPassword "
                                  "always run on the thread that raises them.")
    MaxConnections = Property(int, 0, validator=at_least(0),
                              doc="Most simultaneous WebSocket clients; more get HTTP 503. "
                                  "0 = no limit.")
    MaxMessageSize = Property(int, 16 * 1024 * 1024, validator=at_least(0),
                              doc="Largest incoming message in bytes; a bigger one closes the "
                                  "connection with 1009. 0 = no limit.")
    AllowedOrigins = Property(str, "", doc="Comma-separated Origin values accepted (compared "
                              "case-insensitively); others get HTTP 403. '' = any origin.")
    Compression = Property(bool, True, locked=True,
                           doc="Offer permessage-deflate compression to clients.")
    HeartBeat = Property(THeartBeat, doc="Ping every client every Interval s; drop one that "
                         "does not answer within Timeout s (close 1011).")
    CloseTimeout = Property(int, 5000, validator=timeout_ms_problem,
                            doc="Milliseconds a client has to answer a close frame before TCP "
                                "is dropped (as the client's CloseTimeout); at most one day.")
    SendQueueLimit = Property(int, 16 * 1024 * 1024, validator=positive_problem,
                              doc="Bytes that may wait to be sent to one client. Above it, "
                                  "sends wait for the queue to drain (Send on a connection's "
                                  "own thread) or the client is 'behind' (broadcasts); a client "
                                  "that stays above it for SendTimeout is disconnected (1008).")
    SendTimeout = Property(int, 30000, validator=timeout_ms_problem,
                           doc="Added: milliseconds a client may stay above SendQueueLimit "
                               "without its queue shrinking below it before it is dropped "
                               "with close code 1008; at most one day.")
    ReceiveQueueLimit = Property(int, 4 * 1024 * 1024, validator=positive_problem,
                                 doc="Added: bytes of received messages that may wait for one "
                                     "connection's handlers; when more wait, the server stops "
                                     "reading that socket (TCP pushes back on the client) until "
                                     "the handlers caught up.")
    Backplane = Property(TBackplane, doc="Added: Redis pub/sub between server nodes, so "
                         "broadcasts and SendMessageToId reach every node's clients.")

    # -- events ---------------------------------------------------------------------------------

    OnConnect = Event("Sender", "AConnection", doc=(
        "A TCP connection was accepted, before any handshake (HandshakeCompleted is False: do "
        "not send yet). Connection thread, or queued with AutoSyncEvents."))
    OnAllow = Event("Sender", "AConnection", "AAllow", marshal=False, var=("AAllow",), doc=(
        "The upgrade request passed the built-in checks; set AAllow.Value = False to refuse it "
        "with HTTP 403. AConnection.HandshakeRequest has the headers. Always runs on the "
        "connection thread."))
    OnHandshakeResponseSent = Event("Sender", "AConnection", doc=(
        "The 101 response was sent: the connection can send from now on. Connection thread, "
        "or queued with AutoSyncEvents."))
    OnMessageReceived = Event("Sender", "AConnection", "AMessage", doc=(
        "A complete text message (with twsoFrameByFrame: each text frame's text)."))
    OnBinaryDataReceived = Event("Sender", "AConnection", "AData", "AFrameType", doc=(
        "A binary message; AFrameType is {ftFirst, ftLast} for one frame, {ftContinuation, "
        "ftLast} when reassembled (twsoFrameByFrame: per frame)."))
    OnPing = Event("Sender", "AConnection", "AData", doc=(
        "A ping arrived; the pong was already sent unless twsoManualPong."))
    OnPong = Event("Sender", "AConnection", "AData", doc="A pong arrived.")
    OnClose = Event("Sender", "AConnection", "AData", doc=(
        "The client's close frame arrived; decode AData with TransformCloseData, or read "
        "AConnection.CloseStatus. The reply is automatic, unless twsoManualClose: then answer "
        "with AConnection.SendClose(code, reason) within CloseTimeout."))
    OnDisconnect = Event("Sender", "AConnection", doc=(
        "The TCP connection ended: the last event of every accepted connection. AConnection "
        "stays readable (not freed, unlike TMS)."))
    OnGetSSLPassword = Event("Sender", "APassword", marshal=False, var=("APassword",), doc=(
        "The private key is encrypted: set APassword.Value. Runs during Active = True, on that "
        "thread."))
    OnError = Event("Sender", "AConnection", "AError", doc=(
        "Added: a handshake was refused or failed (AError.StatusCode: the HTTP status), a "
        "connection failed (AError.CloseCode), a send failed, or a slow client was dropped. "
        "AError is an EWebsocketServer."))
    OnCommandGet = Event("Sender", "ARequest", "AResponse", doc=(
        "A plain HTTP request (no Upgrade) arrived: fill AResponse (ResponseNo, ContentText, "
        "ContentType...). Unassigned: '/' gets 200 with an empty page, the rest 404. With "
        "AutoSyncEvents it runs on the home thread while the connection waits. As Indy's, it "
        "serves GET, POST and HEAD (ARequest.Command; the body is ARequest.PostStream)."))
    OnCommandOther = Event("Sender", "ARequest", "AResponse", doc=(
        "A plain HTTP request with any other method (PUT, DELETE, OPTIONS, ...; "
        "ARequest.Command); fill AResponse as in OnCommandGet. Unassigned: 501 Not "
        "Implemented. Same thread rules as OnCommandGet."))
    OnBackplaneError = Event("Sender", "AError", doc=(
        "Added: the backplane cannot reach Redis (at activation or later; once per outage), "
        "lost it, or Redis refused the password (AError is an EBackplaneAuthError). AError is "
        "an EBackplaneError. The server keeps serving its own clients and retries with "
        "back-off. Backplane thread, or queued with AutoSyncEvents."))
    OnBackplaneStateChange = Event("Sender", "AConnected", doc=(
        "Added: the backplane connected to Redis (AConnected True: cross-node delivery works) "
        "or lost it (False). Backplane thread, or queued with AutoSyncEvents."))

    def __init__(self, AOwner: TComponent | None = None, APort: int | None = None,
                 **props: Any) -> None:
        self._runtime: ServerRuntime | None = None
        self._active_streamed = False
        self._ssl_context: Any = None
        super().__init__(AOwner, **props)
        if APort is not None:
            self.Port = APort

    # -- Active -------------------------------------------------------------------------------

    @Active.getter
    def Active(self) -> bool:
        runtime = self._runtime
        return runtime is not None and not runtime.stopping

    @Active.setter
    def Active(self, value: bool) -> None:
        if csloading(self):
            self._active_streamed = value
            return
        if value:
            self._start()
        else:
            self._stop()

    def Loaded(self) -> None:
        super().Loaded()
        if self._active_streamed:
            self._active_streamed = False
            self.Active = True

    @property
    def BoundPort(self) -> int:
        """The port actually listened on (useful with Port = 0); 0 while inactive."""
        runtime = self._runtime
        return runtime.bound_port if runtime is not None and not runtime.stopping else 0

    @property
    def Connections(self) -> tuple[TTMSFNCWebSocketServerConnection, ...]:
        """A snapshot of the handshaken, not yet closed connections (thread-safe)."""
        runtime = self._runtime
        return runtime.open_connections() if runtime is not None else ()

    @property
    def ConnectionCount(self) -> int:
        """How many connections ``Connections`` holds."""
        return len(self.Connections)

    def fnc_event_queue(self) -> MessageQueue | None:
        return self.home_queue if self.AutoSyncEvents else None

    def fnc_check_inactive(self, name: str) -> None:
        if self.Active and not csloading(self):
            raise EWebsocketServer(f"{SErrActive} (cannot change {name})")

    def fnc_validation_error(self, problems: list[tuple[str, str]]) -> Exception:
        return EWebsocketServerPropertyError(self.Name or type(self).__name__, problems)

    def fnc_collect_problems(self, prefix: str, problems: list[tuple[str, str]]) -> None:
        super().fnc_collect_problems(prefix, problems)
        self._ssl_context = None
        if self.UseSSL:
            files = TLSFiles(self.CertificateFile, self.CertificateKeyFile,
                             self.RootCertificateFile,
                             self._ask_password if self._has_password_handler() else None)
            self._ssl_context = build_server_context(files, problems)

    def _has_password_handler(self) -> bool:
        return type(self).OnGetSSLPassword.assigned(self)

    def _ask_password(self) -> str:
        password: VarParam[str] = VarParam("")
        type(self).OnGetSSLPassword.fire(self, password)
        return str(password.Value)

    def _start(self) -> None:
        if self._runtime is not None and not self._runtime.stopping:
            return
        self._runtime = None
        self.Validate()
        host = self.BindingIP
        port = self.Port
        try:
            listener = _listen(host, port)
        except OSError as exc:
            where = f"[{host}]:{port}" if ":" in host else f"{host or 'all interfaces'}:{port}"
            in_use = exc.errno in (errno.EADDRINUSE, 10048)
            raise EWebsocketServer(
                f"cannot listen on {where}: {exc.strerror or exc}"
                + (" (the address is already in use)" if in_use else "")) from exc
        settings = ServerSettings(
            options=self.Options, compression=self.Compression,
            max_message_size=self.MaxMessageSize, close_timeout=self.CloseTimeout / 1000.0,
            handshake_timeout=HANDSHAKE_TIMEOUT, send_queue_limit=self.SendQueueLimit,
            send_timeout=self.SendTimeout / 1000.0, receive_queue_limit=self.ReceiveQueueLimit,
            ssl_context=self._ssl_context)
        runtime = ServerRuntime(self, settings, listener)
        self._runtime = runtime
        self._attach_identity(runtime)
        runtime.start()
        self._start_backplane()

    def _stop(self) -> None:
        """Stop the runtime; never raises (a failure is logged: Free must always succeed)."""
        try:
            self._stop_backplane()
        except Exception:
            log.exception("stopping the backplane of %s failed", self.Name or type(self).__name__)
        runtime = self._runtime
        if runtime is not None:
            try:
                runtime.stop()
            except Exception:
                log.exception("stopping server %s failed", self.Name or type(self).__name__)

    # -- protected extension points (TMS's protected virtual *Received methods) ---------------

    def MessageReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketServerConnection,
                        AMessage: str) -> None:
        """A text message arrived; raises ``OnMessageReceived``. Override to inspect or change
        it, then call ``super().MessageReceived(Sender, AConnection, AMessage)`` (or do not,
        to swallow it).

        Protected (TMS's extension point). Runs on the connection's thread, where the server
        raises the event; the event itself then follows ``AutoSyncEvents`` (queued to the home
        thread when True). ``Sender`` is the connection that received the message. An
        exception raised here goes to ``Application.HandleException``.
        """
        type(self).OnMessageReceived.fire(self, AConnection, AMessage)

    def BinaryDataReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketServerConnection,
                           AData: bytes, AFrameType: frozenset[TTMSFNCWebSocketFrameType]
                           ) -> None:
        """A binary message (or frame, twsoFrameByFrame) arrived; raises
        ``OnBinaryDataReceived``. Protected; thread and override rules as ``MessageReceived``."""
        type(self).OnBinaryDataReceived.fire(self, AConnection, AData, AFrameType)

    def PingReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketServerConnection,
                     AData: bytes) -> None:
        """A ping arrived (already answered unless twsoManualPong); raises ``OnPing``.
        Protected; thread and override rules as ``MessageReceived``."""
        type(self).OnPing.fire(self, AConnection, AData)

    def PongReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketServerConnection,
                     AData: bytes) -> None:
        """A pong arrived; raises ``OnPong``. Protected; rules as ``MessageReceived``."""
        type(self).OnPong.fire(self, AConnection, AData)

    def CloseReceived(self, Sender: Any, AConnection: TTMSFNCWebSocketServerConnection,
                      AData: bytes) -> None:
        """The client's close frame arrived; raises ``OnClose``. Swallowing it does not stop
        the close (the reply is automatic unless twsoManualClose). Protected; rules as
        ``MessageReceived``."""
        type(self).OnClose.fire(self, AConnection, AData)

    # -- sending ------------------------------------------------------------------------------

    def _targets(self, selector: TTMSFNCWebSocketSendToCallBack | None
                 ) -> list[TTMSFNCWebSocketServerConnection]:
        runtime = self._runtime
        if runtime is None:
            return []
        return [c for c in runtime.open_connections()
                if c._can_broadcast() and (selector is None or selector(c))]

    def _send_each(self, targets: list[TTMSFNCWebSocketServerConnection], text: bool,
                   data: bytes) -> int:
        sent = 0
        for conn in targets:
            try:
                conn._queue_message(text, data)
                sent += 1
            except EWebSocket:
                pass  # closing meanwhile, or dropped as too slow (OnError reports it)
        return sent

    def _targets_except(self, AExcept: TTMSFNCWebSocketServerConnection | None
                        ) -> list[TTMSFNCWebSocketServerConnection]:
        if AExcept is not None and not isinstance(AExcept, TTMSFNCWebSocketServerConnection):
            raise TypeError(f"AExcept must be a connection or None, got "
                            f"{type(AExcept).__name__}")
        return self._targets(None if AExcept is None else (lambda c: c is not AExcept))

    def BroadcastMessage(self, AMessage: str,
                         AExcept: TTMSFNCWebSocketServerConnection | None = None) -> int:
        """Queue a text message to every handshaken connection that is not closing, except
        ``AExcept`` (added: the chat relay's sender).

        With the backplane enabled the message also goes to every other node's clients
        (at-most-once, in order per node; dropped and counted in ``BackplaneDropped`` while
        Redis is unreachable). Never waits for a client or for Redis; any thread. Returns
        how many local connections it was queued to (added).
        """
        if not isinstance(AMessage, str):
            raise TypeError(f"BroadcastMessage expects str, got {type(AMessage).__name__}")
        data = AMessage.encode("utf-8")
        targets = self._targets_except(AExcept)
        self._backplane_publish(True, data, AExcept)
        return self._send_each(targets, True, data)

    def BroadcastData(self, AData: bytes,
                      AExcept: TTMSFNCWebSocketServerConnection | None = None) -> int:
        """Queue a binary message to every handshaken connection that is not closing, except
        ``AExcept``; across the cluster with the backplane (as ``BroadcastMessage``)."""
        if not isinstance(AData, (bytes, bytearray, memoryview)):
            raise TypeError(f"BroadcastData expects bytes, got {type(AData).__name__}")
        data = bytes(AData)
        targets = self._targets_except(AExcept)
        self._backplane_publish(False, data, AExcept)
        return self._send_each(targets, False, data)

    def SendMessageTo(self, AMessage: str, ASelector: TTMSFNCWebSocketSendToCallBack) -> int:
        """Queue a text message to each open connection for which ``ASelector(conn)`` is True.

        The selector runs on the calling thread, once per connection; an exception from it
        propagates (nothing is sent then). Local to this node even with the backplane: a
        Python callable cannot travel to another process. To reach a client on any node use
        ``SendMessageToId``; to reach all, ``BroadcastMessage``.
        """
        if not isinstance(AMessage, str):
            raise TypeError(f"SendMessageTo expects str, got {type(AMessage).__name__}")
        return self._send_each(self._targets(ASelector), True, AMessage.encode("utf-8"))

    def SendDataTo(self, AData: bytes, ASelector: TTMSFNCWebSocketSendToCallBack) -> int:
        """Queue a binary message to each open connection the selector accepts."""
        if not isinstance(AData, (bytes, bytearray, memoryview)):
            raise TypeError(f"SendDataTo expects bytes, got {type(AData).__name__}")
        return self._send_each(self._targets(ASelector), False, bytes(AData))

    def SendMessageToId(self, AId: str, AMessage: str) -> bool:
        """Added: send a text message to the connection whose ``Id`` is ``AId``, on this node
        or, through the backplane, on any node of the cluster.

        Any thread; never waits for Redis or the client. Returns True when the message was
        queued to the local connection or handed to the backplane for the node that serves
        it; False when the server is inactive, the local connection is unknown or closing, or
        the target is on another node and the backplane is disabled, disconnected or full
        (then ``BackplaneDropped`` counts it). Delivery to another node is at-most-once.
        Raises ValueError when ``AId`` is not a connection id (``NodeId#number``).
        """
        if not isinstance(AMessage, str):
            raise TypeError(f"SendMessageToId expects str, got {type(AMessage).__name__}")
        return self._send_to_id(AId, True, AMessage.encode("utf-8"))

    def SendDataToId(self, AId: str, AData: bytes) -> bool:
        """Added: send a binary message to the connection ``AId`` on any node (as
        :meth:`SendMessageToId`)."""
        if not isinstance(AData, (bytes, bytearray, memoryview)):
            raise TypeError(f"SendDataToId expects bytes, got {type(AData).__name__}")
        return self._send_to_id(AId, False, bytes(AData))

    def DisconnectClient(self, ASelector: TTMSFNCWebSocketSendToCallBack,
                         code: int = CLOSE_NORMAL, reason: str = "") -> int:
        """Send a close frame (``code``, ``reason``) to each connection the selector accepts;
        each is dropped if it does not answer within CloseTimeout. Returns how many."""
        encode_close_payload(code, reason)  # ValueError for a code that may not be sent
        closed = 0
        for conn in self._targets(ASelector):
            try:
                conn.SendClose(code, reason)
                closed += 1
            except EWebSocket:
                pass
        return closed

    @classmethod
    def TransformCloseData(cls, data: bytes) -> tuple[int, str]:
        """Split a close payload into (status code, reason); (1005, '') without a code."""
        return TransformCloseData(data)

    def CheckActive(self) -> None:
        """Raise EWebsocketServer (SErrInActive) when the server is not active."""
        if not self.Active:
            raise EWebsocketServer(SErrInActive)

    # -- lifetime -----------------------------------------------------------------------------

    def Destroy(self) -> None:
        self._stop()
        super().Destroy()

    def fnc_release_unfreed(self) -> None:
        self._stop_backplane()
        runtime = self.__dict__.get("_runtime")
        if runtime is not None:
            try:
                runtime.stop()
            except Exception:
                log.exception("stopping an unfreed server failed")


class TTMSFNCWebSocketServer(TTMSFNCCustomWebSocketServer):
    """The WebSocket server component (TMS's ``TTMSFNCWebSocketServer``).

    ``TTMSFNCWebSocketServer(AOwner)`` or ``TTMSFNCWebSocketServer(AOwner, APort)``; keyword
    arguments set properties and events (``TTMSFNCWebSocketServer(None, Port=0)``).
    """


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket: ``host`` '' listens on every interface, IPv6 included (one
    dual-stack socket) where the system has IPv6; an IPv6 literal binds IPv6 only."""
    if not host and socket.has_dualstack_ipv6():
        try:
            return socket.create_server(("", port), family=socket.AF_INET6, backlog=128,
                                        dualstack_ipv6=True)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, 10048):
                raise
            # IPv6 present but unusable (disabled on this host): all IPv4 interfaces
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def csloading(component: TComponent) -> bool:
    """Whether ``component`` is being read from a form file."""
    return csLoading in component.ComponentState
