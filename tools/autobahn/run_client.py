"""Run the Autobahn|Testsuite cases against a WebSocket client agent (kosoku fuzzingserver mode).

    python tools/autobahn/run_client.py                       # raw websocket-client, sections 1-10
    python tools/autobahn/run_client.py --agent fnc-client --cases 1-7
    python tools/autobahn/run_client.py --cases 6.4.* --cases 9.1.1 --exclude 9.*.6
    python tools/autobahn/run_client.py --list-agents

Prints per-section behaviour counts and every FAILED case; exit status 0 when nothing failed,
1 when a case failed or the run broke, 2 for bad arguments or an agent that is not available.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autobahn_agents import client_agents
from autobahn_cases import CaseSelectionError, select_cases
from autobahn_fuzz import exit_now, run_client_suite

DEFAULT_CLIENT_CASES = ["1-10"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--agent", default="websocket-client",
                        help="client agent under test (see --list-agents)")
    parser.add_argument("--list-agents", action="store_true", help="list agents and exit")
    parser.add_argument("--cases", action="append", metavar="SPEC",
                        help="sections/ids/globs to run: 1-7, 6.4, 9.1.1, 6.4.* (repeatable, "
                             "comma lists allowed; default 1-10)")
    parser.add_argument("--exclude", action="append", metavar="SPEC", help="specs to leave out")
    parser.add_argument("--host", default="127.0.0.1", help="fuzzing server bind address")
    parser.add_argument("--port", type=int, default=0, help="fuzzing server port (0: ephemeral)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="cases run at once, each worker thread with its own agent")
    parser.add_argument("--report-dir", type=Path, help="also write kosoku's Autobahn reports")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the summary as JSON")
    parser.add_argument("--verbose", action="store_true", help="print each case as it finishes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    agents = client_agents()
    if args.list_agents:
        for entry in agents.values():
            print(entry.name)
        return 0
    entry = agents.get(args.agent)
    if entry is None:
        print(f"unknown agent {args.agent!r}; known: {', '.join(agents)}", file=sys.stderr)
        return 2
    try:
        case_ids = select_cases(args.cases or DEFAULT_CLIENT_CASES, args.exclude)
    except CaseSelectionError as exc:
        print(f"bad case selection: {exc}", file=sys.stderr)
        return 2
    summary = run_client_suite(
        entry.factory, case_ids, host=args.host, port=args.port, jobs=args.jobs,
        report_dir=args.report_dir,
        progress=print if args.verbose else None,
    )
    print(summary.format_table())
    if args.json:
        args.json.write_text(json.dumps(summary.to_json(), indent=2))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    exit_now(main())
