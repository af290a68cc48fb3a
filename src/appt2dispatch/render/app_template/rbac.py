"""`rbac.roles` and `rbac.bindings` as app-template 4.1.1 renders them.

Roles need a `type` (Role or ClusterRole) and rules; only a Role carries the
namespace. A binding's subjects are ServiceAccounts by `identifier` (the chart's
own account name in the release namespace) or given as name/kind/namespace,
duplicates dropped; its roleRef names a role by `identifier` or `name`/`kind`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import NAMING_KEYS, object_metadata, resource_name
from appt2dispatch.render.app_template.serviceaccounts import enabled_service_accounts
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

_API = "rbac.authorization.k8s.io/v1"
_YAML_WORDS = ("true", "false", "yes", "no", "on", "off", "null", "y", "n")
_PLAIN = re.compile(r"[a-z][a-z0-9.-]*[a-z0-9]|[A-Z][A-Za-z]*")


def _items(ctx: RenderContext, key: str, allowed: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    rbac = expect_mapping(ctx.values.get("rbac"), "rbac")
    check_keys(rbac, ("roles", "bindings"), "rbac")
    return enabled_section(rbac.get(key), join_path("rbac", key), allowed, skip_non_mappings=True)


def _roles(ctx: RenderContext) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """identifier -> (name, kind, values) of the enabled roles."""
    items = _items(
        ctx, "roles", ("enabled", "type", "rules", "labels", "annotations", *NAMING_KEYS)
    )
    roles = {}
    for identifier, item in items.items():
        path = join_path("rbac.roles", identifier)
        kind = expect_str(item.get("type"), join_path(path, "type"))
        if kind not in ("Role", "ClusterRole"):
            refuse(join_path(path, "type"), "only Role and ClusterRole are modelled")
        roles[identifier] = (resource_name(ctx, identifier, item, len(items), path), kind, item)
    return roles


def render_rbac(ctx: RenderContext) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    roles = _roles(ctx)
    for identifier, (name, kind, item) in roles.items():
        path = join_path("rbac.roles", identifier)
        rules = item.get("rules")
        if go_empty(rules):
            refuse(join_path(path, "rules"), "the chart fails on a role without rules")
        metadata = object_metadata(ctx, name, item, path)
        if kind != "Role":
            del metadata["namespace"]
        objects.append(
            {
                "apiVersion": _API,
                "kind": kind,
                "metadata": metadata,
                "rules": render_tree(
                    expect_list(rules, join_path(path, "rules")),
                    ctx.scope,
                    join_path(path, "rules"),
                ),
            }
        )
    bindings = _items(
        ctx,
        "bindings",
        ("enabled", "type", "roleRef", "subjects", "labels", "annotations", *NAMING_KEYS),
    )
    for identifier, item in bindings.items():
        path = join_path("rbac.bindings", identifier)
        kind = expect_str(item.get("type"), join_path(path, "type"))
        if kind not in ("RoleBinding", "ClusterRoleBinding"):
            refuse(join_path(path, "type"), "only RoleBinding and ClusterRoleBinding are modelled")
        metadata = object_metadata(
            ctx, resource_name(ctx, identifier, item, len(bindings), path), item, path
        )
        if kind != "RoleBinding":
            del metadata["namespace"]
        binding: dict[str, Any] = {
            "apiVersion": _API,
            "kind": kind,
            "metadata": metadata,
            "roleRef": {**_role_ref(item, roles, path), "apiGroup": "rbac.authorization.k8s.io"},
        }
        subjects = _subjects(ctx, item, path)
        if subjects:
            binding["subjects"] = subjects
        objects.append(binding)
    return objects


def _role_ref(
    item: Mapping[str, Any], roles: Mapping[str, tuple[str, str, Any]], path: str
) -> dict[str, Any]:
    ref_path = join_path(path, "roleRef")
    ref = expect_mapping(item.get("roleRef"), ref_path)
    check_keys(ref, ("identifier", "name", "kind"), ref_path)
    if "identifier" in ref:
        if ref["identifier"] not in roles:
            refuse(join_path(ref_path, "identifier"), "no enabled role with that identifier")
        name, kind, _ = roles[ref["identifier"]]
        return {"kind": kind, "name": name}
    result = {}
    for key in ("kind", "name"):
        text = expect_str(ref.get(key), join_path(ref_path, key))
        if not _PLAIN.fullmatch(text) or text.lower() in _YAML_WORDS:
            # Printed as written: anything else breaks or changes the YAML.
            refuse(join_path(ref_path, key), "only plain names are modelled here")
        result[key] = text
    return result


def _subjects(ctx: RenderContext, item: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
    subjects_path = join_path(path, "subjects")
    accounts = enabled_service_accounts(ctx)
    result: list[dict[str, Any]] = []
    for index, raw in enumerate(expect_list(item.get("subjects"), subjects_path)):
        subject_path = join_path(subjects_path, index)
        subject = expect_mapping(raw, subject_path)
        # Other keys are not read by the chart.
        if "identifier" in subject:
            if subject["identifier"] not in accounts:
                refuse(join_path(subject_path, "identifier"), "no enabled ServiceAccount")
            entry: dict[str, Any] = {
                "name": accounts[subject["identifier"]].name,
                "kind": "ServiceAccount",
                "namespace": ctx.namespace,
            }
        else:
            entry = {
                key: expect_str(subject.get(key), join_path(subject_path, key))
                for key in ("name", "kind")
            }
            namespace = subject.get("namespace")
            entry["namespace"] = (
                None
                if namespace is None
                else expect_str(namespace, join_path(subject_path, "namespace"))
            )
        if entry not in result:
            result.append(entry)
    return render_tree(result, ctx.scope, subjects_path) if result else []
