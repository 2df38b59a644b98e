"""The ``fault_*`` methods of :class:`~fnc_websocket.testing.MockWebSocketServer`.

Mixed into the server: faults wait in ``_pending`` (guarded by the server's ``_cond``) and apply
to connections accepted later, each for the number of connections it was given (None: all).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from fnc_websocket.testing.actions import (
    Action,
    Close,
    DelayHandshake,
    Drop,
    Fragmented,
    HandshakeFault,
    IgnoreClose,
    InvalidUtf8,
    Oversized,
    Ping,
    Pong,
    ProtocolViolation,
    RefuseHandshake,
    StopReading,
    Violation,
)

__all__ = ["Fault", "FaultInjection", "PendingFault"]

Fault = HandshakeFault | Action


class PendingFault:
    """A fault waiting for the next ``remaining`` connections (None: every connection)."""

    __slots__ = ("after_messages", "fault", "remaining")

    def __init__(self, fault: Fault, after_messages: int, remaining: int | None) -> None:
        self.fault = fault
        self.after_messages = after_messages
        self.remaining = remaining


class FaultInjection:
    """Faults for future connections (mixed into the mock server, which sets ``_cond`` and
    ``_pending``)."""

    _cond: threading.Condition
    _pending: list[PendingFault]

    def inject(self, fault: Fault, *, after_messages: int = 0, connections: int | None = 1) -> None:
        """Apply ``fault`` to the next ``connections`` connections (None: all later ones).

        Handshake faults act on the upgrade request; other actions run right after the handshake
        (``after_messages=0``) or after that many messages from the client.
        """
        if not isinstance(fault, HandshakeFault | Action):
            raise TypeError(f"inject() needs a HandshakeFault or an Action, not {fault!r}")
        if connections is not None and connections < 1:
            raise ValueError(f"connections must be >= 1 or None (all), not {connections}")
        with self._cond:
            self._pending.append(PendingFault(fault, after_messages, connections))

    def fault_refuse_handshake(
        self,
        status: int = 403,
        headers: Iterable[tuple[str, str]] | dict[str, str] = (),
        body: bytes | str = b"",
        *,
        reason: str | None = None,
        connections: int | None = 1,
    ) -> None:
        """Answer the upgrade with HTTP ``status`` (plus headers and body) instead of 101."""
        pairs = tuple(headers.items() if isinstance(headers, dict) else headers)
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.inject(RefuseHandshake(status, pairs, raw, reason), connections=connections)

    def fault_delay_handshake(self, seconds: float, *, connections: int | None = 1) -> None:
        """Wait ``seconds`` before answering the upgrade request."""
        self.inject(DelayHandshake(seconds), connections=connections)

    def fault_close(
        self, code: int | None = 1000, reason: str = "", *, after_messages: int = 0,
        connections: int | None = 1,
    ) -> None:
        """Send a close frame with ``code`` and ``reason`` (right after the handshake, or after
        ``after_messages`` messages)."""
        self.inject(Close(code, reason), after_messages=after_messages, connections=connections)

    def fault_drop(
        self, *, after_messages: int = 0, reset: bool = False, connections: int | None = 1
    ) -> None:
        """Drop TCP without a close frame (``reset=True``: with an RST)."""
        self.inject(Drop(reset), after_messages=after_messages, connections=connections)

    def fault_ignore_close(self, *, connections: int | None = 1) -> None:
        """Never answer the client's close frame."""
        self.inject(IgnoreClose(), connections=connections)

    def fault_invalid_utf8(self, *, after_messages: int = 0, connections: int | None = 1) -> None:
        """Send a text message that is not valid UTF-8."""
        self.inject(InvalidUtf8(), after_messages=after_messages, connections=connections)

    def fault_oversized(
        self, size: int, *, binary: bool = False, after_messages: int = 0,
        connections: int | None = 1,
    ) -> None:
        """Send one message of ``size`` bytes."""
        self.inject(Oversized(size, binary), after_messages=after_messages, connections=connections)

    def fault_fragmented(
        self, message: str | bytes, *, fragments: int = 3, interleave: Sequence[Ping | Pong] = (),
        after_messages: int = 0, connections: int | None = 1,
    ) -> None:
        """Send ``message`` in ``fragments`` frames, ``interleave`` control frames between them."""
        self.inject(
            Fragmented(message, fragments, tuple(interleave)),
            after_messages=after_messages, connections=connections,
        )

    def fault_protocol_violation(
        self, kind: Violation | str, *, after_messages: int = 0, connections: int | None = 1
    ) -> None:
        """Commit the protocol violation ``kind`` (a :class:`Violation` or its name)."""
        self.inject(ProtocolViolation(kind), after_messages=after_messages, connections=connections)

    def fault_stop_reading(self, *, after_messages: int = 0, connections: int | None = 1) -> None:
        """Stop reading the socket (slow consumer); ``MockConnection.resume_reading()`` undoes."""
        self.inject(StopReading(), after_messages=after_messages, connections=connections)

    def _take_faults_locked(self) -> tuple[list[HandshakeFault], list[tuple[int, Action]], bool]:
        """(accept thread, lock held) The pending faults a new connection gets: handshake
        faults, actions scheduled after a number of messages, and whether to ignore its close;
        each counts against its ``connections``."""
        handshake_faults: list[HandshakeFault] = []
        scheduled: list[tuple[int, Action]] = []
        ignore_close = False
        for pending in self._pending:
            if pending.remaining == 0:
                continue
            if pending.remaining is not None:
                pending.remaining -= 1
            if isinstance(pending.fault, HandshakeFault):
                handshake_faults.append(pending.fault)
            elif isinstance(pending.fault, IgnoreClose):
                ignore_close = True
            else:
                scheduled.append((pending.after_messages, pending.fault))
        self._pending = [p for p in self._pending if p.remaining != 0]
        return handshake_faults, scheduled, ignore_close
