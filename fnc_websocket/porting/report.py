"""``fnc-ws port --report``: the checklist of a port as a table, for sizing the work."""

from __future__ import annotations

from fnc_websocket.porting.plan import PortPlan

__all__ = ["format_report"]

_HEADERS = ("KIND", "NAME", "MAPS TO", "NEEDS A HUMAN")
_MAX_COLUMN = 48


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_COLUMN else text[:_MAX_COLUMN - 3] + "..."


def format_report(plan: PortPlan) -> str:
    """One row per checklist item (what maps and to what, what needs a human), then totals:
    items that map as they are, handlers, routines and lines of Pascal to port, and the other
    items that need a human."""
    rows = [(item.kind, _clip(item.name), _clip(item.maps_to), item.human or "-")
            for item in plan.checklist]
    widths = [max(len(r[i]) for r in [_HEADERS, *rows]) for i in range(3)]
    lines = []
    for row in [_HEADERS, *rows]:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
                     + "  " + row[3])
    bodies = sum(1 for item in plan.checklist if item.human.startswith("port its body"))
    needs = sum(1 for item in plan.checklist if item.human) - bodies
    routines = [m.routine for m in (*plan.methods, *plan.functions) if m.routine is not None]
    routines += list(plan.other_routines)
    pascal_lines = sum(r.text.count("\n") + 1 for r in routines)
    handlers = sum(1 for m in plan.methods if m.is_handler)
    lines.append("")
    lines.append(f"{len(plan.checklist) - needs - bodies} items map as they are; {handlers} "
                 f"handlers; {len(routines)} routines with {pascal_lines} lines of Pascal to "
                 f"port; {needs} other items need a human.")
    return "\n".join(lines)
