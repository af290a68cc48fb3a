"""Canonical form of a Kubernetes object: what the API server would store.

Two renders that differ only in what Kubernetes fills in, in how a quantity or a
port is spelled, or in null vs absent vs empty, canonicalise to equal trees.
Lists stay lists here; pairing.py turns merge-keyed lists into keyed maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.compare.spelling import (
    default_pull_policy,
    normalise_image,
    normalise_int_or_string,
    normalise_quantity,
    resolve_port,
)
from appt2dispatch.kube import CONTAINER_LISTS, POD_TEMPLATE_PATHS

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "GatewayClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    }
)
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
# Maps whose values are data: an empty string there is a value, not "unset".
_STRING_MAPS = frozenset(
    {"labels", "annotations", "matchLabels", "nodeSelector", "data", "stringData", "selector"}
)
# Empty objects that mean something (`emptyDir: {}` is the volume type itself).
_MEANINGFUL_EMPTY = frozenset({"emptyDir", "podSelector", "namespaceSelector"})
_SERVER_FIELDS = ("creationTimestamp", "uid", "resourceVersion", "generation", "managedFields")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


@dataclass(frozen=True)
class PodFacts:
    """What another object may resolve against one pod template: its labels and named ports."""

    labels: Mapping[str, str]
    named_ports: Mapping[str, int]


@dataclass(frozen=True)
class SideFacts:
    """Facts about one whole render that canonicalising a single object needs."""

    namespace: str
    service_account_automount: Mapping[str, bool]
    pods: tuple[PodFacts, ...]


def api_group(api_version: object) -> str:
    """`apps/v1` -> `apps`; `v1` -> `` (the core group)."""
    text = str(api_version or "")
    return text.split("/", 1)[0] if "/" in text else ""


def prune_empty(value: Any, key: str | None = None, *, in_string_map: bool = False) -> Any:
    """Drop None, empty strings, empty lists and empty maps: to the API they mean "unset".

    Returns None when `value` itself is empty; keeps `emptyDir: {}` and empty strings
    inside label/annotation/data maps, where they are values.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        child_is_data = key in _STRING_MAPS
        pruned = {}
        for child_key, child in value.items():
            kept = prune_empty(child, str(child_key), in_string_map=child_is_data)
            if kept is not None:
                pruned[str(child_key)] = kept
        if not pruned and key not in _MEANINGFUL_EMPTY:
            return None
        return pruned
    if isinstance(value, list | tuple):
        items = [prune_empty(item, None) for item in value]
        kept_items = [item for item in items if item is not None]
        return kept_items or None
    if isinstance(value, str) and value == "" and not in_string_map:
        return None
    return value


def canonicalise_object(obj: Mapping[str, Any], facts: SideFacts) -> dict[str, Any]:
    """The object as the API server would store it, minus server-only fields."""
    # prune_empty builds every mapping and list anew: no copy needed to mutate `tree`.
    tree = prune_empty(dict(obj)) or {}
    tree.pop("status", None)
    metadata = tree.setdefault("metadata", {})
    for field in _SERVER_FIELDS:
        metadata.pop(field, None)
    _ensure_label_maps(metadata)
    kind = str(tree.get("kind", ""))
    if kind not in CLUSTER_SCOPED_KINDS:
        metadata.setdefault("namespace", facts.namespace)
    spec = tree.get("spec")
    if isinstance(spec, dict):
        _canonicalise_spec(kind, spec, metadata, facts)
    return tree


def _canonicalise_spec(
    kind: str, spec: dict[str, Any], metadata: dict[str, Any], facts: SideFacts
) -> None:
    if kind == "Deployment":
        _default_deployment(spec)
    elif kind == "StatefulSet":
        _default_statefulset(spec)
    elif kind == "DaemonSet":
        _default_daemonset(spec)
    elif kind == "Job":
        _default_job(spec)
    elif kind == "CronJob":
        _default_cronjob(spec)
    elif kind == "Service":
        _default_service(spec, facts)
    elif kind == "HTTPRoute":
        _default_httproute(spec, str(metadata.get("namespace", facts.namespace)))
    elif kind == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
        _normalise_resources(spec.get("resources"))
    template = _pod_template_node(kind, spec)
    if template is not None:
        _ensure_label_maps(template.setdefault("metadata", {}))
        pod = template.setdefault("spec", {})
        _default_pod(pod, facts, restart_policy="Always" if kind in WORKLOAD_KINDS else None)


