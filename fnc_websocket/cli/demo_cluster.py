"""``fnc-ws demo --cluster``: two server nodes sharing one Redis, and which way each message went.

Redis is the one at ``$FNC_REDIS_URL`` or, failing that, a throwaway ``redis-server`` started
from PATH on a free loopback port (stopped at the end). Two ``TTMSFNCWebSocketServer`` nodes
(``node-a``, ``node-b``) join the same backplane channel; alice and carol connect to node-a,
bob to node-b. Each node relays what a client says with ``BroadcastMessage(..., AExcept=sender)``
and the demo prints, for every delivery, the nodes it crossed. Every wait has a bound; a step
that does not complete fails the demo (exit status 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnc.application import Application
from fnc_websocket.cli.common import EXIT_FAILURE, Console
from fnc_websocket.client.component import TTMSFNCWebsocketClient
from fnc_websocket.server.backplane_settings import (
    REDIS_EXTRA_HINT,
    redacted_url,
    redis_available,
)
from fnc_websocket.server.component import EWebsocketServer, TTMSFNCWebSocketServer
from fnc_websocket.testing.redis_server import RedisServer, RedisUnavailable, redis_url_from_env

__all__ = ["run_cluster_demo"]

STEP_TIMEOUT = 5.0
CHANNEL = "fnc-ws-demo"
NODES = ("node-a", "node-b")
PEOPLE = (("alice", "node-a"), ("carol", "node-a"), ("bob", "node-b"))


class DemoFailed(Exception):
    """A step did not complete in time."""


def _node(name: str, url: str, console: Console) -> TTMSFNCWebSocketServer:
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", AutoSyncEvents=True,
                                    CloseTimeout=1000, Name=name.replace("-", "_"))
    bp = server.Backplane
    bp.Enabled = True
    bp.URL = url
    bp.Channel = CHANNEL
    bp.NodeId = name
    bp.HeartbeatInterval = 0.5

    def on_open(Sender: Any, AConnection: Any) -> None:
        AConnection.Send(f"id:{AConnection.Id}")  # tell the client its cluster-wide Id

    def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
        # The sender's Id travels with the text: receivers see where it came from.
        Sender.BroadcastMessage(f"{AConnection.Id}|{AMessage}", AExcept=AConnection)

    server.OnHandshakeResponseSent = on_open
    server.OnMessageReceived = on_message
    server.OnBackplaneError = lambda Sender, AError: console.line(f"  ! {name}: {AError}")
    return server


class _Person:
    def __init__(self, name: str, node: str, port: int, log: Callable[[str], None],
                 names: dict[str, str]) -> None:
        self.name, self.node, self.id = name, node, ""
        self.received: list[str] = []
        self.client = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=port,
                                             CloseTimeout=1000, Name=name)

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            if AMessage.startswith("id:"):
                self.id = AMessage[3:]
                names[self.id] = name
                return
            self.received.append(AMessage)
            # "<sender Id>|text" from a relay, "<node>|text" from SendMessageToId
            sender_id, _sep, text = AMessage.partition("|")
            origin = sender_id.rpartition("#")[0] or sender_id
            who = names.get(sender_id, origin)
            route = (f"{origin} -> {node}, same node" if origin == node
                     else f"{origin} -> Redis -> {node}")
            log(f"   {name:<5} ({node}) got {text!r} from {who}: {route}")

        self.client.OnMessageReceived = on_message


def _wait(what: str, predicate: Callable[[], object]) -> None:
    if not Application.ProcessMessagesUntil(predicate, timeout=STEP_TIMEOUT):
        raise DemoFailed(f"the demo stopped: no {what} within {STEP_TIMEOUT:g} s")


def _play(console: Console, url: str) -> None:
    servers = {name: _node(name, url, console) for name in NODES}
    people: list[_Person] = []
    names: dict[str, str] = {}
    try:
        for server in servers.values():
            server.Active = True
        _wait("backplane connection", lambda: all(s.BackplaneConnected
                                                   for s in servers.values()))
        for name in NODES:
            console.line(f"  {name} listens on ws://127.0.0.1:{servers[name].BoundPort}/ "
                         f"(backplane connected)")
        for name, node in PEOPLE:
            person = _Person(name, node, servers[node].BoundPort, console.line, names)
            people.append(person)
            person.client.Connect()
        _wait("client connections", lambda: all(p.id for p in people))
        console.line("  " + ", ".join(f"{p.name} -> {p.node} (Id {p.id})" for p in people))
        _wait("cluster count 3", lambda: all(s.ClusterConnectionCount == 3
                                             for s in servers.values()))
        console.line("  ClusterConnectionCount: " + ", ".join(
            f"{n} {servers[n].ClusterConnectionCount}" for n in NODES)
            + " (each node has only its own in ConnectionCount: "
            + ", ".join(f"{n} {servers[n].ConnectionCount}" for n in NODES) + ")")
        alice, _carol, bob = people
        for speaker, text in ((alice, "hi everyone"), (bob, "hello from the other node")):
            console.line(f">> {speaker.name} sends {text!r}; {speaker.node} relays it with "
                         "BroadcastMessage(..., AExcept=sender)")
            others = [p for p in people if p is not speaker]
            counts = [len(p.received) for p in others]
            speaker.client.Send(text)
            _wait(f"delivery of {text!r}", lambda o=others, c=counts: all(
                len(p.received) > n for p, n in zip(o, c, strict=True)))
        console.line(f">> node-a: SendMessageToId({bob.id!r}, 'just for bob')")
        before = len(bob.received)
        servers["node-a"].SendMessageToId(bob.id, "node-a|just for bob")
        _wait("the addressed message", lambda: len(bob.received) > before)
        console.line(f"  dropped while Redis was unreachable: "
                     f"{sum(s.BackplaneDropped for s in servers.values())}")
    finally:
        for person in people:
            person.client.Free()
        for server in servers.values():
            server.Free()


def run_cluster_demo(console: Console) -> int:
    """Run the two-node demo; 0 when every step completed."""
    if not redis_available():
        console.status(f"fnc-ws demo --cluster: needs redis-py: {REDIS_EXTRA_HINT}")
        return EXIT_FAILURE
    local: RedisServer | None = None
    url = redis_url_from_env()
    try:
        if url is None:
            try:
                local = RedisServer().start()
            except RedisUnavailable as exc:
                console.status(f"fnc-ws demo --cluster: {exc}")
                return EXIT_FAILURE
            url = local.url
            where = f"a redis-server started for the demo at {url}"
        else:
            where = f"$FNC_REDIS_URL {redacted_url(url)}"
        console.line(f"fnc-ws demo --cluster: two server nodes sharing {where}, "
                     f"channel {CHANNEL!r}")
        try:
            _play(console, url)
        except (DemoFailed, EWebsocketServer) as exc:
            console.status(f"fnc-ws demo --cluster: error: {exc}")
            return EXIT_FAILURE
        return 0
    finally:
        if local is not None:
            local.close()

