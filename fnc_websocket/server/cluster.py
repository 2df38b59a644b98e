"""The server's cluster API (added beyond TMS): addressed sends by ``Id``, cluster counts, and
the glue between the component and its :class:`~fnc_websocket.server.backplane.BackplaneRuntime`.

Mixed into ``TTMSFNCCustomWebSocketServer``; the ``Backplane`` property and the
``OnBackplaneError``/``OnBackplaneStateChange`` events are declared there.
"""

from __future__ import annotations

import logging
from typing import Any

from fnc_websocket.errors import EWebSocket
from fnc_websocket.server.backplane import BackplaneRuntime
from fnc_websocket.server.identity import ConnectionDirectory, attach_directory, node_of

__all__ = ["ClusterServerMixin"]

log = logging.getLogger("fnc_websocket.server.backplane")


class ClusterServerMixin:
    """Methods and read-only properties of the server's cluster API."""

    _directory: ConnectionDirectory | None = None
    _backplane: BackplaneRuntime | None = None

    # -- activation (called by the component) ---------------------------------------------

    def _attach_identity(self, runtime: Any) -> None:
        """Fix this activation's node id; connections get ``Id`` values under it."""
        self._directory = attach_directory(runtime, self.Backplane.NodeId)  # type: ignore[attr-defined]

    def _start_backplane(self) -> None:
        backplane = self.Backplane  # type: ignore[attr-defined]
        self._backplane = None
        if backplane.Enabled:
            runtime = BackplaneRuntime(self, backplane.config())  # type: ignore[arg-type]
            self._backplane = runtime
            runtime.start()

    def _stop_backplane(self) -> None:
        runtime = self.__dict__.get("_backplane")
        if runtime is not None:
            runtime.stop()

    def _running_backplane(self) -> BackplaneRuntime | None:
        runtime = self._backplane
        return runtime if runtime is not None and self.Active else None  # type: ignore[attr-defined]

    # -- read-only state ------------------------------------------------------------------

    @property
    def BackplaneConnected(self) -> bool:
        """Added: the backplane is subscribed to Redis now (False when disabled or inactive)."""
        runtime = self._running_backplane()
        return runtime is not None and runtime.connected

    @property
    def BackplaneDropped(self) -> int:
        """Added: messages for other nodes dropped during the current (or last) activation:
        offered while Redis was unreachable, beyond ``Backplane.QueueLimit``, or lost in a
        publish that failed. Local clients got them all the same."""
        runtime = self._backplane
        return runtime.dropped if runtime is not None else 0

    @property
    def ClusterConnectionCount(self) -> int:
        """Added: handshaken clients across the cluster: this node's ``ConnectionCount`` plus
        the count each other live node last published (every ``Backplane.HeartbeatInterval``;
        a node silent for three intervals no longer counts). Without the backplane, or while
        Redis is unreachable, only this node's clients count."""
        local: int = self.ConnectionCount  # type: ignore[attr-defined]
        runtime = self._running_backplane()
        return local + (runtime.remote_count() if runtime is not None else 0)

    @property
    def ClusterNodes(self) -> tuple[str, ...]:
        """Added: the ids of the other live nodes this node hears (sorted); () without the
        backplane."""
        runtime = self._running_backplane()
        return runtime.remote_nodes() if runtime is not None else ()

    # -- addressed sends ------------------------------------------------------------------

    def _send_to_id(self, AId: str, text: bool, payload: bytes) -> bool:
        """``SendMessageToId``/``SendDataToId`` (declared on the component)."""
        if not isinstance(AId, str):
            raise TypeError(f"a connection Id is a str, got {type(AId).__name__}")
        node = node_of(AId)
        if not node:
            raise ValueError(f"{AId!r} is not a connection Id (expected 'NodeId#number', as "
                             "AConnection.Id gives)")
        directory = self._directory
        if directory is None or not self.Active:  # type: ignore[attr-defined]
            return False
        if node == directory.node_id:
            return self._deliver_to(directory, AId, text, payload)
        runtime = self._running_backplane()
        return runtime is not None and runtime.publish_direct(AId, text, payload)

    @staticmethod
    def _deliver_to(directory: ConnectionDirectory, AId: str, text: bool,
                    payload: bytes) -> bool:
        conn = directory.find(AId)
        if conn is None:
            return False
        try:
            if text:
                conn.Send(payload.decode("utf-8"))
            else:
                conn.SendBytes(payload)
        except EWebSocket:
            return False  # closing, closed or dropped as too slow
        return True

    # -- the backplane's side (publisher: any thread; delivery: the subscriber thread) -----

    def _backplane_publish(self, text: bool, payload: bytes, AExcept: Any) -> None:
        runtime = self._running_backplane()
        if runtime is not None:
            runtime.publish_broadcast(text, payload, AExcept.Id if AExcept is not None else "")

    def _backplane_deliver(self, text: bool, payload: bytes, except_id: str) -> None:
        """A broadcast from another node: to every local client but ``except_id``."""
        def selector(conn: Any) -> bool:
            return conn.Id != except_id
        if text:
            self.SendMessageTo(payload.decode("utf-8"), selector)  # type: ignore[attr-defined]
        else:
            self.SendDataTo(payload, selector)  # type: ignore[attr-defined]

    def _backplane_deliver_to(self, AId: str, text: bool, payload: bytes) -> None:
        """A message another node addressed to one of this node's connections."""
        directory = self._directory
        if directory is not None and node_of(AId) == directory.node_id:
            self._deliver_to(directory, AId, text, payload)
