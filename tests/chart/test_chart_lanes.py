"""Lane configs the chart must refuse: by values schema, or by a template `fail` naming the lane."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from appt2dispatch.errors import RenderError

if TYPE_CHECKING:
    from conftest import RenderValues


def lane(lane_id: str, *, claimable: bool = True, **extra: Any) -> dict[str, Any]:
    return {"id": lane_id, "title": lane_id.title(), "claimable": claimable, **extra}


SCHEMA_REJECTS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("empty lane list", {"lanes": []}, ["/config/lanes", "minItems"]),
    ("lanes not a list", {"lanes": "default,backlog"}, ["/config/lanes", "got string"]),
    ("lanes as a map", {"lanes": {"local": lane("local")}}, ["/config/lanes", "got object"]),
    (
        "lane without id",
        {"lanes": [lane("local"), {"title": "No id", "claimable": False}]},
        ["/config/lanes/1", "missing property 'id'"],
    ),
    (
        "lane without title",
        {"lanes": [{"id": "local", "claimable": True}]},
        ["/config/lanes/0", "missing property 'title'"],
    ),
    (
        "lane without claimable",
        {"lanes": [{"id": "local", "title": "Local"}]},
        ["/config/lanes/0", "missing property 'claimable'"],
    ),
    ("blank id", {"lanes": [lane("local"), lane("  ")]}, ["/config/lanes/1/id", "pattern"]),
    (
        "empty title",
        {"lanes": [{"id": "local", "title": "", "claimable": True}]},
        ["/config/lanes/0/title"],
    ),
    (
        "claimable as a string",
        {"lanes": [{"id": "local", "title": "Local", "claimable": "true"}]},
        ["/config/lanes/0/claimable", "want boolean"],
    ),
    (
        "unknown role",
        {"lanes": [lane("local", role="primary")]},
        ["/config/lanes/0/role", "'default', 'escalation'"],
    ),
    ("color name", {"lanes": [lane("local", color="blue")]}, ["/config/lanes/0/color"]),
    ("color too long", {"lanes": [lane("local", color="#12345678")]}, ["/config/lanes/0/color"]),
    (
        "description not a string",
        {"lanes": [lane("local", description=5)]},
        ["/config/lanes/0/description", "want string"],
    ),
    (
        "defaultAgent not a string",
        {"lanes": [lane("local", defaultAgent=False)]},
        ["/config/lanes/0/defaultAgent", "want string"],
    ),
    (
        "alias target not a string",
        {"lanes": [lane("local")], "laneAliases": {"normal": 1}},
        ["/config/laneAliases/normal"],
    ),
]

TEMPLATE_REJECTS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "duplicate id",
        {"lanes": [lane("local"), lane("cloud"), lane("local", claimable=False)]},
        ["config.lanes[2]", 'lane id "local"', "unique"],
    ),
    (
        "alias to a missing lane",
        {
            "lanes": [lane("local")],
            "laneAliases": {"normal": "local", "hard": "cloud", "escalated": None},
        },
        ["config.laneAliases.hard", '"hard"', 'lane "cloud"'],
    ),
    (
        "no claimable lane",
        {"lanes": [lane("backlog", claimable=False), lane("icebox", claimable=False)]},
        ["config.lanes", "no lane is claimable"],
    ),
    (
        "two claimable escalation lanes",
        {
            "lanes": [
                lane("local", role="default"),
                lane("cloud", role="escalation"),
                lane("frontier", role="escalation"),
            ]
        },
        ["config.lanes[2]", 'lane "frontier"', 'role "escalation"', 'lane "cloud"'],
    ),
    (
        "two claimable default lanes",
        {"lanes": [lane("a", role="default"), lane("b", role="default")]},
        ["config.lanes[1]", 'lane "b"', 'role "default"'],
    ),
    (
        "aliases without lanes",
        {"lanes": None, "laneAliases": {"normal": "default"}},
        ["config.laneAliases", "config.lanes is null", "laneAliases: null too"],
    ),
]


def _failure(render_values: RenderValues, config: dict[str, Any]) -> str:
    with pytest.raises(RenderError) as caught:
        render_values({"config": config})
    return str(caught.value)


@pytest.mark.parametrize(
    ("config", "fragments"),
    [pytest.param(config, fragments, id=name) for name, config, fragments in SCHEMA_REJECTS],
)
def test_schema_rejects(
    render_values: RenderValues, config: dict[str, Any], fragments: list[str]
) -> None:
    message = _failure(render_values, config)
    assert "schema" in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("config", "fragments"),
    [pytest.param(config, fragments, id=name) for name, config, fragments in TEMPLATE_REJECTS],
)
def test_template_rejects(
    render_values: RenderValues, config: dict[str, Any], fragments: list[str]
) -> None:
    message = _failure(render_values, config)
    assert "schema" not in message  # a rule the schema cannot state: the template says it
    for fragment in fragments:
        assert fragment in message, message


def test_accepted_shapes_are_carried_whole(render_values: RenderValues) -> None:
    lanes = [
        lane("backlog", claimable=False, color="#abc"),
        lane("local", role="default", priority=3, tags=["gpu"]),
        lane("cloud", role="escalation"),
        lane("spare"),  # claimable without a role: no per-role limit applies
        lane("spare-2"),
    ]
    aliases = {"normal": "local", "escalated": "cloud", "local": "cloud"}
    config = {"lanes": lanes, "laneAliases": aliases}
    raw = render_values({"config": config}).env_value("DISPATCH_LANE_CONFIG_JSON")
    assert raw is not None
    assert json.loads(raw) == config
