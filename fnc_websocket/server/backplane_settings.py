"""``TBackplane``: the server's ``Backplane`` sub-object (Redis pub/sub between server nodes).

Its properties are streamed in form files like ``HeartBeat``'s and, like every property, checked
only when the server is activated (``Active = True``), where every problem is listed. All of
them are fixed while the server is active.
"""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import urlsplit

import attrs

from fnc import Property, TNestedPersistent, TPersistent
from fnc.properties import in_range
from fnc_websocket.server.identity import new_node_id

__all__ = ["REDIS_EXTRA_HINT", "BackplaneConfig", "TBackplane", "node_channel",
           "redacted_url", "redis_available", "url_problem"]

REDIS_EXTRA_HINT = "pip install fnc-websocket[redis]"
"""How to install what the backplane needs (redis-py)."""

MAX_NAME = 100
"""Longest Channel and NodeId, in characters."""


def redis_available() -> bool:
    """Whether redis-py can be imported."""
    try:
        return importlib.util.find_spec("redis") is not None
    except (ImportError, ValueError):
        return False


def redacted_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and logs)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.netloc
    userinfo, _sep, hostport = netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable Redis URL, or None.

    Accepted: ``redis://[[user]:password@]host[:port][/db]`` and ``rediss://`` (TLS), with
    optional redis-py query options (``?ssl_cert_reqs=none`` ...).
    """
    if not url.strip():
        return "empty: set redis://host:port/db (or rediss:// for TLS)"
    shown = redacted_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"{shown!r} is not a valid URL ({exc})"
    if parts.scheme not in ("redis", "rediss"):
        return (f"{shown!r}: the scheme must be redis:// or rediss:// (TLS), not "
                f"{(parts.scheme + '://') if parts.scheme else 'missing'}")
    if not parts.hostname:
        return f"{shown!r} names no host (redis://host:port/db)"
    if port == 0:
        return f"{shown!r}: port 0 cannot be connected to"
    database = parts.path.strip("/")
    if database and not database.isdigit():
        return f"{shown!r}: the path must be a database number, not {database!r}"
    if parts.fragment:
        return f"{shown!r}: a fragment ('#...') has no meaning in a Redis URL"
    if redis_available():
        from redis.connection import parse_url  # redis-py's own checks (query options)

        try:
            parse_url(url)
        except (ValueError, TypeError) as exc:
            return f"{shown!r}: {exc}"
    return None


def _when_enabled(check: Any) -> Any:
    def validator(obj: Any, value: Any) -> str | None:
        return check(obj, value) if obj.Enabled else None
    return validator


def _enabled_problem(_obj: Any, value: bool) -> str | None:
    if value and not redis_available():
        return f"the backplane needs the redis package (redis-py): {REDIS_EXTRA_HINT}"
    return None


def _name_problem(_obj: Any, value: str) -> str | None:
    if not value:
        return "must not be empty"
    if len(value) > MAX_NAME:
        return f"{len(value)} characters; at most {MAX_NAME}"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return f"{value!r} contains spaces or control characters"
    return None


def _node_id_stored(obj: Any) -> bool:
    return bool(obj.__dict__.get("_p_NodeId"))


class TBackplane(TNestedPersistent):
    """Redis pub/sub backplane (added beyond TMS): broadcasts and addressed sends reach the
    clients of every server node that shares ``URL`` and ``Channel``.

    Delivery between nodes is at-most-once and in order per publishing node (Redis pub/sub's
    guarantee); what is published while Redis is unreachable is dropped and counted in the
    server's ``BackplaneDropped``. See docs/scaling.md.
    """

    Enabled = Property(bool, False, locked=True, validator=_enabled_problem,
                       doc="Join the cluster at Active = True (needs the redis extra).")
    URL = Property(str, "redis://127.0.0.1:6379/0", locked=True,
                   validator=_when_enabled(lambda _o, v: url_problem(v)),
                   doc="redis://[:password@]host:port/db, or rediss:// for TLS.")
    Channel = Property(str, "fnc-ws", locked=True, validator=_when_enabled(_name_problem),
                       doc="Pub/sub channel; the nodes sharing it form one cluster.")
    NodeId = Property(str, "", locked=True, stored=_node_id_stored,
                      validator=_when_enabled(_name_problem),
                      doc="This node's id in the cluster; '' reads back as a generated unique "
                          "id. Fixed while active.")
    HeartbeatInterval = Property(float, 1.0, locked=True, validator=in_range(0.1, 60.0),
                                 doc="Seconds between this node's count heartbeats; a node "
                                     "silent for 3 intervals stops counting.")
    Timeout = Property(float, 2.0, locked=True, validator=in_range(0.1, 60.0),
                       doc="Seconds a connect or a Redis command may take before the "
                           "backplane counts Redis as unreachable.")
    QueueLimit = Property(int, 16 * 1024 * 1024, locked=True,
                          validator=in_range(1024, 1024 * 1024 * 1024),
                          doc="Bytes of messages that may wait to be published; beyond it "
                              "they are dropped (BackplaneDropped).")

    def __init__(self, AOwner: TPersistent | None = None, **props: Any) -> None:
        self._generated_node_id = new_node_id()
        super().__init__(AOwner, **props)

    @NodeId.getter
    def NodeId(self) -> str:
        return self.__dict__.get("_p_NodeId") or self._generated_node_id

    def Assign(self, Source: TPersistent | None) -> None:
        """Copy every property; ``NodeId`` only when ``Source``'s was set explicitly (two
        servers must not share a generated id)."""
        if isinstance(Source, TBackplane):
            for name in ("Enabled", "URL", "Channel", "HeartbeatInterval", "Timeout",
                         "QueueLimit"):
                setattr(self, name, getattr(Source, name))
            self.NodeId = Source.__dict__.get("_p_NodeId", "")
            return
        super().Assign(Source)

    def config(self) -> BackplaneConfig:
        """The settings of one activation."""
        return BackplaneConfig(url=self.URL, channel=self.Channel, node_id=self.NodeId,
                               heartbeat_interval=self.HeartbeatInterval,
                               timeout=self.Timeout, queue_limit=self.QueueLimit)


@attrs.frozen
class BackplaneConfig:
    """The backplane settings fixed for one activation."""

    url: str
    channel: str
    node_id: str
    heartbeat_interval: float
    timeout: float
    queue_limit: int

    @property
    def node_channel(self) -> str:
        """The channel of messages addressed to this node's connections."""
        return node_channel(self.channel, self.node_id)


def node_channel(channel: str, node_id: str) -> str:
    """The channel of messages addressed to ``node_id``'s connections."""
    return f"{channel}:node:{node_id}"
