"""``fnc-ws port`` from the command line: defaults, --force, --report, a form or a unit alone,
handlers on one side only, and bad input as one ``file:line`` line with exit status 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from port_support import ROOT, UNITS, assert_every_handler_bound, import_fresh, on_path, ruff

from fnc import Application
from fnc_websocket.cli import main

GOOD = """unit Good;
interface
uses Vcl.Forms;
type
  TForm1 = class(TForm)
  end;
implementation
end.
"""


def port_lines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["port", *args])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def test_never_overwrites_without_force(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    unit = tmp_path / "Good.pas"
    unit.write_text(GOOD)
    target = tmp_path / "Good.py"
    target.write_text("# mine\n")
    code, err, _ = port_lines(capsys, str(unit))
    assert code == 1 and err == [f"fnc-ws port: error: {target} exists (use --force to "
                                 "overwrite it)"]
    assert target.read_text() == "# mine\n"
    code, err, _ = port_lines(capsys, str(unit), "--force")
    assert code == 0 and err[0].startswith(f"wrote {target}")
    assert "class TForm1(TForm):" in target.read_text()


@pytest.mark.parametrize(("source", "line", "reason"), [
    ("this is not Pascal\n", 1, "not an Object Pascal unit: expected 'unit <Name>;', found "
                                "'this'"),
    ("unit U;\ninterface\nimplementation\nprocedure A;\nbegin\n  if X then\n  begin\n"
     "    Y;\nend;\n\nprocedure B;\nbegin\nend;\n\nend.\n", 5,
     "unbalanced begin/end: the 'begin' of A (line 4) at line 5 is not closed before the "
     "next routine (line 11)"),
    ("unit U;\ninterface\nimplementation\nprocedure A;\nbegin\n  try\n    B;\n  finally\n"
     "  end;\nend.\n", 5, "unbalanced begin/end: the 'begin' of A (line 4) at line 5 takes "
                          "the unit's final 'end.'"),
    ("unit U;\ninterface\nimplementation\nprocedure A;\nbegin\nend;\nend;\nend.\n", 7,
     "unexpected 'end' (unbalanced begin/end?)"),
    ("unit U;\ninterface\n{ never closed\nimplementation\nend.\n", 3,
     "comment '{' is never closed"),
    ("unit U;\ninterface\nconst S = 'open;\nimplementation\nend.\n", 3,
     "string literal is not closed on its line"),
])
def test_bad_units_give_one_line_with_file_and_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, line: int,
        reason: str) -> None:
    unit = tmp_path / "U.pas"
    unit.write_text(source)
    code, err, out = port_lines(capsys, str(unit))
    assert (code, out) == (1, "")
    assert err == [f"fnc-ws port: error: {unit}:{line}: {reason}"]
    assert not (tmp_path / "U.py").exists()


def test_a_form_whose_root_class_the_unit_does_not_declare(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Good.pas").write_text(GOOD)
    form = tmp_path / "Other.dfm"
    form.write_text("object Form9: TForm9\n  Caption = 'x'\nend\n")
    code, err, _ = port_lines(capsys, str(tmp_path / "Good.pas"), "--form", str(form))
    assert code == 1
    assert err == [f"fnc-ws port: error: {form}:1: the form's root class TForm9 is not "
                   "declared in Good.pas"]
    form.write_text("object Form1: TForm1\n  Caption = 'x\nend\n")
    code, err, _ = port_lines(capsys, str(tmp_path / "Good.pas"), "--form", str(form))
    assert code == 1 and err[0].startswith(f"fnc-ws port: error: {form}:2: bad form file:")
    code, err, _ = port_lines(capsys, str(tmp_path / "Nope.pas"))
    assert code == 1 and err == [f"fnc-ws port: error: {tmp_path / 'Nope.pas'}: no such file"]


def test_errors_never_show_a_traceback_from_the_real_command(tmp_path: Path) -> None:
    unit = tmp_path / "Bin.pas"
    unit.write_bytes(b"\x00\x01binary\xff")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "fnc_websocket", "port", str(unit)],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == f"fnc-ws port: error: {unit}:1: not an Object Pascal unit " \
                          "(binary data)\n"


def test_report_prints_the_checklist_table_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, out = port_lines(capsys, "--report", str(UNITS / "ChatClient.pas"))
    assert code == 0 and err == []
    lines = out.splitlines()
    assert lines[0].split() == ["KIND", "NAME", "MAPS", "TO", "NEEDS", "A", "HUMAN"]
    rows = {tuple(line.split()[:2]) for line in lines[1:]}
    assert ("component", "Client1:") in rows and ("uses", "Vcl.StdCtrls") in rows
    assert any(line.startswith("handler") and "Client1MessageReceived" in line
               and "port its body (7 lines)" in line for line in lines)
    assert any(line.startswith("constant") and "Greeting" in line and "not literals" in line
               for line in lines)
    assert lines[-1] == ("19 items map as they are; 7 handlers; 9 routines with 63 lines of "
                         "Pascal to port; 15 other items need a human.")
    assert not (UNITS / "ChatClient.py").exists()


HALF = """unit Half;

