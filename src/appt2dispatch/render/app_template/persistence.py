"""`persistence.*`: pod volumes and container volumeMounts.

Items are enabled by default and processed in identifier order. A pod gets an
item's volume when the item has `globalMounts`, has `advancedMounts` for that
controller, or has neither. A container mounts an item at every `globalMounts`
entry plus its `advancedMounts.<controller>.<container>` entries, or at the
default path (`/<identifier>`, or the host path for hostPath) when the item
configures no mounts at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.tpl import has_template, render_tpl
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled,
    expect_bool,
    expect_list,
    expect_mapping,
    expect_str,
    go_empty,
    join_path,
    refuse,
)

_COMMON_KEYS = ("enabled", "type", "globalMounts", "advancedMounts")
# What a chart-created claim may configure (4.1.1 only).
CLAIM_KEYS = (
    "accessMode",
    "size",
    "storageClass",
    "volumeName",
    "dataSource",
    "dataSourceRef",
    "retain",
    "labels",
    "annotations",
    "forceRename",
    "prefix",
    "suffix",
)
_TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "persistentVolumeClaim": ("existingClaim",),
    "configMap": ("name", "defaultMode", "items"),
    "secret": ("name", "defaultMode", "items"),
    "emptyDir": ("medium", "sizeLimit"),
    "hostPath": ("hostPath", "hostPathType"),
    "nfs": ("server", "path"),
    "custom": ("volumeSpec",),
}
_MOUNT_KEYS = ("path", "subPath", "readOnly")
_MOUNT_KEYS_EXACT = (*_MOUNT_KEYS, "subPathExpr", "mountPropagation")


def enabled_items(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """Validated, enabled persistence items in identifier order."""
    section = expect_mapping(ctx.values.get("persistence"), "persistence")
    items: dict[str, dict[str, Any]] = {}
    for identifier in sorted(section):
        path = join_path("persistence", identifier)
        item = expect_mapping(section[identifier], path)
        if not enabled(item, path):
            if ctx.profile.exact:
                _validate_advanced(ctx, item, path)
                continue
            if item.get("advancedMounts") and not ctx.profile.is_v5:
                refuse(
                    join_path(path, "advancedMounts"),
                    "4.1.1 validates advancedMounts of disabled items",
                )
            continue
        _validate_item(ctx, identifier, item, path)
        items[identifier] = item
    return items


def _item_type(item: Mapping[str, Any], path: str) -> str:
    kind = item.get("type", "persistentVolumeClaim")
    kind = expect_str(kind, join_path(path, "type"))
    if kind not in _TYPE_KEYS:
        refuse(join_path(path, "type"), f"persistence type {kind!r} is outside the built-in model")
    return kind


def _validate_item(ctx: RenderContext, identifier: str, item: dict[str, Any], path: str) -> None:
    kind = _item_type(item, path)
    if ctx.profile.exact:
        _validate_item_exact(ctx, kind, item, path)
        return
    check_keys(item, (*_COMMON_KEYS, *_TYPE_KEYS[kind]), path)
    if kind == "persistentVolumeClaim":
        claim = item.get("existingClaim")
        if go_empty(claim):
            refuse(path, "the chart would create a PersistentVolumeClaim for it")
        claim = expect_str(claim, join_path(path, "existingClaim"))
        if has_template(claim) and not ctx.profile.is_v5:
            refuse(join_path(path, "existingClaim"), "4.1.1 does not template existingClaim")
    if kind in ("configMap", "secret") and go_empty(item.get("name")):
        refuse(
            join_path(path, "name"),
            "a name is required (identifier references are outside the built-in model)",
        )
    if kind == "hostPath" and go_empty(item.get("hostPath")):
        refuse(join_path(path, "hostPath"), "hostPath is required")
    if kind == "nfs" and (go_empty(item.get("server")) or go_empty(item.get("path"))):
        refuse(path, "nfs needs server and path")
    if kind == "custom" and not isinstance(item.get("volumeSpec"), Mapping):
        refuse(join_path(path, "volumeSpec"), "a volumeSpec mapping is required")
    for index, mount in enumerate(
        expect_list(item.get("globalMounts"), join_path(path, "globalMounts"))
    ):
        _validate_mount(mount, join_path(join_path(path, "globalMounts"), index))
    _validate_advanced(ctx, item, path)


def _validate_item_exact(ctx: RenderContext, kind: str, item: dict[str, Any], path: str) -> None:
    """4.1.1: what the chart reads per type; anything it would fail on is refused."""
    extra: tuple[str, ...] = _TYPE_KEYS[kind]
    if kind == "persistentVolumeClaim":
        extra = (*extra, *CLAIM_KEYS)
    if kind in ("configMap", "secret"):
        extra = (*extra, "identifier")
    check_keys(item, (*_COMMON_KEYS, *extra), path)
    if kind == "persistentVolumeClaim" and go_empty(item.get("existingClaim")):
        for key in ("accessMode", "size"):
            if go_empty(item.get(key)):
                refuse(join_path(path, key), "the chart requires it for a PersistentVolumeClaim")
    if kind == "persistentVolumeClaim" and not go_empty(item.get("existingClaim")):
        expect_str(item["existingClaim"], join_path(path, "existingClaim"))
    if kind in ("configMap", "secret") and go_empty(item.get("name")):
        if go_empty(item.get("identifier")):
            refuse(join_path(path, "name"), "a volume without a name")
        identifier = expect_str(item["identifier"], join_path(path, "identifier"))
        if identifier not in _chart_objects(ctx, kind):
            refuse(join_path(path, "identifier"), f"the chart fails: no {kind} {identifier!r}")
    if kind == "hostPath" and go_empty(item.get("hostPath")):
        refuse(join_path(path, "hostPath"), "the chart requires hostPath")
    if kind == "nfs" and (go_empty(item.get("server")) or go_empty(item.get("path"))):
        refuse(path, "the chart requires nfs server and path")
    if kind == "custom" and (
        not isinstance(item.get("volumeSpec"), Mapping) or not item["volumeSpec"]
    ):
        refuse(join_path(path, "volumeSpec"), "a volumeSpec mapping is required")
    for index, mount in enumerate(
        expect_list(item.get("globalMounts"), join_path(path, "globalMounts"))
    ):
        _validate_mount_exact(mount, join_path(join_path(path, "globalMounts"), index))
    _validate_advanced(ctx, item, path)


def _chart_objects(ctx: RenderContext, kind: str) -> dict[str, str]:
    from appt2dispatch.render.app_template.configs import enabled_config_names

    return enabled_config_names(ctx, "configMaps" if kind == "configMap" else "secrets")


def _validate_mount_exact(mount: Any, path: str) -> None:
    entry = expect_mapping(mount, path)
    check_keys(entry, _MOUNT_KEYS_EXACT, path)
    for key in ("path", "subPath", "subPathExpr", "mountPropagation"):
        if not go_empty(entry.get(key)):
            expect_str(entry[key], join_path(path, key))
    if not go_empty(entry.get("readOnly")):
        expect_bool(entry["readOnly"], join_path(path, "readOnly"))


def _validate_advanced(ctx: RenderContext, item: dict[str, Any], path: str) -> None:
    advanced_path = join_path(path, "advancedMounts")
    advanced = expect_mapping(item.get("advancedMounts"), advanced_path)
    controllers = expect_mapping(ctx.values.get("controllers"), "controllers")
    for controller_id, per_container in advanced.items():
        controller_path = join_path(advanced_path, controller_id)
        controller = controllers.get(controller_id)
        if not isinstance(controller, Mapping):
            refuse(controller_path, "no such controller")
        containers = {
            **expect_mapping(controller.get("containers"), ""),
            **expect_mapping(controller.get("initContainers"), ""),
        }
        if ctx.profile.exact and controller.get("enabled", True) is not True:
            refuse(controller_path, "the chart fails on mounts for a disabled controller")
        for container_id, mounts in expect_mapping(per_container, controller_path).items():
            container_path = join_path(controller_path, container_id)
            if container_id not in containers and not ctx.profile.exact:
                refuse(container_path, "no such container in that controller")
            for index, mount in enumerate(expect_list(mounts, container_path)):
                if ctx.profile.exact:
                    _validate_mount_exact(mount, join_path(container_path, index))
                else:
                    _validate_mount(mount, join_path(container_path, index))


def _validate_mount(mount: Any, path: str) -> None:
    entry = expect_mapping(mount, path)
    check_keys(entry, _MOUNT_KEYS, path)
    for key in ("path", "subPath"):
        if key in entry:
            text = expect_str(entry[key], join_path(path, key))
            if has_template(text):
                refuse(join_path(path, key), "templated mount paths differ between chart versions")
    if "readOnly" in entry and not expect_bool(entry["readOnly"], join_path(path, "readOnly")):
        refuse(join_path(path, "readOnly"), "an explicit false is dropped by some versions")
    if go_empty(entry.get("path")):
        # 4.1.1 carries the previous entry's path over to an entry without one.
        refuse(join_path(path, "path"), "a mount without an explicit path is outside the model")


def pod_volumes(ctx: RenderContext, controller_id: str) -> list[dict[str, Any]]:
    volumes: list[dict[str, Any]] = []
    for identifier, item in enabled_items(ctx).items():
        path = join_path("persistence", identifier)
        has_global = not go_empty(item.get("globalMounts"))
        advanced = expect_mapping(item.get("advancedMounts"), join_path(path, "advancedMounts"))
        has_advanced = not go_empty(advanced)
        mine = advanced.get(controller_id)
        if not (
            has_global
            or (has_advanced and not go_empty(mine))
            or (not has_global and not has_advanced)
        ):
            continue
        volumes.append(_volume(ctx, identifier, item, path))
    return volumes


def _volume(
    ctx: RenderContext, identifier: str, item: Mapping[str, Any], path: str
) -> dict[str, Any]:
    kind = _item_type(item, path)
    volume: dict[str, Any] = {"name": identifier}
    if kind == "persistentVolumeClaim":
        if go_empty(item.get("existingClaim")):
            claim = claim_names(ctx)[identifier]
        elif ctx.profile.exact:
            claim = item["existingClaim"]  # 4.1.1 does not run tpl on it
        else:
            claim = render_tpl(
                str(item["existingClaim"]), ctx.scope, join_path(path, "existingClaim")
            )
        volume["persistentVolumeClaim"] = {"claimName": claim}
    elif kind in ("configMap", "secret"):
        if go_empty(item.get("name")):
            name = _chart_objects(ctx, kind)[item["identifier"]]
        else:
            name = render_tpl(
                expect_str(item["name"], join_path(path, "name")),
                ctx.scope,
                join_path(path, "name"),
            )
        body: dict[str, Any] = {"name": name} if kind == "configMap" else {"secretName": name}
        if not go_empty(item.get("defaultMode")):
            body["defaultMode"] = item["defaultMode"]
        if not go_empty(item.get("items")):
            body["items"] = item["items"]
        volume[kind] = body
    elif kind == "emptyDir":
        empty_dir: dict[str, Any] = {}
        for key in ("medium", "sizeLimit"):
            if not go_empty(item.get(key)):
                empty_dir[key] = item[key]
        volume["emptyDir"] = empty_dir
    elif kind == "hostPath":
        host_path: dict[str, Any] = {"path": item["hostPath"]}
        if not go_empty(item.get("hostPathType")):
            host_path["type"] = item["hostPathType"]
        volume["hostPath"] = host_path
    elif kind == "nfs":
        volume["nfs"] = {"server": item["server"], "path": item["path"]}
    else:
        volume = {**dict(item["volumeSpec"]), "name": identifier}
    return volume


def claim_items(ctx: RenderContext) -> dict[str, dict[str, Any]]:
    """Enabled persistentVolumeClaim items without existingClaim: the chart creates these."""
    return {
        identifier: item
        for identifier, item in enabled_items(ctx).items()
        if _item_type(item, join_path("persistence", identifier)) == "persistentVolumeClaim"
        and go_empty(item.get("existingClaim"))
    }


def claim_names(ctx: RenderContext) -> dict[str, str]:
    from appt2dispatch.render.app_template.naming import resource_name

    claims = claim_items(ctx)
    return {
        identifier: resource_name(
            ctx, identifier, item, len(claims), join_path("persistence", identifier)
        )
        for identifier, item in claims.items()
    }


def container_mounts_exact(
    ctx: RenderContext,
    controller_id: str,
    controller: Mapping[str, Any],
    container_id: str,
) -> list[dict[str, Any]]:
    """4.1.1: persistence items, then the controller's volumeClaimTemplates, by name."""
    items: dict[str, Mapping[str, Any]] = dict(enabled_items(ctx))
    for template in claim_templates(controller, join_path("controllers", controller_id)):
        if template.get("enabled") is False:
            continue
        mount_values: dict[str, Any] = {}
        if not go_empty(template.get("globalMounts")):
            mount_values["globalMounts"] = template["globalMounts"]
        if not go_empty(template.get("advancedMounts")):
            mount_values["advancedMounts"] = {controller_id: template["advancedMounts"]}
        items[str(template["name"])] = mount_values
    mounts: list[dict[str, Any]] = []
    for identifier in sorted(items):
        item = items[identifier]
        mount_path: Any = f"/{identifier}"
        if item.get("type") == "hostPath":
            mount_path = item.get("hostPath")
        if go_empty(item.get("globalMounts")) and go_empty(item.get("advancedMounts")):
            mounts.append({"name": identifier, "mountPath": mount_path})
            continue
        selected = list(item.get("globalMounts") or [])
        advanced = item.get("advancedMounts") or {}
        per_controller = advanced.get(controller_id) or {}
        selected.extend(per_controller.get(container_id) or [])
        for entry in selected:
            if not go_empty(entry.get("path")):
                mount_path = entry["path"]  # carried over to later entries without a path
            mount: dict[str, Any] = {"name": identifier, "mountPath": mount_path}
            for key in ("subPath", "subPathExpr", "readOnly", "mountPropagation"):
                if not go_empty(entry.get(key)):
                    mount[key] = entry[key]
            mounts.append(mount)
    return mounts


