object ChatServerModule: TChatServerModule
  OnCreate = DataModuleCreate
  OnDestroy = DataModuleDestroy
  object Server1: TTMSFNCWebSocketServer
    Left = 24
    Top = 40
    Width = 26
    Height = 26
    Visible = True
    Port = 0
    PathName = 'chat'
    AutoSyncEvents = True
    OnConnect = Server1Connect
    OnAllow = Server1Allow
    OnHandshakeResponseSent = Server1HandshakeResponseSent
    OnMessageReceived = Server1MessageReceived
    OnDisconnect = Server1Disconnect
  end
end
