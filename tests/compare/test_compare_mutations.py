"""Mutation tests: a golden old side, a canonically equal new side, then one change at a time."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.compare import compare_renders, decide_verdict
from appt2dispatch.models import Finding
from appt2dispatch.render.manifests import parse_manifests
from compare.compare_helpers import (
    DIGEST,
    IMAGE,
    Mutation,
    app_container,
    at_path,
    by_kind,
    env_entry,
    migration_job,
    non_cosmetic,
    rendered,
)

POD = "spec.template.spec"
APP = f"{POD}.containers[app]"
DEPLOYMENT = "Deployment.apps llm/dispatch"
SERVICE = "Service llm/dispatch"
ROUTE = "HTTPRoute.gateway.networking.k8s.io llm/dispatch"


def equivalent_new_side(old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same objects as another chart would spell them: nothing observable differs."""
    new = copy.deepcopy(old)
    for obj in new:
        labels = obj["metadata"]["labels"]
        labels["helm.sh/chart"] = "dispatch-0.5.40"
        labels["app.kubernetes.io/version"] = "0.5.40"
        labels.pop("app.kubernetes.io/service", None)
        obj["metadata"].pop("namespace")  # charts often leave it to Helm
    deployment = by_kind(new, "Deployment")
    deployment["spec"]["template"]["metadata"]["labels"]["team"] = "llm"
    pod = deployment["spec"]["template"]["spec"]
    pod["terminationGracePeriodSeconds"] = 30
    pod.pop("dnsPolicy")
    container = pod["containers"][0]
    container["env"].reverse()
    container["imagePullPolicy"] = "IfNotPresent"
    container["ports"] = [{"name": "http", "containerPort": 3000}]
    container["livenessProbe"]["timeoutSeconds"] = 1
    container["resources"]["limits"]["memory"] = "0.5Gi"
    lanes = env_entry(container, "DISPATCH_LANE_CONFIG_JSON")
    lanes["value"] = json.dumps(json.loads(lanes["value"]), sort_keys=True, ensure_ascii=False)
    service = by_kind(new, "Service")
    service["spec"]["ports"][0]["targetPort"] = "http"
    route = by_kind(new, "HTTPRoute")
    backend = route["spec"]["rules"][0]["backendRefs"][0]
    for defaulted in ("group", "kind", "namespace", "weight"):
        backend.pop(defaulted)
    route["spec"]["rules"][0]["matches"] = [{"path": {"type": "PathPrefix", "value": "/"}}]
    return new


def compare_to_golden(
    golden: list[dict[str, Any]], mutate: Mutation | None = None
) -> tuple[Finding, ...]:
    new = equivalent_new_side(golden)
    if mutate is not None:
        mutate(new)
    return compare_renders(rendered(golden, "golden"), rendered(new, "mutated"))


def test_equivalent_new_side_has_no_behavior_change(golden_objects: list[dict[str, Any]]) -> None:
    findings = compare_to_golden(golden_objects)
    assert decide_verdict(findings) == "no-behavior-change"
    assert non_cosmetic(findings) == []
    paths = {finding.path for finding in findings}
    assert "metadata.labels[helm.sh/chart]" in paths
    assert f"{APP}.ports" in paths
    assert f"{APP}.env[DISPATCH_LANE_CONFIG_JSON].value" in paths


def drop_reloader(new: list[dict[str, Any]]) -> None:
    del by_kind(new, "Deployment")["metadata"]["annotations"]["reloader.stakater.com/auto"]


def change_service_port(new: list[dict[str, Any]]) -> None:
    by_kind(new, "Service")["spec"]["ports"][0]["port"] = 8080


def flip_dry_run(new: list[dict[str, Any]]) -> None:
    env_entry(app_container(new), "DISPATCH_GROOMER_DRY_RUN")["value"] = "true"


def reorder_lanes(new: list[dict[str, Any]]) -> None:
    entry = env_entry(app_container(new), "DISPATCH_LANE_CONFIG_JSON")
    config = json.loads(entry["value"])
    config["lanes"].reverse()
    entry["value"] = json.dumps(config)


def drop_digest(new: list[dict[str, Any]]) -> None:
    app_container(new)["image"] = IMAGE.replace(f"@{DIGEST}", "")


def change_selector(new: list[dict[str, Any]]) -> None:
    by_kind(new, "Deployment")["spec"]["selector"]["matchLabels"][
        "app.kubernetes.io/controller"
    ] = "app"


def change_probe(new: list[dict[str, Any]]) -> None:
    app_container(new)["readinessProbe"]["httpGet"]["path"] = "/api/health"


def change_replicas(new: list[dict[str, Any]]) -> None:
    by_kind(new, "Deployment")["spec"]["replicas"] = 2


def remove_route_host(new: list[dict[str, Any]]) -> None:
    by_kind(new, "HTTPRoute")["spec"]["hostnames"] = []


def change_strategy(new: list[dict[str, Any]]) -> None:
    del by_kind(new, "Deployment")["spec"]["strategy"]


def links_on(new: list[dict[str, Any]]) -> None:
    del by_kind(new, "Deployment")["spec"]["template"]["spec"]["enableServiceLinks"]


def change_memory(new: list[dict[str, Any]]) -> None:
    app_container(new)["resources"]["limits"]["memory"] = "1Gi"


def retarget_route(new: list[dict[str, Any]]) -> None:
    by_kind(new, "HTTPRoute")["spec"]["rules"][0]["backendRefs"][0]["port"] = 8080


def named_target_elsewhere(new: list[dict[str, Any]]) -> None:
    app_container(new)["ports"] = [{"name": "http", "containerPort": 8080}]


def set_cluster_ip(new: list[dict[str, Any]]) -> None:
    by_kind(new, "Service")["spec"]["clusterIP"] = "None"


def add_command(new: list[dict[str, Any]]) -> None:
    app_container(new)["command"] = ["node", "server.js"]


@pytest.mark.parametrize(
    ("mutate", "klass", "resource", "path"),
    [
        (drop_reloader, "behavior", DEPLOYMENT, "metadata.annotations[reloader.stakater.com/auto]"),
        (change_service_port, "behavior", SERVICE, "spec.ports[8080]"),
        (flip_dry_run, "behavior", DEPLOYMENT, f"{APP}.env[DISPATCH_GROOMER_DRY_RUN].value"),
        (reorder_lanes, "behavior", DEPLOYMENT, f"{APP}.env[DISPATCH_LANE_CONFIG_JSON].value"),
        (drop_digest, "behavior", DEPLOYMENT, f"{APP}.image"),
        (
            change_selector,
            "blocker",
            DEPLOYMENT,
            "spec.selector.matchLabels[app.kubernetes.io/controller]",
        ),
        (change_probe, "behavior", DEPLOYMENT, f"{APP}.readinessProbe.httpGet.path"),
        (change_replicas, "behavior", DEPLOYMENT, "spec.replicas"),
        (remove_route_host, "behavior", ROUTE, "spec.hostnames"),
        (change_strategy, "behavior", DEPLOYMENT, "spec.strategy"),
        (links_on, "behavior", DEPLOYMENT, f"{POD}.enableServiceLinks"),
        (change_memory, "behavior", DEPLOYMENT, f"{APP}.resources.limits.memory"),
        (retarget_route, "behavior", ROUTE, "spec.rules[0].backendRefs[llm/dispatch:8080]"),
        (named_target_elsewhere, "behavior", SERVICE, "spec.ports[3000].targetPort"),
        (set_cluster_ip, "blocker", SERVICE, "spec.clusterIP"),
        (add_command, "behavior", DEPLOYMENT, f"{APP}.command"),
    ],
)
def test_one_perturbation_one_finding(
    golden_objects: list[dict[str, Any]], mutate: Mutation, klass: str, resource: str, path: str
) -> None:
    findings = compare_to_golden(golden_objects, mutate)
    finding = at_path(findings, path)
    assert (finding.klass, finding.resource) == (klass, resource)
    expected_verdict = "blocked" if klass == "blocker" else "behavior-change"
    assert decide_verdict(findings) == expected_verdict


def test_flipped_value_carries_both_sides(golden_objects: list[dict[str, Any]]) -> None:
    finding = at_path(
        compare_to_golden(golden_objects, flip_dry_run),
        f"{APP}.env[DISPATCH_GROOMER_DRY_RUN].value",
    )
    assert (finding.old, finding.new) == ("false", "true")


def test_dropped_digest_is_named(golden_objects: list[dict[str, Any]]) -> None:
    finding = at_path(compare_to_golden(golden_objects, drop_digest), f"{APP}.image")
    assert "digest" in finding.message


def test_removed_route_is_behavior(golden_objects: list[dict[str, Any]]) -> None:
    def remove_route(new: list[dict[str, Any]]) -> None:
        new.remove(by_kind(new, "HTTPRoute"))

    findings = compare_to_golden(golden_objects, remove_route)
    assert non_cosmetic(findings) == [("behavior", ROUTE, "")]
    assert "dispatch.jory.dev" in findings[0].message