interface

uses
  System.Classes, Vcl.Forms, Vcl.ExtCtrls, VCL.TMSFNCWebSocketClient;

type
  TForm1 = class(TForm)
    Timer1: TTimer;
    Client1: TTMSFNCWebsocketClient;
    procedure Timer1Timer(Sender: TObject);
    procedure Unbound(Sender: TObject);
  end;

implementation

procedure TForm1.Timer1Timer(Sender: TObject);
begin
end;

procedure TForm1.Unbound(Sender: TObject);
begin
end;

end.
"""
HALF_FORM = """object Form1: TForm1
  object Timer1: TTimer
    OnTimer = Timer1Timer
  end
  object Client1: TTMSFNCWebsocketClient
    OnMessageReceived = Client1Message
  end
end
"""


def test_handlers_missing_on_either_side(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Half.pas").write_text(HALF)
    (tmp_path / "Half.dfm").write_text(HALF_FORM)
    code, _, _ = port_lines(capsys, str(tmp_path / "Half.pas"))
    assert code == 0
    text = (tmp_path / "Half.py").read_text()
    flat = " ".join(text.split('"""')[1].split())
    assert "bound in the form but not in Half.pas: write it: TForm1.Client1Message" in flat
    assert "declared like a handler but no event of the form binds it: TForm1.Unbound" in flat
    assert "    def Client1Message(self, Sender: TComponent, AConnection, AMessage) -> None:" \
        in text
    assert "# Not in Half.pas: the form binds it." in text
    assert ruff(tmp_path / "Half.py").returncode == 0
    with on_path(tmp_path, ["Half"]):
        module = import_fresh(tmp_path, "Half")
        form = Application.CreateForm(module.TForm1)
        try:
            assert assert_every_handler_bound(form, tmp_path / "Half.dfm") == 2
        finally:
            form.Free()


def test_a_form_alone_and_a_unit_alone(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    form = tmp_path / "OnlyForm.dfm"
    form.write_text(HALF_FORM)
    code, _, _ = port_lines(capsys, str(form))
    assert code == 0
    text = (tmp_path / "OnlyForm.py").read_text()
    assert "class TForm1(TForm):" in text and "    Client1: TTMSFNCWebsocketClient" in text
    assert "def Timer1Timer(self, Sender: TComponent) -> None:" in text
    unit = tmp_path / "OnlyUnit.pas"
    unit.write_text(HALF.replace("unit Half;", "unit OnlyUnit;"))
    code, _, _ = port_lines(capsys, str(unit))
    assert code == 0
    unit_text = (tmp_path / "OnlyUnit.py").read_text()
    assert "no form file: the class is created without one" in " ".join(unit_text.split())
    assert "    Form1 = TForm1(Application)\n    Form1.DoCreate()" in unit_text
    assert ruff(tmp_path / "OnlyForm.py", tmp_path / "OnlyUnit.py").returncode == 0
    with on_path(tmp_path, ["OnlyForm", "OnlyUnit"]):
        loaded = Application.CreateForm(import_fresh(tmp_path, "OnlyForm").TForm1)
        try:
            assert assert_every_handler_bound(loaded, form) == 2
        finally:
            loaded.Free()
        created = import_fresh(tmp_path, "OnlyUnit").TForm1(None)
        created.Free()


def test_the_command_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["port", "--help"])
    out = capsys.readouterr().out
    for option in ("--form", "-o", "--handlers-only", "--force", "--report"):
        assert option in out


