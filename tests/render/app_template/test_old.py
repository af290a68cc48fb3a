"""`render_old_side`: manifests first, then a real chart, else the built-in model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.errors import InputError
from appt2dispatch.models import HelmRelease, SourceLocation, YamlDocument
from appt2dispatch.render.old import render_old_side

VALUES: dict[str, Any] = {
    "controllers": {
        "main": {"containers": {"app": {"image": {"repository": "nginx", "tag": "1.27"}}}}
    }
}


def _document(data: dict[str, Any], index: int = 0) -> YamlDocument:
    return YamlDocument(
        path=Path("release.yaml"), index=index, data=data, location=SourceLocation("release.yaml")
    )


def _release(siblings: tuple[YamlDocument, ...] = (), chart_ref: str = "web") -> HelmRelease:
    return HelmRelease(
        document=_document({"kind": "HelmRelease"}),
        name="web",
        namespace="apps",
        release_name="web",
        values=VALUES,
        chart_ref={"kind": "OCIRepository", "name": chart_ref},
        siblings=siblings,
    )


def _oci(name: str, tag: str) -> YamlDocument:
    return _document(
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": name},
            "spec": {"ref": {"tag": tag}},
        },
        index=1,
    )


MANIFESTS = """---
# Source: app-template/templates/common.yaml
---


---
apiVersion: v1
kind: Service
metadata:
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
"""


def test_manifests_text_is_parsed_skipping_comments_and_empty_documents() -> None:
    rendered = render_old_side(_release(), old_manifests_text=MANIFESTS)
    assert [(o["kind"], o["metadata"]["name"]) for o in rendered.objects] == [
        ("Service", "web"),
        ("Deployment", "web"),
    ]
    assert rendered.renderer == "manifests from <text>"


def test_manifests_file_wins_over_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(MANIFESTS, encoding="utf-8")
    rendered = render_old_side(_release(), old_manifests=path, app_template_chart="oci://x/y:1")
    assert rendered.renderer == f"manifests from {path}"
    assert len(rendered.objects) == 2


def test_unreadable_manifests_are_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        render_old_side(_release(), old_manifests=tmp_path / "missing.yaml")


def test_version_comes_from_the_flag_first() -> None:
    rendered = render_old_side(_release((_oci("web", "5.0.1"),)), app_template_version="4.1.1")
    assert rendered.renderer == "built-in app-template model (4.1.1)"
    assert rendered.notes == ()


def test_version_comes_from_the_release_oci_repository_tag() -> None:
    siblings = (_oci("other", "4.1.1"), _oci("web", "5.0.1"))
    rendered = render_old_side(_release(siblings))
    assert rendered.renderer == "built-in app-template model (5.0.1)"
    assert [o["kind"] for o in rendered.objects] == ["ServiceAccount", "Deployment"]


def test_version_defaults_to_4_1_1_with_a_note() -> None:
    rendered = render_old_side(_release((_oci("other", "5.0.1"),)))
    assert rendered.renderer == "built-in app-template model (4.1.1)"
    assert any("assumed 4.1.1" in note for note in rendered.notes)


def test_a_chart_directory_is_rendered_with_the_real_engine(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: fake\nversion: 1.0.0\n", "utf-8")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
        "  namespace: {{ .Release.Namespace }}\n",
        "utf-8",
    )
    # NOTES.txt is printed by Helm, never applied: it is not a manifest.
    (chart / "templates" / "NOTES.txt").write_text("Reach it at: http://x\n", "utf-8")
    rendered = render_old_side(_release(), app_template_chart=str(chart))
    assert rendered.objects == (
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "namespace": "apps"}},
    )
    assert rendered.renderer == f"helm v4 (helm-python-sdk): fake 1.0.0 from {chart}"


def test_a_missing_chart_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        render_old_side(_release(), app_template_chart=str(tmp_path / "nope"))


def test_corpus_release_with_its_oci_repository_renders_as_5x(corpus_dir: Path) -> None:
    from ruamel.yaml import YAML

    stem = "26-2026-07-02-dispatch-da5427f22"
    yaml = YAML(typ="safe")
    history = corpus_dir / "home-ops-history"
    data = yaml.load((history / f"{stem}.yaml").read_text("utf-8"))
    oci = yaml.load((history / f"{stem}.ocirepository.yaml").read_text("utf-8"))
    release = HelmRelease(
        document=_document(data),
        name="dispatch",
        namespace="llm",
        release_name="dispatch",
        values=data["spec"]["values"],
        chart_ref=data["spec"]["chartRef"],
        siblings=(_document(oci, 1),),
    )
    rendered = render_old_side(release)
    assert rendered.renderer == "built-in app-template model (5.0.1)"
    kinds = [o["kind"] for o in rendered.objects]
    assert kinds == ["ServiceAccount", "Deployment", "Service", "HTTPRoute"]
    pod = rendered.objects[1]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "dispatch"
    assert pod["automountServiceAccountToken"] is False
