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


EXAMPLE_TREE = Path(__file__).resolve().parents[2] / "examples" / "home-ops"
EXAMPLE_RELEASE = EXAMPLE_TREE / "kubernetes/apps/base/tools/dispatch/helmrelease.yaml"


def test_written_files_keep_the_postbuild_variables(tmp_path: Path) -> None:
    """`${DOMAIN}` and `${APP}` stay as written, as `migrate --write` keeps them: a file
    with the substituted values would stop following the Flux Kustomization's variables."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["translate", str(EXAMPLE_RELEASE), "--tree", str(EXAMPLE_TREE), "-o", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    for name in ("values.yaml", "helmrelease.yaml"):
        text = (out / name).read_text(encoding="utf-8")
        assert "- dispatch.${DOMAIN}" in text, name
        assert "existingSecret: ${APP}-pg-app" in text, name
        assert "example.internal" not in text, name
    assert "  name: ${APP}\n" in (out / "helmrelease.yaml").read_text(encoding="utf-8")
