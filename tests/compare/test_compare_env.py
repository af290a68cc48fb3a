"""Effective environment: precedence, shadowing vs neutral defaults, lane JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appt2dispatch.compare.env import (
    ContainerEnv,
    EnvComparison,
    compare_container_env,
    container_env,
    may_supply,
)
from appt2dispatch.compare.lanes import effective_lane_config
from appt2dispatch.contract import EnvFromSource as EnvSource
from appt2dispatch.contract import same_meaning
from appt2dispatch.models import Finding

PATH = "spec.template.spec.containers[app]"
LANES: dict[str, Any] = {
    "lanes": [
        {"id": "local", "title": "Local", "claimable": True, "role": "default"},
        {"id": "frontier", "title": "Frontier", "claimable": True, "role": "escalation"},
        {"id": "backlog", "title": "Backlog", "claimable": False},
    ],
    "laneAliases": {"normal": "local"},
}


def env_of(env: dict[str, str] | None = None, secrets: tuple[str, ...] = ()) -> ContainerEnv:
    return container_env(
        {
            "env": [{"name": name, "value": value} for name, value in (env or {}).items()],
            "envFrom": [{"secretRef": {"name": secret}} for secret in secrets],
        }
    )


def compare(
    old: ContainerEnv,
    new: ContainerEnv,
    envfrom_keys: dict[str, frozenset[str] | None] | None = None,
) -> list[Finding]:
    context = EnvComparison(
        "Deployment.apps llm/dispatch", PATH, envfrom_keys, ("behavior", "no job")
    )
    return compare_container_env(old, new, context)


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_last_env_entry_wins_and_sources_keep_their_order() -> None:
    env = container_env(
        {
            "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}, {"name": "B"}],
            "envFrom": [
                {"secretRef": {"name": "first"}},
                {"configMapRef": {"name": "second"}, "prefix": "X_"},
            ],
        }
    )
    assert env.explicit == {"A": {"value": "2"}, "B": {"value": ""}}
    assert env.sources == (EnvSource("Secret", "first"), EnvSource("ConfigMap", "second", "X_"))


def test_which_sources_may_supply_a_variable() -> None:
    sources = (
        EnvSource("Secret", "known"),
        EnvSource("Secret", "unknown"),
        EnvSource("ConfigMap", "p", "APP_"),
    )
    keys: dict[str, frozenset[str] | None] = {
        "known": frozenset({"TOKEN"}),
        "unknown": None,
        "p": frozenset({"MODE"}),
    }
    assert may_supply(sources, "TOKEN", keys) == sources[:2]
    assert may_supply(sources, "OTHER", keys) == (sources[1],)
    assert may_supply(sources, "APP_MODE", keys) == (sources[1], sources[2])
    assert (
        may_supply(
            sources,
            "MODE",
            {"known": frozenset(), "unknown": frozenset(), "p": frozenset({"MODE"})},
        )
        == ()
    )
    assert may_supply(sources, "X", None) == sources[:2]


def test_explicit_app_default_without_envfrom_is_neutral() -> None:
    finding = only(compare(env_of(), env_of({"DISPATCH_GROOMER_DRY_RUN": "true"})))
    assert finding.klass == "cosmetic"
    assert finding.path == f"{PATH}.env[DISPATCH_GROOMER_DRY_RUN]"


def test_explicit_app_default_is_shadowing_when_a_secret_may_supply_it() -> None:
    unknown = only(
        compare(
            env_of(secrets=("dispatch",)),
            env_of({"DISPATCH_SCHEDULER_ENABLED": "false"}, ("dispatch",)),
        )
    )
    assert unknown.klass == "behavior"
    assert "shadow" in unknown.message and "Secret dispatch" in unknown.message
    untranslated = compare(
        env_of(secrets=("dispatch",)),
        env_of({"DISPATCH_SCHEDULER_ENABLED": "false"}, ("dispatch",)),
        None,
    )
    assert only(untranslated).klass == "behavior"


def test_known_secret_keys_decide_shadowing() -> None:
    old = env_of(secrets=("dispatch",))
    new = env_of({"DISPATCH_SYNC_INTERVAL_MS": "900000"}, ("dispatch",))
    without_key = compare(old, new, {"dispatch": frozenset({"GITHUB_TOKEN"})})
    assert only(without_key).klass == "cosmetic"
    with_key = compare(old, new, {"dispatch": frozenset({"DISPATCH_SYNC_INTERVAL_MS"})})
    assert only(with_key).klass == "behavior"


def test_explicit_non_default_is_behavior() -> None:
    finding = only(compare(env_of(), env_of({"DISPATCH_GROOMER_DRY_RUN": "false"})))
    assert finding.klass == "behavior"
    assert (finding.old, finding.new) == (None, "false")


def test_removed_default_is_neutral_removed_other_is_behavior() -> None:
    assert (
        only(compare(env_of({"DISPATCH_SYNC_INTERVAL_MS": "900000"}), env_of())).klass == "cosmetic"
    )
    assert (
        only(compare(env_of({"DISPATCH_SYNC_INTERVAL_MS": "60000"}), env_of())).klass == "behavior"
    )
    supplied = compare(env_of({"DISPATCH_SYNC_INTERVAL_MS": "900000"}), env_of(secrets=("s",)))
    assert [f.klass for f in supplied] == ["behavior", "behavior"]  # envFrom added, then may supply


def test_flip_is_behavior_with_value_path() -> None:
    finding = only(
        compare(
            env_of({"DISPATCH_GROOMER_DRY_RUN": "false"}),
            env_of({"DISPATCH_GROOMER_DRY_RUN": "true"}),
        )
    )
    assert finding.klass == "behavior"
    assert finding.path == f"{PATH}.env[DISPATCH_GROOMER_DRY_RUN].value"
    assert (finding.old, finding.new) == ("false", "true")


def test_spellings_the_app_reads_alike() -> None:
    assert same_meaning("DISPATCH_SCHEDULER_ENABLED", "false", "False")
    assert not same_meaning("DISPATCH_SCHEDULER_ENABLED", "true", "True")
    assert same_meaning("DISPATCH_SYNC_INTERVAL_MS", "900000", "0900000")
    assert not same_meaning("DISPATCH_GROOMER_DRY_RUN", "false", "False")
    finding = only(
        compare(
            env_of({"DISPATCH_SCHEDULER_ENABLED": "0"}),
            env_of({"DISPATCH_SCHEDULER_ENABLED": "false"}),
        )
    )
    assert finding.klass == "cosmetic"


def test_value_from_change_is_behavior() -> None:
    def db(name: str) -> ContainerEnv:
        return container_env(
            {
                "env": [
                    {
                        "name": "DATABASE_URL",
                        "valueFrom": {"secretKeyRef": {"name": name, "key": "uri"}},
                    }
                ]
            }
        )

    finding = only(compare(db("dispatch-app"), db("other")))
    assert finding.klass == "behavior"
    assert finding.path == f"{PATH}.env[DATABASE_URL].valueFrom"


def test_envfrom_order_change_is_behavior() -> None:
    finding = only(compare(env_of(secrets=("a", "b")), env_of(secrets=("b", "a"))))
    assert (finding.klass, finding.path) == ("behavior", f"{PATH}.envFrom")
    assert finding.old == ["Secret a", "Secret b"]


def lanes_env(value: Any) -> ContainerEnv:
    text = value if isinstance(value, str) else json.dumps(value)
    return env_of({"DISPATCH_LANE_CONFIG_JSON": text})


def test_lane_json_key_order_and_escapes_are_formatting() -> None:
    reordered = json.dumps(LANES, sort_keys=True, ensure_ascii=True)
    finding = only(compare(lanes_env(LANES), lanes_env(reordered)))
    assert finding.klass == "cosmetic"
    dash = {"lanes": [{"id": "a", "title": "A — x", "claimable": True}]}
    assert (
        only(
            compare(lanes_env(json.dumps(dash)), lanes_env(json.dumps(dash, ensure_ascii=False)))
        ).klass
        == "cosmetic"
    )


def test_lane_order_is_behavior() -> None:
    swapped = {**LANES, "lanes": [LANES["lanes"][1], LANES["lanes"][0], LANES["lanes"][2]]}
    finding = only(compare(lanes_env(LANES), lanes_env(swapped)))
    assert finding.klass == "behavior"
    assert finding.path == f"{PATH}.env[DISPATCH_LANE_CONFIG_JSON].value"
    assert (
        "lane order changed: local, frontier, backlog → frontier, local, backlog" in finding.message
    )


def test_lane_field_and_alias_changes_are_named() -> None:
    changed = json.loads(json.dumps(LANES))
    changed["lanes"][2]["title"] = "Inbox"
    changed["laneAliases"] = {}
    finding = only(compare(lanes_env(LANES), lanes_env(changed)))
    assert finding.klass == "behavior"
    assert "lane backlog: title changed" in finding.message
    assert "aliases" in finding.message


def test_unknown_lane_keys_have_no_effect() -> None:
    extra = json.loads(json.dumps(LANES))
    extra["lanes"][0]["icon"] = "star"
    extra["comment"] = "ignored"
    assert only(compare(lanes_env(LANES), lanes_env(extra))).klass == "cosmetic"


def test_invalid_lane_config_means_builtin_lanes() -> None:
    broken = "{not json"
    assert effective_lane_config(broken).is_builtin
    assert effective_lane_config(
        json.dumps({"lanes": [{"id": "a", "title": "A", "claimable": "true"}]})
    ).is_builtin
    repaired = only(compare(lanes_env(broken), lanes_env(LANES)))
    assert repaired.klass == "behavior"
    assert "built-in lanes" in repaired.message
    both_broken = only(compare(lanes_env(broken), lanes_env("[]")))
    assert both_broken.klass == "cosmetic"
    dropped = only(compare(lanes_env(broken), env_of()))
    assert dropped.klass == "cosmetic"


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"lanes": []}, "non-empty"),
        ({"lanes": [{"id": "a", "title": "A", "claimable": True}] * 2}, "twice"),
        ({"lanes": [{"id": "a", "title": " ", "claimable": True}]}, "title"),
        ({"lanes": [{"id": "a", "title": "A", "claimable": False}]}, "claimable"),
        (
            {
                "lanes": [
                    {"id": "a", "title": "A", "claimable": True, "role": "escalation"},
                    {"id": "b", "title": "B", "claimable": True, "role": "escalation"},
                ]
            },
            "role",
        ),
        (
            {"lanes": [{"id": "a", "title": "A", "claimable": True}], "laneAliases": {"x": "b"}},
            "alias",
        ),
    ],
)
def test_lane_validation_rules(config: dict[str, Any], problem: str) -> None:
    effective = effective_lane_config(json.dumps(config))
    assert effective.is_builtin
    assert effective.problem is not None and problem in effective.problem


def test_skip_migrations_uses_the_migration_judgement() -> None:
    context = EnvComparison("r", PATH, None, ("expected", "hook job matches"))
    finding = only(compare_container_env(env_of(), env_of({"SKIP_DB_MIGRATIONS": "true"}), context))
    assert (finding.klass, finding.message) == ("expected", "hook job matches")
    assert finding.path == f"{PATH}.env[SKIP_DB_MIGRATIONS]"
