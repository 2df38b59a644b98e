"""TTMSFNCWebsocketClient's bounded sends: a server that never reads cannot block the caller,
the queue is bounded by SendQueueLimit, control frames pass queued message frames, HeartBeat and
Disconnect/Free stay bounded while writes are stuck; timeout upper bounds; TransformCloseData;
AutoSyncEvents streamed."""

from __future__ import annotations

import threading
import time
from array import array

import pytest
from client_support import RawConnection, Recorder, client_threads

from fnc.exceptions import EPropertyError
from fnc.streaming import ComponentToString, StringToComponent
from fnc_websocket import TTMSFNCWebsocketClient
from fnc_websocket.errors import (
    EWebSocketClientHeartBeatTimeout,
    EWebSocketClientPropertyError,
    EWebSocketClientSendQueueFull,
)

CHUNK = b"x" * 65536


def never_reads(stop: threading.Event):
    """A script: handshake, then read nothing until ``stop`` (the client's writes pile up)."""

    def script(conn: RawConnection) -> None:
        conn.handshake()
        stop.wait(10)

    return script


def fill_until_full(c: TTMSFNCWebsocketClient, limit_sends: int = 2000) -> tuple[int, float,
                                                                                  Exception]:
    """Send 64 KiB messages until the queue is full: (sends that returned, slowest, error)."""
    slowest = 0.0
    for i in range(limit_sends):
        t0 = time.monotonic()
        try:
            c.Send(CHUNK)
        except EWebSocketClientSendQueueFull as exc:
            return i, max(slowest, time.monotonic() - t0), exc
        slowest = max(slowest, time.monotonic() - t0)
    raise AssertionError(f"{limit_sends} sends of 64 KiB never filled the queue")


def test_send_to_a_server_that_never_reads_returns_at_once_until_the_limit(client_raw,
                                                                           client_factory):
    stop = threading.Event()
    server = client_raw(never_reads(stop))
    limit = 1024 * 1024
    c = client_factory(server.port, SendQueueLimit=limit)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    try:
        sent, slowest, error = fill_until_full(c)
        assert slowest < 0.5, f"a Send blocked for {slowest:.2f} s"
        assert sent >= limit // len(CHUNK)  # at least the queue's worth went in
        queued = c.SendQueueSize
        assert limit - len(CHUNK) < queued <= limit
        assert error.SendQueueLimit == limit and error.SendQueueSize == queued
        assert "SendQueueLimit" in str(error) and str(limit) in str(error)
        assert str(queued) in str(error)
        with pytest.raises(EWebSocketClientSendQueueFull):
            c.Connection.SendBytes(CHUNK)
        assert c.SendQueueSize == queued  # nothing of the refused messages was queued
        c.Send(b"")  # an empty message always fits
        assert c.IsConnected() and rec.names() == ["OnConnect"]
        with pytest.raises(EPropertyError, match="read-only"):
            c.SendQueueSize = 0
    finally:
        stop.set()


def test_disconnect_true_is_bounded_while_writes_are_stuck(client_raw, client_factory):
    stop = threading.Event()
    server = client_raw(never_reads(stop))
    c = client_factory(server.port, SendQueueLimit=1024 * 1024, CloseTimeout=300)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    try:
        fill_until_full(c)
        t0 = time.monotonic()
        c.Disconnect(True)
        took = time.monotonic() - t0
        assert took < 0.3 + 1.0, took
        assert not c.Active and not client_threads()
        rec.wait_for("OnDisconnect")
        assert rec.count("OnDisconnect") == 1
    finally:
        stop.set()


@pytest.mark.parametrize("how", ["Active", "Free"])
def test_active_false_and_free_are_bounded_while_writes_are_stuck(client_raw, how):
    stop = threading.Event()
    server = client_raw(never_reads(stop))
    c = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=server.port,
                               SendQueueLimit=1024 * 1024, CloseTimeout=300)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    try:
        fill_until_full(c)
        t0 = time.monotonic()
        if how == "Active":
            c.Active = False
        else:
            c.Free()
        assert time.monotonic() - t0 < 1.3
        assert not client_threads()
    finally:
        stop.set()
        if how == "Active":
            c.Free()


