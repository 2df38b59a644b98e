"""twsoManualClose on the server: no automatic reply to a client's close frame; the application
answers with AConnection.SendClose after OnClose, or the client is dropped after CloseTimeout."""

from __future__ import annotations

import struct
import threading
import time

import pytest
from server_support import (
    EventLog,
    frame,
    raw_websocket,
    read_close_code,
    running_server,
    wait_until,
)

from fnc_websocket import TransformCloseData, TTMSFNCWebsocketClient, twsoManualClose

CLOSE_1000 = struct.pack("!H", 1000) + b"client done"


@pytest.mark.parametrize("sync", [False, True], ids=["connection-thread", "autosync"])
def test_the_application_answers_the_close_frame(sync):
    def on_close(Sender, AConnection, AData):
        assert TransformCloseData(AData) == (1000, "")
        AConnection.SendClose(4000, "manual reply")

    with running_server(Options={twsoManualClose}, AutoSyncEvents=sync) as server:
        log = EventLog(server)
        server.OnClose = on_close
        client = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=server.BoundPort)
        with client:
            closed = []
            client.OnClose = lambda Sender, AConnection, AData: closed.append(AData)
            client.Connect()
            assert wait_until(client.IsConnected)
            # not Disconnect(): it would block this (home) thread until the reply, and with
            # AutoSyncEvents the server's OnClose must run on this thread to send it
            client.Connection.SendClose(1000)
            assert wait_until(lambda: closed and not client.Active)
            assert (client.CloseCode, client.CloseReason) == (4000, "manual reply")
            assert TransformCloseData(closed[0]) == (4000, "manual reply")
        assert log.wait_for("OnDisconnect")
        assert log.names()[-2:] == ["OnClose", "OnDisconnect"]
        assert not log.of("OnError")


def test_without_an_answer_the_client_is_dropped_after_closetimeout():
    with running_server(Options={twsoManualClose}, CloseTimeout=300) as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        with sock:
            sock.sendall(frame(0x8, CLOSE_1000))
            assert log.wait_for("OnClose")
            t0 = time.monotonic()
            assert sock.recv(10) == b""  # no close frame: the TCP connection just ends
            assert time.monotonic() - t0 < 3.0
        assert log.wait_for("OnDisconnect")
        conn = log.of("OnDisconnect")[0][0]
        assert (conn.CloseStatus.code, conn.CloseStatus.reason) == (1000, "client done")


def test_answer_from_another_thread_and_sends_other_than_close_are_refused():
    answered = threading.Event()
    with running_server(Options={twsoManualClose}) as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        with sock:
            sock.sendall(frame(0x8, CLOSE_1000))
            assert log.wait_for("OnClose")
            conn = log.of("OnClose")[0][0]
            with pytest.raises(Exception, match="closing"):
                conn.Send("too late")

            def answer() -> None:
                conn.SendClose(1000, "ok")
                answered.set()

            threading.Thread(target=answer).start()
            assert answered.wait(5)
            assert read_close_code(sock) == 1000
            with pytest.raises(Exception, match=r"[Cc]lose already sent"):
                conn.SendClose(1000)
        assert log.wait_for("OnDisconnect")


def test_server_stop_answers_a_pending_close_with_1001():
    with running_server(Options={twsoManualClose}, CloseTimeout=300) as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        with sock:
            sock.sendall(frame(0x8, CLOSE_1000))
            assert log.wait_for("OnClose")
            server.Active = False  # waits (CloseTimeout) for this client to end TCP
            assert read_close_code(sock) == 1001


def test_without_the_option_the_server_answers_by_itself():
    with running_server() as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        with sock:
            sock.sendall(frame(0x8, CLOSE_1000))
            assert read_close_code(sock) == 1000  # echoed at once, before any handler
        assert log.wait_for("OnDisconnect")
