"""``fnc-ws record URL --out FILE``: record the conversations of clients with a real server.

A recording relay (:class:`fnc_websocket.testing.recorder.Recorder`) listens on 127.0.0.1.
Clients connect to it instead of the server; it connects to ``URL`` (``wss://`` verified against
the system's CAs, or ``--ca-file``), forwards every frame both ways unchanged and writes the
conversation as a cassette (docs/testing.md, "Record and replay"). The file is written again
after each connection ends, so it is complete whenever the command stops.

Standard error carries the status lines: the listening URL first (``--listen 0``, the default,
picks a free port), then one line per connection. Ctrl-C or SIGTERM stops (waiting up to two
seconds for open conversations to end); ``--connections N`` stops after N connections ended.
Exit status: 0 once stopped, 1 when the relay could not listen or a recording failed, 2 for
unusable arguments.
"""

from __future__ import annotations

import argparse
import ssl
import threading
from pathlib import Path

from fnc_websocket.cli.common import EXIT_USAGE, CLIError, Console, parse_header, parse_ws_url
from fnc_websocket.cli.signals import StopSignals
from fnc_websocket.testing.cassette import RecordedConnection
from fnc_websocket.testing.recorder import Recorder, RecorderError

__all__ = ["add_record_parser", "run_record"]


def add_record_parser(sub: argparse._SubParsersAction, port_type: object) -> None:
    """Declare the ``record`` command on the ``fnc-ws`` parser."""
    record = sub.add_parser(
        "record", help="record conversations with a real server into a cassette",
        description="Listen on 127.0.0.1; relay each client to URL, forwarding every frame "
        "unchanged, and write the conversation to FILE (a cassette that "
        "MockWebSocketServer.from_cassette replays). Ctrl-C stops.")
    record.add_argument("url", metavar="URL", help="the real server: ws://host[:port]/path or "
                        "wss://... (its path replaces the clients' path unless it is /)")
    record.add_argument("--out", required=True, metavar="FILE", help="cassette file to write")
    record.add_argument("--listen", type=port_type, default=0, metavar="PORT",
                        help="port on 127.0.0.1 for the clients (default 0: a free one)")
    record.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="header added to (or replacing one of) each upgrade request sent "
                             "to URL (repeatable)")
    record.add_argument("--keep-header", action="append", default=[], metavar="NAME",
                        help="write this header's value in the cassette instead of <redacted> "
                             "(Authorization, Cookie, Set-Cookie... are redacted; repeatable)")
    record.add_argument("--ca-file", metavar="PEM", help="trust the CA certificates in PEM")
    record.add_argument("--insecure", action="store_true",
                        help="do not verify the server's TLS certificate")
    record.add_argument("--connections", type=_count, metavar="N",
                        help="stop after N connections have ended")


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of connections (1 or more)")
    return int(text)


def _ssl_context(args: argparse.Namespace) -> ssl.SSLContext:
    if args.ca_file and not Path(args.ca_file).is_file():
        raise CLIError(f"--ca-file: no such file: {args.ca_file}", EXIT_USAGE)
    try:
        context = ssl.create_default_context(cafile=args.ca_file)
    except ssl.SSLError as exc:
        raise CLIError(f"--ca-file {args.ca_file}: not a PEM CA file: {exc}", EXIT_USAGE
                       ) from None
    if args.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _describe(connection: RecordedConnection | None) -> str:
    if connection is None:
        return "ended before the server answered"
    if not connection.accepted:
        return f"refused by the server: HTTP {connection.response.status}"
    messages = sum(1 for e in connection.events if e.is_data)
    close = next((e for e in connection.events if e.type == "close"), None)
    end = f"close {close.code} from the {close.side}" if close is not None else "no close frame"
    return f"{connection.request.path}: {messages} messages, {end}"


def run_record(args: argparse.Namespace, console: Console) -> int:
    """Relay and record until stopped; 0 after a clean stop."""
    url = str(parse_ws_url(args.url))
    headers = [parse_header(text) for text in args.header]
    out = Path(args.out)
    if out.is_dir():
        raise CLIError(f"--out {out}: is a folder, not a file", EXIT_USAGE)
    if not out.parent.is_dir():
        raise CLIError(f"--out {out}: no such folder: {out.parent}", EXIT_USAGE)
    wake = threading.Event()
    stop_reason: list[str] = []
    ended: list[RecordedConnection | None] = []
    lock = threading.Lock()

    def on_end(connection: RecordedConnection | None) -> None:  # a relay thread
        with lock:
            ended.append(connection)
        wake.set()

    def on_stop(signal_name: str) -> None:  # the signal watcher thread
        stop_reason.append(signal_name)
        wake.set()

    recorder = Recorder(url, headers=headers, keep_headers=args.keep_header,
                        ssl_context=_ssl_context(args), port=args.listen,
                        on_connection_end=on_end)
    try:
        recorder.start()
    except RecorderError as exc:
        raise CLIError(str(exc)) from None
    reported = 0
    try:
        with StopSignals(on_stop):
            console.status(f"recording {recorder.url} -> {recorder.target} into {out} "
                           "(Ctrl-C stops)")
            recorder.save(str(out))
            while not stop_reason and (args.connections is None or reported < args.connections):
                wake.wait(1.0)
                wake.clear()
                with lock:
                    new, reported = ended[reported:], len(ended)
                if new:
                    recorder.save(str(out))
                for number, connection in enumerate(new, reported - len(new) + 1):
                    console.status(f"connection {number} {_describe(connection)}; saved {out}")
    finally:
        try:
            recorder.stop()
        finally:
            cassette = recorder.save(str(out))
    for error in recorder.errors:
        console.status(f"! {error}")
    count = len(cassette.connections)
    console.status(f"stopped ({stop_reason[0] if stop_reason else 'done'}): {count} "
                   f"connection{'s' if count != 1 else ''} in {out}")
    return 1 if recorder.errors else 0
