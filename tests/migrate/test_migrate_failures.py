"""No data loss: whatever fails during `migrate --write`, every original stays byte-identical."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from appt2dispatch.write.lock import journal_path
from migrate.migrate_support import SHARED_KUSTOMIZATION, run_migrate, snapshot


def test_read_only_third_file_refuses_before_writing(shared_tree: Path) -> None:
    (shared_tree / SHARED_KUSTOMIZATION).chmod(0o444)
    before = snapshot(shared_tree)
    result = run_migrate(shared_tree, "--write")
    assert result.exit_code == 2
    assert "read-only" in result.stderr
    assert "nothing written: the write failed" in result.stdout
    assert snapshot(shared_tree) == before


def test_permission_denied_renaming_the_third_file_rolls_back(
    shared_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(shared_tree)
    real_replace = os.replace
    calls = {"n": 0}

    def denied_on_third(source: str | Path, target: str | Path) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", denied_on_third)
    result = run_migrate(shared_tree, "--write")
    monkeypatch.setattr(os, "replace", real_replace)
    assert calls["n"] > 3  # two renames done, the third failed, then the roll-back
    assert result.exit_code == 2
    assert "Permission denied" in result.stderr
    assert snapshot(shared_tree) == before


@pytest.mark.parametrize("failing_call", range(1, 8))
def test_disk_full_at_any_sync_rolls_back(
    shared_tree: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
) -> None:
    """fsync calls: journal, its directory, three staged files, the directory, the journal's
    removal; the disk fills up at each in turn."""
    before = snapshot(shared_tree)
    real_fsync = os.fsync
    calls = {"n": 0}

    def disk_full(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == failing_call:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_full)
    result = run_migrate(shared_tree, "--write")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert calls["n"] >= failing_call
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.stderr
    assert snapshot(shared_tree) == before


KILLER = textwrap.dedent(
    """
    import os, sys
    target_function, target_call = sys.argv[1], int(sys.argv[2])
    real = getattr(os, target_function)
    calls = [0]
    def dying(*args, **kwargs):
        calls[0] += 1
        if calls[0] == target_call:
            os._exit(9)  # as if killed: no clean-up code runs
        return real(*args, **kwargs)
    setattr(os, target_function, dying)
    from appt2dispatch.cli import main
    sys.argv = ["appt2dispatch", "migrate", sys.argv[3], "--write"]
    main()
    """
)


@pytest.mark.parametrize(
    ("function", "call"),
    [("replace", 1), ("replace", 2), ("replace", 3), ("link", 2), ("fsync", 4)],
)
def test_killed_mid_write_is_rolled_back_by_the_next_run(
    shared_tree: Path, function: str, call: int
) -> None:
    before = snapshot(shared_tree)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, function, str(call), str(shared_tree)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert killed.returncode == 9, killed.stderr
    assert journal_path(shared_tree).exists()
    recovery = run_migrate(shared_tree)  # even a dry run rolls the interrupted write back
    assert recovery.exit_code == 0, recovery.output
    assert "rolled back an interrupted earlier write" in recovery.stderr
    assert snapshot(shared_tree) == before
    assert run_migrate(shared_tree, "--write").exit_code == 0


def test_killed_half_way_leaves_a_half_written_tree_until_recovery(shared_tree: Path) -> None:
    """The kill really interrupts a write (so the recovery test is not vacuous)."""
    before = snapshot(shared_tree)
    subprocess.run(
        [sys.executable, "-c", KILLER, "replace", "2", str(shared_tree)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    half = snapshot(shared_tree)
    changed = {path for path in before if half.get(path) != before[path]}
    assert len(changed) == 1


def test_a_journal_committed_to_the_tree_is_never_trusted(
    shared_tree: Path, tmp_path: Path
) -> None:
    """Issue 12 item 1: a planted journal must not make any run delete files."""
    import hashlib
    import json

    outside = tmp_path / "x"
    outside.mkdir()
    victim, precious = outside / "victim.txt", outside / "precious.txt"
    for path in (victim, precious):
        path.write_text("keep me\n")
    digest = hashlib.sha256(b"keep me\n").hexdigest()
    planted = [
        {"target": str(victim), "existed": False, "digest": digest},
        {"target": "../../../../" + str(precious).lstrip("/"), "existed": False, "digest": digest},
    ]
    (shared_tree / ".appt2dispatch-journal.json").write_text(json.dumps(planted))
    (shared_tree / ".appt2dispatch.lock").write_text("committed\n")
    before = snapshot(shared_tree)
    dry = run_migrate(shared_tree)
    assert dry.exit_code == 0, dry.output
    assert "rolled back" not in dry.stderr
    assert snapshot(shared_tree) == before  # item 3: the committed lock is not deleted either
    assert run_migrate(shared_tree, "--write").exit_code == 0
    assert victim.read_text() == precious.read_text() == "keep me\n"


def test_a_journal_naming_paths_outside_the_root_is_refused(
    shared_tree: Path, tmp_path: Path
) -> None:
    """Even in the private state directory, a journal is only trusted inside its root."""
    import hashlib
    import json

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    digest = hashlib.sha256(b"keep me\n").hexdigest()
    journal = journal_path(shared_tree)
    journal.parent.mkdir(parents=True, exist_ok=True)
    for target in ("../victim.txt", str(victim)):
        document = {
            "format": "appt2dispatch-journal/2",
            "root": str(shared_tree.resolve()),
            "steps": [{"target": target, "existed": False, "digest": digest}],
        }
        journal.write_text(json.dumps(document))
        result = run_migrate(shared_tree)
        assert result.exit_code == 2, result.output
        assert "outside the repository" in result.stderr
        assert victim.read_text() == "keep me\n"
    journal.write_text(json.dumps([{"target": str(victim), "existed": False, "digest": digest}]))
    result = run_migrate(shared_tree)
    assert result.exit_code == 2
    assert "not one this tool wrote" in result.stderr
    assert victim.exists()


def test_recovery_from_another_working_directory_restores_every_byte(shared_tree: Path) -> None:
    """Issue 12 item 2: journal paths are relative to the root, not to the killed run's cwd."""
    (shared_tree / ".git").mkdir()  # a repository: a run on a subdirectory shares its journal
    before = snapshot(shared_tree)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, "replace", "2", shared_tree.name],
        cwd=shared_tree.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert killed.returncode == 9, killed.stderr
    assert snapshot(shared_tree) != before
    recovery = subprocess.run(
        [sys.executable, "-m", "appt2dispatch", "migrate", ".", "-n", "llm"],
        cwd=shared_tree / "kubernetes",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert recovery.returncode == 0, recovery.stderr
    assert "rolled back an interrupted earlier write" in recovery.stderr
    assert snapshot(shared_tree) == before  # no stage or backup file left either


def test_recovery_that_cannot_restore_a_file_says_what_is_left(shared_tree: Path) -> None:
    before = snapshot(shared_tree)
    subprocess.run(
        [sys.executable, "-c", KILLER, "replace", "3", str(shared_tree)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    backups = sorted(shared_tree.rglob("*.appt2dispatch-backup"))
    replaced = [(b, original_of(b)) for b in backups if not b.samefile(original_of(b))]
    assert replaced
    backup, lost = replaced[0]
    backup.unlink()  # the original of one replaced file is gone
    recovery = run_migrate(shared_tree)
    assert recovery.exit_code == 2, recovery.output
    assert str(lost) in recovery.stderr
    assert "could not be fully rolled back" in recovery.stderr
    assert journal_path(shared_tree).exists()  # kept: the next run tries again
    after = snapshot(shared_tree)
    assert {path for path in before if after.get(path) != before[path]} == {
        lost.relative_to(shared_tree).as_posix()
    }


def original_of(backup: Path) -> Path:
    return backup.with_name(backup.name[1:].removesuffix(".appt2dispatch-backup"))


EXAMPLE_TREE = Path(__file__).resolve().parents[2] / "examples" / "home-ops"
EXAMPLE_RELEASE = "kubernetes/apps/base/tools/dispatch/helmrelease.yaml"
EXAMPLE_FLUX = "kubernetes/apps/main/tools/dispatch.yaml"
EXAMPLE_ENV = '              DISPATCH_EXCLUDED_LABELS: "dependencies, on-hold"\n'


def example_tree(tmp_path: Path, env: str, variables: str = "") -> Path:
    import shutil

    root = shutil.copytree(EXAMPLE_TREE, tmp_path / "home-ops")
    release = root / EXAMPLE_RELEASE
    text = release.read_text(encoding="utf-8")
    for line in env.splitlines(keepends=True):  # the variable replaces the literal setting
        name = line.split(":")[0].strip()
        text = "".join(
            kept for kept in text.splitlines(keepends=True) if kept.strip().split(":")[0] != name
        )
    release.write_text(text.replace(EXAMPLE_ENV, EXAMPLE_ENV + env), encoding="utf-8")
    flux = root / EXAMPLE_FLUX
    flux.write_text(
        flux.read_text().replace("      APP: dispatch\n", "      APP: dispatch\n" + variables)
    )
    return root


def test_a_variable_carried_through_keeps_its_text(tmp_path: Path) -> None:
    """Issue 12 item 9: `${MODEL:=qwen3-8b}` was written back as `model: qwen3-8b`."""
    root = example_tree(tmp_path, "              DISPATCH_GROOMER_MODEL: ${MODEL:=qwen3-8b}\n")
    result = run_migrate(root, "--write")
    assert result.exit_code == 0, result.output
    written = (root / EXAMPLE_RELEASE).read_text(encoding="utf-8")
    assert "model: ${MODEL:=qwen3-8b}" in written


def test_a_variable_that_must_become_a_number_is_an_error_naming_it(tmp_path: Path) -> None:
    """Issue 12 item 9: `"${SYNC_MS}"` was written back as `syncMs: 600000`, exit 0."""
    root = example_tree(
        tmp_path,
        '              DISPATCH_SYNC_INTERVAL_MS: "${SYNC_MS}"\n',
        '      SYNC_MS: "600000"\n',
    )
    before = snapshot(root)
    result = run_migrate(root, "--write")
    assert result.exit_code == 2, result.output
    assert "${SYNC_MS}" in result.stdout
    assert f"{EXAMPLE_RELEASE}:" in result.stdout  # file:line of the variable
    assert snapshot(root) == before


def test_crlf_release_patch_applies_and_the_write_keeps_crlf(tmp_path: Path) -> None:
    """Issue 12 item 10: CRLF files were rewritten with LF; the patch failed `git apply`."""
    import json
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = example_tree(tmp_path, "")
    for path in root.rglob("*.yaml"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    outcome = run_migrate(root, "--format", "json")
    assert outcome.exit_code == 0, outcome.output
    patch = "".join(release["patch"] for release in json.loads(outcome.stdout)["releases"])
    patch_file = tmp_path / "migration.patch"
    patch_file.write_bytes(patch.encode("utf-8"))
    check = subprocess.run(
        ["git", "apply", "--check", str(patch_file)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    text_report = run_migrate(root)
    assert "CRLF line endings" in text_report.stdout  # the printed patch says it won't apply
    assert run_migrate(root, "--write").exit_code == 0
    edited = (root / EXAMPLE_RELEASE).read_bytes()
    assert edited.count(b"\r\n") == edited.count(b"\n")
