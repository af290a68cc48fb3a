"""`migrate`: find dispatch releases in a GitOps tree, prove each, then write all or nothing."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appt2dispatch.errors import Appt2DispatchError, WriteError
from appt2dispatch.models import OutputFile, SourceLocation
from appt2dispatch.pipeline import DiffOutcome, OldSideOptions, TranslateOptions

DISPATCH_REPOSITORIES = ("ghcr.io/misospace/dispatch", "ghcr.io/misospace/mission-control")


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
        if self.error is not None:
            return "error"
        assert self.outcome is not None
        return self.outcome.report.verdict


@dataclass(frozen=True)
class MigrationPlan:
    root: Path
    releases: tuple[ReleasePlan, ...]
    notes: tuple[str, ...]


def plan_migration(
    root: Path,
    *,
    namespace: str | None,
    old_options: OldSideOptions,
    translate_options: TranslateOptions,
) -> MigrationPlan:
    """Discover, translate and prove every dispatch release under `root`; write nothing."""
    from appt2dispatch.load.tree import discover_releases, load_release_from_tree
    from appt2dispatch.pipeline import diff

    index = discover_releases(root)
    notes = [f"skipped {error}" for error in index.errors]
    plans: list[ReleasePlan] = []
    for entry in index.helmreleases:
        if not _looks_like_dispatch(entry.document.data):
            continue
        name = entry.document.name or entry.path.name
        try:
            release = load_release_from_tree(index, entry, namespace=namespace)
            oci = index.ocirepository_for(entry.document)
            shared = oci is not None and len(index.users_of(oci)) > 1
            outcome = diff(
                release,
                old_options,
                translate_options,
                ocirepository=oci,
                shared_ocirepository=shared,
            )
            files = _with_kustomization(index, entry.path, list(outcome.files))
            plans.append(ReleasePlan(entry.path, name, outcome, None, tuple(files)))
        except Appt2DispatchError as exc:
            plans.append(ReleasePlan(entry.path, name, None, exc, ()))
    if not plans:
        notes.append(f"no dispatch HelmRelease on app-template found under {root}")
    return MigrationPlan(root, tuple(plans), tuple(notes))


def apply_plan(plan: MigrationPlan, *, accept_behavior_change: bool) -> list[Path]:
    """Write every release's files, or nothing when any release is not proven safe."""
    from appt2dispatch.write import tree_lock, write_all_or_nothing

    for release in plan.releases:
        verdict = release.verdict
        if verdict == "no-behavior-change":
            continue
        if verdict == "behavior-change" and accept_behavior_change:
            continue
        hint = "" if verdict != "behavior-change" else " (--accept-behavior-change to write anyway)"
        raise WriteError(
            f"not writing anything: release {release.name!r} is {verdict}{hint}",
            SourceLocation(str(release.path)),
        )
    files = [file for release in plan.releases for file in release.files]
    _check_inside_root(plan.root, files)
    with tree_lock(plan.root):
        return write_all_or_nothing(files, journal_dir=plan.root)


def exit_code_for_plan(plan: MigrationPlan) -> int:
    """As `diff`: 0 all proven, 1 a behaviour change or blocker, 2 a release could not be read."""
    verdicts = {release.verdict for release in plan.releases}
    if "error" in verdicts:
        return 2
    if verdicts - {"no-behavior-change"}:
        return 1
    return 0


def format_plan(plan: MigrationPlan, output_format: str) -> str:
    """The dry-run report: per release its verdict, findings and the unified diff of its files."""
    from appt2dispatch.masking import mask_text
    from appt2dispatch.report import format_report

    if output_format == "json":
        return _format_plan_json(plan)
    parts: list[str] = []
    for release in plan.releases:
        heading = f"{release.path.relative_to(plan.root)} ({release.name})"
        if release.error is not None:
            parts.append(f"== {heading}\nerror: {mask_text(str(release.error))}\n")
            continue
        assert release.outcome is not None
        report = format_report(release.outcome.report, output_format, color=False)
        patch = unified_diff(plan.root, release.files)
        if output_format == "markdown":
            parts.append(f"## {heading}\n\n{report}\n\n```diff\n{patch}```\n")
        else:
            parts.append(f"== {heading}\n{report}\n{patch}")
    parts.extend(f"note: {note}\n" for note in plan.notes)
    return "\n".join(parts)


def unified_diff(root: Path, files: tuple[OutputFile, ...] | list[OutputFile]) -> str:
    """A patch `git apply` accepts, relative to `root`."""
    chunks: list[str] = []
    for file in files:
        relative = file.path.resolve().relative_to(root.resolve()).as_posix()
        before = (file.original or "").splitlines(keepends=True)
        after = file.content.splitlines(keepends=True)
        if before == after:
            continue
        old_name = f"a/{relative}" if file.original is not None else "/dev/null"
        lines = difflib.unified_diff(before, after, old_name, f"b/{relative}")
        chunks.append(f"diff --git a/{relative} b/{relative}\n")
        if file.original is None:
            chunks.append("new file mode 100644\n")
        chunks.extend(line if line.endswith("\n") else line + "\n" for line in lines)
    return "".join(chunks)


def _format_plan_json(plan: MigrationPlan) -> str:
    import json

    from appt2dispatch.report import format_report

    releases: list[dict[str, Any]] = []
    for release in plan.releases:
        entry: dict[str, Any] = {
            "path": release.path.relative_to(plan.root).as_posix(),
            "name": release.name,
            "verdict": release.verdict,
        }
        if release.error is not None:
            from appt2dispatch.masking import mask_text

            entry["error"] = mask_text(str(release.error))
        else:
            assert release.outcome is not None
            entry["report"] = json.loads(format_report(release.outcome.report, "json"))
            entry["patch"] = unified_diff(plan.root, release.files)
        releases.append(entry)
    return json.dumps({"releases": releases, "notes": list(plan.notes)}, indent=2) + "\n"


def _looks_like_dispatch(document: Any) -> bool:
    """Cheap pre-filter: some container image names a dispatch repository."""
    spec = document.get("spec") if isinstance(document, Mapping) else None
    values = spec.get("values") if isinstance(spec, Mapping) else None
    return any(
        repo in str(value)
        for value in _image_repositories(values)
        for repo in DISPATCH_REPOSITORIES
    )


def _image_repositories(values: Any) -> list[str]:
    found: list[str] = []
    if isinstance(values, Mapping):
        for key, value in values.items():
            if key == "repository" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_image_repositories(value))
    elif isinstance(values, list):
        for item in values:
            found.extend(_image_repositories(item))
    return found


def _with_kustomization(
    index: Any, release_path: Path, files: list[OutputFile]
) -> list[OutputFile]:
    """A new OCIRepository file must also be listed in the release's kustomization.yaml."""
    from appt2dispatch.write.kustomize import add_resources

    new_files = [file for file in files if file.original is None]
    if not new_files:
        return files
    kustomization_path = release_path.parent / "kustomization.yaml"
    if not kustomization_path.is_file():
        return files
    original = kustomization_path.read_text(encoding="utf-8")
    updated = add_resources(
        original,
        [f"./{file.path.relative_to(release_path.parent).as_posix()}" for file in new_files],
        source=str(kustomization_path),
    )
    return [*files, OutputFile(kustomization_path, updated, original)]


def _check_inside_root(root: Path, files: list[OutputFile]) -> None:
    resolved_root = root.resolve()
    for file in files:
        if not file.path.resolve().is_relative_to(resolved_root):
            raise WriteError("refusing to write outside the tree", SourceLocation(str(file.path)))
