"""The server's Redis backplane, in one process: settings, delivery, outages, bad input.

Every test that talks to Redis runs a real ``redis-server`` (see conftest). The cross-process
acceptance run (three nodes in separate processes) is in test_backplane_cluster.py.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import websocket
from backplane_support import Node, backplane_threads, nodes, nothing_before, recv_text, wait_until

from fnc import Application
from fnc.streaming import ComponentToString, StringToComponent
from fnc_websocket import EBackplaneAuthError, EBackplaneError, EWebsocketServer
from fnc_websocket.server.component import TTMSFNCWebSocketServer

ROOT = Path(__file__).resolve().parents[2]


# -- settings -------------------------------------------------------------------------------

def test_defaults_and_generated_node_ids_are_unique() -> None:
    a, b = TTMSFNCWebSocketServer(None), TTMSFNCWebSocketServer(None)
    try:
        assert a.Backplane.Enabled is False
        assert a.Backplane.Channel == "fnc-ws"
        assert a.Backplane.NodeId and a.Backplane.NodeId != b.Backplane.NodeId
        assert a.BackplaneConnected is False and a.BackplaneDropped == 0
        assert a.ClusterConnectionCount == 0
        b.Backplane.Assign(a.Backplane)  # copying settings must not copy a generated id
        assert b.Backplane.NodeId != a.Backplane.NodeId
    finally:
        a.Free()
        b.Free()


def test_backplane_streams_in_form_files() -> None:
    server = TTMSFNCWebSocketServer(None, Name="Server1")
    server.Backplane.Enabled = True
    server.Backplane.URL = "redis://10.0.0.5:6380/2"
    server.Backplane.Channel = "chat"
    text = ComponentToString(server)
    assert "Backplane.Enabled = True" in text and "Backplane.Channel = 'chat'" in text
    assert "NodeId" not in text  # generated: not written
    server.Backplane.NodeId = "web-1"
    text = ComponentToString(server)
    server.Free()
    loaded = StringToComponent(text)
    try:
        assert isinstance(loaded, TTMSFNCWebSocketServer)
        assert loaded.Backplane.URL == "redis://10.0.0.5:6380/2"
        assert loaded.Backplane.Channel == "chat"
        assert loaded.Backplane.NodeId == "web-1"
        assert loaded.Backplane.Enabled is True
    finally:
        loaded.Free()


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1:6379", "scheme must be redis:// or rediss://"),
    ("redis://127.0.0.1:notaport/0", "not a valid URL"),
    ("redis://127.0.0.1:6379/zero", "database number"),
    ("redis://:6379/0", "names no host"),
    ("", "empty"),
])
def test_malformed_url_is_a_clear_error_at_activation(url: str, why: str) -> None:
    pytest.importorskip("redis")
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1")
    try:
        server.Backplane.Enabled = True
        server.Backplane.URL = url  # no error at assignment: checked at activation
        server.Backplane.Channel = ""
        with pytest.raises(EWebsocketServer) as info:
            server.Active = True
        problems = dict(info.value.problems)
        assert why in problems["Backplane.URL"]
        assert "Backplane.Channel" in problems  # every problem is listed at once
        assert not server.Active
    finally:
        server.Free()


def test_password_is_not_shown_in_errors() -> None:
    pytest.importorskip("redis")
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1")
    try:
        server.Backplane.Enabled = True
        server.Backplane.URL = "redis://:s3cret@127.0.0.1:6379/x"
        with pytest.raises(EWebsocketServer) as info:
            server.Active = True
        assert "s3cret" not in str(info.value) and "***" in str(info.value)
    finally:
        server.Free()


def test_missing_redis_package_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from fnc_websocket import TTMSFNCWebSocketServer, EWebsocketServer\n"
        "s = TTMSFNCWebSocketServer(None, Port=0, BindingIP='127.0.0.1')\n"
        "s.Backplane.Enabled = True\n"
        "try:\n    s.Active = True\nexcept EWebsocketServer as e:\n    print(e)\n"
        "s.Free()\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Backplane.Enabled" in proc.stdout
    assert "pip install fnc-websocket[redis]" in proc.stdout


def test_disabled_backplane_is_not_validated_and_ids_still_unique() -> None:
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1")
    server.Backplane.URL = "not a url"
    try:
        server.Active = True
        c1, c2 = (websocket.create_connection(f"ws://127.0.0.1:{server.BoundPort}/", timeout=5)
                  for _ in range(2))
        wait_until(lambda: server.ConnectionCount == 2)
        ids = [c.Id for c in server.Connections]
        assert len(set(ids)) == 2 and all(i.startswith(server.Backplane.NodeId + "#") for i in ids)
        assert server.SendMessageToId(ids[1], "to two") is True
        assert recv_text(c2) == "to two"
        assert server.ClusterConnectionCount == 2
        other = "elsewhere#1"
        assert server.SendMessageToId(other, "nobody") is False  # no backplane: cannot route
        with pytest.raises(ValueError, match="not a connection Id"):
            server.SendMessageToId("no-number", "x")
        with pytest.raises(TypeError):
            server.SendDataToId(ids[0], "text")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="AExcept"):
            server.BroadcastMessage("x", AExcept="conn")  # type: ignore[arg-type]
        c1.close()
        c2.close()
    finally:
        server.Free()


# -- delivery across nodes --------------------------------------------------------------------

def test_two_nodes_broadcast_except_and_send_to_id(redis_server: Any) -> None:
    with nodes(redis_server.url, 2) as (a, b):
        wait_until(lambda: a.server.BackplaneConnected and b.server.BackplaneConnected)
        with pytest.raises(EWebsocketServer, match="active"):
            a.server.Backplane.NodeId = "renamed"  # fixed while active
        ca, cb = a.client(), b.client()
        wait_until(lambda: a.server.ClusterConnectionCount == 2
                   and b.server.ClusterConnectionCount == 2, what="cluster count 2")
        assert a.server.ClusterNodes == ("node1",)
        for i in range(20):
            assert a.server.BroadcastMessage(f"m{i}") == 1
        for ws in (ca, cb):
            assert [recv_text(ws) for _ in range(20)] == [f"m{i}" for i in range(20)]
        sender = a.server.Connections[0]
        assert sender.Id == "node0#1"
        assert a.server.BroadcastMessage("from a", AExcept=sender) == 0
        assert recv_text(cb) == "from a"
        a.server.BroadcastData(b"\x00\xff")
        assert cb.recv() == b"\x00\xff" and ca.recv() == b"\x00\xff"
        target = b.server.Connections[0].Id
        assert a.server.SendMessageToId(target, "direct") is True
        assert recv_text(cb) == "direct"
        assert a.server.SendDataToId(target, b"bin") is True
        assert cb.recv() == b"bin"
        assert a.server.SendMessageToId("node1#999", "gone") is True  # handed over; dropped there
        b.server.BroadcastMessage("marker")
        nothing_before(ca, "marker")  # ca never got "from a"
        nothing_before(cb, "marker")
        ca.close()
        cb.close()
        assert a.server.BackplaneDropped == 0
    assert not backplane_threads()


def test_freed_node_leaves_the_count_at_once(redis_server: Any) -> None:
    a, b = Node(redis_server.url, "a"), Node(redis_server.url, "b")
    b.server.Backplane.HeartbeatInterval = 5.0  # expiry alone would take 15 s
    try:
        a.start()
        b.start()
        ca, cb = a.client(), b.client()
        wait_until(lambda: a.server.ClusterConnectionCount == 2, what="cluster count 2")
        b.server.Active = False  # says goodbye: no need to wait for the heartbeat bound
        wait_until(lambda: a.server.ClusterConnectionCount == 1, timeout=3.0,
                   what="count without b")
        ca.close()
        cb.close()
    finally:
        a.free()
        b.free()


# -- outages and bad credentials ----------------------------------------------------------------

def test_wrong_password_is_a_typed_error_and_local_clients_work(redis_server_factory: Any
                                                                ) -> None:
    redis = redis_server_factory(password="right").start()
    for url in (redis.url.replace(":right@", ":wrong@"), redis.url.replace(":right@", "")):
        node = Node(url).start()
        try:
            wait_until(lambda node=node: node.errors, what="OnBackplaneError")
            error = node.errors[0]
            assert isinstance(error, EBackplaneAuthError), error
            assert "password" in str(error) and "wrong" not in str(error)
            assert not node.server.BackplaneConnected
            client = node.client()
            wait_until(lambda node=node: node.server.ConnectionCount == 1)
            assert node.server.BroadcastMessage("local") == 1
            assert recv_text(client) == "local"
            client.close()
        finally:
            node.free()


def test_redis_down_at_activation_then_nodes_join_when_it_comes_up(redis_server_factory: Any
                                                                   ) -> None:
    redis = redis_server_factory()  # not started yet
    with nodes(redis.url, 2) as (a, b):
        wait_until(lambda: a.errors and b.errors, what="OnBackplaneError for both")
        assert type(a.errors[0]) is EBackplaneError
        ca, cb = a.client(), b.client()
        wait_until(lambda: a.server.ConnectionCount == 1)
        assert a.server.BroadcastMessage("alone") == 1  # local delivery, no exception
        assert recv_text(ca) == "alone"
        assert a.server.BackplaneDropped == 1
        redis.start()
        wait_until(lambda: a.server.BackplaneConnected and b.server.BackplaneConnected,
                   timeout=5.0, what="both nodes joining")
        assert a.states[-1] is True
        a.server.BroadcastMessage("joined")
        assert recv_text(cb) == "joined" and recv_text(ca) == "joined"
        ca.close()
        cb.close()


def test_redis_stopped_mid_run_then_restarted(redis_server: Any) -> None:
    with nodes(redis_server.url, 2) as (a, b):
        raised: list[BaseException] = []

        def relay(Sender: Any, AConnection: Any, AMessage: str) -> None:
            try:
                Sender.BroadcastMessage(AMessage, AExcept=AConnection)
            except BaseException as exc:  # must never happen
                raised.append(exc)
                raise

        a.server.OnMessageReceived = relay
        ca1, ca2, cb = a.client(), a.client(), b.client()
        wait_until(lambda: a.server.ClusterConnectionCount == 3, what="cluster count 3")
        threads = backplane_threads()
        assert len(threads) == 4

        redis_server.stop()
        wait_until(lambda: a.errors and b.errors and not a.server.BackplaneConnected,
                   what="outage noticed")
        assert a.states[-1] is False
        ca1.send("while down")
        assert recv_text(ca2) == "while down"  # local relay keeps working
        wait_until(lambda: a.server.BackplaneDropped >= 1)
        assert a.server.ClusterConnectionCount == 2  # only what this node can see
        assert all(t.is_alive() for t in threads)  # no thread died

        restarted = time.monotonic()
        redis_server.start()
        wait_until(lambda: a.server.BackplaneConnected and b.server.BackplaneConnected,
                   timeout=5.0, what="reconnection")
        ca1.send("after restart")
        assert recv_text(cb) == "after restart"
        assert time.monotonic() - restarted < 5.0
        assert recv_text(ca2) == "after restart"
        assert not raised
        assert len(a.errors) == 1  # once per outage, not once per retry
        assert all(t.is_alive() for t in threads)
        for ws in (ca1, ca2, cb):
            ws.close()
    assert not backplane_threads()


def test_events_reach_the_home_thread_with_auto_sync(redis_server: Any) -> None:
    import threading

    node = Node(redis_server.url, AutoSyncEvents=True)
    seen: list[str] = []
    node.server.OnBackplaneStateChange = lambda S, c: seen.append(
        threading.current_thread().name)
    try:
        node.start()
        wait_until(lambda: seen, what="OnBackplaneStateChange")
        assert seen == [threading.current_thread().name]
    finally:
        node.free()
    Application.ProcessMessages()


def test_a_frozen_redis_never_blocks_a_sender(redis_server: Any) -> None:
    with nodes(redis_server.url, 2) as (a, b):
        ca, cb = a.client(), b.client()
        wait_until(lambda: a.server.ClusterConnectionCount == 2, what="cluster count 2")
        redis_server.pause()  # connections stay open, Redis answers nothing
        try:
            started = time.monotonic()
            for i in range(2000):
                a.server.BroadcastMessage(f"x{i}")
                a.server.SendMessageToId(b.server.Connections[0].Id, "direct")
            assert time.monotonic() - started < 2.0  # queued, never waiting for Redis
            assert [recv_text(ca) for _ in range(3)] == ["x0", "x1", "x2"]
            wait_until(lambda: a.errors, timeout=5.0, what="publish timeout reported")
            wait_until(lambda: a.server.BackplaneDropped > 0, what="drops counted")
        finally:
            redis_server.resume()
        wait_until(lambda: a.server.BackplaneConnected and b.server.BackplaneConnected,
                   timeout=8.0, what="reconnection after the freeze")
        ca.close()
        cb.close()


def test_threads_end_when_an_unfreed_server_is_collected(redis_server: Any) -> None:
    import gc

    node = Node(redis_server.url).start()
    wait_until(functools.partial(getattr, node.server, "BackplaneConnected"))
    assert len(backplane_threads()) == 2
    node.server.OnBackplaneError = None
    node.server.OnBackplaneStateChange = None
    del node
    gc.collect()
    wait_until(lambda: not backplane_threads(), what="backplane threads ended")


def test_two_nodes_with_one_node_id_are_reported(redis_server: Any) -> None:
    a, b = Node(redis_server.url, "twin"), Node(redis_server.url, "twin")
    try:
        a.start()
        b.start()
        wait_until(lambda: a.errors and b.errors, what="duplicate NodeId reported")
        assert "another node also uses NodeId 'twin'" in str(a.errors[0])
    finally:
        a.free()
        b.free()


def test_rediss_tls_carries_the_cluster(redis_server_factory: Any, tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    files = [tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"]
    cert.cert_chain_pems[0].write_to_path(str(files[0]))
    cert.private_key_pem.write_to_path(str(files[1]))
    ca.cert_pem.write_to_path(str(files[2]))
    redis = redis_server_factory(tls=tuple(str(f) for f in files)).start()
    assert redis.url.startswith("rediss://")
    with nodes(redis.url, 2) as (a, b):
        wait_until(lambda: a.server.BackplaneConnected and b.server.BackplaneConnected,
                   what="TLS backplane")
        cb = b.client()
        wait_until(lambda: a.server.ClusterConnectionCount == 1)
        a.server.BroadcastMessage("over TLS")
        assert recv_text(cb) == "over TLS"
        cb.close()
    # a certificate the node does not trust: a clear error, the server still serves
    other = trustme.CA()
    other.cert_pem.write_to_path(str(tmp_path / "other.pem"))
    untrusted = redis.url.replace(str(files[2]), str(tmp_path / "other.pem"))
    node = Node(untrusted).start()
    try:
        wait_until(lambda: node.errors, what="TLS error")
        assert "certificate" in str(node.errors[0]).lower()
        assert not node.server.BackplaneConnected
    finally:
        node.free()


def test_foreign_messages_are_ignored_and_big_ones_dropped(redis_server: Any) -> None:
    import redis

    with nodes(redis_server.url, 2) as (a, b):
        a.server.Active = False
        a.server.Backplane.QueueLimit = 1024
        a.server.Active = True
        ca, cb = a.client(), b.client()
        wait_until(lambda: a.server.ClusterConnectionCount == 2, what="cluster count 2")
        with redis.Redis.from_url(redis_server.url) as other:
            for junk in (b"", b"garbage", b"\x01\x01\x05\x00\x00ab", b"\x09" * 10):
                other.publish("fnc-ws", junk)
        assert a.server.BroadcastMessage("x" * 2000) == 1  # too big for the queue: local only
        assert recv_text(ca) == "x" * 2000
        assert a.server.BackplaneDropped == 1
        a.server.BroadcastMessage("small")
        nothing_before(cb, "small")  # the junk and the big one never reached b's client
        assert recv_text(ca) == "small"
        assert not a.errors and not b.errors
        ca.close()
        cb.close()
