"""One server node for the cross-process backplane tests: ``python backplane_node.py URL NODE``.

Prints ``port N`` once listening and ``connected`` once the backplane is; then serves until
stdin closes (or the process is killed). Clients drive it with text commands:

* ``bcast:TEXT``  -> ``BroadcastMessage(TEXT)`` (every client of every node)
* ``chat:TEXT``   -> ``BroadcastMessage(TEXT, AExcept=sender)``
* ``to:ID:TEXT``  -> ``SendMessageToId(ID, TEXT)``
* ``whoami``      -> the sender gets ``id:<its Id>``
* ``count``       -> the sender gets ``count:<ClusterConnectionCount>``
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from fnc import Application
from fnc_websocket.server.component import TTMSFNCWebSocketServer


def main() -> int:
    url, node_id = sys.argv[1], sys.argv[2]
    server = TTMSFNCWebSocketServer(None, Port=0, BindingIP="127.0.0.1", CloseTimeout=1000,
                                    AutoSyncEvents=True)
    server.Backplane.Enabled = True
    server.Backplane.URL = url
    server.Backplane.NodeId = node_id
    server.Backplane.HeartbeatInterval = 0.5

    def on_message(Sender: Any, AConnection: Any, AMessage: str) -> None:
        command, _sep, rest = AMessage.partition(":")
        if command == "bcast":
            server.BroadcastMessage(rest)
        elif command == "chat":
            server.BroadcastMessage(rest, AExcept=AConnection)
        elif command == "to":
            target, _sep, text = rest.rpartition(":")
            server.SendMessageToId(target, text)
        elif command == "whoami":
            AConnection.Send(f"id:{AConnection.Id}")
        elif command == "count":
            AConnection.Send(f"count:{server.ClusterConnectionCount}")

    def on_state(Sender: Any, AConnected: bool) -> None:
        if AConnected:
            print("connected", flush=True)

    server.OnMessageReceived = on_message
    server.OnBackplaneStateChange = on_state
    server.Active = True
    print(f"port {server.BoundPort}", flush=True)

    def wait_stdin() -> None:
        sys.stdin.read()
        Application.Terminate()

    threading.Thread(target=wait_stdin, daemon=True).start()
    Application.Run()
    server.Free()
    return 0


if __name__ == "__main__":
    sys.exit(main())
