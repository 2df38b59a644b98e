"""One connection of the recording relay: the upgrade passed on, then bytes forwarded both ways
unchanged while a copy of each direction is decoded into recorded events (see ``recorder``)."""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING

import attrs

from fnc_websocket.testing import _handshake
from fnc_websocket.testing._frames import (
    Opcode,
    apply_mask,
    parse_close_payload,
    parse_header,
    split_extended,
)
from fnc_websocket.testing._sockets import close_socket
from fnc_websocket.testing.cassette import (
    RecordedConnection,
    RecordedEvent,
    RecordedRequest,
    RecordedResponse,
    redact_headers,
)

if TYPE_CHECKING:
    from fnc_websocket.testing.recorder import Recorder

__all__ = ["Relay", "RelayError"]

_WAKE_INTERVAL = 0.5
_MAX_HEAD_BYTES = 16 * 1024
_MAX_BODY_BYTES = 64 * 1024
_TYPES = {Opcode.TEXT: "text", Opcode.BINARY: "binary", Opcode.PING: "ping",
          Opcode.PONG: "pong", Opcode.CLOSE: "close"}


class RelayError(Exception):
    """This connection cannot be relayed or recorded (the message says why)."""


class _Stop(Exception):
    """Internal: the relay of one connection ends."""


class _Direction:
    """Decodes one direction's byte stream into recorded events (a copy; bytes are forwarded
    elsewhere, unchanged)."""

    def __init__(self, side: str, relay: Relay) -> None:
        self.side = side
        self.relay = relay
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.fragment_opcode = 0
        self.closed = False  # a close frame came from this side

    def feed(self, data: bytes) -> None:
        self.buffer += data
        limit = self.relay.recorder.max_message_size
        while len(self.buffer) >= 2:
            header = parse_header(self.buffer[:2])
            if len(self.buffer) < 2 + header.extra:
                return
            length, key = split_extended(header, bytes(self.buffer[2:2 + header.extra]))
            if length > limit or sum(map(len, self.fragments)) + length > limit:
                raise RelayError(f"{self.side} message over max_message_size ({limit} "
                                    "bytes): not recorded, connection ended")
            end = 2 + header.extra + length
            if len(self.buffer) < end:
                return
            payload = bytes(self.buffer[2 + header.extra:end])
            del self.buffer[:end]
            if key is not None:
                payload = apply_mask(payload, key)
            self.frame(header.opcode, header.fin, payload)

    def frame(self, opcode: int, fin: bool, payload: bytes) -> None:
        if opcode >= 0x8:
            kind = _TYPES.get(opcode)
            if kind is None:
                return
            if kind == "close":
                code, reason = parse_close_payload(payload)
                self.closed = True
                self.relay.record(self.side, kind, b"", code, reason)
            else:
                self.relay.record(self.side, kind, payload)
            return
        if opcode != Opcode.CONTINUATION:
            self.fragments = []
            self.fragment_opcode = opcode
        self.fragments.append(payload)
        if fin:
            kind = _TYPES.get(self.fragment_opcode)
            if kind is not None:
                self.relay.record(self.side, kind, b"".join(self.fragments))
            self.fragments = []


