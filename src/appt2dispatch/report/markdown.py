"""A pull-request comment: verdict line first, findings table, collapsible details.

GitHub refuses comments over 65,536 characters; the comment is capped at
60,000 and then says what was left out and where the full JSON report is.
"""

from __future__ import annotations

import html

from appt2dispatch.compare import order_findings
from appt2dispatch.models import Finding, Report
from appt2dispatch.report.base import (
    MAX_COMMENT_CHARS,
    VERDICT_TITLES,
    Reporter,
    describe_note,
    display_value,
    summary_line,
)

_CELL_LIMIT = 300
_VERDICT_ICONS = {
    "no-behavior-change": "✅",
    "behavior-change": "⚠️",
    "blocked": "⛔",
    "already-migrated": "✅",
}
_CLASS_ICONS = {"blocker": "⛔", "behavior": "⚠️", "expected": "✅", "cosmetic": "·"}
_TABLE_HEADER = "| Class | Resource | Path | Old → New | Why |\n|---|---|---|---|---|\n"


class MarkdownReporter(Reporter):
    name = "markdown"

    def render(self, report: Report) -> str:
        findings = order_findings(report.findings)
        main = [finding for finding in findings if finding.klass != "cosmetic"]
        cosmetic = [finding for finding in findings if finding.klass == "cosmetic"]
        # Room for the longest notice, so adding it never breaks the cap.
        comment = _Comment(MAX_COMMENT_CHARS - len(self._notice(report, 10**6, 10)) - 1)
        comment.add(self._header(report))
        comment.add_table("", main, "_No behavior change, blocker or expected change._\n\n")
        if cosmetic:
            comment.add_table(
                f"<details><summary>Cosmetic differences ({len(cosmetic)})</summary>\n\n",
                cosmetic,
                "",
                closing="\n</details>\n\n",
            )
        if report.values_yaml or report.values:
            comment.add(_details("Translated values", _fenced(_values_text(report), "yaml")))
        if report.ocirepository_change:
            comment.add(
                _details("OCIRepository change", _fenced(report.ocirepository_change, "diff"))
            )
        if report.helmrelease_change:
            comment.add(_details("HelmRelease change", _fenced(report.helmrelease_change, "diff")))
        if report.notes:
            notes = "".join(f"- {_escape_inline(describe_note(note))}\n" for note in report.notes)
            comment.add(_details(f"Notes ({len(report.notes)})", notes + "\n"))
        text = comment.text()
        if comment.findings_left or comment.sections_left:
            text += "\n" + self._notice(report, comment.findings_left, comment.sections_left)
        return text

    def _header(self, report: Report) -> str:
        icon = _VERDICT_ICONS[report.verdict]
        title = VERDICT_TITLES[report.verdict]
        source = f" — `{_escape_code(report.source)}`" if report.source else ""
        renderers = (
            f"old: `{_escape_code(str(report.renderers.get('old', '?')))}` · "
            f"new: `{_escape_code(str(report.renderers.get('new', '?')))}`"
        )
        caveats = "".join(f"; **ASSUMED:** {_escape_inline(caveat)}" for caveat in report.caveats)
        return (
            f"{icon} **appt2dispatch: {title}**{source}{caveats}\n\n"
            f"{summary_line(report.findings)} · {renderers}\n\n"
        )

    def _notice(self, report: Report, findings_left: int, sections_left: int) -> str:
        where = (
            f"`{_escape_code(self.full_report_name)}`"
            if self.full_report_name
            else f"`appt2dispatch diff {_escape_code(report.source or 'HELMRELEASE')} "
            "--format json`"
        )
        left = [
            f"{count} {noun}{'' if count == 1 else 's'}"
            for count, noun in ((findings_left, "finding"), (sections_left, "section"))
            if count
        ]
        return (
            f"> [!NOTE]\n> This comment is capped at {MAX_COMMENT_CHARS:,} characters: "
            f"{' and '.join(left)} not shown. The full JSON report: {where}\n"
        )


class _Comment:
    """Text assembled up to a budget; what does not fit is counted, never cut mid-block."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.parts: list[str] = []
        self.size = 0
        self.findings_left = 0
        self.sections_left = 0

    def add(self, block: str, *, finding: bool = False) -> bool:
        if self.size + len(block) > self.budget:
            if finding:
                self.findings_left += 1
            else:
                self.sections_left += 1
            return False
        self.parts.append(block)
        self.size += len(block)
        return True

    def add_table(
        self, opening: str, findings: list[Finding], empty: str, closing: str = "\n"
    ) -> None:
        if not findings:
            if empty:
                self.add(empty)
            return
        rows = [_row(finding) for finding in findings]
        fixed = len(opening) + len(_TABLE_HEADER) + len(closing)
        if self.size + fixed + len(rows[0]) > self.budget:
            self.findings_left += len(rows)
            return
        self.add(opening + _TABLE_HEADER)
        self.budget -= len(closing)
        for row in rows:
            self.add(row, finding=True)
        self.budget += len(closing)
        self.add(closing)

    def text(self) -> str:
        return "".join(self.parts)


def _row(finding: Finding) -> str:
    change = f"{_code(display_value(finding.old))} → {_code(display_value(finding.new))}"
    path = _code(finding.path) if finding.path else "(whole object)"
    cells = [
        f"{_CLASS_ICONS[finding.klass]} {finding.klass}"
        + (" (suppressed)" if finding.suppressed else ""),
        _code(finding.resource),
        path,
        change,
        _escape_inline(finding.message),
    ]
    return "| " + " | ".join(cells) + " |\n"


def _code(text: str) -> str:
    """A code span that survives a table cell (pipes escaped, backticks fenced around)."""
    if len(text) > _CELL_LIMIT:
        text = text[: _CELL_LIMIT - 1] + "…"
    text = text.replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape_inline(text: str) -> str:
    """Prose in a table cell or list item: no raw HTML, no cell breaks."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", "<br>")


def _escape_code(text: str) -> str:
    return text.replace("`", "'")


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>\n\n{body}</details>\n\n"


def _fenced(text: str, language: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    body = text if text.endswith("\n") else text + "\n"
    return f"{fence}{language}\n{body}{fence}\n\n"


def _values_text(report: Report) -> str:
    if report.values_yaml:
        return report.values_yaml
    import json

    return json.dumps(report.values, indent=2, ensure_ascii=False, default=str)
