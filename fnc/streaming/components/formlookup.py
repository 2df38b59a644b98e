"""Finding the form file of a root class, and ``Application.CreateForm``'s loading step.

Delphi compiles a form's ``.dfm`` into the program as a resource named after the class. Here the
form file is looked up on disk, in this order:

1. a path given to :func:`RegisterFormFile` for the class, then the class attribute
   ``form_file`` (a path relative to the class's module) when the class itself sets it (a
   subclass does not inherit it: each form class has its own file);
2. beside the module: ``<module>.dfm|.fmx|.lfm`` (Delphi's ``Unit1.pas`` + ``Unit1.dfm``), then
   ``<ClassName>.*`` and ``<ClassName without the leading T>.*``;
3. the same names in a ``designer_specs/`` directory next to the module or in any directory above
   it, then in the current directory's ``designer_specs/``.

A found file counts only if its root class name is the class's name (case-insensitive), so one
module may hold several forms; ``form_file`` skips that check.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from fnc.exceptions import EParserError
from fnc.streaming.syntax.formfile import read_tree_file

__all__ = [
    "FORM_EXTENSIONS", "RegisterFormFile", "find_form_file",
    "form_file_candidates", "registered_form_file", "root_class_name",
]

FORM_EXTENSIONS = (".dfm", ".fmx", ".lfm")

_registered: dict[type, Path] = {}


def RegisterFormFile(cls: type, path: str | os.PathLike[str] | None) -> None:
    """Name the form file of the form, data module or frame class ``cls`` (None forgets it).

    A relative ``path`` is taken from the current directory at registration time. This is the
    form-file half of Delphi's ``{$R *.dfm}``: reading a form whose class derives from ``cls``
    reads this file first (its ancestor), and ``inline`` frames of class ``cls`` get their
    children from it. The class attribute ``form_file`` does the same from the class body.
    """
    if not isinstance(cls, type):
        raise TypeError(f"RegisterFormFile needs a class, not {type(cls).__name__}")
    if path is None:
        _registered.pop(cls, None)
    else:
        _registered[cls] = Path(os.fspath(path)).resolve()


def registered_form_file(cls: type) -> Path | None:
    """The form file named for ``cls`` itself (``RegisterFormFile`` or its own ``form_file``)."""
    path = _registered.get(cls)
    if path is not None:
        return path
    explicit = cls.__dict__.get("form_file")
    if isinstance(explicit, str | os.PathLike):
        return _module_dir(cls)[0] / explicit
    return None


def _module_dir(cls: type) -> tuple[Path, str]:
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    if filename:
        path = Path(filename).resolve()
        return path.parent, path.stem
    return Path.cwd(), ""


def form_file_candidates(cls: type) -> list[Path]:
    """Every path :func:`find_form_file` tries for ``cls``, in order."""
    directory, stem = _module_dir(cls)
    explicit = registered_form_file(cls)
    if explicit is not None:
        return [explicit]
    names = [n for n in (stem, cls.__name__) if n]
    if cls.__name__[:1] in "Tt" and len(cls.__name__) > 1:
        names.append(cls.__name__[1:])
    dirs = [directory]
    dirs += [d / "designer_specs" for d in (directory, *directory.parents)]
    dirs.append(Path.cwd() / "designer_specs")
    seen: set[Path] = set()
    result: list[Path] = []
    for d in dirs:
        for name in names:
            for ext in FORM_EXTENSIONS:
                path = d / (name + ext)
                if path not in seen:
                    seen.add(path)
                    result.append(path)
    return result


_HEADER = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:object|inherited|inline)\s+"
                     rb"(?:[A-Za-z_]\w*\s*:\s*)?([A-Za-z_][\w.]*)", re.I)


def root_class_name(path: Path) -> str | None:
    """The root class a form file declares (from its first bytes when it is text)."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    match = _HEADER.match(head)
    if match:
        return match.group(1).decode("ascii", "replace")
    try:
        return read_tree_file(path).class_name  # binary forms: convert to read the root
    except (EParserError, OSError):
        return None


def find_form_file(cls: type) -> Path | None:
    """The form file belonging to ``cls``, or None.

    Tries :func:`form_file_candidates` in order; then, like Delphi (which finds a form resource
    by its root class, not its file name), any form file in those ``designer_specs/`` folders
    whose root class is ``cls``.
    """
    explicit = registered_form_file(cls) is not None
    wanted = cls.__name__.lower()
    candidates = form_file_candidates(cls)
    for path in candidates:
        if not path.is_file():
            continue
        if explicit:
            return path
        name = root_class_name(path)
        if name is not None and name.lower() == wanted:
            return path
    if explicit:
        return None
    folders = dict.fromkeys(p.parent for p in candidates if p.parent.name == "designer_specs")
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in FORM_EXTENSIONS and path.is_file():
                name = root_class_name(path)
                if name is not None and name.lower() == wanted:
                    return path
    return None
