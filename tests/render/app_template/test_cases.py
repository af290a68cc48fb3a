"""Conformance over fixtures/app-template: the built-in model renders each case exactly
like the real app-template 4.1.1 chart (goldens recorded by
scripts/record_app_template_goldens.py from ../shared/charts/app-template-4.1.1).

The chart emits items of one kind in Go map order (random between renders), so
objects are compared as a set keyed by kind and name; kinds must come in the
chart's order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from appt2dispatch.render.app_template import render_app_template
from appt2dispatch.render.manifests import parse_manifests

_CASES_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "app-template"
_CASES = sorted(p.name for p in _CASES_DIR.iterdir() if (p / "rendered.yaml").is_file())


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    return (obj["apiVersion"], obj["kind"], obj["metadata"]["name"])


def _kinds_in_order(objects: Any) -> list[str]:
    kinds: list[str] = []
    for obj in objects:
        if not kinds or kinds[-1] != obj["kind"]:
            kinds.append(obj["kind"])
    return kinds


def test_enough_cases() -> None:
    assert len(_CASES) >= 60


@pytest.mark.parametrize("case", _CASES)
def test_model_matches_real_chart(case: str) -> None:
    folder = _CASES_DIR / case
    release = YAML(typ="safe").load((folder / "helmrelease.yaml").read_text(encoding="utf-8"))
    expected = parse_manifests((folder / "rendered.yaml").read_text(encoding="utf-8"), source=case)
    rendered = render_app_template(
        release["spec"].get("values") or {},
        release_name=release["metadata"]["name"],
        namespace=release["metadata"]["namespace"],
        version="4.1.1",
    )
    actual = rendered.objects
    assert _kinds_in_order(actual) == _kinds_in_order(expected)
    assert sorted(map(_key, actual)) == sorted(map(_key, expected))
    expected_by_key = {_key(o): o for o in expected}
    for obj in actual:
        assert obj == expected_by_key[_key(obj)], _key(obj)
