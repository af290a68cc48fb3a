"""`controllers.<id>.containers` / `initContainers`: the container specs.

Containers are enabled by default and ordered by Kahn's algorithm over their
`dependsOn` edges, taking the alphabetically first ready container each time
(so without `dependsOn` the order is alphabetical). The same ordering applies to
`env` in map form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.persistence import (
    container_mounts,
    container_mounts_exact,
)
from appt2dispatch.render.app_template.probes import container_probes
from appt2dispatch.render.app_template.tpl import has_template, render_tpl, render_tree
from appt2dispatch.render.app_template.values import (
    check_keys,
    enabled,
    expect_list,
    expect_mapping,
    expect_str,
    go_empty,
    go_scalar_string,
    is_number,
    join_path,
    refuse,
)

_CONTAINER_KEYS_4 = (
    "enabled",
    "dependsOn",
    "image",
    "command",
    "args",
    "workingDir",
    "env",
    "envFrom",
    "ports",
    "probes",
    "resources",
    "securityContext",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
)
_CONTAINER_KEYS_5 = (*_CONTAINER_KEYS_4, "restartPolicy", "stdin", "tty")
_VERBATIM_FIELDS = ("securityContext", "lifecycle", "ports", "resources")
_STRING_FIELDS = ("workingDir", "terminationMessagePath", "terminationMessagePolicy")


def kahn_order(graph: Mapping[str, list[str]], path: str) -> list[str]:
    """The chart's topological sort: repeatedly emit the first (sorted) node without edges."""
    remaining = {node: list(edges) for node, edges in graph.items()}
    order: list[str] = []
    while remaining:
        ready = sorted(node for node, edges in remaining.items() if not edges)
        if not ready:
            refuse(
                path,
                "dependsOn forms a cycle or names something that does not exist; "
                "the chart fails on it",
            )
        first = ready[0]
        order.append(first)
        del remaining[first]
        for node, edges in remaining.items():
            remaining[node] = [edge for edge in edges if edge != first]
    return order


def _depends_on(value: Any, path: str) -> list[str]:
    if go_empty(value):
        return []
    if isinstance(value, str):
        return [value]
    return [expect_str(item, join_path(path, i)) for i, item in enumerate(expect_list(value, path))]


def render_containers(
    ctx: RenderContext, controller_id: str, controller: Mapping[str, Any], field: str
) -> list[dict[str, Any]]:
    """The rendered `containers` or `initContainers` list of one controller."""
    path = join_path(join_path("controllers", controller_id), field)
    section = expect_mapping(controller.get(field), path)
    rendered: dict[str, dict[str, Any]] = {}
    graph: dict[str, list[str]] = {}
    defaults = _default_container_options(ctx, controller_id, controller, field)
    if ctx.profile.exact and field == "containers":
        from appt2dispatch.render.app_template.configs import go_roundtrip_if_multiline

        # 4.1.1 lists enabled containers through toYaml | fromYaml.
        section = go_roundtrip_if_multiline(
            {
                cid: item
                for cid, item in section.items()
                if enabled(expect_mapping(item, join_path(path, cid)), join_path(path, cid))
            }
        )
    for container_id in sorted(section):
        container_path = join_path(path, container_id)
        container = expect_mapping(section[container_id], container_path)
        if not enabled(container, container_path):
            continue
        for key, default in defaults.items():
            if go_empty(container.get(key)):
                container[key] = default
        if ctx.profile.exact:
            container = _as_container_object(container_id, container)
        rendered[container_id] = _container_spec(
            ctx, controller_id, controller, container_id, container, container_path
        )
        graph[container_id] = _depends_on(
            container.get("dependsOn"), join_path(container_path, "dependsOn")
        )
    return [rendered[name] for name in kahn_order(graph, path)]


def _as_container_object(container_id: str, container: dict[str, Any]) -> dict[str, Any]:
    """4.1.1 turns each container into an object (identifier added) via toYaml | fromYaml."""
    from appt2dispatch.render.app_template.configs import go_roundtrip_if_multiline

    as_object = go_roundtrip_if_multiline({**container, "identifier": container_id})
    return {key: value for key, value in as_object.items() if key != "identifier"}


