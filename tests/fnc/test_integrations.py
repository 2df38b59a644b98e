"""Event-loop adapters deliver queued events without manual pumping (asyncio, Tk, Qt)."""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import subprocess
import threading

import pytest

from fnc import Event, TComponent, TThread, TTimer


class TSource(TComponent):
    OnData = Event("Sender", "AValue")

    def fnc_event_queue(self):
        return self.home_queue


def fire_from_worker(src: TSource, values) -> threading.Thread:
    t = threading.Thread(target=lambda: [src.fire("OnData", v) for v in values])
    t.start()
    return t


# -- asyncio ---------------------------------------------------------------------------------

def test_asyncio_delivers_events_timers_and_delayed_calls():
    from fnc.integrations import asyncio as fnc_asyncio

    async def main():
        fnc_asyncio.install()
        src = TSource(None)
        got = []
        src.OnData = lambda s, v: got.append((v, threading.current_thread().name))
        worker = fire_from_worker(src, range(100))
        assert await fnc_asyncio.wait_until(lambda: len(got) == 100, timeout=5)
        worker.join(5)
        assert [v for v, _ in got] == list(range(100))
        assert {name for _, name in got} == {threading.current_thread().name}

        late = []
        threading.Thread(target=lambda: TThread.ForceQueue(lambda: late.append(1),
                                                           delay_ms=30)).start()
        assert await fnc_asyncio.wait_until(lambda: late, timeout=5)

        ticks = []
        timer = TTimer(None, Interval=5)
        timer.OnTimer = lambda s: ticks.append(1)
        assert await fnc_asyncio.wait_until(lambda: len(ticks) >= 3, timeout=5)
        timer.Free()

        waiter = asyncio.ensure_future(fnc_asyncio.wait_for_event(src, "OnData", timeout=5))
        await asyncio.sleep(0)  # let the waiter subscribe
        fire_from_worker(src, ["x"]).join(5)
        assert await waiter == (src, "x")
        with pytest.raises(TimeoutError, match="OnData"):
            await fnc_asyncio.wait_for_event(src, "OnData", timeout=0.02)

        fnc_asyncio.uninstall()
        fire_from_worker(src, ["after"]).join(5)
        assert got[-1][0] == "x"  # "after" is no longer delivered through the loop ...
        src.Free()               # ... and dropped with the component

    asyncio.run(main())


# -- Tk --------------------------------------------------------------------------------------

@pytest.fixture
def x_display():
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Tk test needs an X display: no DISPLAY set and Xvfb is not installed "
                    "(apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-nolisten", "tcp",
                             "-screen", "0", "640x480x24"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], 10)
        if not ready:
            pytest.fail("Xvfb did not report a display within 10 s")
        number = os.read(read_fd, 32).decode().strip()
        display = f":{number}"
        os.environ["DISPLAY"] = display
        yield display
    finally:
        os.environ.pop("DISPLAY", None)
        os.close(read_fd)
        proc.terminate()
        proc.wait(5)


def test_tk_delivers_events(x_display):
    tkinter = pytest.importorskip("tkinter")
    from fnc.integrations import tk as fnc_tk

    root = tkinter.Tk()
    try:
        adapter = fnc_tk.install(root)
        src = TSource(None)
        got = []
        src.OnData = lambda s, v: got.append((v, threading.current_thread().name))
        worker = fire_from_worker(src, range(20))
        assert fnc_tk.process_until(root, lambda: len(got) == 20, timeout=5)
        worker.join(5)
        assert [v for v, _ in got] == list(range(20))
        assert {name for _, name in got} == {"MainThread"}
        adapter.uninstall()
        src.Free()
    finally:
        root.destroy()


# -- Qt --------------------------------------------------------------------------------------

def test_qt_delivers_events_and_timers():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qtcore = pytest.importorskip("PySide6.QtCore", reason="PySide6 (the qt extra) not installed")
    from fnc.integrations import qt as fnc_qt

    app = qtcore.QCoreApplication.instance() or qtcore.QCoreApplication([])
    adapter = fnc_qt.install()
    try:
        src = TSource(None)
        got = []
        src.OnData = lambda s, v: got.append((v, threading.current_thread().name))
        worker = fire_from_worker(src, range(50))
        assert fnc_qt.process_until(lambda: len(got) == 50, timeout=5)
        worker.join(5)
        assert [v for v, _ in got] == list(range(50))
        assert {name for _, name in got} == {"MainThread"}

        late = []
        threading.Thread(target=lambda: TThread.ForceQueue(lambda: late.append(1),
                                                           delay_ms=20)).start()
        assert fnc_qt.process_until(lambda: late, timeout=5)
        src.Free()
    finally:
        adapter.uninstall()
    assert app is not None
