"""Unit tests of the built-in app-template model: behaviours read off the chart and its renders."""

from __future__ import annotations

from typing import Any

import pytest

from appt2dispatch.render.app_template import render_app_template
from appt2dispatch.render.app_template.values import format_go_float


def render(values: dict[str, Any], *, version: str = "4.1.1", release: str = "web") -> list[Any]:
    return list(
        render_app_template(values, release_name=release, namespace="apps", version=version).objects
    )


def container(image: str = "nginx", tag: str = "1.27", **extra: Any) -> dict[str, Any]:
    return {"image": {"repository": image, "tag": tag}, **extra}


def one_app(**container_extra: Any) -> dict[str, Any]:
    return {"controllers": {"main": {"containers": {"app": container(**container_extra)}}}}


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    if obj["kind"] == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(obj["spec"]["template"]["spec"])


def by_kind(objects: list[Any], kind: str) -> list[dict[str, Any]]:
    return [dict(o) for o in objects if o["kind"] == kind]


# --- naming -----------------------------------------------------------------------------


def test_single_controller_is_named_after_the_release() -> None:
    (deployment,) = render(one_app())
    assert deployment["metadata"]["name"] == "web"
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/controller": "main",
        "app.kubernetes.io/instance": "web",
        "app.kubernetes.io/name": "web",
    }


def test_several_controllers_get_the_identifier_appended() -> None:
    values = {
        "controllers": {
            "api": {"containers": {"app": container()}},
            "worker": {"containers": {"app": container()}},
        }
    }
    assert [o["metadata"]["name"] for o in render(values)] == ["web-api", "web-worker"]


def test_disabled_controllers_do_not_count_for_naming() -> None:
    values = {
        "controllers": {
            "api": {"containers": {"app": container()}},
            "worker": {"enabled": False, "containers": {"app": container()}},
        }
    }
    assert [o["metadata"]["name"] for o in render(values)] == ["web"]


def test_top_level_name_override_has_no_effect_in_app_template() -> None:
    (deployment,) = render({**one_app(), "nameOverride": "other"})
    assert deployment["metadata"]["name"] == "web"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/name"] == "web"


def test_global_name_override_changes_the_name_label_and_fullname() -> None:
    (deployment,) = render({**one_app(), "global": {"nameOverride": "site"}})
    assert deployment["metadata"]["labels"]["app.kubernetes.io/name"] == "site"
    assert deployment["metadata"]["name"] == "web-site"


def test_fullname_override_names_every_resource() -> None:
    values = {
        **one_app(),
        "fullnameOverride": "Portal",
        "service": {"app": {"ports": {"http": {"port": 80}}}},
    }
    names = [o["metadata"]["name"] for o in render(values)]
    assert names == ["portal", "portal"]


def test_prefix_suffix_and_force_rename() -> None:
    values = {
        "controllers": {
            "main": {"prefix": "pre", "suffix": "post", "containers": {"a": container()}}
        },
        "service": {
            "svc": {"forceRename": "{{ .Release.Name }}-lb", "ports": {"http": {"port": 1}}}
        },
    }
    objects = render(values)
    assert [o["metadata"]["name"] for o in objects] == ["pre-web-post", "web-lb"]


# --- pods and containers ------------------------------------------------------------------


def test_pod_defaults_for_4x() -> None:
    (deployment,) = render(one_app())
    spec = pod_spec(deployment)
    assert {k: v for k, v in spec.items() if k != "containers"} == {
        "enableServiceLinks": False,
        "serviceAccountName": "default",
        "automountServiceAccountToken": True,
        "hostIPC": False,
        "hostNetwork": False,
        "hostPID": False,
        "dnsPolicy": "ClusterFirst",
    }
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["revisionHistoryLimit"] == 3
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}


