"""Bounded settings: timeout upper bounds at activation, BindingIP validation, a Free that
never raises, and one INFO line (not a traceback) for a client that crashed mid-stream."""

from __future__ import annotations

import logging
import socket
import struct
import threading

import pytest
from server_support import EventLog, raw_websocket, running_server, wait_threads_back

from fnc_websocket.errors import EWebsocketServer
from fnc_websocket.server.component import TTMSFNCWebSocketServer


@pytest.mark.parametrize(("prop", "value"), [
    ("CloseTimeout", 2**62), ("SendTimeout", 2**62), ("CloseTimeout", 0),
    ("SendTimeout", -1), ("HeartBeat.Interval", 1e12), ("HeartBeat.Timeout", 1e12),
    ("ReceiveQueueLimit", 0), ("BindingIP", "not-an-ip"),
])
def test_activation_names_the_out_of_range_property(prop, value):
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1")
    try:
        target = server.HeartBeat if prop.startswith("HeartBeat.") else server
        setattr(target, prop.split(".")[-1], value)
        with pytest.raises(EWebsocketServer) as info:
            server.Active = True
        assert prop in [name for name, _why in info.value.problems]
        assert prop in str(info.value)
        assert not server.Active
    finally:
        server.Free()


def test_binding_ip_accepts_ip_literals():
    addresses = ["127.0.0.1"] + (["::1"] if socket.has_ipv6 else [])
    for address in addresses:
        server = TTMSFNCWebSocketServer(None, Port=0, BindingIP=address)
        try:
            try:
                server.Active = True
            except EWebsocketServer as exc:  # a host without IPv6 on loopback
                assert "BindingIP" not in [p for p, _w in exc.problems]
        finally:
            server.Free()


def test_free_never_raises_and_stops_every_thread_with_a_huge_timeout_set_while_active():
    baseline = set(threading.enumerate())
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", CloseTimeout=500)
    server.HeartBeat.Enabled = True
    server.Active = True
    sock = raw_websocket(server.BoundPort)
    try:
        server.CloseTimeout = 2**62  # not validated while active: used at the next activation
        server.HeartBeat.Interval = 1e15  # read live by the housekeeper
        server.HeartBeat.Timeout = 1e15
        server.Free()
        assert wait_threads_back(baseline, 5.0) == []
    finally:
        sock.close()


def test_a_client_crash_mid_stream_logs_one_info_line(caplog):
    with running_server() as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        with caplog.at_level(logging.DEBUG, logger="fnc_websocket.server"):
            sock.sendall(b"\x82\xfe\x10\x00" + b"\0" * 4 + b"x" * 100)  # half a frame
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # reset
            assert log.wait_for("OnDisconnect")
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert not [r for r in caplog.records if r.exc_info]
        lost = [r.getMessage() for r in caplog.records
                if r.levelno == logging.INFO and " lost: " in r.getMessage()]
        assert len(lost) == 1 and "127.0.0.1:" in lost[0]
        conn = log.of("OnDisconnect")[0][0]
        assert conn.DisconnectReason.startswith("connection lost: ")
        assert "lost" in str(log.of("OnError")[0][1])


def test_a_plain_end_of_tcp_is_no_error_but_sets_disconnectreason():
    with running_server() as server:
        log = EventLog(server)
        sock = raw_websocket(server.BoundPort)
        sock.close()
        assert log.wait_for("OnDisconnect")
        assert log.count("OnError") == 0
        assert "without a close frame" in log.of("OnDisconnect")[0][0].DisconnectReason