LAZARUS = (b"unit main;\n\n{$mode objfpc}{$H+}\n\ninterface\n\nuses\n  Classes, SysUtils, Forms,"
           b" Controls, ExtCtrls;\n\nconst\n  Greeting = 'caf\xe9 \x96 ok';\n\ntype\n"
           b"  TMainForm = class(TForm)\n    Timer1: TTimer;\n"
           b"    procedure Timer1Timer(Sender: TObject);\n  end;\n\nimplementation\n\n"
           b"{$R *.lfm}\n\nprocedure TMainForm.Timer1Timer(Sender: TObject);\nbegin\n"
           b"\tCaption := Greeting; // \xe9t\xe9 \x96 a comment line long enough to pass the "
           b"line length of the project\nend;\n\nend.\n")
LAZARUS_FORM = """object MainForm: TMainForm
  Caption = 'Lazarus'
  LCLVersion = '3.0.0.0'
  object Timer1: TTimer
    Interval = 100
    OnTimer = Timer1Timer
    Foo = 3
  end
end
"""


def test_a_lazarus_unit_in_windows_1252_with_an_unknown_property(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.pas").write_bytes(LAZARUS)
    (tmp_path / "main.lfm").write_text(LAZARUS_FORM)
    (tmp_path / "main.dfm").write_text("object Other: TOther\nend\n")  # {$R *.lfm} wins
    code, _, _ = port_lines(capsys, str(tmp_path / "main.pas"))
    assert code == 0
    text = (tmp_path / "main.py").read_text(encoding="utf-8")
    assert 'Greeting = "caf\\xe9 \\u2013 ok"' in text
    assert 'form_file = "main.lfm"' in text
    assert "# \tCaption := Greeting; // \u00e9t\u00e9 \u2013 a comment line" in text
    assert "unknown property of TTimer: the form will not load with it: Timer1.Foo" in \
        " ".join(text.split())
    assert ruff(tmp_path / "main.py").returncode == 0
    isolated = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache",
                               str(tmp_path / "main.py")], capture_output=True, text=True,
                              timeout=60)
    assert isolated.returncode == 0, isolated.stdout


@pytest.mark.parametrize(("unit", "module"), [
    ("Types.pas", "Types_unit.py"), ("My.Chat.pas", "My_Chat.py"), ("Json.pas", "Json_unit.py"),
    ("1st.pas", "unit_1st.py"),
])
def test_default_module_names_import_and_hide_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, module: str) -> None:
    (tmp_path / unit).write_text(GOOD)
    code, err, _ = port_lines(capsys, str(tmp_path / unit))
    assert code == 0 and err[0].startswith(f"wrote {tmp_path / module}:")


CLASHES = """unit Clash;
interface
const
  TForm1 = 1;
  TComponent = 'x';
type
  TForm1 = class(TForm)
    procedure Step(I: Integer; l: string; O: Boolean);
    procedure Step(A: Double); overload;
  end;
function Twice(I: Integer): Integer; overload;
function Twice(S: string): string; overload;
implementation
procedure TForm1.Step(I: Integer; l: string; O: Boolean);
begin
end;
procedure TForm1.Step(A: Double);
begin
end;
function Twice(I: Integer): Integer;
begin
  Result := I * 2;
end;
function Twice(S: string): string;
begin
  Result := S + S;
end;
end.
"""


