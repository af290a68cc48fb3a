"""`translate -o DIR` over earlier output: a failure at any point keeps every old file."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from appt2dispatch.cli import cli
from appt2dispatch.write import recover_interrupted_write

RELEASE = "00-2026-06-19-openclaw-dispatch-684fa7c9c.yaml"
OUTPUTS = ("values.yaml", "helmrelease.yaml", "ocirepository.yaml")


@pytest.fixture
def earlier_output(corpus_dir: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    release = corpus_dir / "home-ops-history" / RELEASE
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUTS:
        (out / name).write_text(f"# an earlier run's {name}\n")
    return release, out, {path.name: path.read_bytes() for path in out.iterdir()}


def translate(release: Path, out: Path) -> Result:
    return CliRunner().invoke(cli, ["translate", str(release), "-o", str(out), "-n", "llm"])


def contents(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in out.iterdir()}


def test_translate_output_replaces_every_file(
    earlier_output: tuple[Path, Path, dict[str, bytes]],
) -> None:
    release, out, before = earlier_output
    result = translate(release, out)
    assert result.exit_code == 0, result.output
    after = contents(out)
    assert set(after) == set(before)  # no journal, stage or backup left
    assert all(after[name] != before[name] for name in OUTPUTS)


def test_permission_denied_on_the_third_file_keeps_the_old_output(
    earlier_output: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    release, out, before = earlier_output
    real_replace = os.replace
    calls = {"n": 0}

    def denied_on_third(source: str | Path, target: str | Path) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", denied_on_third)
    result = translate(release, out)
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.exit_code == 2
    assert contents(out) == before


def test_disk_full_keeps_the_old_output(
    earlier_output: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    release, out, before = earlier_output
    real_fsync = os.fsync
    calls = {"n": 0}

    def disk_full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 4:  # the second staged file
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_full)
    result = translate(release, out)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert result.exit_code == 2
    assert "No space left" in result.stderr
    assert contents(out) == before


def test_killed_between_writes_is_undone(
    earlier_output: tuple[Path, Path, dict[str, bytes]],
) -> None:
    release, out, before = earlier_output
    script = textwrap.dedent(
        """
        import os, sys
        real = os.replace
        calls = [0]
        def dying(*args):
            calls[0] += 1
            if calls[0] == 2:
                os._exit(9)
            real(*args)
        os.replace = dying
        from appt2dispatch.cli import main
        sys.argv = ["appt2dispatch", "translate", sys.argv[1], "-o", sys.argv[2], "-n", "llm"]
        main()
        """
    )
    killed = subprocess.run(
        [sys.executable, "-c", script, str(release), str(out)], check=False, timeout=120
    )
    assert killed.returncode == 9
    assert contents(out) != before  # half-written
    assert recover_interrupted_write(out) is True
    assert contents(out) == before