def test_heartbeat_declares_the_peer_dead_while_writes_are_stuck(client_raw, client_factory):
    stop = threading.Event()
    server = client_raw(never_reads(stop))
    c = client_factory(server.port, SendQueueLimit=1024 * 1024)
    c.HeartBeat.Enabled = True
    c.HeartBeat.Interval = 0.2
    c.HeartBeat.Timeout = 0.3
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    try:
        fill_until_full(c)
        t0 = time.monotonic()
        rec.wait_for("OnDisconnect", timeout=5)
        assert time.monotonic() - t0 < 2.0
        assert isinstance(rec.error(), EWebSocketClientHeartBeatTimeout)
        assert rec.names() == ["OnConnect", "OnError", "OnDisconnect"]
    finally:
        stop.set()


def test_control_frames_go_between_queued_message_frames(client_raw, client_factory):
    """A ping sent while a split message waits goes out before the message's last frame."""
    read_now = threading.Event()
    frames: list[tuple[bool, int, bytes, bool]] = []
    done = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        read_now.wait(10)
        while True:
            frame = conn.recv_frame()
            frames.append(frame)
            if frame[1] == 0x0 and frame[0]:
                break
        done.set()
        conn.wait_eof()

    server = client_raw(script)
    c = client_factory(server.port, SplitMessage=True, FrameSize=16384,
                       SendQueueLimit=64 * 1024 * 1024)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    message = bytes(range(256)) * (32 * 1024)  # 8 MiB: more than the socket buffers hold
    c.Send(message)
    assert c.SendQueueSize > 0  # still waiting: the server reads nothing yet
    c.Ping(b"between")
    read_now.set()
    assert done.wait(10)
    opcodes = [f[1] for f in frames]
    ping_at = opcodes.index(0x9)
    assert 0 < ping_at < len(frames) - 1, "the ping waited for the whole message"
    data = b"".join(f[2] for f in frames if f[1] in (0x0, 0x2))
    assert data == message and all(f[3] for f in frames)
    wait_empty = time.monotonic() + 5
    while c.SendQueueSize and time.monotonic() < wait_empty:
        threading.Event().wait(0.01)  # bounded poll on a condition
    assert c.SendQueueSize == 0


def connected_to(client_raw, client_factory, script, **props) -> TTMSFNCWebsocketClient:
    """A client connected to a raw server running ``script`` (OnConnect has fired)."""
    server = client_raw(script)
    c = client_factory(server.port, **props)
    rec = Recorder(c)
    c.Connect()
    rec.wait_for("OnConnect")
    return c


def test_large_messages_go_out_whole_and_as_they_were_when_sent(client_raw, client_factory):
    """Large payloads are masked piece by piece while they are written: what arrives is the
    message as it was when Send returned, even when the caller changes its bytearray while
    the message still waits in the queue."""
    read_now = threading.Event()
    payloads: list[bytes] = []
    done = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        read_now.wait(10)
        while len(payloads) < 3:
            fin, opcode, data, masked = conn.recv_frame()
            assert fin and opcode == 0x2 and masked
            payloads.append(data)
        done.set()
        conn.wait_eof()

    c = connected_to(client_raw, client_factory, script, SendQueueLimit=64 * 1024 * 1024)
    first = bytes(range(256)) * (16 * 1024)  # 4 MiB: more than the socket buffers hold
    odd = bytes(range(7)) * 40_001  # a length that is no multiple of the 64 KiB pieces
    mutable = bytearray(b"x" * 300_000)
    c.Send(first)
    c.Send(mutable)
    c.Send(odd)
    mutable[:] = b"y" * len(mutable)
    assert c.SendQueueSize > 0  # still queued when it changed
    read_now.set()
    assert done.wait(10)
    assert payloads == [first, b"x" * 300_000, odd]


