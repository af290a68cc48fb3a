"""The old Service and HTTPRoute -> `service.*` and `httpRoute.*`, plus renames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.models import ObjectKey
from appt2dispatch.translate.chart import chart_default
from appt2dispatch.translate.find import DispatchWorkload, object_label
from appt2dispatch.translate.source import ValuesPath
from appt2dispatch.translate.values_doc import Draft
from appt2dispatch.translate.workload import (
    Origin,
    child_path,
    optional_path,
    refuse,
    user_labels,
)

GATEWAY_GROUP = "gateway.networking.k8s.io"
_SERVICE_NEUTRAL: dict[str, Any] = {"sessionAffinity": "None", "internalTrafficPolicy": "Cluster"}
_DEFAULT_MATCH = {"path": {"type": "PathPrefix", "value": "/"}}


def map_service(
    draft: Draft, workload: DispatchWorkload, origin: Origin, fullname: str, namespace: str
) -> dict[ObjectKey, ObjectKey]:
    """Service type, port, target port, port name; returns old->new key if the name changes."""
    service = workload.service
    if service is None:
        draft.note(
            "the old side rendered no Service; the chart always renders one (new object)",
            level="warning",
        )
        return {}
    label = object_label(service)
    values_path = _values_entry(origin, "service", service, fullname)
    spec = service.get("spec") or {}
    if spec.get("type", "ClusterIP") not in ("ClusterIP", "NodePort", "LoadBalancer"):
        raise refuse(
            origin, f"{label} spec.type", values_path, f"the chart cannot render {spec['type']}"
        )
    for field, value in spec.items():
        if field in ("type", "ports", "selector"):
            continue
        if _SERVICE_NEUTRAL.get(field, object()) != value:
            raise refuse(
                origin, f"{label} spec.{field}", values_path, "the chart has no key for it"
            )
    ports = spec.get("ports") or []
    if len(ports) != 1:
        raise refuse(
            origin, f"{label} spec.ports", values_path, f"{len(ports)} ports; the chart renders one"
        )
    port = ports[0]
    extra = set(port) - {"name", "port", "targetPort", "protocol"}
    if extra or port.get("protocol", "TCP") != "TCP":
        field = sorted(extra)[0] if extra else "protocol"
        raise refuse(
            origin,
            f"{label} spec.ports[0].{field}",
            values_path,
            "the chart renders a plain TCP port",
        )
    if dict(spec.get("selector") or {}) != dict(workload.selector):
        raise refuse(
            origin,
            f"{label} spec.selector",
            values_path,
            "it does not select the dispatch pods by their selector labels, as the chart's does",
        )
    target_port = _resolve_target_port(workload, origin, port, label, values_path)
    port_path: ValuesPath | None = None
    if values_path is not None:
        port_names = origin.source.get((*values_path, "ports"))
        if isinstance(port_names, Mapping) and len(port_names) == 1:
            port_path = (*values_path, "ports", str(next(iter(port_names))))
    _stated(draft, origin, ("service", "type"), spec.get("type", "ClusterIP"), values_path)
    _stated(draft, origin, ("service", "port"), port["port"], port_path)
    _stated(draft, origin, ("service", "targetPort"), target_port, port_path)
    if port.get("name"):
        # The port's name is its key in the old values (`ports.<name>`): stated.
        draft.set(
            ("service", "portName"),
            port["name"],
            sources=optional_path(port_path),
            stated=port_path is not None,
        )
    else:
        default_name = chart_default(("service", "portName"))
        draft.note(f'{label} port has no name; the chart names it "{default_name}"')
    _map_metadata(draft, origin, "service", service, values_path)
    return _rename(draft, service, "", "Service", namespace, fullname)


def _stated(
    draft: Draft, origin: Origin, path: tuple[str, str], value: Any, parent: ValuesPath | None
) -> None:
    """`path` whose app-template key is `parent.<last part of path>`: written whenever the
    old values state that key, else only where it differs from the chart default."""
    sources = child_path(parent, path[-1])
    draft.set(path, value, sources=sources, stated=origin.stated(sources))


def _resolve_target_port(
    workload: DispatchWorkload,
    origin: Origin,
    port: Mapping[str, Any],
    label: str,
    values_path: ValuesPath | None,
) -> Any:
    """The container port the Service sends to; the chart renders it as the container's port."""
    target = port.get("targetPort", port["port"])
    container_ports = list(workload.container.get("ports") or [])
    if isinstance(target, str):
        named = [p for p in container_ports if p.get("name") == target]
        if not named:
            raise refuse(
                origin,
                f"{label} spec.ports[0].targetPort",
                values_path,
                f"no container port is named {target!r}",
            )
        target = named[0]["containerPort"]
    container_label = (
        f"{object_label(workload.deployment)} container {workload.container.get('name')}"
    )
    if len(container_ports) > 1:
        raise refuse(
            origin,
            f"{container_label} ports",
            origin.container_field("ports"),
            "the chart renders one container port (the Service's)",
        )
    if container_ports:
        only = container_ports[0]
        extra = set(only) - {"name", "containerPort", "protocol"}
        if extra or only.get("containerPort") != target or only.get("protocol", "TCP") != "TCP":
            raise refuse(
                origin,
                f"{container_label} ports[0]",
                origin.container_field("ports"),
                "the chart renders exactly one TCP container port, the Service's target port",
            )
    return target


