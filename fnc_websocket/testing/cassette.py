"""Cassettes: a recorded WebSocket conversation as a versioned, hand-editable JSON file.

One file holds what one test needs: for each connection, the opening handshake (request and
response) and every message and control frame in the order they crossed the wire, with their
direction and their time since the connection opened. The layout (format version 1)::

    {
      "format": "fnc-websocket-cassette",
      "version": 1,
      "target": "wss://feed.example.com/prices",
      "connections": [
        {
          "request": {"method": "GET", "path": "/prices",
                      "headers": [["Host", "feed.example.com"], ["Authorization", "<redacted>"]]},
          "response": {"status": 101, "reason": "Switching Protocols", "headers": [...]},
          "events": [
            {"t": 0.0021, "from": "client", "type": "text", "text": "subscribe ACME"},
            {"t": 0.0034, "from": "server", "type": "binary", "base64": "AAEC"},
            {"t": 0.5012, "from": "server", "type": "ping", "text": "keepalive"},
            {"t": 0.9001, "from": "client", "type": "close", "code": 1000, "reason": "bye"}
          ]
        }
      ]
    }

``type`` is ``text``, ``binary``, ``ping``, ``pong``, ``close`` or ``drop`` (the TCP connection
ended without a close frame from that side). Text messages carry ``text``; binary messages carry
``base64``; pings and pongs carry ``text`` when their payload is UTF-8, ``base64`` otherwise. A
close has ``code`` (``null``: a close frame with no body) and ``reason``. A refused handshake has
a non-101 ``response`` (with its ``body``) and no events. Keys are written in this fixed order,
so a re-recorded cassette diffs line by line.

Loading checks everything and raises :class:`CassetteError` naming the file and the entry
(``feed.json: connections[0].events[3]: ...``); a cassette of a newer format version is refused
with the same error rather than half-understood.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from fnc_websocket.testing.records import first_header

__all__ = [
    "DEFAULT_REDACTED_HEADERS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "REDACTED",
    "Cassette",
    "CassetteError",
    "RecordedConnection",
    "RecordedEvent",
    "RecordedRequest",
    "RecordedResponse",
    "redact_headers",
]

FORMAT_NAME = "fnc-websocket-cassette"
FORMAT_VERSION = 1
"""The format version this package writes, and the newest it reads."""
REDACTED = "<redacted>"
"""What a secret header value is replaced with in a cassette."""
DEFAULT_REDACTED_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token",
})
"""Header names (lower case) whose values a recording replaces with :data:`REDACTED`."""

SIDES = ("client", "server")
DATA_TYPES = ("text", "binary")
CONTROL_TYPES = ("ping", "pong", "close")
EVENT_TYPES = (*DATA_TYPES, *CONTROL_TYPES, "drop")
MAX_CASSETTE_BYTES = 256 * 1024 * 1024
"""A cassette file larger than this is refused before it is read."""

Headers = tuple[tuple[str, str], ...]


class CassetteError(ValueError):
    """A cassette file cannot be used: unreadable, malformed, or of a newer format version.

    The message starts with the file name and, where one entry is at fault, its place
    (``connections[0].events[3]``).
    """


def redact_headers(headers: Iterable[tuple[str, str]], keep: Iterable[str] = (),
                   redact: Iterable[str] = DEFAULT_REDACTED_HEADERS) -> Headers:
    """``headers`` with the values of ``redact`` names (case-insensitive), except the ``keep``
    names, replaced by :data:`REDACTED`."""
    kept = {name.lower() for name in keep}
    secret = {name.lower() for name in redact} - kept
    return tuple((name, REDACTED if name.lower() in secret else value) for name, value in headers)


@attrs.frozen
class RecordedEvent:
    """One message, control frame or connection end, as recorded.

    ``t`` is in seconds since the opening handshake completed; ``side`` is who sent it
    (``"client"`` or ``"server"``); ``type`` one of ``text``, ``binary``, ``ping``, ``pong``,
    ``close``, ``drop``. ``payload`` is the raw payload (UTF-8 for text); ``code`` and ``reason``
    are set for ``close``.
    """

    t: float
    side: str
    type: str
    payload: bytes = b""
    code: int | None = None
    reason: str = ""

    @property
    def is_data(self) -> bool:
        """True for a text or binary message."""
        return self.type in DATA_TYPES

    @property
    def text(self) -> str | None:
        """The payload as text (text messages, UTF-8 control payloads), else None."""
        try:
            return self.payload.decode("utf-8")
        except UnicodeDecodeError:
            return None

    @property
    def data(self) -> str | bytes:
        """``str`` for a text message, ``bytes`` otherwise."""
        if self.type == "text":
            return self.payload.decode("utf-8", errors="replace")
        return self.payload

    def describe(self) -> str:
        """Short readable form for error messages: ``text '{"subscribe": "ACME"}'``."""
        if self.type == "close":
            return f"close {self.code} {self.reason!r}"
        if self.type == "drop":
            return "a dropped connection"
        return f"{self.type} {self.data!r}"


@attrs.frozen
class RecordedRequest:
    """The client's upgrade request (secret header values already redacted)."""

    method: str = "GET"
    path: str = "/"
    headers: Headers = ()

    def header(self, name: str, default: str | None = None) -> str | None:
        """First value of header ``name`` (case-insensitive), or ``default``."""
        return first_header(self.headers, name, default)


