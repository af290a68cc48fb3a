"""Field paths as kustomize writes them (replacements) and JSON pointers (JSON 6902).

Replacement field paths are dotted: `spec.targetNamespace`,
`spec.template.spec.containers.[name=app].image`, `metadata.annotations.[a.b/c]`,
`spec.list.0`, and (targets only) `*` for every item of a list or map.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any


class PathProblem(Exception):
    """A field path or pointer that does not apply to the object."""


def _is_index(segment: str) -> bool:
    return segment.isascii() and segment.isdigit() and len(segment) < 10


def split_field_path(path: str) -> list[str]:
    """Segments of a dotted path; brackets may hold dots (`[a.b/c]`, `[name=x.y]`)."""
    segments: list[str] = []
    current = ""
    depth = 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            segments.append(current)
            current = ""
        else:
            current += char
    segments.append(current)
    if depth != 0 or any(not segment for segment in segments):
        raise PathProblem(f"field path {path!r} is not well formed")
    return [_unbracket(segment) for segment in segments]


def _unbracket(segment: str) -> str:
    # `[a.b/c]` is a plain key; `[k=v]` stays a list selector.
    if segment.startswith("[") and segment.endswith("]") and "=" not in segment:
        return segment[1:-1]
    return segment


def _selector(segment: str) -> tuple[str, str] | None:
    if segment.startswith("[") and segment.endswith("]") and "=" in segment:
        key, value = segment[1:-1].split("=", 1)
        return key, value
    return None


def _matches(item: Any, key: str, value: str) -> bool:
    if not isinstance(item, dict):
        return False
    if key == "":  # `[=value]`: a list of scalars
        return False
    found = item.get(key)
    return found is not None and _scalar_text(found) == value


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def get_field(data: Any, segments: list[str]) -> tuple[bool, Any]:
    """(found, value) at `segments` of `data` (no wildcards)."""
    node = data
    for segment in segments:
        selector = _selector(segment)
        if isinstance(node, list):
            if selector is not None:
                found = [item for item in node if _matches(item, *selector)]
                if not found:
                    return False, None
                node = found[0]
            elif _is_index(segment) and int(segment) < len(node):
                node = node[int(segment)]
            else:
                return False, None
        elif isinstance(node, dict) and selector is None and segment in node:
            node = node[segment]
        else:
            return False, None
    return True, node


def set_fields(
    data: Any, segments: list[str], value: Any, *, create: bool
) -> Iterator[tuple[str, ...]]:
    """Set `value` at every place `segments` names (wildcards expand); yields the
    concrete paths set. Missing mappings are made only with `create`."""
    yield from _set(data, segments, value, create, ())


def _set(
    node: Any, segments: list[str], value: Any, create: bool, here: tuple[str, ...]
) -> Iterator[tuple[str, ...]]:
    segment, rest = segments[0], segments[1:]
    if segment == "*":
        children = (
            list(enumerate(node))
            if isinstance(node, list)
            else list(node.items())
            if isinstance(node, dict)
            else []
        )
        for key, child in children:
            if rest:
                yield from _set(child, rest, value, create, (*here, str(key)))
            else:
                node[key] = copy.deepcopy(value)
                yield (*here, str(key))
        return
    selector = _selector(segment)
    if isinstance(node, list):
        if selector is not None:
            indices = [i for i, item in enumerate(node) if _matches(item, *selector)]
        elif _is_index(segment) and int(segment) < len(node):
            indices = [int(segment)]
        else:
            indices = []
        for position in indices:
            step = (*here, segment if selector else str(position))
            if rest:
                yield from _set(node[position], rest, value, create, step)
            else:
                node[position] = copy.deepcopy(value)
                yield step
        return
    if not isinstance(node, dict) or selector is not None:
        return
    if not rest:
        if segment in node or create:
            node[segment] = copy.deepcopy(value)
            yield (*here, segment)
        return
    if segment not in node or node[segment] is None:
        if not create:
            return
        node[segment] = [] if _selector(rest[0]) else {}
        if _selector(rest[0]) is not None:
            key, wanted = _selector(rest[0])  # type: ignore[misc]
            node[segment].append({key: wanted})
    yield from _set(node[segment], rest, value, create, (*here, segment))


# --- JSON pointers (RFC 6901) and JSON patch (RFC 6902) ----------------------------------


def pointer_segments(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PathProblem(f"JSON pointer {pointer!r} does not start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def apply_json_patch(data: dict[str, Any], operations: list[Any]) -> list[str]:
    """Apply RFC 6902 `operations` to `data` in place; returns the paths written."""
    written: list[str] = []
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise PathProblem(f"operation {number} is not a mapping")
        op, path = operation.get("op"), operation.get("path")
        if not isinstance(path, str):
            raise PathProblem(f"operation {number} has no path")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PathProblem(f"operation {number} ({op}) has no value")
        segments = pointer_segments(path)
        if op == "add":
            _pointer_add(data, segments, copy.deepcopy(operation["value"]), path)
        elif op == "replace":
            _pointer_remove(data, segments, path)
            _pointer_add(data, segments, copy.deepcopy(operation["value"]), path)
        elif op == "remove":
            _pointer_remove(data, segments, path)
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise PathProblem(f"operation {number} ({op}) has no from")
            value = _pointer_get(data, pointer_segments(source), source)
            if op == "move":
                _pointer_remove(data, pointer_segments(source), source)
            _pointer_add(data, segments, copy.deepcopy(value), path)
        elif op == "test":
            if _pointer_get(data, segments, path) != operation["value"]:
                raise PathProblem(f"test at {path} failed")
            continue
        else:
            raise PathProblem(f"operation {number} has unknown op {op!r}")
        written.append(".".join(segments))
    return written


def _pointer_parent(data: Any, segments: list[str], path: str) -> Any:
    if not segments:
        raise PathProblem("the whole document cannot be replaced")
    return _pointer_get(data, segments[:-1], path)


def _pointer_get(data: Any, segments: list[str], path: str) -> Any:
    node = data
    for segment in segments:
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and _is_index(segment) and int(segment) < len(node):
            node = node[int(segment)]
        else:
            raise PathProblem(f"path {path} does not exist")
    return node


def _pointer_add(data: Any, segments: list[str], value: Any, path: str) -> None:
    parent, last = _pointer_parent(data, segments, path), segments[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and last == "-":
        parent.append(value)
    elif isinstance(parent, list) and _is_index(last) and int(last) <= len(parent):
        parent.insert(int(last), value)
    else:
        raise PathProblem(f"path {path} does not exist")


def _pointer_remove(data: Any, segments: list[str], path: str) -> None:
    parent, last = _pointer_parent(data, segments, path), segments[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and _is_index(last) and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise PathProblem(f"path {path} does not exist")