def test_default_pod_options_apply_and_controller_pod_options_win() -> None:
    values = {
        "defaultPodOptions": {"securityContext": {"runAsUser": 1000}, "hostNetwork": True},
        "controllers": {
            "a": {"containers": {"c": container()}, "pod": {"hostNetwork": False}},
            "b": {"containers": {"c": container()}, "pod": {"nodeSelector": {"disk": "ssd"}}},
        },
    }
    a, b = render(values)
    assert pod_spec(a)["securityContext"] == {"runAsUser": 1000}
    assert pod_spec(a)["hostNetwork"] is False and pod_spec(a)["dnsPolicy"] == "ClusterFirst"
    assert pod_spec(b)["hostNetwork"] is True
    assert pod_spec(b)["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert pod_spec(b)["nodeSelector"] == {"disk": "ssd"}


def test_controller_annotations_go_on_the_workload_and_pod_annotations_on_the_pod() -> None:
    values = {
        "controllers": {
            "main": {
                "annotations": {"reloader.stakater.com/auto": "true"},
                "labels": {"team": "a"},
                "pod": {"annotations": {"x": "y"}, "labels": {"tier": "web"}},
                "containers": {"app": container()},
            }
        }
    }
    (deployment,) = render(values)
    assert deployment["metadata"]["annotations"] == {"reloader.stakater.com/auto": "true"}
    assert deployment["metadata"]["labels"]["team"] == "a"
    template = deployment["spec"]["template"]["metadata"]
    assert template["annotations"] == {"x": "y"}
    assert template["labels"]["tier"] == "web"
    assert template["labels"]["app.kubernetes.io/controller"] == "main"


def test_image_tag_with_digest_is_kept_whole() -> None:
    (deployment,) = render(one_app(tag="0.5.17@sha256:abc"))
    assert pod_spec(deployment)["containers"][0]["image"] == "nginx:0.5.17@sha256:abc"


def test_image_digest_field_in_5x() -> None:
    values = one_app()
    values["controllers"]["main"]["containers"]["app"]["image"]["digest"] = "sha256:def"
    deployment = by_kind(render(values, version="5.0.1"), "Deployment")[0]
    assert pod_spec(deployment)["containers"][0]["image"] == "nginx:1.27@sha256:def"


def test_env_map_form_is_sorted_stringified_and_templated() -> None:
    env = {
        "ZED": True,
        "ALPHA": 300000,
        "BIG": 1000000,
        "RATIO": 0.5,
        "NAME": "{{ .Release.Name }}-app",
        "SECRET": {"valueFrom": {"secretKeyRef": {"name": "{{ .Release.Name }}", "key": "k"}}},
    }
    (deployment,) = render(one_app(env=env))
    assert pod_spec(deployment)["containers"][0]["env"] == [
        {"name": "ALPHA", "value": "300000"},
        {"name": "BIG", "value": "1e+06"},
        {"name": "NAME", "value": "web-app"},
        {"name": "RATIO", "value": "0.5"},
        {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "web", "key": "k"}}},
        {"name": "ZED", "value": "true"},
    ]


def test_env_depends_on_reorders_the_map_form() -> None:
    env = {"A": {"value": "$(B)", "dependsOn": "B"}, "B": "b", "C": "c"}
    (deployment,) = render(one_app(env=env))
    assert [e["name"] for e in pod_spec(deployment)["containers"][0]["env"]] == ["B", "A", "C"]


def test_env_list_form_keeps_its_order() -> None:
    env = [
        {"name": "Z", "value": "1"},
        {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "M", "value": 8080},
    ]
    (deployment,) = render(one_app(env=env))
    assert pod_spec(deployment)["containers"][0]["env"] == [
        {"name": "Z", "value": "1"},
        {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "M", "value": "8080"},
    ]


def test_env_from_and_command_args() -> None:
    (deployment,) = render(
        one_app(
            envFrom=[{"secretRef": {"name": "{{ .Release.Name }}-env"}}, {"configMap": "cm"}],
            command="/bin/run",
            args=["--port", "80"],
        )
    )
    spec = pod_spec(deployment)["containers"][0]
    assert spec["envFrom"] == [{"secretRef": {"name": "web-env"}}, {"configMapRef": {"name": "cm"}}]
    assert spec["command"] == ["/bin/run"]
    assert spec["args"] == ["--port", "80"]


def test_containers_are_ordered_by_depends_on_then_name() -> None:
    values = {
        "controllers": {
            "main": {
                "containers": {
                    "b": container(dependsOn="c"),
                    "a": container(),
                    "c": container(),
                },
                "initContainers": {"init": container(command=["true"])},
            }
        }
    }
    spec = pod_spec(render(values)[0])
    assert [c["name"] for c in spec["containers"]] == ["a", "c", "b"]
    assert [c["name"] for c in spec["initContainers"]] == ["init"]


def test_verbatim_container_fields() -> None:
    fields = {
        "resources": {"limits": {"memory": "1Gi"}},
        "securityContext": {"readOnlyRootFilesystem": True},
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
        "ports": [{"name": "http", "containerPort": 80}],
    }
    spec = pod_spec(render(one_app(**fields))[0])["containers"][0]
    for key, value in fields.items():
        assert spec[key] == value


# --- probes -------------------------------------------------------------------------------


def test_default_probe_is_tcp_on_the_primary_service_port() -> None:
    values = {
        **one_app(probes={"liveness": {"enabled": True}, "readiness": {"enabled": False}}),
        "service": {"app": {"ports": {"http": {"port": 8080}}}},
    }
    spec = pod_spec(render(values)[0])["containers"][0]
    assert spec["livenessProbe"] == {
        "initialDelaySeconds": 0,
        "failureThreshold": 3,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "tcpSocket": {"port": 8080},
    }
    assert "readinessProbe" not in spec


