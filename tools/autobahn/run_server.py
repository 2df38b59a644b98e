"""Run the Autobahn|Testsuite cases against a WebSocket echo server (kosoku fuzzingclient mode).

    python tools/autobahn/run_server.py                        # bare websockets echo server, all
    python tools/autobahn/run_server.py --server fnc-server --cases 1-7
    python tools/autobahn/run_server.py --url ws://127.0.0.1:9001   # a server you started
    python tools/autobahn/run_server.py --list-servers

Prints per-section behaviour counts and every FAILED case; exit status 0 when nothing failed,
1 when a case failed or the run broke, 2 for bad arguments or a server that is not available.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autobahn_cases import CaseSelectionError, RunSummary, select_cases
from autobahn_fuzz import exit_now, run_server_suite
from autobahn_servers import server_targets


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--server", default="websockets",
                        help="server under test (see --list-servers)")
    parser.add_argument("--url", help="test an already running server instead of --server")
    parser.add_argument("--list-servers", action="store_true", help="list servers and exit")
    parser.add_argument("--cases", action="append", metavar="SPEC",
                        help="sections/ids/globs to run: 1-7, 6.4, 9.1.1, 6.4.* (repeatable, "
                             "comma lists allowed; default: all 517)")
    parser.add_argument("--exclude", action="append", metavar="SPEC", help="specs to leave out")
    parser.add_argument("--jobs", type=int, default=1, help="cases kosoku runs in parallel")
    parser.add_argument("--timeout", type=float, default=900.0, help="bound on the whole run (s)")
    parser.add_argument("--report-dir", type=Path, help="also write kosoku's Autobahn reports")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the summary as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    targets = server_targets()
    if args.list_servers:
        for entry in targets.values():
            print(entry.name)
        return 0
    if args.jobs < 1:
        print(f"--jobs must be at least 1, not {args.jobs}", file=sys.stderr)
        return 2
    try:
        case_ids = select_cases(args.cases, args.exclude)
    except CaseSelectionError as exc:
        print(f"bad case selection: {exc}", file=sys.stderr)
        return 2

    def run(url: str, name: str) -> RunSummary:
        return run_server_suite(url, name, case_ids, concurrency=args.jobs,
                                timeout=args.timeout, report_dir=args.report_dir)

    if args.url:
        summary = run(args.url, args.url)
    else:
        entry = targets.get(args.server)
        if entry is None:
            print(f"unknown server {args.server!r}; known: {', '.join(targets)}",
                  file=sys.stderr)
            return 2
        with entry.factory().serve() as url:
            summary = run(url, entry.name)
    print(summary.format_table())
    if args.json:
        args.json.write_text(json.dumps(summary.to_json(), indent=2))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    exit_now(main())
