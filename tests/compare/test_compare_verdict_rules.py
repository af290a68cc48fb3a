"""Rules whose loss would certify a behaviour change as safe: each test states one.

These pin what a lying comparator would get wrong (see docs/mutation-testing.md): a hook Job
on one of the two hooks, a host port, a PVC that shrinks.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from appt2dispatch.compare import compare_renders, decide_verdict
from appt2dispatch.compare.migration import is_install_and_upgrade_hook
from compare.compare_helpers import (
    app_container,
    at_path,
    migration_job,
    non_cosmetic,
    rendered,
)
from compare.test_compare_mutations import (
    APP,
    DEPLOYMENT,
    compare_to_golden,
    equivalent_new_side,
)

CLAIM = "PersistentVolumeClaim llm/data"


@pytest.mark.parametrize(
    ("hook", "both"),
    [
        ("pre-install,pre-upgrade", True),
        ("pre-upgrade, pre-install", True),
        ("pre-install,pre-upgrade,post-delete", True),
        ("pre-install", False),
        ("pre-upgrade", False),
        ("post-install,post-upgrade", False),
        ("", False),
    ],
)
def test_a_migration_hook_runs_before_install_and_before_upgrade(hook: str, both: bool) -> None:
    assert is_install_and_upgrade_hook(migration_job(hook=hook)) is both


@pytest.mark.parametrize("hook", ["pre-install", "pre-upgrade"])
def test_a_hook_job_on_one_of_the_two_hooks_is_not_the_handover(
    golden_objects: list[dict[str, Any]], hook: str
) -> None:
    # pre-install only: the first upgrade (every migration after it) would not migrate.
    def hand_over(new: list[dict[str, Any]]) -> None:
        app_container(new)["env"].append({"name": "SKIP_DB_MIGRATIONS", "value": "true"})
        new.append(migration_job(hook=hook))

    findings = compare_to_golden(golden_objects, hand_over)
    assert at_path(findings, f"{APP}.env[SKIP_DB_MIGRATIONS]").klass == "behavior"
    assert decide_verdict(findings) == "behavior-change"


@pytest.mark.parametrize(
    "port",
    [
        {"name": "http", "containerPort": 3000, "hostPort": 3000},
        {"name": "http", "containerPort": 3000, "hostPort": 3000, "protocol": "TCP"},
    ],
)
def test_a_host_port_is_behaviour(
    golden_objects: list[dict[str, Any]], port: dict[str, Any]
) -> None:
    def add_host_port(new: list[dict[str, Any]]) -> None:
        app_container(new)["ports"] = [port]

    findings = compare_to_golden(golden_objects, add_host_port)
    behaviour = [row for row in non_cosmetic(findings) if row[2].startswith(f"{APP}.ports")]
    assert [row[:2] for row in behaviour] == [("behavior", DEPLOYMENT)]
    assert decide_verdict(findings) == "behavior-change"


def test_a_host_port_removed_is_behaviour(golden_objects: list[dict[str, Any]]) -> None:
    old = copy.deepcopy(golden_objects)
    app_container(old)["ports"] = [{"name": "http", "containerPort": 3000, "hostPort": 3000}]
    findings = compare_renders(rendered(old), rendered(equivalent_new_side(golden_objects)))
    assert [row[:2] for row in non_cosmetic(findings)] == [("behavior", DEPLOYMENT)]
    assert decide_verdict(findings) == "behavior-change"


def claim(storage: str, access: str = "ReadWriteOnce") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "llm"},
        "spec": {"accessModes": [access], "resources": {"requests": {"storage": storage}}},
    }


@pytest.mark.parametrize(
    ("old", "new", "klass"),
    [
        ("5Gi", "10Gi", "behavior"),  # Kubernetes expands a claim (where the class allows it)
        ("10Gi", "5Gi", "blocker"),  # and refuses to shrink one
        ("1Gi", "1000Mi", "blocker"),
        ("1G", "1Gi", "behavior"),
    ],
)
def test_a_claim_may_grow_but_never_shrink(old: str, new: str, klass: str) -> None:
    findings = compare_renders(rendered([claim(old)]), rendered([claim(new)]))
    assert non_cosmetic(findings) == [(klass, CLAIM, "spec.resources.requests.storage")]
    assert decide_verdict(findings) == ("blocked" if klass == "blocker" else "behavior-change")


def test_a_claim_with_the_same_size_spelled_otherwise_is_no_change() -> None:
    findings = compare_renders(rendered([claim("1Gi")]), rendered([claim("1024Mi")]))
    assert decide_verdict(findings) == "no-behavior-change"


def test_a_claim_other_spec_change_is_a_blocker() -> None:
    findings = compare_renders(rendered([claim("1Gi")]), rendered([claim("1Gi", "ReadWriteMany")]))
    assert {row[0] for row in non_cosmetic(findings)} == {"blocker"}
    assert decide_verdict(findings) == "blocked"


def test_a_class_the_verdict_does_not_know_is_not_certified() -> None:
    finding = compare_renders(rendered([claim("5Gi")]), rendered([claim("10Gi")]))[0]
    assert decide_verdict([replace(finding, klass="unknown")]) == "behavior-change"  # type: ignore[arg-type]
    assert decide_verdict([replace(finding, klass="cosmetic")]) == "no-behavior-change"


def workload(name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "llm", "annotations": annotations or {}},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "dispatch:1"}]},
            },
        },
    }


def service(selector: dict[str, str], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "dispatch", "namespace": "llm"},
        "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": 3000}], **spec},
    }


def judged(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return non_cosmetic(compare_renders(rendered(old), rendered(new)))


def test_a_service_that_selects_other_pods_is_behaviour() -> None:
    pods = [workload("a"), workload("b")]
    rows = judged([*pods, service({"app": "a"})], [*pods, service({"app": "b"})])
    assert rows == [("behavior", "Service llm/dispatch", "spec.selector[app]")]


@pytest.mark.parametrize(
    ("field", "old", "new", "klass"),
    [
        ("type", "ClusterIP", "NodePort", "behavior"),
        ("clusterIP", "10.0.0.1", "10.0.0.2", "blocker"),
        ("sessionAffinity", "None", "ClientIP", "behavior"),
    ],
)
def test_service_spec_changes(field: str, old: str, new: str, klass: str) -> None:
    rows = judged(
        [workload("a"), service({"app": "a"}, **{field: old})],
        [workload("a"), service({"app": "a"}, **{field: new})],
    )
    assert {(row[0], row[1]) for row in rows} == {(klass, "Service llm/dispatch")}
    assert f"spec.{field}" in {row[2] for row in rows}


def test_service_cluster_ips_are_a_blocker() -> None:
    rows = judged(
        [service({"app": "a"}, clusterIPs=["10.0.0.1"])],
        [service({"app": "a"}, clusterIPs=["10.0.0.2"])],
    )
    assert rows and {row[0] for row in rows} == {"blocker"}


@pytest.mark.parametrize(
    ("old", "new", "klass"),
    [
        ({"meta.helm.sh/release-name": "app"}, {"meta.helm.sh/release-name": "dispatch"}, None),
        ({}, {"kubectl.kubernetes.io/last-applied-configuration": "{}"}, None),
        ({}, {"reloader.stakater.com/auto": "true"}, "behavior"),
        ({}, {"helm.sh/resource-policy": "keep"}, "behavior"),
        ({}, {"checksum/config": "abc"}, "behavior"),  # on the workload, not the pod
        ({}, {"example.com/owner": "me"}, "behavior"),
    ],
)
def test_workload_annotations(old: dict[str, str], new: dict[str, str], klass: str | None) -> None:
    rows = judged([workload("a", old)], [workload("a", new)])
    assert [row[0] for row in rows] == ([klass] if klass else [])


def test_a_pod_checksum_annotation_is_cosmetic_and_a_reloader_one_is_not() -> None:
    def with_pod_annotations(annotations: dict[str, str]) -> dict[str, Any]:
        obj = workload("a")
        obj["spec"]["template"]["metadata"]["annotations"] = annotations
        return obj

    assert judged([with_pod_annotations({})], [with_pod_annotations({"checksum/x": "1"})]) == []
    reloader = judged(
        [with_pod_annotations({})], [with_pod_annotations({"reloader.stakater.com/auto": "true"})]
    )
    assert [row[0] for row in reloader] == ["behavior"]


def test_annotations_added_with_a_hook_make_a_blocker() -> None:
    plain = workload("a")
    del plain["metadata"]["annotations"]
    hooked = workload("a", {"helm.sh/hook": "pre-install,pre-upgrade"})
    assert {row[0] for row in judged([plain], [hooked])} == {"blocker"}
    assert {row[0] for row in judged([hooked], [plain])} == {"blocker"}


def stateful_set(**spec: Any) -> dict[str, Any]:
    obj = workload("db")
    obj["kind"] = "StatefulSet"
    obj["spec"].update(spec)
    return obj


@pytest.mark.parametrize(
    ("old", "new", "klass"),
    [
        ({"serviceName": "db"}, {"serviceName": "db-headless"}, "blocker"),
        ({"podManagementPolicy": "OrderedReady"}, {"podManagementPolicy": "Parallel"}, "blocker"),
        ({"replicas": 1}, {"replicas": 2}, "behavior"),
    ],
)
def test_stateful_set_immutable_fields_are_blockers(
    old: dict[str, Any], new: dict[str, Any], klass: str
) -> None:
    rows = judged([stateful_set(**old)], [stateful_set(**new)])
    assert {row[0] for row in rows} == {klass}


def test_only_the_service_account_token_default_is_cosmetic() -> None:
    def account(**fields: Any) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "dispatch", "namespace": "llm"},
            **fields,
        }

    pull = {"imagePullSecrets": [{"name": "ghcr"}]}
    assert {row[0] for row in judged([account()], [account(**pull)])} == {"behavior"}


@pytest.mark.parametrize(
    ("kind", "klass"),
    [("Deployment", "behavior"), ("Service", "behavior"), ("ConfigMap", "cosmetic")],
)
def test_a_renamed_workload_or_service_is_behaviour(kind: str, klass: str) -> None:
    from appt2dispatch.models import ObjectKey, Translation

    group = "apps" if kind == "Deployment" else ""
    old_key = ObjectKey(group, kind, "llm", "dispatch-app")
    new_key = ObjectKey(group, kind, "llm", "dispatch")

    def named(name: str) -> dict[str, Any]:
        api = "apps/v1" if group else "v1"
        return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "llm"}}

    translation = Translation(
        values={}, values_yaml="", notes=(), chart_version="0", rename_map={old_key: new_key}
    )
    findings = compare_renders(
        rendered([named("dispatch-app")]), rendered([named("dispatch")]), translation
    )
    assert at_path(findings, "metadata.name").klass == klass
