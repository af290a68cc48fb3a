"""Kubernetes-level fields of the old Deployment, Service and HTTPRoute; refusals by path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.models import Translation
from appt2dispatch.translate import translate_release
from translate.translate_support import (
    builtin_old,
    release_from_text,
    release_text,
    with_changes,
)

Change = Callable[[list[dict[str, Any]]], None]


def translate_changed(tmp_path: Path, change: Change, text: str | None = None) -> Translation:
    release = release_from_text(tmp_path, text or release_text())
    return translate_release(release, with_changes(builtin_old(release), change))


def on_kind(kind: str, edit: Callable[[dict[str, Any]], None]) -> Change:
    def change(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            if obj["kind"] == kind:
                edit(obj)

    return change


def pod(deployment: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def test_plain_release_needs_only_the_differences(tmp_path: Path) -> None:
    translation = translate_changed(tmp_path, lambda objects: None)
    values = translation.values
    assert values["serviceAccount"] == {"automountServiceAccountToken": True}
    for key in ("replicas", "strategy", "service", "nameOverride", "controllerName"):
        assert key not in values
    # The synthetic release has no probes; the chart's default ones are switched off.
    assert values["probes"] == {"liveness": {"enabled": False}, "readiness": {"enabled": False}}
    assert "enabled: false  # the old pod had no liveness probe" in translation.values_yaml
    assert "automountServiceAccountToken: true  # the app-template pod mounted the token" in (
        translation.values_yaml
    )
    assert translation.rename_map == {}


def test_image_pin_is_kept_whole(tmp_path: Path) -> None:
    translation = translate_changed(tmp_path, lambda objects: None)
    image = translation.values["image"]
    # As the old values wrote it: repository stated, `tag: X@sha256:...` kept whole.
    assert image["repository"] == "ghcr.io/misospace/dispatch"
    assert image["tag"] == "0.5.17@sha256:" + "ab" * 32
    assert "digest" not in image
    assert translation.chart_version == "0.5.40"  # the bundled chart, not the image's version
    follow_up = [n for n in translation.notes if "Follow-up after this migration" in n.message]
    assert follow_up and "appVersion is 0.5.40" in follow_up[0].message


def test_mission_control_keeps_its_repository(tmp_path: Path) -> None:
    text = release_text().replace("misospace/dispatch", "misospace/mission-control")
    translation = translate_changed(tmp_path, lambda objects: None, text)
    assert translation.values["image"]["repository"] == "ghcr.io/misospace/mission-control"


def test_non_version_tag_uses_the_bundled_chart_version_and_says_unpinned(tmp_path: Path) -> None:
    from appt2dispatch.translate.chart import bundled_chart_version

    translation = translate_changed(tmp_path, lambda objects: None, release_text(tag="sha-1cb8aa7"))
    assert translation.chart_version == bundled_chart_version()
    assert translation.values["image"] == {
        "repository": "ghcr.io/misospace/dispatch",
        "tag": "sha-1cb8aa7",
    }
    mapped = [n.message for n in translation.notes if "-> image.repository" in n.message]
    assert mapped and "(unpinned: a tag without a digest" in mapped[0]
    assert "pin kept" not in mapped[0]


def test_follow_app_version_targets_the_image_version(tmp_path: Path) -> None:
    release = release_from_text(tmp_path, release_text())
    translation = translate_release(release, builtin_old(release), follow_app_version=True)
    assert translation.chart_version == "0.5.17"


def test_follow_app_version_without_a_version_tag_is_bad_input(tmp_path: Path) -> None:
    from appt2dispatch.errors import InputError

    release = release_from_text(tmp_path, release_text(tag="main"))
    with pytest.raises(InputError, match=r"--follow-app-version: the image .*:main"):
        translate_release(release, builtin_old(release), follow_app_version=True)


def test_tag_and_digest_written_apart_stay_apart(tmp_path: Path) -> None:
    """app-template 4.x+ has `image.digest`: the old side (real chart) renders tag@digest."""
    pinned = "ghcr.io/misospace/dispatch:0.5.17@sha256:" + "ab" * 32

    def pin(deployment: dict[str, Any]) -> None:
        pod(deployment)["containers"][0]["image"] = pinned

    translation = translate_changed(
        tmp_path, on_kind("Deployment", pin), release_text(tag="0.5.17")
    )
    image = translation.values["image"]
    assert image["tag"] == "0.5.17"
    assert image["digest"] == "sha256:" + "ab" * 32
