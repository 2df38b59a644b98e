"""The client's property types, value checks and limits (used by the component at Connect).

Property setters check types only; values are checked together at ``Connect`` (``Validate``),
which lists every problem in one ``EWebSocketClientPropertyError``. This module holds the
per-property validators, :func:`client_problems` (the checks that involve several properties),
the limits (timeouts have an upper bound), and :class:`TWatchDog`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from fnc.component import TNestedPersistent
from fnc.properties import Property, at_least
from fnc_websocket.client.tls import tls_file_problems
from fnc_websocket.connection import frame_payload_sizes

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_MAX_MESSAGE_SIZE", "DEFAULT_SEND_QUEUE_LIMIT",
           "MAX_SECONDS", "MAX_TIMEOUT_MS", "TWatchDog", "bound_ip_problem", "client_problems",
           "header_text_problem", "path_problem", "split_protocols", "subprotocols_problem"]

DEFAULT_CONNECT_TIMEOUT = 20.0
"""Seconds the connect (resolve excluded), TLS and upgrade handshake may take when
``ConnectTimeout`` is 0."""
DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024
"""Default ``MaxMessageSize``: 16 MiB."""
DEFAULT_SEND_QUEUE_LIMIT = 16 * 1024 * 1024
"""Default ``SendQueueLimit``: 16 MiB, as on the server."""
MAX_TIMEOUT_MS = 600_000
"""Upper bound of the millisecond timeouts (ConnectTimeout, CloseTimeout, CheckTimeout): 10 min."""
MAX_SECONDS = 86_400.0
"""Upper bound of WatchDog.Interval: one day (as HeartBeat's, see ``heartbeat``)."""
_WATCHDOG_MAX_DELAY = 60.0


class TWatchDog(TNestedPersistent):
    """Automatic reconnect after an unexpected drop (added beyond TMS; sgcWebSockets' names).

    While ``Enabled``, a connection that ends without the application asking for it (the
    server closed it, the network dropped, the heartbeat declared the server dead) is reconnected
    after ``Interval`` seconds, then after twice as long for each further failed attempt (at most
    60 s, or ``Interval`` when that is longer), up to ``Attempts`` attempts in a row (0 = no limit).
    A ``Disconnect``/``Active = False``/``Free`` never triggers it. Reconnects run ``Connect`` on
    the home thread, so that thread must pump messages.
    """

    Enabled = Property(bool, False, doc="Reconnect after an unexpected disconnection.")
    Interval = Property(float, 5.0, validator=lambda _o, v: None if 0 < v <= MAX_SECONDS else
                        f"{v!r} must be above 0 and at most {MAX_SECONDS:g}",
                        doc="Seconds before the first reconnect.")
    Attempts = Property(int, 0, validator=at_least(0),
                        doc="Reconnect attempts in a row before giving up; 0 = no limit.")

    def delay(self, failures: int) -> float:
        """Seconds before the next reconnect after ``failures`` failed attempts in a row."""
        return min(self.Interval * (2 ** failures), max(_WATCHDOG_MAX_DELAY, self.Interval))


def path_problem(_obj: Any, value: str) -> str | None:
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "must not contain spaces or control characters"
    return None


def header_text_problem(_obj: Any, value: str) -> str | None:
    if "\r" in value or "\n" in value:
        return "must not contain line breaks"
    return None


def bound_ip_problem(_obj: Any, value: str) -> str | None:
    if not value:
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return f"{value!r} is not an IP address"
    return None


def subprotocols_problem(_obj: Any, value: str) -> str | None:
    for token in split_protocols(value):
        if not token.isascii() or any(c in token for c in '()<>@,;:\\"/[]?={} \t'):
            return f"{token!r} is not a valid sub-protocol token"
    return None


def split_protocols(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]




def client_problems(client: Any, prefix: str) -> list[tuple[str, str]]:
    """The problems of a client's settings that involve several properties."""
    problems: list[tuple[str, str]] = []
    if client.SplitMessage:
        if client.FrameSize <= 0:
            problems.append((prefix + "FrameSize",
                             "must be set (above 6) when SplitMessage is True"))
        else:
            try:
                frame_payload_sizes(1, client.FrameSize, masked=True)
            except ValueError as exc:
                problems.append((prefix + "FrameSize", str(exc)))
    if client.UseSSL and client.SSLContext is None:
        problems.extend((prefix + n, why) for n, why in tls_file_problems(
            client.RootCertificateFile, client.CertificateFile, client.CertificateKeyFile))
    heartbeat = client.HeartBeat
    if heartbeat.Enabled and not client.AutoCheckMessages:
        problems.append((prefix + "HeartBeat.Enabled",
                         "needs AutoCheckMessages = True (the worker sends the pings)"))
    if (client.Proxy.Enabled or client.Proxy.FromEnvironment) and client.BoundIP:
        problems.append((prefix + "BoundIP", "cannot be used with Proxy.Enabled or "
                                             "Proxy.FromEnvironment (websocket-client connects "
                                             "to the proxy)"))
    return problems
