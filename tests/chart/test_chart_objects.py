"""The dispatch chart's objects: image, pod, names, ServiceAccount, probes, route, migration Job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from appt2dispatch.errors import RenderError

if TYPE_CHECKING:
    from conftest import RenderValues

SELECTOR = {
    "app.kubernetes.io/name": "dispatch",
    "app.kubernetes.io/instance": "dispatch",
    "app.kubernetes.io/controller": "dispatch",
}
DIGEST = "sha256:" + "ab" * 32


def test_defaults_pod_and_labels(render_values: RenderValues) -> None:
    render = render_values()
    deployment = render.one("Deployment")
    assert deployment["metadata"]["name"] == "dispatch"
    assert deployment["spec"]["selector"] == {"matchLabels": SELECTOR}
    assert deployment["spec"]["template"]["metadata"]["labels"] == SELECTOR
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["revisionHistoryLimit"] == 3
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["metadata"]["labels"] == {
        **SELECTOR,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/version": "0.5.40",
        "helm.sh/chart": "dispatch-0.5.40",
    }
    pod = render.pod_spec
    assert pod["serviceAccountName"] == "dispatch"
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    assert "terminationGracePeriodSeconds" not in pod
    service = render.one("Service")
    assert service["spec"]["selector"] == SELECTOR
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 3000, "targetPort": 3000, "protocol": "TCP"}
    ]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ({"tag": "0.5.17"}, "ghcr.io/misospace/dispatch:0.5.17"),
        ({"tag": "0.5.17", "digest": DIGEST}, f"ghcr.io/misospace/dispatch:0.5.17@{DIGEST}"),
        ({"tag": f"0.5.17@{DIGEST}"}, f"ghcr.io/misospace/dispatch:0.5.17@{DIGEST}"),
        (
            {"tag": f"0.5.17@{DIGEST}", "digest": DIGEST},
            f"ghcr.io/misospace/dispatch:0.5.17@{DIGEST}",
        ),
        ({"digest": DIGEST}, f"ghcr.io/misospace/dispatch:0.5.40@{DIGEST}"),
        ({"repository": "registry.local/dispatch"}, "registry.local/dispatch:0.5.40"),
    ],
)
def test_image_reference(render_values: RenderValues, image: dict[str, str], expected: str) -> None:
    render = render_values({"image": image})
    assert render.container["image"] == expected
    assert render.job_container["image"] == expected


def test_image_tag_digest_conflict_fails(render_values: RenderValues) -> None:
    with pytest.raises(RenderError, match=r"differs from image\.digest"):
        render_values({"image": {"tag": f"0.5.17@{DIGEST}", "digest": "sha256:" + "cd" * 32}})


def test_full_pod_fields(render_values: RenderValues, full_values: dict[str, Any]) -> None:
    render = render_values(full_values)
    deployment = render.one("Deployment")
    assert deployment["metadata"]["annotations"] == {"reloader.stakater.com/auto": "true"}
    assert deployment["metadata"]["labels"]["team"] == "agents"
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"] == {**SELECTOR, "egress": "postgres"}
    assert template["metadata"]["annotations"] == {"prometheus.io/scrape": "false"}
    pod = render.pod_spec
    for key in (
        "imagePullSecrets",
        "nodeSelector",
        "tolerations",
        "affinity",
        "topologySpreadConstraints",
        "volumes",
    ):
        assert pod[key] == full_values[key], key
    assert pod["securityContext"] == full_values["podSecurityContext"]
    assert pod["priorityClassName"] == "important"
    assert pod["terminationGracePeriodSeconds"] == 45
    container = render.container
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["command"] == ["node"]
    assert container["args"] == ["server.js"]
    assert container["resources"] == full_values["resources"]
    assert container["securityContext"] == full_values["securityContext"]
    assert container["volumeMounts"] == full_values["volumeMounts"]
    assert container["startupProbe"] == {"tcpSocket": {"port": 3000}}
    # the Service port moves, the container keeps listening on 3000
    assert container["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert render.one("Service")["spec"]["ports"][0]["port"] == 8080


def test_selector_labels_never_change_by_user_labels(render_values: RenderValues) -> None:
    hijack = {"app.kubernetes.io/controller": "other", "app.kubernetes.io/name": "other"}
    render = render_values({"labels": hijack, "podLabels": hijack, "service": {"labels": hijack}})
    deployment = render.one("Deployment")
    assert deployment["spec"]["template"]["metadata"]["labels"] == SELECTOR
    assert deployment["metadata"]["labels"]["app.kubernetes.io/controller"] == "dispatch"
    assert render.one("Service")["metadata"]["labels"]["app.kubernetes.io/name"] == "dispatch"


def test_names_follow_overrides(render_values: RenderValues) -> None:
    render = render_values(
        {"fullnameOverride": "queue", "nameOverride": "dispatch-app", "controllerName": "main"},
        release_name="mission-control",
    )
    selector = {
        "app.kubernetes.io/name": "dispatch-app",
        "app.kubernetes.io/instance": "mission-control",
        "app.kubernetes.io/controller": "main",
    }
    for kind in ("Deployment", "Service", "ServiceAccount"):
        assert render.one(kind)["metadata"]["name"] == "queue", kind
    assert render.one("Job")["metadata"]["name"] == "queue-migrate"
    assert render.one("Deployment")["spec"]["selector"]["matchLabels"] == selector
    assert render.one("Service")["spec"]["selector"] == selector


def test_release_name_is_the_default_name(render_values: RenderValues) -> None:
    render = render_values(release_name="mission-control")
    assert render.one("Deployment")["metadata"]["name"] == "mission-control"
    labels = render.one("Deployment")["spec"]["selector"]["matchLabels"]
    assert labels["app.kubernetes.io/name"] == "mission-control"
    assert labels["app.kubernetes.io/controller"] == "dispatch"


def test_termination_grace_zero_is_kept(render_values: RenderValues) -> None:
    assert (
        render_values({"terminationGracePeriodSeconds": 0}).pod_spec[
            "terminationGracePeriodSeconds"
        ]
        == 0
    )


@pytest.mark.parametrize(
    ("service_account", "expected_name", "created"),
    [
        ({}, "dispatch", True),
        ({"name": "dispatch-sa"}, "dispatch-sa", True),
        ({"create": False}, "default", False),
        ({"create": False, "name": "shared"}, "shared", False),
    ],
)
def test_service_account(
    render_values: RenderValues,
    service_account: dict[str, Any],
    expected_name: str,
    created: bool,
) -> None:
    render = render_values({"serviceAccount": service_account})
    assert render.pod_spec["serviceAccountName"] == expected_name
    job_pod = render.one("Job")["spec"]["template"]["spec"]
    # A created ServiceAccount does not exist yet when the pre-install hook runs.
    assert job_pod["serviceAccountName"] == ("default" if created else expected_name)
    account = render.find("ServiceAccount")
    assert (account is not None) == created
    if account is not None:
        assert account["metadata"]["name"] == expected_name
        # A plain release object: a hook would be deleted by the upgrade that adopts it.
        assert "helm.sh/hook" not in account["metadata"].get("annotations", {})


def test_probe_enabled_without_spec_fails(render_values: RenderValues) -> None:
    with pytest.raises(RenderError, match=r"probes\.startup\.spec is empty"):
        render_values({"probes": {"startup": {"enabled": True}}})


def test_probes_can_be_disabled(render_values: RenderValues) -> None:
    container = render_values(
        {"probes": {"liveness": {"enabled": False}, "readiness": {"enabled": False}}}
    ).container
    assert not {"livenessProbe", "readinessProbe", "startupProbe"} & set(container)


def test_http_route(render_values: RenderValues, full_values: dict[str, Any]) -> None:
    route = render_values(full_values).one("HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["metadata"]["name"] == "dispatch"
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "internal",
            "namespace": "kube-system",
            "sectionName": "https",
        }
    ]
    assert route["spec"]["hostnames"] == ["dispatch.example.com"]
    assert route["spec"]["rules"] == [
        {
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "backendRefs": [
                {"group": "", "kind": "Service", "name": "dispatch", "port": 8080, "weight": 1}
            ],
        }
    ]


def test_http_route_given_refs_keep_their_values(render_values: RenderValues) -> None:
    route = render_values(
        {
            "httpRoute": {
                "enabled": True,
                "parentRefs": [{"name": "mesh", "group": "", "kind": "Service"}],
                "rules": [
                    {
                        "matches": [{"path": {"type": "Exact", "value": "/api"}}],
                        "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {}}],
                        "timeouts": {"request": "30s"},
                        "backendRefs": [{"weight": 0}, {"name": "canary", "port": 80}],
                    },
                    {"backendRefs": []},
                ],
            }
        }
    ).one("HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "mesh", "group": "", "kind": "Service"}]
    first, second = route["spec"]["rules"]
    assert first["filters"][0]["type"] == "RequestHeaderModifier"
    assert first["timeouts"] == {"request": "30s"}
    assert first["backendRefs"] == [
        {"group": "", "kind": "Service", "name": "dispatch", "port": 3000, "weight": 0},
        {"group": "", "kind": "Service", "name": "canary", "port": 80, "weight": 1},
    ]
    assert second["backendRefs"] == [
        {"group": "", "kind": "Service", "name": "dispatch", "port": 3000, "weight": 1}
    ]
    assert "namespace" not in first["backendRefs"][1]
    assert "hostnames" not in route["spec"]


def test_http_route_with_no_rules_routes_everything(render_values: RenderValues) -> None:
    route = render_values({"httpRoute": {"enabled": True, "rules": []}}).one("HTTPRoute")
    assert route["spec"]["rules"] == [
        {
            "backendRefs": [
                {"group": "", "kind": "Service", "name": "dispatch", "port": 3000, "weight": 1}
            ]
        }
    ]


def test_migrations_off_renders_no_job(render_values: RenderValues) -> None:
    render = render_values({"migrations": {"enabled": False}})
    assert "Job" not in render.kinds
    # the app pods still never migrate: turning that on is an explicit env override
    assert render.env_value("SKIP_DB_MIGRATIONS") == "true"


def test_migrate_job(render_values: RenderValues, full_values: dict[str, Any]) -> None:
    full_values["env"]["DISPATCH_DATABASE_URL"] = "postgresql://legacy"
    render = render_values(full_values)
    job = render.one("Job")
    assert job["metadata"]["name"] == "dispatch-migrate"
    assert job["metadata"]["annotations"] == {
        "helm.sh/hook": "pre-install,pre-upgrade",
        "helm.sh/hook-weight": "-5",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    }
    assert job["spec"]["backoffLimit"] == 1
    assert job["spec"]["activeDeadlineSeconds"] == 600
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] == "default"  # the created one may not exist yet
    assert pod["automountServiceAccountToken"] is False
    assert pod["imagePullSecrets"] == [{"name": "ghcr"}]
    assert pod["securityContext"] == full_values["podSecurityContext"]
    container = render.job_container
    assert container["command"] == ["./node_modules/.bin/prisma", "migrate", "deploy"]
    assert (
        container["image"]
        == render.container["image"]
        == (f"ghcr.io/misospace/dispatch:0.5.17@{DIGEST}")
    )
    assert container["env"] == [
        {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "dispatch-pg-app", "key": "pgbouncer-uri"}},
        },
        {"name": "DISPATCH_DATABASE_URL", "value": "postgresql://legacy"},
    ]
    assert container["envFrom"] == render.container["envFrom"]
    assert container["resources"] == {"limits": {"memory": "256Mi"}}
    assert container["securityContext"] == full_values["securityContext"]


def test_migrate_job_pods_are_not_service_endpoints(render_values: RenderValues) -> None:
    render = render_values({"podLabels": {"egress": "postgres"}})
    job_labels = render.one("Job")["spec"]["template"]["metadata"]["labels"]
    selector = render.one("Service")["spec"]["selector"]
    assert not set(selector.items()) <= set(job_labels.items())
    assert job_labels["app.kubernetes.io/controller"] == "dispatch-migrate"
    assert job_labels["app.kubernetes.io/component"] == "migrate"
    assert job_labels["egress"] == "postgres"


def test_migrate_job_database_url_from_env(render_values: RenderValues) -> None:
    render = render_values(
        {
            "database": {"existingSecret": "pg"},
            "env": {
                "DATABASE_URL": {"valueFrom": {"secretKeyRef": {"name": "own", "key": "url"}}},
                "TZ": "UTC",
            },
        }
    )
    assert render.job_container["env"] == [
        {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "own", "key": "url"}}}
    ]


def test_migrate_job_without_database_settings_has_no_env(render_values: RenderValues) -> None:
    render = render_values({"existingSecret": "dispatch-secret"})
    container = render.job_container
    assert "env" not in container
    assert container["envFrom"] == [{"secretRef": {"name": "dispatch-secret"}}]
