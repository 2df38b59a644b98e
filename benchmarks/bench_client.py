"""Benchmark: TTMSFNCWebsocketClient against raw websocket-client and the ``websockets`` sync
client, same echo server, one run.

    python benchmarks/bench_client.py            # full run
    python benchmarks/bench_client.py --quick    # smaller counts (a smoke run)

The echo server (the ``websockets`` package, asyncio) runs in a separate process so that it
does not compete with the client under test for the GIL. Measurements (issue 3):

(a) sequential round trips of a 32-byte text message; ours sends the next message from
    ``OnMessageReceived`` on the home thread, raw websocket-client does send/recv in a loop;
    (a') the same with ``AutoSyncEvents = False`` (handler on the worker: no hop to the home
    thread), which isolates the engine from the event marshaling;
(b) 100,000 pipelined 32-byte messages (ours: sent from the home thread, echoes counted in
    ``OnMessageReceived``; raw: one thread sends while the main thread receives);
(c) 1 MiB binary echo, (d) 1 MiB text echo, sequential round trips, in MB/s (payload both ways
    counted once);
(e) the same four with the ``websockets`` package's sync client as the baseline (reported).

Each figure is the best of ``--repeat`` interleaved rounds, and its ratio ("vs ws-client") is
the one the targets apply to. Beside it, "(median pair)" is the median of the per-round ratios:
on a shared 2-core machine one lucky round of either side moves the best-of ratio by 10-20 %.

Our client runs on websocket-client too (its ``WebSocket`` parses frames through a buffered
reader; frames are masked by the C masker of ``websockets.speedups``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websocket
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as websockets_connect

from fnc.application import Application
from fnc_websocket.client.component import TTMSFNCWebsocketClient

SERVER_CODE = """
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0, max_size=None, compression=None,
                     ping_interval=None, write_limit=2**22) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""

SMALL = "x" * 32
MIB = 1024 * 1024


def start_server() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER_CODE], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def interleaved(repeat: int, fns: list[Callable[[], float]]) -> list[list[float]]:
    """The times of each of ``fns``, run in turn ``repeat`` times (raw, websockets, ours,
    raw, ...): a machine whose load changes during the run affects them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            times[i].append(fn())
    return times


def median_pair_ratio(base: list[float], ours: list[float]) -> float:
    """The median over the rounds of base time / our time, each round's two runs taken side
    by side: a second view of the ratio, less swayed by one lucky run than best-of."""
    return statistics.median(b / o for b, o in zip(base, ours, strict=True))


# -- raw websocket-client -------------------------------------------------------------------------

def raw_connect(port: int) -> websocket.WebSocket:
    ws = websocket.WebSocket()
    ws.connect(f"ws://127.0.0.1:{port}/", timeout=30)
    return ws


def raw_round_trips(port: int, n: int) -> float:
    ws = raw_connect(port)
    t0 = time.perf_counter()
    for _ in range(n):
        ws.send(SMALL)
        ws.recv()
    dt = time.perf_counter() - t0
    ws.close()
    return dt


def _pipelined(ws: Any, n: int) -> float:
    """Seconds for ``n`` small messages sent by a second thread and received here (a blocking
    client with ``send`` and ``recv``: raw websocket-client or websockets' sync client)."""

    def sender() -> None:
        for _ in range(n):
            ws.send(SMALL)

    t0 = time.perf_counter()
    thread = threading.Thread(target=sender)
    thread.start()
    for _ in range(n):
        ws.recv()
    dt = time.perf_counter() - t0
    thread.join(30)
    return dt


def raw_pipelined(port: int, n: int) -> float:
    ws = raw_connect(port)
    try:
        return _pipelined(ws, n)
    finally:
        ws.close()


def raw_big(port: int, payload: bytes | str, n: int) -> float:
    ws = raw_connect(port)
    t0 = time.perf_counter()
    for _ in range(n):
        if isinstance(payload, str):
            ws.send(payload)
        else:
            ws.send_binary(payload)
        ws.recv()
    dt = time.perf_counter() - t0
    ws.close()
    return dt


# -- the websockets sync client --------------------------------------------------------------------

def wsl_connect(port: int) -> ClientConnection:
    return websockets_connect(f"ws://127.0.0.1:{port}/", max_size=None, compression=None,
                              open_timeout=30)


def wsl_round_trips(port: int, n: int) -> float:
    with wsl_connect(port) as ws:
        t0 = time.perf_counter()
        for _ in range(n):
            ws.send(SMALL)
            ws.recv()
        return time.perf_counter() - t0


def wsl_pipelined(port: int, n: int) -> float:
    with wsl_connect(port) as ws:
        return _pipelined(ws, n)


def wsl_big(port: int, payload: bytes | str, n: int) -> float:
    with wsl_connect(port) as ws:
        t0 = time.perf_counter()
        for _ in range(n):
            ws.send(payload)
            ws.recv()
        return time.perf_counter() - t0


# -- ours -----------------------------------------------------------------------------------------

class Ours:
    def __init__(self, port: int, auto_sync: bool = True) -> None:
        self.received = 0
        self.target = 0
        self.echo: Callable[[object], None] | None = None
        self.connected = threading.Event()
        self.done = threading.Event()
        self.auto_sync = auto_sync
        client = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=port,
                                        MaxMessageSize=0, AutoSyncEvents=auto_sync)
        client.OnConnect = lambda Sender, AConnection: self.connected.set()
        client.OnMessageReceived = self._on_message
        client.OnBinaryDataReceived = self._on_binary
        client.Connect()
        if not Application.ProcessMessagesUntil(self.connected.is_set, timeout=10):
            raise RuntimeError("no OnConnect")
        self.client = client

    def _on_message(self, Sender: object, AConnection: object, AMessage: str) -> None:
        self.received += 1
        if self.echo is not None and self.received < self.target:
            self.echo(AMessage)
        elif self.received >= self.target:
            self.done.set()

    def _on_binary(self, Sender: object, AConnection: object, AData: bytes,
                   AFrameType: object) -> None:
        self._on_message(Sender, AConnection, AData)  # type: ignore[arg-type]

    def run(self, first: Callable[[], None], n: int, resend: bool) -> float:
        self.received = 0
        self.target = n
        self.done.clear()
        self.echo = self.client.Send if resend else None
        t0 = time.perf_counter()
        first()
        if self.auto_sync:
            ok = Application.ProcessMessagesUntil(lambda: self.received >= n, timeout=300)
        else:  # the handler runs on the worker: wait for it without pumping
            ok = self.done.wait(300)
        if not ok:
            raise RuntimeError(f"only {self.received} of {n} echoes")
        return time.perf_counter() - t0

    def close(self) -> None:
        self.client.Disconnect()
        self.client.Free()


