"""The repository lock: one writer per repository, no stale lock, nothing in the work tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appt2dispatch.errors import WriteError
from appt2dispatch.write import tree_lock
from appt2dispatch.write.lock import journal_path, repository_root, state_dir


def test_dry_run_lock_on_a_read_only_cache_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", read_only)
    with tree_lock(tmp_path, required=False) as locked:
        assert locked is False
    with pytest.raises(WriteError, match="cannot create lock file"), tree_lock(tmp_path):
        pass  # pragma: no cover - never entered


def test_lock_and_journal_live_outside_the_work_tree(
    tmp_path: Path, private_state_dir: Path
) -> None:
    """Issue 12 item 3: a repository can neither plant nor lose them."""
    tree = tmp_path / "repo"
    tree.mkdir()
    with tree_lock(tree):
        assert list(tree.iterdir()) == []
    assert state_dir(tree).is_relative_to(private_state_dir)
    assert not journal_path(tree).is_relative_to(tree)


def test_a_run_on_a_subdirectory_takes_the_repository_lock(tmp_path: Path) -> None:
    """Issue 12 item 4: runs on `.` and on a subdirectory exclude each other."""
    repo = tmp_path / "home-ops"
    (repo / ".git").mkdir(parents=True)
    sub = repo / "kubernetes" / "apps"
    sub.mkdir(parents=True)
    assert repository_root(sub) == repo.resolve()
    assert state_dir(sub) == state_dir(repo)
    with (
        tree_lock(repo),
        pytest.raises(WriteError, match="another appt2dispatch run"),
        tree_lock(sub),
    ):
        pass  # pragma: no cover - never entered
    with tree_lock(sub):
        pass  # released: can be taken again


def test_a_symlinked_path_to_the_same_repository_shares_its_lock(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    link = tmp_path / "alias"
    link.symlink_to(repo)
    assert state_dir(link) == state_dir(repo)
