"""The mock server's script: message matchers, standing reply rules and ordered expectations."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Union

from fnc_websocket.testing.actions import Action, as_action
from fnc_websocket.testing.records import ReceivedMessage

if TYPE_CHECKING:
    from fnc_websocket.testing.mock_connection import MockConnection

__all__ = ["Expectation", "Match", "Reply", "Rule", "Script", "compile_match", "describe_match"]

Match = Union[
    None, str, bytes, "re.Pattern[str]", "re.Pattern[bytes]", Callable[[ReceivedMessage], bool]
]
"""What a message must look like: None (any message), a str (a text message equal to it), bytes (a
binary message equal to it), a compiled regex (``search`` in the text, or in the payload for a bytes
pattern), or a predicate taking the :class:`ReceivedMessage`."""

Reply = Union[  # noqa: UP007 - a runtime alias with forward references
    str, bytes, Action,
    Callable[[ReceivedMessage, "MockConnection"], "Reply | Iterable[Reply] | None"],
]
"""What to do: str sends text, bytes sends binary, an Action runs, a callable
``(message, connection)`` returns any of these (or an iterable of them, or None for nothing)."""


def describe_match(match: Match) -> str:
    """Readable form of a matcher for error messages."""
    if match is None:
        return "any message"
    if isinstance(match, str):
        return f"text {match!r}"
    if isinstance(match, bytes):
        return f"binary {match!r}"
    if isinstance(match, re.Pattern):
        return f"regex {match.pattern!r}"
    return f"predicate {getattr(match, '__qualname__', repr(match))}"


def compile_match(match: Match) -> Callable[[ReceivedMessage], bool]:
    """Turn a :data:`Match` into a predicate on :class:`ReceivedMessage`."""
    if match is None:
        return lambda message: True
    if isinstance(match, str):
        return lambda message: message.is_text and message.text == match
    if isinstance(match, bytes):
        return lambda message: not message.is_text and message.payload == match
    if isinstance(match, re.Pattern):
        pattern = match
        if isinstance(pattern.pattern, bytes):
            return lambda message: pattern.search(message.payload) is not None
        return lambda message: message.text is not None and pattern.search(message.text) is not None
    if callable(match):
        return match
    raise TypeError(
        "a message match must be None, str, bytes, a compiled regex or a predicate, "
        f"not {type(match).__name__}: {match!r}"
    )


def check_replies(replies: tuple[Reply, ...]) -> tuple[Reply, ...]:
    for reply in replies:
        if not callable(reply) or isinstance(reply, Action):
            as_action(reply)  # type: ignore[arg-type]  # raises TypeError naming the bad reply
    return replies


class Rule:
    """A standing rule: each message matching ``match`` gets ``replies`` (at most ``times``)."""

    def __init__(self, match: Match, replies: tuple[Reply, ...], times: int | None) -> None:
        self.match = match
        self.predicate = compile_match(match)
        self.replies = check_replies(replies)
        self.remaining = times
        self.hits = 0

    def __repr__(self) -> str:
        return f"Rule({describe_match(self.match)}, hits={self.hits}, remaining={self.remaining})"


class Expectation:
    """A step of the ordered script: the next message must match ``match``; it gets ``replies``."""

    def __init__(self, match: Match, replies: tuple[Reply, ...]) -> None:
        self.match = match
        self.predicate = compile_match(match)
        self.replies = check_replies(replies)
        self.met_by: ReceivedMessage | None = None

    def __repr__(self) -> str:
        return f"Expectation({describe_match(self.match)}, met={self.met_by is not None})"


class Script:
    """Server-wide script, consulted for each message as it arrives (from any connection).

    Order of precedence for a message: the head expectation if it matches (consumed); else the first
    standing rule that matches; else echo when enabled. A message arriving while expectations are
    pending that does not match the head one is recorded as a script error. Thread-safe.
    """

    def __init__(self, lock: threading.Condition) -> None:
        self._cond = lock
        self.rules: list[Rule] = []
        self.expectations: list[Expectation] = []
        self.errors: list[str] = []

    def add_rule(self, rule: Rule) -> None:
        with self._cond:
            self.rules.append(rule)

    def add_expectation(self, expectation: Expectation) -> None:
        with self._cond:
            self.expectations.append(expectation)

    def pending(self) -> list[Expectation]:
        with self._cond:
            return [e for e in self.expectations if e.met_by is None]

    def resolve(self, message: ReceivedMessage) -> tuple[bool, tuple[Reply, ...]]:
        """Return (handled, replies) for ``message``; ``handled`` False means fall back to echo."""
        with self._cond:
            try:
                head = next(e for e in self.expectations if e.met_by is None)
            except StopIteration:
                head = None
            if head is not None:
                if head.predicate(message):
                    head.met_by = message
                    self._cond.notify_all()
                    return True, head.replies
                self.errors.append(
                    f"expected {describe_match(head.match)}, got "
                    f"{'text' if message.is_text else 'binary'} {message.data!r} "
                    f"on connection {message.connection_id}"
                )
                self._cond.notify_all()
            for rule in self.rules:
                if rule.remaining == 0 or not rule.predicate(message):
                    continue
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                return True, rule.replies
            return False, ()


def expand_replies(
    replies: Iterable[Reply], message: ReceivedMessage | None, connection: MockConnection
) -> list[Action]:
    """Resolve callables (called with ``message`` and ``connection``) and coerce to actions."""
    actions: list[Action] = []
    for reply in replies:
        if callable(reply) and not isinstance(reply, Action):
            produced = reply(message, connection)  # type: ignore[arg-type]
            if produced is None:
                continue
            if isinstance(produced, str | bytes | bytearray | Action):
                actions.append(as_action(produced))
            else:
                actions.extend(as_action(item) for item in produced)
        else:
            actions.append(as_action(reply))
    return actions