def ours_round_trips(port: int, n: int) -> float:
    ours = Ours(port)
    try:
        return ours.run(lambda: ours.client.Send(SMALL), n, resend=True)
    finally:
        ours.close()


def ours_round_trips_on_worker(port: int, n: int) -> float:
    """(a) with ``AutoSyncEvents = False``: the handler (and its Send) runs on the worker, so
    the figure shows the engine without the hop to the home thread."""
    ours = Ours(port, auto_sync=False)
    try:
        return ours.run(lambda: ours.client.Send(SMALL), n, resend=True)
    finally:
        ours.close()


def ours_pipelined(port: int, n: int) -> float:
    ours = Ours(port)

    def send_all() -> None:
        send = ours.client.Send
        for _ in range(n):
            send(SMALL)

    try:
        return ours.run(send_all, n, resend=False)
    finally:
        ours.close()


def ours_big(port: int, payload: bytes | str, n: int) -> float:
    ours = Ours(port)
    try:
        return ours.run(lambda: ours.client.Send(payload), n, resend=True)
    finally:
        ours.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    parser.add_argument("--repeat", type=int, default=5, help="best of N runs per figure")
    args = parser.parse_args()
    rt_n = 2000 if args.quick else 5000
    pipe_n = 20000 if args.quick else 100000
    big_n = 20 if args.quick else 50
    repeat = 1 if args.quick else args.repeat
    binary = os.urandom(MIB)
    text = ("0123456789abcdef" * (MIB // 16))

    proc, port = start_server()
    cases: list[tuple[str, str, float, Callable[[Callable[..., float]], float], str]] = [
        ("(a) round trips, 32 B text", "round trips/s", rt_n,
         lambda f: f(port, rt_n), "target >= 0.9"),
        ("(a') (a) with AutoSyncEvents=False", "round trips/s", rt_n,
         lambda f: f(port, rt_n), "(engine only)"),
        (f"(b) {pipe_n:,} pipelined 32 B", "messages/s", pipe_n,
         lambda f: f(port, pipe_n), "target >= 1.0"),
        ("(c) 1 MiB binary echo", "MB/s", big_n * MIB / 1e6,
         lambda f: f(port, binary, big_n), "target >= 1.0"),
        ("(d) 1 MiB text echo", "MB/s", big_n * MIB / 1e6,
         lambda f: f(port, text, big_n), "target >= 80 MB/s"),
    ]
    runners = [(raw_round_trips, wsl_round_trips, ours_round_trips),
               (raw_round_trips, wsl_round_trips, ours_round_trips_on_worker),
               (raw_pipelined, wsl_pipelined, ours_pipelined),
               (raw_big, wsl_big, ours_big), (raw_big, wsl_big, ours_big)]
    rows = []
    try:
        for (name, unit, amount, call, target), fns in zip(cases, runners, strict=True):
            raw_fn, wsl_fn, ours_fn = fns
            raw_t, wsl_t, ours_t = interleaved(
                repeat, [lambda f=f, c=call: c(f) for f in (raw_fn, wsl_fn, ours_fn)])
            rows.append((name, unit, amount / min(raw_t), amount / min(wsl_t),
                         amount / min(ours_t), median_pair_ratio(raw_t, ours_t), target))
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)

    print(f"masking: {websocket_mask_backend()}; websocket-client {websocket.__version__}")
    print(f"{'measurement':<30} {'unit':<14} {'raw ws-client':>14} {'websockets':>11} "
          f"{'ours':>10} {'vs ws-client':>12} {'(median pair)':>13} {'(e) vs websockets':>18}")
    for name, unit, raw_v, wsl_v, ours_v, median, target in rows:
        print(f"{name:<30} {unit:<14} {raw_v:>14,.1f} {wsl_v:>11,.1f} {ours_v:>10,.1f} "
              f"{ours_v / raw_v:>11.2f}x {median:>12.2f}x {ours_v / wsl_v:>17.2f}x  {target}")


def websocket_mask_backend() -> str:
    from fnc_websocket._payload import mask_backend

    raw = "wsaccel" if _has_wsaccel() else "its pure-Python masker"
    return f"ours: websocket-client frames masked by {mask_backend}; raw ws-client: {raw}"


def _has_wsaccel() -> bool:
    import importlib.util

    return importlib.util.find_spec("wsaccel") is not None


if __name__ == "__main__":
    main()
