"""Which Delphi / Free Pascal units have a counterpart in this library or in Python."""

from __future__ import annotations

import re

__all__ = ["uses_counterpart"]

#: (pattern on the unit name without its Vcl./FMX./System. scope, where it lives here)
_COUNTERPARTS: tuple[tuple[str, str], ...] = (
    (r"tmsfncwebsocket(client|server|common)", "fnc_websocket"),
    (r"tmsfnc(customcomponent|types|utils)", "fnc_websocket (only what the components use)"),
    (r"classes", "fnc (TComponent, TPersistent, TThread)"),
    (r"(sysutils|variants|types)", "Python built-ins"),
    (r"forms", "fnc (TForm, TDataModule, Application)"),
    (r"extctrls", "fnc.TTimer (its other controls: placeholders)"),
    (r"generics\.(collections|defaults)", "list / dict"),
    (r"json", "the json module"),
    (r"syncobjs", "threading"),
    (r"(dateutils)", "datetime"),
    (r"(strutils|character)", "str methods"),
    (r"math", "math"),
    (r"(netencoding|hash)", "base64 / hashlib"),
    (r"ioutils", "pathlib"),
    (r"regularexpressions", "re"),
)


def uses_counterpart(unit: str) -> str:
    """Where unit ``unit`` (``System.Classes``, ``VCL.TMSFNCWebSocketClient``...) maps, or ''."""
    if unit.lower() == "fmx.types":
        return "fnc.TTimer (the rest of FMX.Types: no counterpart)"
    name = unit.lower()
    name = re.sub(r"^(system|vcl|fmx|lcl|winapi|data|web)\.", "", name)
    for pattern, counterpart in _COUNTERPARTS:
        if re.fullmatch(pattern, name):
            return counterpart
    return ""