def add_migration_handover(new: list[dict[str, Any]], job: dict[str, Any] | None) -> None:
    app_container(new)["env"].append({"name": "SKIP_DB_MIGRATIONS", "value": "true"})
    if job is not None:
        new.append(job)


@pytest.mark.parametrize(
    ("job", "skip_class", "job_class"),
    [
        (migration_job(), "expected", "expected"),
        (None, "behavior", None),
        (migration_job(image="ghcr.io/misospace/dispatch:0.5.16"), "behavior", "behavior"),
        (
            migration_job(
                database={
                    "name": "DATABASE_URL",
                    "valueFrom": {
                        "secretKeyRef": {"name": "dispatch-pguser-dispatch", "key": "uri"}
                    },
                }
            ),
            "behavior",
            "behavior",
        ),
        (migration_job(hook="post-install"), "behavior", "behavior"),
    ],
    ids=["matching-hook-job", "no-job", "other-image", "other-database", "not-a-pre-hook"],
)
def test_skip_migrations_expected_only_with_matching_hook_job(
    golden_objects: list[dict[str, Any]],
    job: dict[str, Any] | None,
    skip_class: str,
    job_class: str | None,
) -> None:
    findings = compare_to_golden(golden_objects, lambda new: add_migration_handover(new, job))
    assert at_path(findings, f"{APP}.env[SKIP_DB_MIGRATIONS]").klass == skip_class
    job_findings = [f for f in findings if f.resource == "Job.batch llm/dispatch-migrate"]
    assert [f.klass for f in job_findings] == ([job_class] if job_class else [])


def test_hook_job_without_skipping_pods_is_behavior(golden_objects: list[dict[str, Any]]) -> None:
    findings = compare_to_golden(golden_objects, lambda new: new.append(migration_job()))
    assert non_cosmetic(findings) == [("behavior", "Job.batch llm/dispatch-migrate", "")]


def test_created_service_account_used_by_pods_is_expected(
    golden_objects: list[dict[str, Any]],
) -> None:
    def use_own_account(new: list[dict[str, Any]]) -> None:
        new.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "dispatch"}})
        by_kind(new, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] = "dispatch"

    findings = compare_to_golden(golden_objects, use_own_account)
    assert decide_verdict(findings) == "no-behavior-change"
    assert non_cosmetic(findings) == [
        ("expected", DEPLOYMENT, f"{POD}.serviceAccountName"),
        ("expected", "ServiceAccount llm/dispatch", ""),
    ]


def test_unmounted_token_is_behavior(golden_objects: list[dict[str, Any]]) -> None:
    def no_token(new: list[dict[str, Any]]) -> None:
        new.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": "dispatch"},
                "automountServiceAccountToken": False,
            }
        )
        pod = by_kind(new, "Deployment")["spec"]["template"]["spec"]
        pod["serviceAccountName"] = "dispatch"
        del pod["automountServiceAccountToken"]

    findings = compare_to_golden(golden_objects, no_token)
    assert at_path(findings, f"{POD}.automountServiceAccountToken").klass == "behavior"


def test_pod_template_label_outside_selector_is_cosmetic(
    golden_objects: list[dict[str, Any]],
) -> None:
    def relabel(new: list[dict[str, Any]]) -> None:
        by_kind(new, "Deployment")["spec"]["template"]["metadata"]["labels"]["tier"] = "web"

    findings = compare_to_golden(golden_objects, relabel)
    assert at_path(findings, "spec.template.metadata.labels[tier]").klass == "cosmetic"
    assert decide_verdict(findings) == "no-behavior-change"


def test_user_label_on_the_workload_is_behavior(golden_objects: list[dict[str, Any]]) -> None:
    def relabel(new: list[dict[str, Any]]) -> None:
        by_kind(new, "Service")["metadata"]["labels"]["monitoring"] = "enabled"

    findings = compare_to_golden(golden_objects, relabel)
    assert at_path(findings, "metadata.labels[monitoring]").klass == "behavior"


def test_secret_data_is_never_in_a_finding() -> None:
    def secret(token: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": "llm"},
            "stringData": {"TOKEN": token},
        }

    findings = compare_renders(rendered([secret("hunter2-old")]), rendered([secret("hunter2-new")]))
    finding = at_path(findings, "stringData[TOKEN]")
    assert "hunter2" not in repr(finding)
    assert finding.klass == "behavior"


