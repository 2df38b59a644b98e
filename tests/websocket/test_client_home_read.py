"""With AutoSyncEvents the home thread reads the client's socket itself while it waits in its
message loop (``fnc.fdwatch``); the worker reads when the home thread is busy. Whoever reads,
events run on the home thread, in order, none lost; pings are answered during a long handler."""

from __future__ import annotations

import threading
from typing import Any

from client_support import EchoServer, Recorder, make_client, wait_until

from fnc.application import Application
from fnc.threads import current_queue
from fnc_websocket.client.component import TTMSFNCWebsocketClient

HOME = threading.current_thread().name


def test_messages_read_by_either_thread_arrive_in_order_on_home(client_factory):
    count = 2000

    def burst(connection: Any) -> None:
        connection.recv(5)
        for i in range(count):
            connection.send(str(i))
        connection.recv(10)

    server = EchoServer(burst)
    try:
        client = client_factory(server.port)
        got: list[int] = []
        threads: set[str] = set()
        workload = threading.Event()  # never set: its wait is the handler's work

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            n = int(AMessage)
            got.append(n)
            threads.add(threading.current_thread().name)
            if n % 97 == 0:
                workload.wait(0.03)  # a long handler: the worker takes the socket over
            if n % 61 == 0:
                Application.ProcessMessages()  # a nested pump runs what the worker posted

        client.OnMessageReceived = on_message
        client.OnConnect = lambda Sender, AConnection: client.Send("go")
        client.Connect()
        wait_until(lambda: len(got) >= count, timeout=30)
        assert got == list(range(count))
        assert threads == {HOME}
        client.Send("done")
    finally:
        server.stop()


def test_a_ping_is_answered_while_a_home_handler_runs(client_factory):
    started = threading.Event()
    pong_seen = threading.Event()

    def pinger(connection: Any) -> None:
        connection.send("work")
        if started.wait(5) and connection.ping(b"during").wait(5):
            pong_seen.set()
        connection.recv(10)

    server = EchoServer(pinger)
    try:
        client = client_factory(server.port)
        answered: list[bool] = []

        def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
            started.set()
            # The home thread is busy here: the worker must read the ping and answer it.
            answered.append(pong_seen.wait(5))

        client.OnMessageReceived = on_message
        client.Connect()
        wait_until(lambda: answered)
        assert answered == [True]
    finally:
        server.stop()


def test_a_handler_can_wait_for_the_next_message(client_echo, client_factory):
    client = client_factory(client_echo.port)
    got: list[str] = []
    waited: list[bool] = []

    def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
        got.append(AMessage)
        if AMessage == "question":
            client.Send("answer")
            waited.append(Application.ProcessMessagesUntil(lambda: "answer" in got, timeout=5))

    client.OnMessageReceived = on_message
    client.OnConnect = lambda Sender, AConnection: client.Send("question")
    client.Connect()
    wait_until(lambda: waited)
    assert waited == [True] and got == ["question", "answer"]


class _Overriding(TTMSFNCWebsocketClient):
    def __init__(self, *args: Any, **props: Any) -> None:
        self.read_on: list[str] = []
        super().__init__(*args, **props)

    def MessageReceived(self, Sender: Any, AConnection: Any, AMessage: str) -> None:
        self.read_on.append(threading.current_thread().name)
        super().MessageReceived(Sender, AConnection, AMessage)


def test_overridden_received_methods_keep_running_on_the_worker(client_echo):
    client = _Overriding(None, HostName="127.0.0.1", Port=client_echo.port)
    try:
        rec = Recorder(client)
        client.OnConnect = lambda Sender, AConnection: client.Send("hello")
        client.Connect()
        rec.wait_for("OnMessageReceived")
        assert client.read_on and all(t.startswith("WebsocketClient") for t in client.read_on)
        assert {t for name, _args, t in rec.events if name == "OnMessageReceived"} == {HOME}
    finally:
        client.Free()


def test_the_home_queue_stops_watching_when_the_connection_ends(client_echo):
    client = make_client(client_echo.port)
    try:
        rec = Recorder(client)
        client.Connect()
        rec.wait_for("OnConnect")
        wait_until(lambda: current_queue()._poller is not None)  # the home thread watches
        client.Disconnect()
        rec.wait_for("OnDisconnect")
        assert current_queue()._poller is None
    finally:
        client.Free()


def test_turning_auto_sync_events_off_hands_reading_back_to_the_worker(client_echo,
                                                                       client_factory):
    client = client_factory(client_echo.port)
    seen: list[tuple[str, str]] = []
    client.OnMessageReceived = lambda Sender, AConnection, AMessage: seen.append(
        (AMessage, threading.current_thread().name))
    client.OnConnect = lambda Sender, AConnection: client.Send("first")
    client.Connect()
    wait_until(lambda: seen)
    client.AutoSyncEvents = False
    client.Send("second")
    wait_until(lambda: len(seen) == 2)
    assert seen[0] == ("first", HOME)
    assert seen[1][0] == "second" and seen[1][1].startswith("WebsocketClient")
