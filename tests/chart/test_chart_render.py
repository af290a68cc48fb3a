"""The dispatch chart's environment: structured config, env map, lanes JSON, schema, notes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from appt2dispatch.errors import RenderError

if TYPE_CHECKING:
    from conftest import RenderValues


def test_defaults_render_the_app_objects_in_order(render_values: RenderValues) -> None:
    render = render_values()
    assert render.kinds == ["ServiceAccount", "Service", "Deployment", "Job"]
    sketch_lanes = {
        "lanes": [
            {"id": "local", "title": "Local", "claimable": True, "role": "default"},
            {"id": "frontier", "title": "Frontier", "claimable": True, "role": "escalation"},
            {"id": "backlog", "title": "Backlog", "claimable": False},
        ],
        "laneAliases": {"normal": "local", "escalated": "frontier"},
    }
    lane_json = render.env_value("DISPATCH_LANE_CONFIG_JSON")
    assert lane_json is not None and json.loads(lane_json) == sketch_lanes
    assert render.env == [
        {"name": "DISPATCH_AUTH_MODE", "value": "basic"},
        {"name": "DISPATCH_EXCLUDED_LABELS", "value": "renovate"},
        {"name": "DISPATCH_HOSTED_GROOMER_ENABLED", "value": "true"},
        {"name": "DISPATCH_GROOMER_DRY_RUN", "value": "false"},
        {"name": "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED", "value": "true"},
        {"name": "DISPATCH_SCHEDULER_ENABLED", "value": "true"},
        {"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "900000"},
        {"name": "DISPATCH_GROOMER_INTERVAL_MS", "value": "600000"},
        {"name": "DISPATCH_PR_FOLLOWUP_INTERVAL_MS", "value": "900000"},
        {"name": "DISPATCH_PRUNE_CLOSED_INTERVAL_MS", "value": "86400000"},
        {"name": "DISPATCH_LANE_CONFIG_JSON", "value": lane_json},
        {"name": "SKIP_DB_MIGRATIONS", "value": "true"},
    ]
    container = render.container
    # The sketch's credentials Secret, loaded by the app (and the migration Job).
    assert container["envFrom"] == [{"secretRef": {"name": "dispatch"}}]
    assert container["name"] == "app"
    assert container["image"] == "ghcr.io/misospace/dispatch:0.5.40"
    assert container["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/", "port": 3000}
    assert container["readinessProbe"]["initialDelaySeconds"] == 5
    assert "startupProbe" not in container
    for absent in ("imagePullPolicy", "command", "args", "resources"):
        assert absent not in container, absent


def test_every_config_field_set(render_values: RenderValues, full_values: dict[str, Any]) -> None:
    render = render_values(full_values)
    assert render.env_names == [
        "DISPATCH_AUTH_MODE",
        "DISPATCH_EXCLUDED_LABELS",
        "DISPATCH_LLM_BASE_URL",
        "DISPATCH_HOSTED_GROOMER_ENABLED",
        "DISPATCH_GROOMER_MODEL",
        "DISPATCH_GROOMER_DRY_RUN",
        "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED",
        "DISPATCH_SCHEDULER_ENABLED",
        "DISPATCH_SYNC_INTERVAL_MS",
        "DISPATCH_GROOMER_INTERVAL_MS",
        "DISPATCH_PR_FOLLOWUP_INTERVAL_MS",
        "DISPATCH_PRUNE_CLOSED_INTERVAL_MS",
        "DISPATCH_LANE_CONFIG_JSON",
        "DATABASE_URL",
        "SKIP_DB_MIGRATIONS",
        # the env map, sorted by name
        "DISPATCH_RECONCILE_INTERVAL_MS",
        "HOSTNAME",
        "TZ",
        "WEBHOOK_SECRET",
    ]
    expected = {
        "DISPATCH_AUTH_MODE": "oidc",
        "DISPATCH_EXCLUDED_LABELS": "renovate,wontfix",
        "DISPATCH_LLM_BASE_URL": "http://litellm.llm.svc:4000/v1",
        "DISPATCH_HOSTED_GROOMER_ENABLED": "true",
        "DISPATCH_GROOMER_MODEL": "qwen3-coder",
        "DISPATCH_GROOMER_DRY_RUN": "true",
        "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED": "false",
        "DISPATCH_SCHEDULER_ENABLED": "true",
        "DISPATCH_SYNC_INTERVAL_MS": "300000",
        "DISPATCH_GROOMER_INTERVAL_MS": "0",
        "DISPATCH_PR_FOLLOWUP_INTERVAL_MS": "1800000",
        "DISPATCH_PRUNE_CLOSED_INTERVAL_MS": "604800000",
        "SKIP_DB_MIGRATIONS": "true",
        "DISPATCH_RECONCILE_INTERVAL_MS": "1800000",
        "HOSTNAME": "0.0.0.0",
        "TZ": "Europe/Berlin",
    }
    for name, value in expected.items():
        assert render.env_value(name) == value, name
    env = {entry["name"]: entry for entry in render.env}
    assert env["DATABASE_URL"] == {
        "name": "DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": "dispatch-pg-app", "key": "pgbouncer-uri"}},
    }
    assert env["WEBHOOK_SECRET"] == {
        "name": "WEBHOOK_SECRET",
        "valueFrom": {"secretKeyRef": {"name": "hooks", "key": "secret"}},
    }


def test_lane_json_is_compact_and_keeps_lanes(
    render_values: RenderValues, full_values: dict[str, Any]
) -> None:
    raw = render_values(full_values).env_value("DISPATCH_LANE_CONFIG_JSON")
    assert raw is not None
    assert ": " not in raw and ", " not in raw.replace("<the> box & more", "")
    assert "<the> box & more" in raw and "—" in raw  # no HTML or unicode escaping
    config = full_values["config"]
    assert json.loads(raw) == {"lanes": config["lanes"], "laneAliases": config["laneAliases"]}
    assert [lane["id"] for lane in json.loads(raw)["lanes"]] == ["local", "cloud", "backlog"]


@pytest.mark.parametrize("aliases", [None, {}])
def test_lane_json_leaves_out_empty_aliases(
    render_values: RenderValues, aliases: dict[str, str] | None
) -> None:
    lanes = [{"id": "solo", "title": "Solo", "claimable": True}]
    if aliases == {}:  # Helm merges maps: the chart's default aliases are nulled one by one
        aliases = {"normal": None, "escalated": None}
    raw = render_values({"config": {"lanes": lanes, "laneAliases": aliases}}).env_value(
        "DISPATCH_LANE_CONFIG_JSON"
    )
    assert raw == '{"lanes":[{"claimable":true,"id":"solo","title":"Solo"}]}'


def test_every_structured_key_null_renders_none(
    render_values: RenderValues, full_values: dict[str, Any], structured_env: tuple[str, ...]
) -> None:
    nulls = {
        "authMode": None,
        "excludedLabels": None,
        "llmBaseUrl": None,
        "groomer": {"enabled": None, "model": None, "dryRun": None, "repoContext": None},
        "scheduler": {
            "enabled": None,
            "intervals": {
                "syncMs": None,
                "groomerMs": None,
                "prFollowupMs": None,
                "pruneClosedMs": None,
            },
        },
        "lanes": None,
        "laneAliases": None,
    }
    # Over a values file that set them all: null must delete the value, not only the default.
    full_values["config"] = nulls
    render = render_values(full_values)
    assert not set(render.env_names) & set(structured_env)
    assert render.env_names[:2] == ["DATABASE_URL", "SKIP_DB_MIGRATIONS"]


@pytest.mark.parametrize("config", [None, {"groomer": None, "scheduler": None}])
def test_whole_config_sections_null(
    render_values: RenderValues, config: dict[str, Any] | None, structured_env: tuple[str, ...]
) -> None:
    rendered = set(render_values({"config": config}).env_names) & set(structured_env)
    if config is None:
        assert rendered == set()
    else:
        assert rendered == {
            "DISPATCH_AUTH_MODE",
            "DISPATCH_EXCLUDED_LABELS",
            "DISPATCH_LANE_CONFIG_JSON",
        }


def test_false_and_zero_are_rendered_not_dropped(render_values: RenderValues) -> None:
    render = render_values(
        {
            "config": {
                "groomer": {"enabled": False, "repoContext": False},
                "scheduler": {"enabled": False, "intervals": {"syncMs": 0, "pruneClosedMs": 0}},
            }
        }
    )
    assert render.env_value("DISPATCH_HOSTED_GROOMER_ENABLED") == "false"
    assert render.env_value("DISPATCH_GROOMER_REPO_CONTEXT_ENABLED") == "false"
    assert render.env_value("DISPATCH_SCHEDULER_ENABLED") == "false"
    assert render.env_value("DISPATCH_SYNC_INTERVAL_MS") == "0"
    assert render.env_value("DISPATCH_PRUNE_CLOSED_INTERVAL_MS") == "0"


@pytest.mark.parametrize("interval", [86400000, 604800000, 2592000000, 9007199254740991])
def test_big_intervals_are_exact_decimal_strings(
    render_values: RenderValues, interval: int
) -> None:
    render = render_values(
        {"config": {"scheduler": {"intervals": {"pruneClosedMs": interval}}}, "replicas": 1000000}
    )
    assert render.env_value("DISPATCH_PRUNE_CLOSED_INTERVAL_MS") == str(interval)
    assert render.one("Deployment")["spec"]["replicas"] == 1000000


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("renovate, wontfix", "renovate, wontfix"),
        (["renovate", "wontfix"], "renovate,wontfix"),
        (["renovate"], "renovate"),
        ("", ""),
    ],
)
def test_excluded_labels(render_values: RenderValues, labels: Any, expected: str) -> None:
    render = render_values({"config": {"excludedLabels": labels}})
    assert render.env_value("DISPATCH_EXCLUDED_LABELS") == expected


def test_env_map_wins_over_structured_and_chart_vars(render_values: RenderValues) -> None:
    render = render_values(
        {
            "config": {
                "lanes": [{"id": "a", "title": "A", "claimable": True}],
                "laneAliases": None,
                "excludedLabels": None,
            },
            "database": {"existingSecret": "pg"},
            "env": {
                "DISPATCH_AUTH_MODE": {
                    "valueFrom": {"secretKeyRef": {"name": "auth", "key": "mode"}}
                },
                "DISPATCH_LANE_CONFIG_JSON": '{"lanes":[]}',
                "DATABASE_URL": "postgresql://x",
                "SKIP_DB_MIGRATIONS": "false",
                "DISPATCH_SYNC_INTERVAL_MS": 60000,
                "FLAG": True,
                "GONE": None,
            },
        }
    )
    assert render.env_names == [
        "DISPATCH_HOSTED_GROOMER_ENABLED",
        "DISPATCH_GROOMER_DRY_RUN",
        "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED",
        "DISPATCH_SCHEDULER_ENABLED",
        "DISPATCH_GROOMER_INTERVAL_MS",
        "DISPATCH_PR_FOLLOWUP_INTERVAL_MS",
        "DISPATCH_PRUNE_CLOSED_INTERVAL_MS",
        "DATABASE_URL",
        "DISPATCH_AUTH_MODE",
        "DISPATCH_LANE_CONFIG_JSON",
        "DISPATCH_SYNC_INTERVAL_MS",
        "FLAG",
        "SKIP_DB_MIGRATIONS",
    ]
    env = {entry["name"]: entry for entry in render.env}
    assert env["DISPATCH_AUTH_MODE"] == {
        "name": "DISPATCH_AUTH_MODE",
        "valueFrom": {"secretKeyRef": {"name": "auth", "key": "mode"}},
    }
    assert render.env_value("DATABASE_URL") == "postgresql://x"
    assert render.env_value("SKIP_DB_MIGRATIONS") == "false"
    assert render.env_value("DISPATCH_SYNC_INTERVAL_MS") == "60000"
    assert render.env_value("FLAG") == "true"
    assert render.env_value("DISPATCH_LANE_CONFIG_JSON") == '{"lanes":[]}'


def test_env_list_value_is_refused(render_values: RenderValues) -> None:
    with pytest.raises(RenderError, match=r"/env/BAD.*got array"):
        render_values({"env": {"BAD": ["a", "b"]}})


def test_env_from_order(render_values: RenderValues, full_values: dict[str, Any]) -> None:
    container = render_values(full_values).container
    assert container["envFrom"] == [
        {"secretRef": {"name": "dispatch-secret"}},
        {"configMapRef": {"name": "dispatch-extra"}},
    ]


def test_notes_warn_about_groomer(render_values: RenderValues) -> None:
    notes = render_values().rendered.notes
    assert any("config.groomer.model is not set" in note for note in notes)
    assert any("WRITES to GitHub" in note for note in notes)
    quiet = render_values(
        {
            "existingSecret": "s",
            "config": {"groomer": {"model": "m", "dryRun": True}},
        }
    ).rendered.notes
    assert quiet == ()


def _render_fails(render: RenderValues, values: dict[str, Any]) -> str:
    with pytest.raises(RenderError) as caught:
        render(values)
    return str(caught.value)


def test_schema_types_the_rest_of_values(render_values: RenderValues) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"config": {"authMode": "token"}}, "/config/authMode"),
        (
            {"config": {"scheduler": {"intervals": {"syncMs": -1}}}},
            "/config/scheduler/intervals/syncMs",
        ),
        (
            {"config": {"scheduler": {"intervals": {"syncMs": 1.5}}}},
            "/config/scheduler/intervals/syncMs",
        ),
        (
            {"config": {"scheduler": {"intervals": {"syncMs": "900000"}}}},
            "/config/scheduler/intervals/syncMs",
        ),
        ({"config": {"groomer": {"dryRun": "false"}}}, "/config/groomer/dryRun"),
        ({"config": {"excludedLabels": [1]}}, "/config/excludedLabels"),
        ({"config": {"authmode": "basic"}}, "authmode"),
        ({"service": {"port": 70000}}, "/service/port"),
        ({"image": {"digest": "abc"}}, "/image/digest"),
        ({"replicas": "2"}, "/replicas"),
        ({"labels": {"on": True}}, "/labels/on"),
        ({"unknownKey": 1}, "unknownKey"),
    ]
    for values, fragment in cases:
        message = _render_fails(render_values, values)
        assert "schema" in message and fragment in message, (values, message)