# The order 4.1.1 writes container fields in; the last one written is read back at the
# end of the text, so a trailing line break of its last string is lost.
_TEMPLATE_ORDER = (
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "workingDir",
    "securityContext",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "env",
    "envFrom",
    "ports",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "resources",
    "restartPolicy",
    "stdin",
    "tty",
    "volumeMounts",
)


def _last_field_read_back(spec: dict[str, Any]) -> dict[str, Any]:
    from appt2dispatch.render.app_template.configs import go_roundtrip_if_multiline

    present = [key for key in _TEMPLATE_ORDER if key in spec]
    if not present:
        return spec
    last = present[-1]
    return {**spec, **go_roundtrip_if_multiline({last: spec[last]})}


def _default_container_options(
    ctx: RenderContext, controller_id: str, controller: Mapping[str, Any], field: str
) -> dict[str, Any]:
    """`defaultContainerOptions` (4.1.1, overwrite strategy): a container's own
    non-empty value wins, key by key; init containers too unless switched off."""
    path = join_path("controllers", controller_id)
    for key in (
        "defaultContainerOptions",
        "defaultContainerOptionsStrategy",
        "applyDefaultContainerOptionsToInitContainers",
    ):
        if key in controller and not ctx.profile.exact:
            refuse(join_path(path, key), "this key is outside the built-in model")
    strategy = controller.get("defaultContainerOptionsStrategy", "overwrite")
    if strategy != "overwrite":
        refuse(
            join_path(path, "defaultContainerOptionsStrategy"),
            "only the overwrite strategy is modelled",
        )
    options = expect_mapping(
        controller.get("defaultContainerOptions"), join_path(path, "defaultContainerOptions")
    )
    if field == "initContainers":
        apply = controller.get("applyDefaultContainerOptionsToInitContainers", True)
        if apply is not True:
            return {}
    return options


def _container_spec(
    ctx: RenderContext,
    controller_id: str,
    controller: Mapping[str, Any],
    container_id: str,
    container: Mapping[str, Any],
    path: str,
) -> dict[str, Any]:
    check_keys(
        container,
        _CONTAINER_KEYS_5 if ctx.profile.is_v5 or ctx.profile.exact else _CONTAINER_KEYS_4,
        path,
    )
    spec: dict[str, Any] = {"name": container_id, "image": _image(ctx, container, path)}
    image = expect_mapping(container.get("image"), join_path(path, "image"))
    if not go_empty(image.get("pullPolicy")):
        spec["imagePullPolicy"] = expect_str(
            image["pullPolicy"], join_path(path, "image.pullPolicy")
        )
    for field in ("command", "args"):
        value = container.get(field)
        if not go_empty(value):
            spec[field] = (
                [value] if isinstance(value, str) else expect_list(value, join_path(path, field))
            )
    for field in _STRING_FIELDS:
        if not go_empty(container.get(field)):
            spec[field] = expect_str(container[field], join_path(path, field))
    for field in _VERBATIM_FIELDS:
        if not go_empty(container.get(field)):
            spec[field] = container[field]
    env = _env(ctx, container.get("env"), join_path(path, "env"))
    if env:
        spec["env"] = env
    env_from = _env_from(ctx, container.get("envFrom"), join_path(path, "envFrom"))
    if env_from:
        spec["envFrom"] = env_from
    spec.update(container_probes(ctx, controller_id, container, path))
    for field in ("restartPolicy", "stdin", "tty"):
        if not go_empty(container.get(field)):
            spec[field] = container[field]
    if ctx.profile.exact:
        mounts = container_mounts_exact(ctx, controller_id, controller, container_id)
    else:
        mounts = container_mounts(ctx, controller_id, container_id)
    if mounts:
        spec["volumeMounts"] = mounts
    if ctx.profile.exact:
        spec = _last_field_read_back(spec)
    return spec


