"""Python signatures of handlers and methods, from this library's own declarations.

An event handler's parameters come from the :class:`fnc.events.Event` the component class
declares (``published_events``): the names and the ``var`` parameters (``VarParam``) are the
ones the library passes, so a generated handler always matches the call. The Pascal declaration
adds types where it names them (``const aMessage: string`` gives ``AMessage: str``). Events of
classes this project does not implement (``TButton.OnClick``) and methods that are not handlers
take the Pascal parameters as declared.
"""

from __future__ import annotations

import keyword
import re

import attrs

import fnc
import fnc_websocket
from fnc.component import TComponent
from fnc.events import EventInfo, published_events
from fnc.streaming import GetClass
from fnc_websocket.porting.constants import python_literal
from fnc_websocket.porting.unit import MethodDecl, Param

__all__ = ["PySignature", "event_info", "library_class", "library_name", "method_signature",
           "handler_signature", "python_name"]

_INT = ("integer", "cardinal", "int64", "uint64", "word", "byte", "smallint", "shortint",
        "longint", "longword", "nativeint", "nativeuint", "int8", "int16", "int32", "uint8",
        "uint16", "uint32", "fixedint", "fixeduint")
_STR = ("string", "unicodestring", "ansistring", "widestring", "shortstring", "rawbytestring",
        "utf8string", "char", "widechar", "ansichar")
_FLOAT = ("double", "single", "extended", "real", "currency", "tdatetime", "tdate", "ttime")
_BOOL = ("boolean", "bytebool", "wordbool", "longbool")
_BYTES = ("tbytes", "tarray<byte>", "array of byte")


def python_name(name: str) -> str:
    """``name`` usable as a Python identifier (``&begin`` -> ``begin``, ``class`` -> ``class_``,
    ``I`` -> ``I_``)."""
    name = re.sub(r"\W", "_", name.lstrip("&")) or "_"
    if name[0].isdigit():
        name = "_" + name
    # keywords, and the names pycodestyle finds ambiguous (E741), get an underscore
    return name + "_" if keyword.iskeyword(name) or name in (
        "None", "True", "False", "l", "O", "I") else name


def library_name(name: str) -> str | None:
    """The module exporting public class ``name`` (``fnc`` or ``fnc_websocket``), or None."""
    for module in (fnc, fnc_websocket):
        value = getattr(module, name, None)
        if name in module.__all__ and isinstance(value, type):
            return module.__name__
    return None


def library_class(name: str) -> type[TComponent] | None:
    """The component class a form names ``name``: registered, or exported by the library."""
    cls = GetClass(name)
    if cls is None:
        module = library_name(name)
        cls = getattr(fnc if module == "fnc" else fnc_websocket, name, None) if module else None
    return cls if isinstance(cls, type) and issubclass(cls, TComponent) else None


def event_info(cls: type, event: str) -> EventInfo | None:
    """The published event ``event`` of ``cls`` (case-insensitive), or None."""
    wanted = event.lower()
    return next((e for e in published_events(cls) if e.name.lower() == wanted), None)


@attrs.frozen
class PySignature:
    """A ``def`` line in parts; ``imports`` are (module, name) pairs its annotations need."""

    name: str
    params: tuple[str, ...]
    returns: str
    imports: frozenset[tuple[str, str]] = frozenset()

    def render(self, indent: str = "    ", width: int = 88, method: bool = True) -> list[str]:
        """The ``def`` line(s), one parameter a line when one line would pass ``width``."""
        everything = ("self", *self.params) if method else self.params
        line = f"{indent}def {self.name}({', '.join(everything)}) -> {self.returns}:"
        if len(line) <= width:
            return [line]
        lines = [f"{indent}def {self.name}("]
        lines += [f"{indent}        {p}," for p in everything]
        lines.append(f"{indent}) -> {self.returns}:")
        return lines


def _python_type(pascal: str, imports: set[tuple[str, str]], sender: bool = False) -> str:
    text = re.sub(r"\s+", " ", pascal.strip()).lower()
    if sender or text in ("tobject", "tcomponent"):
        imports.add(("fnc", "TComponent"))
        return "TComponent"
    if text in _INT:
        return "int"
    if text in _STR:
        return "str"
    if text in _FLOAT:
        return "float"
    if text in _BOOL:
        return "bool"
    if text in _BYTES:
        return "bytes"
    if not text:
        return ""
    if text in ("tstrings", "tstringlist", "tarray<string>", "array of string"):
        return "list[str]"
    plain = pascal.strip().split(".")[-1]
    module = library_name(plain) if plain.isidentifier() else None
    if module is not None:
        imports.add((module, plain))
        return plain
    return ""


def _unique(params: list[str]) -> tuple[str, ...]:
    """Parameters with distinct names (a damaged header may repeat one): ``X``, ``X_2``..."""
    seen: set[str] = {"self"}
    result = []
    for text in params:
        name, sep, rest = text.partition(":") if ":" in text else text.partition("=")
        base, candidate, n = name.strip(), name.strip(), 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen.add(candidate)
        result.append(candidate + sep + rest if sep else candidate)
    return tuple(result)


def _annotate(name: str, pascal_type: str, is_var: bool, imports: set[tuple[str, str]],
              sender: bool = False) -> str:
    py_type = _python_type(pascal_type, imports, sender)
    if is_var:
        imports.add(("fnc", "VarParam"))
        return f"{name}: VarParam[{py_type}]" if py_type else f"{name}: VarParam"
    return f"{name}: {py_type}" if py_type else name


def handler_signature(name: str, info: EventInfo | None, decl: MethodDecl | None) -> PySignature:
    """The handler ``name`` for event ``info`` (None: unknown here), typed from ``decl``."""
    imports: set[tuple[str, str]] = set()
    declared: tuple[Param, ...] = decl.params if decl is not None else ()
    params: list[str] = []
    if info is not None:
        for index, pname in enumerate(info.params):
            pascal_type = declared[index].type if index < len(declared) and len(
                declared) == len(info.params) else ""
            params.append(_annotate(python_name(pname), pascal_type, pname in info.var_params,
                                    imports, sender=index == 0))
    elif declared:
        params = [_annotate(python_name(p.name), p.type, p.is_var, imports,
                            sender=index == 0 and p.name.lower() == "sender")
                  for index, p in enumerate(declared)]
    else:
        params = [_annotate("Sender", "", False, imports, sender=True)]
    return PySignature(python_name(name), _unique(params), "None", frozenset(imports))


def method_signature(decl: MethodDecl) -> PySignature:
    """A method that is not an event handler: the Pascal parameters and result type."""
    imports: set[tuple[str, str]] = set()
    params = []
    defaulted = False
    for index, p in enumerate(decl.params):
        text = _annotate(python_name(p.name), p.type, p.is_var, imports,
                         sender=index == 0 and p.name.lower() == "sender")
        if p.default or defaulted:  # (Pascal, like Python, defaults only trailing parameters)
            defaulted = True
            literal = python_literal(p.default) or "None"
            if ":" not in text:
                text += f"={literal}"
            else:
                text += " | None = None" if literal == "None" else f" = {literal}"
        params.append(text)
    returns = "None"
    if decl.kind == "function":
        returns = _python_type(decl.result, imports) or "object"
    return PySignature(python_name(decl.name), _unique(params), returns, frozenset(imports))
