"""The machine-readable report; docs/report-format.md and report.schema.json describe it.

Stable: keys are only added, never renamed or removed, and `format_version`
changes when a consumer would have to.
"""

from __future__ import annotations

import json
from typing import Any

from appt2dispatch.compare import order_findings
from appt2dispatch.models import Finding, Report
from appt2dispatch.report.base import Reporter, count_classes

FORMAT_VERSION = 1


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: Report) -> str:
        return json.dumps(report_document(report), indent=2, ensure_ascii=False, default=str) + "\n"


def report_document(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (not masked: JsonReporter.format masks first)."""
    return {
        "format_version": FORMAT_VERSION,
        "source": report.source,
        "verdict": report.verdict,
        "summary": count_classes(report.findings),
        "findings": [_finding_document(finding) for finding in order_findings(report.findings)],
        "renderers": _renderers(report),
        "caveats": list(report.caveats),
        "values": dict(report.values),
        "notes": [
            {
                "level": note.level,
                "message": note.message,
                "location": str(note.location) if note.location is not None else None,
            }
            for note in report.notes
        ],
        "ocirepository_change": report.ocirepository_change,
        "helmrelease_change": report.helmrelease_change,
    }


def _renderers(report: Report) -> dict[str, Any]:
    renderers: dict[str, Any] = {
        "old": report.renderers.get("old", ""),
        "new": report.renderers.get("new", ""),
    }
    if report.artifact is not None:
        renderers["new_chart"] = report.artifact.as_json()
    return renderers


def _finding_document(finding: Finding) -> dict[str, Any]:
    document: dict[str, Any] = {
        "class": finding.klass,
        "resource": finding.resource,
        "path": finding.path,
        "old": finding.old,
        "new": finding.new,
        "message": finding.message,
    }
    if finding.suppressed:
        document["suppressed"] = True  # only when true: older consumers see no change
    return document
