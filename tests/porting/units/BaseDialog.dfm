object BaseDialog: TBaseDialog
  Caption = 'Dialog'
  ClientHeight = 120
  ClientWidth = 300
  object OkButton: TButton
    Left = 136
    Top = 88
    Caption = 'OK'
    OnClick = OkButtonClick
  end
  object CancelButton: TButton
    Left = 216
    Top = 88
    Caption = 'Cancel'
    OnClick = CancelButtonClick
  end
  object IdleTimer: TTimer
    Interval = 30000
    OnTimer = IdleTimerTimer
  end
end
