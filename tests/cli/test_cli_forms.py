"""``fnc-ws run FORM`` and ``fnc-ws inspect CLASS|FORM``."""

from __future__ import annotations

import signal
import socket
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import ROOT, TIMEOUT, CliProcess, assert_one_line_error, run_cli

from fnc_websocket.cli.main import main
from fnc_websocket.testing import MockWebSocketServer

Start = Callable[..., CliProcess]

ECHO_HANDLERS = '''
import os
from fnc import Application, TForm
from fnc_websocket import TTMSFNCWebsocketClient


class TEchoClientForm(TForm):
    Client1: TTMSFNCWebsocketClient

    def FormCreate(self, Sender):
        self.Client1.HostName = "127.0.0.1"
        self.Client1.Port = int(os.environ["ECHO_PORT"])
        self.Client1.Connect()

    def Client1Connect(self, Sender, AConnection):
        AConnection.Send("hello from the form")

    def Client1MessageReceived(self, Sender, AConnection, AMessage):
        print("received:", AMessage, flush=True)
        Sender.Disconnect()

    def Client1Disconnect(self, Sender, AConnection):
        Application.Terminate()

    def PingTimerTimer(self, Sender):
        pass
'''

TICKER_FORM = """object Ticker: TTickerForm
  object Timer1: TTimer
    Interval = 10
    OnTimer = Timer1Timer
  end
end
"""

TICKER_HANDLERS = '''
from fnc import Application, TForm


class TSomeOtherName(TForm):
    ticks = 0

    def Timer1Timer(self, Sender):
        type(self).ticks += 1
        print("tick", type(self).ticks, flush=True)
        if type(self).ticks == 3:
            Application.Terminate()
'''


def test_run_binds_the_designer_form_to_the_handler_module(tmp_path: Path) -> None:
    handlers = tmp_path / "echo_handlers.py"
    handlers.write_text(ECHO_HANDLERS, encoding="utf-8")
    with MockWebSocketServer(echo=True) as server:
        proc = run_cli(["run", "echo_client", "--handlers", str(handlers), "--timeout", "10"],
                       env={"ECHO_PORT": str(server.port)}, timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["received: hello from the form"]
        assert server.wait_for_message(timeout=TIMEOUT).text == "hello from the form"
        assert server.all_connections[0].wait_for_close_frame(TIMEOUT).code == 1000
    assert "* loaded EchoClientForm: TEchoClientForm from " in proc.stderr
    assert "echo_client.dfm (2 components)" in proc.stderr


def test_run_with_a_module_name_and_the_only_form_class(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ticker_form.dfm").write_text(TICKER_FORM, encoding="utf-8")
    (tmp_path / "cli_ticker_handlers.py").write_text(TICKER_HANDLERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["run", "ticker_form.dfm", "--handlers", "cli_ticker_handlers",
                     "--timeout", "10"])
    finally:
        sys.modules.pop("cli_ticker_handlers", None)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == ["tick 1", "tick 2", "tick 3"]
    assert "Ticker: TSomeOtherName" in captured.err


def test_run_without_handlers_leaves_events_unassigned_and_times_out() -> None:
    proc = run_cli(["run", "echo_client", "--timeout", "0.2"])
    assert proc.returncode == 1
    assert "* no --handlers: 5 event binding(s) left unassigned: " in proc.stderr
    assert "Client1.OnConnect = Client1Connect" in proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        "fnc-ws run: error: timed out after 0.2 s (nothing called Application.Terminate)")


def test_run_stops_cleanly_on_sigint(cli: Start) -> None:
    process = cli("run", "chat_server")
    process.stderr.expect(r"^\* running until Application.Terminate")
    process.signal(signal.SIGINT)
    assert process.wait() == 0
    assert process.stderr.rest()[-1] == "* stopped (SIGINT)"


def test_run_reports_a_bad_form_file_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dfm"
    bad.write_text("object Form1: TForm\n  Caption = 'unterminated\nend\n", encoding="utf-8")
    proc = run_cli(["run", str(bad)])
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, "bad form file", f"{bad}:2:")


def test_run_reports_a_port_in_use_from_a_streamed_active_server(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        form = tmp_path / "busy.dfm"
        form.write_text(textwrap.dedent(f"""\
            object Busy: TDataModule
              object Server1: TTMSFNCWebSocketServer
                BindingIP = '127.0.0.1'
                Port = {port}
                Active = True
              end
            end
            """), encoding="utf-8")
        proc = run_cli(["run", str(form)])
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr, "in use", str(port))


@pytest.mark.parametrize(("args", "fragments"), [
    (["run", "no_such_form"], ["form file 'no_such_form' not found", "designer_specs"]),
    (["run", "echo_client", "--handlers", "no_such_module_xyz"],
     ["cannot import no_such_module_xyz"]),
    (["inspect", "TNoSuchClass"], ["TNoSuchClass", "TTMSFNCWebsocketClient"]),
    (["inspect", "missing/form.dfm"], ["form file 'missing/form.dfm' not found"]),
])
def test_expected_failures_are_usage_errors(capsys: pytest.CaptureFixture[str],
                                            args: list[str], fragments: list[str]) -> None:
    assert main(args) == 2
    assert_one_line_error(capsys.readouterr().err, *fragments)


def test_run_handler_module_without_a_matching_class(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "empty_handlers.py"
    module.write_text("X = 1\n", encoding="utf-8")
    assert main(["run", "echo_client", "--handlers", str(module)]) == 2
    assert_one_line_error(capsys.readouterr().err, "no class TEchoClientForm")


def test_inspect_a_registered_class(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "TTMSFNCWebsocketClient"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("TTMSFNCWebsocketClient\n")
    assert "HostName" in out and "HeartBeat.Interval" in out
    assert "OnConnect(Sender, AConnection)" in out


def test_inspect_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", "ttmsfncwebsocketserver", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### `TTMSFNCWebSocketServer`")
    assert "| `Port` | Integer | 8888 |" in out


def test_inspect_a_form_lists_values_and_handler_names() -> None:
    proc = run_cli(["inspect", "echo_client"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(str(Path("designer_specs") / "echo_client.dfm")
                          + ": EchoClientForm: TEchoClientForm, 2 components")
    client = out[out.index("TTMSFNCWebsocketClient Client1"):out.index("TTimer PingTimer")]
    assert "= 5050" in client and "= '/echo'" in client
    assert "OnConnect(Sender, AConnection)  = Client1Connect" in client
    assert "OnPing(Sender, AConnection, AData)\n" in client  # unbound
    assert "OnTimer(Sender)  = PingTimerTimer" in out


def test_inspect_a_form_as_markdown_with_placeholders(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(ROOT / "designer_specs" / "vcl_main_form.dfm"),
                 "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Form `vcl_main_form.dfm`")
    assert ("| `OnConnect` | `Sender, AConnection` | marshaled (AutoSyncEvents) | Client1Connect |"
            in out)
    assert "Placeholder for the unimplemented class TButton; streamed values:" in out
    assert "- `OnClick` = ConnectButtonClick" in out


def test_inspect_does_not_activate_a_streamed_active_server(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:  # activating would fail: the port is taken
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        form = tmp_path / "active.dfm"
        form.write_text("object M: TDataModule\n  object Server1: TTMSFNCWebSocketServer\n"
                        f"    Port = {taken.getsockname()[1]}\n    Active = True\n  end\nend\n",
                        encoding="utf-8")
        assert main(["inspect", str(form)]) == 0
    out = capsys.readouterr().out
    assert "(streamed Active = True, not activated here: Server1)" in out
