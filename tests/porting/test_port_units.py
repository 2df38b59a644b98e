"""``fnc-ws port`` on realistic units: each generated module is ruff clean, imports, loads its
form with every handler bound, keeps each body's Pascal verbatim, and runs as ``__main__``."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from port_support import (
    ROOT,
    assert_every_handler_bound,
    comment_block_after,
    import_fresh,
    pascal_text,
    ruff,
)

from fnc import Application
from fnc.events import published_events
from fnc.streaming import TPlaceholderComponent
from fnc_websocket import TTMSFNCWebsocketClient, TTMSFNCWebSocketServer
from fnc_websocket.porting import plan_port, read_form
from fnc_websocket.porting.signatures import library_class

#: unit, form class, form file, handlers the form binds
CASES = [
    ("ChatClient", "TChatForm", "ChatClient.dfm", 7),
    ("ServerMain", "TServerForm", "ServerMain.fmx", 6),
    ("SharedData", "TSharedData", "SharedData.dfm", 3),
    ("BaseDialog", "TBaseDialog", "BaseDialog.dfm", 3),
    ("LoginDialog", "TLoginDialog", "LoginDialog.dfm", 2),
    ("Tokenizer", "TTokenizerForm", "Tokenizer.dfm", 3),
]
IDS = [case[0] for case in CASES]


def test_generated_modules_are_ruff_clean(ported: Path) -> None:
    modules = sorted(ported.glob("*.py"))
    assert len(modules) == 6
    result = ruff(*modules)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("unit", "class_name", "form_file", "bindings"), CASES, ids=IDS)
def test_module_imports_loads_its_form_and_binds_every_handler(
        ported: Path, unit: str, class_name: str, form_file: str, bindings: int) -> None:
    module = import_fresh(ported, unit)
    cls = getattr(module, class_name)
    raised: list[BaseException] = []
    Application.OnException = lambda Sender, E: raised.append(E)
    try:
        form = Application.CreateForm(cls)
    finally:
        Application.OnException = None
    try:
        assert type(form) is cls
        assert assert_every_handler_bound(form, ported / form_file) == bindings
        # OnCreate handlers are bound and ran: they say what to port.
        assert all(isinstance(e, NotImplementedError) and str(e).startswith("port T")
                   for e in raised), raised
        # Handlers take exactly the parameters the library's event passes.
        for binding in read_form(ported / form_file).bindings:
            component_class = library_class(binding.class_name) if binding.component \
                else type(form)
            events = {e.name: e for e in published_events(component_class)} \
                if component_class is not None else {}
            if binding.event in events:
                params = list(inspect.signature(getattr(cls, binding.method)).parameters)
                assert params == ["self", *events[binding.event].params], binding
    finally:
        form.Free()


@pytest.mark.parametrize(("unit", "class_name", "form_file", "bindings"), CASES, ids=IDS)
def test_each_body_is_kept_verbatim_above_its_method(
        ported: Path, unit: str, class_name: str, form_file: str, bindings: int) -> None:
    text = (ported / f"{unit}.py").read_text(encoding="utf-8")
    plan = plan_port(ported / f"{unit}.pas")
    kept = 0
    for method in (*plan.methods, *plan.functions):
        if method.routine is None or method.comment_only:
            continue
        assert comment_block_after(text, method.signature.name) == pascal_text(
            method.routine.text), method.qualified
        assert f'raise NotImplementedError("port {method.qualified}")' in text
        kept += 1
    assert kept == len([r for r in plan.unit.routines
                        if r.class_name in ("", class_name)])  # type: ignore[union-attr]


def test_the_tricky_unit_keeps_nested_routines_case_with_and_keyword_strings(
        ported: Path) -> None:
    text = (ported / "Tokenizer.py").read_text(encoding="utf-8")
    run = comment_block_after(text, "RunButtonClick")
    assert "  procedure Emit(const AText: string; AKind: TTokenKind);" in run
    assert "T.Text := AText; { a comment with end; in it }" in run
    assert "Emit('keyword begin', tkWord)   // a string containing begin" in run
    assert run.endswith("      raise;\n  end;\nend;")
    assert "with InputMemo do" in comment_block_after(text, "TickTimer")
    # overloads get distinct names; the other class's method is kept as a comment
    assert "def Tokenize(self, S: str) -> None:" in text
    assert "def Tokenize_2(self, S: str, AFrom: int) -> None:" in text
    assert "# procedure TTokenList.Clear;" in text
    assert "def CountWords(S: str) -> int:" in text


def test_signatures_types_and_var_parameters(ported: Path) -> None:
    server = import_fresh(ported, "ServerMain")
    allow = inspect.signature(server.TServerForm.Server1Allow)
    assert list(allow.parameters) == ["self", "Sender", "AConnection", "AAllow"]
    assert allow.parameters["AAllow"].annotation == "VarParam[bool]"
    assert allow.parameters["AConnection"].annotation == "TTMSFNCWebSocketConnection"
    client = import_fresh(ported, "ChatClient")
    received = inspect.signature(client.TChatForm.Client1MessageReceived)
    assert list(received.parameters) == ["self", "Sender", "AConnection", "AMessage"]
    assert received.parameters["AMessage"].annotation == "str"  # Pascal: const aMessage: string
    assert inspect.signature(client.TChatForm.IsConnected).return_annotation == "bool"
    data = import_fresh(ported, "SharedData")
    reset = inspect.signature(data.TSharedData.Reset)
    assert reset.parameters["ACount"].default == 0


def test_field_annotations_name_the_component_classes(ported: Path) -> None:
    client = import_fresh(ported, "ChatClient")
    hints = inspect.get_annotations(client.TChatForm)
    assert hints["Client1"] == "TTMSFNCWebsocketClient"
    assert hints["Memo1"] == "TPlaceholderComponent"
    assert client.TTMSFNCWebsocketClient is TTMSFNCWebsocketClient
    server = import_fresh(ported, "ServerMain")
    assert server.TTMSFNCWebSocketServer is TTMSFNCWebSocketServer
    assert server.TPlaceholderComponent is TPlaceholderComponent


def test_constants_become_python_literals(ported: Path) -> None:
    data = import_fresh(ported, "SharedData")
    assert (data.TickInterval, data.Ratio, data.Negative) == (500, 1.5e-3, -42)
    assert data.Digits == frozenset("0123456789")
    assert data.Small == frozenset({1, 3, 4, 5})
    assert (data.Tab, data.Quote, data.SReady) == ("\t", "It's", "Ready")
    client = import_fresh(ported, "ChatClient")
    assert (client.CRLF, client.MaxLines, client.DefaultPort) == ("\r\n", 0x400, 8888)
    assert client.Separators == frozenset({" ", ",", ";"})
    assert not hasattr(client, "Greeting")  # an expression: kept as a comment
    text = (ported / "ChatClient.py").read_text(encoding="utf-8")
    assert "# Greeting = 'Hello from ' + DefaultHost  (not a literal" in text
    assert import_fresh(ported, "ServerMain").BannedAgents == ("BadBot", "EvilCrawler")
    assert import_fresh(ported, "Tokenizer").Keywords == ("begin", "end", "case")


def test_the_header_lists_what_needs_a_human(ported: Path) -> None:
    doc = import_fresh(ported, "Tokenizer").__doc__
    assert doc is not None
    flat = " ".join(doc.split())
    assert "placeholder classes" in flat and "InputMemo: TMemo" in flat
    assert "RunButton.OnClick -> RunButtonClick" in flat
    assert "OnShow" not in flat  # a root event of TForm: bound like any other
    assert "units with no counterpart here: Vcl.StdCtrls" in flat
    assert "TTokenList.Clear" in flat
    login = " ".join((import_fresh(ported, "LoginDialog").__doc__ or "").split())
    assert "port BaseDialog.pas too" in login


def test_the_inherited_form_gets_its_ancestors_components(ported: Path) -> None:
    login = import_fresh(ported, "LoginDialog")
    base = sys.modules["BaseDialog"]  # imported by LoginDialog
    assert issubclass(login.TLoginDialog, base.TBaseDialog)
    Application.OnException = lambda Sender, E: None
    try:
        form = Application.CreateForm(login.TLoginDialog)
    finally:
        Application.OnException = None
    try:
        names = [c.Name for c in form.Components]
        assert names == ["OkButton", "CancelButton", "IdleTimer", "UserEdit", "RetryTimer"]
        assert form.IdleTimer.Interval == 60000  # the descendant's value wins
        assert form.IdleTimer.OnTimer == form.IdleTimerTimer  # bound by the ancestor's form
        assert form.Caption == "Log in"
    finally:
        form.Free()


@pytest.mark.parametrize("unit", IDS)
def test_module_runs_as_main(ported: Path, unit: str) -> None:
    # Application.Terminate() before the module's Application.Run(): Run returns at once.
    script = ("import runpy, sys\nfrom fnc import Application\nApplication.Terminate()\n"
              f"runpy.run_path({str(ported / (unit + '.py'))!r}, run_name='__main__')\n"
              "print('ran', type(Application.MainForm).__name__)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ported)]))
    proc = subprocess.run([sys.executable, "-c", script], cwd=ported, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ran T"), proc.stdout + proc.stderr


def test_handlers_only_writes_pass(ported: Path, tmp_path: Path) -> None:
    from fnc_websocket.cli import main

    out = tmp_path / "chat_handlers.py"
    assert main(["port", str(ported / "ChatClient.pas"), "-o", str(out),
                 "--handlers-only"]) == 0
    text = out.read_text(encoding="utf-8")
    assert 'raise NotImplementedError("port TChatForm.Client1Connect")' not in text
    assert 'raise NotImplementedError("port TChatForm.AddLine")' in text  # not a handler
    assert text.count("        pass\n") == 7
    assert f'form_file = "{os.path.relpath(ported / "ChatClient.dfm", tmp_path)}"' in text
    assert ruff(out).returncode == 0
