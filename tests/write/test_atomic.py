"""All-or-nothing writes: every failure leaves the originals byte-identical."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from appt2dispatch.errors import WriteError
from appt2dispatch.models import OutputFile
from appt2dispatch.write import recover_interrupted_write, tree_lock, write_all_or_nothing
from appt2dispatch.write.lock import journal_path


def make_tree(tmp_path: Path) -> tuple[list[Path], dict[Path, bytes]]:
    paths = [tmp_path / f"file{i}.yaml" for i in range(4)]
    for index, path in enumerate(paths[:3]):
        path.write_text(f"# original {index}\nkey: {index}\n", encoding="utf-8")
    return paths, {path: path.read_bytes() for path in paths[:3]}


def planned(paths: list[Path]) -> list[OutputFile]:
    files = []
    for index, path in enumerate(paths):
        original = path.read_text(encoding="utf-8") if path.exists() else None
        files.append(OutputFile(path, f"new: {index}\n", original))
    return files


def assert_untouched(tmp_path: Path, paths: list[Path], before: dict[Path, bytes]) -> None:
    for path, content in before.items():
        assert path.read_bytes() == content
    assert not paths[3].exists()
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p not in before)
    assert leftovers == []


def test_writes_every_file_and_cleans_up(tmp_path: Path) -> None:
    paths, _ = make_tree(tmp_path)
    changed = write_all_or_nothing(planned(paths), root=tmp_path)
    assert changed == paths
    assert [p.read_text() for p in paths] == [f"new: {i}\n" for i in range(4)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


def test_unchanged_content_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "same.yaml"
    path.write_text("a: 1\n")
    mtime = path.stat().st_mtime_ns
    assert write_all_or_nothing([OutputFile(path, "a: 1\n", "a: 1\n")], root=tmp_path) == []
    assert path.stat().st_mtime_ns == mtime


def test_read_only_target_writes_nothing(tmp_path: Path) -> None:
    paths, before = make_tree(tmp_path)
    paths[2].chmod(0o444)
    with pytest.raises(WriteError, match="read-only"):
        write_all_or_nothing(planned(paths), root=tmp_path)
    assert_untouched(tmp_path, paths, before)


def test_rename_failure_on_third_file_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, before = make_tree(tmp_path)
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WriteError, match="Permission denied"):
        write_all_or_nothing(planned(paths), root=tmp_path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert_untouched(tmp_path, paths, before)


def test_disk_full_while_staging_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, before = make_tree(tmp_path)
    real_fsync = os.fsync
    calls = {"n": 0}

    def full_disk(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(WriteError, match="No space left"):
        write_all_or_nothing(planned(paths), root=tmp_path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert_untouched(tmp_path, paths, before)


def test_file_edited_since_read_is_refused(tmp_path: Path) -> None:
    paths, _ = make_tree(tmp_path)
    files = planned(paths)
    paths[1].write_text("edited by someone else\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_all_or_nothing(files, root=tmp_path)
    assert paths[0].read_text().startswith("# original 0")


def test_process_killed_between_renames_is_rolled_back_next_run(tmp_path: Path) -> None:
    paths, before = make_tree(tmp_path)
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from appt2dispatch.models import OutputFile
        from appt2dispatch.write import write_all_or_nothing
        real = os.replace
        calls = [0]
        def dying_replace(src, dst):
            calls[0] += 1
            if calls[0] == 3:
                os._exit(9)  # as if killed: no cleanup runs
            real(src, dst)
        os.replace = dying_replace
        root = Path({str(tmp_path)!r})
        paths = [root / f"file{{i}}.yaml" for i in range(4)]
        files = [OutputFile(p, "new\\n", p.read_text() if p.exists() else None) for p in paths]
        write_all_or_nothing(files, root=root)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == 9
    assert journal_path(tmp_path).exists()
    assert paths[0].read_text() == "new\n"  # half-written: the journal must undo it
    assert recover_interrupted_write(tmp_path) is True
    assert_untouched(tmp_path, paths, before)


def test_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    with (
        tree_lock(tmp_path),
        pytest.raises(WriteError, match="another appt2dispatch run"),
        tree_lock(tmp_path),
    ):
        pass  # pragma: no cover - never entered
    with tree_lock(tmp_path):
        pass  # released: can be taken again
    assert not list(tmp_path.iterdir())  # nothing in the tree: the lock lives in the cache


def test_stale_backup_from_an_old_run_never_replaces_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, before = make_tree(tmp_path)
    stale = tmp_path / ".file0.yaml.appt2dispatch-backup"
    stale.write_text("an old version left behind by a killed run\n")
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(WriteError, match="No space left"):
        write_all_or_nothing(planned(paths), root=tmp_path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert_untouched(tmp_path, paths, before)


def test_symlink_target_is_not_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    with pytest.raises(WriteError, match="symlink"):
        write_all_or_nothing([OutputFile(link, "a: 2\n", "a: 1\n")], root=tmp_path)
    assert real.read_text() == "a: 1\n"
    assert link.is_symlink()


def test_the_same_target_twice_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.yaml"
    with pytest.raises(WriteError, match="planned twice"):
        write_all_or_nothing([OutputFile(target, "a\n"), OutputFile(target, "b\n")], root=tmp_path)
    assert not target.exists()


def test_new_file_recovery_removes_only_what_this_write_created(tmp_path: Path) -> None:
    """A journal naming a new file someone else has since written leaves that file alone."""
    ours, theirs = tmp_path / "ours.yaml", tmp_path / "theirs.yaml"
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from appt2dispatch.models import OutputFile
        from appt2dispatch.write import write_all_or_nothing
        real = os.fsync
        calls = [0]
        def dying_fsync(fd):
            calls[0] += 1
            if calls[0] == 5:  # journal, its directory, two staged files: then the renames
                os._exit(9)
            real(fd)
        os.fsync = dying_fsync
        root = Path({str(tmp_path)!r})
        files = [OutputFile(root / name, name + "\\n") for name in ("ours.yaml", "theirs.yaml")]
        write_all_or_nothing(files, root=root)
        """
    )
    assert subprocess.run([sys.executable, "-c", script], check=False).returncode == 9
    assert ours.read_text() == "ours.yaml\n"
    assert theirs.read_text() == "theirs.yaml\n"  # both renamed; killed before the commit point
    theirs.write_text("written by a person after the crash\n")
    assert recover_interrupted_write(tmp_path) is True
    assert not ours.exists()
    assert theirs.read_text() == "written by a person after the crash\n"
