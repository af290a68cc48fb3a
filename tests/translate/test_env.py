"""Old pod env -> config / database / env / envFrom keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.models import Translation
from appt2dispatch.translate import translate_release
from translate.translate_support import (
    app_container,
    builtin_old,
    helm_merged,
    release_from_text,
    release_text,
    with_changes,
)

KNOWN_SECRET = {"dispatch": frozenset({"DISPATCH_AUTH_MODE", "GITHUB_TOKEN"})}
VALID_LANES = json.dumps(
    {
        "lanes": [
            {"id": "local", "title": "Local", "claimable": True, "role": "default"},
            {"id": "backlog", "title": "Backlog", "claimable": False, "priority": 1},
        ],
        "laneAliases": {"normal": "local"},
    }
)


def translate(tmp_path: Path, env: str, **kwargs: Any) -> Translation:
    release = release_from_text(tmp_path, release_text(env))
    return translate_release(release, builtin_old(release), **kwargs)


def env_lines(**variables: str) -> str:
    return "\n".join(f"              {name}: {value}" for name, value in variables.items())


def test_set_variables_map_to_structured_keys_with_exact_values(tmp_path: Path) -> None:
    env = env_lines(
        DISPATCH_AUTH_MODE="oidc",
        DISPATCH_GROOMER_DRY_RUN="false",
        DISPATCH_SCHEDULER_ENABLED="true",
        DISPATCH_SYNC_INTERVAL_MS='"0"',
        DISPATCH_PRUNE_CLOSED_INTERVAL_MS="86400000",
        DISPATCH_LLM_BASE_URL="http://litellm.llm:4000/v1",
    )
    values = translate(tmp_path, env).values
    config = helm_merged(dict(values))["config"]
    assert config["authMode"] == "oidc"
    assert config["groomer"]["dryRun"] is False
    assert config["scheduler"]["enabled"] is True
    assert config["scheduler"]["intervals"]["syncMs"] == 0
    assert config["scheduler"]["intervals"]["pruneClosedMs"] == 86400000
    assert config["llmBaseUrl"] == "http://litellm.llm:4000/v1"
    # Stated by the old release: written even where it equals today's chart default, so a
    # later chart default cannot change it.
    assert values["config"]["groomer"]["dryRun"] is False
    assert values["config"]["scheduler"]["enabled"] is True


def test_unset_variables_the_chart_would_set_are_null(tmp_path: Path) -> None:
    config = translate(tmp_path, env_lines(DISPATCH_GROOMER_MODEL="vision")).values["config"]
    assert config["authMode"] is None
    assert config["groomer"]["enabled"] is None
    assert config["groomer"]["dryRun"] is None
    assert config["groomer"]["repoContext"] is None
    assert config["scheduler"]["enabled"] is None
    assert set(config["scheduler"]["intervals"].values()) == {None}
    # The sketch's defaults would change the app: nulled, and the lanes say why.
    assert config["excludedLabels"] is None
    assert config["lanes"] is None and config["laneAliases"] is None
    # Chart default is null already: nothing to write.
    assert "llmBaseUrl" not in config


def test_unset_key_provided_by_the_secret_says_so(tmp_path: Path) -> None:
    translation = translate(tmp_path, env_lines(X="y"), envfrom_keys=KNOWN_SECRET)
    assert 'authMode: null  # unset: the Secret "dispatch" provides DISPATCH_AUTH_MODE' in (
        translation.values_yaml
    )
    assert not [n for n in translation.notes if n.level == "assumption"]


def test_unknown_secret_keys_become_an_assumption(tmp_path: Path) -> None:
    translation = translate(tmp_path, env_lines(X="y"), envfrom_keys={"dispatch": None})
    assumptions = [n for n in translation.notes if n.level == "assumption"]
    assert len(assumptions) == 1
    assert 'the Secret "dispatch" may provide' in assumptions[0].message
    assert "DISPATCH_AUTH_MODE" in assumptions[0].message
    assert translation.envfrom_keys == {"dispatch": None}


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ('"renovate, wontfix"', "renovate, wontfix"),
        ("renovate", "renovate"),
        ('"renovate,wontfix"', ["renovate", "wontfix"]),
        ('"renovate,"', "renovate,"),
    ],
)
def test_excluded_labels_keep_the_exact_string(
    tmp_path: Path, yaml_value: str, expected: Any
) -> None:
    config = translate(tmp_path, env_lines(DISPATCH_EXCLUDED_LABELS=yaml_value)).values["config"]
    assert config["excludedLabels"] == expected


@pytest.mark.parametrize(
    ("name", "yaml_value", "rendered"),
    [
        ("DISPATCH_SCHEDULER_ENABLED", '"True"', "True"),
        ("DISPATCH_GROOMER_DRY_RUN", '"1"', "1"),
        ("DISPATCH_SYNC_INTERVAL_MS", '"15m"', "15m"),
        ("DISPATCH_SYNC_INTERVAL_MS", '"0900"', "0900"),
        ("DISPATCH_AUTH_MODE", "legacy", "legacy"),
    ],
)
def test_values_a_structured_key_cannot_render_stay_verbatim_in_env(
    tmp_path: Path, name: str, yaml_value: str, rendered: str
) -> None:
    translation = translate(tmp_path, env_lines(**{name: yaml_value}))
    assert translation.values["env"][name] == rendered
    assert any(f"env {name} kept in env" in n.message for n in translation.notes)


def test_value_from_variables_pass_through_env(tmp_path: Path) -> None:
    env = "\n".join(
        [
            "              DISPATCH_AUTH_MODE:",
            "                valueFrom:",
            "                  secretKeyRef: {name: auth, key: mode}",
            "              HOSTNAME: 0.0.0.0",
        ]
    )
    values = translate(tmp_path, env).values
    assert values["env"]["DISPATCH_AUTH_MODE"] == {
        "valueFrom": {"secretKeyRef": {"name": "auth", "key": "mode"}}
    }
    assert values["env"]["HOSTNAME"] == "0.0.0.0"
    # The env entry wins over the structured key, so there is nothing to null.
    assert "authMode" not in values["config"]


def test_database_url_secret_ref_maps_to_database_keys(tmp_path: Path) -> None:
    env = "\n".join(
        [
            "              DATABASE_URL:",
            "                valueFrom:",
            "                  secretKeyRef:",
            '                    name: "{{ .Release.Name }}-pguser-{{ .Release.Name }}"',
            "                    key: pgbouncer-uri",
        ]
    )
    translation = translate(tmp_path, env)
    assert translation.values["database"] == {
        "existingSecret": "dispatch-pguser-dispatch",
        "key": "pgbouncer-uri",
    }
    assert '# was "{{ .Release.Name }}-pguser-{{ .Release.Name }}"' in translation.values_yaml
    assert "DATABASE_URL" not in translation.values.get("env", {})


def test_env_from_order_is_kept(tmp_path: Path) -> None:
    release = release_from_text(tmp_path, release_text())
    extra = [{"configMapRef": {"name": "tuning"}}, {"secretRef": {"name": "more"}}]

    def add_sources(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            if obj["kind"] == "Deployment":
                obj["spec"]["template"]["spec"]["containers"][0]["envFrom"].extend(extra)

    translation = translate_release(release, with_changes(builtin_old(release), add_sources))
    assert translation.values["existingSecret"] == "dispatch"
    assert translation.values["extraEnvFrom"] == extra


def test_config_map_first_sends_every_source_to_extra_env_from(tmp_path: Path) -> None:
    release = release_from_text(tmp_path, release_text())
    sources = [{"configMapRef": {"name": "tuning"}}, {"secretRef": {"name": "dispatch"}}]

    def replace_sources(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            if obj["kind"] == "Deployment":
                obj["spec"]["template"]["spec"]["containers"][0]["envFrom"] = sources

    translation = translate_release(release, with_changes(builtin_old(release), replace_sources))
    # The chart's default Secret would come first: emptied, every source keeps its place.
    assert translation.values["existingSecret"] == ""
    assert translation.values["extraEnvFrom"] == sources


def test_valid_lane_json_becomes_lanes_and_aliases_in_order(tmp_path: Path) -> None:
    translation = translate(tmp_path, env_lines(DISPATCH_LANE_CONFIG_JSON=f"'{VALID_LANES}'"))
    config = translation.values["config"]
    assert [lane["id"] for lane in config["lanes"]] == ["local", "backlog"]
    assert list(config["lanes"][0]) == ["id", "title", "claimable", "role"]
    assert config["lanes"][1]["priority"] == 1
    # Helm merges maps: the chart's default alias the JSON lacks is deleted with null.
    assert config["laneAliases"] == {"normal": "local", "escalated": None}
    assert any("lanes[1].priority" in n.message for n in translation.notes)
    assert "DISPATCH_LANE_CONFIG_JSON" not in translation.values.get("env", {})
    # Block style, one key per line.
    assert "\n    - id: local\n      title: Local\n" in translation.values_yaml


def test_invalid_lane_json_leaves_lanes_null_with_a_loud_note(tmp_path: Path) -> None:
    """The release loads the Secret "dispatch" (keys unknown): it might hold lanes too."""
    broken = '\'{"lanes":[{"id":"local","title":"Local","claimable":"yes"}]}\''
    translation = translate(tmp_path, env_lines(DISPATCH_LANE_CONFIG_JSON=broken))
    assert translation.values["config"]["lanes"] is None
    assert translation.values["config"]["laneAliases"] is None
    warnings = [n for n in translation.notes if n.level == "warning"]
    assert any("DISPATCH_LANE_CONFIG_JSON is invalid" in n.message for n in warnings)
    assert warnings[0].location is not None and warnings[0].location.line is not None
    assert "lanes: null  # DISPATCH_LANE_CONFIG_JSON was invalid" in translation.values_yaml
    # Kept verbatim so it still shadows whatever the Secret may provide.
    assert translation.values["env"]["DISPATCH_LANE_CONFIG_JSON"] == broken.strip("'")
    assert any("kept verbatim in env" in n.message for n in warnings)


def test_lane_json_the_chart_schema_rejects_stays_verbatim(tmp_path: Path) -> None:
    lanes = '\'{"lanes":[{"id":"a","title":"A","claimable":true,"role":"boss"}]}\''
    translation = translate(tmp_path, env_lines(DISPATCH_LANE_CONFIG_JSON=lanes))
    assert translation.values["env"]["DISPATCH_LANE_CONFIG_JSON"] == lanes.strip("'")
    assert translation.values["config"]["lanes"] is None


def test_skip_db_migrations_true_keeps_the_old_pod_from_migrating(tmp_path: Path) -> None:
    translation = translate(tmp_path, env_lines(SKIP_DB_MIGRATIONS='"true"'))
    assert translation.values["migrations"] == {"enabled": False}
    assert "SKIP_DB_MIGRATIONS" not in translation.values.get("env", {})


def test_other_variables_go_to_env_unchanged_and_are_located(tmp_path: Path) -> None:
    env = env_lines(PR_FOLLOWUP_BRANCH_OWNERS="miso")
    translation = translate(tmp_path, env)
    assert translation.values["env"] == {"PR_FOLLOWUP_BRANCH_OWNERS": "miso"}
    moved = next(n for n in translation.notes if "PR_FOLLOWUP_BRANCH_OWNERS" in n.message)
    assert moved.location is not None
    assert moved.location.path == str(tmp_path / "helmrelease.yaml")
    assert moved.location.line == release_text(env).splitlines().index(env) + 1


def test_effective_env_equals_old_plus_skip_migrations(tmp_path: Path) -> None:
    from appt2dispatch.render.dispatch_chart import render_dispatch
    from translate.translate_support import effective_env

    env = env_lines(
        DISPATCH_EXCLUDED_LABELS='"renovate, wontfix"',
        DISPATCH_HOSTED_GROOMER_ENABLED="true",
        DISPATCH_GROOMER_MODEL="vision",
        DISPATCH_LANE_CONFIG_JSON=f"'{VALID_LANES}'",
        HOSTNAME="0.0.0.0",
    )
    release = release_from_text(tmp_path, release_text(env))
    old = builtin_old(release)
    translation = translate_release(release, old)
    new = render_dispatch(
        translation.values,
        release_name=release.release_name,
        namespace=release.namespace,
        chart_version=translation.chart_version,
    )
    old_env = effective_env(app_container(old))
    new_env = effective_env(app_container(new))
    lanes = "DISPATCH_LANE_CONFIG_JSON"
    assert json.loads(new_env.pop(lanes)) == json.loads(old_env.pop(lanes))
    assert new_env == {**old_env, "SKIP_DB_MIGRATIONS": "true"}
