"""Refusals: anything the model cannot reproduce exactly stops with the values key path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from appt2dispatch.errors import RefusedError
from appt2dispatch.render.app_template import render_app_template

BASE: dict[str, Any] = {
    "controllers": {
        "main": {"containers": {"app": {"image": {"repository": "nginx", "tag": "1.27"}}}}
    },
    "service": {"app": {"ports": {"http": {"port": 80}}}},
}


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    values = copy.deepcopy(BASE)
    change(values)
    return values


def _app(values: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = values["controllers"]["main"]["containers"]["app"]
    return container


def _set_app(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda v: v["controllers"]["main"]["containers"]["app"].__setitem__(key, value)


def _set_pod(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda v: v["controllers"]["main"].setdefault("pod", {}).__setitem__(key, value)


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    (
        "unknown pod option",
        _set_pod("topologySpreadConstraints", [{"maxSkew": 1}]),
        "4.2.0",
        "controllers.main.pod.topologySpreadConstraints",
    ),
    (
        "4.x has no hostUsers",
        _set_pod("hostUsers", False),
        "4.2.0",
        "controllers.main.pod.hostUsers",
    ),
    (
        "statefulset",
        lambda v: v["controllers"]["main"].__setitem__("type", "statefulset"),
        "4.2.0",
        "controllers.main.type",
    ),
    ("ingress", lambda v: v.__setitem__("ingress", {"app": {"hosts": []}}), "4.2.0", "ingress"),
    (
        "unsupported template",
        _set_app("env", {"FOO": "{{ .Values.foo }}"}),
        "4.1.1",
        "controllers.main.containers.app.env.FOO",
    ),
    (
        "command is not templated",
        _set_app("command", ["{{ .Release.Name }}"]),
        "4.2.0",
        "controllers.main.containers.app.command[0]",
    ),
    (
        "chart-created PVC",
        lambda v: v.__setitem__("persistence", {"data": {"size": "1Gi"}}),
        "4.2.0",
        "persistence.data.size",
    ),
    (
        "PVC without claim",
        lambda v: v.__setitem__("persistence", {"data": {}}),
        "4.2.0",
        "persistence.data",
    ),
    (
        "service controller ambiguous",
        lambda v: v["controllers"].__setitem__("other", copy.deepcopy(v["controllers"]["main"])),
        "4.1.1",
        "service.app.controller",
    ),
    (
        "image without tag",
        lambda v: _app(v)["image"].pop("tag"),
        "4.1.1",
        "controllers.main.containers.app.image.tag",
    ),
    (
        "digest field in 4.x",
        _set_app("image", {"repository": "a", "tag": "1", "digest": "sha256:x"}),
        "4.2.0",
        "controllers.main.containers.app.image.digest",
    ),
    (
        "probe without service",
        lambda v: (v.pop("service"), _set_app("probes", {"liveness": {"enabled": True}})(v)),
        "4.2.0",
        "controllers.main.containers.app.probes.liveness",
    ),
    (
        "backendRef by name without port",
        lambda v: v.__setitem__(
            "route",
            {
                "r": {
                    "parentRefs": [{"name": "gw", "namespace": "n"}],
                    "rules": [{"backendRefs": [{"name": "web"}]}],
                }
            },
        ),
        "4.2.0",
        "route.r.rules[0].backendRefs[0].port",
    ),
    (
        "pod option set twice",
        lambda v: (
            v.__setitem__("defaultPodOptions", {"securityContext": {"runAsUser": 1}}),
            _set_pod("securityContext", {"fsGroup": 2})(v),
        ),
        "4.2.0",
        "controllers.main.pod.securityContext",
    ),
    (
        "reserved label",
        lambda v: v["controllers"]["main"].__setitem__("labels", {"app.kubernetes.io/name": "x"}),
        "4.2.0",
        "controllers.main.labels.app.kubernetes.io/name",
    ),
    (
        "global labels",
        lambda v: v.__setitem__("global", {"labels": {"a": "b"}}),
        "5.0.1",
        "global.labels",
    ),
    (
        "envFrom optional in 4.x",
        _set_app("envFrom", [{"secretRef": {"name": "s", "optional": True}}]),
        "4.2.0",
        "controllers.main.containers.app.envFrom[0].secretRef.optional",
    ),
    (
        "env cycle",
        _set_app(
            "env", {"A": {"value": "a", "dependsOn": "B"}, "B": {"value": "b", "dependsOn": "A"}}
        ),
        "4.1.1",
        "controllers.main.containers.app.env",
    ),
    (
        "parentRef without namespace",
        lambda v: v.__setitem__(
            "route",
            {"r": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [{"name": "w"}]}]}},
        ),
        "5.0.1",
        "route.r.parentRefs[0].namespace",
    ),
    (
        "templated affinity in 4.x",
        _set_pod("affinity", {"nodeAffinity": {"x": "{{ .Release.Name }}"}}),
        "4.2.0",
        "controllers.main.pod.affinity.nodeAffinity.x",
    ),
    (
        "merge strategy",
        lambda v: v.__setitem__("defaultPodOptionsStrategy", "merge"),
        "5.0.1",
        "defaultPodOptionsStrategy",
    ),
]


@pytest.mark.parametrize(
    ("change", "version", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refusal_names_the_key_path(
    change: Callable[[dict[str, Any]], None], version: str, path: str
) -> None:
    values = _with(change)
    with pytest.raises(RefusedError) as caught:
        render_app_template(values, release_name="web", namespace="ns", version=version)
    message = str(caught.value)
    assert f"`{path}`" in message
    assert "--app-template-chart" in message and "--old-manifests" in message


@pytest.mark.parametrize("version", ["3.7.3", "6.0.0", "latest"])
def test_unknown_chart_versions_are_refused(version: str) -> None:
    with pytest.raises(RefusedError, match="--app-template-chart"):
        render_app_template(BASE, release_name="web", namespace="ns", version=version)


def test_baseline_renders() -> None:
    rendered = render_app_template(BASE, release_name="web", namespace="ns")
    assert [o["kind"] for o in rendered.objects] == ["Deployment", "Service"]
