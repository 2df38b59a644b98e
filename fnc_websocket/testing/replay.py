"""Replaying a cassette: a :class:`MockWebSocketServer` that plays the recorded server's part.

Made by :meth:`MockWebSocketServer.from_cassette`. The n-th connection a client opens plays the
cassette's n-th connection (a refused one is refused again, with the recorded status). Its
recorded events are cut into segments: what the server sent before the client's first message,
then what it sent after each client message. A segment starts when its client message arrives
(``match="order"``: the next recorded one, in order; ``match="content"``: any recorded message
not yet received, so clients that send in a different order still get their answers). Inside a
segment, each server event is sent at its recorded distance from the segment's start, scaled by
``timing`` (``"recorded"``: 1, ``"none"``: 0 so at once, a float: that factor). In ``order``
mode no event is sent before the events recorded before it.

Server pongs are not replayed (the mock answers pings itself), nor the server's close that only
answered the client's close (the mock echoes the client's close itself). A recorded server close
closes the connection; a recorded drop drops it.

A client message that does not match is recorded as an error with a diff (JSON-aware, see
``ignore_fields``); replay of that connection stops there. :meth:`ReplayServer.assert_cassette_done`
raises with every mismatch and every recorded client message that never came; leaving a
``with`` block runs it, unless the test already checked.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import threading
import time
from collections.abc import Collection
from pathlib import Path
from types import TracebackType
from typing import Any

from fnc_websocket.testing._diff import describe_payload, payload_diff, payloads_match
from fnc_websocket.testing._frames import Opcode
from fnc_websocket.testing._waiting import MockTimeoutError, wait_until
from fnc_websocket.testing.actions import Close, Drop, Frame, RefuseHandshake
from fnc_websocket.testing.cassette import REDACTED, Cassette, RecordedConnection, RecordedEvent
from fnc_websocket.testing.mock_connection import MockConnection
from fnc_websocket.testing.mock_server import MockWebSocketServer
from fnc_websocket.testing.records import ReceivedMessage

__all__ = ["MATCH_MODES", "ReplayServer", "timing_factor"]

MATCH_MODES = ("order", "content")
_WAKE_INTERVAL = 1.0
_HANDSHAKE_HEADERS = {"upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol",
                      "sec-websocket-extensions", "content-length", "date"}
_OPCODES = {"text": Opcode.TEXT, "binary": Opcode.BINARY, "ping": Opcode.PING}


def timing_factor(timing: str | float) -> float:
    """``"none"`` → 0, ``"recorded"`` → 1, a float ≥ 0 → itself; ValueError otherwise."""
    if timing == "none":
        return 0.0
    if timing == "recorded":
        return 1.0
    if (isinstance(timing, int | float) and not isinstance(timing, bool)
            and math.isfinite(timing) and timing >= 0):
        return float(timing)
    raise ValueError(f"timing must be 'none', 'recorded' or a factor >= 0, not {timing!r}")


class _Segment:
    """Server events to send once ``trigger`` (a client message; None: the opening) happened."""

    def __init__(self, trigger: RecordedEvent | None) -> None:
        self.trigger = trigger
        self.events: list[RecordedEvent] = []


def _segments(connection: RecordedConnection) -> list[_Segment]:
    segments = [_Segment(None)]
    client_closed = server_closed = False
    for event in connection.events:
        if event.side == "client":
            if event.is_data:
                segments.append(_Segment(event))
            elif event.type == "close":
                client_closed = True
            continue
        if server_closed or event.type == "pong":
            continue
        if event.type == "close":
            server_closed = True
            if client_closed:
                continue  # the answer to the client's close: the mock echoes it itself
        if event.type == "drop" and client_closed:
            continue
        segments[-1].events.append(event)
    return segments


def _action(event: RecordedEvent) -> Any:
    if event.type == "close":
        return Close(event.code, event.reason)
    if event.type == "drop":
        return Drop()
    return Frame(_OPCODES[event.type], event.payload)


class _Player:
    """Plays one recorded connection on one mock connection, on its own thread."""

    def __init__(self, server: ReplayServer, number: int, recorded: RecordedConnection,
                 connection: MockConnection) -> None:
        self.server = server
        self.number = number
        self.recorded = recorded
        self.connection = connection
        self.segments = _segments(recorded)
        self.received: list[bool] = [False] * (len(self.segments) - 1)
        self.seen = 0  # messages of the connection looked at so far
        self.failed = False
        self.done = False  # the player thread has ended
        self.schedule: list[tuple[float, int, RecordedEvent]] = []
        self.sequence = itertools.count()
        self.last_due = 0.0
        self.thread = threading.Thread(target=self.run, daemon=True,
                                       name=f"fnc-ws-mock-replay-{connection.id}")

    # ------------------------------------------------------------ under the server's lock

    def activate(self, index: int, anchor: float) -> None:
        segment = self.segments[index]
        start = segment.trigger.t if segment.trigger is not None else 0.0
        factor = self.server.timing_factor
        due = anchor
        for event in segment.events:
            due = max(due, anchor + (event.t - start) * factor)
            if self.server.match == "order":
                due = max(due, self.last_due)
            self.last_due = max(self.last_due, due)
            heapq.heappush(self.schedule, (due, next(self.sequence), event))

    def error(self, text: str) -> None:
        self.failed = True
        self.server._replay_errors.append(f"connection {self.number}: {text}")

    def take(self, message: ReceivedMessage) -> None:
        if self.failed:
            return
        ignore = self.server.ignore_fields
        pending = [i for i, done in enumerate(self.received) if not done]
        candidates = pending[:1] if self.server.match == "order" else pending
        for i in candidates:
            expected = self.segments[i + 1].trigger
            assert expected is not None
            if payloads_match(expected.type == "text", expected.payload, message.is_text,
                              message.payload, ignore):
                self.received[i] = True
                self.activate(i + 1, message.timestamp)
                return
        shown = describe_payload(message.is_text, message.payload)
        if not pending:
            self.error(f"the client sent {shown}, after every recorded client message "
                       f"({len(self.received)}) had come")
            return
        first = self.segments[pending[0] + 1].trigger
        assert first is not None
        which = (f"recorded client message {pending[0] + 1} of {len(self.received)}"
                 if self.server.match == "order" else
                 f"any of the {len(pending)} recorded client messages not yet received; "
                 f"the first of them")
        self.error(f"the client sent a message that does not match {which}:\n"
                   + payload_diff(first.type == "text", first.payload, message.is_text,
                                  message.payload, ignore))

    def next_step(self) -> tuple[str, Any]:
        """("send", event), ("wait", seconds) or ("end", None); caller holds the lock."""
        connection = self.connection
        messages = connection._messages  # taken before the end: a last message still counts
        while self.seen < len(messages):
            self.take(messages[self.seen])
            self.seen += 1
        if self.server._stopping.is_set() or connection._state == "closed":
            return "end", None
        if self.failed:
            return "wait", _WAKE_INTERVAL
        if self.schedule:
            due = self.schedule[0][0]
            now = time.monotonic()
            if due <= now:
                return "send", heapq.heappop(self.schedule)[2]
            return "wait", min(due - now, _WAKE_INTERVAL)
        return "wait", _WAKE_INTERVAL

    # ------------------------------------------------------------ the player thread

    def run(self) -> None:
        try:
            self.play()
        finally:
            with self.server._cond:
                self.done = True
                self.server._cond.notify_all()

    def play(self) -> None:
        cond = self.server._cond
        with cond:
            while self.connection._state == "connecting" and not self.server._stopping.is_set():
                cond.wait(_WAKE_INTERVAL)
            if self.connection._state not in ("open", "closing"):
                return
            self.activate(0, time.monotonic())
        while True:
            with cond:
                step, value = self.next_step()
                if step == "wait":
                    cond.wait(value)
                    continue
            if step == "end":
                return
            try:
                _action(value).run(self.connection)
            except ConnectionError:
                return

    def missing(self) -> list[str]:
        lines = []
        for i, done in enumerate(self.received):
            if not done:
                trigger = self.segments[i + 1].trigger
                assert trigger is not None
                lines.append(f"connection {self.number}: the client never sent "
                             f"{describe_payload(trigger.type == 'text', trigger.payload)} "
                             f"(recorded client message {i + 1} of {len(self.received)})")
        return lines


class ReplayServer(MockWebSocketServer):
    """A :class:`MockWebSocketServer` that serves a cassette (see the module docstring).

    Made by :meth:`MockWebSocketServer.from_cassette`; every mock option works as usual, and
    ``path``, ``subprotocol`` and ``response_headers`` default to the recorded ones. Messages the
    cassette does not expect are reported by :meth:`assert_cassette_done`, not as unhandled.
    """

    def __init__(self, cassette: Cassette | str | os.PathLike[str], *, match: str = "order",
                 timing: str | float = "none", ignore_fields: Collection[str] = (),
                 **options: Any) -> None:
        if isinstance(cassette, Cassette):
            self.cassette_source = "<cassette>"
        else:
            self.cassette_source = str(cassette)
            cassette = Cassette.load(Path(cassette))
        if match not in MATCH_MODES:
            raise ValueError(f"match must be 'order' or 'content', not {match!r}")
        if isinstance(ignore_fields, str):
            raise TypeError("ignore_fields takes a collection of field names, not one string")
        self.cassette = cassette
        self.match = match
        self.timing_factor = timing_factor(timing)
        self.ignore_fields = frozenset(ignore_fields)
        accepted = [c for c in cassette.connections if c.accepted]
        if accepted:
            first = accepted[0]
            paths = {c.request.path.split("?", 1)[0] for c in cassette.connections}
            if len(paths) == 1:
                options.setdefault("path", paths.pop())
            options.setdefault("subprotocol", first.response.header("Sec-WebSocket-Protocol"))
            options.setdefault("response_headers", [
                (name, value) for name, value in first.response.headers
                if name.lower() not in _HANDSHAKE_HEADERS and value != REDACTED])
        if options.get("echo"):
            raise ValueError("a replay server sends what the cassette recorded; echo=True would "
                             "add answers the real server never gave")
        options["echo"] = False
        super().__init__(**options)
        self._players: list[_Player] = []
        self._replay_errors: list[str] = []
        self._connection_count = 0
        self._checked = False

    def _make_connection_locked(self, sock: Any, address: tuple[str, int]) -> MockConnection:
        connection = super()._make_connection_locked(sock, address)
        number = self._connection_count = self._connection_count + 1
        if number > len(self.cassette.connections):
            self._replay_errors.append(
                f"connection {number}: the cassette has only {len(self.cassette.connections)} "
                "connection(s); this one was refused with 503")
            connection._handshake_faults.append(RefuseHandshake(
                503, (), b"no more connections in the cassette", None))
            return connection
        recorded = self.cassette.connections[number - 1]
        if not recorded.accepted:
            response = recorded.response
            headers = tuple((k, v) for k, v in response.headers
                            if k.lower() not in ("content-length", "connection"))
            connection._handshake_faults.append(RefuseHandshake(
                response.status, headers, response.body, response.reason or None))
            return connection
        player = _Player(self, number, recorded, connection)
        self._players.append(player)
        player.thread.start()
        return connection

    def _note_unhandled(self, message: ReceivedMessage) -> None:
        """Replay reports unexpected messages itself (as mismatches)."""

    def _timeout_hints(self) -> list[str]:
        return [f"the replay of {self.cassette_source} stopped: {error}"
                for error in self.replay_errors]

    @property
    def replay_errors(self) -> list[str]:
        """Mismatches and surplus connections so far, as readable text (snapshot)."""
        with self._cond:
            return list(self._replay_errors)

    def _settled(self) -> bool:
        if self._replay_errors:
            return True
        return all(p.failed or all(p.received) or p.done for p in self._players)

    def cassette_problems(self, timeout: float = 2.0) -> list[str]:
        """Every mismatch, every recorded client message that never came and every recorded
        connection never opened; waits up to ``timeout`` for messages still under way."""
        self._checked = True
        try:
            wait_until(self._cond, self._settled, timeout, lambda: "waiting for the replay")
        except MockTimeoutError:
            pass
        with self._cond:
            problems = list(self._replay_errors)
            for player in self._players:
                if not player.failed:
                    problems.extend(player.missing())
            opened = self._connection_count
        total = len(self.cassette.connections)
        if opened < total:
            problems.append(f"the cassette has {total} connection(s); the client opened "
                            f"{opened}")
        return problems

    def assert_cassette_done(self, timeout: float = 2.0) -> None:
        """Raise AssertionError listing :meth:`cassette_problems` if there are any."""
        problems = self.cassette_problems(timeout)
        if problems:
            raise AssertionError(f"replay of {self.cassette_source} did not go as recorded:\n"
                                 + "\n".join(problems))

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop; when the block ended normally and nothing checked the replay yet, run
        :meth:`assert_cassette_done` first, so a ``with`` block reports what did not go as
        recorded."""
        try:
            if exc_type is None and not self._checked:
                self.assert_cassette_done()
        finally:
            self.stop()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the mock (see :meth:`MockWebSocketServer.stop`) and join the replay threads."""
        deadline = time.monotonic() + timeout
        try:
            super().stop(timeout)
        finally:
            with self._cond:
                self._cond.notify_all()
                players = list(self._players)
            alive = []
            for player in players:
                player.thread.join(max(0.0, deadline - time.monotonic()))
                if player.thread.is_alive():
                    alive.append(player.thread.name)
            if alive:
                raise RuntimeError(f"ReplayServer.stop(): replay threads still alive: {alive}")
