"""The ``fnc-ws`` command line (also ``python -m fnc_websocket``).

Commands: ``demo``, ``serve``, ``connect``, ``run``, ``inspect``, ``record`` and ``port``
(see docs/cli.md).

Expected failures (bad arguments, refused connections, ports in use, bad form files, unknown
classes) print one line on stderr, ``fnc-ws <command>: error: <reason>``, and exit non-zero
(2 for unusable arguments, 1 for the rest); they never print a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from fnc_websocket.cli.common import CLIError, Console
from fnc_websocket.cli.port import add_port_parser
from fnc_websocket.cli.record import add_record_parser

__all__ = ["build_parser", "main"]


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is out of range 0..65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``fnc-ws`` with its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="fnc-ws", description="TMS FNC WebSocket components for Python, from the terminal.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="a server and a client component talking in this process",
                          description="Start a server and a client component in this process, "
                          "exchange text, binary, a ping and a clean close, and print the "
                          "timeline of events with the thread each handler ran on.")
    demo.add_argument("--json", action="store_true", help="print one JSON document instead")
    demo.add_argument("--cluster", action="store_true",
                      help="two server nodes sharing Redis ($FNC_REDIS_URL, or a redis-server "
                           "on PATH): show which nodes each message crossed")

    serve = sub.add_parser("serve", help="run a WebSocket server",
                           description="Run a TTMSFNCWebSocketServer until Ctrl-C or SIGTERM, "
                           "which close every client with 1001 (going away).")
    serve.add_argument("--port", type=_port, default=8888,
                       help="TCP port (default 8888; 0 picks a free one)")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 for every "
                            "IPv4 interface)")
    serve.add_argument("--path", default="", help="accept only this request path (default: any)")
    serve.add_argument("--mode", choices=("echo", "chat", "broadcast"), default="echo",
                       help="echo: reply to the sender; chat: relay to every other client; "
                            "broadcast: send to every client, sender included (default echo)")
    serve.add_argument("--tls-cert", metavar="PEM", help="certificate file: serve wss://")
    serve.add_argument("--tls-key", metavar="PEM",
                       help="private key file (default: inside --tls-cert)")
    serve.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                       help="accept only this Origin (repeatable or comma-separated)")
    serve.add_argument("-v", "--verbose", action="store_true",
                       help="log every message received, too")
    serve.add_argument("--backplane", metavar="REDIS_URL",
                       help="chat/broadcast across every server sharing this Redis "
                            "(redis://[:password@]host:port/db; needs fnc-websocket[redis])")
    serve.add_argument("--channel", default="fnc-ws",
                       help="backplane channel: the servers sharing it form one cluster")
    serve.add_argument("--node-id", default="", metavar="NAME",
                       help="this server's backplane node id (default: generated)")

    connect = sub.add_parser("connect", help="an interactive client, like wscat",
                             description="Connect to URL; each line of standard input is sent "
                             "as a message; received messages are printed after '< '. End of "
                             "input or Ctrl-C closes the connection with a close frame.")
    connect.add_argument("url", metavar="URL", help="ws://host[:port]/path or wss://...")
    connect.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                         help="extra request header (repeatable)")
    connect.add_argument("--subprotocol", action="append", default=[], metavar="NAME",
                         help="sub-protocol to request (repeatable or comma-separated)")
    connect.add_argument("--ping-interval", type=_positive_float, metavar="SECONDS",
                         help="send a ping every SECONDS; a server that stays silent for "
                              "max(10, 2 x SECONDS) s is declared dead")
    connect.add_argument("--binary-hex", action="store_true",
                         help="input lines are hex and sent as binary; binary received is "
                              "printed as hex")
    connect.add_argument("--insecure", action="store_true",
                         help="do not verify the server's TLS certificate")
    connect.add_argument("--ca-file", metavar="PEM", help="trust the CA certificates in PEM")
    connect.add_argument("--wait", type=_positive_float, metavar="SECONDS",
                         help="after the end of input, keep printing what arrives for SECONDS "
                              "before closing")
    connect.add_argument("--connect-timeout", type=_positive_float, default=10.0,
                         metavar="SECONDS", help="bound on connect + handshake (default 10)")

    run = sub.add_parser("run", help="load a form file and run the message loop",
                         description="Load FORM into the root class of the handler module and "
                         "run Application.Run until Application.Terminate, Ctrl-C or "
                         "--timeout.")
    run.add_argument("form", metavar="FORM",
                     help="form file (.dfm/.fmx/.lfm), or a name in designer_specs/")
    run.add_argument("--handlers", metavar="MODULE",
                     help="module name or .py file holding the root class and its handlers")
    run.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                     help="stop after SECONDS (exit status 1)")

    inspect = sub.add_parser("inspect", help="Object-Inspector listing of a class or form",
                             description="List the published properties (type, default, "
                             "value) and events of a registered class, or of every component "
                             "of a form file.")
    inspect.add_argument("target", metavar="CLASS|FORM",
                         help="registered class name (TTMSFNCWebsocketClient) or form file")
    inspect.add_argument("--markdown", action="store_true", help="Markdown tables")
    add_record_parser(sub, _port)
    add_port_parser(sub)
    return parser


def _dispatch(args: argparse.Namespace, console: Console) -> int:
    if args.command == "demo":
        from fnc_websocket.cli.demo import run_demo
        return run_demo(console, as_json=args.json, cluster=args.cluster)
    if args.command == "serve":
        from fnc_websocket.cli.serve import run_serve
        return run_serve(args, console)
    if args.command == "connect":
        from fnc_websocket.cli.connect import run_connect
        return run_connect(args, console)
    if args.command == "record":
        from fnc_websocket.cli.record import run_record
        return run_record(args, console)
    if args.command == "port":
        from fnc_websocket.cli.port import run_port
        return run_port(args, console)
    if args.command == "run":
        from fnc_websocket.cli.forms import run_form
        return run_form(args.form, args.handlers, args.timeout, console)
    from fnc_websocket.cli.forms import run_inspect
    return run_inspect(args.target, args.markdown, console)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fnc-ws`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console()
    try:
        return _dispatch(args, console)
    except CLIError as exc:
        console.status(f"fnc-ws {args.command}: error: {exc.message}")
        return exc.exit_code
    except KeyboardInterrupt:
        console.status(f"fnc-ws {args.command}: interrupted")
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`fnc-ws demo | head`): stop quietly, and keep the
        # interpreter's final flush from failing again.
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
