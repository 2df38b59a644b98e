"""``fnc-ws run FORM`` and ``fnc-ws inspect CLASS|FORM``: form files from the command line.

A FORM argument is a path to a ``.dfm``/``.fmx``/``.lfm`` file (text or binary), or a bare name
looked up in ``designer_specs/`` of the current directory, then of the project this package
belongs to (``echo_client`` finds ``designer_specs/echo_client.dfm``).

``run`` loads the form into an instance of the handler class from ``--handlers MODULE`` (the
class named like the form's root class, else the only TForm/TDataModule subclass the module
defines), which binds the form's events to its methods, fires ``OnCreate`` and runs
``Application.Run`` until ``Application.Terminate``, SIGINT/SIGTERM or ``--timeout``. Without
``--handlers`` the form loads into a generic root and its event bindings are left unassigned.

``inspect`` loads a form into a generic root keeping the handler *names* (the handlers are
stand-ins that are never called) and without activating anything streamed ``Active = True``,
then lists every component with :func:`fnc.inspector.describe`.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

import fnc_websocket  # importing it registers the WebSocket components for form files
from fnc.application import Application
from fnc.component import TComponent
from fnc.exceptions import EReadError, Exception_
from fnc.forms import TDataModule, TForm
from fnc.inspector import describe, format_value
from fnc.streaming import FormReader, GetClass, ObjectNode, TPlaceholderComponent
from fnc.streaming.components.formlookup import FORM_EXTENSIONS
from fnc.streaming.components.registry import registered_classes
from fnc.streaming.syntax.formfile import read_tree_file
from fnc.streaming.syntax.tree import Bool, Ident
from fnc.streaming.syntax.values import plain_value
from fnc_websocket.cli.common import EXIT_FAILURE, EXIT_USAGE, CLIError, Console
from fnc_websocket.cli.signals import StopSignals

__all__ = ["find_form", "run_form", "run_inspect"]


# -- finding and parsing a form file -----------------------------------------------------------

def _spec_folders() -> list[Path]:
    project = Path(fnc_websocket.__file__).resolve().parent.parent
    folders = [Path.cwd() / "designer_specs", project / "designer_specs"]
    return list(dict.fromkeys(folders))


def _looks_like_path(text: str) -> bool:
    return os.path.basename(text) != text or text.lower().endswith(FORM_EXTENSIONS)


def _spec_lookup(name: str) -> Path | None:
    names = [name] if name.lower().endswith(FORM_EXTENSIONS) else \
        [name + ext for ext in FORM_EXTENSIONS]
    for folder in _spec_folders():
        for candidate in names:
            path = folder / candidate
            if path.is_file():
                return path
    return None


def find_form(text: str) -> Path:
    """The form file ``text`` names: an existing file, else a bare name in designer_specs/."""
    path = Path(text)
    if path.is_file():
        return path
    if os.path.basename(text) != text:
        raise CLIError(f"form file {text!r} not found", EXIT_USAGE)
    found = _spec_lookup(text)
    if found is None:
        folders = ", ".join(str(f) for f in _spec_folders())
        raise CLIError(f"form file {text!r} not found (not a file, and not in {folders})",
                       EXIT_USAGE)
    return found


def _read_tree(path: Path) -> ObjectNode:
    try:
        return read_tree_file(path)
    except Exception_ as exc:
        raise CLIError(f"bad form file: {exc}") from None
    except OSError as exc:
        raise CLIError(f"cannot read form file {path}: {exc.strerror or exc}") from None


# -- root classes ----------------------------------------------------------------------------

def _generic_root_class(tree: ObjectNode, path: Path) -> type[TComponent]:
    """The registered class of the form's root, else a TForm/TDataModule subclass named so."""
    registered = GetClass(tree.class_name)
    if isinstance(registered, type) and issubclass(registered, TComponent):
        return registered
    base: type[TDataModule] = TDataModule if "datamodule" in tree.class_name.lower() else TForm
    return type(tree.class_name, (base,), {
        "__doc__": f"The root of {path.name}, loaded without a handler class "
                   f"(a generic {base.__name__}).",
        "__module__": __name__,
    })


