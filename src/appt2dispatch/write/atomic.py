"""Write a set of files so that either all of them change or none does.

Sequence: check every target; record the plan in a journal (before anything else
exists, so a kill at any later point can be undone); stage each new content in a
hidden file beside its target (same filesystem, so rename is atomic) and keep a
hard link to every original; rename the staged files over the targets; then
remove the journal, the commit point, and only after it the backups. Any error
rolls back from the hard links. A process killed before the commit point leaves
the journal behind; the next write (or `migrate` run) in the same repository
rolls it back first.

The journal lives outside the tree (see `write.lock`), names the repository root
it was written for and stores paths relative to it: it is trusted only for paths
inside that root, whatever the working directory of the run that recovers.
Recovery checks every restored file against the digest of its original and stops
with an error naming what it could not restore.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from appt2dispatch.errors import WriteError
from appt2dispatch.models import OutputFile, SourceLocation
from appt2dispatch.write.lock import journal_path, repository_root, tree_lock

_JOURNAL_FORMAT = "appt2dispatch-journal/2"
_STAGE_SUFFIX = ".appt2dispatch-stage"
_BACKUP_SUFFIX = ".appt2dispatch-backup"


@dataclass(frozen=True)
class _Step:
    target: Path  # absolute, inside the repository root
    existed: bool
    digest: str  # sha256 of the new content: recovery removes a new file only if it is ours
    before: str | None = None  # sha256 of the original: recovery proves it is back

    @property
    def staged(self) -> Path:
        return self.target.with_name(f".{self.target.name}{_STAGE_SUFFIX}")

    @property
    def backup(self) -> Path:
        return self.target.with_name(f".{self.target.name}{_BACKUP_SUFFIX}")


def write_all_or_nothing(
    files: Sequence[OutputFile], *, root: Path, locked: bool = False
) -> list[Path]:
    """Write `files` (all inside `root`); returns the paths that changed.

    Raises WriteError, changing nothing. An OutputFile whose `original` is set
    must still have exactly that content on disk (someone may have edited it since
    it was read); a file whose new content equals what is on disk is skipped. A
    symlink is never written through. Takes the repository's lock unless the
    caller holds it (`locked`).
    """
    if not locked:
        with tree_lock(root):
            return write_all_or_nothing(files, root=root, locked=True)
    recover_interrupted_write(root)
    _check_distinct(files)
    top = repository_root(root)
    inside = root.resolve()
    pending = [file for file in files if _needs_write(file)]
    for file in pending:
        _check_writable(file)
    if not pending:
        return []
    steps = [_step_for(file, inside) for file in pending]
    journal = journal_path(root)
    _clear_leftovers(steps)
    try:
        _write_journal(journal, top, steps)
        for step, file in zip(steps, pending, strict=True):
            _stage(step, file.content)
        _swap_in(steps)
        _sync_directories(steps)
        journal.unlink()
        _sync_directory(journal.parent)
    except BaseException as exc:
        left = _roll_back(steps)
        if left:  # the journal stays: the next run retries the roll back
            raise WriteError(
                f"write failed ({exc}) and could not be fully rolled back; still to restore: "
                f"{'; '.join(left)}",
                _loc(root),
            ) from exc
        with contextlib.suppress(OSError):
            journal.unlink()
        raise
    for step in steps:
        with contextlib.suppress(OSError):
            step.backup.unlink()
    return [step.target for step in steps]


def recover_interrupted_write(root: Path) -> bool:
    """Undo a write that was killed half-way; True when there was one to undo.

    Call with the repository's lock held. Raises WriteError (keeping the journal)
    when the journal is not one this tool wrote for this root, or when a file
    could not be restored byte for byte.
    """
    journal = journal_path(root)
    if not journal.exists():
        return False
    top = repository_root(root)
    steps = _read_journal(journal, top)
    left = _roll_back(steps)
    if left:
        raise WriteError(
            "an interrupted earlier write could not be fully rolled back; still to restore by "
            f"hand (see git status): {'; '.join(left)}. The journal is kept",
            SourceLocation(str(journal)),
        )
    journal.unlink()
    _sync_directory(journal.parent)
    return True


def _step_for(file: OutputFile, inside: Path) -> _Step:
    target = file.path.parent.resolve() / file.path.name
    if not target.is_relative_to(inside):
        raise WriteError(f"is outside {inside}; nothing was written", _loc(file.path))
    existed = target.exists()
    before = _digest_file(target) if existed else None
    return _Step(target, existed, _digest(file.content), before)


def _read_journal(journal: Path, top: Path) -> list[_Step]:
    def untrusted(reason: str) -> WriteError:
        return WriteError(
            f"an earlier write was interrupted and its journal is {reason}; nothing was "
            "rolled back: check the tree with git status and remove the journal",
            SourceLocation(str(journal)),
        )

    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise untrusted(f"unreadable ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != _JOURNAL_FORMAT:
        raise untrusted("not one this tool wrote")
    if data.get("root") != str(top):
        raise untrusted(f"for another repository ({data.get('root')!r})")
    steps: list[_Step] = []
    try:
        for entry in data["steps"]:
            relative = PurePosixPath(str(entry["target"]))
            if relative.is_absolute() or ".." in relative.parts or not relative.parts:
                raise untrusted(f"naming a path outside the repository ({relative})")
            target = top.joinpath(*relative.parts)
            if not target.parent.resolve().is_relative_to(top):
                raise untrusted(f"naming a path outside the repository ({relative})")
            before = entry.get("before")
            steps.append(
                _Step(
                    target,
                    bool(entry["existed"]),
                    str(entry["digest"]),
                    str(before) if before is not None else None,
                )
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise untrusted(f"malformed ({exc})") from exc
    return steps


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
        current = file.path.read_bytes().decode("utf-8")  # exact: CRLF stays CRLF
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


def _write_journal(journal: Path, top: Path, steps: list[_Step]) -> None:
    entries = [
        {
            "target": step.target.relative_to(top).as_posix(),
            "existed": step.existed,
            "digest": step.digest,
            "before": step.before,
        }
        for step in steps
    ]
    document = {"format": _JOURNAL_FORMAT, "root": str(top), "steps": entries}
    try:
        journal.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_synced(journal, json.dumps(document), mode=0o600)
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


def _roll_back(steps: list[_Step]) -> list[str]:
    """Put every original back; remove new files this write created, nothing else.

    Returns what could not be restored (empty when every file is as before)."""
    left: list[str] = []
    for step in steps:
        try:
            if step.existed and step.backup.exists():
                # rename(2) between two links of one inode is a no-op: the
                # original was never replaced, so just drop the extra link.
                if step.target.exists() and step.backup.samefile(step.target):
                    step.backup.unlink()
                else:
                    os.replace(step.backup, step.target)
            elif not step.existed and not step.staged.exists() and _is_ours(step):
                step.target.unlink()
            step.staged.unlink(missing_ok=True)
        except OSError as exc:
            left.append(f"{step.target}: {exc.strerror or exc}")
            continue
        if step.existed and step.before is not None and _digest_file(step.target) != step.before:
            left.append(f"{step.target}: original content not restored")
    return left


def _is_ours(step: _Step) -> bool:
    return _digest_file(step.target) == step.digest


def _digest_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _loc(path: Path) -> SourceLocation:
    return SourceLocation(str(path))
