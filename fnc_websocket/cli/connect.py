"""``fnc-ws connect URL``: an interactive WebSocket client on ``TTMSFNCWebsocketClient``.

Standard output carries only what the server sent: each text message as ``< text``, each binary
message as ``< [binary N bytes] hex`` (``< hex`` with ``--binary-hex``). Status lines (connected,
pings and pongs, close frames, the end) go to standard error after ``* ``.

Lines typed before the handshake completed are sent once it has. End of input (after
``--wait`` seconds, if given) or SIGINT/SIGTERM closes the connection with a close frame (1000)
and waits for the server's reply (bounded).
Exit status: 0 after a close handshake (whoever started it), 1 when the connection could not be
made or was lost, 2 for unusable arguments.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fnc.application import Application
from fnc.threads import MessageQueue, current_queue
from fnc_websocket.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    CLIError,
    Console,
    WsUrl,
    cli_hint,
    parse_header,
    parse_ws_url,
)
from fnc_websocket.cli.signals import StopSignals
from fnc_websocket.cli.stdin import LineReader, stdin_binary
from fnc_websocket.client.component import TTMSFNCWebsocketClient
from fnc_websocket.errors import EWebSocketClient, EWebSocketClientPropertyError
from fnc_websocket.types import TransformCloseData

__all__ = ["run_connect"]

CLOSE_TIMEOUT_MS = 2000
"""How long the close handshake may take before the socket is dropped."""
_MIN_PONG_TIMEOUT = 10.0


def _apply_headers(lines: list[str], headers: list[tuple[str, str]]) -> None:
    """Replace request header lines named like an extra header; append the others."""
    for name, value in headers:
        wanted = name.lower()
        for i in range(len(lines) - 1, 0, -1):
            if lines[i].split(":", 1)[0].strip().lower() == wanted:
                del lines[i]
        lines.append(f"{name}: {value}")


class ConnectSession:
    """One run of the command: the client, the stdin reader and the exit status.

    Every method except the reader's and the signal watcher's callbacks runs on the main thread;
    those callbacks only post to the main thread's queue.
    """

    def __init__(self, args: argparse.Namespace, console: Console) -> None:
        self.args = args
        self.console = console
        self.url: WsUrl = parse_ws_url(args.url)
        self.headers = [parse_header(h) for h in args.header]
        self.binary_hex: bool = args.binary_hex
        if args.ca_file and not os.path.isfile(args.ca_file):
            raise CLIError(f"--ca-file: no such file: {args.ca_file}", EXIT_USAGE)
        self.queue: MessageQueue = current_queue()
        self.pending: list[bytes] = []
        self.connected = False
        self.eof = False
        self.closing = False
        self.error: EWebSocketClient | None = None
        self.exit_code = 0
        self.client = self._make_client()

    def _make_client(self) -> TTMSFNCWebsocketClient:
        args, url = self.args, self.url
        protocols = ",".join(p for value in args.subprotocol for p in value.split(","))
        client = TTMSFNCWebsocketClient(
            None, HostName=url.host, Port=url.port, UseSSL=url.secure, PathName=url.path,
            SSLVerifyPeer=not args.insecure, RootCertificateFile=args.ca_file or "",
            ConnectTimeout=int(args.connect_timeout * 1000), CloseTimeout=CLOSE_TIMEOUT_MS)
        try:
            client.SubProtocols = protocols
            if args.ping_interval:
                client.HeartBeat.Interval = args.ping_interval
                client.HeartBeat.Timeout = max(_MIN_PONG_TIMEOUT, 2 * args.ping_interval)
                client.HeartBeat.Enabled = True
        except (TypeError, ValueError, EWebSocketClient) as exc:
            client.Free()
            raise CLIError(str(exc), EXIT_USAGE) from None
        client.OnSendHandshake = self.on_send_handshake
        client.OnConnect = self.on_connect
        client.OnMessageReceived = self.on_message
        client.OnBinaryDataReceived = self.on_binary
        client.OnPing = lambda Sender, AConnection, AData: self.console.status(
            f"* ping {AData!r}")
        client.OnPong = lambda Sender, AConnection, AData: self.console.status(
            f"* pong {AData!r}")
        client.OnClose = self.on_close
        client.OnError = self.on_error
        client.OnDisconnect = self.on_disconnect
        return client

    # -- the client's events (main thread) --------------------------------------------------

    def on_send_handshake(self, Sender: Any, AHeaders: list[str]) -> None:
        _apply_headers(AHeaders, self.headers)

    def on_connect(self, Sender: Any, AConnection: Any) -> None:
        self.connected = True
        protocol = f" (sub-protocol {Sender.Protocol})" if Sender.Protocol else ""
        self.console.status(f"* connected to {self.url}{protocol}; "
                            "end of input or Ctrl-C closes")
        pending, self.pending = self.pending, []
        for line in pending:
            self.send_line(line)
        if self.eof:
            self.close_after_input()

    def on_message(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
        self.console.line(f"< {AMessage}")

    def on_binary(self, Sender: Any, AConnection: Any, AData: bytes, AFrameType: Any) -> None:
        if self.binary_hex:
            self.console.line(f"< {AData.hex()}")
        else:
            self.console.line(f"< [binary {len(AData)} bytes] {AData.hex()}")

    def on_close(self, Sender: Any, AConnection: Any, AData: bytes) -> None:
        code, reason = TransformCloseData(AData)
        self.console.status(f"* close frame received: {code}" + (f" {reason!r}" if reason else ""))

    def on_error(self, Sender: Any, AConnection: Any, AError: EWebSocketClient) -> None:
        if self.error is None:
            self.error = AError

    def on_disconnect(self, Sender: Any, AConnection: Any) -> None:
        error = self.error
        if not self.connected:
            if error is not None:
                reason = cli_hint(str(error))
            elif self.closing:
                reason = "stopped before the handshake completed"
            else:
                reason = "the connection ended before the handshake completed"
            self.console.status(f"fnc-ws connect: error: {self.url}: {reason}")
            self.exit_code = EXIT_FAILURE
        elif error is not None:
            self.console.status(f"fnc-ws connect: error: connection lost: {cli_hint(str(error))}")
            self.exit_code = EXIT_FAILURE
        else:
            reason = f" {Sender.CloseReason!r}" if Sender.CloseReason else ""
            self.console.status(f"* disconnected (close {Sender.CloseCode}{reason})")
        Application.Terminate()

    # -- input (posted to the main thread) ---------------------------------------------------

    def send_line(self, line: bytes) -> None:
        if self.binary_hex:
            try:
                data: str | bytes = bytes.fromhex(line.decode("ascii", "replace"))
            except ValueError:
                self.console.status(f"* not sent, not hex: {line.decode('ascii', 'replace')}")
                return
        else:
            data = line.decode("utf-8", "replace")
        try:
            self.client.Send(data)
        except EWebSocketClient as exc:
            self.console.status(f"* not sent: {exc}")

    def on_line(self, line: bytes) -> None:
        if self.closing:
            return
        if self.connected:
            self.send_line(line)
        else:
            self.pending.append(line)

    def on_eof(self) -> None:
        self.eof = True
        if self.connected:
            self.close_after_input()

    def close_after_input(self) -> None:
        wait = self.args.wait or 0.0
        if wait > 0:
            self.queue.post(self.close, ("end of input",), self.client, delay=wait)
        else:
            self.close("end of input")

    def close(self, why: str) -> None:
        if self.closing:
            return
        self.closing = True
        if self.client.Active:
            self.console.status(f"* closing ({why})")
            self.client.Disconnect(True)
        else:
            Application.Terminate()

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> int:
        try:
            self.client.Connect()
        except EWebSocketClientPropertyError as exc:
            raise CLIError(cli_hint(str(exc)), EXIT_USAGE) from None
        queue, owner = self.queue, self.client  # calls still queued at Free() are dropped
        reader = LineReader(stdin_binary(),
                            lambda line: queue.post(self.on_line, (line,), owner),
                            lambda: queue.post(self.on_eof, (), owner))
        with StopSignals(lambda name: queue.post(self.close, (name,), owner)):
            reader.start()
            try:
                Application.Run()
            finally:
                reader.stop()
        return self.exit_code

    def free(self) -> None:
        self.client.Free()


def run_connect(args: argparse.Namespace, console: Console) -> int:
    """Run the interactive client; see the module docstring for the exit status."""
    session = ConnectSession(args, console)
    try:
        return session.run()
    finally:
        session.free()
