"""Structural differences between two canonical objects, as named paths.

DeepDiff finds the differences; this module turns each into one `Change` with
a path that names list items by merge key (`containers[app].env[FOO]`). A
list without a merge key (command, args, tolerations) is compared whole: one
change for the list, not one per element. A few blocks that only make sense
whole (a Deployment's strategy, affinity) are reported whole too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appt2dispatch.compare.pairing import KeyedItems, format_path, key_lists

_WHOLE_BLOCKS = frozenset({"strategy", "updateStrategy", "affinity", "rollingUpdate"})
# Maps whose keys are data, not field names: always printed as `[key]`.
_DATA_MAPS = frozenset(
    {"labels", "annotations", "matchLabels", "selector", "nodeSelector", "data", "stringData"}
)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


@dataclass(frozen=True)
class Change:
    """One difference: where (`segments`, printed as `path`) and the two values (None: absent)."""

    segments: tuple[str, ...]
    path: str
    old: Any
    new: Any


def structural_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two canonical trees, one per path, in path order."""
    if identical(old, new):
        return []  # most pairs of a faithful migration: no DeepDiff (nor its import)
    old_tree, new_tree = key_lists(old), key_lists(new)
    differing = differing_parts(old_tree, new_tree)
    if differing is None:
        return []  # alike once lists are keyed (a duplicate merge key): nothing to list
    from deepdiff import DeepDiff  # heavy import, only when objects differ

    # DeepDiff walks what differs only: its cost is per node it visits, and entries both
    # sides hold alike hold no difference. Paths are resolved in the whole trees.
    diff = DeepDiff(
        *differing,
        view="tree",
        ignore_numeric_type_changes=True,
        threshold_to_diff_deeper=0,
    )
    changes: dict[str, Change] = {}
    for levels in diff.values():
        for level in levels:
            change = _change_at(level.path(output_format="list"), old_tree, new_tree)
            changes.setdefault(change.path, change)
    return [changes[path] for path in sorted(changes)]


def identical(old: Any, new: Any) -> bool:
    """Equal in a way DeepDiff (numeric type changes ignored) could find no difference
    in: `==`, except that a bool only equals a bool (`True == 1` is left to DeepDiff),
    containers item by item. False when unsure: DeepDiff then decides."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, Mapping):
        return (
            isinstance(new, Mapping)
            and type(old) is type(new)
            and old.keys() == new.keys()
            and all(identical(value, new[key]) for key, value in old.items())
        )
    if isinstance(old, list):
        return (
            type(new) is list
            and len(old) == len(new)
            and all(identical(a, b) for a, b in zip(old, new, strict=True))
        )
    if isinstance(old, int | float) and isinstance(new, int | float):
        return old == new
    return type(old) is type(new) and type(old) in (str, type(None)) and old == new


def differing_parts(old: Any, new: Any) -> tuple[Any, Any] | None:
    """Both trees less every map entry they hold alike (same string key, `identical`
    values), or None when the trees are `identical`.

    What is dropped holds no difference DeepDiff could list, and DeepDiff reports a
    difference by the keys leading to it, whatever the siblings: it lists the same
    differences, at the same paths, in the same order, in the parts as in the whole.
    Maps keep their type (a `KeyedItems` stays one) and key order; lists and
    non-string keys are kept whole.
    """
    if not (type(old) is type(new) and type(old) in (dict, KeyedItems)):
        return None if identical(old, new) else (old, new)
    parts: dict[Any, tuple[Any, Any] | None] = {}
    alike = old.keys() == new.keys()
    for key, value in old.items():
        if key not in new:
            continue
        if isinstance(key, str):
            parts[key] = differing_parts(value, new[key])
            alike = alike and parts[key] is None
        else:
            alike = alike and identical(value, new[key])
    if alike:
        return None

    def kept(tree: dict[Any, Any], side: int) -> dict[Any, Any]:
        result = type(tree)()
        for key, value in tree.items():
            if key not in parts:
                result[key] = value  # on one side only, or a non-string key: whole
            elif (part := parts[key]) is not None:
                result[key] = part[side]
        return result

    return kept(old, 0), kept(new, 1)


def _change_at(raw_path: Sequence[Any], old_tree: Any, new_tree: Any) -> Change:
    segments: list[str] = []
    keyed: list[bool] = []
    old_node: Any = old_tree
    new_node: Any = new_tree
    for raw in raw_path:
        parent = old_node if old_node is not MISSING else new_node
        if not isinstance(parent, Mapping):
            break  # inside a list without merge key: the whole list is the value
        segment = str(raw)
        in_data_map = (
            bool(segments)
            and segments[-1] in _DATA_MAPS
            and not keyed[-1]
            and not any(isinstance(value, Mapping) for value in parent.values())
        )
        segments.append(segment)
        keyed.append(isinstance(parent, KeyedItems) or in_data_map)
        old_node = _child(old_node, raw)
        new_node = _child(new_node, raw)
        if segment in _WHOLE_BLOCKS and not keyed[-1]:
            break
    return Change(
        tuple(segments),
        format_path(segments, keyed),
        plain(old_node),
        plain(new_node),
    )


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, Mapping) and key in node:
        return node[key]
    return MISSING


def plain(value: Any) -> Any:
    """Back to plain data: keyed maps become lists again, absent becomes None."""
    if value is MISSING:
        return None
    if isinstance(value, KeyedItems):
        return [plain(item) for item in value.values()]
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
