"""Form-file syntax: lexer, parser, the immutable tree, TPF0 binary, text writer, values, floats.

This sub-package knows nothing of components: it turns text or binary form files into a
:mod:`~fnc.streaming.syntax.tree` and back.
"""
