"""Node and connection identities: the ``NodeId`` default and each connection's ``Id``.

A connection's ``Id`` is ``"<NodeId>#<n>"``: the node that serves it, then a number counted per
activation. It is unique across a cluster as long as node ids are, and it tells any node where
to route an addressed message (``SendMessageToId``) without a shared directory.

One :class:`ConnectionDirectory` belongs to one server activation (one ``ServerRuntime``); it
maps ids to the live connection objects (weakly, so it never keeps a connection alive).
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import socket
import threading
import weakref
from typing import Any

__all__ = ["ConnectionDirectory", "allocate_connection_id", "attach_directory", "directory_of",
           "new_node_id", "node_of"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def new_node_id() -> str:
    """A fresh node id: ``host-pid-random`` (readable in logs, unique in practice)."""
    host = _UNSAFE.sub("-", socket.gethostname())[:24].strip("-") or "node"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


def node_of(connection_id: str) -> str:
    """The node id inside a connection id ('' when ``connection_id`` has no ``#n`` suffix)."""
    node, sep, number = connection_id.rpartition("#")
    return node if sep and node and number.isdigit() else ""


class ConnectionDirectory:
    """Ids of the connections of one server activation (thread-safe)."""

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._by_id: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()

    def allocate(self, connection: Any) -> str:
        """A new id for ``connection``, remembered (weakly) for :meth:`find`."""
        with self._lock:
            connection_id = f"{self.node_id}#{next(self._numbers)}"
            self._by_id[connection_id] = connection
        return connection_id

    def find(self, connection_id: str) -> Any:
        """The connection with that id, or None (unknown, or already collected)."""
        with self._lock:
            return self._by_id.get(connection_id)


_directories: weakref.WeakKeyDictionary[Any, ConnectionDirectory] = weakref.WeakKeyDictionary()
_directories_lock = threading.Lock()


def attach_directory(runtime: Any, node_id: str) -> ConnectionDirectory:
    """Give ``runtime`` (a ``ServerRuntime``) its directory; call before it accepts."""
    directory = ConnectionDirectory(node_id)
    with _directories_lock:
        _directories[runtime] = directory
    return directory


def directory_of(runtime: Any) -> ConnectionDirectory | None:
    """The directory attached to ``runtime``, if any."""
    with _directories_lock:
        return _directories.get(runtime)


def allocate_connection_id(runtime: Any, connection: Any) -> str:
    """The ``Id`` of a new connection of ``runtime`` (a directory is made if none was
    attached, so a runtime started by other code still gives unique ids)."""
    with _directories_lock:
        directory = _directories.get(runtime)
        if directory is None:
            directory = _directories[runtime] = ConnectionDirectory(new_node_id())
    return directory.allocate(connection)
