"""Every format of every case equals its golden file (UPDATE_GOLDENS=1 rewrites them).

The goldens are snapshots of formatting. Each case's verdict is stated here by hand
(VERDICTS, from the classes report_cases gives its findings) and checked before a golden
is written, so a regeneration cannot change a verdict.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appt2dispatch.report import format_report
from report.report_cases import CASES

GOLDEN_DIR = Path(__file__).parent / "fixtures" / "reports"
FILE_NAMES = {"text": "report.txt", "markdown": "report.md", "json": "report.json"}
VERDICTS = {
    "no-behavior-change": "no-behavior-change",  # expected and cosmetic findings only
    "behavior-change": "behavior-change",  # behavior findings, no blocker
    "blocked": "blocked",  # one blocker among behavior findings
    "masked": "behavior-change",  # two behavior findings (whose values are credentials)
}


def test_every_case_has_a_stated_verdict() -> None:
    assert set(VERDICTS) == set(CASES)


@pytest.mark.parametrize("output_format", sorted(FILE_NAMES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_report_matches_golden(case: str, output_format: str) -> None:
    report = CASES[case]()
    assert report.verdict == VERDICTS[case], "the verdict changed: no golden is rewritten"
    actual = format_report(report, output_format, full_report_name="report.json")
    golden = GOLDEN_DIR / case / FILE_NAMES[output_format]
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with UPDATE_GOLDENS=1 and review the diff"
    assert actual == golden.read_text(encoding="utf-8")
