"""What every reporter shares: masking, counting, ordering, value display."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import replace
from typing import Any, ClassVar

from appt2dispatch.compare import FINDING_CLASSES
from appt2dispatch.masking import mask_text, mask_value
from appt2dispatch.models import Finding, FindingClass, Note, Report

# The markdown format's cap (a GitHub comment holds 65,536); here so the package can name it
# without importing that format.
MAX_COMMENT_CHARS = 60_000
VERDICT_TITLES = {
    "no-behavior-change": "no behavior change",
    "behavior-change": "behavior change",
    "blocked": "blocked",
    "already-migrated": "already migrated (the release runs the dispatch chart)",
}
_ENV_NAME_IN_PATH = re.compile(r"env\[([^\]]+)\]")
_LAST_SEGMENT = re.compile(r"(?:\[([^\]]+)\]|\.?([A-Za-z0-9_\-]+))$")


class Reporter(ABC):
    """Turns a Report into text in one format; credentials are masked before rendering."""

    name: ClassVar[str]

    def __init__(self, *, color: bool = False, full_report_name: str | None = None) -> None:
        self.color = color
        self.full_report_name = full_report_name

    def format(self, report: Report) -> str:
        return self.render(mask_report(report))

    @abstractmethod
    def render(self, report: Report) -> str:
        """The report (already masked) as text."""


def mask_report(report: Report) -> Report:
    """The report with every credential-looking value masked (findings, values, notes, text)."""
    return replace(
        report,
        findings=tuple(_mask_finding(finding) for finding in report.findings),
        values=mask_value(dict(report.values)),
        notes=tuple(replace(note, message=mask_text(note.message)) for note in report.notes),
        values_yaml=mask_text(report.values_yaml),
        ocirepository_change=mask_text(report.ocirepository_change),
        helmrelease_change=mask_text(report.helmrelease_change),
        source=mask_text(report.source),
    )


def _mask_finding(finding: Finding) -> Finding:
    name = variable_name(finding.path)
    return replace(
        finding,
        old=mask_value(finding.old, name),
        new=mask_value(finding.new, name),
        message=mask_text(finding.message),
    )


def variable_name(path: str) -> str | None:
    """The env variable a finding's path names (else its last segment), for masking by name."""
    env_names = _ENV_NAME_IN_PATH.findall(path)
    if env_names:
        return str(env_names[-1])
    match = _LAST_SEGMENT.search(path)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def count_classes(findings: tuple[Finding, ...]) -> dict[FindingClass, int]:
    counts = Counter(finding.klass for finding in findings)
    return {klass: counts.get(klass, 0) for klass in FINDING_CLASSES}


def summary_line(findings: tuple[Finding, ...]) -> str:
    counts = count_classes(findings)
    line = ", ".join(f"{counts[klass]} {klass}" for klass in FINDING_CLASSES)
    suppressed = sum(1 for finding in findings if finding.suppressed)
    return f"{line}, {suppressed} of them suppressed" if suppressed else line


def display_value(value: Any, limit: int | None = None) -> str:
    """A value on one line: strings as they are, structures as compact JSON."""
    if value is None:
        text = "(absent)"
    elif isinstance(value, str):
        text = value if value else '""'
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = text.replace("\n", "\\n")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def verdict_caveats(report: Report) -> str:
    """What the verdict assumes, for the end of the verdict line ("" when nothing)."""
    return "".join(f"; ASSUMED: {caveat}" for caveat in report.caveats)


def describe_note(note: Note) -> str:
    return f"[{note.level}] {note}"
