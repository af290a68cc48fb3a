"""report: findings -> Report -> text, markdown or JSON; the exit code.

Every reporter masks credentials before rendering (appt2dispatch.masking), so
no format can print a token, whichever way the Report was built.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from appt2dispatch.compare import decide_verdict, order_findings
from appt2dispatch.errors import InputError
from appt2dispatch.models import (
    ChartArtifact,
    Finding,
    Note,
    OutputFile,
    Report,
    Side,
    Translation,
    Verdict,
)
from appt2dispatch.report.base import MAX_COMMENT_CHARS, Reporter


def _text() -> type[Reporter]:
    from appt2dispatch.report.text import TextReporter

    return TextReporter


def _markdown() -> type[Reporter]:
    from appt2dispatch.report.markdown import MarkdownReporter

    return MarkdownReporter


def _json() -> type[Reporter]:
    from appt2dispatch.report.json import JsonReporter

    return JsonReporter


class _Reporters(Mapping[str, type[Reporter]]):
    """Format name -> Reporter class; a format's module is imported when it is looked up,
    as a run prints one format (markdown's pulls in `html`)."""

    _loaders: Mapping[str, Callable[[], type[Reporter]]] = {
        "text": _text,
        "markdown": _markdown,
        "json": _json,
    }

    def __getitem__(self, name: str) -> type[Reporter]:
        return self._loaders[name]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


REPORTERS: Mapping[str, type[Reporter]] = _Reporters()
EXIT_CODES: Mapping[Verdict, int] = {
    "no-behavior-change": 0,
    "behavior-change": 1,
    "blocked": 1,
    "already-migrated": 0,
}

__all__ = [
    "EXIT_CODES",
    "MAX_COMMENT_CHARS",
    "REPORTERS",
    "Reporter",
    "already_migrated_report",
    "build_report",
    "exit_code_for",
    "format_report",
]


def build_report(
    findings: Iterable[Finding],
    *,
    renderers: Mapping[Side, str],
    translation: Translation | None,
    notes: Iterable[Note | str] = (),
    source: str = "",
    files: Iterable[OutputFile] = (),
    suppress: Iterable[str] = (),
    artifact: ChartArtifact | None = None,
    caveats: Iterable[str] = (),
) -> Report:
    """Assemble the Report: verdict from the findings, values and notes from the translation.

    `notes` may be Note objects or plain strings (Rendered.notes); `files` are the
    files the translation would write, from which the OCIRepository change is shown;
    `suppress` patterns mark accepted behaviour findings (`suppress_findings`);
    `artifact` is the chart that rendered the new side (an unverified one adds a caveat);
    `caveats` are assumptions the verdict rests on, printed on every format's verdict line.
    """
    ordered = tuple(order_findings(suppress_findings(tuple(findings), tuple(suppress))))
    all_notes = [*(translation.notes if translation is not None else ())]
    all_notes.extend(note if isinstance(note, Note) else Note(str(note)) for note in notes)
    return Report(
        verdict=decide_verdict(ordered),
        findings=ordered,
        renderers=dict(renderers),
        values=dict(translation.values) if translation is not None else {},
        notes=tuple(all_notes),
        values_yaml=translation.values_yaml if translation is not None else "",
        ocirepository_change=ocirepository_change(files),
        source=source,
        artifact=artifact,
        helmrelease_change=file_change(files, "HelmRelease"),
        caveats=(*_artifact_caveats(artifact), *caveats),
    )


def _artifact_caveats(artifact: ChartArtifact | None) -> tuple[str, ...]:
    if artifact is None or artifact.verified:
        return ()
    return (f"the chart Flux pulls ({artifact.reference}) was not verified: {artifact.source}",)


def already_migrated_report(source: str, chart: str) -> Report:
    """The report for a release that already runs the dispatch chart: nothing to compare."""
    return Report(
        verdict="already-migrated",
        findings=(),
        renderers={"old": "", "new": ""},
        values={},
        notes=(
            Note(
                f"the release already runs the dispatch chart ({chart}): nothing to migrate; "
                "compare chart versions with `appt2dispatch render --side new` instead"
            ),
        ),
        source=source,
    )


def suppress_findings(findings: tuple[Finding, ...], patterns: tuple[str, ...]) -> list[Finding]:
    """Mark the behaviour findings a pattern matches as suppressed.

    A pattern matches `RESOURCE PATH`, the path alone or the resource alone; `*` stands
    for any text and `?` for one character, everything else is literal (so finding
    paths paste as they are: `*containers[app].image`). Suppressed findings stay in
    every report but no longer decide the verdict. Blockers are never suppressed:
    Helm would still refuse the upgrade.
    """
    import re

    compiled = [
        re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), re.DOTALL)
        for pattern in patterns
    ]

    def matches(finding: Finding) -> bool:
        subjects = (f"{finding.resource} {finding.path}", finding.path, finding.resource)
        return any(regex.fullmatch(subject) for regex in compiled for subject in subjects)

    return [
        replace(finding, suppressed=True)
        if finding.klass == "behavior" and compiled and matches(finding)
        else finding
        for finding in findings
    ]


def exit_code_for(verdict: Verdict) -> int:
    """0: no behaviour change; 1: behaviour change or blocker."""
    return EXIT_CODES[verdict]


def format_report(
    report: Report,
    output_format: str,
    *,
    color: bool = False,
    full_report_name: str | None = None,
) -> str:
    """`report` in `output_format` (text, markdown, json), credentials masked."""
    reporter_class = REPORTERS.get(output_format)
    if reporter_class is None:
        known = ", ".join(sorted(REPORTERS))
        raise InputError(f"unknown report format {output_format!r} (known: {known})")
    return reporter_class(color=color, full_report_name=full_report_name).format(report)


def ocirepository_change(files: Iterable[OutputFile]) -> str:
    """A unified diff of every OCIRepository file the translation writes (new files in full)."""
    return file_change(files, "OCIRepository")


def file_change(files: Iterable[OutputFile], kind: str) -> str:
    """A unified diff of every written file whose top-level `kind` is `kind` (a HelmRelease's
    `chartRef.kind: OCIRepository` is indented, so it does not count)."""
    top_level = re.compile(rf"^kind:[ \t]*[\"']?{kind}[\"']?[ \t]*(#.*)?$", re.MULTILINE)
    parts: list[str] = []
    for file in files:
        if not top_level.search(file.content):
            continue
        name = _display_path(file.path)
        before = (file.original or "").splitlines(keepends=True)
        after = file.content.splitlines(keepends=True)
        from_name = name if file.original is not None else "/dev/null"
        diff = difflib.unified_diff(before, after, fromfile=from_name, tofile=name)
        parts.append("".join(line if line.endswith("\n") else line + "\n" for line in diff))
    return "".join(parts)


def _display_path(path: Path) -> str:
    """Relative to the working directory when inside it (as a reviewer's checkout sees it)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
