"""`migrate --write` on both real trees: the OCIRepository written names exactly the chart
that rendered the new side, and the written values keep what the old release stated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from appt2dispatch.render.dispatch_chart import CHART_URL, bundled_chart_version
from migrate.migrate_support import (
    ERA_OCI,
    ERA_RELEASE,
    ERA_TREE,
    SHARED_NEW_OCI,
    SHARED_RELEASE,
    SHARED_TREE,
    copy_tree,
    read,
    run_migrate,
)


def load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize(
    ("tree", "release", "oci"),
    [(ERA_TREE, ERA_RELEASE, ERA_OCI), (SHARED_TREE, SHARED_RELEASE, SHARED_NEW_OCI)],
)
def test_written_ocirepository_is_the_rendered_chart(
    corpus_dir: Path, tmp_path: Path, tree: str, release: str, oci: str
) -> None:
    root = copy_tree(corpus_dir / tree, tmp_path / "tree")
    report_file = tmp_path / "report.json"
    result = run_migrate(root, "--write", "--json-report", str(report_file))
    assert result.exit_code == 0, result.output
    assert "restamp" not in result.output
    [entry] = json.loads(report_file.read_text(encoding="utf-8"))["releases"]
    chart = entry["report"]["renderers"]["new_chart"]
    assert (chart["url"], chart["version"], chart["origin"]) == (
        CHART_URL,
        bundled_chart_version(),
        "bundled",
    )
    assert chart["digest"] in entry["report"]["renderers"]["new"]
    spec = load(read(root, oci))["spec"]
    assert (spec["url"], str(spec["ref"]["tag"])) == (chart["url"], chart["version"])
    assert release in {file["path"] for file in entry["files"]}


def test_app_template_era_values_keep_what_the_release_stated(
    corpus_dir: Path, tmp_path: Path
) -> None:
    root = copy_tree(corpus_dir / ERA_TREE, tmp_path / "tree")
    assert run_migrate(root, "--write").exit_code == 0
    text = read(root, ERA_RELEASE)
    values = load(text)["spec"]["values"]
    groomer = values["config"]["groomer"]
    assert groomer["dryRun"] is False
    assert groomer["repoContext"] is True
    assert groomer["enabled"] is True
    assert values["image"]["repository"] == "ghcr.io/misospace/dispatch"
    # As written in the old values: the tag with its digest, whole.
    assert values["image"]["tag"] == (
        "0.5.17@sha256:0abe49ec7fb794dfe2209d3359c9ed827f30c4ce5154284af39ef03e6261a5c8"
    )
    # No null whose only effect is to drop a variable the app reads as its own default.
    assert "intervals" not in values["config"]["scheduler"]
    assert "Ms: null" not in text
