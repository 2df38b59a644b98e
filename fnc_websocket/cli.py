"""The ``fnc-ws`` command line.

Expected failures (bad arguments, refused connections, ports in use, bad form files) print one
line on stderr and exit non-zero; they never print a traceback.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

__all__ = ["main"]


def _demo_component_model(args: argparse.Namespace) -> int:
    """A worker thread fires events; the component's handler receives them on the main thread."""
    from fnc import Application, Event, TComponent

    class TTicker(TComponent):
        OnTick = Event("Sender", "ACount")

        def _fnc_marshals_events(self) -> bool:
            return True

    ticker = TTicker(None, Name="Ticker1")
    received: list[int] = []

    def on_tick(sender: TComponent, count: int) -> None:
        received.append(count)
        print(f"  OnTick({count}) handled on {threading.current_thread().name}")

    ticker.OnTick = on_tick

    def work() -> None:
        for i in range(1, 4):
            print(f"  firing OnTick({i}) on {threading.current_thread().name}")
            ticker.fire("OnTick", i)

    worker = threading.Thread(target=work, name="Worker-1")
    worker.start()
    worker.join(5)
    ok = Application.ProcessMessagesUntil(lambda: len(received) == 3, timeout=5)
    ticker.Free()
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fnc-ws", description="TMS FNC WebSocket for Python")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="show events marshaled from a worker to the main thread")
    demo.set_defaults(run=_demo_component_model)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
