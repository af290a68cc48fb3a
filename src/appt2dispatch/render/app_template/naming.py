"""Resource names and the labels app-template puts on every object.

app-template sets `global.nameOverride` to the release name unless the values set
it, so the chart "name" is the release name and a top-level `nameOverride` has no
effect. The fullname is `fullnameOverride` (global first), else the release name
when it contains the name, else `<release>-<name>`. Each resource is then named
from the fullname: `forceRename`, else `[prefix-]fullname[-identifier][-suffix]`
where the identifier is appended only when several items of that kind are enabled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.tpl import render_tpl
from appt2dispatch.render.app_template.values import (
    expect_mapping,
    expect_str,
    join_path,
    refuse,
)

RESERVED_LABELS = (
    "app.kubernetes.io/controller",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "app.kubernetes.io/service",
    "helm.sh/chart",
)
NAMING_KEYS = ("forceRename", "prefix", "suffix")


def _trunc_trim(text: str) -> str:
    """Sprig `trunc 63 | trimSuffix "-"` (byte-wise; names are ASCII here)."""
    text = text[:63]
    return text[:-1] if text.endswith("-") else text


def _ascii(text: str, path: str) -> str:
    if not text.isascii():
        refuse(path, "non-ASCII names are outside the built-in model")
    return text


def chart_name(values: Mapping[str, Any], release_name: str) -> str:
    """`app.kubernetes.io/name`: `global.nameOverride`, else the release name."""
    global_values = expect_mapping(values.get("global"), "global")
    override = global_values.get("nameOverride")
    if override is None or override == "":
        return _trunc_trim(_ascii(release_name, "metadata.name"))
    return _trunc_trim(_ascii(expect_str(override, "global.nameOverride"), "global.nameOverride"))


def fullname(values: Mapping[str, Any], release_name: str, name: str) -> str:
    global_values = expect_mapping(values.get("global"), "global")
    override = global_values.get("fullnameOverride") or values.get("fullnameOverride")
    if override:
        where = (
            "global.fullnameOverride"
            if global_values.get("fullnameOverride")
            else ("fullnameOverride")
        )
        result = _ascii(expect_str(override, where), where)
    elif name in release_name:
        result = release_name
    else:
        result = f"{release_name}-{name}"
    return _trunc_trim(result)


def resource_name(
    ctx: RenderContext, identifier: str, item: Mapping[str, Any], item_count: int, path: str
) -> str:
    """The name of one item (controller, service, route, service account)."""
    force = item.get("forceRename")
    prefix = item.get("prefix")
    suffix = item.get("suffix")
    if force and (prefix or suffix) and not ctx.profile.exact:
        refuse(path, "forceRename together with prefix/suffix behaves differently across 4.x")
    if force:
        name = render_tpl(
            expect_str(force, join_path(path, "forceRename")),
            ctx.scope,
            join_path(path, "forceRename"),
        )
        return _ascii(name, join_path(path, "forceRename")).lower()
    name = ctx.fullname
    if prefix:
        rendered = render_tpl(
            expect_str(prefix, join_path(path, "prefix")), ctx.scope, join_path(path, "prefix")
        )
        if rendered != name:
            name = f"{rendered}-{name}"
    if item_count > 1 and not name.endswith(f"-{identifier}"):
        if identifier == name and ctx.profile.exact:
            pass  # 4.1.1 keeps the name as it is
        elif identifier == name:
            refuse(
                path,
                "an identifier equal to the release name is named differently across "
                "chart versions when several items are enabled",
            )
        else:
            name = f"{name}-{identifier}"
    if suffix:
        rendered = render_tpl(
            expect_str(suffix, join_path(path, "suffix")), ctx.scope, join_path(path, "suffix")
        )
        if not name.endswith(f"-{rendered}"):
            name = f"{name}-{rendered}"
    return _ascii(name, path).lower()


def all_labels(ctx: RenderContext) -> dict[str, str]:
    """The labels every generated object carries (global labels are refused upstream)."""
    return {
        "app.kubernetes.io/instance": ctx.release_name,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": ctx.name,
        "helm.sh/chart": f"app-template-{ctx.profile.chart_version}".replace("+", "_")[:63],
    }


def selector_labels(ctx: RenderContext, controller_id: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/controller": controller_id,
        "app.kubernetes.io/instance": ctx.release_name,
        "app.kubernetes.io/name": ctx.name,
    }


def object_metadata(
    ctx: RenderContext,
    name: str,
    values: Mapping[str, Any],
    path: str,
    extra_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`metadata` as the chart writes it: name, labels, annotations (if any), namespace.

    Key order matters for identical output: the chart emits them in this order.
    """
    mode = "tpl" if ctx.profile.exact else "refuse"
    labels = {
        **all_labels(ctx),
        **_global_metadata(ctx, "labels"),
        **user_metadata(
            values.get("labels"), join_path(path, "labels"), labels=True, mode=mode, ctx=ctx
        ),
        **(extra_labels or {}),
    }
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    annotations = {
        **_global_metadata(ctx, "annotations"),
        **user_metadata(
            values.get("annotations"),
            join_path(path, "annotations"),
            labels=False,
            mode=mode,
            ctx=ctx,
        ),
    }
    if annotations:
        metadata["annotations"] = annotations
    metadata["namespace"] = ctx.namespace
    return metadata


def _global_metadata(ctx: RenderContext, key: str) -> dict[str, str]:
    """`global.labels` / `global.annotations` (4.1.1: templated, on every object but pods)."""
    if not ctx.profile.exact:
        return {}  # refused upstream for the other versions
    global_values = expect_mapping(ctx.values.get("global"), "global")
    return user_metadata(
        global_values.get(key), join_path("global", key), labels=False, mode="tpl", ctx=ctx
    )


def user_metadata(
    value: Any, path: str, *, labels: bool, mode: str = "refuse", ctx: RenderContext | None = None
) -> dict[str, str]:
    """User labels/annotations, plain strings.

    `mode` says what the chart does with `{{` in them: "refuse" (versions differ),
    "tpl" (4.1.1 object metadata: evaluated, chart labels may be overridden) or
    "literal" (4.1.1 pod metadata: copied as written).
    """
    mapping = expect_mapping(value, path)
    result: dict[str, str] = {}
    for key, item in mapping.items():
        item_path = join_path(path, key)
        if "{{" in key:
            refuse(item_path, "templated metadata keys are outside the built-in model")
        text = expect_str(item, item_path)
        if mode == "tpl" and ctx is not None:
            text = render_tpl(text, ctx.scope, item_path)
        elif "{{" in text and mode == "refuse":
            refuse(item_path, "templated metadata values differ between chart versions")
        if labels and key in RESERVED_LABELS and mode == "refuse":
            refuse(
                item_path,
                "overriding a chart-managed label is resolved differently across chart versions",
            )
        result[key] = text
    return result
