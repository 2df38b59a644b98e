object ChatForm: TChatForm
  Left = 0
  Top = 0
  Caption = 'Chat client'
  ClientHeight = 400
  ClientWidth = 560
  Color = clBtnFace
  Font.Charset = DEFAULT_CHARSET
  Font.Color = clWindowText
  Font.Height = -12
  Font.Name = 'Segoe UI'
  Font.Style = []
  OnCreate = FormCreate
  TextHeight = 15
  object TopPanel: TPanel
    Left = 0
    Top = 0
    Width = 560
    Height = 41
    Align = alTop
    TabOrder = 0
    object HostEdit: TEdit
      Left = 8
      Top = 9
      Width = 200
      Height = 23
      TabOrder = 0
      Text = 'localhost'
    end
    object ConnectButton: TButton
      Left = 216
      Top = 8
      Width = 90
      Height = 25
      Caption = 'Connect'
      TabOrder = 1
      OnClick = ConnectButtonClick
    end
  end
  object Memo1: TMemo
    Left = 0
    Top = 41
    Width = 560
    Height = 320
    Align = alClient
    ReadOnly = True
    TabOrder = 1
  end
  object MessageEdit: TEdit
    Left = 8
    Top = 368
    Width = 440
    Height = 23
    TabOrder = 2
  end
  object SendButton: TButton
    Left = 456
    Top = 367
    Width = 96
    Height = 25
    Caption = 'Send'
    Default = True
    TabOrder = 3
    OnClick = SendButtonClick
  end
  object PingTimer: TTimer
    Enabled = False
    Interval = 1000
    OnTimer = PingTimerTimer
  end
  object Client1: TTMSFNCWebsocketClient
    Left = 504
    Top = 8
    HostName = 'localhost'
    Port = 8888
    PathName = '/chat'
    OnConnect = Client1Connect
    OnDisconnect = Client1Disconnect
    OnMessageReceived = Client1MessageReceived
  end
end
