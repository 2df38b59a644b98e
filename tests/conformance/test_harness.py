"""The Autobahn harness's own logic: case selection, verdicts, summaries, argument errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .support import HARNESS_DIR, load_harness_module

cases = load_harness_module("autobahn_cases")

UNIVERSE = ["1.1.1", "1.1.2", "1.2.1", "2.1", "2.10", "2.2", "6.4.1", "6.4.2", "6.4.10",
            "7.1.5", "7.13.1", "9.3.1", "9.4.1", "10.1.1", "12.1.1", "13.7.18"]


def select(include, exclude=None):
    return cases.select_cases(include, exclude, universe=UNIVERSE)


def test_select_all_sorts_numerically():
    assert select(None) == sorted(UNIVERSE, key=cases.case_sort_key)
    assert select(["2"]) == ["2.1", "2.2", "2.10"]


def test_select_section_range_is_inclusive_and_numeric():
    assert select(["9-12"]) == ["9.3.1", "9.4.1", "10.1.1", "12.1.1"]
    assert select(["1-2"]) == ["1.1.1", "1.1.2", "1.2.1", "2.1", "2.2", "2.10"]


def test_select_prefix_does_not_match_longer_numbers():
    assert select(["7.1"]) == ["7.1.5"]  # not 7.13.1
    assert select(["6.4.1"]) == ["6.4.1"]  # not 6.4.10
    assert select(["1"]) == ["1.1.1", "1.1.2", "1.2.1"]  # not 10.x, 12.x, 13.x


def test_select_globs_comma_lists_and_exclusions():
    assert select(["6.4.*"]) == ["6.4.1", "6.4.2", "6.4.10"]
    assert select(["9.*.1,1.1.*"]) == ["1.1.1", "1.1.2", "9.3.1", "9.4.1"]
    assert select(["1-7"], ["7.1.5", "6.4.1*"]) == ["1.1.1", "1.1.2", "1.2.1", "2.1", "2.2",
                                                   "2.10", "6.4.2", "7.13.1"]


@pytest.mark.parametrize(
    ("include", "exclude", "message"),
    [
        (["8"], None, "'8' matches no Autobahn case"),
        (["1-7"], ["8.*"], "'8.*' matches no Autobahn case"),
        (["7-1"], None, "case range '7-1' is empty"),
        (["abc"], None, "is not a range"),
        (["2"], ["2"], "selection is empty"),
    ],
)
def test_select_rejects_specs_that_select_nothing(include, exclude, message):
    with pytest.raises(cases.CaseSelectionError, match=message):
        select(include, exclude)


@pytest.mark.parametrize(
    ("behavior", "close", "failed", "warning"),
    [
        ("OK", "OK", False, False),
        ("NON-STRICT", "OK", False, False),
        ("INFORMATIONAL", "INFORMATIONAL", False, False),
        ("UNIMPLEMENTED", "OK", False, False),
        ("OK", "WRONG CODE", False, True),
        ("OK", "FAILED BY CLIENT", False, True),
        ("FAILED", "OK", True, False),
        ("ERROR", "OK", True, False),
        ("OK", "UNCLEAN", True, False),
        ("OK", "FAILED", True, False),
    ],
)
def test_case_verdicts(behavior, close, failed, warning):
    outcome = cases.CaseOutcome("5.1", behavior, close)
    assert outcome.failed is failed
    assert outcome.warning is warning


def test_summary_table_counts_and_lists_failures_and_missing():
    outcomes = [cases.CaseOutcome("1.1.1", "OK", "OK"),
                cases.CaseOutcome("6.4.1", "NON-STRICT", "OK"),
                cases.CaseOutcome("7.1.5", "FAILED", "WRONG CODE", 1002, 3, "", "close code")]
    summary = cases.RunSummary("t", ["1.1.1", "6.4.1", "7.1.5", "9.3.1"], outcomes, 1.5)
    assert not summary.ok
    assert summary.missing == ["9.3.1"]
    assert [o.case_id for o in summary.failures] == ["7.1.5"]
    table = summary.format_table()
    assert "FAILED (1):" in table
    assert "7.1.5" in table and "remote_code=1002" in table
    assert "MISSING results (1): 9.3.1" in table
    assert table.endswith("verdict: FAIL")
    record = summary.to_json()
    assert record["by_section"] == {"1": {"OK": 1}, "6": {"NON-STRICT": 1}, "7": {"FAILED": 1}}
    passing = cases.RunSummary("t", ["1.1.1"], outcomes[:1], 0.1)
    assert passing.ok and passing.format_table().endswith("verdict: PASS")


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("run_client.py", ["--cases", "8"], "bad case selection: case spec '8' matches no"),
        ("run_client.py", ["--agent", "nope"], "unknown agent 'nope'"),
        ("run_server.py", ["--server", "nope"], "unknown server 'nope'"),
        ("run_server.py", ["--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_runners_reject_bad_arguments_with_exit_2(script, args, message):
    proc = subprocess.run([sys.executable, str(HARNESS_DIR / script), *args],
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr
