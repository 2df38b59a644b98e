"""The running backplane of one server activation: Redis pub/sub between server nodes.

:class:`BackplaneRuntime` owns two threads, both started by ``Active = True`` and joined
(bounded) by ``Active = False``, ``Free()`` and interpreter exit:

* the *subscriber*: connects to Redis, subscribes to the cluster channel and to this node's
  own channel, and hands every message from another node to the server's local clients. When
  Redis is unreachable or the connection drops it fires ``OnBackplaneError`` (once per outage)
  and ``OnBackplaneStateChange``, then retries with back-off (0.1 s doubling up to 2 s) until
  Redis is back or the server stops;
* the *publisher*: publishes what the application broadcast or addressed to other nodes, in
  order, in pipelined batches, and this node's connection count every ``HeartbeatInterval``.

Sending never waits for Redis: a message is put in a queue bounded in bytes
(``Backplane.QueueLimit``). One offered while Redis is unreachable, or beyond the bound, or
lost in a publish that failed, is dropped and counted (``BackplaneDropped``): delivery is
at-most-once, in order per publishing node, as Redis pub/sub gives.
"""

from __future__ import annotations

import collections
import logging
import secrets
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from fnc.exceptions import EComponentError
from fnc_websocket.errors import EBackplaneAuthError, EBackplaneError, EWebsocketServer
from fnc_websocket.server import backplane_wire as wire
from fnc_websocket.server.backplane_settings import (
    REDIS_EXTRA_HINT,
    BackplaneConfig,
    node_channel,
    redacted_url,
)
from fnc_websocket.server.identity import node_of
from fnc_websocket.server.lifetime import StopAtExit, fire_event, join_thread

if TYPE_CHECKING:
    from fnc_websocket.server.component import TTMSFNCCustomWebSocketServer

__all__ = ["BackplaneRuntime", "stop_all_backplanes"]

log = logging.getLogger("fnc_websocket.server.backplane")

BACKOFF_MIN = 0.1
BACKOFF_MAX = 2.0
"""Seconds between reconnection attempts: doubling from BACKOFF_MIN up to BACKOFF_MAX."""

POLL = 0.2
"""Longest the subscriber waits for a message before checking whether it must stop."""

BATCH_ITEMS = 512
BATCH_BYTES = 1024 * 1024
"""Most messages / bytes published in one pipelined round trip."""

EXPIRY_INTERVALS = 3
"""A node silent for this many of its heartbeat intervals no longer counts."""


def _import_redis() -> Any:
    try:
        import redis
    except ImportError as exc:  # validated at activation; this is for code that skipped it
        raise EWebsocketServer(
            f"the backplane needs the redis package (redis-py): {REDIS_EXTRA_HINT}") from exc
    return redis


