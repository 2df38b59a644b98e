"""``fnc-ws port UNIT.pas``: a Delphi unit and its form file as a runnable Python module.

``fnc-ws port UNIT.pas [--form FORM] [-o MODULE.py] [--handlers-only] [--force]`` writes the
module (default: beside the unit, ``UNIT.py``) and prints one status line with its checklist
summary; ``fnc-ws port --report UNIT.pas`` prints only the checklist table and writes nothing.
The form file defaults to the unit's name with ``.dfm``, ``.fmx`` or ``.lfm``; a form file alone
(``fnc-ws port Form1.dfm``) gives the class and its handlers without Pascal bodies.

Failures (not Pascal, unbalanced ``begin``/``end``, a form whose root class the unit does not
declare, an existing output without ``--force``) are one line, ``file:line: reason`` where the
cause has a place, and exit status 1.
"""

from __future__ import annotations

import argparse
from typing import Any

from fnc_websocket.cli.common import EXIT_FAILURE, CLIError, Console

__all__ = ["add_port_parser", "run_port"]


def add_port_parser(sub: Any) -> None:
    """Add the ``port`` sub-command to the ``fnc-ws`` sub-parsers ``sub``."""
    port = sub.add_parser(
        "port", help="turn a Delphi unit and its form into a Python module",
        description="Read UNIT.pas (and its form file) and write a Python module: the form "
        "class with a method per handler (the library's event signature, the Pascal body as a "
        "comment, then NotImplementedError), stubs for the other routines, the constants, the "
        "loading code and a checklist of what needs a human.")
    port.add_argument("source", metavar="UNIT", help="the unit (.pas), or a form file alone")
    port.add_argument("--form", metavar="FORM",
                      help="the form file (default: UNIT's name with .dfm, .fmx or .lfm)")
    port.add_argument("-o", "--output", metavar="MODULE",
                      help="the Python file to write (default: UNIT's name with .py)")
    port.add_argument("--handlers-only", action="store_true",
                      help="handler bodies are `pass` instead of raising NotImplementedError")
    port.add_argument("--force", action="store_true", help="overwrite an existing MODULE")
    port.add_argument("--report", action="store_true",
                      help="print only the checklist (what maps, what needs a human); write "
                           "nothing")


def run_port(args: argparse.Namespace, console: Console) -> int:
    """Run ``fnc-ws port`` with parsed ``args``; expected failures raise :class:`CLIError`."""
    from fnc_websocket.porting import PortError, format_report, plan_port, port

    try:
        if args.report:
            plan = plan_port(args.source, args.form, handlers_only=args.handlers_only)
            console.line(format_report(plan))
            return 0
        result = port(args.source, args.form, args.output, handlers_only=args.handlers_only,
                      force=args.force)
    except PortError as exc:
        raise CLIError(str(exc), EXIT_FAILURE) from None
    plan = result.plan
    needs = sum(1 for item in plan.checklist
                if item.human and not item.human.startswith("port its body"))
    handlers = sum(1 for m in plan.methods if m.is_handler)
    console.status(f"wrote {result.output}: {handlers} handlers, "
                   f"{len(plan.methods) - handlers + len(plan.functions)} other routines, "
                   f"{needs} other items need a human (listed in its docstring)")
    return 0
