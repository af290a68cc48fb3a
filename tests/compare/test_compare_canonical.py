"""Canonicalisation: API defaults, quantities, ports, images, null/absent/empty."""

from __future__ import annotations

from typing import Any

import pytest

from appt2dispatch.compare.canonical import PodFacts, SideFacts, canonicalise_object, prune_empty
from appt2dispatch.compare.spelling import (
    default_pull_policy,
    normalise_image,
    normalise_int_or_string,
    normalise_quantity,
)

FACTS = SideFacts(namespace="llm", service_account_automount={}, pods=())


def deployment(pod_spec: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "dispatch"},
        "spec": {
            "selector": {"matchLabels": {"app": "dispatch"}},
            "template": {"metadata": {"labels": {"app": "dispatch"}}, "spec": pod_spec},
            **spec,
        },
    }


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "ghcr.io/misospace/dispatch:0.5.17", **fields}


def canonical(obj: dict[str, Any], facts: SideFacts = FACTS) -> dict[str, Any]:
    return canonicalise_object(obj, facts)


@pytest.mark.parametrize(
    ("left", "right"),
    [("0.5", "500m"), ("1Gi", "1024Mi"), (1, "1000m"), ("1e3", "1k"), ("2", 2), ("0", "0m")],
)
def test_equal_quantities_normalise_alike(left: object, right: object) -> None:
    assert normalise_quantity(left) == normalise_quantity(right)


@pytest.mark.parametrize(("left", "right"), [("512Mi", "500Mi"), ("1G", "1Gi"), ("100m", "1")])
def test_different_quantities_stay_different(left: object, right: object) -> None:
    assert normalise_quantity(left) != normalise_quantity(right)


def test_quantity_spelling_is_readable() -> None:
    assert normalise_quantity("536870912") == "512Mi"
    assert normalise_quantity("0.05") == "50m"
    assert normalise_quantity("not-a-quantity") == "not-a-quantity"


def test_int_or_string_ports() -> None:
    assert normalise_int_or_string("3000") == 3000
    assert normalise_int_or_string(3000) == 3000
    assert normalise_int_or_string("http") == "http"
    assert normalise_int_or_string("25%") == "25%"


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("ghcr.io/misospace/dispatch", "Always"),
        ("ghcr.io/misospace/dispatch:latest", "Always"),
        ("ghcr.io/misospace/dispatch:0.5.17", "IfNotPresent"),
        ("ghcr.io/misospace/dispatch@sha256:abc", "IfNotPresent"),
        ("ghcr.io/misospace/dispatch:0.5.17@sha256:abc", "IfNotPresent"),
        ("localhost:5000/dispatch", "Always"),
        ("localhost:5000/dispatch:main", "IfNotPresent"),
    ],
)
def test_default_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    assert default_pull_policy(image) == policy


def test_image_reference_spelled_as_the_runtime_resolves_it() -> None:
    assert normalise_image("nginx") == "docker.io/library/nginx:latest"
    assert normalise_image("docker.io/library/nginx:latest") == "docker.io/library/nginx:latest"
    assert normalise_image("curlimages/curl:8") == "docker.io/curlimages/curl:8"
    assert normalise_image("ghcr.io/a/b:1@sha256:x") == "ghcr.io/a/b:1@sha256:x"


def test_explicit_pull_policy_equal_to_default_is_the_same() -> None:
    implicit = deployment({"containers": [container()]})
    explicit = deployment({"containers": [container(imagePullPolicy="IfNotPresent")]})
    assert canonical(implicit) == canonical(explicit)
    latest = deployment(
        {"containers": [container(image="x/y:latest", imagePullPolicy="IfNotPresent")]}
    )
    assert canonical(latest) != canonical(
        deployment({"containers": [container(image="x/y:latest")]})
    )


