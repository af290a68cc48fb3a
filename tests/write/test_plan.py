"""Write planning: the patch, merging two releases' edits, refusing unsafe targets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from appt2dispatch.errors import WriteError
from appt2dispatch.models import OutputFile
from appt2dispatch.write.plan import (
    check_targets,
    merge_planned,
    unified_diff,
    with_kustomization_entry,
)

KUSTOMIZATION = "resources:\n  - ./helmrelease.yaml\n"


def git_apply(root: Path, patch: str) -> None:
    (root.parent / "change.patch").write_text(patch)
    subprocess.run(
        ["git", "apply", str(root.parent / "change.patch")],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_patch_applies_with_git_including_missing_final_newlines(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.yaml").write_text("a: 1\nb: 2")  # no newline at the end
    files = [
        OutputFile(root / "a.yaml", "a: 1\nb: 3\n", "a: 1\nb: 2"),
        OutputFile(root / "sub" / "new.yaml", "n: 1"),
        OutputFile(root / "same.yaml", "x\n", "x\n"),
    ]
    patch = unified_diff(root, files)
    assert "\\ No newline at end of file\n" in patch
    assert "same.yaml" not in patch
    git_apply(root, patch)
    assert (root / "a.yaml").read_text() == "a: 1\nb: 3\n"
    assert (root / "sub" / "new.yaml").read_text() == "n: 1"


def test_new_file_is_listed_in_the_release_kustomization(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(KUSTOMIZATION)
    release = tmp_path / "helmrelease.yaml"
    files = with_kustomization_entry(release, [OutputFile(tmp_path / "ocirepository.yaml", "x")])
    assert files[-1] == OutputFile(
        tmp_path / "kustomization.yaml",
        KUSTOMIZATION + "  - ./ocirepository.yaml\n",
        KUSTOMIZATION,
    )


def test_without_a_kustomization_nothing_is_added(tmp_path: Path) -> None:
    files = [OutputFile(tmp_path / "ocirepository.yaml", "x")]
    assert with_kustomization_entry(tmp_path / "helmrelease.yaml", files) == files


def test_two_releases_adding_to_one_kustomization_combine(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    first = OutputFile(path, KUSTOMIZATION + "  - ./a.yaml\n", KUSTOMIZATION)
    second = OutputFile(path, KUSTOMIZATION + "  - ./b.yaml\n", KUSTOMIZATION)
    merged = merge_planned(merge_planned({}, [first]), [second])
    assert merged[path].content == KUSTOMIZATION + "  - ./a.yaml\n  - ./b.yaml\n"
    assert merged[path].original == KUSTOMIZATION


def test_two_releases_changing_one_file_differently_conflict(tmp_path: Path) -> None:
    path = tmp_path / "helmrelease.yaml"
    planned = merge_planned({}, [OutputFile(path, "a\n", "o\n")])
    assert merge_planned(planned, [OutputFile(path, "a\n", "o\n")])[path].content == "a\n"
    with pytest.raises(WriteError, match="another dispatch release"):
        merge_planned(planned, [OutputFile(path, "b\n", "o\n")])


def test_targets_outside_or_through_symlinks_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "apps").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "apps" / "file.yaml").write_text("x")
    (root / "apps" / "alias.yaml").symlink_to("file.yaml")
    check_targets(root, [OutputFile(root / "apps" / "file.yaml", "y", "x")])
    check_targets(root, [OutputFile(root / "apps" / "new.yaml", "y")])
    for target, message in [
        (root / "link" / "x.yaml", "outside the tree"),
        (tmp_path / "elsewhere.yaml", "outside the tree"),
        (root / "apps" / "alias.yaml", "symlink"),
        (root / "apps" / "file.yaml", "already there"),
    ]:
        with pytest.raises(WriteError, match=message):
            check_targets(root, [OutputFile(target, "y")])