@attrs.frozen
class RecordedResponse:
    """The server's answer to the upgrade: 101, or a refusal with its ``body``."""

    status: int = 101
    reason: str = "Switching Protocols"
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        """First value of header ``name`` (case-insensitive), or ``default``."""
        return first_header(self.headers, name, default)


@attrs.frozen
class RecordedConnection:
    """One connection: its handshake and its events, in wire order."""

    request: RecordedRequest
    response: RecordedResponse
    events: tuple[RecordedEvent, ...] = ()

    @property
    def accepted(self) -> bool:
        """True when the server answered 101."""
        return self.response.status == 101

    def client_messages(self) -> list[RecordedEvent]:
        """The client's text and binary messages, in order."""
        return [e for e in self.events if e.side == "client" and e.is_data]

    def server_messages(self) -> list[RecordedEvent]:
        """The server's text and binary messages, in order."""
        return [e for e in self.events if e.side == "server" and e.is_data]


@attrs.frozen
class Cassette:
    """A recorded conversation: ``target`` (the URL recorded against) and its connections."""

    connections: tuple[RecordedConnection, ...] = ()
    target: str = ""

    # ----------------------------------------------------------------- writing

    def to_json(self) -> str:
        """The cassette as JSON text (format :data:`FORMAT_VERSION`, fixed key order)."""
        document = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "target": self.target,
            "connections": [_connection_to_json(c) for c in self.connections],
        }
        return _pretty(document, "") + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the cassette to ``path`` (parent folders created; replaced atomically)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(self.to_json(), encoding="utf-8")
        os.replace(temporary, target)
        return target

    # ----------------------------------------------------------------- reading

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Cassette:
        """Read and validate a cassette file; :class:`CassetteError` names the file and entry."""
        where = str(path)
        try:
            size = os.path.getsize(path)
            if size > MAX_CASSETTE_BYTES:
                raise CassetteError(f"{where}: {size} bytes is over the {MAX_CASSETTE_BYTES} "
                                    "bytes a cassette may have")
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CassetteError(f"{where}: no such cassette file") from None
        except UnicodeDecodeError as exc:
            raise CassetteError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"
                                ) from None
        except OSError as exc:
            raise CassetteError(f"{where}: cannot read it: {exc.strerror or exc}") from None
        return cls.from_json(text, source=where)

    @classmethod
    def from_json(cls, text: str, source: str = "<cassette>") -> Cassette:
        """Parse and validate cassette JSON; ``source`` names it in errors."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CassetteError(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno} "
                                f"column {exc.colno}") from None
        reader = _Reader(source)
        return reader.cassette(document)


# --------------------------------------------------------------------- JSON writing helpers


def _pretty(value: Any, indent: str) -> str:
    """JSON with one line per scalar field, per header and per event: diffs stay line-sized."""
    items = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list) or not any(isinstance(i, dict | list) for i in items):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, dict):
        lines = [f"{inner}{json.dumps(k)}: {_pretty(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
    lines = [f"{inner}{_pretty(v, inner)}" for v in value]
    return "[\n" + ",\n".join(lines) + f"\n{indent}]"


def _payload_fields(event: RecordedEvent) -> dict[str, Any]:
    if event.type == "text":
        return {"text": event.payload.decode("utf-8", errors="replace")}
    if event.type == "binary":
        return {"base64": base64.b64encode(event.payload).decode("ascii")}
    text = event.text
    if text is not None:
        return {"text": text}
    return {"base64": base64.b64encode(event.payload).decode("ascii")}


def _event_to_json(event: RecordedEvent) -> dict[str, Any]:
    entry: dict[str, Any] = {"t": round(event.t, 6), "from": event.side, "type": event.type}
    if event.type == "close":
        entry["code"] = event.code
        entry["reason"] = event.reason
    elif event.type != "drop":
        entry.update(_payload_fields(event))
    return entry


def _connection_to_json(connection: RecordedConnection) -> dict[str, Any]:
    request, response = connection.request, connection.response
    answer: dict[str, Any] = {
        "status": response.status,
        "reason": response.reason,
        "headers": [list(pair) for pair in response.headers],
    }
    if response.status != 101:
        try:
            answer["body"] = {"text": response.body.decode("utf-8")}
        except UnicodeDecodeError:
            answer["body"] = {"base64": base64.b64encode(response.body).decode("ascii")}
    return {
        "request": {
            "method": request.method,
            "path": request.path,
            "headers": [list(pair) for pair in request.headers],
        },
        "response": answer,
        "events": [_event_to_json(e) for e in connection.events],
    }


# --------------------------------------------------------------------- JSON reading helpers


class _Reader:
    """Validating reader: every complaint names the file and the entry's place."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, why: str) -> CassetteError:
        return CassetteError(f"{self.source}: {where}: {why}" if where else f"{self.source}: {why}")

    def obj(self, value: Any, where: str, keys: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {type(value).__name__}")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing {', '.join(repr(k) for k in missing)}")
        unknown = sorted(set(value) - keys)
        if unknown:
            raise self.fail(where, f"unknown key {', '.join(repr(k) for k in unknown)} "
                                   f"(known: {', '.join(sorted(keys))})")
        return value

    def typed(self, value: Any, kind: type | tuple[type, ...], where: str, what: str) -> Any:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(where, f"{what} must be {_kind_name(kind)}, not {value!r}")
        return value

    def cassette(self, document: Any) -> Cassette:
        if not isinstance(document, dict):
            raise self.fail("", f"expected a JSON object, found {type(document).__name__}")
        if document.get("format") != FORMAT_NAME:
            raise self.fail("", f"not a cassette: 'format' must be {FORMAT_NAME!r}, "
                                f"found {document.get('format')!r}")
        version = document.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail("", f"'version' must be a positive integer, found {version!r}")
        if version > FORMAT_VERSION:
            raise self.fail("", f"format version {version} is newer than this fnc_websocket "
                                f"reads (up to {FORMAT_VERSION}): upgrade fnc_websocket, or "
                                "record the cassette again")
        self.obj(document, "", {"format", "version", "target", "connections"},
                 {"format", "version", "connections"})
        target = self.typed(document.get("target", ""), str, "target", "'target'")
        items = self.typed(document["connections"], list, "connections", "'connections'")
        connections = tuple(self.connection(item, f"connections[{i}]")
                            for i, item in enumerate(items))
        return Cassette(connections=connections, target=target)

    def headers(self, value: Any, where: str) -> Headers:
        self.typed(value, list, where, "headers")
        pairs = []
        for i, pair in enumerate(value):
            if (not isinstance(pair, list) or len(pair) != 2
                    or not all(isinstance(part, str) for part in pair)):
                raise self.fail(f"{where}[{i}]", f"a header must be [name, value] strings, "
                                                 f"not {pair!r}")
            pairs.append((pair[0], pair[1]))
        return tuple(pairs)

    def payload(self, entry: dict[str, Any], where: str, kinds: tuple[str, ...]) -> bytes:
        present = [k for k in ("text", "base64") if k in entry]
        if len(present) != 1 or present[0] not in kinds:
            wanted = " or ".join(repr(k) for k in kinds)
            raise self.fail(where, f"needs exactly one payload key, {wanted}")
        value = self.typed(entry[present[0]], str, where, repr(present[0]))
        if present[0] == "text":
            return value.encode("utf-8", errors="surrogatepass")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise self.fail(where, f"'base64' is not valid base64: {exc}") from None

    def connection(self, value: Any, where: str) -> RecordedConnection:
        entry = self.obj(value, where, {"request", "response", "events"},
                         {"request", "response", "events"})
        request = self.obj(entry["request"], f"{where}.request", {"method", "path", "headers"},
                           {"path"})
        path = self.typed(request["path"], str, f"{where}.request", "'path'")
        if not path.startswith("/"):
            raise self.fail(f"{where}.request", f"'path' must start with '/', not {path!r}")
        recorded_request = RecordedRequest(
            method=self.typed(request.get("method", "GET"), str, f"{where}.request", "'method'"),
            path=path,
            headers=self.headers(request.get("headers", []), f"{where}.request.headers"),
        )
        response = self.obj(entry["response"], f"{where}.response",
                            {"status", "reason", "headers", "body"}, {"status"})
        status = self.typed(response["status"], int, f"{where}.response", "'status'")
        if not 100 <= status <= 599:
            raise self.fail(f"{where}.response", f"'status' {status} is not an HTTP status")
        body = b""
        if "body" in response:
            body_entry = self.obj(response["body"], f"{where}.response.body",
                                  {"text", "base64"}, set())
            body = self.payload(body_entry, f"{where}.response.body", ("text", "base64"))
        recorded_response = RecordedResponse(
            status=status,
            reason=self.typed(response.get("reason", ""), str, f"{where}.response", "'reason'"),
            headers=self.headers(response.get("headers", []), f"{where}.response.headers"),
            body=body,
        )
        events_value = self.typed(entry["events"], list, f"{where}.events", "'events'")
        events = []
        previous = 0.0
        for i, item in enumerate(events_value):
            event = self.event(item, f"{where}.events[{i}]")
            if event.t < previous:
                raise self.fail(f"{where}.events[{i}]", f"'t' {event.t} is earlier than the "
                                                        f"event before it ({previous})")
            previous = event.t
            events.append(event)
        if status != 101 and events:
            raise self.fail(f"{where}.events", f"a refused handshake (status {status}) "
                                               "cannot have events")
        return RecordedConnection(recorded_request, recorded_response, tuple(events))

    def event(self, value: Any, where: str) -> RecordedEvent:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {type(value).__name__}")
        kind = value.get("type")
        if kind not in EVENT_TYPES:
            raise self.fail(where, f"'type' must be one of {', '.join(EVENT_TYPES)}; "
                                   f"found {kind!r}")
        keys = {"t", "from", "type"}
        if kind == "close":
            keys |= {"code", "reason"}
        elif kind == "text":
            keys |= {"text"}
        elif kind == "binary":
            keys |= {"base64"}
        elif kind != "drop":
            keys |= {"text", "base64"}
        self.obj(value, where, keys, {"t", "from", "type"})
        t = self.typed(value["t"], (int, float), where, "'t'")
        if not 0 <= t < 1e7:
            raise self.fail(where, f"'t' must be seconds since the connection opened, not {t!r}")
        side = value["from"]
        if side not in SIDES:
            raise self.fail(where, f"'from' must be 'client' or 'server', not {side!r}")
        if kind == "close":
            code = value.get("code")
            if code is not None:
                self.typed(code, int, where, "'code'")
                if not 1000 <= code <= 4999:
                    raise self.fail(where, f"'code' {code} is not a close code (1000-4999)")
            reason = self.typed(value.get("reason", ""), str, where, "'reason'")
            return RecordedEvent(float(t), side, kind, b"", code, reason)
        if kind == "drop":
            return RecordedEvent(float(t), side, kind)
        kinds = {"text": ("text",), "binary": ("base64",)}.get(kind, ("text", "base64"))
        return RecordedEvent(float(t), side, kind, self.payload(value, where, kinds))


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list",
             dict: "an object"}
    if kind == (int, float):
        return "a number"
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)
