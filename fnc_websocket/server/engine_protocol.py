"""The ``websockets`` sans-I/O protocol as the server component drives it (see ``server.engine``,
whose docstring lists every ``websockets`` internal relied on, these included).

:class:`EngineProtocol` checks the UTF-8 of text as it arrives, may leave pings and close
frames to the application (``twsoManualPong``/``twsoManualClose``), reads the body of a plain
HTTP request and reports every failure; :func:`request_body` gives that body.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import BINARY, CLOSE, CONT, PING, TEXT, Close, CloseCode, Frame
from websockets.http11 import Request
from websockets.protocol import CLOSED, CLOSING, OPEN
from websockets.protocol import CONNECTING as CONNECTING_STATE
from websockets.server import ServerProtocol

from fnc_websocket.messages import Utf8FragmentDecoder, decode_text

if TYPE_CHECKING:
    from fnc_websocket.server.engine import EngineConnection

__all__ = ["DecodedText", "EngineProtocol", "first_offered", "request_body"]


class DecodedText(NamedTuple):
    """A text frame (or a continuation of a text message) with its payload already decoded."""

    frame: Frame
    text: str


_BODY_HEADER = "X-Fnc-Body-Length"


def request_body(engine: EngineConnection, request: Request) -> bytes | None:
    """The body of a plain HTTP request (b"" for none; None when it exceeded the limit and was
    not read); puts its ``Content-Length`` header back in ``request.headers`` (hidden from
    ``Request.parse``, which refuses bodies)."""
    headers = request.headers
    if _BODY_HEADER in headers:
        length = headers[_BODY_HEADER].strip()
        del headers[_BODY_HEADER]
        headers["Content-Length"] = length
    if engine.protocol.body_too_large:
        return None
    return engine.protocol.request_body


class EngineProtocol(ServerProtocol):
    """``ServerProtocol`` that validates text as it arrives and may leave pings unanswered."""

    def __init__(self, *, manual_pong: bool, manual_close: bool, max_body: int,
                 max_message: int, on_fail: Callable[[int, str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._max_message = max_message
        self._manual_pong = manual_pong
        self._manual_close = manual_close
        self._on_fail = on_fail
        self._fail_reported = False
        self._max_body = max_body
        self._body_length = 0
        self.request_body = b""
        self.body_too_large = 0  # the Content-Length of a refused body
        self._upgrade_asked = False
        self.plain_request_complete = False  # a plain HTTP request was read whole
        self.ignored_bytes = 0  # bytes after it (a pipelined request, a refused body)
        # Read plain HTTP bodies: wrap read_line, then restart the handshake parser (it started
        # in the base __init__ and already looked read_line up; no data has been fed yet).
        self._read_line = self.reader.read_line
        self.reader.read_line = self._read_line_and_body  # type: ignore[method-assign]
        self.parser = self.parse()
        next(self.parser)
        self._utf8 = Utf8FragmentDecoder()  # of the fragmented text message being received
        self._in_text = False

    def receive_data(self, data: bytes | bytearray) -> None:
        if self.plain_request_complete and self.state is CONNECTING_STATE:
            # After a plain HTTP request, nothing more is read: it is answered with
            # "Connection: close", so a pipelined request or a refused body is not parsed.
            self.ignored_bytes += len(data)
            return
        super().receive_data(data)

    def recv_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        limit = self._max_message
        if limit and opcode in (TEXT, BINARY, CONT):
            # The limit applies to the message as the application receives it (decompressed);
            # websockets' own limit is set a little higher, for the compressed frames.
            before = (self.current_size or 0) if opcode is CONT else 0
            if before + len(frame.data) > limit:
                raise PayloadTooBig(len(frame.data), limit - before)
        text: str | None = None
        # Decode only frames in a valid position; the base class rejects the others (1002).
        # A UnicodeDecodeError here makes parse() fail the connection with 1007.
        # (InvalidUTF8 is a UnicodeDecodeError.)
        if opcode is TEXT and self.current_size is None:
            if frame.fin:
                text = decode_text(frame.data)
            else:
                self._in_text = True
                self._utf8.reset()
                text = self._utf8.decode(frame.data, False)
        elif opcode is BINARY and self.current_size is None:
            self._in_text = False
        elif opcode is CONT and self.current_size is not None and self._in_text:
            text = self._utf8.decode(frame.data, frame.fin)
            if frame.fin:
                self._in_text = False
        if opcode is PING and self._manual_pong:
            self.events.append(frame)  # the application answers (twsoManualPong)
            return
        if opcode is CLOSE and self._manual_close and self.state is OPEN:
            self._close_received_manually(frame)
            return
        super().recv_frame(frame)
        if text is not None:
            self.events[-1] = cast(Any, DecodedText(frame, text))

    def _close_received_manually(self, frame: Frame) -> None:
        # recv_frame's CLOSE branch without the automatic reply (twsoManualClose).
        self.close_rcvd = Close.parse(frame.data)  # ProtocolError for a bad code: 1002
        if self.current_size is not None:
            raise ProtocolError("incomplete fragmented message")
        self.parser = self._discard_after_close()
        next(self.parser)
        self.events.append(frame)

    def _discard_after_close(self) -> Generator[None]:
        # RFC 6455 1.4: after a close frame, further data is discarded. Unlike discard(), this
        # runs before our close frame went out (the application sends it with reply_close).
        while not (yield from self.reader.at_eof()):
            self.reader.discard()
        if not self.eof_sent:
            self.send_eof()
        self.state = CLOSED
        yield
        raise AssertionError("_discard_after_close() shouldn't step after EOF")

    @property
    def awaiting_close_reply(self) -> bool:
        """twsoManualClose: the client's close frame arrived and none was sent yet."""
        return self.state is OPEN and self.close_rcvd is not None and self.close_sent is None

    def reply_close(self, code: int | None, reason: str = "") -> None:
        """Send the application's answer to the client's close frame (twsoManualClose)."""
        if code is None:
            close = Close(CloseCode.NO_STATUS_RCVD, "")
            data = b""
        else:
            close = Close(code, reason)
            data = close.serialize()
        self.send_frame(Frame(CLOSE, data))
        self.close_sent = close
        self.close_rcvd_then_sent = True
        self.state = CLOSING
        self.send_eof()  # a server closes TCP once both close frames went

    def _read_line_and_body(self, m: int, too_long_exc_type: type[Exception] = RuntimeError,
                            ) -> Generator[None, None, bytes | bytearray]:
        line = yield from self._read_line(m, too_long_exc_type)
        if self.state is not CONNECTING_STATE:
            return line
        if line[:11].lower() == b"connection:" and b"upgrade" in line.lower():
            self._upgrade_asked = True
        if line[:15].lower() == b"content-length:":
            try:
                length = int(line[15:].strip())
            except ValueError:
                raise ValueError(f"invalid Content-Length: {line[15:].strip()!r}") from None
            if length < 0:
                raise ValueError(f"invalid Content-Length: {length}")
            if self._max_body and length > self._max_body:
                self.body_too_large = length  # not read; the request is answered 413
            else:
                self._body_length = length
            return _BODY_HEADER.encode() + b":" + line[15:]  # keep Request.parse quiet
        if line in (b"\r\n", b"\n"):
            if self._body_length and not self.body_too_large:
                self.request_body = bytes((yield from self.reader.read_exact(self._body_length)))
                self._body_length = 0
            if self.body_too_large or not self._upgrade_asked:
                # Answered at once (a 413 without reading the body); what follows is ignored.
                self.plain_request_complete = True
                self.ignored_bytes += len(self.reader.buffer)
                del self.reader.buffer[:]
        return line

    def fail(self, code: int, reason: str = "") -> None:
        super().fail(code, reason)
        if not self._fail_reported:
            self._fail_reported = True
            self._on_fail(int(code), reason)


def first_offered(_protocol: ServerProtocol, offered: Sequence[str]) -> str | None:
    # TMS echoes the requested subprotocol; echoing the first offered one is the valid form.
    return offered[0] if offered else None
