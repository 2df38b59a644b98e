"""Delphi form files (``.dfm``, ``.fmx``, ``.lfm``, binary ``TPF0``): read, write, convert.

The form-file layer turns text or binary form files into an immutable syntax tree
(:mod:`fnc.streaming.syntax.tree`) and back:

* :func:`parse_text` / :func:`write_text` for text (Delphi or LFM layout),
* :func:`read_binary` / :func:`write_binary` for ``TPF0`` streams,
* :func:`load_tree` / :func:`read_tree_file` detect the format,
* :func:`ObjectTextToBinary` / :func:`ObjectBinaryToText` are Delphi's converters.

On top of it the component layer builds and writes component trees:

* the class registry (:func:`RegisterClass`, :func:`FindClass`, ...),
* :class:`FormReader` and :func:`ReadComponentResFile` / :func:`StringToComponent`,
* :func:`ComponentToString`, :func:`WriteComponentResFile`, :func:`WriteComponentFile`,
* :func:`create_form`, the loading step of ``Application.CreateForm``;
* :func:`RegisterFormFile` names a form class's form file (ancestors and frames, see
  :mod:`fnc.streaming.components.ancestors`); :func:`from_missing_ancestor` tells which
  components came from an ``inherited`` block whose ancestor was not found.
"""

from fnc.streaming.components.ancestors import from_missing_ancestor
from fnc.streaming.components.api import (
    ComponentToString,
    ReadComponentResFile,
    StringToComponent,
    WriteComponentFile,
    WriteComponentResFile,
    create_form,
)
from fnc.streaming.components.formlookup import RegisterFormFile, find_form_file
from fnc.streaming.components.globals import FindGlobalComponent, pending_fixups
from fnc.streaming.components.placeholders import TPlaceholderComponent
from fnc.streaming.components.reader import FormReader, read_component
from fnc.streaming.components.registry import (
    FindClass,
    GetClass,
    RegisterClass,
    RegisterClassAlias,
    RegisterClasses,
    UnRegisterClass,
)
from fnc.streaming.components.writer import component_to_tree
from fnc.streaming.syntax.binary import read_binary, write_binary
from fnc.streaming.syntax.formfile import (
    ObjectBinaryToText,
    ObjectTextToBinary,
    detect_format,
    load_tree,
    read_tree_file,
)
from fnc.streaming.syntax.parser import parse_text
from fnc.streaming.syntax.text_writer import TextFlavour, write_text
from fnc.streaming.syntax.tree import ObjectNode, PropertyNode

__all__ = [
    "ComponentToString", "FindClass", "FindGlobalComponent", "FormReader", "GetClass",
    "ObjectBinaryToText", "ObjectNode", "ObjectTextToBinary", "PropertyNode",
    "ReadComponentResFile", "RegisterFormFile",
    "RegisterClass", "RegisterClassAlias", "RegisterClasses", "StringToComponent",
    "TPlaceholderComponent", "TextFlavour", "UnRegisterClass", "WriteComponentFile",
    "WriteComponentResFile", "component_to_tree", "create_form", "detect_format",
    "find_form_file", "from_missing_ancestor", "load_tree", "parse_text", "pending_fixups",
    "read_binary",
    "read_component", "read_tree_file", "write_binary", "write_text",
]
