"""Kubernetes-level fields of the old Deployment -> the chart's keys.

Written: what differs from the chart's defaults, and every setting the old values
stated (a values key produced it), even when it equals today's default, so a later
chart default cannot change it. A field the chart has no home for is refused by its
path in the rendered Deployment and, where the values show it, by the app-template
key that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.errors import RefusedError
from appt2dispatch.translate.chart import chart_default
from appt2dispatch.translate.find import DispatchWorkload, object_label
from appt2dispatch.translate.source import SourceIndex, ValuesPath, dotted
from appt2dispatch.translate.values_doc import Draft

SELECTOR_NAME = "app.kubernetes.io/name"
SELECTOR_INSTANCE = "app.kubernetes.io/instance"
SELECTOR_CONTROLLER = "app.kubernetes.io/controller"
SELECTOR_KEYS = (SELECTOR_NAME, SELECTOR_INSTANCE, SELECTOR_CONTROLLER)
# Labels a chart writes for its own bookkeeping: not user labels, never carried over.
CHART_LABELS = frozenset(
    {
        *SELECTOR_KEYS,
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/version",
        "app.kubernetes.io/service",
        "helm.sh/chart",
    }
)

# Pod fields the chart has a key for: pod field -> (chart key, app-template pod option).
_POD_FIELDS: dict[str, tuple[str, str]] = {
    "securityContext": ("podSecurityContext", "securityContext"),
    "nodeSelector": ("nodeSelector", "nodeSelector"),
    "tolerations": ("tolerations", "tolerations"),
    "affinity": ("affinity", "affinity"),
    "topologySpreadConstraints": ("topologySpreadConstraints", "topologySpreadConstraints"),
    "priorityClassName": ("priorityClassName", "priorityClassName"),
    "terminationGracePeriodSeconds": (
        "terminationGracePeriodSeconds",
        "terminationGracePeriodSeconds",
    ),
    "imagePullSecrets": ("imagePullSecrets", "imagePullSecrets"),
    "volumes": ("volumes", "volumes"),
    # Run before the app, in order, exactly as rendered (e.g. wait for or create the database).
    "initContainers": ("initContainers", "initContainers"),
}
# Pod fields accepted only with the value Kubernetes/the chart uses anyway.
_POD_NEUTRAL: dict[str, Any] = {
    "hostIPC": False,
    "hostNetwork": False,
    "hostPID": False,
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
}
_POD_HANDLED = frozenset(
    {"containers", "serviceAccountName", "serviceAccount", "automountServiceAccountToken"}
    | {"enableServiceLinks"}
)
# Container fields with a chart key: field -> chart key.
_CONTAINER_FIELDS: dict[str, str] = {
    "command": "command",
    "args": "args",
    "resources": "resources",
    "securityContext": "securityContext",
    "volumeMounts": "volumeMounts",
}
_CONTAINER_NEUTRAL: dict[str, Any] = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "stdin": False,
    "stdinOnce": False,
    "tty": False,
}
_CONTAINER_HANDLED = frozenset(
    {"name", "image", "imagePullPolicy", "env", "envFrom", "ports"}
    | {"livenessProbe", "readinessProbe", "startupProbe"}
)
_PROBES = (
    ("livenessProbe", "liveness"),
    ("readinessProbe", "readiness"),
    ("startupProbe", "startup"),
)
# Kubernetes' probe defaults, so an explicit default compares equal to an omitted one.
_PROBE_DEFAULTS = {
    "initialDelaySeconds": 0,
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}


@dataclass(frozen=True)
class Origin:
    """The old objects' values paths: the controller and container in app-template values."""

    source: SourceIndex
    controller: ValuesPath | None
    container: ValuesPath | None

    def container_field(self, field: str) -> ValuesPath | None:
        if self.container is None:
            return None
        return self.source.first_existing([(*self.container, field)])

    def controller_field(self, field: str) -> ValuesPath | None:
        if self.controller is None:
            return None
        return self.source.first_existing([(*self.controller, field)])

    def stated(self, sources: list[ValuesPath]) -> bool:
        """Whether the old values state one of `sources` (a key holding null counts)."""
        return any(self.source.exists(path) for path in sources)


