"""Keep-alive settings both components publish: :class:`THeartBeat` (``HeartBeat`` property)."""

from __future__ import annotations

from fnc import Property, TNestedPersistent
from fnc.properties import in_range

__all__ = ["MAX_HEARTBEAT_SECONDS", "THeartBeat"]

MAX_HEARTBEAT_SECONDS = 86_400.0
"""Upper bound of ``Interval`` and ``Timeout``: one day (checked at ``Connect``/activation)."""


class THeartBeat(TNestedPersistent):
    """Keep-alive pings (added beyond TMS, named as sgcWebSockets users know it).

    While ``Enabled``, a ping is sent every ``Interval`` seconds; a peer that does not answer
    with a pong within ``Timeout`` seconds is declared dead and disconnected (close 1011 on a
    server, an ``OnError`` then ``OnDisconnect`` on a client).
    """

    Enabled = Property(bool, False, doc="Send keep-alive pings.")
    Interval = Property(float, 30.0, validator=lambda _o, v: None if 0 < v <= MAX_HEARTBEAT_SECONDS
                        else f"{v!r} must be above 0 and at most {MAX_HEARTBEAT_SECONDS:g} s "
                        "(one day)", doc="Seconds between pings.")
    Timeout = Property(float, 10.0, validator=in_range(0.0, MAX_HEARTBEAT_SECONDS),
                       doc="Seconds to wait for the pong; 0 = never declare the peer dead.")

