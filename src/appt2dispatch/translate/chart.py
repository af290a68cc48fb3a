"""The bundled dispatch chart's defaults, read from its own values.yaml.

The translator writes only what differs from these defaults, so they are read
from the chart that ships with the package rather than restated here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from appt2dispatch.render.dispatch_chart import (
    CHART_URL,
    bundled_chart_version,
    read_bundled_yaml,
)

MISSING: Any = object()

__all__ = ["CHART_URL", "MISSING", "bundled_chart_version", "chart_default", "chart_defaults"]


@cache
def chart_defaults() -> dict[str, Any]:
    """The chart's values.yaml as plain data (key order kept)."""
    data = read_bundled_yaml("values.yaml")
    return data if isinstance(data, dict) else {}


def chart_default(path: tuple[str, ...]) -> Any:
    """The default at `path`, or MISSING when the chart has no such key."""
    node: Any = chart_defaults()
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node