class BackplaneRuntime:
    """Subscriber and publisher threads of one activation (see the module docstring)."""

    def __init__(self, component: TTMSFNCCustomWebSocketServer, config: BackplaneConfig) -> None:
        self._redis = _import_redis()
        self._component = weakref.ref(component)
        self.config = config
        self._stop = threading.Event()  # publisher: flush, say goodbye, end
        self._stop_subscriber = threading.Event()  # set once the publisher has ended
        self._token = secrets.token_hex(4)  # tells this activation from a node id twin
        self._cond = threading.Condition()
        self._queue: collections.deque[tuple[str, bytes, bool]] = collections.deque()
        self._queued_bytes = 0
        self._beat_now = True
        self._state_lock = threading.Lock()
        self._connected = False
        self._outage_reported: type | None = None
        self._dropped = 0
        self._remote: dict[str, tuple[int, float]] = {}
        self._epoch = 0  # counts subscriber connections; the publisher reconnects on a change
        name = f"{component.Name or type(component).__name__} {config.node_id}"
        self._subscriber = threading.Thread(target=self._guard,
                                            args=(self._subscribe_loop, self._stop_subscriber),
                                            name=f"fnc-ws-backplane-sub {name}", daemon=True)
        self._publisher = threading.Thread(target=self._guard,
                                           args=(self._publish_loop, self._stop),
                                           name=f"fnc-ws-backplane-pub {name}", daemon=True)

    # -- lifetime -------------------------------------------------------------------------------

    def start(self) -> None:
        _live.add(self)
        self._subscriber.start()
        self._publisher.start()

    def stop(self) -> None:
        """Publish what is queued and a farewell (bounded by Timeout), stop and join both
        threads. Safe from any thread, several times."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        bound = self.config.timeout * 2 + POLL + 1.0
        # The publisher first: its farewell goes out while the subscriber still holds Redis.
        self._join(self._publisher, bound)
        self._stop_subscriber.set()
        self._join(self._subscriber, bound)
        _live.discard(self)

    @staticmethod
    def _join(thread: threading.Thread, bound: float) -> None:
        if not join_thread(thread, bound):
            log.warning("backplane thread %s did not end within %.1f s", thread.name, bound)

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        return (self._subscriber, self._publisher)

    # -- state read by the component (any thread) -----------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def dropped(self) -> int:
        return self._dropped

    def remote_count(self) -> int:
        """Connections on the other live nodes (as their last heartbeats said)."""
        now = time.monotonic()
        with self._state_lock:
            return sum(count for count, expires in self._remote.values() if expires > now)

    def remote_nodes(self) -> tuple[str, ...]:
        now = time.monotonic()
        with self._state_lock:
            return tuple(sorted(n for n, (_c, e) in self._remote.items() if e > now))

    # -- publishing (any thread; never waits for Redis) -----------------------------------

    def publish_broadcast(self, text: bool, payload: bytes, except_id: str = "") -> bool:
        kind = wire.BROADCAST_TEXT if text else wire.BROADCAST_BINARY
        envelope = wire.encode(kind, self.config.node_id, except_id, payload)
        return self._offer(self.config.channel, envelope, True)

    def publish_direct(self, connection_id: str, text: bool, payload: bytes) -> bool:
        node = node_of(connection_id)
        kind = wire.DIRECT_TEXT if text else wire.DIRECT_BINARY
        envelope = wire.encode(kind, self.config.node_id, connection_id, payload)
        return self._offer(node_channel(self.config.channel, node), envelope, True)

    def _offer(self, channel: str, data: bytes, counted: bool) -> bool:
        size = len(data)
        with self._cond:
            if (self._stop.is_set() or not self._connected
                    or self._queued_bytes + size > self.config.queue_limit):
                if counted:
                    self._dropped += 1
                return False
            self._queue.append((channel, data, counted))
            self._queued_bytes += size
            self._cond.notify()
        return True

    # -- events ---------------------------------------------------------------------------

    def _fire(self, event: str, *args: Any) -> None:
        fire_event(self._component(), event, *args)

    def _set_connected(self, connected: bool) -> None:
        with self._state_lock:
            if self._connected == connected:
                return
            self._connected = connected
            if connected:
                self._outage_reported = None
                self._epoch += 1
            else:
                self._remote.clear()  # cut off: the other nodes' counts are unknown now
        if connected:
            log.info("backplane connected to %s (node %s)", redacted_url(self.config.url),
                     self.config.node_id)
            with self._cond:
                self._beat_now = True
                self._cond.notify()
        self._fire("OnBackplaneStateChange", connected)

    def _report(self, exc: BaseException, doing: str) -> None:
        """Turn ``exc`` into a typed error; fire ``OnBackplaneError`` once per outage and kind."""
        error = self._error_for(exc, doing)
        with self._state_lock:
            if self._outage_reported is type(error):
                return
            self._outage_reported = type(error)
        log.warning("%s", error)
        self._fire("OnBackplaneError", error)

    def _error_for(self, exc: BaseException, doing: str) -> EBackplaneError:
        if isinstance(exc, EBackplaneError):
            return exc
        url = redacted_url(self.config.url)
        if isinstance(exc, self._redis.exceptions.AuthenticationError) or (
                isinstance(exc, self._redis.exceptions.ResponseError)
                and str(exc).startswith(("NOAUTH", "WRONGPASS", "NOPERM"))):
            return EBackplaneAuthError(
                f"backplane: Redis at {url} refused the credentials ({exc}); check the "
                "password in Backplane.URL", Cause=exc)
        if isinstance(exc, self._redis.exceptions.RedisError | OSError):
            return EBackplaneError(
                f"backplane: {doing} Redis at {url} failed: {exc or type(exc).__name__}; "
                "serving local clients only, retrying", Cause=exc)
        return EBackplaneError(f"backplane: unexpected {type(exc).__name__} while {doing} "
                               f"Redis at {url}: {exc}; retrying", Cause=exc)

    # -- threads --------------------------------------------------------------------------

    def _guard(self, loop: Any, stop: threading.Event) -> None:
        """Run a thread's loop; an unexpected error is logged and reported, then the loop
        starts over (after a pause) unless the backplane is stopping: no thread dies silently."""
        delay = BACKOFF_MIN
        while not stop.is_set():
            try:
                loop()
                return
            except Exception as exc:
                log.exception("backplane thread %s failed", threading.current_thread().name)
                self._set_connected(False)
                self._report(exc, "using")
                stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX)

    def _client(self) -> Any:
        redis = self._redis
        timeout = self.config.timeout
        return redis.Redis.from_url(
            self.config.url, socket_connect_timeout=timeout, socket_timeout=timeout,
            retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),
            health_check_interval=max(1, int(timeout * 2)), single_connection_client=True)

    def _subscribe_loop(self) -> None:
        delay = BACKOFF_MIN
        redis_errors = (self._redis.exceptions.RedisError, OSError)
        while not self._stop_subscriber.is_set():
            client = pubsub = None
            try:
                client = self._client()
                client.ping()  # AUTH and reachability, with a clear error
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.config.channel, self.config.node_channel)
                self._set_connected(True)
                delay = BACKOFF_MIN
                while not self._stop_subscriber.is_set():
                    message = pubsub.get_message(timeout=POLL)
                    if message is not None and message.get("type") == "message":
                        self._dispatch(message["data"])
            except redis_errors as exc:
                self._set_connected(False)
                if not self._stop_subscriber.is_set():
                    self._report(exc, "reaching")
            finally:
                for closable in (pubsub, client):
                    if closable is not None:
                        try:
                            closable.close()
                        except Exception:
                            pass
            self._set_connected(False)
            self._stop_subscriber.wait(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    def _dispatch(self, data: bytes) -> None:
        try:
            envelope = wire.decode(data)
        except (ValueError, UnicodeDecodeError) as exc:
            log.debug("backplane: ignored a foreign message on %s: %s", self.config.channel, exc)
            return
        kind = envelope.kind
        if envelope.node == self.config.node_id:
            if kind == wire.LEAVE and envelope.arg == self._token:
                self._stop_subscriber.set()  # our own farewell: the publisher has ended
            elif kind == wire.HEARTBEAT and envelope.arg != self._token:
                self._report(EBackplaneError(
                    f"backplane: another node also uses NodeId {self.config.node_id!r}; "
                    "messages between the two are lost: give each node its own NodeId"),
                    "sharing")
            return  # our own message, already delivered locally
        if kind == wire.HEARTBEAT:
            self._heard(envelope)
            return
        if kind == wire.LEAVE:
            with self._state_lock:
                self._remote.pop(envelope.node, None)
            return
        comp = self._component()
        if comp is None:
            return
        try:
            if kind in (wire.BROADCAST_TEXT, wire.BROADCAST_BINARY):
                comp._backplane_deliver(envelope.text, envelope.payload, envelope.arg)
            else:
                comp._backplane_deliver_to(envelope.arg, envelope.text, envelope.payload)
        except EComponentError:
            pass  # freed meanwhile
        except Exception:
            log.exception("backplane: delivering a message from node %s failed", envelope.node)

    def _heard(self, envelope: wire.Envelope) -> None:
        try:
            count_text, interval_text = envelope.payload.decode("ascii").split()
            count, interval = max(0, int(count_text)), min(60.0, max(0.1, float(interval_text)))
        except ValueError:
            return
        now = time.monotonic()
        with self._state_lock:
            known = self._remote.get(envelope.node)
            fresh = known is None or known[1] <= now
            if fresh:  # forget nodes long gone, so the map stays as small as the cluster
                for node in [n for n, (_c, e) in self._remote.items() if e <= now]:
                    del self._remote[node]
            self._remote[envelope.node] = (count, now + interval * EXPIRY_INTERVALS)
        if fresh:  # a node (re)joined: tell it our count now rather than at our next beat
            with self._cond:
                self._beat_now = True
                self._cond.notify()

    def _local_count(self) -> int:
        comp = self._component()
        if comp is None:
            return 0
        try:
            return comp.ConnectionCount
        except EComponentError:
            return 0

    def _heartbeat(self) -> tuple[str, bytes, bool]:
        payload = f"{self._local_count()} {self.config.heartbeat_interval}".encode("ascii")
        return (self.config.channel, wire.encode(wire.HEARTBEAT, self.config.node_id,
                                                 self._token, payload), False)

    def _take_batch(self) -> tuple[list[tuple[str, bytes, bool]], bool]:
        """Wait for work; returns (batch, heartbeat due). Called with the condition held."""
        interval = self.config.heartbeat_interval
        batch: list[tuple[str, bytes, bool]] = []
        size = 0
        while self._queue and len(batch) < BATCH_ITEMS and size < BATCH_BYTES:
            item = self._queue.popleft()
            self._queued_bytes -= len(item[1])
            size += len(item[1])
            batch.append(item)
        beat = self._beat_now or time.monotonic() >= self._next_beat
        if beat:
            self._beat_now = False
            self._next_beat = time.monotonic() + interval
        return batch, beat

    def _publish_loop(self) -> None:
        client: Any = None
        self._next_beat = 0.0
        self._client_epoch = -1
        try:
            while True:
                with self._cond:
                    while (not self._queue and not self._stop.is_set() and not self._beat_now
                           and time.monotonic() < self._next_beat):
                        self._cond.wait(max(0.0, self._next_beat - time.monotonic()))
                    stopping = self._stop.is_set()
                    batch, beat = self._take_batch()
                if stopping:
                    with self._cond:
                        while self._queue:
                            more, _beat = self._take_batch()
                            batch.extend(more)
                    if self._connected:
                        # Heard by the others (drop our count) and by our own subscriber,
                        # which then ends without waiting for its next poll.
                        batch.append((self.config.channel, wire.encode(
                            wire.LEAVE, self.config.node_id, self._token), False))
                    client = self._send(client, batch)
                    return
                if beat:
                    batch.append(self._heartbeat())
                if not self._connected:
                    self._drop(batch)
                    continue
                client = self._send(client, batch)
        finally:
            if client is not None:
                try:
                    client.close()
                except Exception:
                    pass

    def _send(self, client: Any, batch: list[tuple[str, bytes, bool]]) -> Any:
        """Publish ``batch`` in one round trip; on failure drop it (counted) and report."""
        if not batch or not self._connected:
            self._drop(batch)
            return client
        try:
            if client is not None and self._client_epoch != self._epoch:
                client.close()  # Redis came back (or was swapped): its old socket is stale
                client = None
            if client is None:
                self._client_epoch = self._epoch
                client = self._client()
            pipe = client.pipeline(transaction=False)
            for channel, data, _counted in batch:
                pipe.publish(channel, data)
            pipe.execute()
            return client
        except (self._redis.exceptions.RedisError, OSError) as exc:
            self._drop(batch)
            try:
                client.close()
            except Exception:
                pass
            if not self._stop.is_set():
                self._report(exc, "publishing to")
            return None

    def _drop(self, batch: list[tuple[str, bytes, bool]]) -> None:
        lost = sum(1 for _c, _d, counted in batch if counted)
        if lost:
            with self._cond:
                self._dropped += lost


_live: StopAtExit[BackplaneRuntime] = StopAtExit("backplane", log)

stop_all_backplanes = _live.stop_all
"""Stop every backplane still running (runs at interpreter exit)."""
