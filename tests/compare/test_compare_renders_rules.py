"""Rules of compare.renders whose loss would mislabel a finding or break the comparison.

Each test states one (see docs/mutation-testing.md, compare.renders): built from small
synthetic objects, so they need no ../shared.
"""

from __future__ import annotations

import copy
from typing import Any

from appt2dispatch.compare import compare_renders, decide_verdict
from appt2dispatch.compare.renders import SECRET_PLACEHOLDER
from appt2dispatch.models import Finding, Translation
from compare.compare_helpers import IMAGE, at_path, migration_job, rendered

NAMESPACE = "dispatch"
APP = "spec.template.spec.containers[app]"


def deployment(containers: list[dict[str, Any]] | None = None, **pod_spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "dispatch", "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": {"app": "dispatch"}},
            "template": {
                "metadata": {"labels": {"app": "dispatch"}},
                "spec": {
                    "containers": containers or [{"name": "app", "image": IMAGE}],
                    **pod_spec,
                },
            },
        },
    }


def compare(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    translation: Translation | None = None,
) -> tuple[Finding, ...]:
    return compare_renders(rendered(old), rendered(new), translation)


def test_an_added_httproute_is_a_behaviour_change() -> None:
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "dispatch", "namespace": NAMESPACE},
        "spec": {"hostnames": ["dispatch.example.com"]},
    }
    findings = compare([deployment()], [deployment(), route])
    assert [f.klass for f in findings if "HTTPRoute" in f.resource] == ["behavior"]
    assert decide_verdict(findings) == "behavior-change"


def test_a_container_on_one_side_only_is_reported_whole() -> None:
    sidecar = {"name": "sidecar", "image": "busybox", "env": [{"name": "A", "value": "1"}]}
    new = deployment([{"name": "app", "image": IMAGE}, sidecar])
    findings = compare([deployment()], [new])
    assert [f.path for f in findings if f.klass != "cosmetic"] == [
        "spec.template.spec.containers[sidecar]"
    ]
    assert decide_verdict(findings) == "behavior-change"


def test_secret_values_are_masked_in_findings() -> None:
    def secret(data: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "dispatch", "namespace": NAMESPACE},
            "data": data,
        }

    old = secret({"TOKEN": "b2xk", "GONE": "Zw=="})
    findings = compare([old], [secret({"TOKEN": "bmV3", "EXTRA": "eA=="})])
    changed, added = at_path(findings, "data[TOKEN]"), at_path(findings, "data[EXTRA]")
    removed = at_path(findings, "data[GONE]")
    assert (changed.old, changed.new) == (SECRET_PLACEHOLDER, SECRET_PLACEHOLDER)
    assert (added.old, added.new) == (None, SECRET_PLACEHOLDER)
    assert (removed.old, removed.new) == (SECRET_PLACEHOLDER, None)


def test_a_finding_carries_the_old_and_the_new_value() -> None:
    new = deployment([{"name": "app", "image": "ghcr.io/misospace/dispatch:0.6.0"}])
    finding = at_path(compare([deployment()], [new]), f"{APP}.image")
    assert (finding.old, finding.new) == (IMAGE, "ghcr.io/misospace/dispatch:0.6.0")


def test_an_unnamed_container_port_is_compared_like_any_other() -> None:
    app = {"name": "app", "image": IMAGE, "ports": [{"containerPort": 3000}]}
    assert compare([deployment([app])], [deployment(copy.deepcopy([app]))]) == ()


def test_a_pod_that_spells_out_its_service_accounts_automount_is_unchanged() -> None:
    def account(automount: bool) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "dispatch", "namespace": NAMESPACE},
            "automountServiceAccountToken": automount,
        }

    old = [account(False), deployment(serviceAccountName="dispatch")]
    new = [
        account(False),
        deployment(serviceAccountName="dispatch", automountServiceAccountToken=False),
    ]
    assert [f for f in compare(old, new) if f.klass != "cosmetic"] == []


def known_keys(**keys: frozenset[str]) -> Translation:
    return Translation(values={}, values_yaml="", notes=(), chart_version="0", envfrom_keys=keys)


def test_known_envfrom_keys_decide_whether_the_hook_job_migrates_the_same_database() -> None:
    # The Job also reads a Secret known to hold no DATABASE_URL: the URL still comes from
    # `dispatch`, as for the app. Unknown keys would make `empty` a second possible source.
    sources = [{"secretRef": {"name": "dispatch"}}]
    old_app = {"name": "app", "image": IMAGE, "envFrom": sources}
    new_app = {**old_app, "env": [{"name": "SKIP_DB_MIGRATIONS", "value": "true"}]}
    job = migration_job()
    job_container = job["spec"]["template"]["spec"]["containers"][0]
    job_container["env"] = []
    job_container["envFrom"] = [*sources, {"secretRef": {"name": "empty"}}]
    translation = known_keys(dispatch=frozenset({"DATABASE_URL"}), empty=frozenset())

    findings = compare([deployment([old_app])], [deployment([new_app]), job], translation)
    assert [(f.klass, f.resource) for f in findings] == [
        ("expected", "Deployment.apps dispatch/dispatch"),
        ("expected", "Job.batch dispatch/dispatch-migrate"),
    ]
    assert decide_verdict(findings) == "no-behavior-change"


def test_an_envfrom_difference_is_reported_once_by_the_environment_comparison() -> None:
    old_app = {"name": "app", "image": IMAGE, "envFrom": [{"secretRef": {"name": "dispatch"}}]}
    new_app = {"name": "app", "image": IMAGE, "envFrom": [{"secretRef": {"name": "other"}}]}
    translation = known_keys(dispatch=frozenset({"A"}), other=frozenset({"A"}))
    findings = compare([deployment([old_app])], [deployment([new_app])], translation)
    assert [f.path for f in findings] == [f"{APP}.envFrom"]


def test_an_unchanged_cluster_scoped_object_has_no_findings() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "dispatch"},
        "rules": [],
    }
    assert compare([deployment(), role], [deployment(), copy.deepcopy(role)]) == ()


def test_a_pod_template_on_one_side_only_is_reported_whole() -> None:
    # A template that is not a mapping (bad input) is no pod template: nothing to compare env in.
    without_template = deployment()
    without_template["spec"]["template"] = "none"
    for old, new in ((deployment(), without_template), (without_template, deployment())):
        findings = compare([old], [new])
        assert [(f.klass, f.path) for f in findings] == [("behavior", "spec.template")]


def test_only_a_secrets_values_are_masked() -> None:
    def config_map(value: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "dispatch", "namespace": NAMESPACE},
            "data": {"LEVEL": value},
        }

    finding = at_path(compare([config_map("info")], [config_map("debug")]), "data[LEVEL]")
    assert (finding.old, finding.new) == ("info", "debug")
