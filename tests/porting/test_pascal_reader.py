"""The tolerant Object Pascal reader and the constant converter on their own."""

from __future__ import annotations

import pytest

from fnc_websocket.porting import PascalSyntaxError, parse_unit
from fnc_websocket.porting.constants import python_literal
from fnc_websocket.porting.lexer import string_value, tokenize

UNIT = """unit My.Unit.Name platform;

interface

uses System.Classes, Foo in 'Foo.pas';

type
  TKind = (kOne, kTwo);
  TCallback = procedure(Sender: TObject; var Done: Boolean) of object;
  TFunc = reference to function(A: Integer): string;
  TRec = packed record
    A: Integer;
    case Integer of
      0: (B: Byte);
      1: (C: Word);
  end;
  IThing = interface(IInterface)
    ['{00000000-0000-0000-0000-000000000000}']
    procedure DoIt;
  end;
  TFwd = class;
  TMeta = class of TFwd;
  TEmpty = class(Exception);
  [Attr('x')]
  TBox<T> = class(TObject)
  private
    FItem: T;
  end;
  TForm1 = class(TForm, IThing)
    Button1: TButton;
    Client1, Client2: TTMSFNCWebsocketClient;
    procedure Button1Click(Sender: TObject);
    procedure Handle(var Msg: TMessage); message WM_USER;
    function Count(const A: array of Integer; B: Integer = 3): Integer; virtual; abstract;
    class function Make: TForm1; static;
    property Items[Index: Integer]: string read GetItem; default;
  strict private
    type TInner = record X: Integer; end;
    const Limit = 3;
    class var Shared: Integer;
    FCount: Integer;
  protected
    constructor Create(AOwner: TComponent); override;
  end;
  TFwd = class(TObject)
  end;

implementation

{$R *.DFM}

procedure TForm1.Button1Click(Sender: TObject);
var
  R: TRec;
  procedure Inner;
    function Deeper: Integer;
    begin
      Result := 1;
    end;
  begin
    case Deeper of
      1: ;
    end;
  end;
begin
  asm
    mov eax, 1  // no 'end' counted here but this one:
  end;
  try
    Inner;
  finally
    R.A := 0;
  end;
end;

function TBox<T>.Get: T;
begin
  Result := FItem;
end;

procedure Forwarded; forward;

procedure Forwarded;
begin
end;

initialization
  if True then begin end;
finalization
end.
"""


def test_the_reader_finds_what_a_port_needs() -> None:
    unit = parse_unit(UNIT, "My.Unit.Name.pas")
    assert unit.name == "My.Unit.Name"
    assert [u.name for u in unit.uses] == ["System.Classes", "Foo"]
    assert unit.form_resources == (".dfm",)
    form = unit.find_class("tform1")
    assert form is not None and form.ancestor == "TForm"
    assert [(f.name, f.type, f.visibility) for f in form.fields] == [
        ("Button1", "TButton", ""), ("Client1", "TTMSFNCWebsocketClient", ""),
        ("Client2", "TTMSFNCWebsocketClient", ""), ("Shared", "Integer", "strict private"),
        ("FCount", "Integer", "strict private")]
    assert [m.name for m in form.methods] == ["Button1Click", "Handle", "Count", "Make",
                                              "Create"]
    count = form.method("count")
    assert count is not None and count.result == "Integer"
    assert [(p.name, p.type, p.modifier, p.default) for p in count.params] == [
        ("A", "array of Integer", "const", ""), ("B", "Integer", "", "3")]
    assert form.method("Handle").params[0].is_var  # type: ignore[union-attr]
    assert form.method("Make").class_method  # type: ignore[union-attr]
    assert form.method("Create").visibility == "protected"  # type: ignore[union-attr]
    assert [c.name for c in unit.classes] == ["TEmpty", "TBox", "TForm1", "TFwd"]
    routines = {r.qualified_name: r for r in unit.routines}
    assert list(routines) == ["TForm1.Button1Click", "TBox.Get", "Forwarded"]
    click = routines["TForm1.Button1Click"]
    assert click.text.startswith("procedure TForm1.Button1Click(Sender: TObject);\nvar")
    assert click.text.endswith("    R.A := 0;\n  end;\nend;")
    lines = UNIT.splitlines()
    first = lines.index("procedure TForm1.Button1Click(Sender: TObject);") + 1
    assert (click.line, click.end_line) == (first, first + 22)
    assert lines[click.end_line - 1] == "end;"
    assert [c.name for c in unit.consts] == ["Limit"]


