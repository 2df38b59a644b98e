"""``ClientSettings``: what ``Connect`` captured from the client's properties for one session.

A frozen value: the worker reads it without locks, and a property changed while connecting
cannot affect the attempt under way.
"""

from __future__ import annotations

import ssl

import attrs

from fnc_websocket.common import TTMSFNCWebsocketOption

__all__ = ["ClientSettings"]


@attrs.frozen
class ClientSettings:
    """The settings of one connection attempt (one ``ClientSession``)."""

    host: str
    port: int
    request: bytes
    key: str
    protocols: tuple[str, ...]
    ssl_context: ssl.SSLContext | None
    server_hostname: str
    connect_timeout: float
    bound_ip: str
    auto_check: bool
    max_message_size: int
    options: frozenset[TTMSFNCWebsocketOption]
    close_timeout: float
    heartbeat_interval: float  # 0: no heartbeat
    heartbeat_timeout: float
    thread_name: str
