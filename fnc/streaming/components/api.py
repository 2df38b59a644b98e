"""Delphi's streaming entry points, over the reader and writer.

* ``ReadComponentResFile(FileName, Instance=None)``: read a form file (text ``.dfm``/``.fmx``/
  ``.lfm`` or binary) into ``Instance`` or a new root of the registered class.
* ``WriteComponentResFile(FileName, Instance)``: write a binary form resource, as Delphi does.
* ``StringToComponent(Text, Instance=None)`` / ``ComponentToString(Instance)``: the same with text.
* ``WriteComponentFile(FileName, Instance)``: the text form file (LFM layout for ``.lfm``).

Reader options (``strict``, ``on_error``, ``on_find_method``, ``on_property_not_found``) are
keyword arguments, see :class:`~fnc.streaming.components.reader.FormReader`.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from fnc.application import set_form_loader
from fnc.component import TComponent
from fnc.exceptions import EReadError
from fnc.forms import TDataModule
from fnc.streaming.components.formlookup import find_form_file, form_file_candidates
from fnc.streaming.components.reader import FormReader, read_own_tree
from fnc.streaming.components.writer import component_to_tree
from fnc.streaming.syntax.binary import write_binary
from fnc.streaming.syntax.formfile import read_tree_file
from fnc.streaming.syntax.gcpause import paused_gc
from fnc.streaming.syntax.parser import parse_rows
from fnc.streaming.syntax.text_writer import TextFlavour, write_text

__all__ = [
    "ComponentToString", "ReadComponentResFile", "StringToComponent", "WriteComponentFile",
    "WriteComponentResFile", "create_form",
]

C = TypeVar("C", bound=TComponent)


def ReadComponentResFile(FileName: str | os.PathLike[str], Instance: TComponent | None = None,
                         **options: Any) -> TComponent:
    """Read the form file ``FileName`` (text or binary) into ``Instance`` (or a new root)."""
    path = os.fspath(FileName)
    reader = FormReader(filename=path, **options)
    # One pause of the garbage collector over both steps, ended after the syntax tree is
    # freed: resuming in between would make the next collection scan the whole tree.
    with paused_gc():
        return read_own_tree(reader, read_tree_file(path, rows=True), Instance)


def StringToComponent(Text: str | bytes, Instance: TComponent | None = None,
                      **options: Any) -> TComponent:
    """Read form text into ``Instance`` (or a new root of the registered class)."""
    filename = options.get("filename")
    reader = FormReader(**options)
    with paused_gc():  # as in ReadComponentResFile
        return read_own_tree(reader, parse_rows(Text, filename), Instance)


def ComponentToString(Instance: TComponent, flavour: TextFlavour | str = TextFlavour.DFM, *,
                      line_break: str = "\n") -> str:
    """The form text of ``Instance`` and the components it owns (Delphi layout by default)."""
    return write_text(component_to_tree(Instance), flavour, line_break=line_break)


def WriteComponentResFile(FileName: str | os.PathLike[str], Instance: TComponent) -> None:
    """Write ``Instance`` as a binary form resource (``$FF $0A`` header, ``TPF0`` stream)."""
    data = write_binary(component_to_tree(Instance), resource_name=type(Instance).__name__)
    with open(FileName, "wb") as stream:
        stream.write(data)


def WriteComponentFile(FileName: str | os.PathLike[str], Instance: TComponent,
                       flavour: TextFlavour | str | None = None) -> None:
    """Write ``Instance`` as a text form file, UTF-8; LFM layout when the name ends in ``.lfm``."""
    if flavour is None:
        flavour = TextFlavour.LFM if os.fspath(FileName).lower().endswith(".lfm") \
            else TextFlavour.DFM
    with open(FileName, "w", encoding="utf-8", newline="") as stream:
        stream.write(ComponentToString(Instance, flavour))


def create_form(InstanceClass: type[C], AOwner: TComponent | None = None, **props: Any) -> C:
    """Create ``InstanceClass(AOwner)``, load its form file into it, then apply ``props``.

    A TDataModule/TForm then gets ``DoCreate()`` (``OnCreate``). Raises :class:`EReadError` when
    no form file belongs to the class, and the reader's errors otherwise (the half-built
    instance is freed first). ``Application.CreateForm`` calls this.
    """
    path = find_form_file(InstanceClass)
    if path is None:
        tried = ", ".join(str(p) for p in form_file_candidates(InstanceClass)[:6])
        raise EReadError(f"No form file found for {InstanceClass.__name__} (tried {tried}, ...)")

    tree = read_tree_file(path, rows=True)
    instance = InstanceClass(AOwner)
    try:
        read_own_tree(FormReader(filename=str(path)), tree, instance)
        for name, value in props.items():
            setattr(instance, name, value)
    except BaseException:
        instance.Free()
        raise
    if isinstance(instance, TDataModule):
        instance.DoCreate()
    return instance


def _load_form(InstanceClass: type[C], AOwner: TComponent, props: dict[str, Any]) -> C:
    return create_form(InstanceClass, AOwner, **props)


set_form_loader(_load_form)  # Application.CreateForm reads form files through this module