def test_names_taken_twice_are_renamed_and_listed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Clash.pas").write_text(CLASHES)
    code, _, _ = port_lines(capsys, str(tmp_path / "Clash.pas"))
    assert code == 0
    text = (tmp_path / "Clash.py").read_text()
    assert "TForm1_2 = 1" in text and 'TComponent_2 = "x"' in text
    assert "    def Step(self, I_: int, l_: str, O_: bool) -> None:" in text
    assert "    def Step_2(self, A: float) -> None:" in text
    assert "def Twice(I_: int) -> int:" in text and "def Twice_2(S: str) -> str:" in text
    flat = " ".join(text.split('"""')[1].split())
    assert "names taken twice (overloads, or a name the module has): renamed: Step, TForm1, " \
           "TComponent, Twice" in flat
    assert ruff(tmp_path / "Clash.py").returncode == 0
    with on_path(tmp_path, ["Clash"]):
        module = import_fresh(tmp_path, "Clash")
        assert (module.TForm1_2, module.TComponent_2) == (1, "x")


FRAME = """unit StatusFrame;
interface
uses Vcl.Forms, Vcl.ExtCtrls;
type
  TStatusFrame = class(TFrame)
    Blink: TTimer;
    procedure BlinkTimer(Sender: TObject);
  end;
implementation
{$R *.dfm}
procedure TStatusFrame.BlinkTimer(Sender: TObject);
begin
  Blink.Tag := 1 - Blink.Tag;
end;
end.
"""
FRAME_FORM = """object StatusFrame: TStatusFrame
  Width = 320
  Height = 40
  object Blink: TTimer
    Interval = 500
    OnTimer = BlinkTimer
  end
end
"""


def test_a_frame_ports_with_what_this_fnc_has(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import fnc.forms

    (tmp_path / "StatusFrame.pas").write_text(FRAME)
    (tmp_path / "StatusFrame.dfm").write_text(FRAME_FORM)
    assert port_lines(capsys, str(tmp_path / "StatusFrame.pas"))[0] == 0
    text = (tmp_path / "StatusFrame.py").read_text()
    if hasattr(fnc.forms, "TFrame"):
        assert "class TStatusFrame(TFrame):" in text
    else:
        assert "class TStatusFrame(TForm):" in text
        assert "no TFrame in this fnc yet: the frame loads as a form" in " ".join(text.split())
    assert ruff(tmp_path / "StatusFrame.py").returncode == 0
    with on_path(tmp_path, ["StatusFrame"]):
        frame = Application.CreateForm(import_fresh(tmp_path, "StatusFrame").TStatusFrame)
        try:
            assert assert_every_handler_bound(frame, tmp_path / "StatusFrame.dfm") == 1
        finally:
            frame.Free()


GADGET = """unit Gadgets;
interface
type
  TGadgetForm = class(TForm)
    Gadget1: TGadget;
    Count: Integer;
  end;
implementation
end.
"""


def test_classes_the_application_registers_are_imported_from_their_module(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from port_support import TGadget

    from fnc.streaming import RegisterClass, UnRegisterClass

    (tmp_path / "Gadgets.pas").write_text(GADGET)
    (tmp_path / "Gadgets.dfm").write_text(
        "object GadgetForm: TGadgetForm\n  object Gadget1: TGadget\n  end\nend\n")
    RegisterClass(TGadget)
    try:
        assert port_lines(capsys, str(tmp_path / "Gadgets.pas"))[0] == 0
    finally:
        UnRegisterClass(TGadget)
    text = (tmp_path / "Gadgets.py").read_text()
    assert "from port_support import TGadget" in text
    assert "    Gadget1: TGadget\n" in text
    assert "    #   Count: Integer;\n" in text  # a published field that is no component
    with on_path(tmp_path, ["Gadgets"]):
        form = Application.CreateForm(import_fresh(tmp_path, "Gadgets").TGadgetForm)
        try:
            assert type(form.Gadget1) is TGadget
        finally:
            form.Free()
