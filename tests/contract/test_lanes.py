"""parse_lane_config follows dispatch's own start-up rules (reference/lane-config.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appt2dispatch.contract import parse_lane_config

LOCAL = {"id": "local", "title": "Local", "claimable": True, "role": "default"}
BACKLOG = {"id": "backlog", "title": "Backlog", "claimable": False}


def config(*lanes: Any, **extra: Any) -> str:
    return json.dumps({"lanes": list(lanes), **extra})


def test_valid_config_keeps_lane_order_every_field_and_aliases() -> None:
    frontier = {"id": "frontier", "title": "Frontier", "claimable": True, "role": "escalation"}
    text = config(
        {**LOCAL, "description": "Local \u2014 lane", "color": "#3b82f6", "defaultAgent": "c"},
        frontier,
        BACKLOG,
        laneAliases={"normal": "local", "escalated": "frontier"},
    )
    result = parse_lane_config(text)
    assert result.valid
    assert [lane["id"] for lane in result.lanes] == ["local", "frontier", "backlog"]
    assert result.lanes[0]["description"] == "Local — lane"
    assert result.lanes[0]["defaultAgent"] == "c"
    assert result.lane_aliases == {"normal": "local", "escalated": "frontier"}
    assert result.errors == ()
    assert result.unknown_keys == ()


def test_escaped_and_literal_dash_are_the_same_string() -> None:
    escaped = parse_lane_config('{"lanes":[{"id":"a","title":"A \\u2014 B","claimable":true}]}')
    literal = parse_lane_config('{"lanes":[{"id":"a","title":"A — B","claimable":true}]}')
    assert escaped.lanes == literal.lanes


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"lanes": [', "not valid JSON"),
        ('{"lanes": [{"id": "a", "title": "A", "claimable": NaN}]}', "not valid JSON"),
        ("[]", "top level is a JSON array"),
        ('{"lanes": []}', "non-empty array"),
        ('{"laneAliases": {}}', "non-empty array"),
        (config({**LOCAL, "id": "  "}), "lanes[0].id"),
        (config({**LOCAL, "id": "\u00a0"}), "lanes[0].id"),
        (config(LOCAL, {**BACKLOG, "id": "local"}), "used by more than one lane"),
        (config({**LOCAL, "title": ""}), "lanes[0].title"),
        (config({**LOCAL, "claimable": "true"}), "lanes[0].claimable must be a boolean"),
        (config(BACKLOG), "no lane is claimable"),
        (
            config(
                {"id": "a", "title": "A", "claimable": True, "role": "escalation"},
                {"id": "b", "title": "B", "claimable": True, "role": "escalation"},
            ),
            "second claimable lane with role 'escalation'",
        ),
        (config(LOCAL, laneAliases={"normal": "nowhere"}), "laneAliases.normal"),
        (config(LOCAL, laneAliases=["local"]), "not an object"),
        (config(LOCAL, "not a lane"), "lanes[1] is a JSON string"),
    ],
)
def test_invalid_configs_are_refused_as_the_app_refuses_them(text: str, fragment: str) -> None:
    result = parse_lane_config(text)
    assert not result.valid
    assert result.lanes == ()
    assert any(fragment in error for error in result.errors), result.errors


def test_lanes_without_role_do_not_count_towards_the_one_claimable_per_role_rule() -> None:
    cloud = {"id": "cloud", "title": "Cloud", "claimable": True}
    other = {"id": "other", "title": "Other", "claimable": True}
    assert parse_lane_config(config(LOCAL, cloud, other, BACKLOG)).valid


def test_unknown_keys_are_reported_and_lane_keys_kept() -> None:
    result = parse_lane_config(config({**LOCAL, "priority": 3}, BACKLOG, version=2))
    assert result.valid
    assert result.unknown_keys == ("version", "lanes[0].priority")
    assert result.lanes[0]["priority"] == 3


def test_values_the_chart_schema_rejects_are_warnings_not_errors() -> None:
    result = parse_lane_config(config({**LOCAL, "role": "boss", "color": "blue"}))
    assert result.valid
    assert len(result.warnings) == 2
    assert "role" in result.warnings[0]
    assert "color" in result.warnings[1]


def test_corpus_lane_config_is_valid(corpus_dir: Any) -> None:
    from ruamel.yaml import YAML

    path = corpus_dir / "home-ops-history" / "26-2026-07-02-dispatch-da5427f22.yaml"
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    env = data["spec"]["values"]["controllers"]["dispatch"]["containers"]["app"]["env"]
    result = parse_lane_config(env["DISPATCH_LANE_CONFIG_JSON"])
    assert result.valid
    assert [lane["id"] for lane in result.lanes] == ["local", "frontier", "backlog"]
    assert result.lane_aliases == {"normal": "local", "escalated": "frontier", "cloud": "local"}
