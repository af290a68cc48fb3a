"""Kubernetes-level fields of the old Deployment, Service and HTTPRoute; refusals by path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.errors import RefusedError, ReleaseError
from appt2dispatch.models import ObjectKey, Rendered, Translation
from appt2dispatch.translate import translate_release
from translate.translate_support import (
    builtin_old,
    helm_merged,
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
    for key in ("replicas", "strategy", "nameOverride", "fullnameOverride"):
        assert key not in values
    # Stated by the values' keys (`controllers.dispatch`, `containers.app`, `ports.http`).
    assert (values["controllerName"], values["containerName"]) == ("dispatch", "app")
    assert values["service"] == {"port": 3000, "portName": "http"}
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


def test_chart_version_override_wins(tmp_path: Path) -> None:
    release = release_from_text(tmp_path, release_text())
    translation = translate_release(release, builtin_old(release), chart_version="0.6.0")
    assert translation.chart_version == "0.6.0"


def test_kubernetes_fields_are_carried(tmp_path: Path) -> None:
    def edit(deployment: dict[str, Any]) -> None:
        deployment["spec"]["replicas"] = 2
        deployment["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
        deployment["metadata"]["labels"]["team"] = "llm"
        deployment["spec"]["template"]["metadata"]["annotations"] = {"a": "b"}
        spec = pod(deployment)
        spec["nodeSelector"] = {"kubernetes.io/arch": "amd64"}
        spec["securityContext"] = {"runAsNonRoot": True}
        spec["terminationGracePeriodSeconds"] = 60
        spec["enableServiceLinks"] = True
        container = spec["containers"][0]
        container["securityContext"] = {"readOnlyRootFilesystem": True}
        container["args"] = ["--verbose"]

    values = translate_changed(tmp_path, on_kind("Deployment", edit)).values
    assert values["replicas"] == 2
    assert values["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    assert values["labels"] == {"team": "llm"}
    assert values["podAnnotations"] == {"a": "b"}
    assert values["nodeSelector"] == {"kubernetes.io/arch": "amd64"}
    assert values["podSecurityContext"] == {"runAsNonRoot": True}
    assert values["terminationGracePeriodSeconds"] == 60
    assert values["enableServiceLinks"] is True
    assert values["securityContext"] == {"readOnlyRootFilesystem": True}
    assert values["args"] == ["--verbose"]


def test_a_different_probe_replaces_the_default_completely(tmp_path: Path) -> None:
    tcp = {"tcpSocket": {"port": 3000}, "periodSeconds": 10}

    def edit(deployment: dict[str, Any]) -> None:
        container = pod(deployment)["containers"][0]
        container["livenessProbe"] = tcp
        container.pop("readinessProbe", None)

    values = translate_changed(tmp_path, on_kind("Deployment", edit)).values
    merged = helm_merged(dict(values))
    assert merged["probes"]["liveness"]["spec"] == tcp
    assert merged["probes"]["readiness"]["enabled"] is False
    assert values["probes"]["liveness"]["spec"]["httpGet"] is None  # deletes the default


def test_selector_labels_are_matched_and_names_overridden(tmp_path: Path) -> None:
    def rename(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            labels = obj["metadata"].setdefault("labels", {})
            if obj["kind"] == "Deployment":
                obj["metadata"]["name"] = "dispatch-main"
                selector = obj["spec"]["selector"]["matchLabels"]
                selector["app.kubernetes.io/controller"] = "main"
                selector["app.kubernetes.io/name"] = "mission-control"
                obj["spec"]["template"]["metadata"]["labels"].update(selector)
            if obj["kind"] == "Service":
                obj["metadata"]["name"] = "dispatch-app"
                obj["spec"]["selector"]["app.kubernetes.io/controller"] = "main"
                obj["spec"]["selector"]["app.kubernetes.io/name"] = "mission-control"
            labels.pop("x", None)

    translation = translate_changed(tmp_path, rename)
    values = translation.values
    assert values["fullnameOverride"] == "dispatch-main"
    assert values["nameOverride"] == "mission-control"
    assert values["controllerName"] == "main"
    old_key = ObjectKey("", "Service", "llm", "dispatch-app")
    assert translation.rename_map == {old_key: ObjectKey("", "Service", "llm", "dispatch-main")}
    assert any(
        'Service "dispatch-app" becomes "dispatch-main"' in n.message for n in translation.notes
    )


def test_instance_label_other_than_the_release_cannot_be_adopted(tmp_path: Path) -> None:
    def edit(deployment: dict[str, Any]) -> None:
        deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] = "other"

    with pytest.raises(RefusedError, match=r"app.kubernetes.io/instance.*cannot be adopted"):
        translate_changed(tmp_path, on_kind("Deployment", edit))


@pytest.mark.parametrize(
    ("container_yaml", "edit", "rendered_path", "values_key"),
    [
        (
            "            lifecycle:\n              preStop: {exec: {command: [sleep, '5']}}",
            lambda d: pod(d)["containers"][0].update(
                lifecycle={"preStop": {"exec": {"command": ["sleep", "5"]}}}
            ),
            "container app lifecycle",
            "controllers.dispatch.containers.app.lifecycle",
        ),
        (
            "",
            lambda d: pod(d).update(hostAliases=[{"ip": "10.0.0.1", "hostnames": ["x"]}]),
            "spec.template.spec.hostAliases",
            None,
        ),
        (
            "",
            lambda d: pod(d)["containers"].append({"name": "sidecar", "image": "busybox"}),
            "spec.template.spec.containers[1] (sidecar)",
            None,
        ),
        (
            "",
            lambda d: pod(d).update(hostNetwork=True),
            "spec.template.spec.hostNetwork",
            None,
        ),
    ],
)
def test_unmapped_fields_are_refused_by_path(
    tmp_path: Path,
    container_yaml: str,
    edit: Callable[[dict[str, Any]], None],
    rendered_path: str,
    values_key: str | None,
) -> None:
    text = release_text(container=container_yaml)
    with pytest.raises(RefusedError) as caught:
        translate_changed(tmp_path, on_kind("Deployment", edit), text)
    message = str(caught.value)
    assert f"Deployment/dispatch {rendered_path}" in message
    if values_key is not None:
        assert f"values key {values_key}" in message
        assert caught.value.location is not None and caught.value.location.line is not None


def test_objects_without_a_home_are_refused(tmp_path: Path) -> None:
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}}
    with pytest.raises(RefusedError, match="PersistentVolumeClaim/data"):
        translate_changed(tmp_path, lambda objects: objects.append(pvc))


def test_a_release_that_only_calls_dispatch_is_not_dispatch(tmp_path: Path) -> None:
    release = release_from_text(tmp_path, release_text())
    curl = "docker.io/curlimages/curl:8.21.0"
    cronjob = {
        "kind": "CronJob",
        "metadata": {"name": "dispatch-sync"},
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [{"name": "app", "image": curl}]}}}
            }
        },
    }
    with pytest.raises(ReleaseError, match=f"images found: {curl}"):
        translate_release(release, Rendered(objects=(cronjob,), renderer="test"))


def test_service_port_and_route_differences_are_written(tmp_path: Path) -> None:
    def edit(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            if obj["kind"] == "Service":
                obj["spec"]["type"] = "LoadBalancer"
                obj["spec"]["ports"][0].update(port=80, name="web")
                obj["metadata"]["annotations"] = {"lb": "internal"}
        objects.append(
            {
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "HTTPRoute",
                "metadata": {"name": "dispatch", "namespace": "llm"},
                "spec": {
                    "parentRefs": [
                        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}
                    ],
                    "hostnames": ["dispatch.example"],
                    "rules": [
                        {
                            "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
                            "backendRefs": [
                                {"group": "", "kind": "Service", "name": "dispatch", "port": 80}
                            ],
                        }
                    ],
                },
            }
        )

    values = translate_changed(tmp_path, edit).values
    assert values["service"] == {
        "type": "LoadBalancer",
        "port": 80,
        "portName": "web",
        "annotations": {"lb": "internal"},
    }
    assert values["httpRoute"] == {
        "enabled": True,
        "parentRefs": [{"name": "gw"}],
        "hostnames": ["dispatch.example"],
        "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/api"}}]}],
    }
