"""What the client's worker does with the bytes it reads: websocket-client's parser, then messages.

:class:`IncomingFrames` belongs to one worker and runs on its thread. websocket-client's frame
parser (its ``frame_buffer`` class: header, length, RSV bits, opcodes, close-frame rules) gets a
buffered reader (:class:`_BufferedFrames` replaces its ``recv_strict``): each ``recv`` of the
socket returns a whole burst (up to 256 KiB) and the parser takes its frames out of it, so small
pipelined messages cost no syscall each; the parser's state survives the end of a burst, and a
frame's declared length is checked against ``MaxMessageSize`` as soon as its header is in,
before its payload is buffered.

Each frame then goes through :mod:`fnc_websocket.messages`: control frames (never fragmented, at
most 125 bytes; a masked frame is refused), fragment order, linear reassembly, strict UTF-8.
Pings are answered (unless ``twsoManualPong``), the server's close is answered (unless
``twsoManualClose``), and every message and control frame becomes a
:class:`~fnc_websocket.messages.Received` item for the worker. A violation fails the connection
with 1002, 1007 or 1009 (:func:`client_error` names the ``EWebSocketClient`` subclass).
"""

from __future__ import annotations

import ssl
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

import websocket
from websocket import frame_buffer

from fnc_websocket.client.outgoing import encode_frame
from fnc_websocket.errors import (
    EWebSocketClient,
    EWebSocketClientInvalidPayload,
    EWebSocketClientMessageTooBig,
    EWebSocketClientProtocolError,
)
from fnc_websocket.messages import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    InvalidUTF8,
    MessageError,
    MessageTooBig,
    Reassembler,
    Received,
    check_control_frame,
    parse_close,
)
from fnc_websocket.types import CLOSE_NO_STATUS, twsoFrameByFrame, twsoManualClose, twsoManualPong

if TYPE_CHECKING:
    from fnc_websocket.client.worker import ClientWorker

__all__ = ["END", "LIMIT", "Inbox", "IncomingFrames", "client_error"]

_BURST = 64 * 1024  # bytes one recv may return (a larger buffer is mmap-ed per call: slow)


class _NeedData(Exception):
    """The burst is used up: websocket-client's parser resumes with the next one."""


class _BufferedFrames(frame_buffer):
    """websocket-client's frame parser with a buffered reader: ``recv_strict`` (the parser's
    only way to get bytes) cuts them out of the current burst. When a burst ends inside a
    header or payload, the bytes so far wait in ``_partial`` and :class:`_NeedData` stops the
    parser; its state (header, length, mask) survives, and the next burst completes the same
    ``recv_strict`` call. Everything else (header bits, lengths, RSV, opcodes, close rules) is
    websocket-client's."""

    def __init__(self) -> None:
        super().__init__(self._no_recv, skip_utf8_validation=True)
        self._buf = b""
        self._pos = 0
        self._partial: list[bytes] | None = None  # the pieces of an unfinished read
        self._partial_size = 0

    @staticmethod
    def _no_recv(_bufsize: int) -> bytes:
        raise _NeedData

    def feed(self, data: bytes) -> None:
        self._buf = data
        self._pos = 0

    def used_up(self) -> bool:
        """True when the burst has no byte left for the next frame."""
        return self._partial is None and self._pos >= len(self._buf)

    def recv_strict(self, bufsize: int) -> bytes:
        pos = self._pos
        buf = self._buf
        partial = self._partial
        if partial is None:
            end = pos + bufsize
            if end <= len(buf):
                self._pos = end
                return buf[pos:end]  # (the whole burst: the same object, not a copy)
            if pos < len(buf):
                self._partial = [buf[pos:] if pos else buf]
                self._partial_size = len(buf) - pos
                self._pos = len(buf)
            raise _NeedData
        need = bufsize - self._partial_size
        take = buf if pos == 0 and need >= len(buf) else buf[pos:pos + need]
        partial.append(take)
        self._partial_size += len(take)
        self._pos = pos + len(take)
        if self._partial_size < bufsize:
            raise _NeedData
        self._partial = None
        return b"".join(partial)


