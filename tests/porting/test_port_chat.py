"""The two TMS-based examples, ported with ``fnc-ws port``: once their NotImplementedErrors are
replaced by a few lines of Python, the FMX chat server and two VCL chat clients talk over a
real socket (the server's OnAllow refuses a third client through its VarParam)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from port_support import copy_units, import_fresh, on_path, port_unit, ruff

from fnc import Application

SERVER_BODIES = {
    "FormCreate": (
        "self.clients = 0\nself.allowed: list[object] = []\nself.log: list[str] = []\n"
        "self.Server1.Port = ServerPort"),
    "StartButtonClick": "self.Server1.Active = not self.Server1.Active",
    # OnAllow runs on the connection's thread, OnConnect (queued) on the main thread: count
    # what OnAllow allowed rather than what OnConnect saw.
    "Server1Allow": (
        "AAllow.Value = len(self.allowed) < MaxClients\n"
        "if AAllow.Value:\n    self.allowed.append(AConnection)"),
    "Server1Connect": "self.clients += 1",
    "Server1MessageReceived": (
        "self.Log(AMessage)\n"
        "self.Server1.SendMessageTo(\n"
        "    AMessage, lambda AToConnection: AToConnection is not AConnection)"),
    "Server1Disconnect": "self.clients -= 1",
    "Log": "self.log.append(S)",
}
CLIENT_BODIES = {
    "FormCreate": "self.pings = 0\nself.lines: list[str] = []",
    "ConnectButtonClick": "self.Client1.Connect()",
    "SendButtonClick": "pass",
    "PingTimerTimer": (
        "self.pings += 1\nself.Client1.Send(f\"{PingText} {self.pings} {self.Name}\")"),
    "Client1Connect": "self.AddLine(\"connected\")\nself.PingTimer.Enabled = True",
    "Client1Disconnect": "self.PingTimer.Enabled = False\nself.AddLine(\"disconnected\")",
    "Client1MessageReceived": "self.lines.append(AMessage)",
    "AddLine": "self.lines.append(AText)",
    "IsConnected": "return self.Client1.IsConnected()",
}


def fill_in(module: Path, class_name: str, bodies: dict[str, str]) -> None:
    """Replace each ``raise NotImplementedError("port TX.Name")`` with its Python body."""
    text = module.read_text(encoding="utf-8")
    for name, body in bodies.items():
        pattern = re.compile(
            rf'^(?P<indent> +)raise NotImplementedError\("port {class_name}\.{name}"\)$', re.M)
        match = pattern.search(text)
        assert match is not None, name
        indent = match.group("indent")
        lines = "\n".join(indent + line for line in body.splitlines())
        text = text[:match.start()] + lines + text[match.end():]
    assert "NotImplementedError" not in text.split('"""', 2)[2]
    module.write_text(text, encoding="utf-8")


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[tuple[ModuleType, ModuleType]]:
    copy_units(tmp_path)
    server_module = port_unit(tmp_path, "ServerMain")
    client_module = port_unit(tmp_path, "ChatClient")
    fill_in(server_module, "TServerForm", SERVER_BODIES)
    fill_in(client_module, "TChatForm", CLIENT_BODIES)
    result = ruff(server_module, client_module)
    assert result.returncode == 0, result.stdout
    with on_path(tmp_path, ["ServerMain", "ChatClient"]):
        yield import_fresh(tmp_path, "ServerMain"), import_fresh(tmp_path, "ChatClient")


def test_ported_server_and_clients_chat_over_a_real_socket(
        chat: tuple[ModuleType, ModuleType]) -> None:
    server_module, client_module = chat
    server_module.MaxClients = 2
    errors: list[BaseException] = []
    Application.OnException = lambda Sender, E: errors.append(E)
    forms = []
    try:
        server = Application.CreateForm(server_module.TServerForm)
        forms.append(server)
        server.StartButtonClick(server.StartButton)  # the Start button, as a user clicks it
        assert server.Server1.Active and server.Server1.BoundPort > 0
        clients = [Application.CreateForm(client_module.TChatForm) for _ in range(3)]
        forms += clients
        a, b, c = clients
        for form in (a, b):
            form.Client1.HostName = "127.0.0.1"
            form.Client1.Port = server.Server1.BoundPort
            form.PingTimer.Interval = 50
            form.ConnectButtonClick(form.ConnectButton)
        assert Application.ProcessMessagesUntil(
            lambda: f"ping 2 {b.Name}" in a.lines and f"ping 2 {a.Name}" in b.lines,
            timeout=10), (a.lines, b.lines, server.log)
        assert a.lines[0] == b.lines[0] == "connected"
        assert server.clients == 2
        assert f"ping 1 {a.Name}" in server.log and f"ping 1 {b.Name}" in server.log
        # The selector relays to the others only: nobody hears their own pings.
        assert not any(line.split()[-1] == a.Name for line in a.lines[1:])
        assert not any(line.split()[-1] == b.Name for line in b.lines[1:])
        # A third client is refused by OnAllow (AAllow.Value = False).
        c.Client1.HostName = "127.0.0.1"
        c.Client1.Port = server.Server1.BoundPort
        c.ConnectButtonClick(c.ConnectButton)
        # (its OnConnect counted it before the handshake; its OnDisconnect uncounts it)
        assert Application.ProcessMessagesUntil(
            lambda: "disconnected" in c.lines and server.clients == 2, timeout=10)
        assert "connected" not in c.lines and len(server.allowed) == 2
        a.Client1.Disconnect()
        assert Application.ProcessMessagesUntil(lambda: server.clients == 1, timeout=10)
        assert a.lines[-1] == "disconnected"
        assert errors == []
    finally:
        Application.OnException = None
        for form in reversed(forms):
            form.Free()
