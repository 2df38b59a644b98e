"""Sockets the mock server and the recorder share: a listening socket with its accept thread,
and the shutdown helpers.

:class:`Listener` binds ``host:port``, then its accept thread hands every accepted socket to
``on_accept`` (with the timeout ``io_timeout()`` returns at that moment, and Nagle off), which
returns False to end the thread (its owner is stopping). :meth:`Listener.stop_accepting` wakes
the thread at once through a socketpair; :meth:`Listener.join` waits for it (bounded);
:meth:`Listener.close` closes the sockets. The owner keeps its own lock and records: this
module only accepts.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Callable

__all__ = ["Listener", "close_socket", "shutdown_socket"]

_POLL = 1.0
"""Longest wait of the accept thread's ``select`` before it looks at the stop flag again."""


class Listener:
    """A listening TCP socket and the thread that accepts on it (started by :meth:`open`)."""

    def __init__(self, thread_name: str,
                 on_accept: Callable[[socket.socket, tuple[str, int]], bool],
                 io_timeout: Callable[[], float]) -> None:
        self._thread_name = thread_name
        self._on_accept = on_accept
        self._io_timeout = io_timeout
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self.thread: threading.Thread | None = None
        """The accept thread (None before :meth:`open`)."""

    def open(self, host: str, port: int, recv_buffer_size: int | None = None) -> int:
        """Bind and listen, start the accept thread; returns the port bound. OSError (the
        socket closed) when the address cannot be bound."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if recv_buffer_size is not None:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, recv_buffer_size)
            listener.bind((host, port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        bound = listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self.thread = threading.Thread(
            target=self._accept_loop, name=f"{self._thread_name}-{bound}", daemon=True)
        self.thread.start()
        return bound

    def _accept_loop(self) -> None:
        assert self._listener is not None and self._wake_r is not None
        while not self._stopping.is_set():
            readable, _, _ = select.select([self._listener, self._wake_r], [], [], _POLL)
            if self._stopping.is_set() or self._wake_r in readable:
                return
            if self._listener not in readable:
                continue
            try:
                sock, address = self._listener.accept()
            except OSError:
                continue
            sock.settimeout(self._io_timeout())
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if not self._on_accept(sock, address):
                return

    def stop_accepting(self) -> None:
        """Tell the accept thread to end, at once (any thread, idempotent)."""
        self._stopping.set()
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"x")
            except OSError:
                pass

    def join(self, timeout: float) -> str | None:
        """Wait up to ``timeout`` s for the accept thread; its name if still alive, else None."""
        if self.thread is None:
            return None
        self.thread.join(max(0.0, timeout))
        return self.thread.name if self.thread.is_alive() else None

    def close(self) -> None:
        """Close the listening socket and the wake-up pair (after :meth:`join`)."""
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()


def shutdown_socket(sock: socket.socket, how: int = socket.SHUT_RDWR) -> None:
    """Shut ``sock`` down (``how``), ignoring errors, so that a thread blocked on it returns.
    Bypasses ``SSLSocket.shutdown``, which would drop the SSL object."""
    try:
        socket.socket.shutdown(sock, how)
    except OSError:
        pass


def close_socket(sock: socket.socket) -> None:
    """Shut ``sock`` down, then close it, ignoring errors."""
    shutdown_socket(sock)
    try:
        sock.close()
    except OSError:
        pass
