"""Cost of one event fired on a worker thread and handled on the home thread.

Measures, in one run, fire → queue → pump → handler through fnc against a bare
``queue.SimpleQueue`` hop between the same two threads, and prints both and the ratio.
Targets (issue #10): at most 1.5 µs per marshaled event, under 300 ns for an event nobody
handles.

    python benchmarks/bench_events.py [--events N] [--rounds R]
"""

from __future__ import annotations

import argparse
import queue
import threading
import time

from fnc import Application, Event, TComponent
from fnc.threads import MessageQueue


class TSource(TComponent):
    OnData = Event("Sender", "AValue")

    def fnc_event_queue(self) -> MessageQueue | None:
        return self.home_queue


def bench_fnc(n: int) -> float:
    src = TSource(None)
    count = [0]

    def handler(sender: object, value: int) -> None:
        count[0] += 1

    src.OnData = handler
    fire = TSource.OnData.fire
    start_evt = threading.Event()

    def worker() -> None:
        start_evt.wait(5)
        for i in range(n):
            fire(src, i)

    t = threading.Thread(target=worker)
    t.start()
    start = time.perf_counter()
    start_evt.set()
    Application.ProcessMessagesUntil(lambda: count[0] >= n, timeout=60)
    elapsed = time.perf_counter() - start
    t.join(5)
    src.Free()
    assert count[0] == n, count
    return elapsed / n


def bench_simple_queue(n: int) -> float:
    q: queue.SimpleQueue[int] = queue.SimpleQueue()
    count = [0]

    def handler(value: int) -> None:
        count[0] += 1

    start_evt = threading.Event()

    def worker() -> None:
        start_evt.wait(5)
        for i in range(n):
            q.put(i)

    t = threading.Thread(target=worker)
    t.start()
    start = time.perf_counter()
    start_evt.set()
    for _ in range(n):
        handler(q.get(timeout=60))
    elapsed = time.perf_counter() - start
    t.join(5)
    return elapsed / n


def bench_unassigned(n: int) -> float:
    """Cost of firing an event nobody handles (the common case for most events)."""
    import timeit

    src = TSource(None)
    fire = TSource.OnData.fire
    per_call = min(timeit.repeat(lambda: fire(src, 1), number=n, repeat=5)) / n
    src.Free()
    return per_call


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    ours = min(bench_fnc(args.events) for _ in range(args.rounds))
    base = min(bench_simple_queue(args.events) for _ in range(args.rounds))
    print(f"marshaled event (fnc, fire->queue->pump->handler): {ours * 1e6:6.2f} us/event")
    print(f"bare queue.SimpleQueue hop + call:                 {base * 1e6:6.2f} us/event")
    print(f"ratio fnc / SimpleQueue: {ours / base:.2f}x   target <= 1.5 us/event: "
          f"{'met' if ours <= 1.5e-6 else 'NOT met'}")
    idle = bench_unassigned(args.events)
    print(f"unassigned event fired (no handler, no listener): {idle * 1e9:6.0f} ns/event   "
          f"target < 300 ns: {'met' if idle < 300e-9 else 'NOT met'}")


if __name__ == "__main__":
    main()
