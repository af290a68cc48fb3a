"""Acceptance cases for reading a GitOps tree as Flux does: every folder under
fixtures/tree/ is one case.

A case folder holds:
- `tree/`: a small GitOps repository (Flux Kustomizations, kustomization.yaml files,
  the HelmRelease);
- `case.yaml`: `release:` the HelmRelease file (relative to `tree/`), and optionally
  `namespace:` / `substitute:` as `--namespace` / `--substitute` would give them;
- `expected.yaml`: the namespace, where it and the variables came from
  (`provenance`) and the postBuild variables, or `error:` for an exit-2 refusal.

UPDATE_GOLDENS=1 rewrites expected.yaml from the current result: review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from appt2dispatch.errors import Appt2DispatchError
from appt2dispatch.load import load_release
from conftest import FIXTURES_DIR

CASES_DIR = FIXTURES_DIR / "tree"
CASES = sorted(path for path in CASES_DIR.iterdir() if path.is_dir()) if CASES_DIR.is_dir() else []
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"


def outcome(case: Path) -> dict[str, Any]:
    spec = YAML(typ="safe").load((case / "case.yaml").read_text(encoding="utf-8"))
    root = case / "tree"
    substitute = spec.get("substitute")
    try:
        release = load_release(
            root / spec["release"],
            tree_root=root,
            namespace=spec.get("namespace"),
            substitutions=dict(substitute) if substitute else None,
        )
    except Appt2DispatchError as error:
        return {"error": str(error).replace(str(root) + os.sep, "")}
    return {
        "namespace": release.namespace,
        "provenance": [note.message for note in release.provenance],
        "substitutions": dict(sorted(release.substitutions.items())),
    }


def test_there_are_cases() -> None:
    assert len(CASES) >= 8, CASES_DIR


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_tree_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    actual = outcome(case)
    expected_path = case / "expected.yaml"
    yaml = YAML()
    yaml.width = 4096
    if UPDATE:
        with expected_path.open("w", encoding="utf-8") as handle:
            yaml.dump(actual, handle)
    assert expected_path.is_file(), f"{expected_path} is missing: run with UPDATE_GOLDENS=1"
    expected = YAML(typ="safe").load(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


def test_a_namespace_argument_overrides_the_tree_with_a_warning() -> None:
    case = CASES_DIR / "explicit-target-namespace"
    root = case / "tree"
    release = load_release(
        root / "kubernetes/apps/default/dispatch/app/helmrelease.yaml",
        tree_root=root,
        namespace="elsewhere",
    )
    assert release.namespace == "elsewhere"
    warning = next(note for note in release.provenance if note.level == "warning")
    assert warning.message.startswith("namespace elsewhere: --namespace, overriding default (")
