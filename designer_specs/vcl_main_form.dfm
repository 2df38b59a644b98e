object MainForm: TMainForm
  Left = 0
  Top = 0
  Caption = 'WebSocket '#8211' chat client'
  ClientHeight = 441
  ClientWidth = 624
  Color = clBtnFace
  Font.Charset = DEFAULT_CHARSET
  Font.Color = clWindowText
  Font.Height = -12
  Font.Name = 'Segoe UI'
  Font.Style = []
  OldCreateOrder = False
  Position = poScreenCenter
  OnCreate = FormCreate
  PixelsPerInch = 96
  TextHeight = 15
  object TopPanel: TPanel
    Left = 0
    Top = 0
    Width = 624
    Height = 41
    Align = alTop
    BevelOuter = bvNone
    TabOrder = 0
    object HostLabel: TLabel
      Left = 8
      Top = 12
      Width = 28
      Height = 15
      Caption = 'Host:'
    end
    object HostEdit: TEdit
      Left = 44
      Top = 9
      Width = 160
      Height = 23
      TabOrder = 0
      Text = 'localhost'
    end
    object ConnectButton: TButton
      Left = 216
      Top = 8
      Width = 90
      Height = 25
      Caption = '&Connect'
      Default = True
      TabOrder = 1
      OnClick = ConnectButtonClick
    end
  end
  object ClientPanel: TPanel
    Left = 0
    Top = 41
    Width = 624
    Height = 400
    Align = alClient
    TabOrder = 1
    object SendPanel: TPanel
      Left = 1
      Top = 358
      Width = 622
      Height = 41
      Align = alBottom
      TabOrder = 0
      object MessageEdit: TEdit
        Left = 8
        Top = 9
        Width = 500
        Height = 23
        TabOrder = 0
      end
      object SendButton: TButton [1]
        Left = 516
        Top = 8
        Width = 90
        Height = 25
        Caption = 'Send'
        Enabled = False
        TabOrder = 1
        OnClick = SendButtonClick
      end
    end
    object LogMemo: TMemo
      Left = 1
      Top = 1
      Width = 622
      Height = 357
      Align = alClient
      Lines.Strings = (
        'Ready.'
        'Type a message and press Send.')
      ReadOnly = True
      ScrollBars = ssVertical
      TabOrder = 1
    end
  end
  object Client1: TTMSFNCWebsocketClient
    Left = 560
    Top = 8
    Width = 26
    Height = 26
    Visible = True
    HostName = 'localhost'
    Port = 5050
    PathName = 'chat'
    Options = [twsoManualClose]
    OnConnect = Client1Connect
    OnDisconnect = Client1Disconnect
    OnMessageReceived = Client1MessageReceived
  end
end