def test_deployment_defaults() -> None:
    bare = deployment({"containers": [container()]})
    explicit = deployment(
        {
            "containers": [container()],
            "enableServiceLinks": True,
            "terminationGracePeriodSeconds": 30,
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "serviceAccountName": "default",
            "automountServiceAccountToken": True,
            "hostNetwork": False,
            "securityContext": {},
        },
        replicas=1,
        revisionHistoryLimit=10,
        progressDeadlineSeconds=600,
        strategy={
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
    )
    assert canonical(bare) == canonical(explicit)


def test_recreate_strategy_differs_from_the_default() -> None:
    bare = deployment({"containers": [container()]})
    recreate = deployment({"containers": [container()]}, strategy={"type": "Recreate"})
    assert canonical(bare)["spec"]["strategy"] != canonical(recreate)["spec"]["strategy"]
    assert canonical(recreate)["spec"]["strategy"] == {"type": "Recreate"}


def test_enable_service_links_false_is_not_the_default() -> None:
    bare = canonical(deployment({"containers": [container()]}))
    links_off = canonical(deployment({"containers": [container()], "enableServiceLinks": False}))
    assert bare != links_off


def test_probe_timing_defaults() -> None:
    short = {"httpGet": {"port": 3000}}
    full = {
        "httpGet": {"port": "3000", "path": "/", "scheme": "HTTP"},
        "initialDelaySeconds": 0,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    left = deployment({"containers": [container(livenessProbe=short)]})
    right = deployment({"containers": [container(livenessProbe=full)]})
    assert canonical(left) == canonical(right)
    slower = deployment({"containers": [container(livenessProbe={**full, "periodSeconds": 30})]})
    assert canonical(slower) != canonical(right)


def test_named_probe_port_resolves_against_the_containers_ports() -> None:
    named = container(
        ports=[{"name": "http", "containerPort": 3000}],
        readinessProbe={"tcpSocket": {"port": "http"}},
    )
    pod = canonical(deployment({"containers": [named]}))["spec"]["template"]["spec"]
    assert pod["containers"][0]["readinessProbe"]["tcpSocket"]["port"] == 3000
    assert pod["containers"][0]["ports"][0]["protocol"] == "TCP"


def test_null_absent_and_empty_are_the_same() -> None:
    absent = deployment({"containers": [container()]})
    empty = deployment(
        {
            "containers": [
                container(resources={}, command=[], args=None, securityContext={"runAsUser": None})
            ]
        },
        replicas=None,
    )
    assert canonical(absent) == canonical(empty)


def test_empty_dir_and_empty_label_values_are_kept() -> None:
    assert prune_empty({"volumes": [{"name": "tmp", "emptyDir": {}}]}) == {
        "volumes": [{"name": "tmp", "emptyDir": {}}]
    }
    assert prune_empty({"labels": {"flag": ""}}) == {"labels": {"flag": ""}}
    assert prune_empty({"priorityClassName": ""}) is None


def test_resources_compare_by_amount() -> None:
    left = deployment(
        {"containers": [container(resources={"limits": {"memory": "1Gi", "cpu": "0.5"}})]}
    )
    right = deployment(
        {"containers": [container(resources={"limits": {"memory": "1024Mi", "cpu": "500m"}})]}
    )
    assert canonical(left) == canonical(right)


def test_pod_token_mount_follows_the_service_account() -> None:
    pod = {"containers": [container()], "serviceAccountName": "dispatch"}
    facts = SideFacts("llm", {"dispatch": False}, ())
    spec = canonical(deployment(pod), facts)["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert (
        canonical(deployment(pod))["spec"]["template"]["spec"]["automountServiceAccountToken"]
        is True
    )


def service(**port: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "dispatch", "namespace": "llm"},
        "spec": {"selector": {"app": "dispatch"}, "ports": [{"name": "http", **port}]},
    }


def test_service_defaults_and_target_port() -> None:
    bare = canonical(service(port=3000))
    explicit = canonical(service(port="3000", targetPort=3000, protocol="TCP"))
    explicit["spec"]["type"] = "ClusterIP"
    assert bare == explicit
    assert bare["spec"]["type"] == "ClusterIP"


def test_service_named_target_port_resolves_against_selected_pods() -> None:
    facts = SideFacts("llm", {}, (PodFacts({"app": "dispatch", "x": "y"}, {"http": 3000}),))
    resolved = canonical(service(port=80, targetPort="http"), facts)
    assert resolved["spec"]["ports"][0]["targetPort"] == 3000
    unresolved = canonical(service(port=80, targetPort="http"))
    assert unresolved["spec"]["ports"][0]["targetPort"] == "http"


def route(rule: dict[str, Any], parent: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "dispatch", "namespace": "llm"},
        "spec": {"parentRefs": [parent], "hostnames": ["b.example", "a.example"], "rules": [rule]},
    }


def test_route_defaults() -> None:
    short = route({"backendRefs": [{"name": "dispatch", "port": 3000}]}, {"name": "gw"})
    full = route(
        {
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "backendRefs": [
                {
                    "group": "",
                    "kind": "Service",
                    "name": "dispatch",
                    "namespace": "llm",
                    "port": 3000,
                    "weight": 1,
                }
            ],
        },
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw", "namespace": "llm"},
    )
    full["spec"]["hostnames"].reverse()
    assert canonical(short) == canonical(full)


def test_namespace_filled_for_namespaced_objects_only() -> None:
    assert canonical(service(port=1))["metadata"]["namespace"] == "llm"
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "x"},
    }
    assert "namespace" not in canonical(cluster_role)["metadata"]


def test_server_fields_are_dropped() -> None:
    live = service(port=1)
    live["metadata"].update({"uid": "u", "resourceVersion": "7", "creationTimestamp": "now"})
    live["status"] = {"loadBalancer": {}}
    assert canonical(live) == canonical(service(port=1))
