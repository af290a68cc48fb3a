"""Plain text for a terminal; ANSI colour only when asked (the CLI asks on a tty)."""

from __future__ import annotations

from appt2dispatch.models import Finding, Report
from appt2dispatch.report.base import (
    VERDICT_TITLES,
    Reporter,
    describe_note,
    display_value,
    ordered_findings,
    summary_line,
)

_COLOURS = {
    "blocker": "\033[1;31m",
    "behavior": "\033[33m",
    "expected": "\033[32m",
    "cosmetic": "\033[2m",
    "blocked": "\033[1;31m",
    "behavior-change": "\033[1;33m",
    "no-behavior-change": "\033[1;32m",
}
_RESET = "\033[0m"
_VALUE_LIMIT = 160
_INDENT = " " * 10


class TextReporter(Reporter):
    name = "text"

    def render(self, report: Report) -> str:
        lines = [
            f"appt2dispatch diff: {report.source}" if report.source else "appt2dispatch diff",
            f"verdict: {self._paint(report.verdict, VERDICT_TITLES[report.verdict])}"
            f" ({summary_line(report.findings)})",
            f"renderers: old = {report.renderers.get('old', '?')}; "
            f"new = {report.renderers.get('new', '?')}",
        ]
        for finding in ordered_findings(report.findings):
            lines.append("")
            lines.extend(self._finding_lines(finding))
        if report.notes:
            lines.append("")
            lines.append("notes:")
            lines.extend(f"  - {describe_note(note)}" for note in report.notes)
        return "\n".join(lines) + "\n"

    def _finding_lines(self, finding: Finding) -> list[str]:
        label = self._paint(finding.klass, f"{finding.klass.upper():<9}")
        where = f"{finding.path}" if finding.path else "(whole object)"
        old = display_value(finding.old, _VALUE_LIMIT)
        new = display_value(finding.new, _VALUE_LIMIT)
        return [
            f"{label} {finding.resource}",
            f"{_INDENT}{where}",
            f"{_INDENT}{old} → {new}",
            f"{_INDENT}{finding.message}",
        ]

    def _paint(self, key: str, text: str) -> str:
        if not self.color:
            return text
        return f"{_COLOURS.get(key, '')}{text}{_RESET}"
