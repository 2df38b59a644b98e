object EchoClientForm: TEchoClientForm
  Caption = 'Echo client'
  OnCreate = FormCreate
  object Client1: TTMSFNCWebsocketClient
    Left = 304
    Top = 224
    Width = 26
    Height = 26
    Visible = True
    HostName = 'localhost'
    Port = 5050
    PathName = '/echo'
    OnConnect = Client1Connect
    OnDisconnect = Client1Disconnect
    OnMessageReceived = Client1MessageReceived
  end
  object PingTimer: TTimer
    Enabled = False
    Interval = 250
    OnTimer = PingTimerTimer
  end
end
