"""`--app-template-chart oci://...`: pulled once, cached by digest; the only network access.

helm_python.pull is replaced by a stand-in that "downloads" a locally packaged chart,
so these tests never touch the network.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from appt2dispatch.chart_tools import package_chart
from appt2dispatch.cli import cli

RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: dispatch
  namespace: llm
spec:
  chartRef: {kind: OCIRepository, name: dispatch}
  interval: 1h
  values: {}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: dispatch
spec:
  ref: {tag: 5.0.1}
  url: oci://ghcr.io/bjw-s-labs/helm/app-template
"""


@pytest.fixture
def pulls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    import helm_python

    archive = package_chart(tmp_path / "pkg")  # any real chart archive will do
    calls: list[tuple[str, str]] = []

    def fake_pull(location: str, *, version: str, destination: str, **_: Any) -> str:
        calls.append((location, version))
        return shutil.copy(archive, Path(destination) / archive.name)

    class FakeRegistryClient:
        def __enter__(self) -> FakeRegistryClient:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def resolve(self, reference: str) -> dict[str, str]:
            return {"digest": "sha256:" + "0" * 64}

    monkeypatch.setattr(helm_python, "pull", fake_pull)
    monkeypatch.setattr(helm_python, "RegistryClient", FakeRegistryClient)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return calls


def test_helm_renderer_pulls_the_ocirepository_version_once(
    tmp_path: Path, pulls: list[tuple[str, str]]
) -> None:
    release = tmp_path / "helmrelease.yaml"
    release.write_text(RELEASE, encoding="utf-8")
    args = ["render", str(release), "--side", "old", "--renderer", "helm"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert pulls == [("oci://ghcr.io/bjw-s-labs/helm/app-template", "5.0.1")]
    cached = list((tmp_path / "cache" / "appt2dispatch" / "charts").glob("sha256-*.tgz"))
    assert len(cached) == 1
    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert len(pulls) == 1  # served from the cache, no second pull
    assert second.output == first.output
    # The report names the renderer and the chart version it really rendered.
    assert first.output.startswith("# Rendered by: helm v4 (helm-python-sdk): dispatch 0.5.40 from")


def test_malformed_oci_reference_is_refused_without_a_pull(
    tmp_path: Path, pulls: list[tuple[str, str]]
) -> None:
    release = tmp_path / "helmrelease.yaml"
    release.write_text(RELEASE, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["render", str(release), "--side", "old", "--app-template-chart", "oci://nothing"],
    )
    assert result.exit_code == 2
    assert "expected oci://REF:VERSION" in result.output
    assert pulls == []


def _render_old(tmp_path: Path) -> Any:
    release = tmp_path / "helmrelease.yaml"
    release.write_text(RELEASE, encoding="utf-8")
    return CliRunner().invoke(cli, ["render", str(release), "--side", "old", "--renderer", "helm"])


def test_a_cached_archive_that_changed_is_pulled_again(
    tmp_path: Path, pulls: list[tuple[str, str]]
) -> None:
    assert _render_old(tmp_path).exit_code == 0
    (cached,) = (tmp_path / "cache" / "appt2dispatch" / "charts").glob("sha256-*.tgz")
    cached.write_bytes(b"not the archive that was pulled")
    again = _render_old(tmp_path)
    assert again.exit_code == 0, again.output
    assert len(pulls) == 2


def test_an_index_entry_that_is_not_a_digest_name_is_not_followed(
    tmp_path: Path, pulls: list[tuple[str, str]]
) -> None:
    import json

    charts = tmp_path / "cache" / "appt2dispatch" / "charts"
    charts.mkdir(parents=True)
    outside = tmp_path / "elsewhere.tgz"
    outside.write_bytes(b"planted")
    reference = "oci://ghcr.io/bjw-s-labs/helm/app-template:5.0.1"
    planted = {"manifest": "sha256:" + "0" * 64, "archive": "../../elsewhere.tgz"}
    (charts / "index.json").write_text(json.dumps({reference: planted}))
    result = _render_old(tmp_path)
    assert result.exit_code == 0, result.output
    assert len(pulls) == 1
    assert outside.read_bytes() == b"planted"


def test_an_unwritable_cache_is_a_clean_error(
    tmp_path: Path, pulls: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    result = _render_old(tmp_path)
    assert result.exit_code == 2, (result.output, result.exception)
    assert "cannot pull oci://ghcr.io/bjw-s-labs/helm/app-template:5.0.1" in result.stderr
    assert "Traceback" not in result.stderr
