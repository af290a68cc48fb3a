"""Built-in model of the bjw-s app-template chart (common library), offline.

`render_app_template` reproduces what app-template renders for the features
single-app releases use, object for object and in the chart's order
(ServiceAccounts, controllers, Services, HTTPRoutes), and raises RefusedError
naming the values key path for anything it cannot reproduce exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appt2dispatch.models import Rendered
from appt2dispatch.render.app_template.context import (
    ChartProfile,
    RenderContext,
    parse_profile,
)
from appt2dispatch.render.app_template.controllers import render_controllers
from appt2dispatch.render.app_template.naming import chart_name, fullname
from appt2dispatch.render.app_template.routes import render_routes
from appt2dispatch.render.app_template.serviceaccounts import (
    enabled_service_accounts,
    render_service_account,
)
from appt2dispatch.render.app_template.services import enabled_services, render_service
from appt2dispatch.render.app_template.values import (
    check_keys,
    expect_bool,
    expect_mapping,
    go_empty,
    join_path,
    refuse,
    to_plain,
)

__all__ = ["ChartProfile", "parse_profile", "render_app_template"]

_TOP_LEVEL = (
    "controllers",
    "service",
    "route",
    "persistence",
    "serviceAccount",
    "defaultPodOptions",
    "global",
    "nameOverride",
    "fullnameOverride",
)
# Sections the model does not render; accepted only when they configure nothing.
_EMPTY_ONLY = (
    "ingress",
    "configMaps",
    "secrets",
    "serviceMonitor",
    "networkpolicies",
    "rawResources",
    "rbac",
    "configMapsFromFolder",
    "secretsFromFolder",
    "podMonitor",
    "externalSecrets",
    "ciliumNetworkPolicies",
    "horizontalPodAutoscaler",
    "listenerSets",
    "podDisruptionBudget",
)
_ID = r"[^.\[\]]+"
_CONTAINER = rf"^controllers\.{_ID}\.(containers|initContainers)\.{_ID}\."
# Where the chart runs `tpl`. Affinity is templated in the 5.x sources but not in
# every 4.x version, so 4.x refuses templates there.
_TEMPLATED_4 = (
    rf"{_CONTAINER}env(\.|\[)",
    rf"{_CONTAINER}envFrom\[\d+\]\.(secret|configMap|secretRef\.name|configMapRef\.name)$",
    rf"{_CONTAINER}probes\.{_ID}\.(spec(\.|\[)|port$)",
    rf"^persistence\.{_ID}\.(name|existingClaim)$",
    rf"^(controllers|service|route|serviceAccount)\.{_ID}\.(forceRename|prefix|suffix)$",
    rf"^route\.{_ID}\.hostnames\[\d+\]$",
    rf"^route\.{_ID}\.rules\[\d+\]\.backendRefs\[\d+\]\.name$",
)
_TEMPLATED_5 = (
    *_TEMPLATED_4,
    rf"{_CONTAINER}image\.(repository|tag|digest)$",
    rf"^(controllers\.{_ID}\.pod|defaultPodOptions)\.affinity(\.|\[)",
)


# 4.1.1 exactly: sections it renders, and top-level keys its templates read at all.
_RENDERED_EXACT = (
    "ingress",
    "serviceMonitor",
    "configMaps",
    "secrets",
    "rbac",
    "networkpolicies",
    "rawResources",
)
_READ_EXACT = (
    *_TOP_LEVEL,
    *_RENDERED_EXACT,
    "defaultPodOptionsStrategy",
    "configMapsFromFolder",
    "networkpolicies",
    "rawResources",
    "rbac",
    "common",
)


# Sections whose entries 4.1.1 takes only when they are mappings (others render nothing).
_SKIPS_NON_MAPPINGS = (
    "controllers",
    "service",
    "route",
    "ingress",
    "serviceMonitor",
    "serviceAccount",
    "networkpolicies",
    "rawResources",
)


def render_app_template(
    values: Mapping[str, Any], *, release_name: str, namespace: str, version: str = "4.1.1"
) -> Rendered:
    """Render app-template `version` (4.x or 5.x) for `values`, or refuse by key path."""
    profile = parse_profile(version)
    plain = to_plain(values) if values is not None else {}
    if not isinstance(plain, dict):
        refuse("spec.values", "values must be a mapping")
    notes: tuple[str, ...] = ()
    if profile.exact:
        plain, notes = _check_top_level_exact(plain)
    else:
        _check_top_level(plain, profile)
        _check_templated_strings(plain, profile)
    name = chart_name(plain, release_name)
    ctx = RenderContext(
        values=plain,
        release_name=release_name,
        namespace=namespace,
        profile=profile,
        name=name,
        fullname=fullname(plain, release_name, name),
    )
    if profile.exact:
        objects = _render_exact(ctx)
    else:
        objects = [
            render_service_account(ctx, account)
            for account in enabled_service_accounts(ctx).values()
        ]
        objects.extend(render_controllers(ctx))
        objects.extend(render_service(ctx, service) for service in enabled_services(ctx).values())
        objects.extend(render_routes(ctx))
    if profile.chart_version != profile.modelled:
        notes = (
            *notes,
            f"app-template {profile.chart_version} is rendered by the built-in model of "
            f"{profile.modelled}",
        )
    return Rendered(
        objects=tuple(objects),
        renderer=f"built-in app-template model ({profile.label})",
        chart=f"app-template {profile.chart_version}",
        notes=notes,
    )


def _render_exact(ctx: RenderContext) -> list[dict[str, Any]]:
    """Every object 4.1.1 renders, grouped by kind in the chart's order."""
    from appt2dispatch.render.app_template.claims import render_claims
    from appt2dispatch.render.app_template.configs import render_config_maps, render_secrets
    from appt2dispatch.render.app_template.extras import (
        render_network_policies,
        render_raw_resources,
    )
    from appt2dispatch.render.app_template.monitoring import (
        render_ingresses,
        render_service_monitors,
    )
    from appt2dispatch.render.app_template.rbac import render_rbac

    objects: list[dict[str, Any]] = list(render_claims(ctx))
    objects.extend(
        render_service_account(ctx, account) for account in enabled_service_accounts(ctx).values()
    )
    objects.extend(render_config_maps(ctx))
    objects.extend(render_controllers(ctx))
    objects.extend(render_service(ctx, service) for service in enabled_services(ctx).values())
    objects.extend(render_ingresses(ctx))
    objects.extend(render_service_monitors(ctx))
    objects.extend(render_routes(ctx))
    objects.extend(render_secrets(ctx))
    objects.extend(render_network_policies(ctx))
    objects.extend(render_raw_resources(ctx))
    objects.extend(render_rbac(ctx))
    return objects


