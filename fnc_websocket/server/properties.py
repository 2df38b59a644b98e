"""The server's property value checks and limits (used by the component's declarations).

Each validator returns None for a good value, else the problem as text. Validators never run in
the setter: ``Validate`` (called at activation) runs them all and lists every problem at once.
"""

from __future__ import annotations

import ipaddress
from typing import Any

__all__ = ["MAX_TIMEOUT_MS", "binding_ip_problem", "frame_size_problem",
           "positive_problem", "timeout_ms_problem"]

MAX_TIMEOUT_MS = 86_400_000
"""Upper bound of every millisecond timeout property (one day), checked at activation."""


def positive_problem(_obj: Any, value: float) -> str | None:
    return None if value > 0 else f"{value!r} must be above 0"


def timeout_ms_problem(_obj: Any, value: int) -> str | None:
    if not 0 < value <= MAX_TIMEOUT_MS:
        return f"{value!r} ms is out of range 1..{MAX_TIMEOUT_MS} (one day)"
    return None


def binding_ip_problem(_obj: Any, value: str) -> str | None:
    if value == "":
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return (f"{value!r} is not an IP address (use '' for all interfaces, or an IPv4 or "
                "IPv6 address such as '127.0.0.1' or '::1')")
    return None


def frame_size_problem(obj: Any, value: int) -> str | None:
    if value < 0:
        return f"{value!r} is below the minimum 0"
    if obj.SplitMessage and 0 < value < 3:
        return f"{value!r} leaves no room for payload after the 2-byte frame header"
    return None
