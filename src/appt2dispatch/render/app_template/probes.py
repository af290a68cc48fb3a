"""Container probes: custom specs verbatim, or the chart's generated default probe.

A probe renders only when `enabled: true`. With `custom: true` the `spec` is
rendered through `tpl` and used as is. Otherwise the chart builds one: timings
`initialDelaySeconds 0, failureThreshold 3, timeoutSeconds 1, periodSeconds 10`
unless `spec` overrides them, a `tcpSocket` (or `httpGet` for type HTTP/HTTPS)
on `port`, else on the primary port (targetPort first) of the controller's
primary Service. Without a Service the versions disagree (dropped, rejected or
port-less), so the model refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.services import (
    primary_port,
    primary_port_exact,
    primary_service_for,
)
from appt2dispatch.render.app_template.tpl import render_tpl, render_tree
from appt2dispatch.render.app_template.values import (
    check_keys,
    expect_bool,
    expect_mapping,
    expect_str,
    go_empty,
    is_number,
    join_path,
    printed_number,
    refuse,
)

_PROBES = ("liveness", "readiness", "startup")
_PROBE_KEYS = ("enabled", "custom", "spec", "type", "port", "path")
_TIMINGS = {
    "initialDelaySeconds": 0,
    "failureThreshold": 3,
    "timeoutSeconds": 1,
    "periodSeconds": 10,
}


def container_probes(
    ctx: RenderContext, controller_id: str, container: Mapping[str, Any], container_path: str
) -> dict[str, Any]:
    path = join_path(container_path, "probes")
    probes = expect_mapping(container.get("probes"), path)
    check_keys(probes, _PROBES, path)
    rendered: dict[str, Any] = {}
    for name in sorted(probes):
        probe_path = join_path(path, name)
        probe = expect_mapping(probes[name], probe_path)
        check_keys(
            probe, (*_PROBE_KEYS, "service") if ctx.profile.exact else _PROBE_KEYS, probe_path
        )
        if "enabled" not in probe or not expect_bool(
            probe["enabled"], join_path(probe_path, "enabled")
        ):
            continue
        if probe.get("custom"):
            spec = expect_mapping(probe.get("spec"), join_path(probe_path, "spec"))
            if spec:
                rendered[f"{name}Probe"] = render_tree(
                    spec, ctx.scope, join_path(probe_path, "spec")
                )
            continue
        generated = _default_probe(ctx, controller_id, probe, probe_path)
        if generated:
            rendered[f"{name}Probe"] = generated
    return rendered


def _default_probe(
    ctx: RenderContext, controller_id: str, probe: Mapping[str, Any], path: str
) -> dict[str, Any]:
    spec_path = join_path(path, "spec")
    spec = expect_mapping(probe.get("spec"), spec_path)
    service = primary_service_for(ctx, controller_id, path)
    port_values: Mapping[str, Any] = {}
    if service is not None:
        port_values = (
            primary_port_exact(service) if ctx.profile.exact else primary_port(service, path)
        )
    elif ctx.profile.exact:
        return {}  # 4.1.1 drops a generated probe when the controller has no Service
    else:
        # 4.x versions drop or reject it, later ones render a port-less probe.
        refuse(
            path,
            "a generated probe for a controller without a Service differs across chart versions",
        )
    definition: dict[str, Any] = {}
    for key, default in _TIMINGS.items():
        value = spec.get(key)
        if value is None:
            definition[key] = default
        elif is_number(value) and float(value).is_integer():
            definition[key] = int(value)
        else:
            refuse(join_path(spec_path, key), "a whole number is expected")
    probe_type = probe.get("type") or "TCP"
    probe_type = expect_str(probe_type, join_path(path, "type"))
    if probe_type == "AUTO":
        probe_type = expect_str(port_values.get("protocol") or "TCP", join_path(path, "type"))
    if probe_type in ("HTTP", "HTTPS"):
        probe_path_value = probe.get("path")
        if not isinstance(probe_path_value, str) or not probe_path_value:
            refuse(join_path(path, "path"), "an HTTP probe needs a path")
        handler: dict[str, Any] = {"path": probe_path_value, "scheme": probe_type}
        header = "httpGet"
    elif probe_type == "GRPC" and ctx.profile.exact:
        handler = {}
        if not go_empty(probe.get("service")):
            handler["service"] = expect_str(probe["service"], join_path(path, "service"))
        header = "grpc"
    elif probe_type in ("TCP", "UDP") or ctx.profile.exact:
        handler = {}
        header = "tcpSocket"
    else:
        refuse(join_path(path, "type"), f"probe type {probe_type!r} is outside the built-in model")
    handler["port"] = _probe_port(ctx, probe, port_values, path)
    definition[header] = handler
    return definition


def _probe_port(
    ctx: RenderContext, probe: Mapping[str, Any], port_values: Mapping[str, Any], path: str
) -> int | float | str:
    port = probe.get("port")
    if port:
        if is_number(port):
            return printed_number(port, join_path(path, "port"))
        return render_tpl(
            expect_str(port, join_path(path, "port")), ctx.scope, join_path(path, "port")
        )
    target = port_values.get("targetPort")
    if target:
        if is_number(target):
            return printed_number(target, join_path(path, "port"))
        return expect_str(target, join_path(path, "port"))
    if port_values.get("port"):
        return printed_number(port_values["port"], join_path(path, "port"))
    refuse(join_path(path, "port"), "the generated probe would have no port")
