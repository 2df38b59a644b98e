"""Benchmark: what one readable event costs a message queue that watches sockets
(``MessageQueue.watch_readable``), with one watched socket and with thousands of idle ones.

    python benchmarks/bench_fdwatch.py            # 1 and 3,000 idle watches
    python benchmarks/bench_fdwatch.py --idle 500

A server with ``AutoSyncEvents`` watches every connection's socket on its home thread, so the
cost of a wait must not grow with the number of idle connections. Printed: microseconds per
event (a socket-pair ping-pong pumped by ``ProcessMessagesUntil``) and the ratio of the two.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fnc.application import Application
from fnc.threads import current_queue


def per_event(idle: int, events: int) -> float:
    """Microseconds per readable event with ``idle`` other watched sockets."""
    q = current_queue()
    pairs = [socket.socketpair() for _ in range(idle)]
    watches = [q.watch_readable(a, lambda: None) for a, _b in pairs]
    a, b = socket.socketpair()
    a.setblocking(False)
    count = 0

    def on_readable() -> None:
        nonlocal count
        a.recv(16)
        count += 1
        if count < events:
            b.send(b"x")

    watch = q.watch_readable(a, on_readable)
    try:
        t0 = time.perf_counter()
        b.send(b"x")
        if not Application.ProcessMessagesUntil(lambda: count >= events, timeout=120):
            raise RuntimeError(f"only {count} of {events} events")
        return (time.perf_counter() - t0) / events * 1e6
    finally:
        for w in (*watches, watch):
            q.unwatch(w)
        for x, y in (*pairs, (a, b)):
            x.close()
            y.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=3000, help="idle watched sockets")
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    one = min(per_event(0, args.events) for _ in range(3))
    many = min(per_event(args.idle, args.events) for _ in range(3))
    print(f"one watched socket      : {one:8.1f} us per readable event")
    print(f"{args.idle:,} idle watched too: {many:8.1f} us per readable event   "
          f"ratio {many / one:.2f}x (target <= 1.5x: a wait does not grow with idle sockets)")


if __name__ == "__main__":
    main()
