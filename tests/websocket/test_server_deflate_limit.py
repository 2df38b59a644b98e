"""MaxMessageSize bounds the message as the application receives it, compression or not."""

from __future__ import annotations

import os

import pytest
from server_support import EventLog, running_server
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

LIMIT = 16 * 1024 * 1024


def _echo(server):
    server.OnBinaryDataReceived = lambda S, C, D, T: C.SendBytes(D)


def test_an_incompressible_message_just_under_the_limit_echoes_with_deflate():
    payload = os.urandom(LIMIT - 64)
    with running_server() as server:
        _echo(server)
        with connect(f"ws://127.0.0.1:{server.BoundPort}", max_size=None,
                     open_timeout=5, close_timeout=5) as ws:
            assert ws.protocol.extensions, "compression was not negotiated"
            ws.send(payload)
            assert ws.recv(timeout=30) == payload


@pytest.mark.parametrize("fragmented", [False, True])
def test_a_compressible_message_over_the_limit_is_refused_1009(fragmented):
    limit = 100_000
    with running_server(MaxMessageSize=limit) as server:
        log = EventLog(server, ("OnError", "OnBinaryDataReceived"))
        _echo(server)
        with connect(f"ws://127.0.0.1:{server.BoundPort}", max_size=None,
                     open_timeout=5, close_timeout=5) as ws:
            ws.send(b"a" * limit)  # exactly the limit: fine
            assert ws.recv(timeout=5) == b"a" * limit
            big = b"a" * (limit + 1)  # compresses to a few hundred bytes
            # The close may come while the client still sends the fragments (the server
            # refuses as soon as the sizes so far pass the limit): then send raises it.
            with pytest.raises(ConnectionClosedError) as info:
                if fragmented:
                    ws.send([big[:60_000], big[60_000:]])
                else:
                    ws.send(big)
                ws.recv(timeout=5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1009
        assert log.wait_for("OnError")
        assert log.count("OnBinaryDataReceived") == 1
