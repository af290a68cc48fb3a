"""`migrate`: find dispatch releases in a GitOps tree, prove each, then write all or nothing.

A `--write` run holds the tree's lock, rolls back a write an earlier run was
killed in the middle of, then plans every release (loaded with the tree as
context, both sides rendered and compared, the file edits worked out) and writes
only when every release is proven. A dry run writes nothing; it locks and rolls
back too only when a killed run left its journal or lock behind.

Postbuild variables: the proof runs on substituted values, but the human's file
keeps `${VAR}`: see `write.variables`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from appt2dispatch.errors import Appt2DispatchError, WriteError
from appt2dispatch.models import HelmRelease, OutputFile, YamlDocument
from appt2dispatch.pipeline import DiffOutcome, OldSideOptions, TranslateOptions


@dataclass(frozen=True)
class ReleasePlan:
    """One release: its proof (or why there is none) and the files it would change."""

    path: Path
    name: str
    outcome: DiffOutcome | None
    error: Appt2DispatchError | None
    files: tuple[OutputFile, ...]

    @property
    def verdict(self) -> str:
        if self.error is not None or self.outcome is None:
            return "error"
        return self.outcome.report.verdict


@dataclass(frozen=True)
class MigrationPlan:
    root: Path
    releases: tuple[ReleasePlan, ...]
    migrated: tuple[Path, ...]  # releases already on the dispatch chart
    notes: tuple[str, ...]

    @property
    def files(self) -> list[OutputFile]:
        return [file for release in self.releases for file in release.files]


@dataclass(frozen=True)
class MigrationResult:
    """What a run did: `written` files, or `refused` (why not), or `write_error`."""

    plan: MigrationPlan
    write: bool
    written: tuple[Path, ...] = ()
    refused: str | None = None
    write_error: WriteError | None = None
    recovered: bool = False


@dataclass(frozen=True)
class _Context:
    index: Any  # load.tree.TreeIndex
    namespace: str | None
    old_options: OldSideOptions
    translate_options: TranslateOptions
    suppress: tuple[str, ...] = ()


def migrate_tree(
    root: Path,
    *,
    write: bool,
    accept_behavior_change: bool = False,
    namespace: str | None = None,
    old_options: OldSideOptions | None = None,
    translate_options: TranslateOptions | None = None,
    only: tuple[Path, ...] = (),
    suppress: tuple[str, ...] = (),
) -> MigrationResult:
    """Plan the migration of `root` and, with `write`, apply it (all files or none).

    `only`: consider just the releases in these files (a pull request's changes).
    """
    from appt2dispatch.write import recover_interrupted_write, tree_lock, write_all_or_nothing
    from appt2dispatch.write.lock import journal_path

    # A plain dry run touches nothing, not even a lock file. One that finds the
    # journal a killed run left (outside the tree: see write.lock) locks first:
    # the writer may still be running.
    needs_lock = write or journal_path(root).exists()
    lock = tree_lock(root, required=write) if needs_lock else contextlib.nullcontext(False)
    with lock as locked:
        recovered = locked and recover_interrupted_write(root)
        plan = plan_migration(
            root,
            namespace=namespace,
            old_options=old_options or OldSideOptions(),
            translate_options=translate_options or TranslateOptions(),
            only=only,
            suppress=suppress,
        )
        if not write:
            return MigrationResult(plan, write, recovered=recovered)
        refused = _refusal(plan, accept_behavior_change)
        if refused is not None:
            return MigrationResult(plan, write, refused=refused, recovered=recovered)
        try:
            written = write_all_or_nothing(plan.files, root=root, locked=True)
        except WriteError as exc:
            return MigrationResult(plan, write, write_error=exc, recovered=recovered)
    return MigrationResult(plan, write, tuple(written), recovered=recovered)


def plan_migration(
    root: Path,
    *,
    namespace: str | None,
    old_options: OldSideOptions,
    translate_options: TranslateOptions,
    only: tuple[Path, ...] = (),
    suppress: tuple[str, ...] = (),
) -> MigrationPlan:
    """Discover, translate and prove every dispatch release under `root`; write nothing.

    With `only`, releases in other files are left out (the tree is still read
    whole: it supplies Kustomizations, OCIRepositories and Secrets). Files that
    cannot hold a dispatch release are never parsed, so a broken one is not noted.
    """
    from appt2dispatch.load.tree import discover_releases
    from appt2dispatch.write.plan import merge_planned, show_once

    index = discover_releases(root)
    context = _Context(index, namespace, old_options, translate_options, suppress)
    notes = [f"skipped {error}" for error in index.read_errors]
    notes.extend(f"{note.location}: {note.message}" for note in index.notes)
    releases: list[ReleasePlan] = []
    migrated: list[Path] = []
    planned: dict[Path, OutputFile] = {}
    wanted = {path.resolve() for path in only}
    for key in _dispatch_candidates(index, translate_options.chart_repo):
        path = index.path_of(key)
        if wanted and path.resolve() not in wanted:
            continue
        error = index.parse_error(key)
        if error is not None:
            # A file that cannot be parsed may be the very release a pull request broke:
            # passing it over would let the gate pass.
            releases.append(ReleasePlan(path, path.name, None, error, ()))
            continue
        for entry in index.helmreleases_in([key]):
            if not _may_be_dispatch(index, entry, translate_options.chart_repo):
                continue
            name = entry.name or entry.path.name
            try:
                release = _load(context, entry)
                chart = _chart_of(index, entry, release, translate_options.chart_repo)
                if chart == "dispatch":
                    migrated.append(entry.path)
                    continue
                if chart != "app-template":
                    notes.append(
                        f"{entry.summary.location}: {name} runs dispatch on {chart}: skipped"
                    )
                    continue
                outcome, files = _plan_release(context, entry, release, planned)
                planned = merge_planned(planned, files)
                named = f"{release.namespace}/{release.name}"
                releases.append(ReleasePlan(entry.path, named, outcome, None, tuple(files)))
            except Appt2DispatchError as exc:
                releases.append(ReleasePlan(entry.path, name, None, exc, ()))
    if not releases and not migrated:
        notes.append(f"no dispatch HelmRelease on app-template found under {root}")
    shown = show_once([release.files for release in releases], planned)
    releases = [
        replace(release, files=files) for release, files in zip(releases, shown, strict=True)
    ]
    return MigrationPlan(root, tuple(releases), tuple(migrated), tuple(notes))


def _dispatch_candidates(index: Any, chart_repo: str | None) -> list[str]:
    """Files that may hold a dispatch HelmRelease, by a substring scan (`_may_be_dispatch`
    decides on the parsed data): only these are parsed, so the cost follows the dispatch
    releases, not the size of the tree. A dispatch release names its image
    (`dispatch`, `mission-control`), or its chartRef names an OCIRepository of
    dispatch's chart, or a `${VAR}` may."""
    from appt2dispatch.translate.chart import CHART_URL

    urls = tuple(dict.fromkeys(url.rstrip("/") for url in (CHART_URL, chart_repo) if url))
    names = [
        name
        for key in index.candidate_files("OCIRepository", any_of=urls)
        for doc in index.documents_in(key)
        if doc.kind == "OCIRepository"
        and isinstance(name := doc.name, str)
        and _chart_from_url(doc.data, chart_repo) == "dispatch"
    ]
    needles = ("dispatch", "mission-control", "${", *names)
    return list(index.candidate_files("HelmRelease", any_of=needles))


def exit_code_for_result(result: MigrationResult) -> int:
    """As `diff`: 0 all proven, 1 a behaviour change or blocker, 2 a release could not be
    planned or the write failed."""
    verdicts = {release.verdict for release in result.plan.releases}
    if "error" in verdicts or result.write_error is not None:
        return 2
    return 1 if verdicts - {"no-behavior-change"} else 0


def format_result(result: MigrationResult, output_format: str) -> str:
    """The run's report in `output_format` (text, markdown, json): `write.preview`."""
    from appt2dispatch.write.preview import format_migration

    return format_migration(result, output_format)


def _refusal(plan: MigrationPlan, accept_behavior_change: bool) -> str | None:
    for release in plan.releases:
        verdict = release.verdict
        if verdict == "no-behavior-change" or (
            verdict == "behavior-change" and accept_behavior_change
        ):
            continue
        hint = " (--accept-behavior-change writes anyway)" if verdict == "behavior-change" else ""
        return f"nothing written: {release.path} ({release.name}) is {verdict}{hint}"
    return None


def _may_be_dispatch(index: Any, entry: Any, chart_repo: str | None) -> bool:
    """Cheap pre-filter on plain data: a dispatch image, or a chart that may be dispatch's."""
    if entry.looks_like_dispatch:
        return True
    ref = entry.chart_ref or {}
    if "${" in str(ref.get("name", "")):
        return True
    found = index.ocirepository_summary_for(entry.summary)
    return found is not None and _chart_from_url(found.data, chart_repo) == "dispatch"


def _load(context: _Context, entry: Any, substitutions: Mapping[str, str] | None = None) -> Any:
    from appt2dispatch.load.tree import load_release_from_tree

    return load_release_from_tree(context.index, entry, context.namespace, substitutions)


def _chart_of(index: Any, entry: Any, release: HelmRelease, chart_repo: str | None) -> str:
    """Which chart the release runs: "app-template", "dispatch" (the published chart or
    --chart-repo), or a description."""
    oci = _ocirepository(index, entry, release)
    if oci is not None:
        return _chart_from_url(oci.data, chart_repo)
    spec = release.document.data.get("spec") or {}
    chart = (spec.get("chart") or {}).get("spec") or {}
    if chart.get("chart") in ("app-template", "dispatch"):
        return str(chart["chart"])
    if "controllers" in release.values:
        return "app-template"
    return "an unknown chart (no OCIRepository found, values not app-template's)"


def _chart_from_url(data: Mapping[str, Any], chart_repo: str | None) -> str:
    from appt2dispatch.translate.chart import CHART_URL

    url = str((data.get("spec") or {}).get("url", "")).rstrip("/")
    if url in {CHART_URL, (chart_repo or CHART_URL).rstrip("/")}:
        return "dispatch"
    if url.rsplit("/", 1)[-1] == "app-template":
        return "app-template"
    return f"the chart at {url or '(no url)'}"


def _ocirepository(index: Any, entry: Any, release: HelmRelease) -> YamlDocument | None:
    from appt2dispatch.load import release_ocirepository

    found: YamlDocument | None = index.ocirepository_for(entry)
    return found or release_ocirepository(release)


def _plan_release(
    context: _Context, entry: Any, release: HelmRelease, planned: Mapping[Path, OutputFile]
) -> tuple[DiffOutcome, list[OutputFile]]:
    from appt2dispatch.pipeline import diff
    from appt2dispatch.write.plan import (
        check_targets,
        is_shared,
        rename_colliding,
        with_kustomization_entry,
    )

    oci = _ocirepository(context.index, entry, release)
    index = context.index
    shared = is_shared(release, oci, users=lambda: len(index.users_of(oci)) if oci else 0)
    outcome = diff(
        release,
        context.old_options,
        context.translate_options,
        ocirepository=oci,
        shared_ocirepository=shared,
        suppress=context.suppress,
    )
    files = list(outcome.files)
    if release.substitutions or "${" in str(entry.summary.data):
        files = _keep_variables(context, entry, release, outcome, oci, shared)
    files = rename_colliding(planned, files, release.name)
    files = with_kustomization_entry(release.path, files)
    check_targets(context.index.root, files)
    return outcome, files


def _keep_variables(
    context: _Context,
    entry: Any,
    release: HelmRelease,
    outcome: DiffOutcome,
    oci: YamlDocument | None,
    shared: bool,
) -> list[OutputFile]:
    """The release's files with `${VAR}` kept where the human wrote it (module doc)."""
    from appt2dispatch import pipeline

    return pipeline.keep_postbuild_variables(
        release,
        outcome.translation,
        outcome.files,
        reload=lambda substitutions: _load(context, entry, substitutions),
        files_of=lambda stand_in, translation: pipeline.output_files(
            stand_in, translation, ocirepository=oci, shared_ocirepository=shared
        ),
        old_options=context.old_options,
        translate_options=context.translate_options,
    )
