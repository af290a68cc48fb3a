"""Start-up stays light: a command imports what its run uses and nothing else.

Each check runs a fresh interpreter (this process has imported everything already)
and reads its `sys.modules` at exit, so a module-level import added back to the CLI,
a stage or a report format fails here instead of slowing every run unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

EXAMPLE_TREE = REPO_ROOT / "examples" / "home-ops"
EXAMPLE_RELEASE = EXAMPLE_TREE / "kubernetes" / "apps" / "base" / "tools" / "dispatch"
# Runs the CLI as `python -m appt2dispatch ARGS` does, then writes what was imported.
_CHILD = """
import json, runpy, sys
out, sys.argv = sys.argv[1], ["appt2dispatch", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("appt2dispatch", run_name="__main__")
except SystemExit as exc:
    code = exc.code
with open(out, "w", encoding="utf-8") as handle:
    json.dump({"code": code, "modules": sorted(sys.modules)}, handle)
"""
# Never needed before a command runs: every stage, and what only some runs use.
NOT_AT_IMPORT = (
    "appt2dispatch.models",
    "appt2dispatch.pipeline",
    "appt2dispatch.load",
    "appt2dispatch.translate",
    "appt2dispatch.render",
    "appt2dispatch.compare",
    "appt2dispatch.report",
    "appt2dispatch.write",
    "appt2dispatch.migrate",
    "helm_python",
    "ruamel.yaml",
    "deepdiff",
    "jsonschema",
    "asyncio",
    "tempfile",
)
# What `diff --format json` has no use for: the other formats, the writer, the other
# commands' modules (jsonschema is for the tests only).
NOT_FOR_JSON_DIFF = (
    "appt2dispatch.report.markdown",
    "appt2dispatch.report.text",
    "html",
    "appt2dispatch.write.atomic",
    "appt2dispatch.migrate",
    "appt2dispatch.chart_tools",
    "appt2dispatch.chart_docs",
    "jsonschema",
)


def imported_by(tmp_path: Path, *args: str) -> tuple[object, set[str]]:
    """Exit code of `appt2dispatch ARGS` in a fresh interpreter and the modules it imported."""
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _CHILD, str(out), *args],
        capture_output=True,
        check=True,
        cwd=REPO_ROOT,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    return result["code"], set(result["modules"])


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The `names` (or their submodules) in `modules`."""
    return sorted(m for m in modules for n in names if m == n or m.startswith(n + "."))


def test_importing_the_cli_imports_no_stage() -> None:
    code = "import sys, appt2dispatch.cli; print('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    modules = set(proc.stdout.split())
    assert "click" in modules
    assert loaded(modules, NOT_AT_IMPORT) == []


@pytest.mark.parametrize("args", [("--version",), ("diff", "--help")])
def test_help_and_version_import_no_stage(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, modules = imported_by(tmp_path, *args)
    assert code == 0
    assert loaded(modules, NOT_AT_IMPORT) == []


def test_json_diff_imports_neither_other_formats_nor_the_writer(tmp_path: Path) -> None:
    release = str(EXAMPLE_RELEASE / "helmrelease.yaml")
    code, modules = imported_by(
        tmp_path, "diff", "--tree", str(EXAMPLE_TREE), release, "--format", "json"
    )
    assert code == 0
    assert {"appt2dispatch.report.json", "appt2dispatch.render.app_template"} <= modules
    assert loaded(modules, NOT_FOR_JSON_DIFF) == []


def test_given_old_manifests_the_app_template_model_is_not_imported(tmp_path: Path) -> None:
    release = str(EXAMPLE_RELEASE / "helmrelease.yaml")
    old = tmp_path / "old.yaml"
    render = [sys.executable, "-m", "appt2dispatch", "render", "--side", "old"]
    rendered = subprocess.run(
        [*render, "--tree", str(EXAMPLE_TREE), release],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    old.write_text(rendered.stdout, encoding="utf-8")
    code, modules = imported_by(
        tmp_path, "diff", "--tree", str(EXAMPLE_TREE), release, "--old-manifests", str(old)
    )
    assert code == 0
    assert "appt2dispatch.report.text" in modules
    assert loaded(modules, ("appt2dispatch.render.app_template",)) == []


def test_every_report_format_is_found_by_its_name() -> None:
    from appt2dispatch.report import REPORTERS

    assert {name: reporter.name for name, reporter in REPORTERS.items()} == {
        "text": "text",
        "markdown": "markdown",
        "json": "json",
    }