def _ensure_label_maps(metadata: dict[str, Any]) -> None:
    """Absent and empty label/annotation maps are the same; keep both present so a
    difference is always reported per key."""
    metadata.setdefault("labels", {})
    metadata.setdefault("annotations", {})


def _pod_template_node(kind: str, spec: dict[str, Any]) -> dict[str, Any] | None:
    path = POD_TEMPLATE_PATHS.get(kind)
    if path is None:
        return None
    node: Any = spec
    for key in path[1:]:
        if not isinstance(node, dict):
            return None
        node = node.setdefault(key, {})
    return node if isinstance(node, dict) else None


def _default_deployment(spec: dict[str, Any]) -> None:
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    spec.setdefault("minReadySeconds", 0)
    spec.setdefault("paused", False)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        for field in ("maxSurge", "maxUnavailable"):
            rolling[field] = normalise_int_or_string(rolling.get(field, "25%"))
    else:
        strategy.pop("rollingUpdate", None)


def _default_statefulset(spec: dict[str, Any]) -> None:
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("minReadySeconds", 0)
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    for claim in spec.get("volumeClaimTemplates", []):
        if isinstance(claim, dict) and isinstance(claim.get("spec"), dict):
            claim["spec"].setdefault("volumeMode", "Filesystem")
            _normalise_resources(claim["spec"].get("resources"))


def _default_daemonset(spec: dict[str, Any]) -> None:
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("minReadySeconds", 0)
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling["maxUnavailable"] = normalise_int_or_string(rolling.get("maxUnavailable", 1))
        rolling["maxSurge"] = normalise_int_or_string(rolling.get("maxSurge", 0))


def _default_job(spec: dict[str, Any]) -> None:
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completions", 1)
    spec.setdefault("parallelism", 1)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)


def _default_cronjob(spec: dict[str, Any]) -> None:
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
    _default_job(job_spec)


def _default_pod(pod: dict[str, Any], facts: SideFacts, *, restart_policy: str | None) -> None:
    if "serviceAccount" in pod:  # the deprecated alias of serviceAccountName
        pod.setdefault("serviceAccountName", pod.pop("serviceAccount"))
    pod.setdefault("serviceAccountName", "default")
    if "automountServiceAccountToken" not in pod:
        # Unset on the pod: the ServiceAccount decides; unknown or unset there: mounted.
        account = str(pod["serviceAccountName"])
        pod["automountServiceAccountToken"] = facts.service_account_automount.get(account, True)
    for field, default in (
        ("dnsPolicy", "ClusterFirst"),
        ("enableServiceLinks", True),
        ("hostIPC", False),
        ("hostNetwork", False),
        ("hostPID", False),
        ("shareProcessNamespace", False),
        ("schedulerName", "default-scheduler"),
        ("terminationGracePeriodSeconds", 30),
    ):
        pod.setdefault(field, default)
    if restart_policy is not None:
        pod.setdefault("restartPolicy", restart_policy)
    for list_name in CONTAINER_LISTS:
        for container in pod.get(list_name, []):
            if isinstance(container, dict):
                _default_container(container)
    for volume in pod.get("volumes", []):
        if isinstance(volume, dict) and isinstance(volume.get("emptyDir"), dict):
            size = volume["emptyDir"].get("sizeLimit")
            if size is not None:
                volume["emptyDir"]["sizeLimit"] = normalise_quantity(size)


def _default_container(container: dict[str, Any]) -> None:
    image = container.get("image")
    if isinstance(image, str):
        container.setdefault("imagePullPolicy", default_pull_policy(image))
        container["image"] = normalise_image(image)
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    named_ports: dict[str, int] = {}
    for port in container.get("ports", []):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port["containerPort"] = normalise_int_or_string(port.get("containerPort"))
            if isinstance(port.get("name"), str) and isinstance(port["containerPort"], int):
                named_ports[port["name"]] = port["containerPort"]
    for probe_name in _PROBES:
        probe = container.get(probe_name)
        if isinstance(probe, dict):
            _default_probe(probe, named_ports)
    _normalise_resources(container.get("resources"))
    for mount in container.get("volumeMounts", []):
        if isinstance(mount, dict) and mount.get("readOnly") is False:
            del mount["readOnly"]
    for entry in container.get("env", []):
        if isinstance(entry, dict) and isinstance(entry.get("valueFrom"), dict):
            _default_value_from(entry["valueFrom"])


