"""Report fixes from review, each checked on the text, markdown and JSON output of `diff`."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from appt2dispatch.cli import cli
from conftest import FIXTURES_DIR

FORMATS = ("text", "markdown", "json")


def diff(release: Path, output_format: str, *options: str) -> Result:
    return CliRunner().invoke(
        cli, ["diff", str(release), "-n", "llm", "--format", output_format, *options]
    )


def case(name: str, tmp_path: Path) -> Path:
    return shutil.copytree(FIXTURES_DIR / "translate" / name, tmp_path / name) / "helmrelease.yaml"


def verdict_line(output: str, output_format: str) -> str:
    if output_format == "json":
        report = json.loads(output)
        return " ".join([report["verdict"], *report["caveats"]])
    marker = "verdict:" if output_format == "text" else "**appt2dispatch"
    return next(line for line in output.splitlines() if marker in line)


def notes_of(output: str, output_format: str) -> list[str]:
    if output_format == "json":
        return [note["message"] for note in json.loads(output)["notes"]]
    lines = [line for line in output.splitlines() if line.lstrip().startswith("- [")]
    return [html.unescape(line) for line in lines]  # markdown escapes `>` in prose


@pytest.mark.parametrize("output_format", FORMATS)
def test_dropped_comment_says_dropped(tmp_path: Path, output_format: str) -> None:
    result = diff(
        case("newest-dispatch", tmp_path), output_format, "--app-template-version", "4.1.1"
    )
    assert result.exit_code == 0, result.output
    dropped = [note for note in notes_of(result.output, output_format) if "HOSTNAME" in note]
    assert dropped, result.output
    assert "comment dropped from the translated values (it names HOSTNAME" in dropped[0]
    assert "kept here" not in result.output


@pytest.mark.parametrize("output_format", FORMATS)
def test_unpinned_image_is_not_called_pinned(tmp_path: Path, output_format: str) -> None:
    result = diff(case("sha-tag", tmp_path), output_format, "--app-template-version", "4.1.1")
    image = [n for n in notes_of(result.output, output_format) if "-> image.repository" in n]
    assert image, result.output
    assert "(unpinned: a tag without a digest, kept as it is)" in image[0]
    assert "pin kept" not in image[0]


@pytest.mark.parametrize("output_format", FORMATS)
def test_dry_run_warning_only_when_the_migration_changes_it(
    tmp_path: Path, output_format: str
) -> None:
    """The old pod already ran DISPATCH_GROOMER_DRY_RUN=false: no warning."""
    result = diff(
        case("newest-dispatch", tmp_path), output_format, "--app-template-version", "4.1.1"
    )
    assert result.exit_code == 0, result.output
    assert "config.groomer.dryRun is false" not in result.output


def test_dry_run_warning_stays_when_the_old_pod_did_not_write() -> None:
    from appt2dispatch.models import Rendered
    from appt2dispatch.pipeline import changed_side_notes

    warning = "WARNING: config.groomer.dryRun is false: the groomer WRITES to GitHub."
    new = Rendered(objects=(), renderer="new", notes=(warning,))

    def old(value: str | None) -> Rendered:
        env = [] if value is None else [{"name": "DISPATCH_GROOMER_DRY_RUN", "value": value}]
        pod = {"spec": {"template": {"spec": {"containers": [{"name": "app", "env": env}]}}}}
        return Rendered(objects=({"kind": "Deployment", **pod},), renderer="old")

    assert changed_side_notes(old(None), new) == (warning,)
    assert changed_side_notes(old("true"), new) == (warning,)
    assert changed_side_notes(old("false"), new) == ()


@pytest.mark.parametrize("output_format", FORMATS)
def test_app_template_version_not_visible_is_on_the_verdict_line(
    tmp_path: Path, output_format: str
) -> None:
    release = case("newest-dispatch", tmp_path)  # no OCIRepository beside it
    line = verdict_line(diff(release, output_format).output, output_format)
    assert "app-template version not visible" in line
    assert "--app-template-version" in line
    named = verdict_line(
        diff(release, output_format, "--app-template-version", "4.1.1").output, output_format
    )
    assert "app-template version not visible" not in named


@pytest.mark.parametrize("output_format", ["markdown", "json"])
def test_ocirepository_and_helmrelease_changes_are_apart(
    tmp_path: Path, output_format: str
) -> None:
    release = case("follow-chart-version", tmp_path)  # has its own OCIRepository
    result = diff(release, output_format, "--app-template-version", "4.1.1")
    if output_format == "json":
        report = json.loads(result.output)
        oci, helm = report["ocirepository_change"], report["helmrelease_change"]
    else:
        sections = result.output.split("<details><summary>")
        oci = next(part for part in sections if part.startswith("OCIRepository change"))
        helm = next(part for part in sections if part.startswith("HelmRelease change"))
    assert "+  url: oci://ghcr.io/misospace/charts/dispatch" in oci
    assert "helmrelease.yaml" not in oci and "kind: HelmRelease" not in oci
    assert "helmrelease.yaml" in helm and "ocirepository.yaml" not in helm


def test_text_report_has_no_diff_sections(tmp_path: Path) -> None:
    release = case("follow-chart-version", tmp_path)
    result = diff(release, "text", "--app-template-version", "4.1.1")
    assert "+++ " not in result.output


@pytest.mark.parametrize("output_format", FORMATS)
def test_release_already_on_the_dispatch_chart(tmp_path: Path, output_format: str) -> None:
    out = tmp_path / "migrated"
    translated = CliRunner().invoke(
        cli,
        [
            *("translate", str(case("newest-dispatch", tmp_path)), "-n", "llm"),
            *("--app-template-version", "4.1.1", "-o", str(out)),
        ],
    )
    assert translated.exit_code == 0, translated.output
    result = diff(out / "helmrelease.yaml", output_format)
    assert result.exit_code == 0, result.output
    assert "outside the built-in model" not in result.output
    line = verdict_line(result.output, output_format)
    if output_format == "json":
        assert json.loads(result.output)["verdict"] == "already-migrated"
    else:
        assert "already migrated" in line
    assert "oci://ghcr.io/misospace/charts/dispatch:0.5.40" in result.output


def test_chart_docs_describe_the_service_account_as_the_template_renders_it() -> None:
    from appt2dispatch.render.dispatch_chart import bundled_chart_dir

    for name in ("README.md", "values.yaml"):
        text = (bundled_chart_dir() / name).read_text(encoding="utf-8")
        assert "also a hook" not in text and "pre-install/pre-upgrade hook (one" not in text
        assert "not a hook" in text, name
    template = (bundled_chart_dir() / "templates" / "serviceaccount.yaml").read_text("utf-8")
    assert "helm.sh/hook" not in template