def _image(ctx: RenderContext, container: Mapping[str, Any], path: str) -> str:
    image_path = join_path(path, "image")
    image = expect_mapping(container.get("image"), image_path)
    allowed = (
        ("repository", "tag", "pullPolicy", "digest")
        if ctx.profile.is_v5 or ctx.profile.exact
        else ("repository", "tag", "pullPolicy")
    )
    check_keys(image, allowed, image_path)
    if ctx.profile.exact:
        return _image_exact(ctx, image, image_path)
    parts: dict[str, str] = {}
    for key in ("repository", "tag", "digest"):
        value = image.get(key)
        if go_empty(value):
            continue
        if is_number(value):
            refuse(
                join_path(image_path, key),
                "numeric image fields are rendered differently across chart versions; quote it",
            )
        text = expect_str(value, join_path(image_path, key))
        if has_template(text):
            if not ctx.profile.is_v5:
                refuse(join_path(image_path, key), "4.1.1 does not template image fields")
            text = render_tpl(text, ctx.scope, join_path(image_path, key))
        parts[key] = text
    if "repository" not in parts:
        refuse(join_path(image_path, "repository"), "an image repository is required")
    if "tag" not in parts:
        refuse(
            join_path(image_path, "tag"),
            "an image without a tag renders differently across chart versions",
        )
    reference = f"{parts['repository']}:{parts['tag']}"
    if "digest" in parts:
        reference = f"{reference}@{parts['digest']}"
    return reference


def _image_exact(ctx: RenderContext, image: Mapping[str, Any], path: str) -> str:
    """4.1.1: `repository:tag`, the tag templated (numbers in Go's form); no digest."""
    repository = image.get("repository")
    tag = image.get("tag")
    if go_empty(repository) or not isinstance(repository, str):
        refuse(join_path(path, "repository"), "the chart requires a repository string")
    if go_empty(tag) or not isinstance(tag, (str, int, float)) or isinstance(tag, bool):
        refuse(join_path(path, "tag"), "the chart requires a tag")
    text = go_scalar_string(tag, join_path(path, "tag"))
    text = render_tpl(text, ctx.scope, join_path(path, "tag"))
    if not text:
        refuse(join_path(path, "tag"), "the tag renders empty")
    return f"{repository}:{text}"


def _env_value(ctx: RenderContext, name: str, item: Mapping[str, Any], path: str) -> dict[str, Any]:
    """One env entry from a mapping with `value`, `valueFrom`, or a bare source."""
    if "value" in item:
        value = item["value"]
        if isinstance(value, str):
            return {"name": name, "value": render_tpl(value, ctx.scope, join_path(path, "value"))}
        if value is None or isinstance(value, (dict, list)):
            refuse(join_path(path, "value"), "only scalar env values are modelled")
        return {"name": name, "value": go_scalar_string(value, join_path(path, "value"))}
    if "valueFrom" in item:
        source = expect_mapping(item["valueFrom"], join_path(path, "valueFrom"))
        return {
            "name": name,
            "valueFrom": render_tree(source, ctx.scope, join_path(path, "valueFrom")),
        }
    bare = {key: val for key, val in item.items() if key not in ("name", "dependsOn")}
    for key, val in bare.items():
        if isinstance(val, str) and has_template(val):
            refuse(join_path(path, key), "this env source form is not templated by the chart")
    return {"name": name, "valueFrom": bare}


