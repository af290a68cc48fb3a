"""`-` reads stdin: the HelmRelease (`diff -`) or the old side (`--old-manifests -`)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from appt2dispatch.cli import cli

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "examples/home-ops/kubernetes/apps/base/tools/dispatch/helmrelease.yaml"
)
SUBSTITUTE = ["--substitute", "APP=dispatch", "--substitute", "DOMAIN=example.internal"]


def test_old_side_from_stdin_is_named_as_such_and_proves_the_same() -> None:
    runner = CliRunner()
    base = [str(EXAMPLE), "-n", "tools", *SUBSTITUTE]
    old = runner.invoke(cli, ["render", *base, "--side", "old"])
    assert old.exit_code == 0, old.output
    result = runner.invoke(
        cli, ["diff", *base, "--old-manifests", "-", "--format", "json"], input=old.stdout
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["renderers"]["old"] == "manifests from <stdin>"
    assert report["verdict"] == "no-behavior-change"


def test_helmrelease_from_stdin() -> None:
    result = CliRunner().invoke(
        cli,
        ["diff", "-", "-n", "tools", *SUBSTITUTE, "--format", "json"],
        input=EXAMPLE.read_text(encoding="utf-8"),
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == "<stdin>"
