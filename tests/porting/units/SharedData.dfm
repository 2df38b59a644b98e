object SharedData: TSharedData
  OnCreate = DataModuleCreate
  OnDestroy = DataModuleDestroy
  Height = 240
  Width = 320
  object HeartBeat: TTimer
    Interval = 500
    OnTimer = HeartBeatTimer
    Left = 40
    Top = 24
  end
end
