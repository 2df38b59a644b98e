"""Autobahn case selection and result summaries, shared by both runners.

Case ids are the Autobahn|Testsuite ids (``"6.4.3"``). A selection spec is one of:

- a section range ``"1-7"`` (every case whose first component is 1 … 7),
- a section or sub-section prefix ``"6"`` / ``"6.4"``,
- an exact id ``"9.1.1"``,
- a glob ``"6.4.*"`` or ``"9.*.1"`` (``fnmatch`` syntax on the id).

Comma-separated lists are accepted wherever a spec is (``"1-4,6.4.*"``).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Case behaviours that count as conformant. UNIMPLEMENTED is what the compression
#: sections (12, 13) report for a peer that does not negotiate permessage-deflate.
ACCEPTED_BEHAVIORS = frozenset({"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"})

#: Closing-handshake verdicts that count as conformant. WRONG CODE and FAILED BY CLIENT are
#: deviations Autobahn's own report paints yellow, not red; they are listed as warnings.
ACCEPTED_CLOSE = frozenset({"OK", "INFORMATIONAL"})
WARNING_CLOSE = frozenset({"WRONG CODE", "FAILED BY CLIENT"})

_RANGE = re.compile(r"^(\d+)-(\d+)$")
_PREFIX = re.compile(r"^\d+(\.\d+)*$")


class CaseSelectionError(ValueError):
    """A selection spec is malformed or matches no case."""


def case_sort_key(case_id: str) -> tuple[int, ...]:
    """Numeric ordering of case ids (``1.2.10`` after ``1.2.9``)."""
    return tuple(int(part) for part in case_id.split("."))


def all_case_ids() -> list[str]:
    """Every case id kosoku ships, in numeric order.

    Importing ``kosoku.cases`` puts kosoku's shim directories on ``sys.path`` (they include a
    minimal ``pkg_resources``); run the harness in its own process, not inside a test run.
    """
    import kosoku.cases

    return sorted(kosoku.cases.CASES, key=case_sort_key)


def _split_specs(specs: Iterable[str]) -> list[str]:
    parts: list[str] = []
    for spec in specs:
        parts.extend(p.strip() for p in spec.split(",") if p.strip())
    return parts


def _matches(spec: str, case_id: str) -> bool:
    section = case_id.split(".", 1)[0]
    range_match = _RANGE.match(spec)
    if range_match:
        low, high = int(range_match.group(1)), int(range_match.group(2))
        return low <= int(section) <= high
    if _PREFIX.match(spec):
        return case_id == spec or case_id.startswith(spec + ".")
    return fnmatch.fnmatchcase(case_id, spec)


def _check_spec(spec: str) -> None:
    range_match = _RANGE.match(spec)
    if range_match and int(range_match.group(1)) > int(range_match.group(2)):
        raise CaseSelectionError(f"case range {spec!r} is empty: {range_match.group(1)} > "
                                 f"{range_match.group(2)}")
    if not range_match and not _PREFIX.match(spec) and not re.match(r"^[\d.*?\[\]!-]+$", spec):
        raise CaseSelectionError(
            f"case spec {spec!r} is not a range (1-7), an id or prefix (6.4), or a glob (6.4.*)"
        )


def select_cases(
    include: Sequence[str] | None,
    exclude: Sequence[str] | None = None,
    universe: Sequence[str] | None = None,
) -> list[str]:
    """Return the case ids chosen by ``include`` minus ``exclude``, in numeric order.

    ``include`` None or empty selects every case. Raises :class:`CaseSelectionError` for a
    malformed spec, or for an include/exclude spec that matches no case at all (a typo must not
    silently run nothing or everything).
    """
    ids = list(universe) if universe is not None else all_case_ids()
    includes = _split_specs(include or [])
    excludes = _split_specs(exclude or [])
    for spec in (*includes, *excludes):
        _check_spec(spec)
        if not any(_matches(spec, case_id) for case_id in ids):
            raise CaseSelectionError(f"case spec {spec!r} matches no Autobahn case")
    chosen = [c for c in ids if not includes or any(_matches(s, c) for s in includes)]
    chosen = [c for c in chosen if not any(_matches(s, c) for s in excludes)]
    if not chosen:
        raise CaseSelectionError("the selection is empty after applying the exclusions")
    return sorted(chosen, key=case_sort_key)


@dataclass(frozen=True)
class CaseOutcome:
    """One case's verdict, detached from kosoku's native result object."""

    case_id: str
    behavior: str
    behavior_close: str
    remote_close_code: int | None = None
    duration_ms: int = 0
    result: str = ""
    result_close: str = ""

    @property
    def failed(self) -> bool:
        """True when the message exchange or the closing handshake is non-conformant."""
        return self.behavior not in ACCEPTED_BEHAVIORS or (
            self.behavior_close not in ACCEPTED_CLOSE and self.behavior_close not in WARNING_CLOSE
        )

    @property
    def warning(self) -> bool:
        """True when only the close verdict deviates mildly (WRONG CODE / FAILED BY CLIENT)."""
        return not self.failed and self.behavior_close in WARNING_CLOSE

    @property
    def section(self) -> str:
        return self.case_id.split(".", 1)[0]

    @classmethod
    def from_kosoku(cls, result: object) -> CaseOutcome:
        """Convert a ``kosoku.CaseResult``."""
        return cls(
            case_id=result.case_id,  # type: ignore[attr-defined]
            behavior=result.behavior.value,  # type: ignore[attr-defined]
            behavior_close=result.behavior_close.value,  # type: ignore[attr-defined]
            remote_close_code=result.remote_close_code,  # type: ignore[attr-defined]
            duration_ms=int(result.duration),  # type: ignore[attr-defined]
            result=result.result,  # type: ignore[attr-defined]
            result_close=result.result_close,  # type: ignore[attr-defined]
        )


@dataclass
class RunSummary:
    """Outcome of one run: what was selected, what came back, how long it took."""

    target: str
    selected: list[str]
    outcomes: list[CaseOutcome]
    seconds: float
    errors: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Selected cases kosoku reported no result for (the run was cut short)."""
        got = {o.case_id for o in self.outcomes}
        return [c for c in self.selected if c not in got]

    @property
    def failures(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def warnings(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if o.warning]

    @property
    def ok(self) -> bool:
        """True when every selected case has a result and none failed, and no run error."""
        return not self.failures and not self.missing and not self.errors

    def counts_by_section(self) -> dict[str, Counter[str]]:
        """``section -> Counter(behaviour -> n)``; sections in numeric order."""
        table: dict[str, Counter[str]] = {}
        for outcome in sorted(self.outcomes, key=lambda o: case_sort_key(o.case_id)):
            table.setdefault(outcome.section, Counter())[outcome.behavior] += 1
        return table

    def to_json(self) -> dict[str, object]:
        """A JSON-ready record (for ``--json`` and for the pytest wrappers)."""
        return {
            "target": self.target,
            "seconds": round(self.seconds, 3),
            "selected": len(self.selected),
            "ok": self.ok,
            "errors": self.errors,
            "missing": self.missing,
            "by_section": {s: dict(c) for s, c in self.counts_by_section().items()},
            "failures": [_outcome_json(o) for o in self.failures],
            "warnings": [_outcome_json(o) for o in self.warnings],
        }

    def format_table(self) -> str:
        """Human-readable summary: per-section behaviour counts, then failures and warnings."""
        behaviors = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED", "ERROR"]
        seen = {b for counter in self.counts_by_section().values() for b in counter}
        behaviors += sorted(seen - set(behaviors))
        header = ["section", *behaviors, "close-warn", "total"]
        rows = [header]
        totals: Counter[str] = Counter()
        for section, counter in self.counts_by_section().items():
            warn = sum(1 for o in self.warnings if o.section == section)
            totals.update(counter)
            totals["close-warn"] += warn
            rows.append([section, *(str(counter.get(b, 0)) for b in behaviors), str(warn),
                         str(sum(counter.values()))])
        rows.append(["all", *(str(totals.get(b, 0)) for b in behaviors),
                     str(totals["close-warn"]), str(len(self.outcomes))])
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = [f"Autobahn results for {self.target}: {len(self.outcomes)}/{len(self.selected)} "
                 f"cases in {self.seconds:.1f} s"]
        lines += ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True))
                  for r in rows]
        for title, items in (("FAILED", self.failures), ("close warnings", self.warnings)):
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {o.case_id:<8} behavior={o.behavior} close={o.behavior_close} "
                          f"remote_code={o.remote_close_code}  {o.result_close or o.result}"
                          for o in items]
        if self.missing:
            lines.append(f"MISSING results ({len(self.missing)}): {', '.join(self.missing[:20])}"
                         + (" …" if len(self.missing) > 20 else ""))
        lines += [f"ERROR: {e}" for e in self.errors]
        lines.append("verdict: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(lines)


def _outcome_json(o: CaseOutcome) -> dict[str, object]:
    return {"case": o.case_id, "behavior": o.behavior, "close": o.behavior_close,
            "remote_close_code": o.remote_close_code, "result": o.result,
            "result_close": o.result_close}
