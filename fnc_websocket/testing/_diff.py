"""Comparing a message the client sent with the one a cassette expects, and showing the difference.

JSON texts compare as JSON (key order and white space do not matter), after removing the
``ignore_fields`` (object keys, at any depth, such as timestamps or request ids). Other texts and
binary payloads compare exactly.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection
from typing import Any

__all__ = ["describe_payload", "payload_diff", "payloads_match"]

_MISSING = object()


def _as_json(text: str | None) -> Any:
    if text is None:
        return _MISSING
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return _MISSING
    try:
        return json.loads(stripped)
    except ValueError:
        return _MISSING


def _without(value: Any, ignore: Collection[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list):
        return [_without(v, ignore) for v in value]
    return value


def _text(is_text: bool, payload: bytes) -> str | None:
    if not is_text:
        return None
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def payloads_match(expected_text: bool, expected: bytes, received_text: bool, received: bytes,
                   ignore_fields: Collection[str] = ()) -> bool:
    """True when the received message equals the expected one (JSON-aware for texts)."""
    if expected_text != received_text:
        return False
    if not expected_text:
        return expected == received
    want, got = _text(True, expected), _text(True, received)
    if want is None or got is None:
        return expected == received
    want_json, got_json = _as_json(want), _as_json(got)
    if want_json is not _MISSING and got_json is not _MISSING:
        return _without(want_json, ignore_fields) == _without(got_json, ignore_fields)
    return want == got


def describe_payload(is_text: bool, payload: bytes) -> str:
    """``text '...'`` or ``binary b'...'`` (long payloads shortened)."""
    if is_text:
        text = _text(True, payload)
        shown = repr(text if text is not None else payload)
        kind = "text"
    else:
        shown = repr(payload)
        kind = "binary"
    if len(shown) > 200:
        shown = shown[:197] + "..."
    return f"{kind} {shown}"


def _lines(is_text: bool, payload: bytes, ignore: Collection[str]) -> list[str]:
    text = _text(is_text, payload)
    if text is None:
        return [payload[i:i + 16].hex(" ") for i in range(0, len(payload), 16)] or ["(empty)"]
    value = _as_json(text)
    if value is not _MISSING:
        return json.dumps(_without(value, ignore), indent=2, sort_keys=True,
                          ensure_ascii=False).splitlines()
    return text.splitlines() or [""]


def payload_diff(expected_text: bool, expected: bytes, received_text: bool, received: bytes,
                 ignore_fields: Collection[str] = ()) -> str:
    """Both messages named on one line each, then a unified diff (JSON pretty-printed with sorted
    keys and without the ignored fields; binary as hex)."""
    head = [f"expected {describe_payload(expected_text, expected)}",
            f"received {describe_payload(received_text, received)}"]
    if expected_text != received_text:
        head.append("(one is text, the other binary)")
    diff = difflib.unified_diff(
        _lines(expected_text, expected, ignore_fields),
        _lines(received_text, received, ignore_fields),
        "expected (cassette)", "received (client)", lineterm="", n=2,
    )
    if ignore_fields:
        head.append(f"(ignoring fields: {', '.join(sorted(ignore_fields))})")
    return "\n".join([*head, *diff])
