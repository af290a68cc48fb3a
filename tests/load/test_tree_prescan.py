"""Discovery's pre-scan: files with no indexed kind wait, and nothing is lost by it."""

from __future__ import annotations

from pathlib import Path

from appt2dispatch.load.quickload import is_wellformed, may_hold_indexed_kind
from appt2dispatch.load.tree import discover_releases

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
ESCAPED_RELEASE = (
    'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: "Helm\\u0052elease"\n'
    "metadata:\n  name: escaped\nspec:\n  values: {}\n"
)


def test_a_file_without_indexed_kinds_is_parsed_only_when_asked_for(tmp_path: Path) -> None:
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    index = discover_releases(tmp_path)
    assert index.documents == ()
    assert str(tmp_path / "deployment.yaml") in index.deferred
    (document,) = index.documents_in(tmp_path / "deployment.yaml")
    assert document.kind == "Deployment" and document.name == "web"
    assert document.line == 1 and document.column == 1


def test_an_escape_that_spells_a_kind_is_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "release.yaml").write_text(ESCAPED_RELEASE)
    index = discover_releases(tmp_path)
    assert [entry.name for entry in index.helmreleases] == ["escaped"]


def test_kustomization_files_are_always_indexed(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - ./deployment.yaml\n")
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    index = discover_releases(tmp_path)
    assert [str(doc.path.name) for doc in index.documents] == ["kustomization.yaml"]


def test_a_broken_file_without_indexed_kinds_is_still_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: Deployment\nspec: [unclosed\n")
    index = discover_releases(tmp_path)
    (error,) = index.errors
    assert "broken.yaml" in str(error) and "invalid YAML" in str(error)
    assert index.deferred == frozenset()


def test_prescan_words() -> None:
    assert not may_hold_indexed_kind(DEPLOYMENT)
    assert may_hold_indexed_kind("kind: ExternalSecret\n")
    assert may_hold_indexed_kind('kind: "\\x48elmRelease"\n')
    assert is_wellformed(DEPLOYMENT)
    assert not is_wellformed("a: [b\n")
