"""Component streaming: registry, reader and writer (tree <-> components), placeholders, fix-ups,
form lookup and Delphi's entry points. Builds on :mod:`fnc.streaming.syntax`.
"""
