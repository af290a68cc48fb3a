"""Acceptance through `diff`: every real corpus release migrates with no behaviour change.

Each valid dispatch release of ../shared/corpus/home-ops-history goes through the
whole pipeline (load -> render old -> translate -> render new -> compare -> report)
with three old sides: the real app-template 4.1.1 render (golden manifests), the
built-in model at 4.1.1, and the built-in model at the version the release's own
OCIRepository names (the `<stem>.ocirepository.yaml` beside it). The heartbeat
releases run curl, not dispatch, and must be refused by name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from appt2dispatch import pipeline
from appt2dispatch.errors import ReleaseError
from appt2dispatch.load import release_ocirepository
from appt2dispatch.models import HelmRelease, Report
from conftest import SHARED_DIR, corpus_releases

NAMESPACE = "llm"
HISTORY = SHARED_DIR / "corpus" / "home-ops-history"
CURL_IMAGE = "docker.io/curlimages/curl:8.21.0@sha256:"


def load(path: Path) -> HelmRelease:
    return pipeline.load(path, pipeline.LoadOptions(namespace=NAMESPACE))


def diff(path: Path, old: pipeline.OldSideOptions) -> Report:
    outcome = pipeline.diff(load(path), old, pipeline.TranslateOptions())
    assert_written_chart_is_the_rendered_one(outcome)
    return outcome.report


def assert_written_chart_is_the_rendered_one(outcome: pipeline.DiffOutcome) -> None:
    """The OCIRepository written names exactly the chart that rendered the new side: with
    the defaults, the bundled chart at its own version (never a restamped one)."""
    from appt2dispatch.render.dispatch_chart import CHART_URL, bundled_chart_version

    artifact = outcome.new.artifact
    assert artifact is not None and artifact.verified
    assert (artifact.url, artifact.version) == (CHART_URL, bundled_chart_version())
    written = [
        YAML(typ="safe", pure=True).load(file.content)
        for file in outcome.files
        if re.search(r"^kind: OCIRepository$", file.content, re.MULTILINE)
    ]
    assert len(written) == 1, [str(file.path) for file in outcome.files]
    spec = written[0]["spec"]
    assert (spec["url"], str(spec["ref"]["tag"])) == (artifact.url, artifact.version)
    assert outcome.report.artifact == artifact
    assert "restamp" not in outcome.new.renderer


def assert_no_behavior_change(report: Report) -> None:
    serious = [
        f"{f.klass} {f.resource} {f.path}: {f.message}"
        for f in report.findings
        if f.klass in ("behavior", "blocker")
    ]
    assert report.verdict == "no-behavior-change", serious
    assert not serious
    # The migration itself is visible: pods stop migrating, the hook Job does it.
    expected = {(f.resource, f.path) for f in report.findings if f.klass == "expected"}
    assert any(path.endswith("env[SKIP_DB_MIGRATIONS]") for _, path in expected), expected
    assert any(resource.startswith("Job.batch ") for resource, _ in expected), expected


def paired_ocirepository(path: Path) -> Path:
    return path.with_name(f"{path.stem}.ocirepository.yaml")


def ocirepository_tag(path: Path) -> str:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return str(data["spec"]["ref"]["tag"])


RELEASES = corpus_releases()
WITH_OWN_OCIREPOSITORY = [path for path in RELEASES if paired_ocirepository(path).is_file()]


@pytest.mark.parametrize("path", RELEASES, ids=lambda path: path.stem)
def test_diff_against_the_real_render_shows_no_behavior_change(
    path: Path, goldens_dir: Path
) -> None:
    golden = goldens_dir / f"{path.stem}.rendered.yaml"
    report = diff(path, pipeline.OldSideOptions(manifests=golden))
    assert report.renderers["old"] == f"manifests from {golden}"
    assert_no_behavior_change(report)


@pytest.mark.parametrize("path", RELEASES, ids=lambda path: path.stem)
def test_diff_against_the_builtin_model_at_4_1_1_shows_no_behavior_change(
    path: Path, shared_dir: Path
) -> None:
    report = diff(path, pipeline.OldSideOptions(app_template_version="4.1.1"))
    assert "(4.1.1)" in report.renderers["old"]
    assert_no_behavior_change(report)


@pytest.mark.parametrize("path", WITH_OWN_OCIREPOSITORY, ids=lambda path: path.stem)
def test_diff_at_the_version_of_the_releases_own_ocirepository(
    path: Path, shared_dir: Path
) -> None:
    sibling = paired_ocirepository(path)
    release = load(path)
    found = release_ocirepository(release)
    assert found is not None and found.path.resolve() == sibling.resolve()
    tag = ocirepository_tag(sibling)
    outcome = pipeline.diff(release, pipeline.OldSideOptions(), pipeline.TranslateOptions())
    assert_written_chart_is_the_rendered_one(outcome)
    report = outcome.report
    assert f"({tag})" in report.renderers["old"]
    assert not [note for note in report.notes if "version not visible" in note.message]
    assert_no_behavior_change(report)


def test_the_corpus_is_all_there(shared_dir: Path) -> None:
    # 44 valid dispatch releases, 23 of them beside their own OCIRepository (5.0.1).
    assert len(RELEASES) == 44
    assert len(WITH_OWN_OCIREPOSITORY) == 23
    assert {ocirepository_tag(paired_ocirepository(p)) for p in WITH_OWN_OCIREPOSITORY} == {"5.0.1"}


@pytest.mark.parametrize("use_golden", [True, False], ids=["golden", "builtin"])
def test_heartbeat_releases_are_refused_naming_the_curl_image(
    use_golden: bool, goldens_dir: Path
) -> None:
    heartbeats = sorted(HISTORY.glob("*-dispatch-heartbeat-*[0-9a-f].yaml"))
    assert len(heartbeats) == 2
    for path in heartbeats:
        golden = goldens_dir / f"{path.stem}.rendered.yaml"
        old = pipeline.OldSideOptions(manifests=golden if use_golden else None)
        with pytest.raises(ReleaseError) as caught:
            diff(path, old)
        assert "not a dispatch release" in caught.value.message
        assert CURL_IMAGE in caught.value.message
