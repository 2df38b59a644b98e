"""Form files as a whole: format detection, loading into a syntax tree, and Delphi's converters.

Detection (spec §4.3): a ``TPF0`` signature or the ``$FF $0A`` resource header means a binary
stream; otherwise, after an optional UTF-8 BOM and whitespace, ``object``/``inherited``/``inline``
means text. Anything else raises :class:`~fnc.exceptions.EParserError`.
"""

from __future__ import annotations

import os
import re
from typing import IO, Literal

from fnc.exceptions import EParserError
from fnc.streaming.syntax.binary import is_binary_form, read_binary, write_binary
from fnc.streaming.syntax.parser import parse_rows, parse_text
from fnc.streaming.syntax.text_writer import TextFlavour, write_text
from fnc.streaming.syntax.tree import ObjectNode

__all__ = [
    "ObjectBinaryToText", "ObjectTextToBinary", "detect_format", "load_tree", "read_tree_file",
]

_TEXT_START_RE = re.compile(rb"(?:\xef\xbb\xbf)?[\x01-\x20]*(object|inherited|inline)\b",
                            re.IGNORECASE)


def detect_format(data: bytes) -> Literal["binary", "text"]:
    """``"binary"`` or ``"text"`` for the bytes of a form file; :class:`EParserError` otherwise."""
    if is_binary_form(data):
        return "binary"
    if _TEXT_START_RE.match(data):
        return "text"
    raise EParserError("Not a form file: neither a 'TPF0' binary stream nor text starting with "
                       "'object', 'inherited' or 'inline'")


def load_tree(data: bytes | str, filename: str | None = None, *, rows: bool = False
              ) -> ObjectNode:
    """The syntax tree of a form file given as bytes (text or binary) or as text.

    ``rows=True``: text is parsed by :func:`~fnc.streaming.syntax.parser.parse_rows` (the same
    tree, with blocks of one-line properties kept as rows, for the component reader).
    """
    parse = parse_rows if rows else parse_text
    if isinstance(data, str):
        return parse(data, filename)  # type: ignore[return-value]
    data = bytes(data)
    if detect_format(data) == "binary":
        return read_binary(data, filename)
    return parse(data, filename)  # type: ignore[return-value]


def read_tree_file(path: str | os.PathLike[str], *, rows: bool = False) -> ObjectNode:
    """Read and parse the form file at ``path`` (text or binary). Errors name the file.

    ``rows``: as for :func:`load_tree`."""
    with open(path, "rb") as stream:
        data = stream.read()
    try:
        return load_tree(data, os.fspath(path), rows=rows)
    except EParserError as exc:
        if exc.filename is None:
            raise EParserError(exc.reason, os.fspath(path), exc.line, exc.column) from None
        raise


def _read_input(source: bytes | str | IO[bytes] | IO[str]) -> bytes | str:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str):
        return source
    if hasattr(source, "read"):
        return source.read()
    raise TypeError(f"expected bytes, str or a readable stream, not {type(source).__name__}")


def ObjectTextToBinary(Input: bytes | str | IO[bytes] | IO[str],
                       Output: IO[bytes] | None = None) -> bytes:
    """Convert form text to a ``TPF0`` binary stream (Delphi's ``ObjectTextToBinary``).

    ``Input`` is the text (``str`` or ``bytes``) or a stream to read it from; the binary stream is
    written to ``Output`` when given, and returned.
    """
    data = _read_input(Input)
    tree = parse_text(data)
    binary = write_binary(tree)
    if Output is not None:
        Output.write(binary)
    return binary


def ObjectBinaryToText(Input: bytes | IO[bytes],
                       Output: IO[bytes] | IO[str] | None = None,
                       flavour: TextFlavour | str = TextFlavour.DFM) -> str:
    """Convert a binary form stream to text in Delphi's layout (Delphi's ``ObjectBinaryToText``).

    ``Input`` is the stream's bytes or a binary stream; the text is written to ``Output`` when
    given (UTF-8 encoded if it is a binary stream), and returned.
    """
    data = _read_input(Input)
    if isinstance(data, str):
        raise TypeError("ObjectBinaryToText needs bytes, not text")
    text = write_text(read_binary(data), flavour)
    if Output is not None:
        try:
            Output.write(text)  # type: ignore[arg-type]
        except TypeError:
            Output.write(text.encode("utf-8"))  # type: ignore[arg-type]
    return text
