inherited LoginDialog: TLoginDialog
  Caption = 'Log in'
  inherited OkButton: TButton
    OnClick = OkButtonClick
  end
  inherited IdleTimer: TTimer
    Interval = 60000
  end
  object UserEdit: TEdit
    Left = 16
    Top = 16
    Width = 268
    Text = ''
  end
  object RetryTimer: TTimer
    Enabled = False
    OnTimer = RetryTimerTimer
  end
end
