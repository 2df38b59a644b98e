"""The client's outgoing side: masked frames (websocket-client's ``ABNF``) and the bounded queue.

Every send of the component or its connection is encoded on the caller's thread into masked
frames and handed to :class:`OutgoingQueue`; the caller never waits for the network. The queue
holds at most ``SendQueueLimit`` bytes of message payload (``EWebSocketClientSendQueueFull``
beyond, and nothing of that message is queued). When the queue is idle and the socket is a
plain TCP socket, the caller writes the frames at once with a non-blocking ``send`` (whatever
the kernel does not take is queued): no thread hop for the common case. Everything else is
written by the worker, which polls for writability.

Control frames (pongs, heartbeat pings, a close that fails the connection) go out before queued
message frames, between two frames of a message, never inside a frame. A close asked for by the
application (``Disconnect``, ``SendClose``) goes after the messages queued before it; nothing is
queued after a close.

Masking: websocket-client's ``ABNF`` builds each frame; its masking step is replaced by the
package's ``apply_mask`` (the C masker of ``websockets.speedups``, 8 bytes per step), the fastest
correct path measured, and keys come from ``os.urandom`` in batches. A payload from 64 KiB up
is masked a piece at a time as the socket takes it (:class:`MaskedBody`), never copied whole.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from websocket import ABNF

from fnc_websocket._payload import apply_mask
from fnc_websocket.connection import frame_payload_sizes
from fnc_websocket.errors import EWebSocketClientClosed, EWebSocketClientSendQueueFull
from fnc_websocket.messages import OP_CLOSE, OP_CONT
from fnc_websocket.types import SErrCloseSent

__all__ = ["OutgoingQueue", "encode_frame", "encode_message"]

_BytesLike = bytes | bytearray | memoryview
_WOULD_BLOCK = (BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError)


_keys: deque[bytes] = deque()  # 4-byte masking keys, drawn from os.urandom 4 KiB at a time


_SPLIT_AT = 65536  # payloads from this size are masked a piece at a time as they are written
_PIECE = 65536  # (a multiple of 4: each piece starts at the key's first byte)


class MaskedBody:
    """A large frame's payload, masked one piece at a time as the socket takes it.

    No masked copy of the whole payload is made: a fresh buffer of megabytes costs the process
    page faults on every message, while pieces of 64 KiB reuse the same heap memory. The
    payload is kept as given, so it must not change (``encode_frame`` copies a mutable one).
    """

    __slots__ = ("_key", "_pos", "_view")

    def __init__(self, payload: bytes, key: bytes) -> None:
        self._view = memoryview(payload)
        self._key = key
        self._pos = 0

    def next_piece(self) -> bytes | None:
        """The next masked piece, or None when all went."""
        pos = self._pos
        if pos >= len(self._view):
            return None
        self._pos = pos + _PIECE
        return apply_mask(self._view[pos:pos + _PIECE], self._key)


class _Frame(ABNF):
    """websocket-client's frame, masked with the package's C masker. With ``split``, format()
    returns only the header and key, and ``body`` masks the payload piece by piece."""

    body: MaskedBody | None = None
    split = False

    def _get_masked(self, mask_key: Any) -> bytes:
        if self.split:
            self.body = MaskedBody(self.data, mask_key)
            return mask_key
        return mask_key + apply_mask(self.data, mask_key)


def _mask_key(n: int) -> bytes:
    """A fresh masking key of ``n`` bytes (websocket-client asks for 4 per frame: those come
    from the pool). Any thread: ``popleft`` is atomic, and two threads refilling at once only
    draw more keys."""
    if n != 4:
        return os.urandom(n)
    try:
        return _keys.popleft()
    except IndexError:
        pool = os.urandom(4096)
        _keys.extend(pool[i:i + 4] for i in range(4, 4096, 4))
        return pool[:4]


Frame = bytes | tuple[bytes, MaskedBody]
"""An encoded frame: its bytes, or (header with key, payload masked as written) for a large
payload."""


def encode_frame(opcode: int, payload: _BytesLike, fin: bool = True) -> Frame:
    """One masked client frame. A large payload is neither copied into one buffer with its
    header nor masked as a whole: it is masked piece by piece as it is written (a mutable one
    is copied first, so that what is sent is what it held now)."""
    large = len(payload) >= _SPLIT_AT
    if large and type(payload) is not bytes:
        payload = bytes(payload)
    frame = _Frame(1 if fin else 0, 0, 0, 0, opcode, 1, payload)
    frame.get_mask_key = _mask_key
    if not large:
        return frame.format()
    frame.split = True
    head = frame.format()
    assert frame.body is not None
    return head, frame.body


def _is_close(frame: Frame) -> bool:
    first = frame[0] if isinstance(frame, tuple) else frame
    return first[0] & 0x0F == OP_CLOSE


def encode_message(opcode: int, payload: _BytesLike, frame_size: int) -> list[Frame]:
    """The frames of one message: one frame, or frames of ``frame_size`` bytes header
    included (``SplitMessage``/``Send...InMultipleFrames``)."""
    if not frame_size:
        return [encode_frame(opcode, payload)]
    sizes = frame_payload_sizes(len(payload), frame_size, masked=True)
    view = memoryview(payload).cast("B") if not isinstance(payload, bytes) else payload
    frames: list[Frame] = []
    offset = 0
    last = len(sizes) - 1
    for i, size in enumerate(sizes):
        frames.append(encode_frame(opcode if i == 0 else OP_CONT, view[offset:offset + size],
                                   i == last))
        offset += size
    return frames


class OutgoingQueue:
    """Frames waiting for the socket; see the module docstring. Thread-safe.

    ``wake`` is called (outside the lock) when the worker must start writing. ``size`` is the
    payload bytes of queued messages (``SendQueueSize``).
    """

    def __init__(self, limit: int, wake: Callable[[], None]) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self._wake = wake
        self._sock: Any = None
        self._direct = False
        self._control: deque[tuple[Frame, int]] = deque()  # (frame, bytes counted)
        self._data: deque[tuple[Frame, int]] = deque()  # (frame, payload bytes it releases)
        self._close_after: bytes | None = None  # the application's close, after the data
        self._current: list[memoryview] | None = None  # the frame being written, in parts
        self._body: MaskedBody | None = None  # the current frame's pieces still to mask
        self._current_size = 0
        self._current_is_close = False
        self.size = 0
        self.close_queued = False
        self.close_written = False

    def attach(self, sock: Any, direct: bool) -> None:
        """The connection is open: frames go to ``sock``; callers write at once when
        ``direct`` (a plain TCP socket)."""
        with self.lock:
            self._sock = sock
            self._direct = direct

    # -- producers (any thread) ------------------------------------------------------------

    def put_message(self, frames: list[Frame], size: int) -> None:
        """Queue one message's frames (``size`` payload bytes). Raises
        ``EWebSocketClientSendQueueFull`` (nothing queued) or ``EWebSocketClientClosed``."""
        with self.lock:
            if self.close_queued:
                raise EWebSocketClientClosed(SErrCloseSent)
            self._check_room(size)
            idle = self._idle()
            direct = idle and self._direct
            if direct and len(frames) == 1 and type(frames[0]) is bytes:
                # the common case, kept short: a one-frame message written at once
                frame = frames[0]
                try:
                    n = self._sock.send(frame)
                except (*_WOULD_BLOCK, OSError):  # a socket error is left for the worker
                    n = 0
                if n == len(frame):
                    return
                self.size += size
                self._current = [memoryview(frame)[n:]]
                self._current_size = size
                self._current_is_close = False
            else:
                last = len(frames) - 1
                items = ([(frames[0], size)] if not last
                         else [(frame, size if i == last else 0)
                               for i, frame in enumerate(frames)])
                self.size += size
                if direct:
                    if self._send_direct(items):
                        return
                else:
                    self._data.extend(items)
        if idle:
            self._wake()

    def put_control(self, frame: bytes, replace_pong: bool = False, user: bool = False) -> None:
        """Queue a control frame ahead of message frames (dropped after a close went out).
        ``replace_pong``: an automatic pong replaces one still waiting (answer the latest).
        ``user``: the application's ``Ping``/``Pong``, counted against the limit (its frame
        bytes) like a message; the worker's own pongs and pings are not."""
        with self.lock:
            if self.close_written:
                if user:
                    raise EWebSocketClientClosed(SErrCloseSent)
                return
            idle = self._idle()
            size = len(frame) if user else 0
            self._check_room(size)
            self.size += size
            if idle and self._direct:
                if self._send_direct([(frame, size)]):
                    return
            elif (replace_pong and self._control and isinstance(self._control[-1][0], bytes)
                  and self._control[-1][0][0] & 0x0F == 0xA):
                self._control[-1] = (frame, 0)
            else:
                self._control.append((frame, size))
        if idle:
            self._wake()

    def put_close(self, frame: bytes, after_data: bool) -> bool:
        """Queue our close frame: after the queued messages (``after_data``), or before them
        (failing the connection, answering the peer's close: the messages are dropped).
        False when a close was already queued."""
        with self.lock:
            if self.close_queued:
                return False
            self.close_queued = True
            idle = self._idle()
            if idle and self._direct:
                if self._send_direct([(frame, 0)]):
                    return True
            elif after_data:
                self._close_after = frame
            else:
                self._control.append((frame, 0))
                self._drop_data()
        if idle:
            self._wake()
        return True

    def _check_room(self, size: int) -> None:
        if size and self.size + size > self.limit:
            raise EWebSocketClientSendQueueFull(
                f"the send queue is full: {self.size} bytes wait and this message adds {size}, "
                f"above SendQueueLimit ({self.limit} bytes); the server reads too slowly or not "
                "at all", self.limit, self.size)

    # -- the worker ----------------------------------------------------------------------------

    def pending(self) -> bool:
        """True while something waits to be written. Read without the lock: a stale answer is
        harmless (a producer that finds the queue idle writes itself or wakes the worker)."""
        return not self._idle()

    def write(self) -> bool:
        """Write what the socket takes now; True when nothing is left. Raises ``OSError``."""
        with self.lock:
            return self._write_locked()

    def discard(self) -> None:
        """The connection ended: drop everything."""
        with self.lock:
            self._control.clear()
            self._drop_data()
            self._close_after = None
            self._current = None
            self._body = None
            self.size = 0
            self.close_queued = True

    # -- internals (under the lock) -------------------------------------------------------------

    def _idle(self) -> bool:
        return (self._current is None and not self._control and not self._data
                and self._close_after is None)

    def _drop_data(self) -> None:
        self._data.clear()
        self.size = ((self._current_size if self._current is not None else 0)
                     + sum(size for _frame, size in self._control))

    def _next(self) -> bool:
        if self._control:
            frame, size = self._control.popleft()
        elif self._data:
            frame, size = self._data.popleft()
        elif self._close_after is not None:
            frame, size = self._close_after, 0
            self._close_after = None
        else:
            return False
        self._start(frame, size)
        return True

    def _start(self, frame: Frame, size: int) -> None:
        # The frame to write next: its parts (a large one's body then gives a piece at a time).
        if isinstance(frame, tuple):
            head, body = frame
            self._current = [memoryview(head)]
            self._body = body
        else:
            self._current = [memoryview(frame)]
            self._body = None
        self._current_size = size
        self._current_is_close = _is_close(frame)

    def _send_direct(self, items: list[tuple[Frame, int]]) -> bool:
        """A caller's write on an idle queue (under the lock), before anything is queued, so
        the worker never sees these frames pending; what the socket does not take is queued.
        True when everything went out. A socket error is left for the worker to report."""
        if len(items) == 1 and isinstance(items[0][0], bytes):  # the common case, kept short
            frame, size = items[0]
            try:
                n = self._sock.send(frame)
            except (*_WOULD_BLOCK, OSError):
                n = 0
            self._current = [memoryview(frame)[n:]] if n < len(frame) else None
            self._current_size = size
            self._current_is_close = frame[0] & 0x0F == OP_CLOSE
            if self._current is not None:
                return False
            self._frame_written()
            return True
        for i, (frame, size) in enumerate(items):
            self._start(frame, size)
            try:
                done = self._write_current()
            except OSError:
                done = False
            if not done:
                self._data.extend(items[i + 1:])
                return False
            if self._frame_written():
                return True
        return True

    def _write_current(self) -> bool:
        """Write the current frame's parts; True when all went out. Raises ``OSError``."""
        parts = self._current
        assert parts is not None
        sock = self._sock
        while True:
            if len(parts) < 2 and self._body is not None:
                piece = self._body.next_piece()
                if piece is None:
                    self._body = None
                else:
                    parts.append(memoryview(piece))
            if not parts:
                return True
            try:
                # a plain socket takes header and body in one call; TLS one part at a time
                n = (sock.sendmsg(parts) if len(parts) > 1 and self._direct
                     else sock.send(parts[0]))
            except _WOULD_BLOCK:
                return False
            while n:
                if n >= len(parts[0]):
                    n -= len(parts.pop(0))
                else:
                    parts[0] = parts[0][n:]
                    n = 0

    def _frame_written(self) -> bool:
        """The current frame went out: release its bytes; True when it was our close."""
        self._current = None
        self._body = None
        self.size -= self._current_size
        self._current_size = 0
        if self._current_is_close:
            self._closed_now()
            return True
        return False

    def _closed_now(self) -> None:
        self.close_written = True
        self._control.clear()
        self._drop_data()
        self._close_after = None

    def _write_locked(self) -> bool:
        if self._sock is None:
            return self._idle()
        while True:
            if self._current is None and not self._next():
                return True
            if not self._write_current():
                return False
            if self._frame_written():
                return True