def refuse(origin: Origin, what: str, values_path: ValuesPath | None, why: str) -> RefusedError:
    where = f" (values key {dotted(values_path)})" if values_path else ""
    return RefusedError(f"{what}{where}: {why}", origin.source.location_of(values_path))


def map_identity(
    draft: Draft, workload: DispatchWorkload, origin: Origin, release_name: str
) -> str:
    """Selector labels and names so `helm upgrade` adopts the Deployment; returns the fullname."""
    label = object_label(workload.deployment)
    selector = workload.deployment.get("spec", {}).get("selector", {})
    labels = dict(selector.get("matchLabels") or {})
    if set(selector) - {"matchLabels"} or set(labels) != set(SELECTOR_KEYS):
        raise refuse(
            origin,
            f"{label} spec.selector",
            origin.controller,
            f"the chart's selector is exactly {', '.join(SELECTOR_KEYS)}; this one is "
            f"{selector}, and a Deployment's selector cannot change in place",
        )
    if labels[SELECTOR_INSTANCE] != release_name:
        raise refuse(
            origin,
            f"{label} spec.selector.matchLabels.{SELECTOR_INSTANCE}",
            origin.controller,
            f"it is {labels[SELECTOR_INSTANCE]!r}, the chart always uses the release name "
            f"{release_name!r}: the Deployment cannot be adopted",
        )
    adopt = "keeps the app-template Deployment selector"
    name_override = origin.source.first_existing([("global", "nameOverride")])
    if labels[SELECTOR_NAME] != release_name:
        draft.set(("nameOverride",), str(labels[SELECTOR_NAME]), comment=adopt)
    elif name_override is not None:
        draft.set(("nameOverride",), str(labels[SELECTOR_NAME]), sources=[name_override])
    # The controller and container ids are keys the old values wrote
    # (`controllers.<id>.containers.<name>`): stated, and the controller id is in the
    # Deployment's immutable selector.
    controller = str(labels[SELECTOR_CONTROLLER])
    if controller != chart_default(("controllerName",)):
        draft.set(("controllerName",), controller, comment=adopt)
    elif origin.controller is not None:
        draft.set(("controllerName",), controller, stated=True)
    fullname = workload.name
    fullname_override = origin.source.first_existing([("global", "fullnameOverride")])
    if fullname != release_name:
        draft.set(("fullnameOverride",), fullname, comment="the app-template Deployment's name")
    elif fullname_override is not None:
        draft.set(("fullnameOverride",), fullname, sources=[fullname_override])
    container_name = str(workload.container.get("name"))
    # No `sources`: a source is a home for every comment below it, and these keys hold
    # the whole controller and container.
    draft.set(("containerName",), container_name, stated=origin.container is not None)
    return fullname


def map_deployment(draft: Draft, workload: DispatchWorkload, origin: Origin) -> None:
    deployment = workload.deployment
    label = object_label(deployment)
    metadata = deployment.get("metadata") or {}
    spec = deployment.get("spec") or {}
    unknown = sorted(
        set(spec) - {"replicas", "revisionHistoryLimit", "strategy", "selector", "template"}
    )
    if unknown:
        raise refuse(
            origin, f"{label} spec.{unknown[0]}", origin.controller, "the chart has no key for it"
        )
    _set_from(
        draft,
        ("annotations",),
        metadata.get("annotations") or {},
        origin.controller_field("annotations"),
    )
    _set_from(
        draft, ("labels",), user_labels(metadata.get("labels")), origin.controller_field("labels")
    )
    _set_from(draft, ("replicas",), spec.get("replicas", 1), origin.controller_field("replicas"))
    _set_from(
        draft,
        ("revisionHistoryLimit",),
        spec.get("revisionHistoryLimit", 10),
        origin.controller_field("revisionHistoryLimit"),
    )
    strategy = spec.get("strategy") or {"type": "RollingUpdate"}
    _set_from(
        draft,
        ("strategy",),
        helm_override(chart_default(("strategy",)), strategy),
        origin.controller_field("strategy"),
    )
    template_meta = (spec.get("template") or {}).get("metadata") or {}
    pod_labels = {
        k: v for k, v in (template_meta.get("labels") or {}).items() if k not in SELECTOR_KEYS
    }
    _set_from(draft, ("podLabels",), pod_labels, _pod_metadata_path(origin, "labels"))
    _set_from(
        draft,
        ("podAnnotations",),
        template_meta.get("annotations") or {},
        _pod_metadata_path(origin, "annotations"),
    )


