"""Render the bundled dispatch chart through the real Helm engine and look at the result."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from appt2dispatch.models import Rendered
from appt2dispatch.render.dispatch_chart import render_dispatch

STRUCTURED_ENV = (
    "DISPATCH_AUTH_MODE",
    "DISPATCH_EXCLUDED_LABELS",
    "DISPATCH_LLM_BASE_URL",
    "DISPATCH_HOSTED_GROOMER_ENABLED",
    "DISPATCH_GROOMER_MODEL",
    "DISPATCH_GROOMER_DRY_RUN",
    "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED",
    "DISPATCH_SCHEDULER_ENABLED",
    "DISPATCH_SYNC_INTERVAL_MS",
    "DISPATCH_GROOMER_INTERVAL_MS",
    "DISPATCH_PR_FOLLOWUP_INTERVAL_MS",
    "DISPATCH_PRUNE_CLOSED_INTERVAL_MS",
    "DISPATCH_LANE_CONFIG_JSON",
)

# Every structured config key set to a non-default value.
FULL_CONFIG: dict[str, Any] = {
    "authMode": "oidc",
    "excludedLabels": ["renovate", "wontfix"],
    "llmBaseUrl": "http://litellm.llm.svc:4000/v1",
    "groomer": {"enabled": True, "model": "qwen3-coder", "dryRun": True, "repoContext": False},
    "scheduler": {
        "enabled": True,
        "intervals": {
            "syncMs": 300000,
            "groomerMs": 0,
            "prFollowupMs": 1800000,
            "pruneClosedMs": 604800000,
        },
    },
    "lanes": [
        {
            "id": "local",
            "title": "Local — GPU",
            "claimable": True,
            "role": "default",
            "description": "runs on <the> box & more",
            "color": "#3b82f6",
            "defaultAgent": "coder",
        },
        {"id": "cloud", "title": "Cloud", "claimable": True, "role": "escalation"},
        {"id": "backlog", "title": "Backlog", "claimable": False, "x-extra": {"n": 86400000}},
    ],
    "laneAliases": {"normal": "local", "escalated": "cloud", "hard": "cloud"},
}

FULL_VALUES: dict[str, Any] = {
    "config": FULL_CONFIG,
    "image": {"tag": "0.5.17", "digest": "sha256:" + "ab" * 32, "pullPolicy": "IfNotPresent"},
    "imagePullSecrets": [{"name": "ghcr"}],
    "replicas": 2,
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
    "annotations": {"reloader.stakater.com/auto": "true"},
    "labels": {"team": "agents"},
    "podAnnotations": {"prometheus.io/scrape": "false"},
    "podLabels": {"egress": "postgres"},
    "command": ["node"],
    "args": ["server.js"],
    "env": {
        "TZ": "Europe/Berlin",
        "HOSTNAME": "0.0.0.0",
        "WEBHOOK_SECRET": {"valueFrom": {"secretKeyRef": {"name": "hooks", "key": "secret"}}},
        "DISPATCH_RECONCILE_INTERVAL_MS": 1800000,
    },
    "existingSecret": "dispatch-secret",
    "extraEnvFrom": [{"configMapRef": {"name": "dispatch-extra"}}],
    "database": {"existingSecret": "dispatch-pg-app", "key": "pgbouncer-uri"},
    "migrations": {"resources": {"limits": {"memory": "256Mi"}}},
    "resources": {"requests": {"cpu": "50m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    "probes": {"startup": {"enabled": True, "spec": {"tcpSocket": {"port": 3000}}}},
    "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 1000},
    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": False},
    "service": {"annotations": {"a": "b"}, "labels": {"exposed": "yes"}, "port": 8080},
    "httpRoute": {
        "enabled": True,
        "parentRefs": [{"name": "internal", "namespace": "kube-system", "sectionName": "https"}],
        "hostnames": ["dispatch.example.com"],
    },
    "volumes": [{"name": "tmp", "emptyDir": {}}],
    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    "serviceAccount": {"annotations": {"note": "x"}},
    "enableServiceLinks": False,
    "nodeSelector": {"kubernetes.io/arch": "amd64"},
    "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 1,
                    "preference": {
                        "matchExpressions": [
                            {"key": "zone", "operator": "In", "values": ["a"]},
                        ]
                    },
                }
            ]
        }
    },
    "topologySpreadConstraints": [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "dispatch"}},
        }
    ],
    "priorityClassName": "important",
    "terminationGracePeriodSeconds": 45,
}


@dataclass(frozen=True)
class ChartRender:
    """One render of the chart, with accessors for the objects the tests look at."""

    rendered: Rendered

    @property
    def kinds(self) -> list[str]:
        return [str(obj["kind"]) for obj in self.rendered.objects]

    def find(self, kind: str) -> dict[str, Any] | None:
        matches = [obj for obj in self.rendered.objects if obj["kind"] == kind]
        assert len(matches) <= 1, f"more than one {kind}"
        return dict(matches[0]) if matches else None

    def one(self, kind: str) -> dict[str, Any]:
        found = self.find(kind)
        assert found is not None, f"no {kind} rendered; kinds: {self.kinds}"
        return found

    @property
    def pod_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.one("Deployment")["spec"]["template"]["spec"]
        return spec

    @property
    def container(self) -> dict[str, Any]:
        containers = self.pod_spec["containers"]
        assert len(containers) == 1
        return dict(containers[0])

    @property
    def job_container(self) -> dict[str, Any]:
        containers = self.one("Job")["spec"]["template"]["spec"]["containers"]
        assert len(containers) == 1
        return dict(containers[0])

    @property
    def env(self) -> list[dict[str, Any]]:
        return list(self.container.get("env", []))

    @property
    def env_names(self) -> list[str]:
        names = [str(entry["name"]) for entry in self.env]
        assert len(names) == len(set(names)), f"duplicate env names: {names}"
        return names

    def env_value(self, name: str) -> str | None:
        """The literal `value` of env var `name`; None when not rendered."""
        for entry in self.env:
            if entry["name"] == name:
                value = entry.get("value")
                assert isinstance(value, str), f"{name} is not a string value: {entry!r}"
                return value
        return None


RenderValues = Callable[..., ChartRender]


@pytest.fixture
def render_values() -> RenderValues:
    def render(
        values: Mapping[str, Any] | None = None,
        *,
        release_name: str = "dispatch",
        namespace: str = "llm",
    ) -> ChartRender:
        return ChartRender(
            render_dispatch(values or {}, release_name=release_name, namespace=namespace)
        )

    return render


@pytest.fixture
def full_values() -> dict[str, Any]:
    """Values that set every structured config key and most pod/container fields."""
    return copy.deepcopy(FULL_VALUES)


@pytest.fixture
def structured_env() -> tuple[str, ...]:
    """Every env var a structured `config` key renders, in rendering order."""
    return STRUCTURED_ENV
