unit BaseDialog;

interface

uses
  System.Classes, Vcl.Forms, Vcl.StdCtrls, Vcl.ExtCtrls;

type
  TBaseDialog = class(TForm)
    OkButton: TButton;
    CancelButton: TButton;
    IdleTimer: TTimer;
    procedure OkButtonClick(Sender: TObject);
    procedure CancelButtonClick(Sender: TObject);
    procedure IdleTimerTimer(Sender: TObject);
  end;

implementation

{$R *.dfm}

procedure TBaseDialog.OkButtonClick(Sender: TObject);
begin
  ModalResult := mrOk;
end;

procedure TBaseDialog.CancelButtonClick(Sender: TObject);
begin
  ModalResult := mrCancel;
end;

procedure TBaseDialog.IdleTimerTimer(Sender: TObject);
begin
  IdleTimer.Enabled := False;
end;

end.