def _check_top_level_exact(values: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """4.1.1: keys its templates never read are dropped with a note (they render nothing)."""
    ignored = sorted(str(key) for key in values if key not in _READ_EXACT)
    kept = {key: value for key, value in values.items() if key in _READ_EXACT}
    if not go_empty(kept.get("common")):
        refuse("common", "values under `common` replace the library defaults; not modelled")
    from_folder = expect_mapping(kept.get("configMapsFromFolder"), "configMapsFromFolder")
    if from_folder.get("enabled"):
        refuse("configMapsFromFolder.enabled", "files of the chart folder are not available")
    strategy = kept.get("defaultPodOptionsStrategy", "overwrite")
    if strategy not in ("overwrite", None, ""):
        refuse("defaultPodOptionsStrategy", "only the overwrite strategy is modelled")
    global_values = expect_mapping(kept.get("global"), "global")
    check_keys(
        global_values,
        (
            "nameOverride",
            "fullnameOverride",
            "labels",
            "annotations",
            "propagateGlobalMetadataToPods",
            "alwaysAppendIdentifierToResourceName",
        ),
        "global",
    )
    for key in ("propagateGlobalMetadataToPods", "alwaysAppendIdentifierToResourceName"):
        if not go_empty(global_values.get(key)):
            refuse(join_path("global", key), "only the default (false) is modelled")
    for key in (*_TOP_LEVEL, *_RENDERED_EXACT):
        if key not in ("global", "nameOverride", "fullnameOverride"):
            expect_mapping(kept.get(key), key)
    notes = [
        f"`{key}` is not read by app-template 4.1.1 (it renders nothing for it); ignored"
        for key in ignored
    ]
    for key in _SKIPS_NON_MAPPINGS:
        section = kept.get(key)
        if not isinstance(section, dict):
            continue
        skipped = [item for item, value in section.items() if not isinstance(value, dict)]
        if skipped:
            kept[key] = {item: value for item, value in section.items() if item not in skipped}
            notes.extend(
                f"`{join_path(key, item)}` is not a mapping: app-template 4.1.1 skips it; ignored"
                for item in skipped
            )
    return kept, tuple(notes)


def _check_top_level(values: dict[str, Any], profile: ChartProfile) -> None:
    allowed: tuple[str, ...] = (*_TOP_LEVEL, *_EMPTY_ONLY)
    if profile.is_v5:
        allowed = (*allowed, "defaultPodOptionsStrategy")
    check_keys(values, allowed, "")
    for key in _EMPTY_ONLY:
        if not go_empty(values.get(key)):
            refuse(key, "this section is outside the built-in model")
    strategy = values.get("defaultPodOptionsStrategy", "overwrite")
    if strategy != "overwrite":
        refuse("defaultPodOptionsStrategy", "only the overwrite strategy is modelled")
    global_values = expect_mapping(values.get("global"), "global")
    global_keys = ["nameOverride", "fullnameOverride", "labels", "annotations"]
    if profile.is_v5:
        global_keys += [
            "createDefaultServiceAccount",
            "alwaysAppendIdentifierToResourceName",
            "propagateGlobalMetadataToPods",
        ]
    check_keys(global_values, global_keys, "global")
    for key in ("labels", "annotations"):
        if not go_empty(global_values.get(key)):
            refuse(join_path("global", key), "global metadata is outside the built-in model")
    for key in ("alwaysAppendIdentifierToResourceName", "propagateGlobalMetadataToPods"):
        if key in global_values and expect_bool(global_values[key], join_path("global", key)):
            refuse(join_path("global", key), "only the default (false) is modelled")
    for key in (
        "controllers",
        "service",
        "route",
        "persistence",
        "serviceAccount",
        "defaultPodOptions",
    ):
        expect_mapping(values.get(key), key)


def _check_templated_strings(values: Any, profile: ChartProfile) -> None:
    """Strings with `{{` are evaluated only where the chart runs `tpl`; elsewhere refuse."""
    patterns = [re.compile(p) for p in (_TEMPLATED_5 if profile.is_v5 else _TEMPLATED_4)]

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                child = join_path(path, key)
                if isinstance(key, str) and "{{" in key:
                    refuse(child, "templated keys are outside the built-in model")
                walk(item, child)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, join_path(path, index))
        elif (
            isinstance(node, str)
            and "{{" in node
            and not any(pattern.search(path) for pattern in patterns)
        ):
            refuse(path, "the chart does not template this value in the modelled version")

    walk(values, "")
