"""`translate -o DIR`: the files docs/usage.md promises, and which one the kustomization needs."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from appt2dispatch.cli import cli
from conftest import FIXTURES_DIR


def translate_to(case: str, tmp_path: Path) -> tuple[set[str], str]:
    source = shutil.copytree(FIXTURES_DIR / "translate" / case, tmp_path / "case")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            *("translate", str(source / "helmrelease.yaml"), "-n", "llm"),
            *("--app-template-version", "4.1.1", "-o", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    return {path.name for path in out.iterdir()}, result.output


def test_own_ocirepository_gets_four_files_and_the_patch_hint(tmp_path: Path) -> None:
    names, output = translate_to("follow-chart-version", tmp_path)
    assert names == {
        "values.yaml",
        "helmrelease.yaml",
        "ocirepository.yaml",
        "ocirepository.patch.yaml",
    }
    assert "add ocirepository.patch.yaml to the kustomization's patches" in output


def test_shared_ocirepository_gets_three_files_and_the_kustomization_hint(
    tmp_path: Path,
) -> None:
    names, output = translate_to("mission-control-shared-oci", tmp_path)
    assert names == {"values.yaml", "helmrelease.yaml", "ocirepository.yaml"}
    assert "add it to the resources of the kustomization.yaml that lists the HelmRelease" in (
        output
    )


def test_usage_doc_describes_both_counts() -> None:
    usage = (Path(__file__).parents[2] / "docs" / "usage.md").read_text(encoding="utf-8")
    assert "plus `ocirepository.patch.yaml` when the release has its own OCIRepository" in usage
    assert "a release on a shared OCIRepository gets 3" in usage
