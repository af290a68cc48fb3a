"""The exact-equality shortcut before DeepDiff agrees with DeepDiff."""

from __future__ import annotations

from typing import Any

import pytest

from appt2dispatch.compare.diffing import identical, structural_changes


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
