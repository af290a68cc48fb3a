"""`configMaps` and `secrets` (4.1.1): the objects, and the pods' checksum annotations.

Each pod template carries `checksum/configMaps` (and `checksum/secrets`): a SHA-256
over Go's YAML of every enabled item's data. Go's YAML encoder is not reimplemented
here: the digests come from the Helm engine itself, through a two-line helper chart
shipped with the model (loaded only when the values have such items).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import (
    NAMING_KEYS,
    object_metadata,
    resource_name,
)
from appt2dispatch.render.app_template.tpl import render_tree
from appt2dispatch.render.app_template.values import (
    enabled_section,
    expect_bool,
    expect_mapping,
    expect_str,
    go_empty,
    join_path,
    refuse,
)

_COMMON = ("enabled", "labels", "annotations", "includeInChecksum", *NAMING_KEYS)
_CONFIGMAP_KEYS = (*_COMMON, "data", "binaryData")
_SECRET_KEYS = (*_COMMON, "stringData", "type")


def _section(ctx: RenderContext, key: str) -> dict[str, dict[str, Any]]:
    allowed = _CONFIGMAP_KEYS if key == "configMaps" else _SECRET_KEYS
    return enabled_section(ctx.values.get(key), key, allowed)


def enabled_config_names(ctx: RenderContext, key: str) -> dict[str, str]:
    """identifier -> object name of the enabled `configMaps` or `secrets`."""
    items = _section(ctx, key)
    return {
        identifier: resource_name(ctx, identifier, item, len(items), join_path(key, identifier))
        for identifier, item in items.items()
    }


def _has_line_breaks(items: Mapping[str, Any]) -> bool:
    return "\\n" in json.dumps(items)


def render_config_maps(ctx: RenderContext) -> list[dict[str, Any]]:
    items = _section(ctx, "configMaps")
    if _has_line_breaks(items):
        # The chart lists them through toYaml | fromYaml: Go's YAML decides what survives.
        items = go_roundtrip({"items": items})["items"]
    names = enabled_config_names(ctx, "configMaps")
    objects: list[dict[str, Any]] = []
    for identifier, item in items.items():
        path = join_path("configMaps", identifier)
        if go_empty(item.get("data")) and go_empty(item.get("binaryData")):
            refuse(path, "the chart requires data or binaryData")
        obj: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": object_metadata(ctx, names[identifier], item, path),
        }
        for key in ("data", "binaryData"):
            if not go_empty(item.get(key)):
                obj[key] = _string_map(ctx, item[key], join_path(path, key))
        objects.append(obj)
    return objects


def render_secrets(ctx: RenderContext) -> list[dict[str, Any]]:
    items = _section(ctx, "secrets")
    names = enabled_config_names(ctx, "secrets")
    if _has_line_breaks(items):
        items = go_roundtrip({"items": items})["items"]
        for identifier, item in items.items():
            # Then once more as an object (name and identifier added), then trimmed.
            as_object = go_roundtrip({**item, "name": names[identifier], "identifier": identifier})
            if not go_empty(as_object.get("stringData")):
                as_object["stringData"] = go_trimmed(as_object["stringData"])
            items[identifier] = {
                key: value for key, value in as_object.items() if key not in ("name", "identifier")
            }
    objects: list[dict[str, Any]] = []
    for identifier, item in items.items():
        path = join_path("secrets", identifier)
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret"}
        if not go_empty(item.get("type")):
            obj["type"] = expect_str(item["type"], join_path(path, "type"))
        obj["metadata"] = object_metadata(ctx, names[identifier], item, path)
        if not go_empty(item.get("stringData")):
            obj["stringData"] = _string_map(ctx, item["stringData"], join_path(path, "stringData"))
        objects.append(obj)
    return objects


def _string_map(ctx: RenderContext, value: Any, path: str) -> dict[str, Any]:
    mapping = expect_mapping(value, path)
    for key, item in mapping.items():
        if not isinstance(item, str):
            refuse(join_path(path, key), "only string values are modelled")
    return dict(render_tree(mapping, ctx.scope, path))


def checksum_annotations(ctx: RenderContext) -> dict[str, str]:
    """`checksum/configMaps` / `checksum/secrets` as the chart puts them on every pod."""
    groups: dict[str, dict[str, Any]] = {}
    for key, field, annotation in (
        ("configMaps", "data", "checksum/configMaps"),
        ("secrets", "stringData", "checksum/secrets"),
    ):
        found: dict[str, Any] = {}
        for identifier, item in _section(ctx, key).items():
            path = join_path(join_path(key, identifier), "includeInChecksum")
            if "includeInChecksum" in item and not expect_bool(item["includeInChecksum"], path):
                continue
            found[identifier] = item.get(field)
        if found:
            groups[annotation] = found
    if not groups:
        return {}
    digests: Mapping[str, str] = _go_yaml({"groups": groups})["digests"]
    return dict(digests)


def go_roundtrip(value: dict[str, Any]) -> dict[str, Any]:
    """`toYaml | fromYaml` as Helm does it (the chart passes objects through it)."""
    result: dict[str, Any] = _go_yaml({"roundtrips": [value]})["roundtrips"][0]
    return result


def go_roundtrip_if_multiline(value: dict[str, Any]) -> dict[str, Any]:
    """`go_roundtrip`, skipped (no Helm call) when no string has a line break."""
    return go_roundtrip(value) if _has_line_breaks(value) else value


def go_trimmed(value: dict[str, Any]) -> dict[str, Any]:
    """`toYaml | trim`, read back with a line break after it."""
    result: dict[str, Any] = _go_yaml({"trimmed": [value]})["trimmed"][0]
    return result


def _go_yaml(values: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(_go_yaml_json(json.dumps(values, sort_keys=True))))


@cache
def _go_yaml_json(values_json: str) -> str:
    from appt2dispatch.render.helm import load_chart, render_chart

    chart = load_chart(Path(__file__).resolve().parent / "goyaml")
    rendered = render_chart(
        chart, json.loads(values_json), release_name="goyaml", namespace="default"
    )
    return next(text for name, text in rendered.items() if name.endswith("digests.yaml")).strip()
