"""One writer per repository at a time, and where its journal lives.

Lock and journal live outside the work tree, in the user's cache under a key
derived from the resolved repository root (the nearest directory above the tree
holding `.git`, else the tree itself): a repository can neither plant a journal
that a later run would trust nor lose a lock a dry run removed, and runs on `.`
and on a subdirectory of the same repository share one lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from appt2dispatch.errors import WriteError
from appt2dispatch.models import SourceLocation

LOCK_NAME = "lock"
JOURNAL_NAME = "journal.json"
_READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)


def repository_root(path: Path) -> Path:
    """The resolved root of the repository holding `path` (or `path` itself outside one)."""
    start = path.resolve()
    if not start.is_dir():
        start = start.parent
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def state_dir(root: Path) -> Path:
    """The private directory holding the lock and journal for the repository of `root`."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(str(repository_root(root)).encode("utf-8")).hexdigest()[:32]
    return Path(cache) / "appt2dispatch" / "state" / key


def journal_path(root: Path) -> Path:
    return state_dir(root) / JOURNAL_NAME


@contextlib.contextmanager
def tree_lock(root: Path, *, required: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on the repository of `root`; refuse at once if another run holds it.

    Yields True when locked. With `required=False` (a dry run) a cache where the
    lock file cannot be created (read-only) yields False instead of failing.

    flock(2) rather than a pid file: a killed process cannot leave a stale lock.
    The lock file is kept: removing it would race with a run that just opened it.
    """
    lock_path = state_dir(root) / LOCK_NAME
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        if not required and exc.errno in _READ_ONLY_ERRORS:
            yield False
            return
        raise WriteError(
            f"cannot create lock file: {exc.strerror or exc}", SourceLocation(str(lock_path))
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise _busy(root) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {repository_root(root)}\n".encode())
        yield True
    finally:
        os.close(fd)


def _busy(root: Path) -> WriteError:
    return WriteError(
        "another appt2dispatch run is writing to this repository; wait for it to finish",
        SourceLocation(str(root)),
    )
