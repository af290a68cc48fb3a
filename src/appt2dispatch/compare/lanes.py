"""`DISPATCH_LANE_CONFIG_JSON` as the app sees it (reference/lane-config.md).

The app parses and validates the JSON; on any failure it logs and runs on its
built-in lanes. Comparing what the app would run on (not the string) makes key
order and `\\u2014` vs `—` irrelevant while lane order still counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANE_FIELDS = ("id", "title", "claimable", "role", "description", "color", "defaultAgent")


@dataclass(frozen=True)
class LaneConfig:
    """The lane set the app runs on: `config` None means its built-in lanes."""

    config: Mapping[str, Any] | None
    problem: str | None = None

    @property
    def is_builtin(self) -> bool:
        return self.config is None


def effective_lane_config(raw: str) -> LaneConfig:
    """Parse and validate like the app; an invalid value means the built-in lanes."""
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        return LaneConfig(None, f"not valid JSON ({exc.msg})")
    if not isinstance(parsed, dict):
        return LaneConfig(None, "not a JSON object")
    problem = lane_config_problem(parsed)
    if problem is not None:
        return LaneConfig(None, problem)
    return LaneConfig(_meaningful_part(parsed))


def lane_config_problem(parsed: Mapping[str, Any]) -> str | None:
    """The first rule of the app's `validateLaneConfigSet` that `parsed` breaks, if any."""
    lanes = parsed.get("lanes")
    if not isinstance(lanes, list) or not lanes:
        return "lanes is not a non-empty array"
    seen: set[str] = set()
    claimable_roles: set[str] = set()
    any_claimable = False
    for index, lane in enumerate(lanes):
        if not isinstance(lane, dict):
            return f"lanes[{index}] is not an object"
        lane_id = lane.get("id")
        if not isinstance(lane_id, str) or not lane_id.strip():
            return f"lanes[{index}].id is not a non-empty string"
        if lane_id in seen:
            return f"lane id {lane_id!r} is used twice"
        seen.add(lane_id)
        title = lane.get("title")
        if not isinstance(title, str) or not title.strip():
            return f"lane {lane_id!r} has no title"
        if not isinstance(lane.get("claimable"), bool):
            return f"lane {lane_id!r}: claimable is not a boolean"
        role = lane.get("role")
        if lane["claimable"]:
            any_claimable = True
            if role is not None and role in claimable_roles:
                return f"two claimable lanes with role {role!r}"
            if role is not None:
                claimable_roles.add(str(role))
    if not any_claimable:
        return "no lane is claimable"
    aliases = parsed.get("laneAliases") or {}
    if not isinstance(aliases, dict):
        return "laneAliases is not an object"
    for alias, target in aliases.items():
        if target not in seen:
            return f"alias {alias!r} points to {target!r}, which is not a lane id"
    return None


def _meaningful_part(parsed: Mapping[str, Any]) -> dict[str, Any]:
    """Only what changes the app's behaviour: known lane fields, aliases not shadowed by a lane."""
    lanes = [{key: lane[key] for key in LANE_FIELDS if key in lane} for lane in parsed["lanes"]]
    lane_ids = {lane["id"] for lane in lanes}
    aliases = {
        alias: target
        for alias, target in (parsed.get("laneAliases") or {}).items()
        if alias not in lane_ids
    }
    return {"lanes": lanes, "laneAliases": aliases}


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
            key for key in LANE_FIELDS if old_lanes[lane_id].get(key) != new_lanes[lane_id].get(key)
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
