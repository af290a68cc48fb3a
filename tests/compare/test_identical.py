"""The exact-equality shortcut before DeepDiff agrees with DeepDiff."""

from __future__ import annotations

from typing import Any

import pytest

from appt2dispatch.compare.diffing import differing_parts, identical, structural_changes
from appt2dispatch.compare.pairing import KeyedItems


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]}, True),
        ({"a": 1}, {"a": 1.0}, True),  # numeric type changes are ignored, as DeepDiff does
        ({"a": True}, {"a": 1}, False),  # a bool is not taken for a number: DeepDiff decides
        ({"a": None}, {}, False),
        ({"a": [1, 2]}, {"a": [2, 1]}, False),
        ({"a": "1"}, {"a": 1}, False),
        ({"a": float("nan")}, {"a": float("nan")}, False),  # unsure: DeepDiff decides
    ],
)
def test_identical_is_never_more_lenient_than_deepdiff(old: Any, new: Any, same: bool) -> None:
    assert identical(old, new) is same
    if same:  # never a difference DeepDiff would have found
        assert structural_changes(old, new) == []


def _deepdiff_reports(old: Any, new: Any) -> list[tuple[str, list[Any], Any, Any]]:
    from deepdiff import DeepDiff

    diff = DeepDiff(
        old, new, view="tree", ignore_numeric_type_changes=True, threshold_to_diff_deeper=0
    )
    return [
        (report, level.path(output_format="list"), level.t1, level.t2)
        for report, levels in diff.items()
        for level in levels
    ]


_KEYED = KeyedItems({"app": {"name": "app", "image": "a:1", "ports": [1, 2]}, "side": {"x": 1}})


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"a": {"b": 1, "c": {"d": "x", "e": [1]}}, "f": 2}, {"a": {"b": 1, "c": {"d": "y"}}}),
        ({"a": {"b": 1}}, {"a": KeyedItems({"b": 1})}),  # a type change is kept whole
        ({"c": _KEYED, "d": 1}, {"c": KeyedItems({**_KEYED, "side": {"x": 2}}), "d": 1.0}),
        ({"a": [1, {"b": 2}], "z": "same"}, {"a": [1, {"b": 3}], "z": "same"}),
        ({"a": {"x": True, "y": 0}}, {"a": {"x": 1, "y": 0}}),  # a bool is left to DeepDiff
        ({1: "int key", "s": {"t": 1}}, {1.0: "int key", "s": {"t": 2}}),
        ({"a": {"b": 1}}, {"a": {"b": 1}, "new": None}),
    ],
)
def test_deepdiff_lists_the_same_differences_in_the_differing_parts(old: Any, new: Any) -> None:
    parts = differing_parts(old, new)
    assert parts is not None
    assert _deepdiff_reports(*parts) == _deepdiff_reports(old, new)


def test_differing_parts_is_none_exactly_when_identical() -> None:
    assert differing_parts({"a": {"b": [1]}, "c": 1}, {"c": 1.0, "a": {"b": [1]}}) is None
    assert differing_parts({"a": {"b": True}}, {"a": {"b": 1}}) is not None
    assert differing_parts({"a": {}}, {"a": KeyedItems()}) is not None
