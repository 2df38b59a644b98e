"""The few fnc internals the porting tool reads, imported in one place."""

from __future__ import annotations

from fnc.streaming.components.formlookup import FORM_EXTENSIONS
from fnc.streaming.components.propertyreader import DESIGN_TIME_PROPERTIES
from fnc.streaming.syntax.tree import Ident, ObjectNode

__all__ = ["DESIGN_TIME_PROPERTIES", "FORM_EXTENSIONS", "Ident", "ObjectNode"]
