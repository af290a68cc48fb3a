"""The translated values: collected entry by entry, emitted as commented YAML.

Each entry remembers the app-template values keys it came from, so a comment
written above one of those keys in the HelmRelease lands above the entry.
Keys come out in the chart's own values.yaml order; unknown keys (env names,
annotations) in the order they were added.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from appt2dispatch.kube import plain_tree
from appt2dispatch.models import Note, NoteLevel, SourceLocation
from appt2dispatch.translate.chart import MISSING, chart_default, chart_defaults
from appt2dispatch.translate.source import ValuesPath

TargetPath = tuple[str, ...]
# A comment's place: an entry's path, possibly extended into the entry's own value.
CommentPath = tuple[str | int, ...]


@dataclass
class Entry:
    """One value of the drafted values document, with its comment and old values paths."""

    path: TargetPath
    value: Any
    comment: str | None = None
    sources: tuple[ValuesPath, ...] = ()
    # Equal to the chart default and never stated by the old values: written only when a
    # travelling comment needs a home. What the old release stated is always written, so
    # a later chart default cannot change it.
    redundant: bool = False


@dataclass
class Draft:
    """Values and notes of one translation while it is being built."""

    entries: dict[TargetPath, Entry] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def set(
        self,
        path: TargetPath,
        value: Any,
        *,
        comment: str | None = None,
        sources: Sequence[ValuesPath] = (),
        stated: bool = False,
    ) -> None:
        redundant = _equal_to_default(path, value) and comment is None and not stated
        self.entries[path] = Entry(path, value, comment, tuple(sources), redundant)

    def get(self, path: TargetPath) -> Any:
        entry = self.entries.get(path)
        return entry.value if entry is not None else MISSING

    def note(
        self,
        message: str,
        location: SourceLocation | None = None,
        level: NoteLevel = "info",
    ) -> None:
        self.notes.append(Note(message=message, location=location, level=level))

    def prefer_source_order(self, lookup: Callable[[ValuesPath], Any]) -> None:
        """Where an entry equals what its source key holds, take the source's key order.

        Renders sort map keys; the human's values file had its own order, which reads better.
        """
        for entry in self.entries.values():
            for source in entry.sources:
                original = lookup(source)
                if isinstance(original, Mapping | list) and original == entry.value:
                    entry.value = original
                    break

    def written(self, comments: Mapping[CommentPath, Sequence[str]]) -> list[Entry]:
        """Entries that differ from the chart defaults, or carry a travelling comment."""
        return [
            entry
            for entry in self.entries.values()
            if not entry.redundant
            or any(path[: len(entry.path)] == entry.path for path in comments)
        ]

    def plain_values(self, comments: Mapping[CommentPath, Sequence[str]]) -> dict[str, Any]:
        """What Helm receives: the written entries as nested plain data."""
        tree: dict[str, Any] = {}
        for entry in _ordered(self.written(comments)):
            node = tree
            for part in entry.path[:-1]:
                node = node.setdefault(part, {})
            node[entry.path[-1]] = plain_tree(entry.value)
        return tree


def _equal_to_default(path: TargetPath, value: Any) -> bool:
    default = chart_default(path)
    return default is not MISSING and default == value and type(default) is type(value)


def _ordered(entries: list[Entry]) -> list[Entry]:
    """Entries sorted by the chart's key order at every level, else insertion order."""
    insertion = {entry.path: index for index, entry in enumerate(entries)}

    def sort_key(entry: Entry) -> tuple[tuple[int, int], ...]:
        key: list[tuple[int, int]] = []
        defaults: Any = chart_defaults()
        for part in entry.path:
            if isinstance(defaults, dict) and part in defaults:
                key.append((list(defaults).index(part), 0))
                defaults = defaults[part]
            else:
                key.append((len(defaults) if isinstance(defaults, dict) else 0, 1))
                defaults = None
        key.append((insertion[entry.path], 0))
        return tuple(key)

    return sorted(entries, key=sort_key)


