"""What a migration run found and would write (or wrote), for people and for tools.

Text and markdown: per release a heading, its diff report and the patch of its
files, then notes and a one-line summary. JSON: see `format_migration`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appt2dispatch.models import OutputFile

if TYPE_CHECKING:
    from appt2dispatch.migrate import MigrationPlan, MigrationResult

VERDICTS = ("no-behavior-change", "behavior-change", "blocked", "error")


def format_migration(result: MigrationResult, output_format: str) -> str:
    """The run's report: per release a heading, its diff report and the patch of its
    files, then notes and a one-line summary. Credentials are masked everywhere (a
    masked patch says so: it would not apply as printed).

    `json` (format_version 1; keys are only ever added) is one object:
    `root`; `mode` ("dry-run" | "write"); `releases`: list of {`path` (relative to
    root), `name` (namespace/name once loaded), `verdict` (no-behavior-change |
    behavior-change | blocked | error), `error` (message or null), `report` (the
    `diff --format json` document or null), `files`: list of {`path`, `change`
    ("modified" | "added")}, `patch` (unified diff, `git apply`-able), `patch_masked`
    (bool)}; `already_migrated`: list of paths; `summary`: {`releases`, one count per
    verdict, `already-migrated`}; `written`: list of paths; `refused` and
    `write_error` (message or null); `recovered` (an interrupted earlier write was
    rolled back); `notes`: list of strings. A file several releases change (a
    kustomization both add to) is listed once, merged, under the last of them.
    """
    import json

    from appt2dispatch.masking import mask_text
    from appt2dispatch.report import format_report

    plan = result.plan
    if output_format == "json":
        return json.dumps(_json_document(result), indent=2, ensure_ascii=False) + "\n"
    markdown = output_format == "markdown"
    parts: list[str] = []
    for release in plan.releases:
        heading = f"{_relative(plan.root, release.path)} ({release.name})"
        if release.outcome is None:
            body = f"verdict: error\nerror: {mask_text(str(release.error))}\n"
        else:
            body = format_report(release.outcome.report, output_format, color=False)
        patch, masked = _patch(plan.root, release.files)
        if masked:
            body += "\n(credentials in the patch are masked: it will not apply as printed)\n"
        if "\r" in patch:  # a terminal or a PR comment would not keep the CRs
            patch = patch.replace("\r", "")
            body += (
                "\n(the files use CRLF line endings, shown here as LF: this patch will not "
                "apply as printed; `--format json` has the exact one)\n"
            )
        if markdown:
            fenced = f"\n```diff\n{patch}```\n" if patch else ""
            parts.append(f"## {heading}\n\n{body}{fenced}")
        else:
            parts.append(f"== {heading}\n{body}\n{patch}")
    for path in plan.migrated:
        where = _relative(plan.root, path)
        done = "already migrated (runs the dispatch chart): nothing to do, nothing written"
        parts.append(f"- `{where}`: {done}\n" if markdown else f"{where}: {done}\n")
    parts.extend(f"note: {mask_text(note)}\n" for note in plan.notes)
    parts.append(_summary_line(result) + "\n")
    return "\n".join(parts)


def _summary_line(result: MigrationResult) -> str:
    counts = _counts(result.plan)
    shown = [f"{counts[verdict]} {verdict}" for verdict in VERDICTS if counts[verdict]]
    line = f"{len(result.plan.releases)} release(s)" + (": " + ", ".join(shown) if shown else "")
    if counts["already-migrated"]:
        line += f"; {counts['already-migrated']} already migrated"
    if result.write_error is not None:
        return f"{line}; nothing written: the write failed"
    if result.refused is not None:
        return f"{line}; {result.refused}"
    if not any(file.content != file.original for file in result.plan.files):
        return f"{line}; nothing to do"
    if result.write:
        return f"{line}; wrote {len(result.written)} file(s)"
    if counts["error"] or counts["blocked"]:
        return f"{line}; --write would write nothing until every release is proven"
    if counts["behavior-change"]:
        return f"{line}; run with --write --accept-behavior-change to apply"
    return f"{line}; run with --write to apply"


def _counts(plan: MigrationPlan) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for release in plan.releases:
        counts[release.verdict] += 1
    counts["already-migrated"] = len(plan.migrated)
    return counts


def _json_document(result: MigrationResult) -> dict[str, Any]:
    import json

    from appt2dispatch.masking import mask_text
    from appt2dispatch.report import format_report

    plan = result.plan
    releases = []
    for release in plan.releases:
        patch, masked = _patch(plan.root, release.files)
        report = release.outcome.report if release.outcome is not None else None
        releases.append(
            {
                "path": _relative(plan.root, release.path),
                "name": release.name,
                "verdict": release.verdict,
                "error": mask_text(str(release.error)) if release.error is not None else None,
                "report": json.loads(format_report(report, "json")) if report else None,
                "files": [
                    {
                        "path": _relative(plan.root, file.path),
                        "change": "added" if file.original is None else "modified",
                    }
                    for file in release.files
                    if file.content != file.original
                ],
                "patch": patch,
                "patch_masked": masked,
            }
        )
    failure = result.write_error
    return {
        "format_version": 1,
        "root": str(plan.root),
        "mode": "write" if result.write else "dry-run",
        "releases": releases,
        "already_migrated": [_relative(plan.root, path) for path in plan.migrated],
        "summary": {"releases": len(plan.releases), **_counts(plan)},
        "written": [_relative(plan.root, path) for path in result.written],
        "refused": result.refused,
        "write_error": mask_text(str(failure)) if failure is not None else None,
        "recovered": result.recovered,
        "notes": [mask_text(note) for note in plan.notes],
    }


def _patch(root: Path, files: tuple[OutputFile, ...]) -> tuple[str, bool]:
    from appt2dispatch.masking import mask_text
    from appt2dispatch.write.plan import unified_diff

    patch = unified_diff(root, files)
    masked = mask_text(patch)
    return masked, masked != patch


def _relative(root: Path, path: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()
