"""Generate `docs/chart-values.md` from the chart's `# --` comments and its values schema.

Descriptions follow the helm-docs convention: the comment block right above a key, from its
`# --` line down to the key, is that key's description.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appt2dispatch.errors import InputError
from appt2dispatch.models import SourceLocation
from appt2dispatch.render.dispatch_chart import bundled_chart_dir

DOC_COMMAND = "appt2dispatch chart docs > docs/chart-values.md"
_DOC_START = re.compile(r"#\s*--(?:\s+|$)")
_ENV_VAR = re.compile(r"`(DISPATCH_[A-Z0-9_]+)`")


@dataclass(frozen=True)
class _ValueKey:
    """A key reached through maps only, with its default and `# --` description."""

    path: tuple[str, ...]
    default: Any
    line: int
    description: str | None


def generate_values_doc(chart_dir: Path | None = None) -> str:
    """The Markdown reference of the chart's values (default: the bundled chart)."""
    chart_dir = chart_dir or bundled_chart_dir()
    values_path = chart_dir / "values.yaml"
    keys = _scan_values(_read_text(values_path))
    schema = _read_schema(chart_dir / "values.schema.json")
    documented = {key.path for key in keys if key.description is not None}
    lines = [
        "# dispatch chart values",
        "",
        "This file is generated from the chart's `values.yaml` comments and"
        f" `values.schema.json` by `{DOC_COMMAND}`; do not edit it by hand.",
        "",
        "## Values",
        "",
        "| Key | Type | Default | Description |",
        "|---|---|---|---|",
    ]
    env_rows: list[str] = []
    for key in keys:
        is_section = isinstance(key.default, Mapping) and any(
            path[: len(key.path)] == key.path and len(path) > len(key.path) for path in documented
        )
        if key.description is None and not is_section:
            continue
        dotted = ".".join(key.path)
        type_text = _describe_type(_schema_at(schema, key.path))
        default = "" if is_section else _cell(_code(json.dumps(key.default, ensure_ascii=False)))
        lines.append(
            f"| `{dotted}` | {_cell(type_text)} | {default} | {_cell(key.description or '')} |"
        )
        if key.path[0] == "config" and len(key.path) > 1 and not is_section:
            match = _ENV_VAR.search(key.description or "")
            if match is None:
                raise InputError(
                    f"{dotted} is documented without the `DISPATCH_...` variable it renders",
                    SourceLocation(str(values_path), key.line + 1),
                )
            env_rows.append(f"| `{dotted}` | `{match.group(1)}` |")
    lines += [
        "",
        "## Environment variables",
        "",
        "Each structured `config` key and the environment variable it renders.",
        "",
        "| Key | Environment variable |",
        "|---|---|",
        *env_rows,
    ]
    return "\n".join(lines) + "\n"


def extract_value_comments(values_text: str) -> dict[str, str]:
    """Dotted key path -> its `# --` description joined into one line, in document order."""
    return {
        ".".join(key.path): key.description
        for key in _scan_values(values_text)
        if key.description is not None
    }


