"""The forms in designer_specs/: loaded into Python classes whose methods are the handlers, run
against real WebSocket servers on 127.0.0.1, and written back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from fnc import Application, TComponent, TDataModule, TForm, TTimer, VarParam
from fnc.streaming import (
    ComponentToString,
    RegisterClasses,
    TPlaceholderComponent,
    create_form,
    parse_text,
    read_tree_file,
)
from fnc_websocket.client.component import TTMSFNCWebsocketClient
from fnc_websocket.server.component import TTMSFNCWebSocketServer
from fnc_websocket.types import TTMSFNCWebsocketOption

SPECS = Path(__file__).resolve().parents[2] / "designer_specs"
RegisterClasses([TTMSFNCWebsocketClient, TTMSFNCWebSocketServer])

WAIT = 10.0


def wait_for(predicate) -> None:
    assert Application.ProcessMessagesUntil(predicate, timeout=WAIT), "timed out"


@pytest.fixture
def owned():
    """Free every component put in the list at the end of the test (servers, clients, forms)."""
    components: list[TComponent] = []
    yield components
    for component in reversed(components):
        component.Free()


@pytest.fixture
def echo_server(owned) -> TTMSFNCWebSocketServer:
    server = TTMSFNCWebSocketServer(None, Port=0, PathName="echo", AutoSyncEvents=True)
    server.OnMessageReceived = lambda Sender, AConnection, AMessage: AConnection.Send(AMessage)
    owned.append(server)
    server.Active = True
    return server


class TEchoClientForm(TForm):
    form_file = "../../designer_specs/echo_client.dfm"

    Client1: TTMSFNCWebsocketClient
    PingTimer: TTimer

    def FormCreate(self, Sender: TComponent) -> None:
        self.log: list[str] = []
        self.ticks = 0

    def Client1Connect(self, Sender, AConnection) -> None:
        self.log.append("connected")
        Sender.Send("hello")
        self.PingTimer.Enabled = True

    def Client1MessageReceived(self, Sender, AConnection, AMessage: str) -> None:
        self.log.append(AMessage)

    def Client1Disconnect(self, Sender, AConnection) -> None:
        self.log.append("disconnected")

    def PingTimerTimer(self, Sender: TTimer) -> None:
        self.ticks += 1
        self.Client1.Send(f"tick {self.ticks}")
        if self.ticks == 2:
            Sender.Enabled = False


def test_echo_client_form(echo_server, owned) -> None:
    form = create_form(TEchoClientForm)
    owned.append(form)
    assert form.log == []  # OnCreate ran after loading
    assert form.Client1.HostName == "localhost" and form.Client1.PathName == "/echo"
    assert form.Client1.DesignInfo == {"Left": 304, "Top": 224, "Width": 26, "Height": 26,
                                       "Visible": True}
    assert form.PingTimer.Interval == 250 and form.PingTimer.Enabled is False
    form.Client1.HostName = "127.0.0.1"
    form.Client1.Port = echo_server.BoundPort
    form.Client1.Connect()
    wait_for(lambda: "tick 2" in form.log)
    assert form.log == ["connected", "hello", "tick 1", "tick 2"]
    form.Client1.Disconnect()
    wait_for(lambda: "disconnected" in form.log)
    form.Client1.HostName = "localhost"
    form.Client1.Port = 5050
    assert ComponentToString(form) == (SPECS / "echo_client.dfm").read_text()


class TChatServerModule(TDataModule):
    form_file = "../../designer_specs/chat_server.dfm"

    Server1: TTMSFNCWebSocketServer

    def DataModuleCreate(self, Sender) -> None:
        self.events: list[str] = []
        self.refuse = "blocked"

    def DataModuleDestroy(self, Sender) -> None:
        self.events.append("destroy")

    def Server1Connect(self, Sender, AConnection) -> None:
        self.events.append("connect")

    def Server1Allow(self, Sender, AConnection, AAllow: VarParam) -> None:
        AAllow.Value = self.refuse not in AConnection.HandshakeRequest.Resource

    def Server1HandshakeResponseSent(self, Sender, AConnection) -> None:
        AConnection.Send("welcome")

    def Server1MessageReceived(self, Sender, AConnection, AMessage: str) -> None:
        Sender.BroadcastMessage(AMessage)

    def Server1Disconnect(self, Sender, AConnection) -> None:
        self.events.append("disconnect")


def chat_client(port: int, owned: list, received: list) -> TTMSFNCWebsocketClient:
    client = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=port, PathName="/chat")
    client.OnMessageReceived = lambda Sender, AConnection, AMessage: received.append(AMessage)
    owned.append(client)
    return client


def test_chat_server_module(owned) -> None:
    module = create_form(TChatServerModule)
    owned.append(module)
    server = module.Server1
    assert server.PathName == "chat" and server.AutoSyncEvents is True
    assert server.OnAllow == module.Server1Allow
    server.Active = True
    one: list[str] = []
    two: list[str] = []
    a = chat_client(server.BoundPort, owned, one)
    b = chat_client(server.BoundPort, owned, two)
    a.Connect()
    b.Connect()
    wait_for(lambda: one == ["welcome"] and two == ["welcome"])
    a.Send("hi all")
    wait_for(lambda: one[-1:] == ["hi all"] and two[-1:] == ["hi all"])
    a.Disconnect()
    b.Disconnect()
    wait_for(lambda: module.events.count("disconnect") == 2)
    assert module.events.count("connect") == 2
    server.Active = False
    assert ComponentToString(module) == (SPECS / "chat_server.dfm").read_text()


class TMainForm(TForm):
    form_file = "../../designer_specs/vcl_main_form.dfm"

    def FormCreate(self, Sender) -> None:
        self.lines: list[str] = []

    def ConnectButtonClick(self, Sender) -> None:
        self.Client1.Connect()

    def SendButtonClick(self, Sender) -> None:
        self.Client1.Send("from the form")

    def Client1Connect(self, Sender, AConnection) -> None:
        self.lines.append("connected")

    def Client1Disconnect(self, Sender, AConnection) -> None:
        self.lines.append("disconnected")

    def Client1MessageReceived(self, Sender, AConnection, AMessage: str) -> None:
        self.lines.append(AMessage)


def test_vcl_form_with_placeholders_in_nested_panels(owned) -> None:
    module = create_form(TChatServerModule)
    owned.append(module)
    module.Server1.Active = True
    form = create_form(TMainForm)
    owned.append(form)
    placeholders = [c for c in form.Components if isinstance(c, TPlaceholderComponent)]
    assert [c.Name for c in placeholders] == [
        "TopPanel", "HostLabel", "HostEdit", "ConnectButton", "ClientPanel", "SendPanel",
        "MessageEdit", "SendButton", "LogMemo"]
    assert form.SendButton.GetParentComponent() is form.SendPanel
    assert form.SendPanel.GetParentComponent() is form.ClientPanel
    assert form.LogMemo.StreamedValue("Lines.Strings") == ["Ready.",
                                                           "Type a message and press Send."]
    assert form.SendButton.StreamedValue("OnClick") == "SendButtonClick"
    assert form.DesignInfo["ClientHeight"] == 441
    assert form.Caption == "WebSocket \u2013 chat client"
    client = form.Client1
    assert isinstance(client, TTMSFNCWebsocketClient)
    assert client.Options == frozenset({TTMSFNCWebsocketOption.twsoManualClose})
    assert client.GetParentComponent() is None
    client.HostName = "127.0.0.1"
    client.Port = module.Server1.BoundPort
    # the placeholder button's handler is a method of the form: call it as a click would
    getattr(form, form.ConnectButton.StreamedValue("OnClick"))(form.ConnectButton)
    wait_for(lambda: form.lines[-1:] == ["welcome"])
    form.SendButtonClick(form.SendButton)
    wait_for(lambda: form.lines[-1:] == ["from the form"])
    client.Disconnect()
    wait_for(lambda: "disconnected" in form.lines)
    client.HostName = "localhost"
    client.Port = 5050
    assert ComponentToString(form) == (SPECS / "vcl_main_form.dfm").read_text()


class TFmxChatForm(TForm):
    form_file = "../../designer_specs/fmx_chat_form.fmx"

    def FormCreate(self, Sender) -> None:
        self.log: list[str] = []

    def StartButtonClick(self, Sender) -> None:
        self.Server1.Active = True

    def Server1Connect(self, Sender, AConnection) -> None:
        self.log.append("connect")

    def Server1MessageReceived(self, Sender, AConnection, AMessage: str) -> None:
        self.log.append(AMessage)
        AConnection.Send(AMessage.upper())

    def Server1Disconnect(self, Sender, AConnection) -> None:
        self.log.append("disconnect")


def test_fmx_form_with_float_positions(owned) -> None:
    form = create_form(TFmxChatForm)
    owned.append(form)
    server = form.Server1
    assert server.DesignInfo == {"Size.Width": 26.0, "Size.Height": 26.0,
                                 "Size.PlatformDefault": False, "Position.X": 560.0,
                                 "Position.Y": 16.0}
    assert form.StartButton.StreamedValue("Position.X") == 16.0
    assert form.StartButton.GetParentComponent() is form.MainLayout
    assert form.LogMemo.StreamedValue("Opacity") == pytest.approx(0.7, abs=1e-6)
    assert form.DesignInfo["FormFactor.Width"] == 320
    form.StartButtonClick(form.StartButton)
    received: list[str] = []
    client = TTMSFNCWebsocketClient(None, HostName="127.0.0.1", Port=server.BoundPort)
    client.OnMessageReceived = lambda Sender, AConnection, AMessage: received.append(AMessage)
    connected: list[bool] = []
    client.OnConnect = lambda Sender, AConnection: connected.append(True)
    owned.append(client)
    client.Connect()
    wait_for(lambda: connected and form.log == ["connect"])  # server OnConnect: at TCP accept
    client.Send("shout")
    wait_for(lambda: received == ["SHOUT"])
    client.Disconnect()
    wait_for(lambda: form.log[-1:] == ["disconnect"])
    server.Active = False
    assert ComponentToString(form) == (SPECS / "fmx_chat_form.fmx").read_text()


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.*")), ids=lambda p: p.name)
def test_every_spec_parses_and_is_written_back_unchanged(path: Path) -> None:
    from fnc.streaming import write_text

    tree = read_tree_file(path)
    assert write_text(tree) == path.read_text()
    lfm = write_text(tree, "lfm")
    assert write_text(parse_text(lfm), "lfm") == lfm
