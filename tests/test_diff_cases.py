"""Acceptance cases for `appt2dispatch diff`: every folder under fixtures/diff/ is one case.

A case folder holds:
- `helmrelease.yaml`: the input, plus any sibling manifests it sees (ExternalSecret,
  OCIRepository) and files its arguments name (e.g. `--old-manifests live.yaml`);
- `args.txt` (optional): extra command-line arguments, shell-quoted, paths relative to
  the case folder (the command runs there; the namespace is the release's own unless
  they pass `--namespace`, which overrides it);
- `oracle.yaml`: written by hand from the input, never by the tool: the `verdict` (or
  `error`, a part of the exit-2 message), `why`, and the `findings` that matter as
  [class, resource, path]. Each must be in the report with that class, and the report
  may have no other behavior or blocker finding;
- `expected.json`: the verdict and the sorted [class, resource, path] of every finding
  that is not cosmetic (or `{"error": ...}`, the message of an exit-2 failure);
- `expected-exit.txt`: the exit code.

UPDATE_GOLDENS=1 rewrites expected.json and expected-exit.txt from the current output:
review the diff before committing it. Those two are snapshots: the oracle is checked
first, so a regeneration cannot change a verdict or a class the oracle states, and a
snapshot that disagrees with its oracle fails on its own.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from appt2dispatch.cli import cli
from conftest import FIXTURES_DIR

CASES_DIR = FIXTURES_DIR / "diff"
CASES = sorted(path for path in CASES_DIR.iterdir() if path.is_dir()) if CASES_DIR.is_dir() else []
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
ERROR_PREFIX = "appt2dispatch: error: "


def run_diff(case: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    args_file = case / "args.txt"
    extra = shlex.split(args_file.read_text(encoding="utf-8")) if args_file.exists() else []
    monkeypatch.chdir(case)
    result = CliRunner().invoke(
        cli,
        ["diff", "helmrelease.yaml", "--format", "json", *extra],
    )
    if result.exit_code == 2:
        assert result.stderr.startswith(ERROR_PREFIX), result.stderr
        return 2, {"error": result.stderr.removeprefix(ERROR_PREFIX).strip()}
    assert result.exit_code in (0, 1), (result.output, result.stderr, result.exception)
    report = json.loads(result.stdout)
    findings = sorted(
        [finding["class"], finding["resource"], finding["path"]]
        for finding in report["findings"]
        if finding["class"] != "cosmetic"
    )
    return result.exit_code, {"verdict": report["verdict"], "findings": findings}


def dump_outcome(outcome: dict[str, Any]) -> str:
    """JSON with one finding a line, so a golden's diff reads finding by finding."""
    if "findings" not in outcome:
        return json.dumps(outcome, indent=2, ensure_ascii=False) + "\n"
    rows = ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in outcome["findings"])
    findings = f"[\n{rows}\n  ]" if rows else "[]"
    verdict = json.dumps(outcome["verdict"])
    return f'{{\n  "verdict": {verdict},\n  "findings": {findings}\n}}\n'


def check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run with UPDATE_GOLDENS=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs"


def read_oracle(case: Path) -> dict[str, Any]:
    path = case / "oracle.yaml"
    assert path.is_file(), f"{path} is missing: write the case's verdict and findings by hand"
    oracle: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert set(oracle) <= {"verdict", "error", "why", "findings"}, f"{path}: unknown keys"
    assert ("verdict" in oracle) != ("error" in oracle), f"{path}: a verdict or an error"
    assert oracle.get("why"), f"{path}: say why"
    return oracle


def disagreements(oracle: dict[str, Any], outcome: dict[str, Any]) -> list[str]:
    """How an outcome (a fresh run, or a stored snapshot) contradicts the hand-written oracle."""
    if "error" in oracle:
        if oracle["error"] not in outcome.get("error", ""):
            return [f"expected the error {oracle['error']!r}, got {outcome}"]
        return []
    if "verdict" not in outcome:
        return [f"expected the verdict {oracle['verdict']}, got {outcome}"]
    problems = []
    if outcome["verdict"] != oracle["verdict"]:
        problems.append(f"verdict {outcome['verdict']}, the oracle says {oracle['verdict']}")
    classes = {(resource, path): klass for klass, resource, path in outcome["findings"]}
    stated = {(resource, path): klass for klass, resource, path in oracle.get("findings") or []}
    for (resource, path), klass in stated.items():
        if classes.get((resource, path)) != klass:
            found = classes.get((resource, path), "no finding")
            problems.append(f"{resource} {path!r}: {found}, the oracle says {klass}")
    for (resource, path), klass in classes.items():
        if klass in ("behavior", "blocker") and (resource, path) not in stated:
            problems.append(f"{resource} {path!r}: {klass}, which the oracle does not state")
    return problems


def test_there_are_cases() -> None:
    assert len(CASES) >= 8, CASES_DIR


def test_oracle_catches_a_flipped_verdict_and_class() -> None:
    oracle = {
        "verdict": "behavior-change",
        "findings": [["behavior", "Deployment.apps llm/dispatch", "spec.replicas"]],
    }
    honest = {"verdict": "behavior-change", "findings": oracle["findings"]}
    assert disagreements(oracle, honest) == []
    lying = {
        "verdict": "no-behavior-change",
        "findings": [["cosmetic", "Deployment.apps llm/dispatch", "spec.replicas"]],
    }
    assert len(disagreements(oracle, lying)) == 2
    extra = {
        "verdict": "behavior-change",
        "findings": [*oracle["findings"], ["blocker", "Service llm/dispatch", "spec.clusterIP"]],
    }
    assert len(disagreements(oracle, extra)) == 1


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_snapshot_agrees_with_its_oracle(case: Path) -> None:
    snapshot = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert disagreements(read_oracle(case), snapshot) == []


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_diff_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = read_oracle(case)
    exit_code, outcome = run_diff(case, monkeypatch)
    # Before any snapshot is (re)written: a regeneration cannot change what the oracle states.
    assert disagreements(oracle, outcome) == [], f"{case.name}: the hand-written oracle disagrees"
    check(case / "expected.json", dump_outcome(outcome))
    assert json.loads(dump_outcome(outcome)) == outcome
    check(case / "expected-exit.txt", f"{exit_code}\n")
    verdict = outcome.get("verdict")
    if verdict is not None:  # the exit code follows the verdict, whatever the goldens say
        assert exit_code == (0 if verdict == "no-behavior-change" else 1)
