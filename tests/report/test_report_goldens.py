"""Every format of every case equals its golden file (UPDATE_GOLDENS=1 rewrites them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appt2dispatch.report import format_report
from report.report_cases import CASES

GOLDEN_DIR = Path(__file__).parent / "fixtures" / "reports"
FILE_NAMES = {"text": "report.txt", "markdown": "report.md", "json": "report.json"}


@pytest.mark.parametrize("output_format", sorted(FILE_NAMES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_report_matches_golden(case: str, output_format: str) -> None:
    actual = format_report(CASES[case](), output_format, full_report_name="report.json")
    golden = GOLDEN_DIR / case / FILE_NAMES[output_format]
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with UPDATE_GOLDENS=1 and review the diff"
    assert actual == golden.read_text(encoding="utf-8")
