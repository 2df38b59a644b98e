"""Root containers without a user interface: TDataModule and TForm.

A root's Python subclass holds the event handler methods that a form file binds by name
(``OnConnect = Client1Connect`` binds ``self.Client1Connect``). Components it owns are reachable
as attributes (``Form1.Client1``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fnc.component import TComponent
from fnc.events import Event
from fnc.properties import Property

__all__ = ["TDataModule", "TForm"]


class TDataModule(TComponent):
    """A non-visual root: owns components, holds their handlers, fires OnCreate/OnDestroy."""

    OnCreate = Event("Sender", doc="The root was created and its form file loaded.")
    OnDestroy = Event("Sender", doc="The root is being freed (its components still exist).")

    def DoCreate(self) -> None:
        """Fire ``OnCreate`` (called once the form file is loaded)."""
        type(self).OnCreate.fire_inline(self)

    def GetChildren(self, Proc: Callable[[TComponent], None], Root: TComponent) -> None:
        for c in self.Components:
            if c.GetParentComponent() is None:
                Proc(c)

    def BeforeDestruction(self) -> None:
        type(self).OnDestroy.fire_inline(self)
        super().BeforeDestruction()


class TForm(TDataModule):
    """A form as a root container. It has no window; its ``Caption`` is kept for porting."""

    Caption = Property(str, doc="The form's title (kept from the form file; no window).")

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        super().__init__(AOwner, **props)
