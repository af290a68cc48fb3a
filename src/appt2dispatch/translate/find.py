"""Find the dispatch controller in what the old side rendered, and what belongs to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.contract import DISPATCH_IMAGE_REPOSITORIES, is_dispatch_image
from appt2dispatch.errors import RefusedError, ReleaseError
from appt2dispatch.kube import POD_TEMPLATE_PATHS, pod_spec
from appt2dispatch.models import HelmRelease, Rendered
from appt2dispatch.translate.source import SourceIndex

# app-template values keys that render objects of a kind (to name a refused object).
_VALUES_KEYS_BY_KIND: dict[str, tuple[str, ...]] = {
    "PersistentVolumeClaim": ("persistence",),
    "ConfigMap": ("configMaps",),
    "Secret": ("secrets",),
    "Ingress": ("ingress",),
    "ServiceMonitor": ("serviceMonitor",),
    "NetworkPolicy": ("networkpolicies",),
    "Role": ("rbac",),
    "RoleBinding": ("rbac",),
    "ClusterRole": ("rbac",),
    "ClusterRoleBinding": ("rbac",),
    "Service": ("service",),
    "HTTPRoute": ("route",),
    "GRPCRoute": ("route",),
    "TCPRoute": ("route",),
    "ServiceAccount": ("serviceAccount",),
}


@dataclass(frozen=True)
class DispatchWorkload:
    """The old side's dispatch Deployment and the objects that serve it."""

    deployment: Mapping[str, Any]
    container: Mapping[str, Any]
    service: Mapping[str, Any] | None
    route: Mapping[str, Any] | None
    service_account: Mapping[str, Any] | None

    @property
    def pod_spec(self) -> Mapping[str, Any]:
        spec: Mapping[str, Any] = self.deployment["spec"]["template"]["spec"]
        return spec

    @property
    def name(self) -> str:
        return str(self.deployment["metadata"]["name"])

    @property
    def selector(self) -> Mapping[str, Any]:
        labels: Mapping[str, Any] = (
            self.deployment.get("spec", {}).get("selector", {}).get("matchLabels") or {}
        )
        return labels

    @property
    def controller_id(self) -> str | None:
        value = self.selector.get("app.kubernetes.io/controller")
        return str(value) if value is not None else None


def pod_spec_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return pod_spec(obj)


def object_label(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


def find_dispatch_workload(release: HelmRelease, old: Rendered) -> DispatchWorkload:
    """The one Deployment whose container runs dispatch; refuse anything else.

    ReleaseError when no container runs dispatch (names the images found);
    RefusedError when dispatch runs somewhere the chart cannot express, or the
    release renders objects the chart has no home for.
    """
    source = SourceIndex(release)
    found: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    images: list[str] = []
    for obj in old.objects:
        pod = pod_spec_of(obj)
        if pod is None:
            continue
        for field in ("initContainers", "containers"):
            for container in pod.get(field) or []:
                image = str(container.get("image", ""))
                images.append(image)
                if is_dispatch_image(image):
                    found.append((obj, container))
    if not found:
        seen = ", ".join(dict.fromkeys(images)) or "none"
        raise ReleaseError(
            f"not a dispatch release: no container runs {' or '.join(DISPATCH_IMAGE_REPOSITORIES)} "
            f"(images found: {seen})",
            release.document.location,
        )
    if len(found) > 1:
        where = ", ".join(f"{object_label(obj)} container {c.get('name')}" for obj, c in found)
        raise RefusedError(
            f"dispatch runs in more than one container ({where}); the chart runs exactly one",
            release.document.location,
        )
    workload, container = found[0]
    if workload.get("kind") != "Deployment":
        raise RefusedError(
            f"{object_label(workload)}: dispatch runs in a {workload.get('kind')}; "
            "the chart renders a Deployment",
            source.location_of(source.controller_path(workload)),
        )
    if container not in (pod_spec_of(workload) or {}).get("containers", []):
        raise RefusedError(
            f"{object_label(workload)}: dispatch runs as an init container; the chart runs it "
            "as the app container",
            source.location_of(source.controller_path(workload)),
        )
    return _collect_related(release, source, workload, container, old)


def _collect_related(
    release: HelmRelease,
    source: SourceIndex,
    deployment: Mapping[str, Any],
    container: Mapping[str, Any],
    old: Rendered,
) -> DispatchWorkload:
    services: list[Mapping[str, Any]] = []
    routes: list[Mapping[str, Any]] = []
    accounts: list[Mapping[str, Any]] = []
    pod_spec = pod_spec_of(deployment) or {}
    account_name = pod_spec.get("serviceAccountName")
    for obj in old.objects:
        kind = obj.get("kind")
        if obj is deployment:
            continue
        if kind == "Service":
            services.append(obj)
        elif kind == "HTTPRoute":
            routes.append(obj)
        elif kind == "ServiceAccount" and (obj.get("metadata") or {}).get("name") == account_name:
            accounts.append(obj)
        else:
            _refuse_object(source, obj, "the dispatch chart renders no such object")
    for extra in services[1:]:
        _refuse_object(source, extra, "the dispatch chart renders one Service")
    for extra in routes[1:]:
        _refuse_object(source, extra, "the dispatch chart renders one HTTPRoute")
    return DispatchWorkload(
        deployment=deployment,
        container=container,
        service=services[0] if services else None,
        route=routes[0] if routes else None,
        service_account=accounts[0] if accounts else None,
    )


def _refuse_object(source: SourceIndex, obj: Mapping[str, Any], why: str) -> None:
    kind = str(obj.get("kind"))
    keys = _VALUES_KEYS_BY_KIND.get(kind, ())
    if kind in POD_TEMPLATE_PATHS or kind == "Pod":
        path = source.controller_path(obj)
    else:
        path = source.first_existing([(key,) for key in keys])
    where = f" (values key {source.dotted(path)})" if path else ""
    raise RefusedError(f"{object_label(obj)}{where}: {why}", source.location_of(path))
