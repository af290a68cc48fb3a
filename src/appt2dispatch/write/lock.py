"""One migration per tree at a time: an advisory lock the kernel drops on exit."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from appt2dispatch.errors import WriteError
from appt2dispatch.models import SourceLocation

LOCK_NAME = ".appt2dispatch.lock"
_READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextlib.contextmanager
def tree_lock(root: Path, *, required: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on `root`; refuse at once if another run holds it.

    Yields True when locked. With `required=False` (a dry run) a tree where the
    lock file cannot be created (read-only) yields False instead of failing:
    nothing will be written there, by this run or through it.

    flock(2) rather than a pid file: a killed process cannot leave a stale lock.
    The file is removed on release, so a run that opened it just before must check,
    once it holds the lock, that the path still names the file it locked.
    """
    lock_path = root / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        if not required and exc.errno in _READ_ONLY_ERRORS:
            yield False
            return
        raise WriteError(
            f"cannot create lock file: {exc.strerror}", SourceLocation(str(lock_path))
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise _busy(root) from exc
        if not _still_named(fd, lock_path):
            raise _busy(root)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                lock_path.unlink()
    finally:
        os.close(fd)


def _still_named(fd: int, lock_path: Path) -> bool:
    try:
        on_disk = os.stat(lock_path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _busy(root: Path) -> WriteError:
    return WriteError(
        "another appt2dispatch run is writing to this tree; wait for it to finish",
        SourceLocation(str(root)),
    )
