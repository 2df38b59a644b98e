object TokenizerForm: TTokenizerForm
  Caption = 'Tokenizer'
  ClientHeight = 300
  ClientWidth = 400
  OnShow = FormShow
  object InputMemo: TMemo
    Left = 8
    Top = 8
    Width = 384
    Height = 240
    Lines.Strings = (
      'begin x := 1 end')
  end
  object RunButton: TButton
    Left = 8
    Top = 256
    Caption = 'Run'
    OnClick = RunButtonClick
  end
  object Tick: TTimer
    Enabled = False
    Interval = 1000
    OnTimer = TickTimer
  end
end
