unit ChatClient;

{ A small chat client: connects to a chat server, pings it on a timer and
  shows every message in the memo. }

interface

uses
  Winapi.Windows, Winapi.Messages, System.SysUtils, System.Variants, System.Classes,
  Vcl.Graphics, Vcl.Controls, Vcl.Forms, Vcl.Dialogs, Vcl.StdCtrls, Vcl.ExtCtrls,
  VCL.TMSFNCTypes, VCL.TMSFNCUtils, VCL.TMSFNCCustomComponent,
  VCL.TMSFNCWebSocketCommon, VCL.TMSFNCWebSocketClient;

const
  DefaultHost = 'localhost';
  DefaultPort = 8888;
  PingText = 'ping';
  CRLF = #13#10;
  MaxLines = $400;
  Separators = [' ', ',', ';'];
  Greeting = 'Hello from ' + DefaultHost;

type
  TChatForm = class(TForm)
    TopPanel: TPanel;
    HostEdit: TEdit;
    ConnectButton: TButton;
    Memo1: TMemo;
    MessageEdit: TEdit;
    SendButton: TButton;
    PingTimer: TTimer;
    Client1: TTMSFNCWebsocketClient;
    procedure FormCreate(Sender: TObject);
    procedure ConnectButtonClick(Sender: TObject);
    procedure SendButtonClick(Sender: TObject);
    procedure PingTimerTimer(Sender: TObject);
    procedure Client1Connect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
    procedure Client1Disconnect(Sender: TObject; AConnection: TTMSFNCWebSocketConnection);
    procedure Client1MessageReceived(Sender: TObject;
      AConnection: TTMSFNCWebSocketConnection; const aMessage: string);
  private
    { Private declarations }
    FPings: Integer;
    procedure AddLine(const AText: string);
    function IsConnected: Boolean;
  public
    { Public declarations }
  end;

var
  ChatForm: TChatForm;

implementation

{$R *.dfm}

procedure TChatForm.FormCreate(Sender: TObject);
begin
  FPings := 0;
  HostEdit.Text := DefaultHost;
  Client1.Port := DefaultPort; // the server's port
end;

procedure TChatForm.ConnectButtonClick(Sender: TObject);
begin
  if IsConnected then
    Client1.Disconnect
  else
  begin
    Client1.HostName := HostEdit.Text;
    try
      Client1.Connect;
    except
      on E: Exception do
        AddLine('Cannot connect: ' + E.Message);
    end;
  end;
end;

procedure TChatForm.SendButtonClick(Sender: TObject);
begin
  if MessageEdit.Text <> '' then
  begin
    Client1.Send(MessageEdit.Text);
    MessageEdit.Text := '';
  end;
end;

procedure TChatForm.PingTimerTimer(Sender: TObject);
begin
  Inc(FPings);
  Client1.Send(PingText + ' ' + IntToStr(FPings));
end;

procedure TChatForm.Client1Connect(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection);
begin
  AddLine('Connected to ' + Client1.HostName);
  ConnectButton.Caption := 'Disconnect';
  PingTimer.Enabled := True;
end;

procedure TChatForm.Client1Disconnect(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection);
begin
  PingTimer.Enabled := False;
  ConnectButton.Caption := 'Connect';
  AddLine('Disconnected');
end;

procedure TChatForm.Client1MessageReceived(Sender: TObject;
  AConnection: TTMSFNCWebSocketConnection; const aMessage: string);
begin
  Memo1.Lines.Add(aMessage);
  if Memo1.Lines.Count > MaxLines then
    Memo1.Lines.Delete(0);
end;

procedure TChatForm.AddLine(const AText: string);
begin
  Memo1.Lines.Add(FormatDateTime('hh:nn:ss', Now) + ' ' + AText);
end;

function TChatForm.IsConnected: Boolean;
begin
  Result := Client1.Connected;
end;

end.
