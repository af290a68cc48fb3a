"""The lazy tree index: a lookup parses only the files that may answer it, and the
substring scan that picks them never loses a document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appt2dispatch.load import tree
from appt2dispatch.load.tree import discover_releases

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
ESCAPED_RELEASE = (
    'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: "Helm\\u0052elease"\n'
    "metadata:\n  name: escaped\nspec:\n  values: {}\n"
)
RELEASE = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n"
FLUX_KS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
    "metadata:\n  name: {name}\nspec:\n  path: {path}\n  targetNamespace: {namespace}\n"
)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The sources the index parses, in order."""
    seen: list[str] = []
    real = tree.scan_documents

    def counting(text: str, *, source: str) -> list[tree.ScannedDocument]:
        seen.append(Path(source).name)
        return real(text, source=source)

    monkeypatch.setattr(tree, "scan_documents", counting)
    yield seen


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_discovery_parses_nothing(tmp_path: Path, parsed: list[str]) -> None:
    _write(tmp_path, {"deployment.yaml": DEPLOYMENT, "r.yaml": RELEASE.format(name="a")})
    index = discover_releases(tmp_path)
    assert parsed == []
    (document,) = index.documents_in(tmp_path / "deployment.yaml")
    assert document.kind == "Deployment" and document.name == "web"
    assert document.line == 1 and document.column == 1
    assert parsed == ["deployment.yaml"]


def test_a_lookup_by_name_parses_only_files_that_name_it(tmp_path: Path, parsed: list[str]) -> None:
    _write(tmp_path, {f"r{n}.yaml": RELEASE.format(name=f"app{n}") for n in range(20)})
    index = discover_releases(tmp_path)
    (found,) = index.named("HelmRelease", "app7")
    assert found.path.name == "r7.yaml"
    assert parsed == ["r7.yaml"]


def test_an_escape_that_spells_a_kind_is_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "release.yaml").write_text(ESCAPED_RELEASE)
    index = discover_releases(tmp_path)
    assert [entry.name for entry in index.helmreleases] == ["escaped"]
    assert [doc.name for doc in index.named("HelmRelease", "escaped")] == ["escaped"]


def test_flux_kustomization_found_by_path_parses_only_those_naming_it(
    tmp_path: Path, parsed: list[str]
) -> None:
    files = {
        f"apps/app{n}/ks.yaml": FLUX_KS.format(name=f"app{n}", path=f"./apps/app{n}", namespace="x")
        for n in range(10)
    }
    files["apps/app3/release.yaml"] = RELEASE.format(name="app3")
    _write(tmp_path, files)
    index = discover_releases(tmp_path)
    (found,) = index.flux_kustomizations_for(tmp_path / "apps/app3/release.yaml")
    assert found.name == "app3"
    assert set(parsed) == {"ks.yaml"} and len(parsed) == 1


def test_a_spec_path_that_normalises_away_names_is_still_found(tmp_path: Path) -> None:
    """`./` names no directory: every Flux Kustomization may apply the root."""
    _write(
        tmp_path,
        {
            "flux/ks.yaml": FLUX_KS.format(name="root", path="./", namespace="everything"),
            "apps/release.yaml": RELEASE.format(name="a"),
        },
    )
    index = discover_releases(tmp_path)
    (found,) = index.flux_kustomizations_for(tmp_path / "apps/release.yaml")
    assert found.name == "root"


def test_a_resource_path_through_dot_dot_is_followed(tmp_path: Path) -> None:
    """kustomize normalises `../x/../app`: the listing file holds the names that stay."""
    _write(
        tmp_path,
        {
            "apps/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                "namespace: listed\nresources:\n  - ./other/../app\n"
            ),
            "apps/app/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                "resources:\n  - ./ks.yaml\n"
            ),
            "apps/app/ks.yaml": FLUX_KS.format(name="app", path="./apps/app/x", namespace="y"),
            "apps/app/x/release.yaml": RELEASE.format(name="a"),
            "flux.yaml": FLUX_KS.format(name="apps", path="./apps", namespace="z"),
        },
    )
    index = discover_releases(tmp_path)
    assert index.reachable(tmp_path / "apps/app/ks.yaml")[str(tmp_path / "apps/app/ks.yaml")] == (
        "listed"
    )


def test_a_broken_file_is_reported_when_everything_is_asked_for(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: Deployment\nspec: [unclosed\n")
    index = discover_releases(tmp_path)
    assert index.read_errors == ()
    (error,) = index.errors
    assert "broken.yaml" in str(error) and "invalid YAML" in str(error)
    assert index.parse_error(tmp_path / "broken.yaml") == error
