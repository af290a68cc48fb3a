"""Planning a tree's writes: merge every release's files, refuse unsafe targets, show a patch.

Nothing here writes; `atomic.write_all_or_nothing` does, from what this module planned.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from appt2dispatch.errors import InputError, WriteError
from appt2dispatch.models import HelmRelease, OutputFile, SourceLocation, YamlDocument

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"


def is_shared(release: HelmRelease, oci: YamlDocument | None, *, users: Callable[[], int]) -> bool:
    """Whether the release's OCIRepository must be left alone (a new one is added).

    Dedicated only when `users()` (HelmReleases whose chartRef finds it) is at most
    this one, it is named after the release and sits in the release's directory;
    an OCIRepository elsewhere (e.g. kubernetes/components) serves other apps
    even when this tree shows one user. `users` is asked last: counting them reads
    every release that may name the repository.
    """
    from appt2dispatch.load.postbuild import substitute_name

    if oci is None:
        return True
    return (
        substitute_name(oci.name, release.substitutions) != release.name
        or oci.path.resolve().parent != release.path.resolve().parent
        or users() > 1
    )


def rename_colliding(
    planned: Mapping[Path, OutputFile], files: Sequence[OutputFile], prefix: str
) -> list[OutputFile]:
    """`files` with a new file another release already plans at the same path renamed
    to `<prefix>.<name>` (two releases in one directory both adding ocirepository.yaml)."""
    renamed: list[OutputFile] = []
    for file in files:
        path = file.path
        if file.original is None and _key(path) in planned:
            path = path.with_name(f"{prefix}.{path.name}")
            if _key(path) in planned or path.exists():
                raise WriteError("another release plans this file too", SourceLocation(str(path)))
        renamed.append(OutputFile(path, file.content, file.original))
    return renamed


def with_kustomization_entry(release_path: Path, files: Sequence[OutputFile]) -> list[OutputFile]:
    """`files`, plus the release directory's kustomization listing every new file.

    kustomize builds only what `resources` names: a new OCIRepository beside the
    release that is not listed would never reach the cluster. A directory without
    a kustomization file is applied whole by Flux, so nothing is needed there.
    """
    from appt2dispatch.load.kustomize import kustomization_file
    from appt2dispatch.write.kustomize import add_resources

    new_files = [file for file in files if file.original is None]
    found = kustomization_file(str(release_path.parent))
    if not new_files or found is None:
        return list(files)
    kustomization = Path(found)
    original = _read(kustomization)
    entries = [f"./{os.path.relpath(file.path, release_path.parent)}" for file in new_files]
    updated = add_resources(original, entries, source=str(kustomization))
    return [*files, OutputFile(kustomization, updated, original)]


def merge_planned(
    planned: Mapping[Path, OutputFile], files: Iterable[OutputFile]
) -> dict[Path, OutputFile]:
    """`planned` with one more release's `files`; WriteError when two releases disagree.

    Two releases may both list a new file in one kustomization (the edits combine);
    any other file both would change is a conflict the tool will not guess about.
    """
    from appt2dispatch.write.kustomize import add_resources

    merged = dict(planned)
    for file in files:
        key = _key(file.path)
        earlier = merged.get(key)
        if earlier is None or earlier.content == file.content:
            merged[key] = file
        elif (
            file.original is not None
            and earlier.original == file.original
            and _is_kustomization(file.path)
        ):
            added = _added_resources(file)
            content = add_resources(earlier.content, added, source=str(file.path))
            merged[key] = OutputFile(file.path, content, earlier.original)
        else:
            raise WriteError(
                "another dispatch release in the tree changes this file too; "
                "migrate them one at a time (move one out of the tree first)",
                SourceLocation(str(file.path)),
            )
    return merged


def show_once(
    files_per_release: Sequence[Sequence[OutputFile]], planned: Mapping[Path, OutputFile]
) -> list[tuple[OutputFile, ...]]:
    """Each release's files, each file only once, merged, with the last release that
    changes it: the releases' patches together then apply as one."""
    last = {
        _key(file.path): position
        for position, files in enumerate(files_per_release)
        for file in files
    }
    return [
        tuple(planned[_key(file.path)] for file in files if last[_key(file.path)] == position)
        for position, files in enumerate(files_per_release)
    ]


def check_targets(root: Path, files: Iterable[OutputFile]) -> None:
    """Refuse a target outside `root`, reached through a symlink (never write through
    one), or a new file where a file already is (an edit must name what it replaces)."""
    base, real_base = os.path.abspath(root), os.path.realpath(root)
    for file in files:
        absolute = os.path.abspath(file.path)
        real = os.path.realpath(absolute)
        where = SourceLocation(str(file.path))
        if not _inside(absolute, base) or not _inside(real, real_base):
            raise WriteError("is outside the tree; not writing there", where)
        if os.path.relpath(real, real_base) != os.path.relpath(absolute, base):
            raise WriteError("is a symlink (or under one); not writing through it", where)
        if file.original is None and os.path.lexists(absolute):
            raise WriteError("a new file would replace one already there", where)
        _check_tabs_kept(file)


def _check_tabs_kept(file: OutputFile) -> None:
    """Refuse a rewrite that would turn a tab before a comment or after a value (read,
    as YAML allows; the round-trip writer cannot reproduce it) into a space."""
    from appt2dispatch.load.yamlio import tab_lines

    if file.original is None or file.original == file.content or "\t" not in file.original:
        return
    kept = set(file.content.splitlines())
    original_lines = file.original.splitlines()
    for number in tab_lines(file.original):
        if original_lines[number - 1] not in kept:
            raise InputError(
                "a tab before a comment or after a value: the file cannot be rewritten with "
                "it kept; replace the tab with spaces and run again",
                SourceLocation(str(file.path), number),
            )


def unified_diff(root: Path, files: Iterable[OutputFile]) -> str:
    """The changes to `files` as a patch `git apply` accepts, paths relative to `root`."""
    chunks: list[str] = []
    for file in files:
        relative = Path(os.path.relpath(os.path.abspath(file.path), os.path.abspath(root)))
        name = relative.as_posix()
        before = (file.original or "").splitlines(keepends=True)
        after = file.content.splitlines(keepends=True)
        if file.original is not None and before == after:
            continue
        old_name = f"a/{name}" if file.original is not None else "/dev/null"
        chunks.append(f"diff --git a/{name} b/{name}\n")
        if file.original is None:
            chunks.append("new file mode 100644\n")
        for line in difflib.unified_diff(before, after, old_name, f"b/{name}"):
            chunks.append(line if line.endswith("\n") else line + "\n" + NO_NEWLINE_MARKER)
    return "".join(chunks)


def _added_resources(file: OutputFile) -> list[str]:
    """Resource entries `file` (an edited kustomization) lists that its original does not."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    before = (yaml.load(file.original or "") or {}).get("resources") or []
    after = (yaml.load(file.content) or {}).get("resources") or []
    return [str(entry) for entry in after if entry not in before]


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _is_kustomization(path: Path) -> bool:
    from appt2dispatch.load.kustomize import KUSTOMIZATION_FILES

    return path.name in KUSTOMIZATION_FILES


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")  # exact: CRLF stays CRLF
    except (OSError, UnicodeDecodeError) as exc:
        raise WriteError(f"cannot read: {exc}", SourceLocation(str(path))) from exc


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
