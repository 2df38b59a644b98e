"""The ``fnc-ws`` command line: one module per command; ``main`` is the entry point."""

from fnc_websocket.cli.main import main

__all__ = ["main"]
