"""Run every benchmark in turn (``python3 tools/dev.py bench``; ``--quick`` for smaller runs).

Each benchmark runs its baseline and ours side by side in one process and prints the ratios.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUICK = {
    "bench_events.py": ["--events", "50000", "--rounds", "2"],
    "bench_client.py": ["--quick"],
    "bench_server.py": ["--messages", "2000", "--broadcasts", "200", "--idle", "200"],
    "bench_streaming.py": ["--components", "2000", "--runs", "2"],
    "bench_backplane.py": ["--burst", "500", "--probes", "200"],
    "bench_fdwatch.py": ["--idle", "1000", "--events", "2000"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = []
    for name in QUICK:
        print(f"\n=== {name} ===", flush=True)
        args = QUICK[name] if quick else []
        if subprocess.run([sys.executable, str(HERE / name), *args]).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
