"""Plain text for a terminal; ANSI colour only when asked (the CLI asks on a tty).

Blockers, behaviour changes and expected changes are shown in full; cosmetic
findings (chart labels, formatting) are many and say nothing a reviewer must act
on, so they are summarised in one line (`--format json` lists them).
"""

from __future__ import annotations

import re
from collections import Counter

from appt2dispatch.compare import order_findings
from appt2dispatch.models import Finding, Report
from appt2dispatch.report.base import (
    VERDICT_TITLES,
    Reporter,
    describe_note,
    display_value,
    summary_line,
    verdict_caveats,
)

_COLOURS = {
    "blocker": "\033[1;31m",
    "behavior": "\033[33m",
    "expected": "\033[32m",
    "cosmetic": "\033[2m",
    "blocked": "\033[1;31m",
    "behavior-change": "\033[1;33m",
    "no-behavior-change": "\033[1;32m",
    "already-migrated": "\033[1;32m",
}
_RESET = "\033[0m"
_VALUE_LIMIT = 160
_INDENT = " " * 10
# What a cosmetic finding is about, from its path: the first rule that matches names it.
_COSMETIC_TOPICS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(^|\.)labels(\[|$)"), "labels"),
    (re.compile(r"(^|\.)annotations(\[|$)"), "annotations"),
    (re.compile(r"\.env\["), "env values the app reads alike"),
    (re.compile(r"\.ports$"), "port declarations"),
    (re.compile(r"^apiVersion$"), "API versions"),
    (re.compile(r"^metadata\.name$"), "renames"),
)
_LAST_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9]*)(\[[^\]]*\])*$")


class TextReporter(Reporter):
    name = "text"

    def render(self, report: Report) -> str:
        lines = [
            f"appt2dispatch diff: {report.source}" if report.source else "appt2dispatch diff",
            f"verdict: {self._paint(report.verdict, VERDICT_TITLES[report.verdict])}"
            f" ({summary_line(report.findings)})" + verdict_caveats(report),
            f"renderers: old = {report.renderers.get('old', '?')}; "
            f"new = {report.renderers.get('new', '?')}",
        ]
        findings = order_findings(report.findings)
        for finding in findings:
            if finding.klass != "cosmetic":
                lines.append("")
                lines.extend(self._finding_lines(finding))
        cosmetic = [finding for finding in findings if finding.klass == "cosmetic"]
        if cosmetic:
            lines.append("")
            lines.append(self._paint("cosmetic", cosmetic_summary(cosmetic)))
        if report.notes:
            lines.append("")
            lines.append("notes:")
            lines.extend(f"  - {describe_note(note)}" for note in report.notes)
        return "\n".join(lines) + "\n"

    def _finding_lines(self, finding: Finding) -> list[str]:
        label = self._paint(finding.klass, f"{finding.klass.upper():<9}")
        suppressed = " (suppressed: not part of the verdict)" if finding.suppressed else ""
        where = f"{finding.path}" if finding.path else "(whole object)"
        old = display_value(finding.old, _VALUE_LIMIT)
        new = display_value(finding.new, _VALUE_LIMIT)
        return [
            f"{label} {finding.resource}{suppressed}",
            f"{_INDENT}{where}",
            f"{_INDENT}{old} → {new}",
            f"{_INDENT}{finding.message}",
        ]

    def _paint(self, key: str, text: str) -> str:
        if not self.color:
            return text
        return f"{_COLOURS.get(key, '')}{text}{_RESET}"


def cosmetic_summary(findings: list[Finding]) -> str:
    """One line for the cosmetic findings: how many, what about (most frequent first)."""
    topics = Counter(cosmetic_topic(finding) for finding in findings)
    about = ", ".join(topic for topic, _ in topics.most_common())
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} cosmetic {noun} ({about}) hidden; --format json lists them"


def cosmetic_topic(finding: Finding) -> str:
    for pattern, topic in _COSMETIC_TOPICS:
        if pattern.search(finding.path):
            return topic
    match = _LAST_FIELD.search(finding.path)
    return match.group(1) if match else "whole objects"