def test_any_buffer_is_sent_as_its_bytes(client_raw, client_factory):
    """A memoryview of wider items or with strides goes out as its bytes, in order, with a
    frame length that counts bytes (not items), split or not, small or large."""
    messages: list[bytes] = []
    done = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        parts: list[bytes] = []
        while len(messages) < 4:
            fin, _opcode, data, _masked = conn.recv_frame()
            parts.append(data)
            if fin:
                messages.append(b"".join(parts))
                parts = []
        done.set()
        conn.wait_eof()

    c = connected_to(client_raw, client_factory, script)
    ints = array("i", range(1, 4))
    doubles = array("d", [0.5]) * 20_000  # 160,000 bytes: a large frame
    strided = memoryview(b"abcdefgh")[::2]
    c.Send(memoryview(ints))
    c.Send(strided)
    c.Connection.SendBytes(memoryview(doubles))
    c.Connection.SendBytesInMultipleFrames(memoryview(array("i", range(10))), 20)
    assert done.wait(10)
    assert messages == [ints.tobytes(), b"aceg", doubles.tobytes(),
                        array("i", range(10)).tobytes()]


def test_every_frame_has_its_own_masking_key(client_raw, client_factory):
    """More frames than one pool of keys holds (1,024): each arrives masked with a fresh key
    and unmasks to what was sent (RFC 6455 5.3: unpredictable, one per frame)."""
    count = 1500
    masks: list[bytes] = []
    payloads: list[bytes] = []
    done = threading.Event()

    def script(conn: RawConnection) -> None:
        conn.handshake()
        for _ in range(count):
            fin, opcode, data, masked = conn.recv_frame()
            assert fin and opcode == 0x2 and masked
            masks.append(conn.last_mask)
            payloads.append(data)
        done.set()
        conn.wait_eof()

    c = connected_to(client_raw, client_factory, script)
    sent = [i.to_bytes(4, "big") * 4 for i in range(count)]
    for message in sent:
        c.Send(message)
    assert done.wait(10)
    assert payloads == sent
    assert all(len(m) == 4 for m in masks)
    assert len(set(masks)) >= count - 5  # (a repeat among 1,500 random keys is rare, not wrong)


@pytest.mark.parametrize("name, value", [("ConnectTimeout", 10**9), ("CloseTimeout", 10**9),
                                         ("CheckTimeout", 10**9)])
def test_timeouts_have_an_upper_bound_checked_at_connect(name, value):
    c = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=1)
    try:
        setattr(c, name, value)  # setters check types, not values
        with pytest.raises(EWebSocketClientPropertyError, match=name) as info:
            c.Connect()
        assert "600000" in str(info.value)
        assert not c.Active
    finally:
        c.Free()


def test_heartbeat_and_watchdog_intervals_have_an_upper_bound():
    c = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=1)
    try:
        c.HeartBeat.Interval = 1e9
        c.WatchDog.Interval = 1e9
        with pytest.raises(EWebSocketClientPropertyError) as info:
            c.Connect()
        names = [n for n, _why in info.value.problems]
        assert "HeartBeat.Interval" in names and "WatchDog.Interval" in names
    finally:
        c.Free()


def test_transform_close_data_on_the_client():
    assert TTMSFNCWebsocketClient.TransformCloseData(b"\x03\xe8bye") == (1000, "bye")
    c = TTMSFNCWebsocketClient(None)
    try:
        assert c.TransformCloseData(b"") == (1005, "")
    finally:
        c.Free()


def test_auto_sync_events_and_proxy_are_streamed():
    c = TTMSFNCWebsocketClient(None, AutoSyncEvents=False, HostName="h")
    c.Name = "Client1"
    c.Proxy.Enabled = True
    c.Proxy.Host = "proxy.example"
    c.Proxy.Port = 3128
    text = ComponentToString(c)
    c.Free()
    assert "AutoSyncEvents = False" in text
    assert "Proxy.Host = 'proxy.example'" in text and "Proxy.Port = 3128" in text
    back = StringToComponent(text)
    try:
        assert back.AutoSyncEvents is False
        assert back.Proxy.Enabled and back.Proxy.Host == "proxy.example"
        assert back.Proxy.Port == 3128
    finally:
        back.Free()
