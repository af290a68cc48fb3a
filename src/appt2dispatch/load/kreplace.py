"""kustomize `replacements`: copy one field of one object into fields of others.

Each entry is inline (`source` + `targets`) or `path:` to a file holding a list of
them. The source must select exactly one object (by group/version/kind/name/
namespace, current or earlier names); `fieldPath` defaults to metadata.name;
`options.delimiter`/`index` pick a part of it. Targets `select` and `reject`
objects, name `fieldPaths` (`*` and `[key=value]` allowed) and may `create` a
missing field; `options.delimiter`/`index` replace a part of the target's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from appt2dispatch.load.kpatch import Resource, selected
from appt2dispatch.load.kpaths import PathProblem, get_field, set_fields, split_field_path

if TYPE_CHECKING:
    from appt2dispatch.load.kbuild import Builder

TARGET_FIELDS = frozenset({"select", "reject", "fieldPaths", "options"})
OPTION_FIELDS = frozenset({"delimiter", "index", "create"})
SOURCE_FIELDS = frozenset({"group", "version", "kind", "name", "namespace", "fieldPath", "options"})


def apply_replacements(
    builder: Builder, file: str, replacements: Any, resources: list[Resource]
) -> None:
    from appt2dispatch.load.kbuild import KustomizeError

    if not isinstance(replacements, list):
        raise KustomizeError("replacements must be a list", builder.at(file, "replacements"))
    for number, entry in enumerate(replacements):
        if not isinstance(entry, Mapping):
            raise KustomizeError(f"replacements[{number}] must be a mapping", builder.at(file))
        if "path" in entry:
            path = builder._local(file, "replacements", str(entry["path"]))
            label = builder.display(path)
            for _, document in builder.documents(path):
                for item in document if isinstance(document, list) else [document]:
                    _replace(item, resources, f"replacements {label}")
        else:
            _replace(entry, resources, f"replacements in {builder.display(file)}")


def _replace(entry: Any, resources: list[Resource], label: str) -> None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("source"), Mapping):
        raise PathProblem(f"{label}: a replacement needs a source")
    source = entry["source"]
    _known(source, SOURCE_FIELDS, label, "source")
    if isinstance(source.get("options"), Mapping):
        _known(source["options"], OPTION_FIELDS, label, "source options")
    chosen = [r for r in resources if selected(r, source, regex=False)]
    wanted = " ".join(str(source.get(k)) for k in ("kind", "name") if source.get(k))
    if len(chosen) != 1:
        problem = "nothing" if not chosen else f"{len(chosen)} objects"
        raise PathProblem(f"{label}: {problem} selected by source {wanted or '(any)'}")
    origin_resource = chosen[0]
    field_path = str(source.get("fieldPath") or "metadata.name")
    found, value = get_field(origin_resource.data, split_field_path(field_path))
    if not found:
        raise PathProblem(f"{label}: source {origin_resource.describe()} has no field {field_path}")
    value = _part(value, source.get("options"), label)
    origin = origin_resource.origin_of(field_path)
    if origin == origin_resource.display:
        origin = f"{origin_resource.kind} {origin_resource.name} {field_path} ({origin})"
    origin = f"{origin} via {label}"
    targets = entry.get("targets")
    if not isinstance(targets, list):
        raise PathProblem(f"{label}: targets must be a list")
    for target in targets:
        _apply_target(target, resources, value, origin, label)


def _part(value: Any, options: Any, label: str) -> Any:
    if not isinstance(options, Mapping) or not options.get("delimiter"):
        return value
    parts = str(value).split(str(options["delimiter"]))
    index = _index(options, label)
    if not 0 <= index < len(parts):
        raise PathProblem(f"{label}: source options.index {index} is out of range")
    return parts[index]


def _apply_target(
    target: Any, resources: list[Resource], value: Any, origin: str, label: str
) -> None:
    if not isinstance(target, Mapping) or not isinstance(target.get("fieldPaths"), list):
        raise PathProblem(f"{label}: a target needs select and fieldPaths")
    _known(target, TARGET_FIELDS, label, "target")
    if isinstance(target.get("options"), Mapping):
        _known(target["options"], OPTION_FIELDS, label, "target options")
    select = target.get("select")
    if not isinstance(select, Mapping):
        raise PathProblem(f"{label}: a target needs select")
    rejects = target.get("reject") or []
    found_options = target.get("options")
    options: Mapping[str, Any] = found_options if isinstance(found_options, Mapping) else {}
    create = bool(options.get("create"))
    for resource in resources:
        if not selected(resource, select, regex=False):
            continue
        if any(isinstance(r, Mapping) and selected(resource, r, regex=False) for r in rejects):
            continue
        for field_path in target["fieldPaths"]:
            segments = split_field_path(str(field_path))
            new = _merged_part(resource, segments, value, options, label)
            written = list(set_fields(resource.data, segments, new, create=create))
            if not written:
                verb = "find or create" if create else "find"
                raise PathProblem(
                    f"{label}: unable to {verb} field {field_path} in {resource.describe()}"
                )
            for path in written:
                resource.record(".".join(path), origin)


def _merged_part(
    resource: Resource, segments: list[str], value: Any, options: Mapping[str, Any], label: str
) -> Any:
    delimiter = options.get("delimiter")
    if not delimiter or "*" in segments:
        return value
    found, current = get_field(resource.data, segments)
    parts = str(current).split(str(delimiter)) if found and current is not None else []
    index = _index(options, label)
    if index < 0:
        parts.insert(0, str(value))
    elif index >= len(parts):
        parts.append(str(value))
    else:
        parts[index] = str(value)
    return str(delimiter).join(parts)


def _index(options: Mapping[str, Any], label: str) -> int:
    index = options.get("index") or 0
    if isinstance(index, bool) or not isinstance(index, int):
        raise PathProblem(f"{label}: options.index {index!r} is not a whole number")
    return index


def _known(entry: Mapping[str, Any], known: frozenset[str], label: str, what: str) -> None:
    unknown = sorted(str(key) for key in entry if key not in known)
    if unknown:
        raise PathProblem(f"{label}: {what} key {unknown[0]} is not reproduced")
