"""`serviceMonitor.*` and `ingress.*` as app-template 4.1.1 renders them.

Both find their Service like the chart: a name (templated), an `identifier`, or,
with exactly one enabled Service, that one. ServiceMonitors select it by its
`app.kubernetes.io/service` label unless a `selector` is given; Ingress backends
default to the Service's primary port and resolve named ports by the Service's
port names (a name it does not have renders a null port, as the chart does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import NAMING_KEYS, object_metadata, resource_name
from appt2dispatch.render.app_template.services import (
    ServiceInfo,
    enabled_services,
    primary_port_exact,
)
from appt2dispatch.render.app_template.tpl import render_tpl, render_tree
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled_section,
    expect_list,
    expect_mapping,
    expect_str,
    go_empty,
    is_number,
    join_path,
    printed_number,
    refuse,
)

_MONITOR_KEYS = (
    "enabled",
    "annotations",
    "labels",
    "serviceName",
    "service",
    "selector",
    "endpoints",
    "targetLabels",
    *NAMING_KEYS,
)
_INGRESS_KEYS = (
    "enabled",
    "annotations",
    "labels",
    "className",
    "tls",
    "defaultBackend",
    "hosts",
    *NAMING_KEYS,
)


def _enabled(ctx: RenderContext, key: str, allowed: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return enabled_section(ctx.values.get(key), key, allowed)


def _templated(ctx: RenderContext, value: Any, path: str) -> str:
    return render_tpl(expect_str(value, path), ctx.scope, path)


def render_service_monitors(ctx: RenderContext) -> list[dict[str, Any]]:
    items = _enabled(ctx, "serviceMonitor", _MONITOR_KEYS)
    services = enabled_services(ctx) if items else {}
    objects = []
    for identifier, item in items.items():
        path = join_path("serviceMonitor", identifier)
        name = resource_name(ctx, identifier, item, len(items), path)
        service = expect_mapping(item.get("service"), join_path(path, "service"))
        check_keys(service, ("name", "identifier"), join_path(path, "service"))
        selector = item.get("selector")
        service_name = ""
        if not go_empty(item.get("serviceName")):
            service_name = _templated(ctx, item["serviceName"], join_path(path, "serviceName"))
        elif not go_empty(service.get("name")):
            service_name = _templated(ctx, service["name"], join_path(path, "service.name"))
        elif not go_empty(service.get("identifier")) or (go_empty(selector) and len(services) == 1):
            wanted = service.get("identifier") or next(iter(services))
            if wanted not in services:
                refuse(join_path(path, "service.identifier"), "the chart fails: no such service")
            service_name = services[wanted].name
        elif go_empty(selector):
            refuse(path, "the chart fails: it cannot tell which Service to monitor")
        endpoints = item.get("endpoints")
        if go_empty(endpoints):
            refuse(join_path(path, "endpoints"), "the chart requires endpoints")
        spec: dict[str, Any] = {
            "jobLabel": name,
            "namespaceSelector": {"matchNames": [ctx.namespace]},
        }
        if not go_empty(selector):
            spec["selector"] = render_tree(
                expect_mapping(selector, join_path(path, "selector")),
                ctx.scope,
                join_path(path, "selector"),
            )
        else:
            spec["selector"] = {
                "matchLabels": {
                    "app.kubernetes.io/service": service_name,
                    "app.kubernetes.io/name": ctx.name,
                    "app.kubernetes.io/instance": ctx.release_name,
                }
            }
        spec["endpoints"] = render_tree(
            expect_list(endpoints, join_path(path, "endpoints")),
            ctx.scope,
            join_path(path, "endpoints"),
        )
        if not go_empty(item.get("targetLabels")):
            spec["targetLabels"] = item["targetLabels"]
        objects.append(
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": object_metadata(ctx, name, item, path),
                "spec": spec,
            }
        )
    return objects


def render_ingresses(ctx: RenderContext) -> list[dict[str, Any]]:
    items = _enabled(ctx, "ingress", _INGRESS_KEYS)
    services = enabled_services(ctx) if items else {}
    objects = []
    for identifier, item in items.items():
        path = join_path("ingress", identifier)
        spec: dict[str, Any] = {}
        if not go_empty(item.get("className")):
            spec["ingressClassName"] = expect_str(item["className"], join_path(path, "className"))
        tls_path = join_path(path, "tls")
        tls_entries = expect_list(item.get("tls"), tls_path)
        if tls_entries:
            spec["tls"] = [
                _tls(ctx, entry, join_path(tls_path, i)) for i, entry in enumerate(tls_entries)
            ]
        if not go_empty(item.get("defaultBackend")):
            spec["defaultBackend"] = item["defaultBackend"]
        else:
            hosts_path = join_path(path, "hosts")
            spec["rules"] = [
                _rule(ctx, host, services, join_path(hosts_path, i))
                for i, host in enumerate(expect_list(item.get("hosts"), hosts_path))
            ] or None
        objects.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": object_metadata(
                    ctx, resource_name(ctx, identifier, item, len(items), path), item, path
                ),
                "spec": spec,
            }
        )
    return objects


def _tls(ctx: RenderContext, raw: Any, path: str) -> dict[str, Any]:
    entry = expect_mapping(raw, path)
    check_keys(entry, ("hosts", "secretName"), path)
    hosts_path = join_path(path, "hosts")
    rendered: dict[str, Any] = {
        "hosts": [
            _templated(ctx, host, join_path(hosts_path, i))
            for i, host in enumerate(expect_list(entry.get("hosts"), hosts_path))
        ]
        or None
    }
    secret = entry.get("secretName")
    if not go_empty(secret):
        secret_name = _templated(ctx, secret, join_path(path, "secretName"))
        if secret_name:
            rendered["secretName"] = secret_name
    return rendered


def _rule(
    ctx: RenderContext, raw: Any, services: Mapping[str, ServiceInfo], path: str
) -> dict[str, Any]:
    host = expect_mapping(raw, path)
    check_keys(host, ("host", "paths"), path)
    paths_path = join_path(path, "paths")
    return {
        "host": _templated(ctx, host.get("host"), join_path(path, "host")),
        "http": {
            "paths": [
                _path(ctx, entry, services, join_path(paths_path, i))
                for i, entry in enumerate(expect_list(host.get("paths"), paths_path))
            ]
            or None
        },
    }


def _path(
    ctx: RenderContext, raw: Any, services: Mapping[str, ServiceInfo], path: str
) -> dict[str, Any]:
    entry = expect_mapping(raw, path)
    check_keys(entry, ("path", "pathType", "service"), path)
    service_path = join_path(path, "service")
    backend = expect_mapping(entry.get("service"), service_path)
    check_keys(backend, ("name", "identifier", "port"), service_path)
    identifier = backend.get("identifier")
    if go_empty(backend.get("name")) and go_empty(identifier):
        if len(services) != 1:
            refuse(service_path, "the chart fails: it cannot tell which Service to use")
        identifier = next(iter(services))
    service: ServiceInfo | None = None
    if not go_empty(backend.get("name")):
        name = _templated(ctx, backend["name"], join_path(service_path, "name"))
    else:
        identifier = expect_str(identifier, join_path(service_path, "identifier"))
        if identifier not in services:
            refuse(join_path(service_path, "identifier"), "the chart fails: no such service")
        service = services[identifier]
        name = service.name
    port: Any = backend.get("port")
    port_path = join_path(service_path, "port")
    if go_empty(port):
        port = 0
        if service is not None:
            port = printed_number(primary_port_exact(service)["port"], port_path)
    elif is_number(port):
        port = printed_number(port, port_path)
    else:
        port_name = expect_str(port, port_path)
        wanted = services.get(str(identifier)) if not go_empty(identifier) else None
        found = (wanted.values.get("ports") or {}).get(port_name) if wanted else None
        number = found.get("port") if isinstance(found, Mapping) else None
        port = None if number is None else printed_number(number, port_path)
    return {
        "path": _templated(ctx, entry.get("path"), join_path(path, "path")),
        "pathType": expect_str(entry.get("pathType") or "Prefix", join_path(path, "pathType")),
        "backend": {"service": {"name": name, "port": {"number": port}}},
    }
