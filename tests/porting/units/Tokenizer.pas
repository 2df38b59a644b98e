unit Tokenizer;

{$IFDEF FPC}
  {$MODE DELPHI}
{$ENDIF}

interface

uses
  System.SysUtils, System.Classes, System.Generics.Collections, Vcl.Forms, Vcl.ExtCtrls,
  Vcl.StdCtrls;

type
  TTokenKind = (tkWord, tkNumber, tkSymbol, tkEnd);

  TToken = record
    Kind: TTokenKind;
    Text: string;
    case Boolean of
      True: (Value: Integer);
      False: (Ratio: Single);
  end;

  TTokenEvent = procedure(Sender: TObject; const AToken: TToken) of object;

  TTokenList = class;  // forward declaration: its end comes later

  TTokenizerForm = class(TForm)
    InputMemo: TMemo;
    RunButton: TButton;
    Tick: TTimer;
    procedure RunButtonClick(Sender: TObject);
    procedure TickTimer(Sender: TObject);
    procedure FormShow(Sender: TObject);
  private
    FTokens: TList<TToken>;
    FOnToken: TTokenEvent;
    function Classify(C: Char): TTokenKind; virtual;
    procedure Tokenize(const S: string); overload;
    procedure Tokenize(const S: string; AFrom: Integer); overload;
  public
    property OnToken: TTokenEvent read FOnToken write FOnToken;
  end;

  TTokenList = class(TObject)
  strict private
    FItems: array of TToken;
  public
    procedure Clear;
  end;

var
  TokenizerForm: TTokenizerForm;

implementation

{$R *.dfm}

const
  Keywords: array[0..2] of string = ('begin', 'end', 'case');
  EndMarker = 'end.';

procedure TTokenizerForm.RunButtonClick(Sender: TObject);
var
  I: Integer;

  procedure Emit(const AText: string; AKind: TTokenKind);
  var
    T: TToken;
  begin
    T.Kind := AKind;
    T.Text := AText; { a comment with end; in it }
    FTokens.Add(T);
  end;

  function IsKeyword(const W: string): Boolean;
  var
    K: string;
  begin
    Result := False;
    for K in Keywords do
      if SameText(K, W) then
        Exit(True);
  end;

begin
  FTokens.Clear;
  try
    Tokenize(InputMemo.Text);
    for I := 0 to FTokens.Count - 1 do
      case FTokens[I].Kind of
        tkWord:
          if IsKeyword(FTokens[I].Text) then
            Emit('keyword begin', tkWord)   // a string containing begin
          else
            Emit(FTokens[I].Text, tkWord);
        tkNumber, tkSymbol:
          begin
            Emit(FTokens[I].Text, FTokens[I].Kind);
          end;
      else
        Emit('end', tkEnd);
      end;
  except
    on E: EConvertError do
      InputMemo.Lines.Add('bad number: ' + E.Message);
    on E: Exception do
      raise;
  end;
end;

procedure TTokenizerForm.TickTimer(Sender: TObject);
begin
  (* end of a tick: nothing begins here *)
  with InputMemo do
  begin
    Lines.Add('tick');
    if Lines.Count > 100 then
      Lines.Clear;
  end;
end;

procedure TTokenizerForm.FormShow(Sender: TObject);
begin
  Tick.Enabled := True;
end;

function TTokenizerForm.Classify(C: Char): TTokenKind;
begin
  case C of
    'a'..'z', 'A'..'Z', '_': Result := tkWord;
    '0'..'9': Result := tkNumber;
  else
    Result := tkSymbol;
  end;
end;

procedure TTokenizerForm.Tokenize(const S: string);
begin
  Tokenize(S, 1);
end;

procedure TTokenizerForm.Tokenize(const S: string; AFrom: Integer);
var
  I, Start: Integer;
  Token: TToken;
begin
  I := AFrom;
  while I <= Length(S) do
  begin
    Start := I;
    while (I <= Length(S)) and (Classify(S[I]) = Classify(S[Start])) do
      Inc(I);
    Token.Kind := Classify(S[Start]);
    Token.Text := Copy(S, Start, I - Start);
    if Token.Text = '''end''' then
      Continue;
    FTokens.Add(Token);
    if Assigned(FOnToken) then
      FOnToken(Self, Token);
  end;
end;

procedure TTokenList.Clear;
begin
  SetLength(FItems, 0);
end;

function CountWords(const S: string): Integer;
var
  Parts: TArray<string>;
begin
  Parts := S.Split([' ']);
  Result := Length(Parts);
end;

initialization
  RegisterClass(TTokenizerForm);
finalization
  UnRegisterClass(TTokenizerForm);
end.
