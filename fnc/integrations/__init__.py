"""Event-loop adapters: deliver a thread's queued fnc calls through an existing event loop.

Install one on the thread that runs the loop (asyncio, Tk or Qt) and the components whose home
is that thread get their marshaled events, timers and ``TThread.Queue`` calls without manual
pumping. See :mod:`fnc.integrations.asyncio`, :mod:`fnc.integrations.tk`,
:mod:`fnc.integrations.qt`.
"""
