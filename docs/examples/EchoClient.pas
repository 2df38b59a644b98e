unit EchoClient;

interface

uses
  System.SysUtils, System.Classes, Vcl.Forms, Vcl.ExtCtrls,
  VCL.TMSFNCWebSocketCommon, VCL.TMSFNCCustomComponent, VCL.TMSFNCWebSocketClient;

type
  TEchoClientForm = class(TForm)
    Client1: TTMSFNCWebsocketClient;
    PingTimer: TTimer;
    procedure FormCreate(Sender: TObject);
    procedure Client1Connect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
    procedure Client1Disconnect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
    procedure Client1MessageReceived(Sender: TObject; AConnection: TTMSFNCWebSocketConnection;
      const aMessage: string);
    procedure PingTimerTimer(Sender: TObject);
  private
    FLog: TStringList;
    FTicks: Integer;
  end;

var
  EchoClientForm: TEchoClientForm;

implementation

{$R *.dfm}

procedure TEchoClientForm.FormCreate(Sender: TObject);
begin
  FLog := TStringList.Create;
  FTicks := 0;
end;

procedure TEchoClientForm.Client1Connect(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection);
begin
  FLog.Add('connected');
  Client1.Send('hello');
  PingTimer.Enabled := True;
end;

procedure TEchoClientForm.Client1Disconnect(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection);
begin
  FLog.Add('disconnected');
end;

procedure TEchoClientForm.Client1MessageReceived(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection; const aMessage: string);
begin
  FLog.Add(aMessage);
end;

procedure TEchoClientForm.PingTimerTimer(Sender: TObject);
begin
  Inc(FTicks);
  Client1.Send(Format('tick %d', [FTicks]));
  if FTicks = 2 then
    PingTimer.Enabled := False;
end;

end.
