"""Exception classes of the component framework, named as Delphi names them.

Every error the framework raises on purpose is one of these (or a standard
``TypeError``/``ValueError`` where Python users expect one), so callers can catch
a Delphi name and get a message that says what happened.
"""

from __future__ import annotations


class Exception_(Exception):
    """Root of the framework's exceptions (Delphi's ``Exception``)."""


class EComponentError(Exception_):
    """Invalid component name, duplicate name, or use of a freed component."""


class EConvertError(Exception_):
    """``Assign`` between classes that do not know each other."""


class EPropertyError(Exception_, ValueError):
    """A property path or value that cannot be read or written (unknown enum name, bad path,
    read-only property)."""


class EValidationError(Exception_, ValueError):
    """One or more property values are unusable; ``problems`` lists them all.

    Raised by ``TComponent.Validate`` (on activation), never by a setter.
    """

    def __init__(self, component: str, problems: list[tuple[str, str]]) -> None:
        self.component = component
        self.problems = list(problems)
        lines = "; ".join(f"{prop}: {why}" for prop, why in self.problems)
        super().__init__(f"{component}: invalid property values: {lines}")


class EThread(Exception_):
    """Misuse of the thread queue (for example CheckSynchronize off its thread)."""


class ESynchronizeTimeout(EThread, TimeoutError):
    """``TThread.Synchronize`` waited longer than its timeout: nobody pumped the target queue."""


class EFilerError(Exception_):
    """A form-file or class-registry problem (two classes registered under one name, ...).

    The fields locate it when known (each None otherwise): ``filename``, ``line`` and ``column``
    (1-based) in the form file, the ``component`` name, the ``property`` path, and ``reason``,
    the message without the location.
    """

    def __init__(self, message: str, *, filename: str | None = None, line: int | None = None,
                 column: int | None = None, component: str | None = None,
                 property: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.filename = filename
        self.line = line
        self.column = column
        self.component = component
        self.property = property
        self.reason = message if reason is None else reason


class EReadError(EFilerError):
    """A form file names something that cannot be read into the component tree."""


class EWriteError(EFilerError):
    """A component tree that cannot be written as a form file."""


class EClassNotFound(EFilerError):
    """A class name that is not registered."""


class EParserError(Exception_):
    """Malformed form-file text or binary stream.

    ``filename``, ``line`` and ``column`` (1-based) locate the fault when known.
    """

    def __init__(self, message: str, filename: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        self.reason = message
        self.filename = filename
        self.line = line
        self.column = column
        where = filename or "<string>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


__all__ = [
    "EClassNotFound", "EComponentError", "EConvertError", "EFilerError", "EParserError",
    "EPropertyError", "EReadError", "ESynchronizeTimeout", "EThread", "EValidationError",
    "EWriteError", "Exception_",
]
