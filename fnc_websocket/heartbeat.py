"""Keep-alive settings both components publish: :class:`THeartBeat` (``HeartBeat`` property)."""

from __future__ import annotations

from fnc import Property, TNestedPersistent
from fnc.properties import at_least

__all__ = ["THeartBeat"]


class THeartBeat(TNestedPersistent):
    """Keep-alive pings (added beyond TMS, named as sgcWebSockets users know it).

    While ``Enabled``, a ping is sent every ``Interval`` seconds; a peer that does not answer
    with a pong within ``Timeout`` seconds is declared dead and disconnected (close 1011 on a
    server, an ``OnError`` then ``OnDisconnect`` on a client).
    """

    Enabled = Property(bool, False, doc="Send keep-alive pings.")
    Interval = Property(float, 30.0, validator=lambda _o, v: None if v > 0 else
                        f"{v!r} must be above 0", doc="Seconds between pings.")
    Timeout = Property(float, 10.0, validator=at_least(0.0),
                       doc="Seconds to wait for the pong; 0 = never declare the peer dead.")

