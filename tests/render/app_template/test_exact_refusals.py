"""app-template 4.1.1 exactly: what the chart would fail on, or what the model does not
reproduce, is refused by key path; keys the chart never reads are ignored with a note."""

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


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda v: v.__setitem__(key, value)


def _main(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda v: v["controllers"]["main"].__setitem__(key, value)


def _two_services(v: dict[str, Any]) -> None:
    v["service"]["other"] = {"ports": {"http": {"port": 81}}}


def _route(route: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return _set("route", {"r": route})


_GATEWAY = [{"name": "gw", "namespace": "kube-system"}]

CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("role without rules", _set("rbac", {"roles": {"r": {"type": "Role"}}}), "rbac.roles.r.rules"),
    (
        "network policy without policyTypes",
        _set("networkpolicies", {"n": {"controller": "main"}}),
        "networkpolicies.n.policyTypes",
    ),
    (
        "raw resource without apiVersion",
        _set("rawResources", {"x": {"kind": "Foo"}}),
        "rawResources.x.apiVersion",
    ),
    (
        "global metadata on pods",
        _set("global", {"labels": {"team": "a"}, "propagateGlobalMetadataToPods": True}),
        "global.propagateGlobalMetadataToPods",
    ),
    (
        "files of the chart folder",
        _set("configMapsFromFolder", {"enabled": True, "basePath": "files"}),
        "configMapsFromFolder.enabled",
    ),
    ("common overrides", _set("common", {"service": {}}), "common"),
    (
        "PVC without size",
        _set("persistence", {"d": {"accessMode": "ReadWriteOnce"}}),
        "persistence.d.size",
    ),
    (
        "unknown persistence type",
        _set("persistence", {"d": {"type": "image"}}),
        "persistence.d.type",
    ),
    (
        "configMap volume by identifier",
        _set("persistence", {"c": {"type": "configMap", "identifier": "cfg"}}),
        "persistence.c.identifier",
    ),
    (
        "parentRef without namespace",
        _route({"parentRefs": [{"name": "gw"}]}),
        "route.r.parentRefs[0].namespace",
    ),
    (
        "backendRef without service among several",
        lambda v: (
            _two_services(v),
            _route({"parentRefs": _GATEWAY, "rules": [{"backendRefs": [{}]}]})(v),
        ),
        "route.r.rules[0].backendRefs[0]",
    ),
    (
        "redirect next to backends",
        _route(
            {
                "parentRefs": _GATEWAY,
                "rules": [
                    {
                        "backendRefs": [{"identifier": "app"}],
                        "filters": [{"type": "RequestRedirect"}],
                    }
                ],
            }
        ),
        "route.r.rules[0].filters[0]",
    ),
    ("unknown route kind", _route({"kind": "MeshRoute", "parentRefs": _GATEWAY}), "route.r.kind"),
    (
        "serviceMonitor without endpoints",
        _set("serviceMonitor", {"m": {}}),
        "serviceMonitor.m.endpoints",
    ),
    (
        "serviceMonitor without service among several",
        lambda v: (
            _two_services(v),
            _set("serviceMonitor", {"m": {"endpoints": [{"port": "http"}]}})(v),
        ),
        "serviceMonitor.m",
    ),
    (
        "ingress path without service among several",
        lambda v: (
            _two_services(v),
            _set("ingress", {"i": {"hosts": [{"host": "a", "paths": [{"path": "/"}]}]}})(v),
        ),
        "ingress.i.hosts[0].paths[0].service",
    ),
    (
        "pod labels with several controllers",
        lambda v: (
            v["controllers"].__setitem__("worker", copy.deepcopy(v["controllers"]["main"])),
            v["service"]["app"].__setitem__("controller", "main"),
            _set("defaultPodOptions", {"labels": {"team": "a"}})(v),
        ),
        "defaultPodOptions.labels",
    ),
    (
        "job restart policy",
        lambda v: (_main("type", "job")(v), _main("pod", {"restartPolicy": "Always"})(v)),
        "controllers.main.pod.restartPolicy",
    ),
    (
        "statefulset strategy",
        lambda v: (_main("type", "statefulset")(v), _main("strategy", "Recreate")(v)),
        "controllers.main.strategy",
    ),
    (
        "volumeClaimTemplate without size",
        lambda v: (
            _main("type", "statefulset")(v),
            _main(
                "statefulset",
                {"volumeClaimTemplates": [{"name": "d", "accessMode": "ReadWriteOnce"}]},
            )(v),
        ),
        "controllers.main.statefulset.volumeClaimTemplates[0].size",
    ),
    (
        "several service accounts, none chosen",
        _set("serviceAccount", {"a": {}, "b": {}}),
        "controllers.main.serviceAccount",
    ),
    (
        "merge strategy for containers",
        _main("defaultContainerOptionsStrategy", "merge"),
        "controllers.main.defaultContainerOptionsStrategy",
    ),
    ("unknown controller type", _main("type", "rollout"), "controllers.main.type"),
    (
        "unsupported template",
        lambda v: v["controllers"]["main"]["containers"]["app"].__setitem__(
            "env", {"A": "{{ .Values.x }}"}
        ),
        "controllers.main.containers.app.env.A",
    ),
]


@pytest.mark.parametrize(("change", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refusal_names_the_key_path(change: Callable[[dict[str, Any]], None], path: str) -> None:
    with pytest.raises(RefusedError) as caught:
        render_app_template(_with(change), release_name="web", namespace="ns", version="4.1.1")
    assert f"`{path}`" in str(caught.value)


def test_keys_the_chart_never_reads_are_ignored_with_a_note() -> None:
    values = _with(lambda v: v.update({"webhook": {"enabled": True}, "podMonitor": {"a": {}}}))
    rendered = render_app_template(values, release_name="web", namespace="ns", version="4.1.1")
    plain = render_app_template(BASE, release_name="web", namespace="ns", version="4.1.1")
    assert rendered.objects == plain.objects
    assert any("`webhook`" in note and "ignored" in note for note in rendered.notes)
    assert any("`podMonitor`" in note for note in rendered.notes)
    assert not plain.notes


def test_other_4x_versions_still_refuse_what_differs_between_them() -> None:
    values = _with(_set("persistence", {"data": {"existingClaim": "{{ .Release.Name }}"}}))
    render_app_template(values, release_name="web", namespace="ns", version="4.1.1")
    with pytest.raises(RefusedError, match=r"persistence\.data\.existingClaim"):
        render_app_template(values, release_name="web", namespace="ns", version="4.2.0")


def test_entries_that_are_not_mappings_are_skipped_like_the_chart() -> None:
    values = _with(
        lambda v: v.update({"serviceMonitor": {"enabled": False}, "route": {"on": True}})
    )
    rendered = render_app_template(values, release_name="web", namespace="ns", version="4.1.1")
    plain = render_app_template(BASE, release_name="web", namespace="ns", version="4.1.1")
    assert rendered.objects == plain.objects
    assert any("`serviceMonitor.enabled` is not a mapping" in note for note in rendered.notes)
    with pytest.raises(RefusedError, match=r"configMaps\.enabled"):
        render_app_template(
            _with(_set("configMaps", {"enabled": False})),
            release_name="web",
            namespace="ns",
            version="4.1.1",
        )