class IncomingFrames:
    """Bytes in, :class:`Received` items out, for one worker; see the module docstring."""

    def __init__(self, worker: ClientWorker) -> None:
        options = worker.settings.options
        self._worker = worker
        self._reassembler = Reassembler(worker.settings.max_message_size,
                                        twsoFrameByFrame in options)
        self._manual_pong = twsoManualPong in options
        self._manual_close = twsoManualClose in options
        self._frames = _BufferedFrames()

    def attach(self, ws: websocket.WebSocket) -> None:
        """Parse ``ws``'s frames with its parser class, fed from our bursts."""
        ws.frame_buffer = self._frames

    def read_burst(self, sock: Any) -> bool:
        """Read what the socket has (one recv per burst) and handle the frames in it; True
        when more may be waiting (read again without waiting: TLS may hold decrypted bytes
        that poll cannot see). Raises ``EOFError`` when the server closed TCP, ``OSError``
        when the socket broke."""
        worker = self._worker
        for _ in range(64):
            try:
                data = sock.recv(_BURST)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError,
                    ssl.SSLWantWriteError):
                return False
            if not data:
                raise EOFError
            if worker.failing:
                continue  # failing: discard until the server closes
            self._frames.feed(data)
            self._parse()
            if not worker.tls and len(data) < _BURST:
                return False  # a plain socket had no more
        return True

    def _parse(self) -> None:
        frames = self._frames
        worker = self._worker
        try:
            while True:
                try:
                    frame = frames.recv_frame()
                except _NeedData:
                    if frames.header is not None and frames.length is not None:
                        opcode = frames.header[4]
                        if opcode >= 0x8:
                            check_control_frame(opcode, True, frames.length)
                        else:
                            self._reassembler.check_header(opcode, frames.length)
                    return
                self._on_frame(frame)
                if worker.failing or frames.used_up():
                    return
        except (MessageError, InvalidUTF8, websocket.WebSocketProtocolException) as exc:
            worker.fail(client_error(exc))

    def _on_frame(self, frame: Any) -> None:
        worker = self._worker
        opcode = frame.opcode
        data = frame.data
        if frame.mask_value:
            raise websocket.WebSocketProtocolException("the server sent a masked frame")
        if opcode < 0x8:
            if not worker.peer_closed:
                item = self._reassembler.feed(opcode, bool(frame.fin), data)
                if item is not None:
                    worker.received(item)
            return
        check_control_frame(opcode, bool(frame.fin), len(data))
        queue = worker.queue
        if opcode == OP_PING:
            if not self._manual_pong and not worker.peer_closed:
                queue.put_control(encode_frame(OP_PONG, data), replace_pong=True)
            worker.received(Received("PingReceived", (data,)))
        elif opcode == OP_PONG:
            worker.pong_deadline = None
            worker.received(Received("PongReceived", (data,)))
        elif not worker.peer_closed:
            code, reason = parse_close(data)
            worker.peer_closed = True
            worker.close_code, worker.close_reason = code, reason
            if not queue.close_queued and not self._manual_close:
                reply = b"" if code == CLOSE_NO_STATUS else data[:2]
                queue.put_close(encode_frame(OP_CLOSE, reply), after_data=False)
                worker.conn._close_sent = True
            worker.received(Received("CloseReceived", (data,)))
            if queue.close_queued:
                worker.expect_eof()


def client_error(exc: BaseException) -> EWebSocketClient:
    """The ``OnError`` cause for what the server sent wrong (its ``CloseCode``: 1002/1007/1009)."""
    text = str(exc).replace("the peer", "the server", 1)
    if isinstance(exc, InvalidUTF8):
        return EWebSocketClientInvalidPayload(
            f"the server sent a text message that is not valid UTF-8 ({exc.reason} at byte "
            f"{exc.position})")
    if isinstance(exc, MessageTooBig):
        return EWebSocketClientMessageTooBig(text)
    if isinstance(exc, websocket.WebSocketProtocolException):
        return EWebSocketClientProtocolError(f"the server broke RFC 6455: {text}")
    return EWebSocketClientProtocolError(text)


# -- manual mode (AutoCheckMessages = False): items waiting for CheckIncoming ------------------

LIMIT = 16 * 1024 * 1024
"""Payload bytes waiting above which the worker stops reading."""

END = Received("", ())
"""The item that says the connection ended."""


class Inbox:
    """Items read by the worker, for the caller of ``CheckIncoming`` (thread-safe)."""

    def __init__(self) -> None:
        self._items: deque[Received] = deque()
        self._ready = threading.Condition()
        self.size = 0
        """Payload bytes waiting (read without the lock by the worker: a stale value only
        delays its next read)."""

    @property
    def full(self) -> bool:
        return self.size >= LIMIT

    def put(self, item: Received) -> None:
        with self._ready:
            self._items.append(item)
            self.size += sum(len(a) for a in item.args if isinstance(a, (str, bytes)))
            self._ready.notify_all()

    def take(self, timeout: float) -> list[Received]:
        """Every waiting item, after waiting at most ``timeout`` s for the first."""
        with self._ready:
            if not self._items:
                self._ready.wait(timeout)
            items = list(self._items)
            self._items.clear()
            self.size = 0
            return items
