"""The translated HelmRelease, the OCIRepository change and its kustomize patch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from appt2dispatch.models import HelmRelease, OutputFile
from appt2dispatch.translate import translate_release, translated_files
from translate.translate_support import (
    app_container,
    builtin_old,
    load_release,
    release_from_text,
    release_text,
)

CHART_URL = "oci://ghcr.io/misospace/charts/dispatch"
OCI_TEXT = """\
---
# yaml-language-server: $schema=https://k8s-schemas.home-operations.com/source.toolkit.fluxcd.io/ocirepository_v1.json
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: dispatch
spec:
  interval: 5m  # poll
  layerSelector:
    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip
    operation: copy
  ref:
    tag: 5.0.1
  url: oci://ghcr.io/bjw-s-labs/helm/app-template
"""


def make_release(tmp_path: Path, oci: str = "dispatch", tag: str | None = None) -> HelmRelease:
    (tmp_path / "ocirepository.yaml").write_text(OCI_TEXT, encoding="utf-8")
    text = release_text(oci=oci) if tag is None else release_text(oci=oci, tag=tag)
    (tmp_path / "helmrelease.yaml").write_text(text, encoding="utf-8")
    return load_release(tmp_path / "helmrelease.yaml")


def files_by_name(files: list[OutputFile]) -> dict[str, OutputFile]:
    return {file.path.name: file for file in files}


def load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def test_dedicated_ocirepository_is_edited_and_patched(tmp_path: Path) -> None:
    release = make_release(tmp_path)
    translation = translate_release(release, builtin_old(release))
    files = files_by_name(translated_files(release, translation, out_dir=tmp_path / "out"))
    assert set(files) == {
        "values.yaml",
        "helmrelease.yaml",
        "ocirepository.yaml",
        "ocirepository.patch.yaml",
    }
    oci = load(files["ocirepository.yaml"].content)
    assert oci["metadata"]["name"] == "dispatch"
    assert oci["spec"]["url"] == CHART_URL
    # The bundled chart's version: the chart whose templates the new side is rendered from.
    assert oci["spec"]["ref"] == {"tag": "0.5.40"}
    assert oci["spec"]["interval"] == "5m"
    assert "interval: 5m  # poll" in files["ocirepository.yaml"].content
    patch = load(files["ocirepository.patch.yaml"].content)
    assert patch == {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "OCIRepository",
        "metadata": {"name": "dispatch"},
        "spec": {"url": CHART_URL, "ref": {"tag": "0.5.40"}},
    }
    assert files["values.yaml"].content == translation.values_yaml


def test_translated_helmrelease_keeps_flux_settings_and_replaces_values(tmp_path: Path) -> None:
    release = make_release(tmp_path)
    translation = translate_release(release, builtin_old(release))
    text = files_by_name(translated_files(release, translation, out_dir=tmp_path))[
        "helmrelease.yaml"
    ].content
    document = load(text)
    assert document["metadata"] == {"name": "dispatch"}
    assert document["spec"]["chartRef"] == {"kind": "OCIRepository", "name": "dispatch"}
    assert document["spec"]["interval"] == "15m"
    assert document["spec"]["install"] == {"remediation": {"retries": 3}}
    assert document["spec"]["values"] == translation.values
    assert "retries: 3  # keep trying" in text
    assert "app-template" not in text.splitlines()[1]
    assert "helm.toolkit.fluxcd.io/helmrelease_v2.json" in text.splitlines()[1]
    assert text.startswith("---\n")


def test_shared_ocirepository_is_left_alone_and_a_new_one_written(tmp_path: Path) -> None:
    release = make_release(tmp_path, oci="app-template")
    translation = translate_release(release, builtin_old(release))
    files = files_by_name(translated_files(release, translation, out_dir=tmp_path / "out"))
    assert "ocirepository.patch.yaml" not in files
    oci = load(files["ocirepository.yaml"].content)
    assert oci["metadata"]["name"] == "dispatch"
    assert oci["spec"]["url"] == CHART_URL
    helmrelease = load(files["helmrelease.yaml"].content)
    assert helmrelease["spec"]["chartRef"] == {"kind": "OCIRepository", "name": "dispatch"}
    assert any('"app-template" is shared' in n.message for n in translation.notes)


def test_in_place_edits_name_the_original_files(tmp_path: Path) -> None:
    release = make_release(tmp_path)
    translation = translate_release(release, builtin_old(release))
    files = translated_files(release, translation)
    assert [file.path for file in files] == [
        tmp_path / "helmrelease.yaml",
        tmp_path / "ocirepository.yaml",
    ]
    assert files[1].original == OCI_TEXT
    assert files[0].original == (tmp_path / "helmrelease.yaml").read_text(encoding="utf-8")


def test_shared_in_place_writes_a_new_file_beside_the_release(tmp_path: Path) -> None:
    release = make_release(tmp_path, oci="app-template")
    translation = translate_release(release, builtin_old(release))
    files = translated_files(release, translation, shared_ocirepository=True)
    new = files[-1]
    assert new.original is None
    assert new.path.parent == tmp_path
    assert new.path != tmp_path / "ocirepository.yaml"  # that one exists: not overwritten


def test_follow_chart_version_leaves_the_image_to_the_chart(tmp_path: Path) -> None:
    from appt2dispatch.render.dispatch_chart import render_dispatch

    release = make_release(tmp_path)
    translation = translate_release(release, builtin_old(release), follow_chart_version=True)
    assert translation.image_follows_chart
    assert translation.chart_version == "0.5.40"
    assert translation.values["image"] == {"repository": "ghcr.io/misospace/dispatch"}
    pin = [n for n in translation.notes if "replaced by the chart version" in n.message]
    assert pin and "0.5.17@sha256:" in pin[0].message
    new = render_dispatch(
        translation.values,
        release_name=release.release_name,
        namespace=release.namespace,
        chart_version=translation.chart_version,
    )
    assert app_container(new)["image"] == "ghcr.io/misospace/dispatch:0.5.40"
    oci = load(
        files_by_name(translated_files(release, translation, out_dir=tmp_path / "o"))[
            "ocirepository.yaml"
        ].content
    )
    assert oci["spec"]["ref"] == {"tag": "0.5.40"}


def test_values_file_is_the_commented_values(tmp_path: Path) -> None:
    release = release_from_text(tmp_path, release_text())
    translation = translate_release(release, builtin_old(release))
    assert load(translation.values_yaml) == translation.values
    assert translation.values_yaml.startswith("# dispatch chart 0.5.40 values")


def test_release_and_ocirepository_in_one_file_are_edited_together(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    trailer = "---\n# something else\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n"
    path.write_text(release_text() + OCI_TEXT + trailer, encoding="utf-8")
    release = load_release(path)
    translation = translate_release(release, builtin_old(release, "4.1.1"))
    files = translated_files(release, translation)
    assert [file.path for file in files] == [path]
    documents = list(YAML(typ="safe", pure=True).load_all(files[0].content))
    assert [doc["kind"] for doc in documents] == ["HelmRelease", "OCIRepository", "ConfigMap"]
    assert documents[0]["spec"]["values"] == translation.values
    assert documents[1]["spec"]["url"] == CHART_URL
    assert files[0].content.endswith(trailer)
    assert files[0].original == release_text() + OCI_TEXT + trailer
