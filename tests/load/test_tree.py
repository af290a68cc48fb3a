"""Tree discovery on the real home-ops trees and on generated ones."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.load.release import release_ocirepository
from appt2dispatch.load.tree import discover_releases, load_release_from_tree
from appt2dispatch.load.yamlio import MAX_FILE_BYTES

AT_ERA = "home-ops-tree-app-template-era"
SHARED_ERA = "home-ops-tree-shared-oci-era"
SHARED_REPO = "kubernetes/components/namespace/repos/ocirepository.yaml"
HELM_RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n"
    "spec:\n  chartRef:\n    kind: OCIRepository\n    name: {chart}\n  values:\n"
    "    controllers:\n      main:\n        containers:\n          app:\n            image:\n"
    "              repository: {image}\n"
)
OCI_REPOSITORY = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: {name}\n"
    "spec:\n  url: oci://ghcr.io/bjw-s-labs/helm/app-template\n  ref: {{tag: 4.1.1}}\n"
)


def test_app_template_era_tree(corpus_dir: Path) -> None:
    root = corpus_dir / AT_ERA
    index = discover_releases(root)
    assert index.errors == () and index.notes == ()
    dispatch = [entry for entry in index.helmreleases if entry.looks_like_dispatch]
    assert [entry.name for entry in dispatch] == ["dispatch"]
    (entry,) = dispatch
    assert entry.path == root / "kubernetes/apps/base/llm/dispatch/helmrelease.yaml"
    oci = index.ocirepository_for(entry)
    assert oci is not None
    assert oci.path == root / "kubernetes/apps/base/llm/dispatch/ocirepository.yaml"
    assert [user.name for user in index.users_of(oci)] == ["dispatch"]
    kustomization = index.kustomization_for(entry.path)
    assert kustomization is not None
    assert kustomization.path == root / "kubernetes/apps/main/llm/dispatch.yaml"
    assert kustomization.name == "dispatch"
    assert kustomization.data["spec"]["postBuild"]["substitute"]["APP"] == "dispatch"
    # The bridge lives below dispatch's directory but belongs to its own Kustomization.
    bridge = next(e for e in index.helmreleases if e.name == "foreman-dispatch-bridge")
    assert not bridge.looks_like_dispatch
    bridge_kustomization = index.kustomization_for(bridge.path)
    assert bridge_kustomization is not None
    assert bridge_kustomization.name == "foreman-dispatch-bridge"
    release = load_release_from_tree(index, entry)
    assert release.namespace == "llm"  # no --namespace: the built Flux Kustomization says
    assert release.substitutions["APP"] == "dispatch"
    assert release_ocirepository(release) == oci


def test_shared_oci_era_tree(corpus_dir: Path) -> None:
    root = corpus_dir / SHARED_ERA
    index = discover_releases(root)
    (entry,) = [entry for entry in index.helmreleases if entry.looks_like_dispatch]
    assert entry.name == "dispatch" and entry.chart_ref == {
        "kind": "OCIRepository",
        "name": "app-template",
    }
    oci = index.ocirepository_for(entry)
    assert oci is not None and oci.path == root / SHARED_REPO
    # The complete tree: every app on app-template shares this OCIRepository.
    users = [user.name for user in index.users_of(oci)]
    assert "dispatch" in users and len(users) > 50
    kustomization = index.kustomization_for(entry.path)
    assert kustomization is not None and kustomization.name == "dispatch"
    release = load_release_from_tree(index, entry)
    assert release.namespace == "llm"
    assert release.substitutions["APP"] == "dispatch"
    assert release_ocirepository(release) == oci


def test_shared_ocirepository_has_several_users(corpus_dir: Path) -> None:
    index = discover_releases(corpus_dir / SHARED_ERA)
    shared = next(doc for doc in index.ocirepositories if doc.name == "app-template")
    users = sorted(str(user.name) for user in index.users_of(shared))
    assert "dispatch" in users and len(users) > 50  # every app-template app of the cluster


def test_history_directory_records_the_broken_file_and_goes_on(corpus_dir: Path) -> None:
    index = discover_releases(corpus_dir / "home-ops-history")
    (error,) = index.errors
    assert "02-2026-06-21-openclaw-dispatch-3c4767809.yaml:25:45: invalid YAML" in str(error)
    assert len(index.helmreleases) == 46  # 47 HelmRelease files, one broken
    heartbeats = [entry for entry in index.helmreleases if "heartbeat" in entry.path.name]
    assert len(heartbeats) == 2 and not any(entry.looks_like_dispatch for entry in heartbeats)
    last = next(e for e in index.helmreleases if e.path.name.startswith("26-"))
    oci = index.ocirepository_for(last)
    assert (
        oci is not None and oci.path.name == "26-2026-07-02-dispatch-da5427f22.ocirepository.yaml"
    )


def test_symlinks_never_lead_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "hr.yaml").write_text(HELM_RELEASE.format(name="escaped", chart="c", image="i"))
    root = tmp_path / "root"
    (root / "apps").mkdir(parents=True)
    (root / "apps/real.yaml").write_text(HELM_RELEASE.format(name="real", chart="c", image="i"))
    os.symlink(outside / "hr.yaml", root / "apps/link.yaml")
    os.symlink(outside, root / "linked-dir")
    os.symlink(root / "apps/real.yaml", root / "apps/inside-link.yaml")
    index = discover_releases(root)
    assert sorted(str(entry.path.name) for entry in index.helmreleases) == [
        "inside-link.yaml",
        "real.yaml",
    ]
    file_note, directory_note = sorted(index.notes, key=lambda note: str(note.location))
    assert file_note.location is not None and file_note.location.path.endswith("link.yaml")
    assert "symlink to a file outside the tree" in file_note.message
    # Issue 12 item 17: a symlinked directory leaving the tree is noted too.
    assert directory_note.location is not None
    assert directory_note.location.path.endswith("linked-dir")
    assert "symlink to a directory outside the tree" in directory_note.message


def test_hidden_non_yaml_and_oversized_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git/hr.yaml").write_text(HELM_RELEASE.format(name="git", chart="c", image="i"))
    (tmp_path / "notes.txt").write_text(HELM_RELEASE.format(name="txt", chart="c", image="i"))
    (tmp_path / "hr.yml").write_text(HELM_RELEASE.format(name="yml", chart="c", image="i"))
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (tmp_path / "binary.yaml").write_bytes(b"\x00\x01")
    index = discover_releases(tmp_path)
    assert [entry.name for entry in index.helmreleases] == ["yml"]
    (note,) = index.notes
    assert "over the" in note.message and note.location is not None
    (error,) = index.errors
    assert "binary content" in error.message


@pytest.mark.parametrize("count", [1000])
def test_generated_tree_of_a_thousand_releases(tmp_path: Path, count: int) -> None:
    """Even apps use the shared OCIRepository, odd ones their own (same name as the app)."""
    (tmp_path / "components/repos").mkdir(parents=True)
    (tmp_path / "components/repos/ocirepository.yaml").write_text(
        OCI_REPOSITORY.format(name="app-template")
    )
    (tmp_path / "flux").mkdir()
    for number in range(count):
        name = f"app{number:04d}"
        directory = tmp_path / "apps" / name
        directory.mkdir(parents=True)
        dedicated = number % 2 == 1
        chart = name if dedicated else "app-template"
        image = "ghcr.io/misospace/dispatch" if number % 100 == 0 else "nginx"
        (directory / "helmrelease.yaml").write_text(
            HELM_RELEASE.format(name=name, chart=chart, image=image)
        )
        resources = ["./helmrelease.yaml"]
        if dedicated:
            (directory / "ocirepository.yaml").write_text(OCI_REPOSITORY.format(name=name))
            resources.append("./ocirepository.yaml")
        (directory / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"resources: {resources}\n"
        )
        (tmp_path / "flux" / f"{name}.yaml").write_text(
            f"---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            f"metadata: {{name: {name}}}\nspec:\n  path: ./apps/{name}\n"
            f"  postBuild: {{substitute: {{APP: {name}}}}}\n"
        )

    index = discover_releases(tmp_path)
    assert index.errors == () and len(index.helmreleases) == count
    assert len(index.ocirepositories) == count // 2 + 1
    shared = next(doc for doc in index.ocirepositories if doc.name == "app-template")
    assert len(index.users_of(shared)) == count // 2
    dispatch = [entry.name for entry in index.helmreleases if entry.looks_like_dispatch]
    assert dispatch == [f"app{n:04d}" for n in range(0, count, 100)]
    for number in (0, 1, 998, 999):
        name = f"app{number:04d}"
        entry = next(e for e in index.helmreleases if e.name == name)
        oci = index.ocirepository_for(entry)
        assert oci is not None
        expected = (
            tmp_path / "apps" / name / "ocirepository.yaml"
            if number % 2
            else tmp_path / "components/repos/ocirepository.yaml"
        )
        assert oci.path == expected
        kustomization = index.kustomization_for(entry.path)
        assert kustomization is not None and kustomization.name == name
        release = load_release_from_tree(index, entry, namespace="apps")
        assert release.substitutions == {"APP": name}


def test_resolution_parses_only_the_release_files_round_trip(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kustomize build on the path reads the plain data discovery already holds: in a
    1,000-file tree only the files that may be rewritten are parsed round-trip."""
    import appt2dispatch.load.tree as tree_module

    parsed: list[Path] = []
    real = tree_module.read_documents

    def counting(path: Path) -> Any:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(tree_module, "read_documents", counting)
    root = corpus_dir / AT_ERA
    index = discover_releases(root)
    (entry,) = [entry for entry in index.helmreleases if entry.looks_like_dispatch]
    release = load_release_from_tree(index, entry)
    assert release.namespace == "llm"
    assert [path.name for path in parsed] == ["helmrelease.yaml", "ocirepository.yaml"]
