"""Every valid corpus release translates, and the dispatch chart then runs the same pod."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appt2dispatch.errors import ReleaseError
from appt2dispatch.render.dispatch_chart import render_dispatch
from appt2dispatch.translate import translate_release
from conftest import corpus_releases
from translate.translate_support import (
    app_container,
    builtin_old,
    effective_env,
    golden_for,
    load_release,
    old_from_manifests,
)

LANES = "DISPATCH_LANE_CONFIG_JSON"


@pytest.mark.parametrize("path", corpus_releases(), ids=lambda path: path.stem)
def test_corpus_release_translates_to_the_same_pod(path: Path, goldens_dir: Path) -> None:
    release = load_release(path)
    old = old_from_manifests(golden_for(path, goldens_dir))
    translation = translate_release(release, old)
    new = render_dispatch(
        translation.values,
        release_name=release.release_name,
        namespace=release.namespace,
        chart_version=translation.chart_version,
    )
    old_container, new_container = app_container(old), app_container(new)
    assert new_container["image"] == old_container["image"]
    assert new_container["envFrom"] == old_container["envFrom"]
    old_env, new_env = effective_env(old_container), effective_env(new_container)
    if LANES in old_env:
        assert json.loads(new_env.pop(LANES)) == json.loads(old_env.pop(LANES))
    assert new_env == {**old_env, "SKIP_DB_MIGRATIONS": "true"}
    for probe in ("livenessProbe", "readinessProbe", "resources"):
        assert new_container.get(probe) == old_container.get(probe)
    assert not [n for n in translation.notes if n.level == "warning" and "invalid" in n.message]


@pytest.mark.parametrize("path", corpus_releases(), ids=lambda path: path.stem)
def test_builtin_renderer_and_real_render_give_the_same_values(
    path: Path, goldens_dir: Path
) -> None:
    # The renderer is a parameter: the built-in model of the golden's version must agree.
    release = load_release(path)
    from_golden = translate_release(release, old_from_manifests(golden_for(path, goldens_dir)))
    from_builtin = translate_release(release, builtin_old(release, "4.1.1"))
    assert from_builtin.values == from_golden.values
    assert from_builtin.values_yaml == from_golden.values_yaml


def test_heartbeat_releases_are_not_dispatch(corpus_dir: Path, goldens_dir: Path) -> None:
    heartbeats = sorted(
        (corpus_dir / "home-ops-history").glob("*-dispatch-heartbeat-*[0-9a-f].yaml")
    )
    assert heartbeats
    for path in heartbeats:
        release = load_release(path)
        with pytest.raises(ReleaseError) as caught:
            translate_release(release, old_from_manifests(golden_for(path, goldens_dir)))
        assert "docker.io/curlimages/curl:8.21.0@sha256:" in str(caught.value)
        assert "not a dispatch release" in str(caught.value)
