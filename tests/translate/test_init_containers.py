"""Init containers (home-ops Postgres setups wait for or create the database in one) are
translated to the chart's `initContainers`, verbatim and in order, with no behaviour change."""

from __future__ import annotations

from pathlib import Path

from appt2dispatch import pipeline
from conftest import FIXTURES_DIR

CASE = FIXTURES_DIR / "translate" / "init-containers"


def init_containers(rendered: pipeline.Rendered) -> list[dict[str, object]]:
    deployment = next(obj for obj in rendered.objects if obj["kind"] == "Deployment")
    return list(deployment["spec"]["template"]["spec"].get("initContainers") or [])


def test_init_containers_are_carried_verbatim_in_order() -> None:
    release = pipeline.load(CASE / "helmrelease.yaml", pipeline.LoadOptions(namespace="llm"))
    outcome = pipeline.diff(
        release,
        pipeline.OldSideOptions(app_template_version="4.1.1"),
        pipeline.TranslateOptions(),
    )
    old, new = init_containers(outcome.old), init_containers(outcome.new)
    assert [container["name"] for container in old] == ["01-wait-db", "02-init-db"]
    assert new == old
    assert outcome.translation.values["initContainers"] == old
    assert outcome.report.verdict == "no-behavior-change", [
        (finding.path, finding.message)
        for finding in outcome.report.findings
        if finding.klass in ("behavior", "blocker")
    ]
    assert not any("initContainers" in finding.path for finding in outcome.report.findings)


def test_chart_renders_init_containers_in_order(tmp_path: Path) -> None:
    from appt2dispatch.render.dispatch_chart import render_dispatch

    containers = [
        {"name": "b-second", "image": "busybox:1", "command": ["true"]},
        {"name": "a-first", "image": "busybox:1"},
    ]
    rendered = render_dispatch({"initContainers": containers}, release_name="d", namespace="n")
    assert init_containers(rendered) == containers
    job = next(obj for obj in rendered.objects if obj["kind"] == "Job")
    assert "initContainers" not in job["spec"]["template"]["spec"]
