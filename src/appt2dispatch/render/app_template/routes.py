"""`route.*`: Gateway API HTTPRoutes.

parentRefs default to `group: gateway.networking.k8s.io, kind: Gateway`;
hostnames go through `tpl`; each backendRef names a Service directly (`name`,
templated) or through a `service.<identifier>`, and renders `group: ""`,
`kind: Service`, the release namespace and `weight: 1` unless given. The API
version is `gateway.networking.k8s.io/v1` (the render pins that capability).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import (
    NAMING_KEYS,
    object_metadata,
    resource_name,
)
from appt2dispatch.render.app_template.services import (
    ServiceInfo,
    enabled_services,
    primary_port,
    primary_port_exact,
)
from appt2dispatch.render.app_template.tpl import render_tpl
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled,
    expect_list,
    expect_mapping,
    expect_str,
    go_empty,
    is_number,
    join_path,
    printed_number,
    refuse,
)

_ROUTE_KEYS = (
    "enabled",
    "kind",
    "annotations",
    "labels",
    "hostnames",
    "parentRefs",
    "rules",
    *NAMING_KEYS,
)
_V1_KINDS = ("HTTPRoute", "GRPCRoute")
_ALPHA_KINDS = ("TCPRoute", "TLSRoute", "UDPRoute")
_PARENT_KEYS = ("name", "namespace", "sectionName", "group", "kind", "port")
_RULE_KEYS = ("backendRefs", "matches", "filters", "sessionPersistence", "timeouts")
_BACKEND_KEYS = ("name", "identifier", "port", "namespace", "weight", "group", "kind")


def render_routes(ctx: RenderContext) -> list[dict[str, Any]]:
    section = expect_mapping(ctx.values.get("route"), "route")
    active = {
        rid: expect_mapping(section[rid], join_path("route", rid))
        for rid in sorted(section)
        if enabled(expect_mapping(section[rid], join_path("route", rid)), join_path("route", rid))
    }
    services = enabled_services(ctx) if active else {}
    return [
        _route(ctx, rid, values, len(active), services, join_path("route", rid))
        for rid, values in active.items()
    ]


def _route(
    ctx: RenderContext,
    route_id: str,
    values: Mapping[str, Any],
    count: int,
    services: Mapping[str, ServiceInfo],
    path: str,
) -> dict[str, Any]:
    check_keys(values, _ROUTE_KEYS, path)
    kind = values.get("kind") or "HTTPRoute"
    if kind not in (_V1_KINDS + _ALPHA_KINDS if ctx.profile.exact else ("HTTPRoute",)):
        refuse(join_path(path, "kind"), f"{kind} is outside the built-in model")
    metadata = object_metadata(ctx, resource_name(ctx, route_id, values, count, path), values, path)
    spec: dict[str, Any] = {"parentRefs": _parent_refs(ctx, values, path)}
    hostnames = expect_list(values.get("hostnames"), join_path(path, "hostnames"))
    if kind in ("TCPRoute", "UDPRoute"):
        hostnames = []  # not written for these kinds
    if hostnames:
        spec["hostnames"] = [
            render_tpl(
                expect_str(host, join_path(join_path(path, "hostnames"), i)),
                ctx.scope,
                join_path(join_path(path, "hostnames"), i),
            )
            for i, host in enumerate(hostnames)
        ]
    if ctx.profile.exact:
        spec["rules"] = _rules_exact(ctx, values, services, path, kind)
        return {
            # The render offers the v1 API for HTTPRoute and GRPCRoute only.
            "apiVersion": "gateway.networking.k8s.io/v1"
            if kind in _V1_KINDS
            else "gateway.networking.k8s.io/v1alpha2",
            "kind": kind,
            "metadata": metadata,
            "spec": spec,
        }
    rules = expect_list(values.get("rules"), join_path(path, "rules"))
    if not rules:
        refuse(
            join_path(path, "rules"),
            "routes without rules render differently across chart versions",
        )
    spec["rules"] = [
        _rule(ctx, rule, services, join_path(join_path(path, "rules"), i))
        for i, rule in enumerate(rules)
    ]
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": metadata,
        "spec": spec,
    }


def _rules_exact(
    ctx: RenderContext,
    values: Mapping[str, Any],
    services: Mapping[str, ServiceInfo],
    path: str,
    kind: str,
) -> list[dict[str, Any]] | None:
    """4.1.1: with exactly one Service, missing rules or backends point at it."""
    rules_path = join_path(path, "rules")
    rules = [
        expect_mapping(r, join_path(rules_path, i))
        for i, r in enumerate(expect_list(values.get("rules"), rules_path))
    ]
    if not rules:
        if len(services) != 1:
            return None  # the chart prints `rules:` with nothing under it
        rules = [{"backendRefs": [{}]}]
    result: list[dict[str, Any]] = []
    for index, rule in enumerate(rules):
        rule_path = join_path(rules_path, index)
        check_keys(rule, _RULE_KEYS, rule_path)
        refs_path = join_path(rule_path, "backendRefs")
        refs = expect_list(rule.get("backendRefs"), refs_path)
        for filter_index, item in enumerate(
            expect_list(rule.get("filters"), join_path(rule_path, "filters"))
        ):
            if refs and isinstance(item, Mapping) and item.get("type") == "RequestRedirect":
                refuse(
                    join_path(join_path(rule_path, "filters"), filter_index),
                    "the chart fails on it",
                )
        rendered: dict[str, Any] = {
            "backendRefs": [
                _backend_ref_exact(ctx, ref, services, join_path(refs_path, i))
                for i, ref in enumerate(refs)
            ]
        }
        keys: tuple[str, ...] = ()
        if kind in _V1_KINDS:
            keys = ("matches", "filters", "sessionPersistence")
        if kind == "HTTPRoute":
            keys = (*keys, "timeouts")
        for key in keys:
            if not go_empty(rule.get(key)):
                rendered[key] = rule[key]
        result.append(rendered)
    return result


def _backend_ref_exact(
    ctx: RenderContext, raw: Any, services: Mapping[str, ServiceInfo], path: str
) -> dict[str, Any]:
    ref = expect_mapping(raw, path)
    check_keys(ref, _BACKEND_KEYS, path)
    identifier = ref.get("identifier")
    if go_empty(ref.get("name")) and go_empty(identifier):
        if len(services) != 1:
            refuse(path, "the chart fails: a backendRef needs name or identifier")
        identifier = next(iter(services))
    service: ServiceInfo | None = None
    if not go_empty(ref.get("name")):
        name = render_tpl(
            expect_str(ref["name"], join_path(path, "name")), ctx.scope, join_path(path, "name")
        )
    else:
        identifier = expect_str(identifier, join_path(path, "identifier"))
        if identifier not in services:
            refuse(
                join_path(path, "identifier"), f"the chart fails: no enabled service {identifier!r}"
            )
        service = services[identifier]
        name = service.name
    port: Any = ref.get("port")
    if go_empty(port):
        port = None
        if service is not None:
            port = printed_number(primary_port_exact(service)["port"], join_path(path, "port"))
    elif is_number(port):
        port = printed_number(port, join_path(path, "port"))
    else:
        text = expect_str(port, join_path(path, "port"))
        if not text.replace("-", "").isalnum() or text[0].isdigit():
            refuse(join_path(path, "port"), "this port is re-read by YAML in a way the model skips")
        port = text  # printed as given: 4.1.1 does not resolve port names here
    rendered: dict[str, Any] = {
        "group": _optional_str(ref, "group", "", path),
        "kind": _optional_str(ref, "kind", "Service", path),
        "name": name,
        "namespace": _optional_str(ref, "namespace", ctx.namespace, path),
        "port": port,
    }
    weight = ref.get("weight")
    rendered["weight"] = 1 if weight is None else printed_number(weight, join_path(path, "weight"))
    return rendered


def _parent_refs(
    ctx: RenderContext, values: Mapping[str, Any], path: str
) -> list[dict[str, Any]] | None:
    refs_path = join_path(path, "parentRefs")
    refs: list[dict[str, Any]] = []
    for index, raw in enumerate(expect_list(values.get("parentRefs"), refs_path)):
        ref_path = join_path(refs_path, index)
        ref = expect_mapping(raw, ref_path)
        check_keys(ref, _PARENT_KEYS, ref_path)
        rendered: dict[str, Any] = {
            "group": ref.get("group") or "gateway.networking.k8s.io",
            "kind": ref.get("kind") or "Gateway",
            "name": expect_str(ref.get("name"), join_path(ref_path, "name")),
        }
        if go_empty(ref.get("namespace")) and ctx.profile.exact:
            refuse(join_path(ref_path, "namespace"), "the chart fails: namespace is required")
        if go_empty(ref.get("namespace")):
            # 4.1.1 requires it; later versions make it optional.
            refuse(
                join_path(ref_path, "namespace"),
                "chart versions differ on a parentRef without namespace",
            )
        rendered["namespace"] = expect_str(ref["namespace"], join_path(ref_path, "namespace"))
        if not go_empty(ref.get("sectionName")):
            rendered["sectionName"] = expect_str(
                ref["sectionName"], join_path(ref_path, "sectionName")
            )
        if not go_empty(ref.get("port")):
            rendered["port"] = printed_number(ref["port"], join_path(ref_path, "port"))
        refs.append(rendered)
    if not refs and ctx.profile.exact:
        return None  # the chart prints `parentRefs:` with nothing under it
    if not refs:
        refuse(refs_path, "a route without parentRefs is outside the built-in model")
    return refs


def _rule(
    ctx: RenderContext, raw: Any, services: Mapping[str, ServiceInfo], path: str
) -> dict[str, Any]:
    rule = expect_mapping(raw, path)
    check_keys(rule, _RULE_KEYS, path)
    refs_path = join_path(path, "backendRefs")
    backend_refs = expect_list(rule.get("backendRefs"), refs_path)
    if not backend_refs:
        refuse(refs_path, "a rule without backendRefs renders differently across versions")
    rendered: dict[str, Any] = {
        "backendRefs": [
            _backend_ref(ctx, ref, services, join_path(refs_path, i))
            for i, ref in enumerate(backend_refs)
        ]
    }
    for key in ("matches", "filters", "sessionPersistence", "timeouts"):
        if not go_empty(rule.get(key)):
            rendered[key] = rule[key]
    return rendered


def _backend_ref(
    ctx: RenderContext, raw: Any, services: Mapping[str, ServiceInfo], path: str
) -> dict[str, Any]:
    ref = expect_mapping(raw, path)
    check_keys(ref, _BACKEND_KEYS, path)
    service: ServiceInfo | None = None
    if not go_empty(ref.get("name")):
        name = render_tpl(
            expect_str(ref["name"], join_path(path, "name")), ctx.scope, join_path(path, "name")
        )
    elif not go_empty(ref.get("identifier")):
        identifier = expect_str(ref["identifier"], join_path(path, "identifier"))
        if identifier not in services:
            refuse(join_path(path, "identifier"), f"no enabled service {identifier!r}")
        service = services[identifier]
        name = service.name
    else:
        refuse(path, "a backendRef needs name or identifier")
    rendered: dict[str, Any] = {
        "group": _optional_str(ref, "group", "", path),
        "kind": _optional_str(ref, "kind", "Service", path),
        "name": name,
        "namespace": ctx.namespace,
    }
    if not go_empty(ref.get("namespace")):
        rendered["namespace"] = expect_str(ref["namespace"], join_path(path, "namespace"))
    port = ref.get("port")
    if is_number(port) and port:
        rendered["port"] = printed_number(port, join_path(path, "port"))
    elif go_empty(port) and service is not None:
        rendered["port"] = printed_number(
            primary_port(service, join_path(path, "port"))["port"], join_path(path, "port")
        )
    elif isinstance(port, str) and service is not None and ctx.profile.is_v5:
        if port not in service.ports:
            refuse(join_path(path, "port"), f"no enabled port {port!r} on that service")
        rendered["port"] = printed_number(service.ports[port]["port"], join_path(path, "port"))
    else:
        # 4.x prints a named port verbatim (later fixed) and a missing one as null.
        refuse(
            join_path(path, "port"),
            "a named or missing port without a resolvable service "
            "renders differently across versions",
        )
    weight = ref.get("weight")
    if weight is None:
        rendered["weight"] = 1
    else:
        rendered["weight"] = printed_number(weight, join_path(path, "weight"))
    return rendered


def _optional_str(ref: Mapping[str, Any], key: str, default: str, path: str) -> str:
    if go_empty(ref.get(key)):
        return default
    return expect_str(ref[key], join_path(path, key))
