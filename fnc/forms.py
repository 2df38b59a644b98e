"""Root containers without a user interface: TDataModule, TForm and TFrame.

A root's Python subclass holds the event handler methods that a form file binds by name
(``OnConnect = Client1Connect`` binds ``self.Client1Connect``). Components it owns are reachable
as attributes (``Form1.Client1``).

Root events are published like any component's, so a form file's ``OnClose = FormClose`` binds
and is checked. Those that mean something without a window fire (all on the calling thread,
which should be the form's home thread):

* ``Close()``: ``OnCloseQuery(Sender, var CanClose)``; when allowed,
  ``OnClose(Sender, var Action)`` with ``Action`` = ``caHide``; then ``caHide`` hides the form
  (``OnHide``), ``caFree`` releases it (freed at the next message pump), ``caMinimize`` records
  ``WindowState = 'wsMinimized'``, ``caNone`` keeps it open. Closing ``Application.MainForm``
  (any Action but ``caNone``) terminates the application.
* ``Show()`` / ``Hide()`` (and assigning ``Visible``): ``OnShow`` / ``OnHide`` when the
  visibility changes.
* ``OnCreate`` after the form file is loaded (``Application.CreateForm``), ``OnDestroy`` in
  ``Free``.

The others (``OnActivate``, ``OnResize``, ``OnKeyDown``, ``OnPaint``...) bind, are written back
and can be raised with ``fire``, but nothing raises them without a user interface.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, ClassVar

from fnc.application import Application
from fnc.component import TComponent
from fnc.events import Event, VarParam
from fnc.properties import Property

__all__ = [
    "TCloseAction", "TDataModule", "TForm", "TFrame", "caFree", "caHide", "caMinimize",
    "caNone",
]


class TCloseAction(enum.Enum):
    """What ``Close()`` does after ``OnClose`` (Delphi's ``TCloseAction``)."""

    caNone = 0
    caHide = 1
    caFree = 2
    caMinimize = 3


caNone = TCloseAction.caNone
caHide = TCloseAction.caHide
caFree = TCloseAction.caFree
caMinimize = TCloseAction.caMinimize


def _ui_event(*params: str, doc: str, var: tuple[str, ...] = ()) -> Event:
    return Event(*params, doc=doc + " Bound and written; not raised without a user interface.",
                 marshal=not var, var=var)


class _KeyAndMouseEvents:
    """Input events roots and frames publish (VCL and FireMonkey names)."""

    OnClick = _ui_event("Sender", doc="Clicked.")
    OnDblClick = _ui_event("Sender", doc="Double-clicked.")
    OnKeyDown = _ui_event("Sender", "Key", "Shift", var=("Key",), doc="A key went down.")
    OnKeyUp = _ui_event("Sender", "Key", "Shift", var=("Key",), doc="A key went up.")
    OnKeyPress = _ui_event("Sender", "Key", var=("Key",), doc="A character was typed (VCL).")
    OnMouseDown = _ui_event("Sender", "Button", "Shift", "X", "Y", doc="A mouse button went down.")
    OnMouseUp = _ui_event("Sender", "Button", "Shift", "X", "Y", doc="A mouse button went up.")
    OnMouseMove = _ui_event("Sender", "Shift", "X", "Y", doc="The mouse moved.")
    OnMouseEnter = _ui_event("Sender", doc="The mouse entered.")
    OnMouseLeave = _ui_event("Sender", doc="The mouse left.")
    OnMouseWheel = _ui_event("Sender", "Shift", "WheelDelta", "MousePos", "Handled",
                             var=("Handled",), doc="The mouse wheel turned.")
    OnResize = _ui_event("Sender", doc="The size changed.")
    OnPaint = _ui_event("Sender", doc="Paint the client area (VCL; FMX passes Canvas, ARect).")
    OnGesture = _ui_event("Sender", "EventInfo", "Handled", var=("Handled",),
                          doc="A touch gesture.")
    OnDragDrop = _ui_event("Sender", "Source", "X", "Y", doc="Something was dropped.")
    OnDragOver = _ui_event("Sender", "Source", "X", "Y", "State", "Accept", var=("Accept",),
                           doc="Something is dragged over.")


class TDataModule(TComponent):
    """A non-visual root: owns components, holds their handlers, fires OnCreate/OnDestroy."""

    OnCreate = Event("Sender", doc="The root was created and its form file loaded.")
    OnDestroy = Event("Sender", doc="The root is being freed (its components still exist).")

    #: Path of this class's form file, relative to its module's folder (or absolute); None:
    #: looked up beside the module (see ``fnc.streaming.components.formlookup``).
    #: A form class deriving
    #: from another form class reads that class's form file first (its ancestor).
    form_file: ClassVar[str | None] = None

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


class TForm(_KeyAndMouseEvents, TDataModule):
    """A form as a root container. It has no window; its ``Caption`` is kept for porting.

    ``Visible`` is run-time state (False until ``Show()``); a ``Visible`` value in the form file
    is kept as design information.
    """

    Caption = Property(str, doc="The form's title (kept from the form file; no window).")

    OnShow = Event("Sender", doc="The form became visible (Show, Visible = True).")
    OnHide = Event("Sender", doc="The form was hidden (Hide, Close with caHide).")
    OnCloseQuery = Event("Sender", "CanClose", var=("CanClose",), marshal=False,
                         doc="Close() asks: set CanClose.Value = False to keep the form open.")
    OnClose = Event("Sender", "Action", var=("Action",), marshal=False,
                    doc="Close() goes ahead: Action.Value (caHide by default) says what next.")
    OnActivate = _ui_event("Sender", doc="The form became the active window.")
    OnDeactivate = _ui_event("Sender", doc="The form stopped being the active window.")
    OnShortCut = _ui_event("Sender", "Msg", "Handled", var=("Handled",), doc="A shortcut key.")
    OnHelp = _ui_event("Sender", "Command", "Data", "CallHelp", var=("CallHelp",),
                       doc="Help was asked for.")
    OnConstrainedResize = _ui_event("Sender", "MinWidth", "MinHeight", "MaxWidth", "MaxHeight",
                                    var=("MinWidth", "MinHeight", "MaxWidth", "MaxHeight"),
                                    doc="Size constraints are applied.")
    OnAfterMonitorDpiChanged = _ui_event("Sender", "OldDPI", "NewDPI",
                                         doc="Moved to a monitor with another DPI.")
    OnBeforeMonitorDpiChanged = _ui_event("Sender", "OldDPI", "NewDPI",
                                          doc="About to move to a monitor with another DPI.")
    # FireMonkey
    OnVirtualKeyboardShown = _ui_event("Sender", "KeyboardVisible", "Bounds",
                                       doc="The on-screen keyboard appeared (FMX).")
    OnVirtualKeyboardHidden = _ui_event("Sender", "KeyboardVisible", "Bounds",
                                        doc="The on-screen keyboard disappeared (FMX).")
    OnFocusChanged = _ui_event("Sender", doc="The focused control changed (FMX).")
    OnSaveState = _ui_event("Sender", doc="The platform asks to save state (FMX).")
    OnTouch = _ui_event("Sender", "Touches", "Action", doc="Touch input (FMX).")
    OnTap = _ui_event("Sender", "Point", doc="A tap (FMX).")

    def __init__(self, AOwner: TComponent | None = None, **props: Any) -> None:
        self._fnc_visible = False
        self._fnc_closing = False
        self.WindowState = "wsNormal"
        super().__init__(AOwner, **props)

    # -- visibility -------------------------------------------------------------------------

    @property
    def Visible(self) -> bool:
        """Whether the form is shown; assigning calls ``Show()`` or ``Hide()``."""
        return self._fnc_visible

    @Visible.setter
    def Visible(self, value: bool) -> None:
        if value:
            self.Show()
        else:
            self.Hide()

    def Show(self) -> None:
        """Make the form visible; fires ``OnShow`` when it was hidden."""
        if not self._fnc_visible:
            self._fnc_visible = True
            self.WindowState = "wsNormal" if self.WindowState == "wsMinimized" \
                else self.WindowState
            type(self).OnShow.fire_inline(self)

    def Hide(self) -> None:
        """Make the form invisible; fires ``OnHide`` when it was shown."""
        if self._fnc_visible:
            type(self).OnHide.fire_inline(self)
            self._fnc_visible = False

    # -- closing ----------------------------------------------------------------------------

    def CloseQuery(self) -> bool:
        """Fire ``OnCloseQuery``; True when the form may close."""
        can_close = VarParam(True)
        type(self).OnCloseQuery.fire_inline(self, can_close)
        return bool(can_close.Value)

    def Close(self) -> bool:
        """Close the form as Delphi does; returns False when ``OnCloseQuery`` or a ``caNone``
        action kept it open. See the module docstring for the sequence."""
        if self._fnc_closing or self.is_destroyed:
            return False
        self._fnc_closing = True
        try:
            if not self.CloseQuery():
                return False
            action = self.DoClose(caHide)
            if action is caNone:
                return False
            if Application.MainForm is self:
                Application.Terminate()
            if action is caHide:
                self.Hide()
            elif action is caMinimize:
                self.WindowState = "wsMinimized"
            elif action is caFree:
                self.Hide()
                self.Release()
            return True
        finally:
            self._fnc_closing = False

    def DoClose(self, Action: TCloseAction) -> TCloseAction:
        """Fire ``OnClose`` with ``Action`` as its var parameter; return the resulting action."""
        holder = VarParam(Action)
        type(self).OnClose.fire_inline(self, holder)
        value = holder.Value
        if not isinstance(value, TCloseAction):
            try:
                value = TCloseAction[str(value)] if isinstance(value, str) \
                    else TCloseAction(value)
            except (KeyError, ValueError):
                raise ValueError(f"OnClose set Action to {holder.Value!r}, not a TCloseAction"
                                 ) from None
        return value

    def Release(self) -> None:
        """Free the form at the next message pump of its home thread (safe from its handlers)."""
        self.home_queue.post(self.Free, (), None)

    def _fnc_application_terminated(self) -> None:
        """``Application.Terminate`` on the main form: OnClose (its Action cannot keep the
        application running), then hidden."""
        if self._fnc_closing or self.is_destroyed:
            return
        self._fnc_closing = True
        try:
            self.DoClose(caFree)
            self.Hide()
        finally:
            self._fnc_closing = False


class TFrame(_KeyAndMouseEvents, TComponent):
    """A reusable group of components with its own form file (``inline Frame1: TFrame1``).

    A frame owns the components its form file declares: they live in the frame's own
    namespace (``Form1.Frame1.CheckBox1``), and their handlers bind to the frame's methods
    first, then to the form's.
    """

    #: Path of this frame's form file (see ``TDataModule.form_file``).
    form_file: ClassVar[str | None] = None

    OnEnter = _ui_event("Sender", doc="The frame received the focus.")
    OnExit = _ui_event("Sender", doc="The frame lost the focus.")

    def HasParent(self) -> bool:
        return True

    def GetChildren(self, Proc: Callable[[TComponent], None], Root: TComponent) -> None:
        for c in self.Components:
            if c.GetParentComponent() in (None, self):
                Proc(c)