def _env(ctx: RenderContext, value: Any, path: str) -> list[dict[str, Any]]:
    if go_empty(value):
        return []
    if isinstance(value, list):
        entries: list[dict[str, Any]] = []
        for index, raw in enumerate(value):
            item_path = join_path(path, index)
            item = expect_mapping(raw, item_path)
            check_keys(item, ("name", "value", "valueFrom"), item_path)
            name = expect_str(item.get("name"), join_path(item_path, "name"))
            if "value" not in item and "valueFrom" not in item:
                refuse(item_path, "an env entry needs value or valueFrom")
            entries.append(_env_value(ctx, name, item, item_path))
        return entries
    mapping = expect_mapping(value, path)
    graph: dict[str, list[str]] = {}
    for name, item in mapping.items():
        if isinstance(item, Mapping):
            check_keys(
                item,
                (
                    "value",
                    "valueFrom",
                    "dependsOn",
                    "secretKeyRef",
                    "configMapKeyRef",
                    "fieldRef",
                    "resourceFieldRef",
                ),
                join_path(path, name),
            )
            graph[name] = _depends_on(
                item.get("dependsOn"), join_path(join_path(path, name), "dependsOn")
            )
        else:
            graph[name] = []
    entries = []
    for name in kahn_order(graph, path):
        item = mapping[name]
        item_path = join_path(path, name)
        if isinstance(item, Mapping):
            entries.append(_env_value(ctx, name, item, item_path))
        elif isinstance(item, str):
            entries.append({"name": name, "value": render_tpl(item, ctx.scope, item_path)})
        elif item is None and ctx.profile.exact:
            entries.append({"name": name, "value": None})  # 4.1.1 prints `value: null`
        elif item is None or isinstance(item, list):
            refuse(item_path, "only scalar or mapping env values are modelled")
        else:
            entries.append({"name": name, "value": go_scalar_string(item, item_path)})
    return entries


def _env_from(ctx: RenderContext, value: Any, path: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for index, raw in enumerate(expect_list(value, path)):
        item_path = join_path(path, index)
        item = expect_mapping(raw, item_path)
        check_keys(item, ("secretRef", "configMapRef", "secret", "configMap", "prefix"), item_path)
        sources = [
            key for key in ("secretRef", "configMapRef", "secret", "configMap") if key in item
        ]
        if len(sources) != 1:
            refuse(item_path, "exactly one of secretRef, configMapRef, secret, configMap expected")
        source = sources[0]
        entry: dict[str, Any] = {}
        ref_key = "secretRef" if source in ("secretRef", "secret") else "configMapRef"
        if source in ("secret", "configMap"):
            name = expect_str(item[source], join_path(item_path, source))
            # A bare name is first looked up as a chart-managed object.
            managed: dict[str, str] = {}
            if ctx.profile.exact:
                from appt2dispatch.render.app_template.configs import enabled_config_names

                managed = enabled_config_names(
                    ctx, "configMaps" if source == "configMap" else "secrets"
                )
            entry[ref_key] = {
                "name": managed.get(name)
                or render_tpl(name, ctx.scope, join_path(item_path, source))
            }
        else:
            ref_path = join_path(item_path, source)
            ref = expect_mapping(item[source], ref_path)
            if ctx.profile.exact and not go_empty(ref.get("identifier")):
                from appt2dispatch.render.app_template.configs import enabled_config_names

                check_keys(ref, ("identifier", "name", "optional"), ref_path)
                names = enabled_config_names(
                    ctx, "configMaps" if source == "configMapRef" else "secrets"
                )
                if ref["identifier"] not in names:
                    refuse(join_path(ref_path, "identifier"), "the chart fails: no such object")
                entries.append(
                    {ref_key: {"name": names[ref["identifier"]]}, **_prefix(item, item_path)}
                )
                continue
            check_keys(ref, ("name", "optional"), ref_path)
            name = expect_str(ref.get("name"), join_path(ref_path, "name"))
            entry[ref_key] = {"name": render_tpl(name, ctx.scope, join_path(ref_path, "name"))}
            if "optional" in ref and ctx.profile.exact:
                pass  # 4.1.1 drops it
            elif "optional" in ref:
                if not ctx.profile.is_v5:
                    refuse(join_path(ref_path, "optional"), "4.1.1 drops envFrom optional")
                if not go_empty(ref["optional"]):
                    entry[ref_key]["optional"] = ref["optional"]
        entries.append({**entry, **_prefix(item, item_path)})
    return entries


def _prefix(item: Mapping[str, Any], path: str) -> dict[str, str]:
    if go_empty(item.get("prefix")):
        return {}
    return {"prefix": expect_str(item["prefix"], join_path(path, "prefix"))}
