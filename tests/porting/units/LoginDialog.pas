unit LoginDialog;

interface

uses
  System.Classes, Vcl.Forms, Vcl.StdCtrls, Vcl.ExtCtrls, BaseDialog;

type
  TLoginDialog = class(TBaseDialog)
    UserEdit: TEdit;
    RetryTimer: TTimer;
    procedure RetryTimerTimer(Sender: TObject);
    procedure OkButtonClick(Sender: TObject);
  end;

var
  LoginDialog: TLoginDialog;

implementation

{$R *.dfm}

procedure TLoginDialog.RetryTimerTimer(Sender: TObject);
begin
  RetryTimer.Enabled := False;
  UserEdit.SetFocus;
end;

procedure TLoginDialog.OkButtonClick(Sender: TObject);
begin
  if Trim(UserEdit.Text) = '' then
    Exit;
  inherited;
end;

end.