def test_default_probe_prefers_target_port_and_takes_spec_timings() -> None:
    probes = {
        "startup": {"enabled": True, "spec": {"failureThreshold": 30, "periodSeconds": 5}},
        "readiness": {"enabled": True, "type": "HTTP", "path": "/healthz"},
    }
    values = {
        **one_app(probes=probes),
        "service": {"app": {"ports": {"http": {"port": 80, "targetPort": 8080}}}},
    }
    spec = pod_spec(render(values)[0])["containers"][0]
    assert spec["startupProbe"]["failureThreshold"] == 30
    assert spec["startupProbe"]["periodSeconds"] == 5
    assert spec["startupProbe"]["tcpSocket"] == {"port": 8080}
    assert spec["readinessProbe"]["httpGet"] == {"path": "/healthz", "scheme": "HTTP", "port": 8080}


def test_custom_probe_spec_is_used_verbatim() -> None:
    probe = {"enabled": True, "custom": True, "spec": {"exec": {"command": ["true"]}}}
    spec = pod_spec(render(one_app(probes={"liveness": probe}))[0])["containers"][0]
    assert spec["livenessProbe"] == {"exec": {"command": ["true"]}}


# --- services, routes, persistence --------------------------------------------------------


def test_service_ports_target_port_type_and_selector() -> None:
    values = {
        "controllers": {
            "api": {"containers": {"app": container()}},
            "worker": {"containers": {"app": container()}},
        },
        "service": {
            "api": {
                "controller": "api",
                "type": "LoadBalancer",
                "ports": {
                    "http": {"port": 80, "targetPort": 8080},
                    "dns": {"port": 53, "protocol": "UDP"},
                },
            }
        },
    }
    (service,) = by_kind(render(values), "Service")
    assert service["metadata"]["name"] == "web"
    assert service["metadata"]["labels"]["app.kubernetes.io/service"] == "web"
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["ports"] == [
        {"port": 53, "targetPort": 53, "protocol": "UDP", "name": "dns"},
        {"port": 80, "targetPort": 8080, "protocol": "TCP", "name": "http"},
    ]
    assert service["spec"]["selector"]["app.kubernetes.io/controller"] == "api"


def test_route_backend_ref_by_identifier_resolves_the_service_name() -> None:
    values = {
        **one_app(),
        "service": {
            "main": {"ports": {"http": {"port": 80}}},
            "metrics": {"ports": {"m": {"port": 9}}},
        },
        "route": {
            "app": {
                "hostnames": ["{{ .Release.Name }}.example.com"],
                "parentRefs": [{"name": "gw", "namespace": "net", "sectionName": "https"}],
                "rules": [{"backendRefs": [{"identifier": "main", "port": 80}]}],
            }
        },
    }
    (route,) = by_kind(render(values), "HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["spec"]["hostnames"] == ["web.example.com"]
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "gw",
            "namespace": "net",
            "sectionName": "https",
        }
    ]
    assert route["spec"]["rules"] == [
        {
            "backendRefs": [
                {
                    "group": "",
                    "kind": "Service",
                    "name": "web-main",
                    "namespace": "apps",
                    "port": 80,
                    "weight": 1,
                }
            ]
        }
    ]


def test_route_port_defaults_to_the_primary_port() -> None:
    values = {
        **one_app(),
        "service": {"main": {"ports": {"http": {"port": 80}}}},
        "route": {
            "app": {
                "hostnames": ["{{ .Release.Name }}.example.com"],
                "parentRefs": [{"name": "gw", "namespace": "net"}],
                "rules": [{"backendRefs": [{"identifier": "main"}]}],
            }
        },
    }
    (route,) = by_kind(render(values), "HTTPRoute")
    assert route["spec"]["hostnames"] == ["web.example.com"]
    assert route["spec"]["rules"][0]["backendRefs"][0]["port"] == 80
    assert route["spec"]["parentRefs"][0] == {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": "gw",
        "namespace": "net",
    }


