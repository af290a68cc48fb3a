"""Acceptance cases: every folder under fixtures/translate/ is one case, found automatically.

A case folder holds:
- `helmrelease.yaml`: the input (plus any sibling manifests: ExternalSecret, OCIRepository);
- `case.yaml` (optional): `app_template_version`, `envfrom_keys` (name -> list or null),
  `chart_version`, `follow_chart_version`, `namespace` (as --namespace: it overrides the
  release's own, needed where the release states none);
- `old.yaml` (optional): the old side's manifests; else the built-in app-template model;
- `error.txt`: `ErrorClass: message` the translation must raise, or else
- `values.yaml`: the exact expected values file, `notes.txt`: `level: text` lines, each a
  prefix-free substring of some note of that level, and optionally `expected/`: the exact
  files translated_files writes into an output directory.

Set APPT2DISPATCH_UPDATE_FIXTURES=1 to rewrite values.yaml and expected/ from the current output.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from appt2dispatch import errors
from appt2dispatch.contract.environment import means_app_default
from appt2dispatch.load import load_release
from appt2dispatch.models import Rendered, Translation
from appt2dispatch.render.dispatch_chart import render_dispatch
from appt2dispatch.render.old import render_old_side
from appt2dispatch.translate import translate_release, translated_files
from conftest import FIXTURES_DIR
from translate.translate_support import (
    app_container,
    canonical_env,
    effective_env,
    old_from_manifests,
)

CASES_DIR = FIXTURES_DIR / "translate"
CASES = sorted(path for path in CASES_DIR.iterdir() if path.is_dir()) if CASES_DIR.is_dir() else []
UPDATE = os.environ.get("APPT2DISPATCH_UPDATE_FIXTURES") == "1"


def read_case(case: Path) -> dict[str, Any]:
    path = case / "case.yaml"
    data = (
        YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) if path.exists() else {}
    )
    return data or {}


def run_case(case: Path, spec: dict[str, Any]) -> tuple[Any, Rendered, Translation]:
    release = load_release(case / "helmrelease.yaml", namespace=spec.get("namespace"))
    if (case / "old.yaml").exists():
        old = old_from_manifests(case / "old.yaml")
    else:
        old = render_old_side(release, app_template_version=spec.get("app_template_version"))
    keys = spec.get("envfrom_keys")
    translation = translate_release(
        release,
        old,
        chart_version=spec.get("chart_version"),
        follow_chart_version=bool(spec.get("follow_chart_version")),
        envfrom_keys=(
            None
            if keys is None
            else {name: None if k is None else frozenset(k) for name, k in keys.items()}
        ),
    )
    return release, old, translation


def check_text(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing (APPT2DISPATCH_UPDATE_FIXTURES=1 writes it)"
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs"


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_translate_case(case: Path, tmp_path: Path) -> None:
    spec = read_case(case)
    error_file = case / "error.txt"
    if error_file.exists():
        class_name, _, message = error_file.read_text(encoding="utf-8").strip().partition(": ")
        with pytest.raises(getattr(errors, class_name)) as caught:
            run_case(case, spec)
        assert message in caught.value.message
        return
    release, old, translation = run_case(case, spec)
    check_text(case / "values.yaml", translation.values_yaml)
    notes_file = case / "notes.txt"
    for line in notes_file.read_text(encoding="utf-8").splitlines() if notes_file.exists() else []:
        level, _, text = line.partition(": ")
        assert any(n.level == level and text in n.message for n in translation.notes), line
    expected_dir = case / "expected"
    if expected_dir.exists() or UPDATE:
        out = tmp_path / "out"
        for file in translated_files(release, translation, out_dir=out):
            if file.path.name != "values.yaml":
                check_text(expected_dir / file.path.name, file.content)
    new = render_dispatch(
        translation.values,
        release_name=release.release_name,
        namespace=release.namespace,
        chart_version=translation.chart_version,
    )
    old_env = canonical_env(effective_env(app_container(old)))
    new_env = canonical_env(effective_env(app_container(new)))
    # A chart default the app reads as its own default may appear (a cosmetic finding).
    added_defaults = {
        name: value
        for name, value in new_env.items()
        if name not in old_env and means_app_default(name, value)
    }
    assert new_env == {**old_env, **added_defaults, "SKIP_DB_MIGRATIONS": "true"}
    if not translation.image_follows_chart:
        assert app_container(new)["image"] == app_container(old)["image"]
