"""The tree lock: one writer at a time, no stale lock, no race with its own removal."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from appt2dispatch.errors import WriteError
from appt2dispatch.write import lock as lock_module
from appt2dispatch.write import tree_lock


def test_a_lock_file_replaced_while_waiting_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run A removes the lock file on release just as run B, which had opened it, locks
    it: B holds a lock on a file that no longer names the lock, and must refuse."""
    real_flock = fcntl.flock
    lock_path = tmp_path / lock_module.LOCK_NAME

    def flock_after_the_file_changed(fd: int, operation: int) -> None:
        lock_path.unlink()
        lock_path.write_text("another run's lock\n")
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock_after_the_file_changed)
    with pytest.raises(WriteError, match="another appt2dispatch run"), tree_lock(tmp_path):
        pass  # pragma: no cover - never entered
    assert lock_path.read_text() == "another run's lock\n"  # the other run's file is kept


def test_dry_run_lock_on_a_read_only_tree_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", read_only)
    with tree_lock(tmp_path, required=False) as locked:
        assert locked is False
    with pytest.raises(WriteError, match="cannot create lock file"), tree_lock(tmp_path):
        pass  # pragma: no cover - never entered
