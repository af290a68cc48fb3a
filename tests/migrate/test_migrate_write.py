"""`migrate --write` on the real trees: only dispatch's files change, and a rerun is a no-op."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from appt2dispatch.load import load_release
from appt2dispatch.render.dispatch_chart import render_dispatch
from migrate.migrate_support import (
    CHANGED,
    DISPATCH_CHART_URL,
    ERA_OCI,
    ERA_RELEASE,
    ERA_TREE,
    SHARED_COMPONENT_OCI,
    SHARED_KUSTOMIZATION,
    SHARED_NEW_OCI,
    SHARED_RELEASE,
    SHARED_TREE,
    copy_tree,
    read,
    run_migrate,
    snapshot,
)

APP_TEMPLATE_SCHEMA = "app-template/schemas/helmrelease-helm-v2.schema.json"


def safe_load(text: str) -> dict[str, object]:
    loaded = YAML(typ="safe").load(text)
    assert isinstance(loaded, dict)
    return loaded


def migrated(corpus_dir: Path, tmp_path: Path, tree: str) -> tuple[Path, dict[str, str]]:
    root = copy_tree(corpus_dir / tree, tmp_path / "tree")
    before = snapshot(root)
    result = run_migrate(root, "--write")
    assert result.exit_code == 0, result.output
    written = sorted(line.removeprefix("wrote ") for line in result.stderr.splitlines())
    assert written == sorted(str(root / path) for path in CHANGED[tree])
    return root, before


@pytest.mark.parametrize("tree", [ERA_TREE, SHARED_TREE])
def test_only_dispatch_files_change(corpus_dir: Path, tmp_path: Path, tree: str) -> None:
    root, before = migrated(corpus_dir, tmp_path, tree)
    after = snapshot(root)
    changed = {path for path in after if before.get(path) != after[path]}
    assert changed == CHANGED[tree]
    assert set(before) <= set(after)  # nothing removed
    assert set(after) - set(before) <= CHANGED[tree]  # no lock, journal or backup left


def test_era_release_and_dedicated_ocirepository_rewritten(
    corpus_dir: Path, tmp_path: Path
) -> None:
    root, _ = migrated(corpus_dir, tmp_path, ERA_TREE)
    text = read(root, ERA_RELEASE)
    original = read(corpus_dir / ERA_TREE, ERA_RELEASE)
    # The human's top lines and Flux settings survive, byte for byte, in order.
    assert text.startswith("---\n# yaml-language-server: $schema=")
    assert APP_TEMPLATE_SCHEMA not in text
    head = original.split("  values:\n", 1)[0].splitlines()[2:]
    assert text.split("  values:\n", 1)[0].splitlines()[2:] == head
    release = safe_load(text)
    spec = release["spec"]
    assert isinstance(spec, dict)
    assert spec["chartRef"] == {"kind": "OCIRepository", "name": "dispatch"}
    assert spec["interval"] == "15m"
    assert spec["dependsOn"] == []
    values = spec["values"]
    assert isinstance(values, dict)
    assert "controllers" not in values
    assert values["existingSecret"] == "dispatch"
    # The image exactly as the old values wrote it (repository, `tag@digest` form).
    assert values["image"] == {
        "repository": "ghcr.io/misospace/dispatch",
        "tag": "0.5.17@sha256:0abe49ec7fb794dfe2209d3359c9ed827f30c4ce5154284af39ef03e6261a5c8",
    }
    # A comment about the groomer model moved with its value.
    assert "# Grooming is triage/classification, not code" in text
    oci = safe_load(read(root, ERA_OCI))
    assert oci["spec"] == {
        "interval": "5m",
        "layerSelector": {
            "mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            "operation": "copy",
        },
        "ref": {"tag": "0.5.40"},  # the bundled chart that rendered the new side
        "url": DISPATCH_CHART_URL,
    }
    assert read(root, ERA_OCI).startswith(read(corpus_dir / ERA_TREE, ERA_OCI).split("spec:")[0])


def test_shared_ocirepository_untouched_and_new_one_listed(
    corpus_dir: Path, tmp_path: Path
) -> None:
    root, before = migrated(corpus_dir, tmp_path, SHARED_TREE)
    assert snapshot(root)[SHARED_COMPONENT_OCI] == before[SHARED_COMPONENT_OCI]
    spec = safe_load(read(root, SHARED_RELEASE))["spec"]
    assert isinstance(spec, dict)
    assert spec["chartRef"] == {"kind": "OCIRepository", "name": "dispatch"}
    new_oci = safe_load(read(root, SHARED_NEW_OCI))
    assert new_oci["metadata"] == {"name": "dispatch"}
    assert new_oci["spec"]["url"] == DISPATCH_CHART_URL  # type: ignore[index]
    assert new_oci["spec"]["ref"] == {"tag": "0.5.40"}  # type: ignore[index]
    original = read(corpus_dir / SHARED_TREE, SHARED_KUSTOMIZATION)
    assert read(root, SHARED_KUSTOMIZATION) == original + "  - ./ocirepository.yaml\n"


@pytest.mark.parametrize(
    ("tree", "release"), [(ERA_TREE, ERA_RELEASE), (SHARED_TREE, SHARED_RELEASE)]
)
def test_second_run_finds_nothing_to_do(
    corpus_dir: Path, tmp_path: Path, tree: str, release: str
) -> None:
    root, _ = migrated(corpus_dir, tmp_path, tree)
    after_first = snapshot(root)
    again = run_migrate(root, "--write")
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("0 release(s); 1 already migrated; nothing to do\n")
    assert "wrote" not in again.stderr
    assert snapshot(root) == after_first
    document = json.loads(run_migrate(root, "--format", "json").stdout)
    assert document["already_migrated"] == [release]


@pytest.mark.parametrize(
    ("tree", "release"), [(ERA_TREE, ERA_RELEASE), (SHARED_TREE, SHARED_RELEASE)]
)
def test_written_release_loads_and_renders_with_the_chart(
    corpus_dir: Path, tmp_path: Path, tree: str, release: str
) -> None:
    root, _ = migrated(corpus_dir, tmp_path, tree)
    loaded = load_release(root / release, tree_root=root)
    assert loaded.chart_ref == {"kind": "OCIRepository", "name": "dispatch"}
    rendered = render_dispatch(loaded.values, release_name="dispatch", namespace="llm")
    kinds = sorted(str(obj["kind"]) for obj in rendered.objects)
    assert kinds == ["Deployment", "HTTPRoute", "Job", "Service", "ServiceAccount"]


@pytest.mark.parametrize("tree", [ERA_TREE, SHARED_TREE])
def test_git_apply_of_the_dry_run_patch_equals_write(
    corpus_dir: Path, tmp_path: Path, tree: str
) -> None:
    written, _ = migrated(corpus_dir, tmp_path / "written", tree)
    patched = copy_tree(corpus_dir / tree, tmp_path / "patched")
    dry = run_migrate(patched, "--format", "json")
    patch = "".join(release["patch"] for release in json.loads(dry.stdout)["releases"])
    (tmp_path / "json.patch").write_text(patch)
    text_patch = tmp_path / "text.patch"
    text_patch.write_text(run_migrate(patched).stdout)  # the report around it is ignored
    for patch_file in (tmp_path / "json.patch", text_patch):
        target = copy_tree(corpus_dir / tree, tmp_path / f"apply-{patch_file.stem}")
        subprocess.run(
            ["git", "apply", "--whitespace=nowarn", str(patch_file)],
            cwd=target,
            check=True,
            capture_output=True,
        )
        assert snapshot(target) == snapshot(written)


def test_write_as_a_real_process(era_tree: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "appt2dispatch", "migrate", str(era_tree), "--write"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"wrote {era_tree / ERA_RELEASE}" in completed.stderr
    assert "url: " + DISPATCH_CHART_URL in read(era_tree, ERA_OCI)


def test_two_releases_in_one_directory_share_one_kustomization_edit(
    shared_tree: Path, tmp_path: Path
) -> None:
    directory = shared_tree / SHARED_RELEASE.rsplit("/", 1)[0]
    second = read(shared_tree, SHARED_RELEASE).replace("  name: dispatch\n", "  name: other\n")
    (directory / "helmrelease-other.yaml").write_text(second)
    with (directory / "kustomization.yaml").open("a") as handle:
        handle.write("  - ./helmrelease-other.yaml\n")
    pristine = copy_tree(shared_tree, tmp_path / "pristine")
    dry = run_migrate(shared_tree, "--format", "json")
    patch = "".join(release["patch"] for release in json.loads(dry.stdout)["releases"])
    result = run_migrate(shared_tree, "--write")
    assert result.exit_code == 0, result.output
    resources = safe_load((directory / "kustomization.yaml").read_text())["resources"]
    assert resources == [
        "./externalsecret.yaml",
        "./helmrelease.yaml",
        "./helmrelease-other.yaml",
        "./ocirepository.yaml",
        "./dispatch.ocirepository.yaml",
    ]
    names = {
        safe_load((directory / name).read_text())["metadata"]["name"]  # type: ignore[index]
        for name in ("ocirepository.yaml", "dispatch.ocirepository.yaml")
    }
    assert names == {"dispatch", "other"}
    (tmp_path / "all.patch").write_text(patch)
    subprocess.run(["git", "apply", str(tmp_path / "all.patch")], cwd=pristine, check=True)
    assert snapshot(pristine) == snapshot(shared_tree)
    again = run_migrate(shared_tree)
    assert again.stdout.endswith("0 release(s); 2 already migrated; nothing to do\n")
