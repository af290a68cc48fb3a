"""`service.*`: Services, and the service/port lookups probes and routes need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import (
    NAMING_KEYS,
    object_metadata,
    resource_name,
    selector_labels,
    user_metadata,
)
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled,
    expect_bool,
    expect_mapping,
    expect_str,
    go_empty,
    is_number,
    join_path,
    printed_number,
    refuse,
)

_SERVICE_KEYS = (
    "enabled",
    "controller",
    "type",
    "ports",
    "annotations",
    "labels",
    "primary",
    "clusterIP",
    "externalTrafficPolicy",
    "internalTrafficPolicy",
    "loadBalancerIP",
    "loadBalancerClass",
    "loadBalancerSourceRanges",
    "sessionAffinity",
    "ipFamilyPolicy",
    "ipFamilies",
    "publishNotReadyAddresses",
    "externalIPs",
    *NAMING_KEYS,
)
_SERVICE_KEYS_EXACT = (
    *_SERVICE_KEYS,
    "allocateLoadBalancerNodePorts",
    "sessionAffinityConfig",
    "extraSelectorLabels",
    "externalName",
)
_PORT_KEYS = ("enabled", "port", "targetPort", "protocol", "primary", "nodePort", "appProtocol")
_SERVICE_TYPES = ("ClusterIP", "LoadBalancer", "NodePort")
_PASS_THROUGH = (
    "externalTrafficPolicy",
    "internalTrafficPolicy",
    "sessionAffinity",
    "ipFamilyPolicy",
    "loadBalancerIP",
    "loadBalancerClass",
)


@dataclass(frozen=True)
class ServiceInfo:
    """An enabled service: its values key, rendered name, controller, values and ports."""

    identifier: str
    name: str
    controller: str
    values: Mapping[str, Any]
    ports: Mapping[str, Mapping[str, Any]]
    path: str


def enabled_controller_ids(ctx: RenderContext) -> list[str]:
    controllers = expect_mapping(ctx.values.get("controllers"), "controllers")
    return [
        cid
        for cid in sorted(controllers)
        if enabled(
            expect_mapping(controllers[cid], join_path("controllers", cid)),
            join_path("controllers", cid),
        )
    ]


def enabled_services(ctx: RenderContext) -> dict[str, ServiceInfo]:
    section = expect_mapping(ctx.values.get("service"), "service")
    active = {
        sid: expect_mapping(section[sid], join_path("service", sid))
        for sid in sorted(section)
        if enabled(
            expect_mapping(section[sid], join_path("service", sid)), join_path("service", sid)
        )
    }
    controllers = enabled_controller_ids(ctx)
    services: dict[str, ServiceInfo] = {}
    for sid, values in active.items():
        path = join_path("service", sid)
        check_keys(values, _SERVICE_KEYS_EXACT if ctx.profile.exact else _SERVICE_KEYS, path)
        controller = values.get("controller")
        if go_empty(controller):
            if len(controllers) != 1:
                refuse(
                    join_path(path, "controller"),
                    "the chart needs a controller when it cannot pick the only one",
                )
            controller = controllers[0]
        controller = expect_str(controller, join_path(path, "controller"))
        if controller not in controllers:
            refuse(join_path(path, "controller"), f"no enabled controller {controller!r}")
        ports = _enabled_ports(
            values, path, allow_none=ctx.profile.exact and values.get("type") == "ExternalName"
        )
        services[sid] = ServiceInfo(
            identifier=sid,
            name=resource_name(ctx, sid, values, len(active), path),
            controller=controller,
            values=values,
            ports=ports,
            path=path,
        )
    return services


def _enabled_ports(
    values: Mapping[str, Any], path: str, *, allow_none: bool = False
) -> dict[str, Mapping[str, Any]]:
    ports_path = join_path(path, "ports")
    ports: dict[str, Mapping[str, Any]] = {}
    for name, raw in sorted(expect_mapping(values.get("ports"), ports_path).items()):
        port_path = join_path(ports_path, name)
        port = expect_mapping(raw, port_path)
        check_keys(port, _PORT_KEYS, port_path)
        if not enabled(port, port_path):
            continue
        if not is_number(port.get("port")):
            refuse(join_path(port_path, "port"), "a numeric port is required")
        ports[name] = port
    if not ports and not allow_none:
        refuse(ports_path, "the chart requires at least one enabled port")
    return ports


def primary_port_exact(service: ServiceInfo) -> Mapping[str, Any]:
    """4.1.1: the last port flagged primary (by name), else the first by name."""
    flagged = [p for p in service.ports.values() if p.get("primary")]
    if flagged:
        return flagged[-1]
    return service.ports[sorted(service.ports)[0]]


def primary_port(service: ServiceInfo, path: str) -> Mapping[str, Any]:
    """The port a default probe or route falls back to; ambiguity is refused."""
    flagged = [p for p in service.ports.values() if p.get("primary")]
    if len(flagged) == 1:
        return flagged[0]
    if len(service.ports) == 1 and not flagged:
        return next(iter(service.ports.values()))
    refuse(path, f"service {service.identifier!r} has several ports and no single primary one")


def primary_service_for(ctx: RenderContext, controller_id: str, path: str) -> ServiceInfo | None:
    mine = [s for s in enabled_services(ctx).values() if s.controller == controller_id]
    if not mine:
        return None
    if ctx.profile.exact:
        # 4.1.1: the last service flagged primary (by identifier), else the first.
        chosen = [s for s in mine if s.values.get("primary")]
        return chosen[-1] if chosen else mine[0]
    flagged = [s for s in mine if s.values.get("primary")]
    if len(flagged) == 1:
        return flagged[0]
    if len(mine) == 1 and not flagged:
        return mine[0]
    refuse(path, f"controller {controller_id!r} has several services and no single primary one")


def render_service(ctx: RenderContext, service: ServiceInfo) -> dict[str, Any]:
    values = service.values
    path = service.path
    svc_type = values.get("type") or "ClusterIP"
    if ctx.profile.exact:
        return _render_service_exact(ctx, service, svc_type)
    if svc_type not in _SERVICE_TYPES:
        refuse(join_path(path, "type"), f"service type {svc_type!r} is outside the built-in model")
    metadata = object_metadata(
        ctx, service.name, values, path, {"app.kubernetes.io/service": service.name}
    )
    spec: dict[str, Any] = {"type": svc_type}
    if not go_empty(values.get("clusterIP")):
        if svc_type != "ClusterIP":
            refuse(
                join_path(path, "clusterIP"),
                f"only some versions render clusterIP for {svc_type} services",
            )
        spec["clusterIP"] = expect_str(values["clusterIP"], join_path(path, "clusterIP"))
    if svc_type == "LoadBalancer":
        for key in ("loadBalancerIP", "loadBalancerClass"):
            if not go_empty(values.get(key)):
                spec[key] = values[key]
        if not go_empty(values.get("loadBalancerSourceRanges")):
            spec["loadBalancerSourceRanges"] = values["loadBalancerSourceRanges"]
    else:
        for key in ("loadBalancerIP", "loadBalancerClass", "loadBalancerSourceRanges"):
            if not go_empty(values.get(key)):
                refuse(join_path(path, key), "only used by LoadBalancer services")
    for key in (
        "internalTrafficPolicy",
        "externalTrafficPolicy",
        "sessionAffinity",
        "ipFamilyPolicy",
    ):
        if not go_empty(values.get(key)):
            spec[key] = expect_str(values[key], join_path(path, key))
    for key in ("externalIPs", "ipFamilies"):
        if not go_empty(values.get(key)):
            spec[key] = values[key]
    ready_path = join_path(path, "publishNotReadyAddresses")
    if "publishNotReadyAddresses" in values and expect_bool(
        values["publishNotReadyAddresses"], ready_path
    ):
        spec["publishNotReadyAddresses"] = True
    spec["ports"] = [
        _service_port(name, port, join_path(join_path(path, "ports"), name))
        for name, port in service.ports.items()
    ]
    spec["selector"] = selector_labels(ctx, service.controller)
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def _render_service_exact(
    ctx: RenderContext, service: ServiceInfo, svc_type: Any
) -> dict[str, Any]:
    """4.1.1: fields that do not apply to the type are not written (no refusal needed)."""
    values = service.values
    path = service.path
    if svc_type not in (*_SERVICE_TYPES, "ExternalName"):
        refuse(join_path(path, "type"), f"service type {svc_type!r} is outside the built-in model")
    metadata = object_metadata(
        ctx, service.name, values, path, {"app.kubernetes.io/service": service.name}
    )
    spec: dict[str, Any] = {"type": svc_type}
    if svc_type == "ClusterIP" and not go_empty(values.get("clusterIP")):
        spec["clusterIP"] = expect_str(values["clusterIP"], join_path(path, "clusterIP"))
    if svc_type == "LoadBalancer":
        for key in ("loadBalancerIP", "loadBalancerSourceRanges", "loadBalancerClass"):
            if not go_empty(values.get(key)):
                spec[key] = values[key]
    if svc_type == "ExternalName" and not go_empty(values.get("externalName")):
        spec["externalName"] = expect_str(values["externalName"], join_path(path, "externalName"))
    for key in ("internalTrafficPolicy", "externalTrafficPolicy"):
        if not go_empty(values.get(key)):
            spec[key] = expect_str(values[key], join_path(path, key))
    if "allocateLoadBalancerNodePorts" in values:
        spec["allocateLoadBalancerNodePorts"] = expect_bool(
            values["allocateLoadBalancerNodePorts"],
            join_path(path, "allocateLoadBalancerNodePorts"),
        )
    if not go_empty(values.get("sessionAffinity")):
        spec["sessionAffinity"] = expect_str(
            values["sessionAffinity"], join_path(path, "sessionAffinity")
        )
        if not go_empty(values.get("sessionAffinityConfig")):
            spec["sessionAffinityConfig"] = values["sessionAffinityConfig"]
    if not go_empty(values.get("externalIPs")):
        spec["externalIPs"] = values["externalIPs"]
    ready_path = join_path(path, "publishNotReadyAddresses")
    if "publishNotReadyAddresses" in values and expect_bool(
        values["publishNotReadyAddresses"], ready_path
    ):
        spec["publishNotReadyAddresses"] = True
    if not go_empty(values.get("ipFamilyPolicy")):
        spec["ipFamilyPolicy"] = expect_str(
            values["ipFamilyPolicy"], join_path(path, "ipFamilyPolicy")
        )
    if not go_empty(values.get("ipFamilies")):
        spec["ipFamilies"] = values["ipFamilies"]
    spec["ports"] = [
        _service_port(name, port, join_path(join_path(path, "ports"), name))
        for name, port in service.ports.items()
    ] or None
    extra = user_metadata(
        values.get("extraSelectorLabels"),
        join_path(path, "extraSelectorLabels"),
        labels=True,
        mode="literal",
    )
    spec["selector"] = {**selector_labels(ctx, service.controller), **extra}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def _service_port(name: str, port: Mapping[str, Any], path: str) -> dict[str, Any]:
    protocol = port.get("protocol") or "TCP"
    protocol = expect_str(protocol, join_path(path, "protocol"))
    if protocol in ("HTTP", "HTTPS"):
        protocol = "TCP"
    number = printed_number(port["port"], join_path(path, "port"))
    target = port.get("targetPort")
    rendered: dict[str, Any] = {
        "port": number,
        "targetPort": number if go_empty(target) else _target_port(target, path),
        "protocol": protocol,
        "name": name,
    }
    if not go_empty(port.get("nodePort")):
        rendered["nodePort"] = printed_number(port["nodePort"], join_path(path, "nodePort"))
    if not go_empty(port.get("appProtocol")):
        rendered["appProtocol"] = expect_str(port["appProtocol"], join_path(path, "appProtocol"))
    return rendered


def _target_port(target: Any, path: str) -> int | float | str:
    if is_number(target):
        return printed_number(target, join_path(path, "targetPort"))
    text = expect_str(target, join_path(path, "targetPort"))
    if not text.isidentifier() and not text.replace("-", "").isalnum():
        refuse(join_path(path, "targetPort"), "unusual named target port")
    if text.isdigit():
        refuse(join_path(path, "targetPort"), "a quoted numeric targetPort is re-read as a number")
    return text