def claim_templates(controller: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
    """`statefulset.volumeClaimTemplates` of a controller (validated).

    4.1.1 mounts them into the containers whatever the controller's type; only a
    StatefulSet also renders them as claim templates.
    """
    settings = controller.get("statefulset")
    if not isinstance(settings, Mapping):
        return []
    templates_path = join_path(join_path(path, "statefulset"), "volumeClaimTemplates")
    result: list[dict[str, Any]] = []
    for index, raw in enumerate(expect_list(settings.get("volumeClaimTemplates"), templates_path)):
        item_path = join_path(templates_path, index)
        template = expect_mapping(raw, item_path)
        check_keys(
            template,
            (
                "enabled",
                "name",
                "labels",
                "annotations",
                "accessMode",
                "size",
                "storageClass",
                "dataSource",
                "dataSourceRef",
                "globalMounts",
                "advancedMounts",
            ),
            item_path,
        )
        for key in ("name", "accessMode", "size"):
            if go_empty(template.get(key)):
                refuse(join_path(item_path, key), "the chart requires it")
        expect_str(template["name"], join_path(item_path, "name"))
        if "enabled" in template:
            expect_bool(template["enabled"], join_path(item_path, "enabled"))
        for mount_index, mount in enumerate(
            expect_list(template.get("globalMounts"), join_path(item_path, "globalMounts"))
        ):
            _validate_mount_exact(
                mount, join_path(join_path(item_path, "globalMounts"), mount_index)
            )
        advanced_path = join_path(item_path, "advancedMounts")
        for container_id, mounts in expect_mapping(
            template.get("advancedMounts"), advanced_path
        ).items():
            for mount_index, mount in enumerate(
                expect_list(mounts, join_path(advanced_path, container_id))
            ):
                _validate_mount_exact(
                    mount, join_path(join_path(advanced_path, container_id), mount_index)
                )
        result.append(template)
    return result


def container_mounts(
    ctx: RenderContext, controller_id: str, container_id: str
) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = []
    for identifier, item in enabled_items(ctx).items():
        global_mounts = expect_list(item.get("globalMounts"), "")
        advanced = expect_mapping(item.get("advancedMounts"), "")
        if go_empty(global_mounts) and go_empty(advanced):
            default_path = item["hostPath"] if item.get("type") == "hostPath" else f"/{identifier}"
            mounts.append({"name": identifier, "mountPath": default_path})
            continue
        selected = list(global_mounts)
        per_controller = expect_mapping(advanced.get(controller_id), "")
        selected.extend(expect_list(per_controller.get(container_id), ""))
        for entry in selected:
            mount: dict[str, Any] = {"name": identifier, "mountPath": entry["path"]}
            if not go_empty(entry.get("subPath")):
                mount["subPath"] = entry["subPath"]
            if entry.get("readOnly"):
                mount["readOnly"] = True
            mounts.append(mount)
    return mounts