class Relay:
    """One client connection, relayed to the target on its own thread."""

    def __init__(self, recorder: Recorder, client: socket.socket, address: tuple[str, int],
                 number: int) -> None:
        self.recorder = recorder
        self.client = client
        self.address = address
        self.target: socket.socket | None = None
        self.request: RecordedRequest | None = None
        self.response: RecordedResponse | None = None
        self.events: list[RecordedEvent] = []
        self.opened_at = 0.0
        self.finished = False
        self.thread = threading.Thread(target=self.run, name=f"fnc-ws-recorder-relay-{number}",
                                       daemon=True)

    # ------------------------------------------------------------ records (any thread)

    def record(self, side: str, kind: str, payload: bytes = b"", code: int | None = None,
               reason: str = "") -> None:
        t = max(0.0, time.monotonic() - self.opened_at)
        recorder = self.recorder
        with recorder._cond:
            recorder._recorded_bytes += len(payload) + len(reason)
            if recorder._recorded_bytes > recorder.max_recorded_bytes:
                raise RelayError(f"the recording is over max_recorded_bytes "
                                 f"({recorder.max_recorded_bytes}): connection ended")
            self.events.append(RecordedEvent(t, side, kind, payload, code, reason))

    def snapshot(self) -> RecordedConnection | None:
        with self.recorder._cond:
            if self.request is None or self.response is None:
                return None
            return RecordedConnection(self.request, self.response, tuple(self.events))

    # ------------------------------------------------------------ the relay thread

    def run(self) -> None:
        recorder = self.recorder
        try:
            self.relay()
        except _Stop:
            pass
        except (RelayError, _handshake.HandshakeError) as exc:
            if not recorder._stopping.is_set():
                recorder.report_error(f"connection from {self.address[0]}:{self.address[1]}: {exc}")
        except (OSError, ssl.SSLError) as exc:
            if not recorder._stopping.is_set():
                recorder.report_error(f"connection from {self.address[0]}:{self.address[1]}: "
                                      f"socket error: {exc}")
        finally:
            for sock in (self.client, self.target):
                if sock is not None:
                    close_socket(sock)
            with recorder._cond:
                self.finished = True
                recorder._cond.notify_all()
            if recorder.on_connection_end is not None:
                try:
                    recorder.on_connection_end(self.snapshot())
                except Exception as exc:  # a callback's bug must not kill the relay silently
                    recorder.report_error(f"on_connection_end raised {type(exc).__name__}: {exc}")

    def relay(self) -> None:
        recorder = self.recorder
        request, rest = _handshake.read_request(self.client, self.address)
        target = recorder.target
        path = target.path or request.path
        headers = [("Host", target.host_header)]
        headers += [(name, value) for name, value in request.headers
                    if name.lower() not in ("host", "sec-websocket-extensions")
                    and name.lower() not in recorder._extra_names]
        headers += recorder.headers
        head = [f"{request.method} {path} HTTP/1.1"]
        head += [f"{name}: {value}" for name, value in headers]
        try:
            upstream = socket.create_connection((target.host, target.port),
                                                timeout=recorder.io_timeout)
        except OSError as exc:
            self.refuse(f"cannot connect to {target}: {exc}")
            raise RelayError(f"cannot connect to the target {target}: {exc}") from None
        self.target = upstream
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if target.secure:
            try:
                self.target = recorder.ssl_context.wrap_socket(upstream,
                                                               server_hostname=target.host)
            except (ssl.SSLError, OSError) as exc:
                self.refuse(f"TLS handshake with {target} failed: {exc}")
                raise RelayError(f"TLS handshake with the target {target} failed: {exc}"
                                    ) from None
        self.target.sendall(("\r\n".join(head) + "\r\n\r\n").encode("iso-8859-1") + rest)
        status, reason, response_headers, raw_head, after = self.read_response()
        self.client.sendall(raw_head + after)
        keep, secret = recorder.keep_headers, recorder.redacted_headers
        with recorder._cond:
            self.request = RecordedRequest(request.method, request.path,
                                           redact_headers(headers, keep, secret))
            self.response = RecordedResponse(status, reason,
                                             redact_headers(response_headers, keep, secret))
        if status != 101:
            body = self.forward_body(after, response_headers)
            with recorder._cond:
                self.response = attrs.evolve(self.response, body=body)
            return
        self.opened_at = time.monotonic()
        self.pump(after)

    def refuse(self, why: str) -> None:
        body = why.encode("utf-8", errors="replace")
        try:
            self.client.sendall(_handshake.build_response(502, (), body))
        except OSError:
            pass

    def read_response(self) -> tuple[int, str, tuple[tuple[str, str], ...], bytes, bytes]:
        assert self.target is not None
        buffer = bytearray()
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > _MAX_HEAD_BYTES:
                raise RelayError(f"the target's response head is over {_MAX_HEAD_BYTES} bytes")
            chunk = self.target.recv(4096)
            if not chunk:
                raise RelayError("the target closed the connection before answering the "
                                    "upgrade request")
            buffer += chunk
        end = buffer.index(b"\r\n\r\n") + 4
        raw_head, after = bytes(buffer[:end]), bytes(buffer[end:])
        lines = raw_head[:-4].decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise RelayError(f"the target answered with a malformed status line {lines[0]!r}")
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        return int(parts[1]), parts[2] if len(parts) > 2 else "", tuple(headers), raw_head, after

    def forward_body(self, body: bytes, headers: tuple[tuple[str, str], ...]) -> bytes:
        """Pass a refusal's body on (until Content-Length or EOF); return what was recorded."""
        assert self.target is not None
        length = next((v for k, v in headers if k.lower() == "content-length"), None)
        wanted = int(length) if length is not None and length.isdigit() else None
        recorded = bytearray(body)
        while wanted is None or len(recorded) < wanted:
            if len(recorded) > _MAX_BODY_BYTES:
                break
            chunk = self.target.recv(65536)
            if not chunk:
                break
            self.client.sendall(chunk)
            recorded += chunk
        return bytes(recorded[:_MAX_BODY_BYTES])

    def pump(self, first_server_bytes: bytes) -> None:
        """Forward bytes both ways until either side ends; decode a copy of each direction."""
        assert self.target is not None
        recorder = self.recorder
        sides = {self.client: _Direction("client", self), self.target: _Direction("server", self)}
        peers = {self.client: self.target, self.target: self.client}
        if first_server_bytes:
            sides[self.target].feed(first_server_bytes)
        while True:
            if recorder._stopping.is_set():
                raise _Stop
            ready = [s for s in sides if isinstance(s, ssl.SSLSocket) and s.pending()]
            if not ready:
                ready, _, _ = select.select(list(sides), [], [], _WAKE_INTERVAL)
            for sock in ready:
                try:
                    data = sock.recv(65536)
                except ssl.SSLWantReadError:
                    continue
                except OSError:
                    data = b""
                direction = sides[sock]
                if not data:
                    if not direction.closed and not recorder._stopping.is_set():
                        self.record(direction.side, "drop")
                    raise _Stop
                peers[sock].sendall(data)
                direction.feed(data)
