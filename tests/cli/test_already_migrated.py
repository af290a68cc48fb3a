"""A release already on the dispatch chart: every command says so, exits 0, writes nothing.

`diff` reports the verdict `already-migrated` (tests/report/test_review_fixes.py);
`translate` and `render` say it on stderr and print nothing; `migrate` lists the
release as already migrated and plans no file for it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from appt2dispatch.cli import cli
from conftest import FIXTURES_DIR

CASE = FIXTURES_DIR / "translate" / "newest-dispatch"
ON_CHART = "oci://ghcr.io/misospace/charts/dispatch:0.5.40"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def migrated_tree(tmp_path: Path) -> Path:
    """A tree whose only dispatch release is the translation of an app-template one."""
    source = shutil.copytree(CASE, tmp_path / "source") / "helmrelease.yaml"
    root = tmp_path / "tree"
    translated = run(
        *("translate", str(source), "-n", "llm", "--app-template-version", "4.1.1"),
        *("-o", str(root / "dispatch")),
    )
    assert translated.exit_code == 0, translated.output
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_translate_says_already_migrated_and_writes_nothing(
    migrated_tree: Path, tmp_path: Path
) -> None:
    release = migrated_tree / "dispatch" / "helmrelease.yaml"
    printed = run("translate", str(release), "-n", "llm")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == ""
    assert "already migrated" in printed.stderr and ON_CHART in printed.stderr
    assert "nothing written" in printed.stderr
    target = tmp_path / "out"
    written = run("translate", str(release), "-n", "llm", "-o", str(target))
    assert written.exit_code == 0, written.output
    assert not target.exists()
    assert "wrote" not in written.output


@pytest.mark.parametrize("side", ["old", "new"])
def test_render_says_there_is_no_app_template_side(migrated_tree: Path, side: str) -> None:
    release = migrated_tree / "dispatch" / "helmrelease.yaml"
    result = run("render", str(release), "-n", "llm", "--side", side)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "already migrated" in result.stderr
    assert "no app-template side to render" in result.stderr


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_migrate_lists_it_as_already_migrated(migrated_tree: Path, output_format: str) -> None:
    before = snapshot(migrated_tree)
    result = run("migrate", str(migrated_tree), "-n", "llm", "--write", "--format", output_format)
    assert result.exit_code == 0, result.output
    assert snapshot(migrated_tree) == before
    assert "wrote" not in result.stderr
    if output_format == "json":
        document = json.loads(result.stdout)
        assert document["already_migrated"] == ["dispatch/helmrelease.yaml"]
        assert document["releases"] == [] and document["written"] == []
        return
    listed = (
        "`dispatch/helmrelease.yaml`"
        if output_format == "markdown"
        else "dispatch/helmrelease.yaml:"
    )
    line = next(line for line in result.stdout.splitlines() if listed in line)
    assert "already migrated" in line and "nothing written" in line
    assert result.stdout.endswith("0 release(s); 1 already migrated; nothing to do\n")


def test_migrate_knows_the_chart_repo_given(migrated_tree: Path) -> None:
    oci = migrated_tree / "dispatch" / "ocirepository.yaml"
    oci.write_text(
        oci.read_text(encoding="utf-8").replace(
            "oci://ghcr.io/misospace/charts/dispatch", "oci://registry.example/charts/dispatch"
        ),
        encoding="utf-8",
    )
    unknown = run("migrate", str(migrated_tree), "-n", "llm", "--format", "json")
    assert json.loads(unknown.stdout)["already_migrated"] == []
    mirror = ("--chart-repo", "oci://registry.example/charts/dispatch")
    known = run("migrate", str(migrated_tree), "-n", "llm", "--format", "json", *mirror)
    assert known.exit_code == 0, known.output
    assert json.loads(known.stdout)["already_migrated"] == ["dispatch/helmrelease.yaml"]
