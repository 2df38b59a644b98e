"""fnc: Delphi's component model for Python.

Components with an owner tree and typed published properties, single-cast events with
multicast listeners, home threads with Delphi's Queue/Synchronize marshaling, and an Application
message pump. ``fnc`` knows nothing about WebSockets.
"""

# The streaming layer installs Application.CreateForm's form loader when imported.
from fnc import streaming
from fnc.application import Application, TApplication
from fnc.collections import TCollection, TCollectionItem
from fnc.component import (
    FindNestedComponent,
    IsValidIdent,
    TComponent,
    TComponentState,
    TComponentStyle,
    TNestedPersistent,
    TOperation,
    TPersistent,
    csDesigning,
    csDestroying,
    csFixups,
    csFreeNotification,
    csInline,
    csLoading,
    csReading,
    csUpdating,
    csWriting,
    opInsert,
    opRemove,
)
from fnc.events import Event, EventInfo, EventSignal, VarParam, listen, published_events, signal
from fnc.exceptions import (
    EClassNotFound,
    EComponentError,
    EConvertError,
    EFilerError,
    EParserError,
    EPropertyError,
    EReadError,
    ESynchronizeTimeout,
    EThread,
    EValidationError,
    EWriteError,
)
from fnc.extension import ComponentHooks, PersistentHooks
from fnc.forms import (
    TCloseAction,
    TDataModule,
    TForm,
    TFrame,
    caFree,
    caHide,
    caMinimize,
    caNone,
)
from fnc.properties import (
    Property,
    PropertyInfo,
    PropertyKind,
    SetOf,
    get_property,
    published_properties,
    set_property,
)
from fnc.threads import CheckSynchronize, MainThreadID, RemoveQueuedEvents, TThread
from fnc.timer import TTimer

__all__ = [
    "Application", "CheckSynchronize", "ComponentHooks", "EClassNotFound", "EComponentError",
    "EConvertError", "EFilerError", "EParserError", "EPropertyError", "EReadError",
    "ESynchronizeTimeout", "EThread", "EValidationError", "EWriteError", "Event", "EventInfo",
    "EventSignal", "FindNestedComponent", "IsValidIdent", "MainThreadID", "PersistentHooks",
    "Property", "PropertyInfo", "PropertyKind", "RemoveQueuedEvents", "SetOf", "TApplication",
    "TCollection", "TCollectionItem", "TComponent", "TComponentState", "TComponentStyle",
    "TCloseAction", "TDataModule", "TForm", "TFrame", "caFree", "caHide", "caMinimize",
    "caNone", "TNestedPersistent", "TOperation", "TPersistent", "TThread",
    "TTimer", "VarParam", "csDesigning", "csDestroying", "csFixups", "csFreeNotification",
    "csInline", "csLoading", "csReading", "csUpdating", "csWriting", "get_property", "listen",
    "opInsert", "opRemove", "published_events", "published_properties", "set_property",
    "signal", "streaming",
]
