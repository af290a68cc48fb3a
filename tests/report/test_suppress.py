"""--suppress: accepted behaviour findings stay visible but stop deciding the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from appt2dispatch.cli import cli
from appt2dispatch.models import Finding
from appt2dispatch.report import build_report, format_report, suppress_findings

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "diff" / "chart-version-newer-moves-image"
IMAGE = Finding(
    "behavior", "Deployment.apps llm/d", "spec.template.spec.containers[app].image", "a", "b", "m"
)
SELECTOR = Finding(
    "blocker", "Deployment.apps llm/d", "spec.selector.matchLabels[x]", "a", "b", "m"
)


@pytest.mark.parametrize(
    ("pattern", "suppressed"),
    [
        ("*containers[app].image", True),  # brackets are literal, as the path prints them
        ("Deployment.apps llm/d spec.template.spec.containers[app].image", True),
        ("Deployment.apps llm/*", True),
        ("*containers[a].image", False),
        ("*.env*", False),
    ],
)
def test_patterns_match_resource_and_path_literally(pattern: str, suppressed: bool) -> None:
    [finding] = suppress_findings((IMAGE,), (pattern,))
    assert finding.suppressed is suppressed


def test_blockers_are_never_suppressed() -> None:
    report = build_report([SELECTOR], renderers={}, translation=None, suppress=["*"])
    assert report.verdict == "blocked"
    assert not report.findings[0].suppressed


def test_suppressed_finding_is_reported_in_every_format_but_not_in_the_verdict() -> None:
    report = build_report([IMAGE], renderers={}, translation=None, suppress=["*image"])
    assert report.verdict == "no-behavior-change"
    assert "suppressed" in format_report(report, "text")
    assert "behavior (suppressed)" in format_report(report, "markdown")
    [finding] = json.loads(format_report(report, "json"))["findings"]
    assert finding["suppressed"] is True


def test_cli_suppress_turns_an_accepted_change_into_exit_0() -> None:
    args = ["diff", str(CASE / "helmrelease.yaml"), "-n", "llm"]
    args += (CASE / "args.txt").read_text(encoding="utf-8").split()
    assert CliRunner().invoke(cli, args).exit_code == 1
    accepted = CliRunner().invoke(cli, [*args, "--suppress", "*containers[app].image"])
    assert accepted.exit_code == 0, accepted.output
    assert "1 behavior, 4 expected, 7 cosmetic, 1 of them suppressed" in accepted.stdout
