"""``fnc-ws serve``: a ``TTMSFNCWebSocketServer`` from the command line.

Modes (what the server does with each message a client sends, text or binary alike):

* ``echo``: send it back to the sender only;
* ``chat``: relay it to every other client, not to the sender;
* ``broadcast``: send it to every client, the sender included.

With ``--backplane redis://host:port/db`` (chat and broadcast modes) "every client" means every
client of every server sharing that Redis and ``--channel``: the server joins a backplane
cluster (see docs/scaling.md) and logs its connection state and errors.

The first line on stdout names the listening URL (``listening on ws://127.0.0.1:8888/``), so
scripts can read the actual port when ``--port 0`` picked one. Then one line per connection,
disconnection and refused or failed connection. SIGINT (Ctrl-C) and SIGTERM deactivate the
server, which closes every client with 1001 (going away); the command then exits 0.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fnc.application import Application
from fnc_websocket.cli.common import EXIT_USAGE, CLIError, Console
from fnc_websocket.cli.signals import StopSignals
from fnc_websocket.errors import EWebsocketServer
from fnc_websocket.server.component import TTMSFNCWebSocketServer

__all__ = ["MODES", "run_serve"]

MODES = ("echo", "chat", "broadcast")
CLOSE_TIMEOUT_MS = 2000
"""Milliseconds clients get to answer the 1001 close when the server stops."""


def _origins(values: list[str]) -> str:
    origins = [o.strip() for value in values for o in value.split(",") if o.strip()]
    return ",".join(origins)


def _listening_url(server: TTMSFNCWebSocketServer, bind: str, secure: bool) -> str:
    host = bind or "0.0.0.0"
    if ":" in host:
        host = f"[{host}]"
    path = server.PathName.lstrip("/")
    return f"{'wss' if secure else 'ws'}://{host}:{server.BoundPort}/{path}"


class _ServeLog:
    """The server's handlers: the chosen mode, and one log line per connection event.

    The server runs with AutoSyncEvents, so every handler runs on the main thread, in order.
    """

    def __init__(self, server: TTMSFNCWebSocketServer, mode: str, verbose: bool,
                 console: Console) -> None:
        self.server = server
        self.mode = mode
        self.verbose = verbose
        self.console = console
        self.clients: set[int] = set()
        server.OnHandshakeResponseSent = self.on_open
        server.OnMessageReceived = self.on_message
        server.OnBinaryDataReceived = self.on_binary
        server.OnDisconnect = self.on_disconnect
        server.OnError = self.on_error

    @staticmethod
    def peer(connection: Any) -> str:
        ip = connection.PeerIP
        return f"[{ip}]:{connection.PeerPort}" if ":" in ip else f"{ip}:{connection.PeerPort}"

    def count(self) -> str:
        n = len(self.clients)
        return f"{n} client{'s' if n != 1 else ''}"

    def on_open(self, Sender: Any, AConnection: Any) -> None:
        self.clients.add(id(AConnection))
        request = AConnection.HandshakeRequest
        resource = request.Resource if request is not None else "/"
        self.console.line(f"+ {self.peer(AConnection)} connected to {resource} ({self.count()})")

    def on_disconnect(self, Sender: Any, AConnection: Any) -> None:
        if id(AConnection) not in self.clients:
            return  # refused or failed before the handshake: OnError said so
        self.clients.discard(id(AConnection))
        status = AConnection.CloseStatus
        how = (f"close {status.code}" + (f" {status.reason!r}" if status.reason else "")
               if status is not None else "no close frame")
        self.console.line(f"- {self.peer(AConnection)} disconnected, {how} ({self.count()})")

    def on_error(self, Sender: Any, AConnection: Any, AError: Any) -> None:
        message = str(AError)
        who = self.peer(AConnection) if AConnection is not None else "server"
        self.console.line(f"! {message}" if who in message else f"! {who}: {message}")

    def relay(self, AConnection: Any, data: str | bytes) -> None:
        try:
            self._relay(AConnection, data)
        except EWebsocketServer as exc:  # the sender is closing: its message has no reader
            if self.verbose:
                self.console.line(f"  {self.peer(AConnection)} not answered: {exc}")

    def _relay(self, AConnection: Any, data: str | bytes) -> None:
        server = self.server
        if self.mode == "echo":
            if isinstance(data, str):
                AConnection.Send(data)
            else:
                AConnection.SendBytes(data)
        elif self.mode == "chat":  # everyone but the sender, on every node with a backplane
            if isinstance(data, str):
                server.BroadcastMessage(data, AExcept=AConnection)
            else:
                server.BroadcastData(data, AExcept=AConnection)
        elif isinstance(data, str):
            server.BroadcastMessage(data)
        else:
            server.BroadcastData(data)

    def on_message(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
        if self.verbose:
            self.console.line(f"  {self.peer(AConnection)} text: {AMessage}")
        self.relay(AConnection, AMessage)

    def on_binary(self, Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
        if self.verbose:
            self.console.line(f"  {self.peer(AConnection)} binary: {AData.hex()}")
        self.relay(AConnection, AData)


def _join_backplane(server: TTMSFNCWebSocketServer, args: argparse.Namespace,
                    console: Console) -> None:
    url = getattr(args, "backplane", None)
    if not url:
        return
    if args.mode == "echo":
        raise CLIError("--backplane needs --mode chat or --mode broadcast (echo answers "
                       "only the sender)", EXIT_USAGE)
    bp = server.Backplane
    bp.Enabled = True
    bp.URL = url
    bp.Channel = args.channel
    if args.node_id:
        bp.NodeId = args.node_id

    def on_state(Sender: Any, AConnected: bool) -> None:
        state = "connected" if AConnected else "disconnected (serving local clients only)"
        console.line(f"backplane {state}: node {bp.NodeId}, channel {bp.Channel!r}")

    server.OnBackplaneStateChange = on_state
    server.OnBackplaneError = lambda Sender, AError: console.line(f"! {AError}")


def _tls_files(args: argparse.Namespace) -> tuple[str, str]:
    cert, key = args.tls_cert or "", args.tls_key or ""
    if key and not cert:
        raise CLIError("--tls-key needs --tls-cert", EXIT_USAGE)
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        if path and not os.path.isfile(path):
            raise CLIError(f"{option}: no such file: {path}", EXIT_USAGE)
    return cert, key


def run_serve(args: argparse.Namespace, console: Console) -> int:
    """Run the server until SIGINT/SIGTERM; 0 after a clean stop."""
    cert, key = _tls_files(args)
    server = TTMSFNCWebSocketServer(None, Port=args.port, BindingIP=args.bind,
                                    PathName=args.path, AutoSyncEvents=True,
                                    AllowedOrigins=_origins(args.allow_origin),
                                    CloseTimeout=CLOSE_TIMEOUT_MS, Name="Server1")
    try:
        if cert:
            server.UseSSL = True
            server.CertificateFile = cert
            server.CertificateKeyFile = key
        log = _ServeLog(server, args.mode, args.verbose, console)
        _join_backplane(server, args, console)
        stop_reason: list[str] = []

        def on_stop(signal_name: str) -> None:  # runs on the signal watcher thread
            stop_reason.append(signal_name)
            Application.Terminate()

        with StopSignals(on_stop):
            try:
                server.Active = True
            except EWebsocketServer as exc:
                raise CLIError(str(exc)) from None
            console.line(f"listening on {_listening_url(server, args.bind, bool(cert))} "
                         f"(mode {args.mode}; Ctrl-C stops)")
            Application.Run()
            console.line(f"stopping ({stop_reason[0] if stop_reason else 'terminated'}): "
                         f"closing {log.count()} with 1001")
            server.Active = False
            Application.ProcessMessages()  # log the disconnections that were queued
        console.line("stopped")
        return 0
    finally:
        server.Free()
