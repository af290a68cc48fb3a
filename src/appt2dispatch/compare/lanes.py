"""`DISPATCH_LANE_CONFIG_JSON` as the app sees it, and how two lane sets differ.

The app parses and validates the JSON (appt2dispatch.contract.parse_lane_config);
on any failure it logs and runs on its built-in lanes. Comparing what the app
would run on (not the string) makes key order and `\\u2014` vs `—` irrelevant
while lane order still counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.contract import KNOWN_LANE_KEYS, parse_lane_config


@dataclass(frozen=True)
class LaneConfig:
    """The lane set the app runs on: `config` None means its built-in lanes."""

    config: Mapping[str, Any] | None
    problem: str | None = None

    @property
    def is_builtin(self) -> bool:
        return self.config is None


def effective_lane_config(raw: str) -> LaneConfig:
    """What the app runs on: only what changes its behaviour, or None for its built-in lanes."""
    result = parse_lane_config(raw)
    if not result.valid:
        return LaneConfig(None, result.errors[0])
    # Unknown keys have no effect; an alias that is itself a lane id is shadowed by the lane.
    lanes = [{key: lane[key] for key in KNOWN_LANE_KEYS if key in lane} for lane in result.lanes]
    lane_ids = {lane["id"] for lane in lanes}
    aliases = {
        alias: target
        for alias, target in (result.lane_aliases or {}).items()
        if alias not in lane_ids
    }
    return LaneConfig({"lanes": lanes, "laneAliases": aliases})


def describe_lane_change(old: LaneConfig, new: LaneConfig) -> str:
    """One sentence on how the lanes the app runs on differ."""
    if old.is_builtin or new.is_builtin:
        before = _describe(old)
        after = _describe(new)
        return f"lanes: {before} → {after}"
    assert old.config is not None and new.config is not None
    old_lanes = {lane["id"]: lane for lane in old.config["lanes"]}
    new_lanes = {lane["id"]: lane for lane in new.config["lanes"]}
    parts: list[str] = []
    removed = [lane_id for lane_id in old_lanes if lane_id not in new_lanes]
    added = [lane_id for lane_id in new_lanes if lane_id not in old_lanes]
    if removed:
        parts.append(f"lanes removed: {', '.join(removed)}")
    if added:
        parts.append(f"lanes added: {', '.join(added)}")
    common_old = [lane_id for lane_id in old_lanes if lane_id in new_lanes]
    common_new = [lane_id for lane_id in new_lanes if lane_id in old_lanes]
    if common_old != common_new:
        parts.append(
            f"lane order changed: {', '.join(common_old)} → {', '.join(common_new)} "
            "(the first claimable lane is the fallback default, the first non-claimable "
            "one the backlog)"
        )
    for lane_id in common_new:
        changed = [
            key
            for key in KNOWN_LANE_KEYS
            if old_lanes[lane_id].get(key) != new_lanes[lane_id].get(key)
        ]
        if changed:
            parts.append(f"lane {lane_id}: {', '.join(changed)} changed")
    if old.config["laneAliases"] != new.config["laneAliases"]:
        parts.append("lane aliases changed")
    return "; ".join(parts) or "lanes changed"


def _describe(config: LaneConfig) -> str:
    if config.config is None:
        reason = f" ({config.problem})" if config.problem else ""
        return f"the app's built-in lanes{reason}"
    ids = ", ".join(str(lane["id"]) for lane in config.config["lanes"])
    return f"lanes {ids}"
