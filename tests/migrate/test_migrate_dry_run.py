"""`migrate` without --write: the verdict, the findings and a patch; nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.migrate_support import (
    ERA_OCI,
    ERA_RELEASE,
    ERA_TREE,
    SHARED_COMPONENT_OCI,
    SHARED_KUSTOMIZATION,
    SHARED_NEW_OCI,
    SHARED_RELEASE,
    SHARED_TREE,
    copy_tree,
    run_migrate,
    snapshot,
)


@pytest.mark.parametrize(
    ("tree", "release", "patched"),
    [
        (ERA_TREE, ERA_RELEASE, [ERA_RELEASE, ERA_OCI]),
        (SHARED_TREE, SHARED_RELEASE, [SHARED_RELEASE, SHARED_NEW_OCI, SHARED_KUSTOMIZATION]),
    ],
)
def test_dry_run_reports_and_writes_nothing(
    corpus_dir: Path, tmp_path: Path, tree: str, release: str, patched: list[str]
) -> None:
    root = copy_tree(corpus_dir / tree, tmp_path / "tree")
    before = snapshot(root)
    result = run_migrate(root)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"== {release} (llm/dispatch)\n")
    assert "verdict: no behavior change" in out
    assert "EXPECTED  Job.batch llm/dispatch-migrate" in out
    # No --namespace: where llm comes from is part of the report.
    assert (
        "namespace llm: kubernetes/apps/main/llm/kustomization.yaml (namespace) via"
        " replacements kubernetes/components/replacements/ks.yaml" in out
    )
    headers = [
        line.split(" b/", 1)[1] for line in out.splitlines() if line.startswith("diff --git")
    ]
    assert headers == patched
    assert out.endswith("\n1 release(s): 1 no-behavior-change; run with --write to apply\n")
    assert snapshot(root) == before


def test_shared_tree_leaves_the_components_ocirepository_out_of_the_patch(
    shared_tree: Path,
) -> None:
    out = run_migrate(shared_tree).stdout
    assert SHARED_COMPONENT_OCI not in out
    assert "new file mode 100644\n--- /dev/null\n+++ b/" + SHARED_NEW_OCI in out
    assert "-    name: app-template\n+    name: dispatch\n" in out
    assert "+  - ./ocirepository.yaml\n" in out


def test_json_output_is_stable(shared_tree: Path) -> None:
    before = snapshot(shared_tree)
    result = run_migrate(shared_tree, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert list(document) == [
        "format_version",
        "root",
        "mode",
        "releases",
        "already_migrated",
        "summary",
        "written",
        "refused",
        "write_error",
        "recovered",
        "notes",
    ]
    assert document["format_version"] == 1
    assert document["mode"] == "dry-run"
    assert document["summary"] == {
        "releases": 1,
        "no-behavior-change": 1,
        "behavior-change": 0,
        "blocked": 0,
        "error": 0,
        "already-migrated": 0,
    }
    (release,) = document["releases"]
    assert list(release) == [
        "path",
        "name",
        "verdict",
        "error",
        "report",
        "files",
        "patch",
        "patch_masked",
    ]
    assert release["path"] == SHARED_RELEASE
    assert release["name"] == "llm/dispatch"
    assert release["verdict"] == "no-behavior-change"
    assert release["error"] is None
    assert release["report"]["verdict"] == "no-behavior-change"
    assert release["files"] == [
        {"path": SHARED_RELEASE, "change": "modified"},
        {"path": SHARED_NEW_OCI, "change": "added"},
        {"path": SHARED_KUSTOMIZATION, "change": "modified"},
    ]
    assert release["patch"].startswith(f"diff --git a/{SHARED_RELEASE} b/{SHARED_RELEASE}\n")
    assert release["patch_masked"] is False
    assert document["written"] == []
    assert document["refused"] is None
    assert snapshot(shared_tree) == before


def test_markdown_output_fences_the_patch(era_tree: Path) -> None:
    out = run_migrate(era_tree, "--format", "markdown").stdout
    assert out.startswith(f"## {ERA_RELEASE} (llm/dispatch)\n")
    assert f"```diff\ndiff --git a/{ERA_RELEASE} b/{ERA_RELEASE}\n" in out


def test_real_process_dry_run(era_tree: Path) -> None:
    before = snapshot(era_tree)
    completed = subprocess.run(
        [sys.executable, "-m", "appt2dispatch", "migrate", str(era_tree)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"diff --git a/{ERA_OCI} b/{ERA_OCI}" in completed.stdout
    assert "+  url: oci://ghcr.io/misospace/charts/dispatch" in completed.stdout
    assert snapshot(era_tree) == before


def test_dry_run_on_a_read_only_tree_creates_nothing(corpus_dir: Path) -> None:
    """The corpus itself is read-only: a dry run reads it without even a lock file."""
    root = corpus_dir / ERA_TREE
    before = snapshot(root)
    assert run_migrate(root).exit_code == 0
    assert snapshot(root) == before


def test_a_tree_without_dispatch_says_so(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    result = run_migrate(tmp_path)
    assert result.exit_code == 0
    assert "no dispatch HelmRelease on app-template found" in result.stdout
    assert result.stdout.endswith("0 release(s); nothing to do\n")


def test_only_restricts_to_the_named_files_and_json_report_is_written(
    corpus_dir: Path, tmp_path: Path
) -> None:
    root = copy_tree(corpus_dir / ERA_TREE, tmp_path / "tree")
    report = tmp_path / "report.json"
    other = root / ERA_OCI  # a file with no HelmRelease in it: nothing to do
    result = run_migrate(root, "--only", str(other), "--json-report", str(report))
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["summary"]["releases"] == 0

    result = run_migrate(root, "--only", str(root / ERA_RELEASE), "--json-report", str(report))
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert [release["path"] for release in data["releases"]] == [ERA_RELEASE]
    assert data["releases"][0]["verdict"] == "no-behavior-change"
    assert "diff --git" in data["releases"][0]["patch"]
