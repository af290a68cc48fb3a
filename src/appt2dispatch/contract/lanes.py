"""`DISPATCH_LANE_CONFIG_JSON` parsed and checked the way dispatch does at start-up.

dispatch catches both `JSON.parse` errors and validation errors, logs them and runs
on its built-in lanes, so "invalid" here means "the running app ignores this value".
The rules follow reference/lane-config.md (dispatch's `validateLaneConfigSet`);
translate (what to write into `config.lanes`) and compare (which lanes each side
runs on) both judge the value here, so they can never disagree about it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from appt2dispatch.models import LaneConfigResult

KNOWN_TOP_LEVEL_KEYS = ("lanes", "laneAliases")
KNOWN_LANE_KEYS = ("id", "title", "claimable", "role", "description", "color", "defaultAgent")
KNOWN_ROLES = ("default", "escalation")

# What JavaScript's String.prototype.trim removes (Python's str.strip differs slightly).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


class _NonStandardJson(ValueError):
    pass


def parse_lane_config(text: str) -> LaneConfigResult:
    """Judge a lane-config JSON string; never raises."""
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        return LaneConfigResult(valid=False, errors=(f"not valid JSON: {exc}",))
    unknown = _unknown_keys(parsed)
    errors = _validation_errors(parsed)
    if errors:
        return LaneConfigResult(valid=False, errors=tuple(errors), unknown_keys=unknown)
    assert isinstance(parsed, dict)  # _validation_errors guarantees it
    aliases = parsed.get("laneAliases")
    return LaneConfigResult(
        valid=True,
        lanes=tuple(parsed["lanes"]),
        lane_aliases=aliases if isinstance(aliases, dict) else None,
        unknown_keys=unknown,
        warnings=tuple(_schema_warnings(parsed["lanes"], aliases)),
    )


def _reject_constant(name: str) -> Any:
    # Python accepts NaN/Infinity; JSON.parse does not.
    raise _NonStandardJson(f"{name} is not JSON")


def js_trim(text: str) -> str:
    return text.strip(_JS_WHITESPACE)


def _validation_errors(parsed: Any) -> list[str]:
    if not isinstance(parsed, dict):
        return [f"the top level is a JSON {_json_type(parsed)}, not an object with `lanes`"]
    lanes = parsed.get("lanes")
    if not isinstance(lanes, list) or not lanes:
        return ["`lanes` must be a non-empty array"]
    errors: list[str] = []
    seen_ids: set[str] = set()
    claimable_role: dict[str, str] = {}
    any_claimable = False
    for index, lane in enumerate(lanes):
        where = f"lanes[{index}]"
        if not isinstance(lane, dict):
            errors.append(f"{where} is a JSON {_json_type(lane)}, not an object")
            continue
        lane_id = lane.get("id")
        if not isinstance(lane_id, str) or not js_trim(lane_id):
            errors.append(f"{where}.id must be a non-empty string")
        elif lane_id in seen_ids:
            errors.append(
                f"{where}.id {lane_id!r} is used by more than one lane: an id may not appear twice"
            )
        else:
            seen_ids.add(lane_id)
        title = lane.get("title")
        if not isinstance(title, str) or not js_trim(title):
            errors.append(f"{where}.title must be a non-empty string")
        claimable = lane.get("claimable")
        if not isinstance(claimable, bool):
            errors.append(f"{where}.claimable must be a boolean, not {json.dumps(claimable)}")
        elif claimable:
            any_claimable = True
            role = lane.get("role")
            if isinstance(role, str) and role:
                if role in claimable_role:
                    errors.append(
                        f"{where} is a second claimable lane with role {role!r} "
                        f"(lane {claimable_role[role]!r} has it already)"
                    )
                else:
                    claimable_role[role] = str(lane_id)
    if not any_claimable:
        errors.append("no lane is claimable")
    errors.extend(_alias_errors(parsed.get("laneAliases", None), seen_ids, "laneAliases" in parsed))
    return errors


def _alias_errors(aliases: Any, lane_ids: set[str], present: bool) -> list[str]:
    if not present or aliases is None:
        return []
    if not isinstance(aliases, dict):
        return [f"`laneAliases` is a JSON {_json_type(aliases)}, not an object"]
    return [
        f"laneAliases.{alias}: the alias points to {json.dumps(target)}, "
        "which is not a configured lane id"
        for alias, target in aliases.items()
        if not isinstance(target, str) or target not in lane_ids
    ]


def _unknown_keys(parsed: Any) -> tuple[str, ...]:
    if not isinstance(parsed, dict):
        return ()
    unknown = [key for key in parsed if key not in KNOWN_TOP_LEVEL_KEYS]
    lanes = parsed.get("lanes")
    if isinstance(lanes, list):
        for index, lane in enumerate(lanes):
            if isinstance(lane, dict):
                unknown.extend(
                    f"lanes[{index}].{key}" for key in lane if key not in KNOWN_LANE_KEYS
                )
    return tuple(unknown)


def _schema_warnings(lanes: list[Mapping[str, Any]], aliases: Any) -> list[str]:
    """Values the app tolerates but the chart's values schema rejects."""
    warnings: list[str] = []
    if isinstance(aliases, dict) and "" in aliases:
        warnings.append("laneAliases has an empty alias name")
    for index, lane in enumerate(lanes):
        role = lane.get("role")
        if "role" in lane and role not in KNOWN_ROLES:
            warnings.append(
                f'lanes[{index}].role {json.dumps(role)} is neither "default" nor "escalation"'
            )
        color = lane.get("color")
        if "color" in lane and not (isinstance(color, str) and _HEX_COLOR.fullmatch(color)):
            warnings.append(f"lanes[{index}].color {json.dumps(color)} is not a hex colour")
    return warnings


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
