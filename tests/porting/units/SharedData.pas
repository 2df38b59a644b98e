unit SharedData;

interface

uses
  System.SysUtils, System.Classes, Vcl.ExtCtrls;

resourcestring
  SReady = 'Ready';

const
  TickInterval = 500;
  Ratio = 1.5e-3;
  Negative = -42;
  Digits = ['0'..'9'];
  Small = [1, 3..5];
  Tab = #9;
  Quote = 'It''s';

type
  TSharedData = class(TDataModule)
    HeartBeat: TTimer;
    procedure DataModuleCreate(Sender: TObject);
    procedure DataModuleDestroy(Sender: TObject);
    procedure HeartBeatTimer(Sender: TObject);
  private
    FBeats: Int64;
  public
    function Beats: Int64;
    procedure Reset(ACount: Integer = 0);
  end;

var
  SharedData: TSharedData;

implementation

{%CLASSGROUP 'System.Classes.TPersistent'}

{$R *.dfm}

procedure TSharedData.DataModuleCreate(Sender: TObject);
begin
  FBeats := 0;
  HeartBeat.Interval := TickInterval;
end;

procedure TSharedData.DataModuleDestroy(Sender: TObject);
begin
  HeartBeat.Enabled := False;
end;

procedure TSharedData.HeartBeatTimer(Sender: TObject);
begin
  Inc(FBeats);
end;

function TSharedData.Beats: Int64;
begin
  Result := FBeats;
end;

procedure TSharedData.Reset(ACount: Integer);
begin
  FBeats := ACount;
end;

end.
