"""Write a set of files so that either all of them change or none does.

Sequence: check every target; record the plan in a journal (before anything else
exists, so a kill at any later point can be undone); stage each new content in a
hidden file beside its target (same filesystem, so rename is atomic) and keep a
hard link to every original; rename the staged files over the targets; then
remove the journal, the commit point, and only after it the backups. Any error
rolls back from the hard links. A process killed before the commit point leaves
the journal behind; the next write (or `migrate` run) in the same tree rolls it
back first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from appt2dispatch.errors import WriteError
from appt2dispatch.models import OutputFile, SourceLocation

JOURNAL_NAME = ".appt2dispatch-journal.json"
_STAGE_SUFFIX = ".appt2dispatch-stage"
_BACKUP_SUFFIX = ".appt2dispatch-backup"


@dataclass(frozen=True)
class _Step:
    target: Path
    existed: bool
    digest: str  # sha256 of the new content: recovery removes a new file only if it is ours

    @property
    def staged(self) -> Path:
        return self.target.with_name(f".{self.target.name}{_STAGE_SUFFIX}")

    @property
    def backup(self) -> Path:
        return self.target.with_name(f".{self.target.name}{_BACKUP_SUFFIX}")


def write_all_or_nothing(files: Sequence[OutputFile], *, journal_dir: Path) -> list[Path]:
    """Write `files`; returns the paths that changed. Raises WriteError, changing nothing.

    An OutputFile whose `original` is set must still have exactly that content
    on disk (someone may have edited it since it was read); a file whose new
    content equals what is on disk is skipped. A symlink is never written through.
    """
    recover_interrupted_write(journal_dir)
    _check_distinct(files)
    pending = [file for file in files if _needs_write(file)]
    for file in pending:
        _check_writable(file)
    if not pending:
        return []
    steps = [_Step(file.path, file.path.exists(), _digest(file.content)) for file in pending]
    journal = journal_dir / JOURNAL_NAME
    _clear_leftovers(steps)
    try:
        _write_journal(journal, steps)
        for step, file in zip(steps, pending, strict=True):
            _stage(step, file.content)
        _swap_in(steps)
        _sync_directories(steps)
        journal.unlink()
        _sync_directory(journal_dir)
    except BaseException:
        _roll_back(steps)
        with contextlib.suppress(OSError):
            journal.unlink()
        raise
    for step in steps:
        with contextlib.suppress(OSError):
            step.backup.unlink()
    return [step.target for step in steps]


def recover_interrupted_write(journal_dir: Path) -> bool:
    """Undo a write that was killed half-way; True when there was one to undo."""
    journal = journal_dir / JOURNAL_NAME
    if not journal.exists():
        return False
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
        steps = [
            _Step(Path(entry["target"]), bool(entry["existed"]), str(entry["digest"]))
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
    _sync_directory(journal_dir)
    return True


def _check_distinct(files: Sequence[OutputFile]) -> None:
    seen: set[str] = set()
    for file in files:
        key = os.path.abspath(file.path)
        if key in seen:
            raise WriteError("planned twice in one write; nothing was written", _loc(file.path))
        seen.add(key)


def _needs_write(file: OutputFile) -> bool:
    if file.path.is_symlink():
        raise WriteError("is a symlink; not writing through it", _loc(file.path))
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


def _digest(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _clear_leftovers(steps: list[_Step]) -> None:
    """Remove stage and backup files a run killed after its commit point left behind:
    a stale backup must never be mistaken for this run's original."""
    for step in steps:
        for leftover in (step.staged, step.backup):
            try:
                leftover.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise WriteError(f"cannot remove leftover: {exc.strerror}", _loc(leftover)) from exc


def _write_journal(journal: Path, steps: list[_Step]) -> None:
    entries = [
        {"target": str(step.target), "existed": step.existed, "digest": step.digest}
        for step in steps
    ]
    try:
        _write_synced(journal, json.dumps(entries), mode=0o644)
    except OSError as exc:
        raise WriteError(f"cannot write journal: {exc.strerror or exc}", _loc(journal)) from exc
    _sync_directory(journal.parent)


def _stage(step: _Step, content: str) -> None:
    target = step.target
    try:
        mode = stat.S_IMODE(target.stat().st_mode) if step.existed else 0o644
        _write_synced(step.staged, content, mode=mode)
        if step.existed:
            with contextlib.suppress(FileNotFoundError):
                step.backup.unlink()
            os.link(target, step.backup, follow_symlinks=False)
    except OSError as exc:
        raise WriteError(f"cannot stage file: {exc.strerror or exc}", _loc(target)) from exc


def _write_synced(path: Path, content: str, *, mode: int) -> None:
    """Create `path` afresh (never through a planted symlink) with `content`, on disk."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, mode)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)  # the umask may have narrowed it


def _swap_in(steps: list[_Step]) -> None:
    for step in steps:
        try:
            os.replace(step.staged, step.target)
        except OSError as exc:
            raise WriteError(f"cannot replace file: {exc.strerror}", _loc(step.target)) from exc


def _sync_directories(steps: list[_Step]) -> None:
    for directory in dict.fromkeys(step.target.parent for step in steps):
        _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Make renames and unlinks in `directory` durable (a crash cannot resurrect them)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        raise WriteError(f"cannot sync directory: {exc.strerror}", _loc(directory)) from exc
    finally:
        os.close(fd)


def _roll_back(steps: list[_Step]) -> None:
    """Put every original back; remove new files this write created, nothing else."""
    for step in steps:
        with contextlib.suppress(OSError):
            if step.existed and step.backup.exists():
                # rename(2) between two links of one inode is a no-op: the
                # original was never replaced, so just drop the extra link.
                if step.target.exists() and step.backup.samefile(step.target):
                    step.backup.unlink()
                else:
                    os.replace(step.backup, step.target)
            elif not step.existed and not step.staged.exists() and _is_ours(step):
                step.target.unlink()
        with contextlib.suppress(OSError):
            step.staged.unlink()


def _is_ours(step: _Step) -> bool:
    try:
        return _digest(step.target.read_text(encoding="utf-8")) == step.digest
    except (OSError, UnicodeDecodeError):
        return False


def _loc(path: Path) -> SourceLocation:
    return SourceLocation(str(path))
