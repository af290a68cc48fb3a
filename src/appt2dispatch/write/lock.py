"""One migration per tree at a time: an advisory lock the kernel drops on exit."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from appt2dispatch.errors import WriteError
from appt2dispatch.models import SourceLocation

LOCK_NAME = ".appt2dispatch.lock"


@contextlib.contextmanager
def tree_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on `root`; refuse at once if another run holds it.

    flock(2) rather than a pid file: a killed process cannot leave a stale lock.
    """
    lock_path = root / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WriteError(
            f"cannot create lock file: {exc.strerror}", SourceLocation(str(lock_path))
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WriteError(
                "another appt2dispatch run is writing to this tree; wait for it to finish",
                SourceLocation(str(root)),
            ) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                lock_path.unlink()
    finally:
        os.close(fd)