def _pod_metadata_path(origin: Origin, field: str) -> ValuesPath | None:
    """The pod's own labels/annotations key (`controllers.<id>.labels` is the Deployment's)."""
    candidates: list[ValuesPath] = [("defaultPodOptions", field)]
    if origin.controller is not None:
        candidates.insert(0, (*origin.controller, "pod", field))
    return origin.source.first_existing(candidates)


def map_pod(draft: Draft, workload: DispatchWorkload, origin: Origin) -> None:
    pod = workload.pod_spec
    label = object_label(workload.deployment)
    for field, value in pod.items():
        where = f"{label} spec.template.spec.{field}"
        if field in _POD_FIELDS:
            chart_key, option = _POD_FIELDS[field]
            source = origin.source.pod_field_path(origin.controller, option)
            if field == "volumes":
                source = origin.source.first_existing([("persistence",)])
            _set_from(draft, (chart_key,), value, source)
        elif field in _POD_NEUTRAL:
            if value != _POD_NEUTRAL[field]:
                raise refuse(
                    origin,
                    where,
                    origin.source.pod_field_path(origin.controller, field),
                    f"it is {value!r}; the chart leaves it at {_POD_NEUTRAL[field]!r}",
                )
        elif field not in _POD_HANDLED:
            raise refuse(
                origin,
                where,
                origin.source.pod_field_path(origin.controller, field),
                "the chart has no key for it",
            )
    for index, container in enumerate(pod.get("containers") or []):
        if container is not workload.container:
            name = container.get("name")
            raise refuse(
                origin,
                f"{label} spec.template.spec.containers[{index}] ({name})",
                origin.source.first_existing(
                    [(*origin.controller, "containers", str(name))] if origin.controller else []
                ),
                "the chart runs only the dispatch container (no sidecars)",
            )
    enable_links = pod.get("enableServiceLinks", True)
    links_path = origin.source.pod_field_path(origin.controller, "enableServiceLinks")
    if enable_links is not False:
        draft.set(
            ("enableServiceLinks",),
            enable_links,
            comment="the old pod got <SERVICE>_PORT variables",
            sources=optional_path(links_path),
        )
    else:
        _set_from(draft, ("enableServiceLinks",), False, links_path)
    _map_service_account(draft, workload, origin)


def _map_service_account(draft: Draft, workload: DispatchWorkload, origin: Origin) -> None:
    pod = workload.pod_spec
    account = pod.get("serviceAccountName") or pod.get("serviceAccount") or "default"
    automount = pod.get("automountServiceAccountToken", True)
    automount_path = origin.source.pod_field_path(origin.controller, "automountServiceAccountToken")
    if automount is not False:
        draft.set(
            ("serviceAccount", "automountServiceAccountToken"),
            True,
            comment="the app-template pod mounted the token",
            sources=optional_path(automount_path),
        )
    else:
        _set_from(draft, ("serviceAccount", "automountServiceAccountToken"), False, automount_path)
    if workload.service_account is not None:
        annotations = (workload.service_account.get("metadata") or {}).get("annotations") or {}
        # `serviceAccount` is where a comment about it may sit, not a statement of annotations.
        draft.set(("serviceAccount", "annotations"), annotations, sources=[("serviceAccount",)])
        if account != workload.name:
            draft.set(("serviceAccount", "name"), account, sources=[("serviceAccount",)])
        return
    if account != "default":
        draft.set(
            ("serviceAccount", "create"), False, comment="the pods use an existing ServiceAccount"
        )
        draft.set(("serviceAccount", "name"), account)
        return
    draft.note(
        f'the pods ran as the namespace\'s "default" ServiceAccount; the chart creates '
        f'"{workload.name}" for them (expected)',
    )


