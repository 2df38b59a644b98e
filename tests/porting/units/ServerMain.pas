unit ServerMain;

interface

uses
  System.SysUtils, System.Types, System.UITypes, System.Classes, System.Variants,
  FMX.Types, FMX.Controls, FMX.Forms, FMX.Graphics, FMX.Dialogs, FMX.StdCtrls,
  FMX.Memo.Types, FMX.ScrollBox, FMX.Memo, FMX.Controls.Presentation,
  FMX.TMSFNCTypes, FMX.TMSFNCUtils, FMX.TMSFNCCustomComponent,
  FMX.TMSFNCWebSocketCommon, FMX.TMSFNCWebSocketServer;

const
  ServerPort = 0;
  AllowedPath = '/chat';
  MaxClients = 64;
  BannedAgents: array[0..1] of string = ('BadBot', 'EvilCrawler');

type
  TServerForm = class(TForm)
    StartButton: TButton;
    LogMemo: TMemo;
    Server1: TTMSFNCWebSocketServer;
    procedure FormCreate(Sender: TObject);
    procedure StartButtonClick(Sender: TObject);
    procedure Server1Allow(Sender: TObject; AConnection: TTMSFNCWebSocketConnection;
      var AAllow: Boolean);
    procedure Server1Connect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
    procedure Server1MessageReceived(Sender: TObject;
      AConnection: TTMSFNCWebSocketConnection; const aMessage: string);
    procedure Server1Disconnect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
  private
    FClients: Integer;
    procedure Log(const S: string);
  end;

var
  ServerForm: TServerForm;

implementation

{$R *.fmx}

procedure TServerForm.FormCreate(Sender: TObject);
begin
  FClients := 0;
  Server1.Port := ServerPort;
end;

procedure TServerForm.StartButtonClick(Sender: TObject);
begin
  Server1.Active := not Server1.Active;
  if Server1.Active then
    StartButton.Text := 'Stop'
  else
    StartButton.Text := 'Start';
end;

procedure TServerForm.Server1Allow(Sender: TObject; AConnection: TTMSFNCWebSocketConnection;
  var AAllow: Boolean);
begin
  // refuse when full (* the client sees HTTP 403 *)
  AAllow := FClients < MaxClients;
end;

procedure TServerForm.Server1Connect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
begin
  Inc(FClients);
  Log(Format('client %d connected', [FClients]));
end;

procedure TServerForm.Server1MessageReceived(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection; const aMessage: string);
begin
  Log('< ' + aMessage);
  { relay to everyone else }
  Server1.SendMessageTo(aMessage,
    function(AToConnection: TTMSFNCWebSocketConnection): Boolean
    begin
      Result := AToConnection <> AConnection;
    end);
end;

procedure TServerForm.Server1Disconnect(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection);
begin
  Dec(FClients);
end;

procedure TServerForm.Log(const S: string);
begin
  TThread.Queue(nil,
    procedure
    begin
      LogMemo.Lines.Add(S);
    end);
end;

end.