def test_job_template_change_is_a_blocker_unless_helm_recreates_it() -> None:
    plain_old = migration_job(hook="")
    plain_new = migration_job(hook="", image="ghcr.io/misospace/dispatch:0.5.18")
    for job in (plain_old, plain_new):
        del job["metadata"]["annotations"]
        job["metadata"]["namespace"] = "llm"
    blocked = compare_renders(rendered([plain_old]), rendered([plain_new]))
    assert at_path(blocked, f"{POD}.containers[migrate].image").klass == "blocker"
    hook_old, hook_new = migration_job(), migration_job(image="ghcr.io/misospace/dispatch:0.5.18")
    recreated = compare_renders(rendered([hook_old]), rendered([hook_new]))
    assert at_path(recreated, f"{POD}.containers[migrate].image").klass == "behavior"


def test_every_golden_equals_itself(goldens_dir: Path) -> None:
    """The canonicaliser and differ accept every real render (CronJobs too) without noise."""
    paths = sorted(goldens_dir.glob("*.rendered.yaml"))
    assert paths
    for path in paths:
        objects = parse_manifests(path.read_text(), source=str(path))
        assert compare_renders(rendered(objects), rendered(objects)) == (), path.name


def test_consecutive_goldens_differ_in_behavior(goldens_dir: Path) -> None:
    """Two real releases a commit apart: the image bump is found and classified."""
    older = goldens_dir / "25-2026-07-01-dispatch-38036e65c.rendered.yaml"
    newer = goldens_dir / "26-2026-07-02-dispatch-da5427f22.rendered.yaml"
    findings = compare_renders(
        rendered(parse_manifests(older.read_text(), source=older.name)),
        rendered(parse_manifests(newer.read_text(), source=newer.name)),
    )
    assert decide_verdict(findings) != "no-behavior-change"
    assert all(f.klass in ("behavior", "cosmetic") for f in findings)


def test_pod_relabel_that_escapes_the_service_is_behavior(
    golden_objects: list[dict[str, Any]],
) -> None:
    def relabel(new: list[dict[str, Any]]) -> None:
        deployment = by_kind(new, "Deployment")
        for labels in (
            deployment["spec"]["selector"]["matchLabels"],
            deployment["spec"]["template"]["metadata"]["labels"],
        ):
            labels["app.kubernetes.io/name"] = "dispatch-app"

    findings = compare_to_golden(golden_objects, relabel)
    selector = at_path([f for f in findings if f.resource == SERVICE], "spec.selector")
    assert selector.klass == "behavior"
    assert decide_verdict(findings) == "blocked"


def test_service_selector_spelled_differently_is_cosmetic(
    golden_objects: list[dict[str, Any]],
) -> None:
    def narrower(new: list[dict[str, Any]]) -> None:
        del by_kind(new, "Service")["spec"]["selector"]["app.kubernetes.io/controller"]

    findings = compare_to_golden(golden_objects, narrower)
    assert at_path(findings, "spec.selector[app.kubernetes.io/controller]").klass == "cosmetic"


def service_account(
    annotations: dict[str, str] | None = None, automount: bool | None = None
) -> dict[str, Any]:
    account: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "dispatch", "namespace": "llm", "annotations": annotations or {}},
    }
    if automount is not None:
        account["automountServiceAccountToken"] = automount
    return account


def test_object_turning_into_a_hook_is_a_blocker() -> None:
    hook = {"helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-6"}
    findings = compare_renders(rendered([service_account()]), rendered([service_account(hook)]))
    assert at_path(findings, "metadata.annotations[helm.sh/hook]").klass == "blocker"
    assert "helm/helm#11608" in at_path(findings, "metadata.annotations[helm.sh/hook]").message
    assert at_path(findings, "metadata.annotations[helm.sh/hook-weight]").klass == "behavior"
    back = compare_renders(rendered([service_account(hook)]), rendered([service_account()]))
    assert at_path(back, "metadata.annotations[helm.sh/hook]").klass == "blocker"
    reweighted = compare_renders(
        rendered([service_account(hook)]),
        rendered([service_account({**hook, "helm.sh/hook-weight": "0"})]),
    )
    assert non_cosmetic(reweighted) == [
        ("behavior", "ServiceAccount llm/dispatch", "metadata.annotations[helm.sh/hook-weight]")
    ]


def test_service_account_token_default_is_judged_on_the_pods() -> None:
    findings = compare_renders(
        rendered([service_account()]), rendered([service_account(automount=False)])
    )
    assert at_path(findings, "automountServiceAccountToken").klass == "cosmetic"
