"""Write a set of files so that either all of them change or none does.

Sequence: check every target, stage each new content in a temporary file in
the target's own directory (same filesystem, so rename is atomic), keep a hard
link to every original, record the plan in a journal, then rename. Any error
rolls back from the hard links. A process killed mid-rename leaves the journal
behind; the next write in the same tree rolls it back first.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from appt2dispatch.errors import WriteError
from appt2dispatch.models import OutputFile, SourceLocation

JOURNAL_NAME = ".appt2dispatch-journal.json"
_STAGE_PREFIX = ".appt2dispatch-stage-"
_BACKUP_SUFFIX = ".appt2dispatch-backup"


@dataclass(frozen=True)
class _Step:
    target: Path
    staged: Path
    backup: Path | None


def write_all_or_nothing(files: Sequence[OutputFile], *, journal_dir: Path) -> list[Path]:
    """Write `files`; returns the paths that changed. Raises WriteError, changing nothing.

    An OutputFile whose `original` is set must still have exactly that content
    on disk (someone may have edited it since it was read); a file whose new
    content equals what is on disk is skipped.
    """
    recover_interrupted_write(journal_dir)
    pending = [file for file in files if _needs_write(file)]
    for file in pending:
        _check_writable(file)
    steps: list[_Step] = []
    try:
        for file in pending:
            steps.append(_stage(file))
        journal = journal_dir / JOURNAL_NAME
        _write_journal(journal, steps)
        _swap_in(steps)
    except BaseException:
        _roll_back(steps)
        with contextlib.suppress(OSError):
            (journal_dir / JOURNAL_NAME).unlink()
        raise
    for step in steps:
        if step.backup is not None:
            with contextlib.suppress(OSError):
                step.backup.unlink()
    with contextlib.suppress(OSError):
        (journal_dir / JOURNAL_NAME).unlink()
    return [step.target for step in steps]


def recover_interrupted_write(journal_dir: Path) -> bool:
    """Undo a write that was killed half-way; True when there was one to undo."""
    journal = journal_dir / JOURNAL_NAME
    if not journal.exists():
        return False
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
        steps = [
            _Step(
                Path(entry["target"]),
                Path(entry["staged"]),
                Path(entry["backup"]) if entry["backup"] else None,
            )
            for entry in entries
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WriteError(
            f"an earlier write was interrupted and its journal is unreadable ({exc}); "
            "check the tree with git status and remove the journal",
            SourceLocation(str(journal)),
        ) from exc
    _roll_back(steps)
    journal.unlink()
    return True


def _needs_write(file: OutputFile) -> bool:
    try:
        current = file.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if file.original is not None:
            raise WriteError("file disappeared since it was read", _loc(file.path)) from None
        return True
    except (OSError, UnicodeDecodeError) as exc:
        raise WriteError(f"cannot read before writing: {exc}", _loc(file.path)) from exc
    if file.original is not None and current != file.original:
        raise WriteError("file changed on disk since it was read; run again", _loc(file.path))
    return current != file.content


def _check_writable(file: OutputFile) -> None:
    target = file.path
    if target.is_dir():
        raise WriteError("a directory is in the way of the file to write", _loc(target))
    # Mode bits, not os.access: as root access() says yes to everything.
    if target.exists() and not _is_writable_mode(target):
        raise WriteError("file is read-only; nothing was written", _loc(target))
    parent = target.parent
    if not parent.is_dir():
        raise WriteError("directory does not exist; nothing was written", _loc(parent))
    if not _is_writable_mode(parent):
        raise WriteError("directory is read-only; nothing was written", _loc(parent))


def _is_writable_mode(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _stage(file: OutputFile) -> _Step:
    target = file.path
    try:
        fd, staged_name = tempfile.mkstemp(prefix=_STAGE_PREFIX, dir=target.parent)
    except OSError as exc:
        raise WriteError(f"cannot stage file: {exc.strerror}", _loc(target)) from exc
    staged = Path(staged_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(file.content)
            handle.flush()
            os.fsync(handle.fileno())
        backup: Path | None = None
        if target.exists():
            os.chmod(staged, stat.S_IMODE(target.stat().st_mode))
            backup = target.with_name(target.name + _BACKUP_SUFFIX)
            with contextlib.suppress(FileNotFoundError):
                backup.unlink()
            os.link(target, backup)
        else:
            os.chmod(staged, 0o644)
    except OSError as exc:
        with contextlib.suppress(OSError):
            staged.unlink()
        raise WriteError(f"cannot stage file: {exc.strerror or exc}", _loc(target)) from exc
    return _Step(target, staged, backup)


def _write_journal(journal: Path, steps: list[_Step]) -> None:
    entries = [
        {
            "target": str(step.target),
            "staged": str(step.staged),
            "backup": str(step.backup) if step.backup else None,
        }
        for step in steps
    ]
    try:
        with journal.open("w", encoding="utf-8") as handle:
            json.dump(entries, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise WriteError(f"cannot write journal: {exc.strerror}", _loc(journal)) from exc


def _swap_in(steps: list[_Step]) -> None:
    for step in steps:
        try:
            os.replace(step.staged, step.target)
        except OSError as exc:
            raise WriteError(f"cannot replace file: {exc.strerror}", _loc(step.target)) from exc


def _roll_back(steps: list[_Step]) -> None:
    """Put every original back; remove files that did not exist before."""
    for step in steps:
        with contextlib.suppress(OSError):
            if step.backup is not None and step.backup.exists():
                # rename(2) between two links of one inode is a no-op: the
                # original was never replaced, so just drop the extra link.
                if step.target.exists() and step.backup.samefile(step.target):
                    step.backup.unlink()
                else:
                    os.replace(step.backup, step.target)
            elif step.backup is None and not step.staged.exists():
                # The staged file was already renamed onto a new path: remove it.
                step.target.unlink()
        with contextlib.suppress(OSError):
            step.staged.unlink()


def _loc(path: Path) -> SourceLocation:
    return SourceLocation(str(path))
