"""Conformance: the built-in model renders every corpus HelmRelease exactly like app-template 4.1.1.

Goldens are real renders (release name = metadata.name, namespace llm). Objects are
compared parsed, in order, ignoring only the helm.sh/chart label.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from appt2dispatch.render.app_template import render_app_template
from appt2dispatch.render.manifests import parse_manifests

_GOLDENS = Path(__file__).resolve().parents[3].parent / "shared" / "goldens" / "app-template-4.1.1"
_STEMS = sorted(p.name.removesuffix(".rendered.yaml") for p in _GOLDENS.glob("*.rendered.yaml"))


def _without_chart_label(objects: Any) -> list[dict[str, Any]]:
    result = copy.deepcopy([dict(o) for o in objects])
    for obj in result:
        obj.get("metadata", {}).get("labels", {}).pop("helm.sh/chart", None)
    return result


def _env_names(objects: list[dict[str, Any]]) -> list[list[str]]:
    names = []
    for obj in objects:
        spec = obj.get("spec", {})
        pod = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
        for container in (pod or {}).get("spec", {}).get("containers", []):
            names.append([e["name"] for e in container.get("env", [])])
    return names


@pytest.mark.parametrize("stem", _STEMS or ["<no goldens>"])
def test_builtin_model_matches_golden(stem: str, goldens_dir: Path, corpus_dir: Path) -> None:
    golden = goldens_dir / f"{stem}.rendered.yaml"
    release = YAML(typ="safe").load(
        (corpus_dir / "home-ops-history" / f"{stem}.yaml").read_text(encoding="utf-8")
    )
    expected = _without_chart_label(
        parse_manifests(golden.read_text(encoding="utf-8"), source=stem)
    )

    # The 00-* files use a shared OCIRepository whose tag is not visible: 4.1.1 explicitly.
    rendered = render_app_template(
        release["spec"]["values"],
        release_name=release["metadata"]["name"],
        namespace="llm",
        version="4.1.1",
    )
    actual = _without_chart_label(rendered.objects)

    assert [(o["kind"], o["metadata"]["name"]) for o in actual] == [
        (o["kind"], o["metadata"]["name"]) for o in expected
    ]
    assert _env_names(actual) == _env_names(expected)
    assert actual == expected


def test_chart_label_names_the_version(goldens_dir: Path, corpus_dir: Path) -> None:
    stem = "26-2026-07-02-dispatch-da5427f22"
    release = YAML(typ="safe").load(
        (corpus_dir / "home-ops-history" / f"{stem}.yaml").read_text(encoding="utf-8")
    )
    golden = parse_manifests(
        (goldens_dir / f"{stem}.rendered.yaml").read_text("utf-8"), source=stem
    )
    rendered = render_app_template(
        release["spec"]["values"], release_name="dispatch", namespace="llm", version="4.1.1"
    )
    assert [o["metadata"]["labels"]["helm.sh/chart"] for o in rendered.objects] == [
        o["metadata"]["labels"]["helm.sh/chart"] for o in golden
    ]
