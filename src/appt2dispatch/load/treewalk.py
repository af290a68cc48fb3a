"""Reading a GitOps tree: every *.yaml/*.yml file's text, nothing parsed.

The walk stats each file once, never follows a symlink out of the root, skips
hidden directories and files over the size limit (with a note), and keeps each
file's text so the index can pick, by a substring scan, the few files a lookup
has to parse (see `tree`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from appt2dispatch.errors import InputError
from appt2dispatch.load.yamlio import MAX_FILE_BYTES, decode_bytes, read_checked_text
from appt2dispatch.models import Note, SourceLocation

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class WalkedTree:
    """What the walk read: texts by absolute path, in walk order (sorted, depth first)."""

    files: dict[str, str]
    """Absolute path -> the path as walked (relative when the root was given so)."""
    texts: dict[str, str]
    errors: tuple[InputError, ...]
    notes: tuple[Note, ...]


def walk_tree(root: Path, *, recursive: bool = True) -> WalkedTree:
    """Read every *.yaml/*.yml under `root` (hidden entries skipped, symlinks never
    followed out of it); files that cannot be read are errors, files skipped on
    purpose notes.

    Directory entries say what they are without a stat (d_type), and a regular file
    is read up to the limit before its size is asked for: one open and one read per
    file. Paths stay strings: a thousand Path objects cost more than the reads.
    """
    root_real = os.path.realpath(root)
    if not os.path.isdir(root_real):
        raise InputError("not a directory", SourceLocation(str(root)))
    files: dict[str, str] = {}
    texts: dict[str, str] = {}
    errors: list[InputError] = []
    notes: list[Note] = []
    for entry, walked, key in _yaml_entries(str(root), os.path.abspath(root), recursive):
        where = SourceLocation(walked)
        if entry.is_dir():  # a link to a directory: never followed, noted when it leaves
            if _link_leaves_root(walked, root_real):
                notes.append(
                    Note("skipped: symlink to a directory outside the tree", where, "warning")
                )
            continue
        try:
            skipped, text = _read(entry, walked, root_real)
        except InputError as error:
            errors.append(error)
            continue
        if skipped is not None:
            notes.append(Note(skipped, where, "warning"))
            continue
        files[key] = walked
        texts[key] = str(text)
    return WalkedTree(files, texts, tuple(errors), tuple(notes))


def _read(entry: os.DirEntry[str], walked: str, root_real: str) -> tuple[str | None, str | None]:
    """(why the file is skipped on purpose, None) or (None, its text). A regular file
    (known from its directory entry) is read without a stat: its size is asked for
    only when it is over the limit."""
    if entry.is_symlink():
        if _link_leaves_root(walked, root_real):
            return "skipped: symlink to a file outside the tree", None
        try:
            info = os.stat(walked)
        except OSError:
            return None, read_checked_text(Path(walked))  # says why it cannot be read
        return _skip_reason(info) or _read_regular(walked)
    if not entry.is_file(follow_symlinks=False):
        return "skipped: not a regular file", None
    return _read_regular(walked)


def _read_regular(walked: str) -> tuple[str | None, str | None]:
    try:
        # Non-blocking: were it swapped for a FIFO since the listing, open returns.
        descriptor = os.open(walked, os.O_RDONLY | os.O_NONBLOCK)
        try:
            data = os.read(descriptor, MAX_FILE_BYTES + 1)
            info = os.fstat(descriptor) if len(data) > MAX_FILE_BYTES else None
        finally:
            os.close(descriptor)
    except OSError:
        return None, read_checked_text(Path(walked))  # says why it cannot be read
    if info is not None:  # over the limit (or growing: the full reader refuses it)
        return _skip_reason(info) or (None, read_checked_text(Path(walked)))
    return None, decode_bytes(data, walked)


def _skip_reason(info: os.stat_result) -> tuple[str, None] | None:
    if not stat.S_ISREG(info.st_mode):
        return "skipped: not a regular file", None
    if info.st_size > MAX_FILE_BYTES:
        return f"skipped: {info.st_size} bytes, over the {MAX_FILE_BYTES}-byte limit", None
    return None


def _link_leaves_root(path: str, root_real: str) -> bool:
    real = os.path.realpath(path)
    return real != root_real and not real.startswith(root_real + os.sep)


def _yaml_entries(
    walked: str, absolute: str, recursive: bool
) -> Iterator[tuple[os.DirEntry[str], str, str]]:
    """Each *.yaml/*.yml file and each link to a directory (`is_dir()` True: never
    entered), as (entry, path as walked, absolute path): a directory's files, then its
    subdirectories, each in name order."""
    try:
        with os.scandir(walked) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return  # as os.walk: a directory that cannot be listed is passed over
    subdirectories, files = [], []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_directory = entry.is_dir(follow_symlinks=False)
            is_link = not is_directory and entry.is_symlink()
        except OSError:
            continue
        if is_directory:
            subdirectories.append(name)
        elif is_link and entry.is_dir():
            yield entry, os.path.join(walked, name), os.path.join(absolute, name)
        elif name.lower().endswith(YAML_SUFFIXES):
            files.append(entry)
    for entry in files:
        yield entry, os.path.join(walked, entry.name), os.path.join(absolute, entry.name)
    for name in subdirectories if recursive else ():
        yield from _yaml_entries(os.path.join(walked, name), os.path.join(absolute, name), True)