def _scan_values(values_text: str) -> list[_ValueKey]:
    """Every key reached through maps, in document order, with the comment block above it.

    ruamel hangs a comment on whichever token precedes it (the previous key's value, even in
    a deeper map; the next key's pre-comments after a flow collection; the enclosing map's
    `ca.comment` before its first key), and the marks of those tokens point at the comment
    or at the line after a quoted value. So keys and comment tokens are put in document order
    and a key's comment is read from the tokens between it and the content before it.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    try:
        root = YAML().load(values_text)
    except YAMLError as exc:
        raise InputError(f"invalid values YAML: {exc}") from exc
    if not isinstance(root, CommentedMap):
        raise InputError("values.yaml must hold a mapping")
    events: list[tuple[int, int, Any]] = []  # (line, column, _ValueKey | None | token)
    tokens: dict[int, Any] = {}
    _collect(root, (), events, tokens)
    events += [(token.start_mark.line, token.start_mark.column, token) for token in tokens.values()]
    content_lines = {line for line, _, item in events if item is None or isinstance(item, tuple)}
    keys: list[_ValueKey] = []
    gap: list[Any] = []
    for line, _, item in sorted(events, key=lambda event: event[:2]):
        if item is not None and not isinstance(item, tuple):
            gap.append(item)
            continue
        if isinstance(item, tuple):
            path, default = item
            description = _read_description(gap, content_lines)
            keys.append(_ValueKey(path, default, line, description))
        gap = []
    return keys


def _collect(
    node: Any,
    path: tuple[str, ...] | None,
    events: list[tuple[int, int, Any]],
    tokens: dict[int, Any],
) -> None:
    """Add `node`'s keys and sequence items (content) and its comment tokens to the lists.

    A key event carries `(path, default)`; keys inside sequences are content with no path.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    for token in _flatten_tokens([node.ca.comment, node.ca.end, *node.ca.items.values()]):
        tokens[id(token)] = token
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            line, column = node.lc.key(key)
            child = None if path is None else (*path, str(key))
            events.append((line, column, None if child is None else (child, value)))
            if isinstance(value, CommentedMap | CommentedSeq):
                _collect(value, child, events, tokens)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            line, column = node.lc.item(index)
            events.append((line, column, None))
            if isinstance(value, CommentedMap | CommentedSeq):
                _collect(value, None, events, tokens)


def _flatten_tokens(slots: Sequence[Any]) -> Iterator[Any]:
    for slot in slots:
        if isinstance(slot, list):
            yield from _flatten_tokens(slot)
        elif slot is not None:
            yield slot


def _read_description(gap: Sequence[Any], content_lines: set[int]) -> str | None:
    """The `# --` block at the end of the comment tokens right above a key, joined."""
    lines = "".join(token.value for token in gap).splitlines()
    first = gap[0] if gap else None
    if first is not None and first.value.startswith("#") and first.start_mark.line in content_lines:
        lines[0] = ""  # an end-of-line comment on the content above, not part of the block
    block: list[str] = []
    for line in reversed(lines):
        if not line.strip().startswith("#"):
            break
        block.insert(0, line.strip())
    starts = [index for index, line in enumerate(block) if _DOC_START.match(line)]
    if not starts:
        return None
    head, *rest = block[starts[-1] :]
    parts = [_DOC_START.sub("", head, count=1), *(line[1:] for line in rest)]
    return " ".join(part.strip() for part in parts if part.strip())


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", SourceLocation(str(path))) from exc


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", SourceLocation(str(path), exc.lineno)) from exc
    if not isinstance(schema, dict):
        raise InputError("a values schema must be an object", SourceLocation(str(path)))
    return schema


def _schema_at(schema: dict[str, Any], path: Sequence[str]) -> dict[str, Any]:
    """The subschema of a key path ({} when the schema says nothing about it)."""
    node = _resolve(schema, schema)
    for part in path:
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        child = properties.get(part, extra if isinstance(extra, dict) else {})
        node = _resolve(schema, child)
    return node


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s (`#/definitions/...`), the only kind the chart's schema uses."""
    while "$ref" in node:
        reference = str(node["$ref"])
        if not reference.startswith("#/"):
            raise InputError(f"values schema: only local $refs are supported, got {reference!r}")
        target: Any = schema
        for part in reference[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            raise InputError(f"values schema: $ref {reference!r} points nowhere")
        node = target
    return node


def _describe_type(node: Mapping[str, Any]) -> str:
    if "enum" in node:
        return " | ".join(json.dumps(option) for option in node["enum"])
    kinds = node.get("type", "any")
    return " | ".join(kinds) if isinstance(kinds, list) else str(kinds)


def _code(text: str) -> str:
    """A Markdown code span that survives backticks in `text`."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")
