"""PersistentVolumeClaims the chart creates (4.1.1): `persistence.<id>` items of the
default type without `existingClaim`. Access mode and size are required; a
`storageClass` of `-` renders an empty class name; `retain: true` adds Helm's keep
policy annotation."""

from __future__ import annotations

from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import object_metadata
from appt2dispatch.render.app_template.persistence import claim_items, claim_names
from appt2dispatch.render.app_template.tpl import render_tree
from appt2dispatch.render.app_template.values import (
    expect_bool,
    go_empty,
    go_scalar_string,
    join_path,
)


def render_claims(ctx: RenderContext) -> list[dict[str, Any]]:
    names = claim_names(ctx)
    objects: list[dict[str, Any]] = []
    for identifier, item in claim_items(ctx).items():
        path = join_path("persistence", identifier)
        metadata = object_metadata(ctx, names[identifier], item, path)
        if "retain" in item and expect_bool(item["retain"], join_path(path, "retain")):
            annotations = {**(metadata.get("annotations") or {}), "helm.sh/resource-policy": "keep"}
            metadata = {
                "name": metadata["name"],
                "labels": metadata["labels"],
                "annotations": annotations,
                "namespace": metadata["namespace"],
            }
        spec: dict[str, Any] = {
            "accessModes": [go_scalar_string(item["accessMode"], join_path(path, "accessMode"))],
            "resources": {
                "requests": {"storage": go_scalar_string(item["size"], join_path(path, "size"))}
            },
        }
        storage_class = item.get("storageClass")
        if not go_empty(storage_class):
            spec["storageClassName"] = (
                ""
                if storage_class == "-"
                else go_scalar_string(storage_class, join_path(path, "storageClass"))
            )
        if not go_empty(item.get("volumeName")):
            spec["volumeName"] = go_scalar_string(item["volumeName"], join_path(path, "volumeName"))
        for key in ("dataSource", "dataSourceRef"):
            if not go_empty(item.get(key)):
                spec[key] = render_tree(item[key], ctx.scope, join_path(path, key))
        objects.append(
            {
                "kind": "PersistentVolumeClaim",
                "apiVersion": "v1",
                "metadata": metadata,
                "spec": spec,
            }
        )
    return objects