def map_route(
    draft: Draft, workload: DispatchWorkload, origin: Origin, fullname: str, namespace: str
) -> dict[ObjectKey, ObjectKey]:
    route = workload.route
    if route is None:
        return {}
    label = object_label(route)
    values_path = _values_entry(origin, "route", route, fullname)
    spec = route.get("spec") or {}
    unknown = sorted(set(spec) - {"parentRefs", "hostnames", "rules"})
    if unknown:
        raise refuse(
            origin, f"{label} spec.{unknown[0]}", values_path, "the chart has no key for it"
        )
    route_namespace = (route.get("metadata") or {}).get("namespace") or namespace
    draft.set(("httpRoute", "enabled"), True, sources=optional_path(values_path))
    _stated(
        draft, origin, ("httpRoute", "hostnames"), list(spec.get("hostnames") or []), values_path
    )
    parents = [_strip_gateway_defaults(ref) for ref in spec.get("parentRefs") or []]
    _stated(draft, origin, ("httpRoute", "parentRefs"), parents, values_path)
    rules = _route_rules(spec.get("rules") or [], workload, route_namespace)
    _stated(draft, origin, ("httpRoute", "rules"), rules, values_path)
    _map_metadata(draft, origin, "httpRoute", route, values_path)
    return _rename(draft, route, GATEWAY_GROUP, "HTTPRoute", namespace, fullname)


def _map_metadata(
    draft: Draft, origin: Origin, key: str, obj: Mapping[str, Any], values_path: ValuesPath | None
) -> None:
    """Annotations and user labels (not the chart's own) -> `<key>.annotations` and `.labels`."""
    metadata = obj.get("metadata") or {}
    _stated(draft, origin, (key, "annotations"), metadata.get("annotations") or {}, values_path)
    _stated(draft, origin, (key, "labels"), user_labels(metadata.get("labels")), values_path)


def _route_rules(rules: list[Mapping[str, Any]], workload: DispatchWorkload, namespace: str) -> Any:
    """The chart's default rules when equivalent, else the old rules with our backend implicit."""
    service = workload.service or {}
    service_name = (service.get("metadata") or {}).get("name")
    ports = (service.get("spec") or {}).get("ports") or [{}]
    service_port = ports[0].get("port")
    default_rules = chart_default(("httpRoute", "rules"))
    translated = []
    for rule in rules:
        backends = []
        for ref in rule.get("backendRefs") or []:
            canonical = _canonical_backend(ref, namespace)
            if canonical.get("name") == service_name and canonical.get("port") == service_port:
                canonical = {k: v for k, v in canonical.items() if k not in ("name", "port")}
            backends.append(canonical)
        rule_out = {k: v for k, v in rule.items() if k != "backendRefs"}
        if any(backends):
            rule_out["backendRefs"] = backends
        translated.append(rule_out)
    canonical_old = [
        {"matches": [_DEFAULT_MATCH], **r} if "matches" not in r else r for r in translated
    ]
    if canonical_old == default_rules:
        return default_rules
    return translated


def _canonical_backend(ref: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    defaults = {"group": "", "kind": "Service", "namespace": namespace, "weight": 1}
    return {k: v for k, v in ref.items() if defaults.get(k, object()) != v}


def _strip_gateway_defaults(ref: Mapping[str, Any]) -> dict[str, Any]:
    defaults = {"group": GATEWAY_GROUP, "kind": "Gateway"}
    return {k: v for k, v in ref.items() if defaults.get(k, object()) != v}


def _values_entry(
    origin: Origin, key: str, obj: Mapping[str, Any], fullname: str
) -> ValuesPath | None:
    """`service.<id>` / `route.<id>` that rendered `obj` (the only one, or the one named so)."""
    entries = origin.source.get((key,))
    if not isinstance(entries, Mapping) or not entries:
        return None
    if len(entries) == 1:
        return (key, str(next(iter(entries))))
    name = (obj.get("metadata") or {}).get("name")
    for entry_id in entries:
        if name in (f"{fullname}-{entry_id}", entry_id):
            return (key, str(entry_id))
    return None


def _rename(
    draft: Draft, obj: Mapping[str, Any], group: str, kind: str, namespace: str, fullname: str
) -> dict[ObjectKey, ObjectKey]:
    metadata = obj.get("metadata") or {}
    old_name = str(metadata.get("name"))
    if old_name == fullname:
        return {}
    object_namespace = str(metadata.get("namespace") or namespace)
    draft.note(
        f'{kind} "{old_name}" becomes "{fullname}" (the chart names every object after the '
        "release); anything that calls or references the old name must follow",
        level="warning",
    )
    return {
        ObjectKey(group, kind, object_namespace, old_name): ObjectKey(
            group, kind, object_namespace, fullname
        )
    }
