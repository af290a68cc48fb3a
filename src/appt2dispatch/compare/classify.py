"""Rules: which class a difference belongs to, and what to tell the reader.

behavior  what the app, its clients or the cluster would do differently;
blocker   the change cannot be applied in place (say what to do instead);
expected  the migration's purpose, in its exact form;
cosmetic  bookkeeping labels, spelling, ordering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.compare.canonical import WORKLOAD_KINDS
from appt2dispatch.compare.diffing import Change
from appt2dispatch.compare.migration import is_helm_hook
from appt2dispatch.compare.spelling import normalise_quantity, quantity_amount, split_image
from appt2dispatch.kube import POD_TEMPLATE_PATHS, pod_template
from appt2dispatch.models import FindingClass, ObjectKey

Rule = tuple[FindingClass, str]
_HOOK = "helm.sh/hook"
BOOKKEEPING_LABEL_PREFIXES = ("app.kubernetes.io/", "helm.sh/")
_SELECTOR_IMMUTABLE = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
_STATEFULSET_IMMUTABLE = frozenset({"volumeClaimTemplates", "serviceName", "podManagementPolicy"})
_CONTAINER_FIELD_MESSAGES = {
    "image": "the container runs a different image",
    "imagePullPolicy": "when the kubelet pulls the image changes",
    "command": "the container starts a different command",
    "args": "the container gets different arguments",
    "livenessProbe": "when Kubernetes restarts the container changes",
    "readinessProbe": "when the pod receives traffic changes",
    "startupProbe": "how long the container may take to start changes",
    "resources": "scheduling and limits of the container change",
    "securityContext": "the container's privileges change",
    "volumeMounts": "what the container sees on its filesystem changes",
    "workingDir": "the container's working directory changes",
    "lifecycle": "the container's start/stop hooks change",
}
_POD_FIELD_MESSAGES = {
    "automountServiceAccountToken": "whether the pod gets a Kubernetes API token mounted changes",
    "enableServiceLinks": (
        "Kubernetes injects (or stops injecting) <SERVICE>_PORT-style variables "
        "such as DISPATCH_PORT=tcp://... into the environment"
    ),
    "volumes": "the pod's volumes change",
    "securityContext": "the pod's privileges change",
    "terminationGracePeriodSeconds": "how long the app gets to stop changes",
    "nodeSelector": "where the pod may be scheduled changes",
    "affinity": "where the pod may be scheduled changes",
    "tolerations": "where the pod may be scheduled changes",
    "topologySpreadConstraints": "how pods spread across nodes changes",
    "imagePullSecrets": "which credentials pull the image changes",
    "dnsPolicy": "how the pod resolves names changes",
    "hostNetwork": "the pod's network namespace changes",
}
_WORKLOAD_SPEC_MESSAGES = {
    "replicas": "a different number of app pods runs",
    "strategy": "how a new version rolls out changes (Recreate stops the old pod first)",
    "updateStrategy": "how a new version rolls out changes",
    "revisionHistoryLimit": "how many old ReplicaSets Kubernetes keeps for rollback changes",
    "progressDeadlineSeconds": "when a stuck rollout is reported failed changes",
    "minReadySeconds": "when a new pod counts as available changes",
    "paused": "whether rollouts happen at all changes",
}


@dataclass(frozen=True)
class RenderIndex:
    """Both renders in canonical (list) form, and what exists on one side only."""

    old_objects: Mapping[ObjectKey, Mapping[str, Any]]
    new_objects: Mapping[ObjectKey, Mapping[str, Any]]
    rename_map: Mapping[ObjectKey, ObjectKey]
    added: frozenset[ObjectKey]

    def created_service_accounts(self) -> set[str]:
        return {key.name for key in self.added if key.kind == "ServiceAccount" and key.group == ""}

    def selected_workloads(self, side: str, selector: object) -> set[ObjectKey]:
        """Workloads whose pods a Service selector picks, as new-side keys."""
        objects = self.old_objects if side == "old" else self.new_objects
        if not isinstance(selector, Mapping) or not selector:
            return set()
        picked: set[ObjectKey] = set()
        for key, obj in objects.items():
            template = pod_template(obj)
            labels = ((template or {}).get("metadata") or {}).get("labels") or {}
            if template is not None and all(labels.get(k) == v for k, v in selector.items()):
                picked.add(self.rename_map.get(key, key) if side == "old" else key)
        return picked


@dataclass(frozen=True)
class PairContext:
    key: ObjectKey
    old_object: Mapping[str, Any]
    new_object: Mapping[str, Any]
    index: RenderIndex


def classify_change(change: Change, context: PairContext) -> Rule:
    segments = change.segments
    kind = context.key.kind
    if not segments:
        return ("behavior", "the object changes")
    if segments[0] == "apiVersion":
        return ("cosmetic", "the same object served at another API version")
    if segments[0] == "metadata":
        return _classify_metadata(segments[1:], change, kind, pod=False)
    if kind in _SELECTOR_IMMUTABLE and segments[:2] == ("spec", "selector"):
        return (
            "blocker",
            f"{kind} spec.selector is immutable: `helm upgrade` fails with 'field is immutable'. "
            "Keep the old selector labels (controllerName/nameOverride in the values), or delete "
            f"the {kind} first with `kubectl delete {kind.lower()} {context.key.name} "
            "--cascade=orphan` and let the upgrade create it",
        )
    if kind == "StatefulSet" and len(segments) > 1 and segments[1] in _STATEFULSET_IMMUTABLE:
        return (
            "blocker",
            f"StatefulSet spec.{segments[1]} is immutable: delete the StatefulSet with "
            "--cascade=orphan before the upgrade",
        )
    template_path = POD_TEMPLATE_PATHS.get(kind)
    if template_path is not None and segments[: len(template_path)] == template_path:
        if kind == "Job" and not _recreated_by_helm(context):
            return (
                "blocker",
                "Job spec.template is immutable: delete the Job before the upgrade "
                "(or make it a Helm hook that is recreated)",
            )
        return _classify_pod(segments[len(template_path) :], change, context)
    if kind in WORKLOAD_KINDS and len(segments) > 1 and segments[0] == "spec":
        return ("behavior", _WORKLOAD_SPEC_MESSAGES.get(segments[1], f"spec.{segments[1]} changes"))
    if kind == "Service":
        return _classify_service(segments, change, context)
    if kind == "HTTPRoute":
        return _classify_route(segments)
    if kind == "PersistentVolumeClaim" and segments[0] == "spec":
        return _classify_claim(segments, change)
    if kind == "ServiceAccount" and segments == ("automountServiceAccountToken",):
        return (
            "cosmetic",
            "only a default for pods that do not say: each rendered pod's effective token "
            "mount is compared on the pod itself",
        )
    if kind == "Secret" and segments[0] in ("data", "stringData"):
        return ("behavior", "the Secret's data changes")
    return ("behavior", f"{'.'.join(segments[:2])} changes")


def _classify_metadata(rest: tuple[str, ...], change: Change, kind: str, *, pod: bool) -> Rule:
    if not rest:
        return ("behavior", "metadata changes")
    if rest[0] == "labels":
        if pod:
            return ("cosmetic", "pod label outside the selector")
        keys = _changed_keys(rest, change)
        if all(key.startswith(BOOKKEEPING_LABEL_PREFIXES) for key in keys):
            return ("cosmetic", "chart bookkeeping label")
        return ("behavior", "a label other objects may select on changes")
    if rest[0] == "annotations":
        if not pod and _hook_status_changes(rest, change):
            return _hook_conversion(kind, change)
        return _classify_annotation(_changed_keys(rest, change), kind, pod=pod)
    return ("behavior", f"metadata.{rest[0]} changes")


def _hook_status_changes(rest: tuple[str, ...], change: Change) -> bool:
    """Whether the object turns into a Helm hook or stops being one."""
    if len(rest) > 1:
        return rest[1] == _HOOK and (change.old is None) != (change.new is None)
    old = change.old if isinstance(change.old, Mapping) else {}
    new = change.new if isinstance(change.new, Mapping) else {}
    return (_HOOK in old) != (_HOOK in new)


def _hook_conversion(kind: str, change: Change) -> Rule:
    if change.old is None or (isinstance(change.old, Mapping) and _HOOK not in change.old):
        return (
            "blocker",
            f"the {kind} becomes a Helm hook: hooks are not part of the release manifest, so the "
            "first `helm upgrade` deletes it after the hooks ran (helm/helm#11608) and what needs "
            "it fails until a later upgrade recreates it. Keep it a regular object in the chart",
        )
    return (
        "blocker",
        f"the {kind} stops being a Helm hook: `helm upgrade` refuses to adopt the existing object "
        "(it has no release ownership metadata). Delete it before the upgrade, or keep it a hook",
    )


def _changed_keys(rest: tuple[str, ...], change: Change) -> list[str]:
    if len(rest) > 1:
        return [rest[1]]
    old = change.old if isinstance(change.old, Mapping) else {}
    new = change.new if isinstance(change.new, Mapping) else {}
    return [key for key in {*old, *new} if old.get(key) != new.get(key)]


def _classify_annotation(keys: list[str], kind: str, *, pod: bool) -> Rule:
    if any("reloader.stakater.com" in key for key in keys):
        if pod or kind not in WORKLOAD_KINDS:
            return ("behavior", "stakater reloader reads its annotations on the workload, not here")
        return (
            "behavior",
            "stakater reloader reads this on the workload: whether pods restart when their "
            "Secrets/ConfigMaps change is different",
        )
    if all(key.startswith(("meta.helm.sh/", "kubectl.kubernetes.io/last-applied")) for key in keys):
        return ("cosmetic", "Helm/kubectl bookkeeping annotation")
    if pod and all(key.startswith("checksum/") for key in keys):
        return ("cosmetic", "configuration checksum (forces a rollout when the config changes)")
    if any(key.startswith("helm.sh/") for key in keys):
        return ("behavior", "how Helm manages the object (hook, resource policy) changes")
    where = "pod" if pod else kind
    return ("behavior", f"{where} annotation changes (controllers may read it)")


def _recreated_by_helm(context: PairContext) -> bool:
    return is_helm_hook(context.old_object) and is_helm_hook(context.new_object)


def _classify_pod(rest: tuple[str, ...], change: Change, context: PairContext) -> Rule:
    if rest[:1] == ("metadata",):
        return _classify_metadata(rest[1:], change, context.key.kind, pod=True)
    if len(rest) < 2 or rest[0] != "spec":
        return ("behavior", "the pod template changes")
    field = rest[1]
    if field == "serviceAccountName":
        if change.new in context.index.created_service_accounts():
            return ("expected", f"pods use the ServiceAccount {change.new} the chart creates")
        return ("behavior", "the pods run as a different ServiceAccount")
    if field in ("containers", "initContainers"):
        return _classify_container(rest[2:], change, field)
    return ("behavior", _POD_FIELD_MESSAGES.get(field, f"pod spec.{field} changes"))


def _classify_container(rest: tuple[str, ...], change: Change, list_name: str) -> Rule:
    if len(rest) < 2:
        verb = "added" if change.old is None else "removed" if change.new is None else "changed"
        return ("behavior", f"{list_name[:-1]} {verb}")
    name, field = rest[0], rest[1]
    if field == "ports":
        if "hostPort" in rest or _declares_host_port(change.old) or _declares_host_port(change.new):
            return ("behavior", "a host port changes")
        return (
            "cosmetic",
            "container port declarations are informational (named ports are resolved where "
            "the Service or a probe uses them, and compared as numbers)",
        )
    if field == "image":
        return ("behavior", _describe_image_change(change.old, change.new))
    message = _CONTAINER_FIELD_MESSAGES.get(field, f"container {field} changes")
    return ("behavior", f"{name}: {message}")


def _declares_host_port(value: object) -> bool:
    if isinstance(value, Mapping):
        return "hostPort" in value or any(_declares_host_port(item) for item in value.values())
    if isinstance(value, list):
        return any(_declares_host_port(item) for item in value)
    return False


def _describe_image_change(old: object, new: object) -> str:
    if not isinstance(old, str) or not isinstance(new, str):
        return "the container runs a different image"
    old_repo, old_tag, old_digest = split_image(old)
    new_repo, new_tag, new_digest = split_image(new)
    if (old_repo, old_tag) == (new_repo, new_tag) and old_digest and not new_digest:
        return "the image digest pin is dropped: the tag may now resolve to another image"
    if (old_repo, old_tag) == (new_repo, new_tag) and old_digest != new_digest:
        return "the image digest differs: a different image runs under the same tag"
    if old_repo != new_repo:
        return f"the image repository changes ({old_repo} → {new_repo})"
    return f"the image version changes ({old_tag} → {new_tag})"


def _classify_service(segments: tuple[str, ...], change: Change, context: PairContext) -> Rule:
    field = segments[1] if len(segments) > 1 and segments[0] == "spec" else ""
    name, namespace = context.key.name, context.key.namespace
    if field in ("clusterIP", "clusterIPs"):
        return (
            "blocker",
            "Service spec.clusterIP is immutable: keep it as it is, or delete the Service "
            "before the upgrade (clients see a new IP)",
        )
    if field == "selector":
        index = context.index
        old_picked = index.selected_workloads(
            "old", context.old_object.get("spec", {}).get("selector")
        )
        new_picked = index.selected_workloads(
            "new", context.new_object.get("spec", {}).get("selector")
        )
        if old_picked == new_picked and new_picked:
            return ("cosmetic", "the selector is spelled differently but picks the same pods")
        return ("behavior", "the Service sends traffic to different pods")
    if field == "ports":
        return (
            "behavior",
            f"clients call http://{name}.{namespace}:<port>: the Service's ports change",
        )
    if field == "type":
        return ("behavior", "how the Service is exposed changes")
    return ("behavior", f"Service {'.'.join(segments)} changes")


def selects_same_pods(context: PairContext) -> bool:
    """Whether a Service's selector picks the same (paired) workloads' pods on both sides."""
    index = context.index
    old_picked = index.selected_workloads(
        "old", (context.old_object.get("spec") or {}).get("selector")
    )
    new_picked = index.selected_workloads(
        "new", (context.new_object.get("spec") or {}).get("selector")
    )
    return old_picked == new_picked


def _classify_route(segments: tuple[str, ...]) -> Rule:
    field = segments[1] if len(segments) > 1 else ""
    if field == "hostnames":
        return ("behavior", "the hostnames the route answers change")
    if field == "parentRefs":
        return ("behavior", "the gateways the route attaches to change")
    if field == "rules":
        return ("behavior", "which requests reach which backend changes")
    return ("behavior", f"HTTPRoute {'.'.join(segments)} changes")


def _classify_claim(segments: tuple[str, ...], change: Change) -> Rule:
    if segments[-2:] == ("requests", "storage"):
        old, new = quantity_amount(change.old), quantity_amount(change.new)
        if old is not None and new is not None and new > old:
            return ("behavior", f"the volume is resized to {normalise_quantity(change.new)}")
        return (
            "blocker",
            "a PersistentVolumeClaim's storage request can only grow: Kubernetes refuses "
            f"{normalise_quantity(change.old)} → {normalise_quantity(change.new)}. Keep the "
            "request as it is (or migrate the data to a new claim)",
        )
    return (
        "blocker",
        "a PersistentVolumeClaim's spec is immutable except its storage request: keep the "
        "claim as it is (or migrate the data to a new claim)",
    )


def classify_removed(key: ObjectKey, obj: Mapping[str, Any]) -> Rule:
    if key.kind == "Service":
        return (
            "behavior",
            f"Service removed: http://{key.name}.{key.namespace} no longer resolves",
        )
    if key.kind == "HTTPRoute":
        hosts = ", ".join((obj.get("spec") or {}).get("hostnames") or []) or "its hosts"
        return ("behavior", f"HTTPRoute removed: {hosts} no longer routed to the app")
    return ("behavior", f"{key.kind} removed: Helm deletes it")


def classify_renamed(old_key: ObjectKey, new_key: ObjectKey) -> Rule:
    if new_key.kind == "Service":
        return (
            "behavior",
            f"Service renamed: clients calling http://{old_key.name}.{old_key.namespace} lose it",
        )
    if new_key.kind in WORKLOAD_KINDS:
        return (
            "behavior",
            f"{new_key.kind} renamed: Helm deletes the old one and creates a new one",
        )
    return ("cosmetic", f"{new_key.kind} renamed (recreated under the new name)")
