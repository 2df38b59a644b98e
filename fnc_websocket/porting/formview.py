"""What a port needs from a form file: its root, components and event bindings.

The form is read into a syntax tree only (:func:`fnc.streaming.read_tree_file`): nothing is
created, so classes this project does not implement and handlers not written yet cost nothing.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from fnc.exceptions import Exception_
from fnc.streaming import read_tree_file
from fnc_websocket.porting.framework import Ident, ObjectNode
from fnc_websocket.porting.lexer import PascalSyntaxError

__all__ = ["Binding", "FormComponent", "FormView", "read_form"]


@attrs.frozen
class Binding:
    """``OnX = Method`` on a component (``component`` is '' for the root)."""

    component: str
    class_name: str
    event: str
    method: str
    line: int = 0


@attrs.frozen
class FormComponent:
    name: str
    class_name: str
    kind: str = "object"
    line: int = 0
    properties: tuple[str, ...] = ()


@attrs.frozen
class FormView:
    """The root (its name, class and ``object``/``inherited``/``inline`` kind), the nested
    components in file order, and every event binding."""

    path: Path
    root: FormComponent
    components: tuple[FormComponent, ...]
    bindings: tuple[Binding, ...]

    def handler_names(self) -> dict[str, str]:
        """Lower-case method name -> name as the form spells it, first binding first."""
        names: dict[str, str] = {}
        for b in self.bindings:
            names.setdefault(b.method.lower(), b.method)
        return names

    def bindings_of(self, method: str) -> list[Binding]:
        wanted = method.lower()
        return [b for b in self.bindings if b.method.lower() == wanted]


def _is_event(path: str, value: object) -> bool:
    return (path[:2] == "On" and "." not in path and isinstance(value, Ident)
            and "." not in value.value)


def read_form(path: str | Path) -> FormView:
    """Read form file ``path``; errors are :class:`PascalSyntaxError` naming file and line."""
    p = Path(path)
    try:
        tree = read_tree_file(p)
    except Exception_ as exc:
        line = getattr(exc, "line", None) or 1
        message = str(exc)
        prefix = f"{p}:{line}:"
        if message.startswith(str(p)):
            message = message.split(": ", 1)[-1] if ": " in message else message
        raise PascalSyntaxError(f"bad form file: {message}".replace(prefix, ""), line,
                                str(p)) from None
    except OSError as exc:
        raise PascalSyntaxError(f"cannot read form file: {exc.strerror or exc}", 1,
                                str(p)) from None
    components: list[FormComponent] = []
    bindings: list[Binding] = []

    def visit(node: ObjectNode, is_root: bool) -> FormComponent:
        props = tuple(prop.path for prop in node.properties)
        info = FormComponent(node.name, node.class_name, node.kind, node.line or 0, props)
        for prop in node.properties:
            if _is_event(prop.path, prop.value):
                bindings.append(Binding("" if is_root else node.name, node.class_name,
                                        prop.path, prop.value.value,  # type: ignore[union-attr]
                                        prop.line or node.line or 0))
        if not is_root:
            components.append(info)
        for child in node.children:
            visit(child, False)
        return info

    root = visit(tree, True)
    return FormView(p, root, tuple(components), tuple(bindings))