@contextlib.contextmanager
def _on_sys_path(folder: str) -> Iterator[None]:
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)


def _import_handlers(spec: str) -> ModuleType:
    """Import the handler module: a ``.py`` file (its folder goes on sys.path) or a module name
    (looked up from the current directory too)."""
    try:
        if spec.endswith(".py") or os.sep in spec or "/" in spec:
            path = Path(spec).resolve()
            if not path.is_file():
                raise CLIError(f"--handlers: no such file: {spec}", EXIT_USAGE)
            name = path.stem if path.stem not in sys.modules else f"_fnc_ws_handlers_{path.stem}"
            with _on_sys_path(str(path.parent)):
                module_spec = importlib.util.spec_from_file_location(name, path)
                if module_spec is None or module_spec.loader is None:
                    raise CLIError(f"--handlers: cannot load {spec} as a Python module",
                                   EXIT_USAGE)
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[name] = module  # the reader resolves annotations through it
                try:
                    module_spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(name, None)
                    raise
                return module
        with _on_sys_path(os.getcwd()):
            return importlib.import_module(spec)
    except ImportError as exc:
        raise CLIError(f"--handlers: cannot import {spec}: {exc}", EXIT_USAGE) from None
    except SyntaxError as exc:
        raise CLIError(f"--handlers: {exc.filename}:{exc.lineno}: {exc.msg}",
                       EXIT_USAGE) from None


def _handler_class(module: ModuleType, root_class: str) -> type[TComponent]:
    """The class named like the form's root class, else the module's only TForm/TDataModule."""
    classes = [v for v in vars(module).values()
               if isinstance(v, type) and issubclass(v, TComponent)]
    for cls in classes:
        if cls.__name__.lower() == root_class.lower():
            return cls
    roots = [c for c in classes if issubclass(c, TDataModule) and c.__module__ == module.__name__]
    if len(roots) == 1:
        return roots[0]
    found = ", ".join(sorted(c.__name__ for c in roots)) or "none"
    raise CLIError(f"--handlers {module.__name__}: no class {root_class} and not exactly one "
                   f"TForm/TDataModule subclass (found: {found})", EXIT_USAGE)


# -- loading ---------------------------------------------------------------------------------

@attrs.define
class _IgnoredBindings:
    """Reader hooks that leave events unassigned when the root has no such method."""

    ignored: list[str] = attrs.Factory(list)

    def on_error(self, error: EReadError) -> bool:
        reason = getattr(error, "reason", "")
        if reason.startswith("Method '"):
            method = reason.split("'")[1]
            self.ignored.append(f"{error.component}.{error.property} = {method}")  # type: ignore[attr-defined]
            return True
        return False


def _stand_in(name: str) -> Callable[..., None]:
    def handler(*args: Any) -> None:
        """Stands for a handler of the form file; never called."""

    handler.__name__ = handler.__qualname__ = name
    return handler


def _read_into(tree: ObjectNode, path: Path, root: TComponent, **hooks: Any) -> TComponent:
    try:
        return FormReader(filename=str(path), **hooks).read(tree, root)
    except Exception_ as exc:
        raise CLIError(f"cannot load {path}: {exc}" if str(path) not in str(exc) else str(exc)
                       ) from None


def _without_active(node: ObjectNode, activated: list[str]) -> ObjectNode:
    """``node`` without ``Active`` values; names streamed ``Active = True`` go to ``activated``."""
    kept = []
    for prop in node.properties:
        if prop.path.lower() == "active":
            if isinstance(prop.value, Bool) and prop.value.value:
                activated.append(node.name or node.class_name)
            continue
        kept.append(prop)
    return attrs.evolve(node, properties=tuple(kept),
                        children=tuple(_without_active(c, activated) for c in node.children))


# -- run -------------------------------------------------------------------------------------