def map_container(draft: Draft, workload: DispatchWorkload, origin: Origin) -> None:
    container = workload.container
    label = f"{object_label(workload.deployment)} container {container.get('name')}"
    for field, value in container.items():
        if field in _CONTAINER_FIELDS:
            _set_from(draft, (_CONTAINER_FIELDS[field],), value, origin.container_field(field))
        elif field in _CONTAINER_NEUTRAL:
            if value != _CONTAINER_NEUTRAL[field]:
                raise refuse(
                    origin,
                    f"{label} {field}",
                    origin.container_field(field),
                    f"it is {value!r}; the chart cannot set it",
                )
        elif field not in _CONTAINER_HANDLED:
            raise refuse(
                origin,
                f"{label} {field}",
                origin.container_field(field),
                "the chart has no key for it",
            )
    if "imagePullPolicy" in container:
        image_path = origin.container_field("image")
        draft.set(
            ("image", "pullPolicy"),
            container["imagePullPolicy"],
            sources=optional_path(image_path),
            stated=origin.stated(child_path(image_path, "pullPolicy")),
        )
    _map_probes(draft, container, origin)


def _map_probes(draft: Draft, container: Mapping[str, Any], origin: Origin) -> None:
    probes_path = origin.container_field("probes")
    for field, key in _PROBES:
        source = (*probes_path, key) if probes_path else None
        default_spec = chart_default(("probes", key, "spec"))
        default_enabled = chart_default(("probes", key, "enabled"))
        old = container.get(field)
        enabled_stated = origin.stated(child_path(source, "enabled"))
        if old is None:
            if default_enabled or enabled_stated:
                draft.set(
                    ("probes", key, "enabled"),
                    False,
                    comment=f"the old pod had no {key} probe" if default_enabled else None,
                    sources=optional_path(source),
                    stated=enabled_stated,
                )
            continue
        draft.set(
            ("probes", key, "enabled"),
            True,
            sources=optional_path(source),
            stated=enabled_stated,
        )
        # A probe the old values stated (app-template renders a probe from any
        # `probes.<kind>` key) is written even when it equals the chart's.
        spec_stated = origin.stated(optional_path(source))
        if canonical_probe(old) == canonical_probe(default_spec or {}):
            # Same probe: written when stated, else only a home for comments above it.
            draft.set(
                ("probes", key, "spec"),
                default_spec,
                sources=optional_path(source and (*source, "spec")),
                stated=spec_stated,
            )
        else:
            spec = helm_override(default_spec, old)
            draft.set(
                ("probes", key, "spec"),
                spec,
                comment="replaces the chart's probe (null drops a default key)"
                if None in spec.values()
                else None,
                sources=optional_path(source and (*source, "spec")),
            )


def canonical_probe(probe: Mapping[str, Any]) -> dict[str, Any]:
    canonical = {**_PROBE_DEFAULTS, **probe}
    http_get = canonical.get("httpGet")
    if isinstance(http_get, Mapping):
        canonical["httpGet"] = {"scheme": "HTTP", **http_get}
    return canonical


def helm_override(default: Any, target: Any) -> Any:
    """Values that Helm's merge with `default` turns into exactly `target`.

    Helm merges user maps into the chart's default maps key by key, so a default key
    the target lacks must be written as null to be deleted.
    """
    if not isinstance(default, Mapping) or not isinstance(target, Mapping):
        return target
    result: dict[str, Any] = {}
    for key, value in target.items():
        result[key] = helm_override(default.get(key), value) if key in default else value
    for key in default:
        if key not in target:
            result[key] = None
    return result


def user_labels(labels: Mapping[str, Any] | None) -> dict[str, Any]:
    """Labels a human set (the chart writes its own bookkeeping labels)."""
    return {k: v for k, v in (labels or {}).items() if k not in CHART_LABELS}


def _set_from(draft: Draft, path: tuple[str, ...], value: Any, source: ValuesPath | None) -> None:
    """An entry produced by the values key `source` (found in the old values: stated), or
    by app-template's defaults (`source` None: written only where it differs)."""
    draft.set(path, value, sources=optional_path(source), stated=source is not None)


def optional_path(path: ValuesPath | None) -> list[ValuesPath]:
    """`sources=` of an entry whose values key may be unknown."""
    return [path] if path else []


def child_path(path: ValuesPath | None, key: str) -> list[ValuesPath]:
    """`sources=` of an entry at `key` below a values key that may be unknown."""
    return [(*path, key)] if path else []
