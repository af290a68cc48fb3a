"""`appt2dispatch chart lint|package|render` building blocks."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from appt2dispatch.chart_tools import lint_chart, merge_values, package_chart, render_chart_text
from appt2dispatch.errors import InputError, RenderError
from appt2dispatch.render.dispatch_chart import bundled_chart_dir


def _chart_yaml(archive: Path) -> dict[str, object]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("dispatch/Chart.yaml")
        assert member is not None
        data: dict[str, object] = YAML(typ="safe", pure=True).load(member.read())
    return data


def test_bundled_chart_lints_clean() -> None:
    result = lint_chart()
    assert result.ok, [str(message) for message in result.errors]
    assert result.chart == str(bundled_chart_dir())


def test_lint_reports_a_broken_template(tmp_path: Path) -> None:
    broken = tmp_path / "dispatch"
    shutil.copytree(bundled_chart_dir(), broken)
    (broken / "templates" / "service.yaml").write_text("kind: {{ .Values.nope.deeper }}\n")
    result = lint_chart(broken)
    assert not result.ok
    assert any("service.yaml" in str(message) for message in result.errors)


def test_package_uses_the_chart_version(tmp_path: Path) -> None:
    archive = package_chart(tmp_path)
    assert archive == tmp_path / "dispatch-0.5.40.tgz"
    chart = _chart_yaml(archive)
    assert (chart["version"], chart["appVersion"]) == ("0.5.40", "0.5.40")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"dispatch/values.schema.json", "dispatch/secret-contract.md"} <= names
    assert "dispatch/templates/migrate-job.yaml" in names


def test_package_stamps_version_and_app_version(tmp_path: Path) -> None:
    archive = package_chart(tmp_path / "out", version="0.6.0")
    assert archive.name == "dispatch-0.6.0.tgz"
    chart = _chart_yaml(archive)
    assert (chart["version"], chart["appVersion"]) == ("0.6.0", "0.6.0")
    split = package_chart(tmp_path, version="0.6.1", app_version="0.6.0-rc.1")
    chart = _chart_yaml(split)
    assert (chart["version"], chart["appVersion"]) == ("0.6.1", "0.6.0-rc.1")


def test_package_refuses_a_bad_version(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="semantic version"):
        package_chart(tmp_path, version="not a version")


def test_render_text_merges_files_then_set(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text("replicas: 3\nconfig:\n  authMode: oidc\n  llmBaseUrl: http://llm\n")
    second = tmp_path / "b.yaml"
    second.write_text("config:\n  authMode: disabled\n")
    text = render_chart_text(
        [first, second],
        ["replicas=2", "migrations.enabled=false"],
        release_name="dispatch",
        namespace="llm",
    )
    sources = [line for line in text.splitlines() if line.startswith("# Source: ")]
    assert sources == [
        "# Source: dispatch/templates/serviceaccount.yaml",
        "# Source: dispatch/templates/service.yaml",
        "# Source: dispatch/templates/deployment.yaml",
    ]
    documents = list(YAML(typ="safe", pure=True).load_all(text))
    deployment = documents[2]
    assert deployment["spec"]["replicas"] == 2
    env = {
        entry["name"]: entry.get("value")
        for entry in deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["DISPATCH_AUTH_MODE"] == "disabled"
    assert env["DISPATCH_LLM_BASE_URL"] == "http://llm"
    assert env["DISPATCH_PRUNE_CLOSED_INTERVAL_MS"] == "86400000"


def test_render_text_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("config: [\n")
    with pytest.raises(InputError) as caught:
        render_chart_text([bad], release_name="d", namespace="n")
    assert caught.value.location is not None and caught.value.location.path == str(bad)
    with pytest.raises(RenderError, match="/config/authMode"):
        render_chart_text([], ["config.authMode=token"], release_name="d", namespace="n")


def test_merge_values_is_deep_and_replaces_lists() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    merged = merge_values(base, {"a": {"c": [3], "e": None}, "d": {"x": 1}})
    assert merged == {"a": {"b": 1, "c": [3], "e": None}, "d": {"x": 1}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}