def _default_probe(probe: dict[str, Any], named_ports: Mapping[str, int]) -> None:
    for field, default in (
        ("initialDelaySeconds", 0),
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        probe.setdefault(field, default)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")
    grpc = probe.get("grpc")
    if isinstance(grpc, dict):
        grpc.setdefault("service", "")
    for handler in ("httpGet", "tcpSocket", "grpc"):
        action = probe.get(handler)
        if isinstance(action, dict) and "port" in action:
            action["port"] = resolve_port(action["port"], named_ports)


def _default_value_from(value_from: dict[str, Any]) -> None:
    field_ref = value_from.get("fieldRef")
    if isinstance(field_ref, dict):
        field_ref.setdefault("apiVersion", "v1")
    resource_ref = value_from.get("resourceFieldRef")
    if isinstance(resource_ref, dict):
        resource_ref["divisor"] = normalise_quantity(resource_ref.get("divisor", "1"))
    for ref_name in ("secretKeyRef", "configMapKeyRef"):
        ref = value_from.get(ref_name)
        if isinstance(ref, dict) and ref.get("optional") is False:
            del ref["optional"]


def _normalise_resources(resources: object) -> None:
    if not isinstance(resources, dict):
        return
    for bucket in ("limits", "requests"):
        amounts = resources.get(bucket)
        if isinstance(amounts, dict):
            for name, amount in amounts.items():
                amounts[name] = normalise_quantity(amount)


def _default_service(spec: dict[str, Any], facts: SideFacts) -> None:
    service_type = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("publishNotReadyAddresses", False)
    if service_type in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    selector = spec.get("selector")
    named_ports = _selected_named_ports(selector, facts) if isinstance(selector, Mapping) else {}
    for port in spec.get("ports", []):
        if not isinstance(port, dict):
            continue
        port.setdefault("protocol", "TCP")
        port["port"] = normalise_int_or_string(port.get("port"))
        target = port.get("targetPort", port["port"])
        port["targetPort"] = resolve_port(target, named_ports)


def _selected_named_ports(selector: Mapping[str, Any], facts: SideFacts) -> dict[str, int]:
    """Named ports of the pods a Service selects (a name must mean one number to resolve)."""
    candidates: dict[str, set[int]] = {}
    for pod in facts.pods:
        if selector and all(pod.labels.get(key) == value for key, value in selector.items()):
            for name, number in pod.named_ports.items():
                candidates.setdefault(name, set()).add(number)
    return {name: next(iter(numbers)) for name, numbers in candidates.items() if len(numbers) == 1}


def _default_httproute(spec: dict[str, Any], namespace: str) -> None:
    for parent in spec.get("parentRefs", []):
        if isinstance(parent, dict):
            parent.setdefault("group", "gateway.networking.k8s.io")
            parent.setdefault("kind", "Gateway")
            parent.setdefault("namespace", namespace)
    hostnames = spec.get("hostnames")
    if isinstance(hostnames, list):  # a set: order carries no meaning
        spec["hostnames"] = sorted({str(host) for host in hostnames})
    rules = spec.setdefault("rules", [{}])
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        matches = rule.setdefault("matches", [{}])
        for match in matches:
            if isinstance(match, dict):
                path = match.setdefault("path", {})
                path.setdefault("type", "PathPrefix")
                path.setdefault("value", "/")
        for backend in rule.get("backendRefs", []):
            if isinstance(backend, dict):
                backend.setdefault("group", "")
                backend.setdefault("kind", "Service")
                backend.setdefault("namespace", namespace)
                backend.setdefault("weight", 1)
                if "port" in backend:
                    backend["port"] = normalise_int_or_string(backend["port"])
