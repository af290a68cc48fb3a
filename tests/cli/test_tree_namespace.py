"""`diff --tree` and `translate --tree` on the complete home-ops tree need no --namespace:
the namespace comes from the kustomize build of the Flux Kustomization that applies
dispatch, and the report says so."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from appt2dispatch.cli import cli

TREE = "home-ops-tree-app-template-era"
RELEASE = "kubernetes/apps/base/llm/dispatch/helmrelease.yaml"
ORIGIN = (
    "namespace llm: kubernetes/apps/main/llm/kustomization.yaml (namespace) via replacements"
    " kubernetes/components/replacements/ks.yaml"
)


def diff_json(root: Path, *extra: str) -> dict:
    result = CliRunner().invoke(
        cli, ["diff", str(root / RELEASE), "--tree", str(root), "--format", "json", *extra]
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_diff_tree_without_namespace_matches_the_explicit_one(corpus_dir: Path) -> None:
    root = corpus_dir / TREE
    found = diff_json(root)
    given = diff_json(root, "--namespace", "llm")
    assert found["verdict"] == given["verdict"] == "no-behavior-change"
    assert found["findings"] == given["findings"]
    assert found["values"] == given["values"]
    assert ORIGIN in [note["message"] for note in found["notes"]]


def test_diff_tree_text_and_markdown_name_the_origin(corpus_dir: Path) -> None:
    root = corpus_dir / TREE
    for output in ("text", "markdown"):
        result = CliRunner().invoke(
            cli, ["diff", str(root / RELEASE), "--tree", str(root), "--format", output]
        )
        assert result.exit_code == 0, result.stderr
        assert ORIGIN in result.stdout


def test_translate_tree_without_namespace(corpus_dir: Path) -> None:
    root = corpus_dir / TREE
    result = CliRunner().invoke(cli, ["translate", str(root / RELEASE), "--tree", str(root)])
    assert result.exit_code == 0, result.stderr
    assert f"note: {ORIGIN}" in result.stderr
