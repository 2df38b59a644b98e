"""An Object-Inspector listing of published properties and events, as text or Markdown.

Used by ``fnc-ws inspect`` and by the generated API reference. Works on a class (types and
defaults) or on an instance (current values too, nested persistent objects expanded).
"""

from __future__ import annotations

import enum
import inspect
from typing import Any

from fnc.events import published_events
from fnc.properties import PropertyInfo, PropertyKind, published_properties

__all__ = ["describe", "format_value"]


def format_value(value: Any) -> str:
    """A property value the way a form file or inspector shows it."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(v.name if isinstance(v, enum.Enum) else str(v)
                                      for v in value)) + "]"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "nil"
    name = getattr(value, "Name", None)
    if isinstance(name, str) and name:
        return name
    return str(value)


def _handler_name(component: Any, event: str) -> str:
    handler = getattr(component, event)
    if handler is None:
        return ""
    return str(getattr(handler, "__name__", repr(handler)))


def _flags(p: PropertyInfo) -> str:
    flags = []
    if p.read_only:
        flags.append("read-only")
    if p.locked:
        flags.append("locked while active")
    if p.stored is False:
        flags.append("not stored")
    return ", ".join(flags)


def _rows(target: Any, prefix: str = "") -> list[tuple[str, str, str, str, str, str]]:
    cls = target if isinstance(target, type) else type(target)
    rows = []
    for p in published_properties(cls):
        if p.kind is PropertyKind.PERSISTENT:
            nested = p.type if isinstance(target, type) else getattr(target, p.name)
            rows.append((prefix + p.name, p.type_name, "", "", "", p.doc))
            rows.extend(_rows(nested, prefix + p.name + "."))
            continue
        current = "" if isinstance(target, type) else format_value(getattr(target, p.name))
        default = "" if p.nodefault else format_value(p.default)
        rows.append((prefix + p.name, p.type_name, default, current, _flags(p), p.doc))
    return rows


def describe(target: Any, markdown: bool = False) -> str:
    """List ``target``'s published properties (type, default, current value) and events."""
    cls = target if isinstance(target, type) else type(target)
    is_instance = not isinstance(target, type)
    doc = inspect.getdoc(cls) or ""
    summary = doc.split("\n\n")[0].replace("\n", " ")
    props = _rows(target)
    events = published_events(cls)
    out: list[str] = []
    if markdown:
        out.append(f"### `{cls.__name__}`\n")
        if summary:
            out.append(summary + "\n")
        out.append("| property | type | default |" + (" value |" if is_instance else "")
                   + " notes |")
        out.append("|---|---|---|" + ("---|" if is_instance else "") + "---|")
        for name, tp, default, current, flags, pdoc in props:
            notes = "; ".join(x for x in (pdoc, flags) if x).replace("|", "\\|")
            value = f" {current} |" if is_instance else ""
            out.append(f"| `{name}` | {tp} | {default} |{value} {notes} |")
        if events:
            out.append("")
            out.append("| event | parameters | thread |" + (" handler |" if is_instance else "")
                       + " notes |")
            out.append("|---|---|---|" + ("---|" if is_instance else "") + "---|")
            for e in events:
                thread = "marshaled (AutoSyncEvents)" if e.marshal else "firing thread"
                notes = e.doc.replace("|", "\\|")
                handler = f" {_handler_name(target, e.name)} |" if is_instance else ""
                out.append(f"| `{e.name}` | `{e.signature}` | {thread} |{handler} {notes} |")
        return "\n".join(out) + "\n"
    title = f"{cls.__name__}" + (f" {target.Name}" if is_instance and getattr(
        target, "Name", "") else "")
    out.append(title)
    if summary:
        out.append(f"  {summary}")
    out.append("Properties:")
    width = max((len(r[0]) for r in props), default=4)
    for name, tp, default, current, flags, _ in props:
        line = f"  {name:<{width}}  {tp:<22}"
        if default:
            line += f" default {default}"
        if is_instance and current:
            line += f"  = {current}"
        if flags:
            line += f"  ({flags})"
        out.append(line.rstrip())
    if events:
        out.append("Events:")
        for e in events:
            where = "" if e.marshal else "  [runs on the firing thread]"
            name = _handler_name(target, e.name) if is_instance else ""
            bound = f"  = {name}" if name else ""
            out.append(f"  {e.name}({e.signature}){bound}{where}")
    return "\n".join(out) + "\n"
