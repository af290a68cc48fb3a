"""`networkpolicies` and `rawResources` as app-template 4.1.1 renders them.

NetworkPolicies select the pods of `controller` (plus `extraSelectorLabels`) unless a
`podSelector` is given; `policyTypes` are required; `rules.ingress`/`rules.egress` are
templated. A raw resource is `apiVersion`, `kind`, the chart's metadata (no
namespace) and the keys of its `spec` at the top level of the object, templated.
"""

from __future__ import annotations

import re
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import (
    NAMING_KEYS,
    object_metadata,
    resource_name,
    selector_labels,
    user_metadata,
)
from appt2dispatch.render.app_template.tpl import render_tree
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled_section,
    expect_list,
    expect_mapping,
    expect_str,
    go_empty,
    join_path,
    refuse,
)

_POLICY_KEYS = (
    "enabled",
    "controller",
    "podSelector",
    "extraSelectorLabels",
    "policyTypes",
    "rules",
    "labels",
    "annotations",
    *NAMING_KEYS,
)
_RAW_KEYS = ("enabled", "apiVersion", "kind", "spec", "labels", "annotations", *NAMING_KEYS)
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9./-]*")


def _enabled(ctx: RenderContext, key: str, allowed: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return enabled_section(ctx.values.get(key), key, allowed)


def render_network_policies(ctx: RenderContext) -> list[dict[str, Any]]:
    items = _enabled(ctx, "networkpolicies", _POLICY_KEYS)
    objects = []
    for identifier, item in items.items():
        path = join_path("networkpolicies", identifier)
        if "podSelector" in item:
            pod_selector = item["podSelector"]
        else:
            controller = item.get("controller")
            if go_empty(controller):
                refuse(
                    join_path(path, "controller"), "the chart requires controller or podSelector"
                )
            pod_selector = {
                "matchLabels": {
                    **user_metadata(
                        item.get("extraSelectorLabels"),
                        join_path(path, "extraSelectorLabels"),
                        labels=True,
                        mode="literal",
                    ),
                    **selector_labels(ctx, expect_str(controller, join_path(path, "controller"))),
                }
            }
        types_path = join_path(path, "policyTypes")
        policy_types = expect_list(item.get("policyTypes"), types_path)
        if not policy_types:
            refuse(types_path, "the chart requires policyTypes")
        for index, policy_type in enumerate(policy_types):
            if policy_type not in ("Ingress", "Egress"):
                refuse(join_path(types_path, index), "the chart fails on this policy type")
        spec: dict[str, Any] = {"podSelector": pod_selector, "policyTypes": policy_types}
        rules_path = join_path(path, "rules")
        if item.get("rules") is None:
            refuse(rules_path, "the chart fails without rules (an empty mapping will do)")
        rules = expect_mapping(item.get("rules"), rules_path)
        check_keys(rules, ("ingress", "egress"), rules_path)
        for key in ("ingress", "egress"):
            if not go_empty(rules.get(key)):
                spec[key] = render_tree(rules[key], ctx.scope, join_path(rules_path, key))
        objects.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": object_metadata(
                    ctx, resource_name(ctx, identifier, item, len(items), path), item, path
                ),
                "spec": spec,
            }
        )
    return objects


def render_raw_resources(ctx: RenderContext) -> list[dict[str, Any]]:
    items = _enabled(ctx, "rawResources", _RAW_KEYS)
    objects = []
    for identifier, item in items.items():
        path = join_path("rawResources", identifier)
        obj: dict[str, Any] = {}
        for key in ("apiVersion", "kind"):
            text = expect_str(item.get(key), join_path(path, key))
            if not _PLAIN.fullmatch(text) or text.lower() in ("true", "false", "null"):
                refuse(join_path(path, key), "only plain values are modelled (printed as written)")
            obj[key] = text
        metadata = object_metadata(
            ctx, resource_name(ctx, identifier, item, len(items), path), item, path
        )
        del metadata["namespace"]  # the chart writes none for raw resources
        obj["metadata"] = metadata
        spec_path = join_path(path, "spec")
        body = expect_mapping(item.get("spec"), spec_path)
        for key in body:
            if key in ("apiVersion", "kind", "metadata"):
                refuse(join_path(spec_path, key), "it would collide with the chart's own key")
        obj.update(render_tree(body, ctx.scope, spec_path))
        objects.append(obj)
    return objects
