"""The few fnc internals the porting tool reads, imported in one place.

``fnc.streaming`` keeps its syntax tree and its component reader in modules that are being
regrouped (``fnc.streaming.syntax.tree``, ``fnc.streaming.components``); both layouts are
accepted here so the rest of the package imports only from this module.
"""

from __future__ import annotations

try:  # fnc.streaming split into syntax/ and components/
    from fnc.streaming.components.formlookup import FORM_EXTENSIONS
    from fnc.streaming.components.reader import DESIGN_TIME_PROPERTIES
    from fnc.streaming.syntax.tree import Ident, ObjectNode
except ImportError:  # one flat fnc.streaming package
    from fnc.streaming.formlookup import FORM_EXTENSIONS  # type: ignore[no-redef]
    from fnc.streaming.reader import DESIGN_TIME_PROPERTIES  # type: ignore[no-redef]
    from fnc.streaming.syntax import Ident, ObjectNode  # type: ignore[no-redef]

__all__ = ["DESIGN_TIME_PROPERTIES", "FORM_EXTENSIONS", "Ident", "ObjectNode"]