@pytest.mark.parametrize(("text", "kept"), [
    ("begin\n  S := 'end'; { end } (* end *) // end\nend;", True),
    ("begin\n  S := 'it''s begin';\nend;", True),
    ("begin\n  case X of\n    1: begin end;\n  else\n    Y;\n  end;\nend;", True),
    ("begin\n  with A do\n  begin\n    try\n      B;\n    except\n      on E: Exception do"
     "\n        C;\n    end;\n  end;\nend;", True),
    ("begin\n  F(function(A: Integer): Boolean\n    begin\n      Result := A > 0;\n    end);"
     "\nend;", True),
])
def test_bodies_balance_whatever_comments_and_strings_say(text: str, kept: bool) -> None:
    source = f"unit U;\ninterface\nimplementation\nprocedure P;\n{text}\n\nend.\n"
    unit = parse_unit(source)
    assert unit.routines[0].text == "procedure P;\n" + text


def test_errors_name_the_line() -> None:
    with pytest.raises(PascalSyntaxError) as info:
        parse_unit("unit U;\ninterface\ntype\n  TX = class\n    A: Integer;\n", "u.pas")
    assert str(info.value) == "u.pas:4: class TX is never closed by 'end'"
    with pytest.raises(PascalSyntaxError) as info:
        parse_unit("program P;\nbegin\nend.\n", "p.dpr")
    assert str(info.value).startswith("p.dpr:1: not an Object Pascal unit")
    with pytest.raises(PascalSyntaxError) as info:
        parse_unit("unit U;\ninterface\nimplementation\nprocedure P;\nvar X: Integer;\n")
    assert str(info.value) == "line 5: P (line 4) has no body"


def test_strings_and_their_character_codes() -> None:
    tokens = tokenize("S := 'a'#13#10'b''c'#$41;")
    assert [t.kind for t in tokens] == ["ident", "symbol", "string", "symbol"]
    assert string_value(tokens[2].text) == "a\r\nb'cA"


@pytest.mark.parametrize(("pascal", "python"), [
    ("42", "42"), ("-7", "-7"), ("$FF", "0xFF"), ("%101", "5"), ("&17", "15"),
    ("1.5", "1.5"), ("2E3", "2000.0"), ("True", "True"), ("nil", "None"),
    ("'it''s'", '"it\'s"'), ("#9'x'#10", '"\\tx\\n"'), ("'a' + 'b'", '"ab"'),
    ("'caf\u00e9 \u2013 \U0001F600'", '"caf\\xe9 \\u2013 \\U0001f600"'),
    ("[twsoManualPong, twsoManualClose]", 'frozenset({"twsoManualPong", "twsoManualClose"})'),
    ("[]", "frozenset()"), ("['a'..'c', '_']", 'frozenset({*map(chr, range(97, 100)), "_"})'),
    ("[1, 3..5]", "frozenset({1, *range(3, 6)})"), ("(1, 2)", "(1, 2)"), ("('x')", '("x",)'),
    ("SizeOf(Integer)", None), ("A + 1", None), ("'x' + Name", None), ("[0..100000]", None),
    ("(A: 1; B: 2)", None), ("", None),
])
def test_constant_literals(pascal: str, python: str | None) -> None:
    assert python_literal(pascal) == python
    if python is not None:
        eval(python)  # valid Python


def test_only_the_first_branch_of_conditional_code_is_read() -> None:
    source = """unit U;
interface
type
  TForm1 = class(TForm)
{$IFDEF FPC}
    procedure A(Sender: TObject);
{$ELSE}
    procedure A(Sender: TObject; Extra: Integer);
{$ENDIF}
  end;
implementation
procedure TForm1.A(Sender: TObject);
{$IF CompilerVersion > 30}
begin
  if X then begin
{$ELSE}
begin
  begin
{$IFEND}
    Y;
  end;
end;
end.
"""
    unit = parse_unit(source)
    form = unit.find_class("TForm1")
    assert form is not None and [len(m.params) for m in form.methods] == [1]
    (routine,) = unit.routines
    assert "{$ELSE}\nbegin\n  begin\n{$IFEND}" in routine.text  # every branch kept as text
    assert routine.text.endswith("    Y;\n  end;\nend;")