def render_values_yaml(
    draft: Draft,
    comments: Mapping[CommentPath, Sequence[str]],
    header: Sequence[str] = (),
) -> str:
    """The written entries as a YAML document, comments above and beside the keys."""
    from ruamel.yaml.comments import CommentedMap

    root = CommentedMap()
    for entry in _ordered(draft.written(comments)):
        node = root
        for depth, part in enumerate(entry.path[:-1]):
            if part not in node:
                node[part] = CommentedMap()
                _attach_above(node, part, comments.get(entry.path[: depth + 1], ()), 2 * depth)
            node = node[part]
        key = entry.path[-1]
        node[key] = to_yaml_node(entry.value)
        column = 2 * (len(entry.path) - 1)
        _attach_above(node, key, comments.get(entry.path, ()), column)
        if entry.comment:
            node.yaml_add_eol_comment(
                entry.comment, key, column=_eol_column(key, node[key], column)
            )
        for path, lines in comments.items():
            if len(path) > len(entry.path) and path[: len(entry.path)] == entry.path:
                _attach_inside(node[key], path[len(entry.path) :], lines, column)
    if header and root:
        first = next(iter(root))
        existing = comments.get((str(first),), ())
        root.yaml_set_comment_before_after_key(first, before="\n".join([*header, *existing]))
    return dump_yaml(root) if root else "{}\n"


def _eol_column(key: str, value: Any, indent: int) -> int:
    """Two spaces after the value (after `key:` for a block value)."""
    if isinstance(value, Mapping | list) and value:
        return indent + len(key) + 3
    line = dump_yaml({key: value}).split("\n", 1)[0]
    return indent + len(line) + 2


def _attach_above(node: Any, key: str | int, lines: Sequence[str], column: int) -> None:
    if lines:
        node.yaml_set_comment_before_after_key(key, before="\n".join(lines), indent=column)


def _attach_inside(node: Any, rest: CommentPath, lines: Sequence[str], column: int) -> None:
    """Attach above `rest` inside an entry's value (maps indent 2, list items 2 then 4)."""
    for index, part in enumerate(rest):
        column += 2
        is_last = index == len(rest) - 1
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            if is_last:
                _attach_above(node, part, lines, column)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            if is_last:
                _attach_above(node, part, lines, column)
            node = node[part]
            column += 2
        else:
            return


def to_yaml_node(value: Any) -> Any:
    """Plain data as ruamel round-trip nodes, strings quoted where YAML would retype them."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[str(key)] = to_yaml_node(item)
        return mapping
    if isinstance(value, list | tuple):
        return CommentedSeq(to_yaml_node(item) for item in value)
    if isinstance(value, str):
        return quote_if_needed(value)
    return value


def quote_if_needed(text: str) -> Any:
    """Double-quote a string a YAML 1.1 or 1.2 reader (Helm is 1.1-ish) would not read as a
    string, and version-like strings (`0.5.17`, `3000`) so they read as strings to humans too."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    str_tag = "tag:yaml.org,2002:str"
    for version in ((1, 1), (1, 2)):
        resolved = _resolver(version).resolve(ScalarNode, text, (True, False))
        if resolved != str_tag:
            return DoubleQuotedScalarString(text)
    if text[:1].isdigit() and all(ch.isdigit() or ch == "." for ch in text):
        return DoubleQuotedScalarString(text)
    return text


@cache
def _resolver(version: tuple[int, int]) -> Any:
    """One resolver per YAML version for the process: building one (its table of
    implicit tags) cost more than the lookups. Resolving keeps no state between calls."""
    from ruamel.yaml.resolver import VersionedResolver

    return VersionedResolver(version=version)


def dump_yaml(data: Any) -> str:
    """Round-trip dump with the house style: 2-space maps, indented lists, explicit nulls."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None),
        lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null"),
    )
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