def run_form(form: str, handlers: str | None, timeout: float | None, console: Console) -> int:
    """Load ``form`` (into the handler class of ``handlers``) and run the message loop."""
    path = find_form(form)
    tree = _read_tree(path)
    hooks: dict[str, Any] = {}
    ignored = _IgnoredBindings()
    if handlers:
        root_class = _handler_class(_import_handlers(handlers), tree.class_name)
    else:
        root_class = _generic_root_class(tree, path)
        hooks["on_error"] = ignored.on_error
    root = root_class(None)
    previous_main = Application.MainForm
    try:
        _read_into(tree, path, root, **hooks)
        count = len(root.Components)
        console.status(f"* loaded {root.Name}: {type(root).__name__} from {path} "
                       f"({count} component{'s' if count != 1 else ''})")
        if ignored.ignored:
            console.status(f"* no --handlers: {len(ignored.ignored)} event binding(s) left "
                           f"unassigned: {', '.join(ignored.ignored)}")
        if Application.MainForm is None:
            Application.MainForm = root
        stopped: list[str] = []

        def on_stop(signal_name: str) -> None:
            stopped.append(signal_name)
            Application.Terminate()

        with StopSignals(on_stop):
            if isinstance(root, TDataModule):
                root.DoCreate()
            console.status("* running until Application.Terminate"
                           + (f" or {timeout:g} s" if timeout else "") + " (Ctrl-C stops)")
            terminated = Application.Run(timeout)
        if not terminated:
            raise CLIError(f"timed out after {timeout:g} s (nothing called "
                           "Application.Terminate)", EXIT_FAILURE)
        console.status(f"* stopped ({stopped[0]})" if stopped else "* terminated")
        return 0
    finally:
        Application.MainForm = previous_main
        root.Free()


# -- inspect ---------------------------------------------------------------------------------

def _describe_class(name: str, markdown: bool, console: Console) -> int:
    cls = GetClass(name)
    assert cls is not None
    console.line(describe(cls, markdown=markdown).rstrip("\n"))
    return 0


def _shown(node: Any) -> str:
    if isinstance(node, Ident):
        return node.value
    value = plain_value(node)
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return format_value(value)


def _streamed_lines(component: TPlaceholderComponent, markdown: bool) -> list[str]:
    lines = []
    for prop_path, node in component.StreamedProperties.items():
        shown = _shown(node)
        lines.append(f"- `{prop_path}` = {shown}" if markdown else f"  {prop_path} = {shown}")
    heading = (f"Placeholder for the unimplemented class {type(component).__name__}; "
               "streamed values:")
    return [heading, *lines] if lines else [heading + " none"]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _describe_form(path: Path, markdown: bool, console: Console) -> int:
    activated: list[str] = []
    tree = _without_active(_read_tree(path), activated)
    root = _generic_root_class(tree, path)(None)
    try:
        _read_into(tree, path, root,
                   on_find_method=lambda _root, method: _stand_in(method))
        components = list(root.Components)
        summary = (f"{_display(path)}: {root.Name}: {tree.class_name}, {len(components)} "
                   f"component{'s' if len(components) != 1 else ''}")
        console.line(f"## Form `{path.name}`\n\n{summary}\n" if markdown else summary)
        if activated:
            console.line(f"(streamed Active = True, not activated here: {', '.join(activated)})")
        for component in [root, *components]:
            console.line()
            console.line(describe(component, markdown=markdown).rstrip("\n"))
            if isinstance(component, TPlaceholderComponent):
                console.line()
                for line in _streamed_lines(component, markdown):
                    console.line(line)
        return 0
    finally:
        root.Free()


def run_inspect(target: str, markdown: bool, console: Console) -> int:
    """List a registered class, or every component of a form file."""
    if Path(target).is_file() or _looks_like_path(target):
        return _describe_form(find_form(target), markdown, console)
    if GetClass(target) is not None:
        return _describe_class(target, markdown, console)
    found = _spec_lookup(target)
    if found is not None:
        return _describe_form(found, markdown, console)
    known = ", ".join(sorted(c.__name__ for c in set(registered_classes().values())))
    raise CLIError(f"{target!r} is neither a registered class ({known}) nor a form file",
                   EXIT_USAGE)