def test_persistence_global_advanced_and_default_mounts() -> None:
    values = {
        "controllers": {
            "main": {"containers": {"app": container(), "sidecar": container()}},
        },
        "persistence": {
            "config": {"existingClaim": "{{ .Release.Name }}-config"}
            | {"globalMounts": [{"path": "/config"}]},
            "cache": {"type": "emptyDir", "medium": "Memory"},
            "tls": {
                "type": "secret",
                "name": "certs",
                "defaultMode": 256,
                "advancedMounts": {"main": {"sidecar": [{"path": "/tls", "readOnly": True}]}},
            },
            "host": {"type": "hostPath", "hostPath": "/dev/dri"},
        },
    }
    # 4.1.1 does not template existingClaim: the claim name is the literal text.
    literal = pod_spec(render(values)[0])["volumes"][1]
    assert literal["persistentVolumeClaim"] == {"claimName": "{{ .Release.Name }}-config"}
    values["persistence"]["config"]["existingClaim"] = "web-config"
    spec = pod_spec(render(values)[0])
    assert spec["volumes"] == [
        {"name": "cache", "emptyDir": {"medium": "Memory"}},
        {"name": "config", "persistentVolumeClaim": {"claimName": "web-config"}},
        {"name": "host", "hostPath": {"path": "/dev/dri"}},
        {"name": "tls", "secret": {"secretName": "certs", "defaultMode": 256}},
    ]
    app, sidecar = spec["containers"]
    assert app["volumeMounts"] == [
        {"name": "cache", "mountPath": "/cache"},
        {"name": "config", "mountPath": "/config"},
        {"name": "host", "mountPath": "/dev/dri"},
    ]
    assert sidecar["volumeMounts"][-1] == {"name": "tls", "mountPath": "/tls", "readOnly": True}


def test_persistence_with_advanced_mounts_for_another_controller_is_not_a_volume() -> None:
    values = {
        "controllers": {
            "a": {"containers": {"c": container()}},
            "b": {"containers": {"c": container()}},
        },
        "persistence": {
            "data": {"type": "emptyDir", "advancedMounts": {"b": {"c": [{"path": "/d"}]}}}
        },
    }
    a, b = render(values)
    assert "volumes" not in pod_spec(a) and "volumeMounts" not in pod_spec(a)["containers"][0]
    assert pod_spec(b)["volumes"] == [{"name": "data", "emptyDir": {}}]


def test_cronjob_defaults() -> None:
    values = {
        "controllers": {
            "job": {
                "type": "cronjob",
                "cronjob": {"schedule": "0 * * * *"},
                "containers": {"app": container()},
            }
        }
    }
    (cronjob,) = render(values)
    assert cronjob["kind"] == "CronJob"
    spec = cronjob["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "suspend": False,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 30,
        "schedule": "0 * * * *",
        "successfulJobsHistoryLimit": 1,
        "failedJobsHistoryLimit": 1,
    }
    assert spec["jobTemplate"]["spec"]["backoffLimit"] == 6
    assert pod_spec(cronjob)["restartPolicy"] == "Never"


# --- 5.x differences ----------------------------------------------------------------------


def test_5x_creates_a_release_service_account_and_uses_it() -> None:
    objects = render(one_app(), version="5.0.1")
    assert [o["kind"] for o in objects] == ["ServiceAccount", "Deployment"]
    account, deployment = objects
    assert account["metadata"]["name"] == "web"
    assert pod_spec(deployment)["serviceAccountName"] == "web"
    assert pod_spec(deployment)["automountServiceAccountToken"] is False


def test_5x_default_service_account_can_be_switched_off() -> None:
    values = {**one_app(), "global": {"createDefaultServiceAccount": False}}
    (deployment,) = render(values, version="5.0.1")
    assert pod_spec(deployment)["serviceAccountName"] == "default"


def test_4x_renders_declared_service_accounts_only_and_by_reference() -> None:
    values = one_app()
    values["controllers"]["main"]["serviceAccount"] = {"identifier": "runner"}
    values["serviceAccount"] = {"runner": {"annotations": {"iam": "role"}}}
    account, deployment = render(values)
    assert account["kind"] == "ServiceAccount" and account["metadata"]["name"] == "web"
    assert account["metadata"]["annotations"] == {"iam": "role"}
    assert pod_spec(deployment)["serviceAccountName"] == "web"


def test_version_note_when_family_is_requested() -> None:
    rendered = render_app_template(one_app(), release_name="web", namespace="ns", version="4.6.2")
    assert rendered.renderer == "built-in app-template model (4.6.2, modelled on 4.1.1)"
    assert rendered.notes and "4.1.1" in rendered.notes[0]
    assert rendered.objects[0]["metadata"]["labels"]["helm.sh/chart"] == "app-template-4.6.2"


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (300000, "300000"),
        (1000000, "1e+06"),
        (1234567, "1.234567e+06"),
        (0.5, "0.5"),
        (0.00001, "1e-05"),
        (-42, "-42"),
        (3.0, "3"),
        (0.0001, "0.0001"),
    ],
)
def test_go_float_formatting(number: float, text: str) -> None:
    assert format_go_float(number) == text
