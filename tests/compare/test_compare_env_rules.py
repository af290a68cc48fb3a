"""Environment comparison rules pinned by mutation testing (compare.env survivors)."""

from __future__ import annotations

from typing import Any

from appt2dispatch.compare.env import (
    ContainerEnv,
    EnvComparison,
    canonical_entry,
    compare_container_env,
    container_env,
    database_source,
)
from appt2dispatch.models import Finding

PATH = "spec.template.spec.containers[app]"
RESOURCE = "Deployment.apps llm/dispatch"
SECRET_REF: dict[str, Any] = {"secretKeyRef": {"name": "dispatch", "key": "token"}}


def env_of(*entries: dict[str, Any], secrets: tuple[str, ...] = ()) -> ContainerEnv:
    return container_env(
        {"env": list(entries), "envFrom": [{"secretRef": {"name": s}} for s in secrets]}
    )


def only(
    old: ContainerEnv,
    new: ContainerEnv,
    envfrom_keys: dict[str, frozenset[str] | None] | None = None,
) -> Finding:
    context = EnvComparison(RESOURCE, PATH, envfrom_keys, ("behavior", "no migration job"))
    findings = compare_container_env(old, new, context)
    assert len(findings) == 1, findings
    return findings[0]


def test_plain_value_replaced_by_a_secret_reference_is_a_change_of_source() -> None:
    plain = {"name": "GITHUB_TOKEN", "value": "abc"}
    referenced = {"name": "GITHUB_TOKEN", "valueFrom": SECRET_REF}
    for old, new in ((plain, referenced), (referenced, plain)):
        finding = only(env_of(old), env_of(new))
        assert finding.klass == "behavior"
        assert finding.path == f"{PATH}.env[GITHUB_TOKEN]"
        assert "GITHUB_TOKEN comes from a different source" in finding.message


def test_a_reference_to_another_secret_key_is_reported_at_value_from() -> None:
    other = {"secretKeyRef": {"name": "dispatch", "key": "other"}}
    finding = only(
        env_of({"name": "GITHUB_TOKEN", "valueFrom": SECRET_REF}),
        env_of({"name": "GITHUB_TOKEN", "valueFrom": other}),
    )
    assert finding.klass == "behavior"
    assert finding.path == f"{PATH}.env[GITHUB_TOKEN].valueFrom"
    # A referenced value is shown as the reference, not as a missing value.
    assert finding.old == {"valueFrom": SECRET_REF}
    assert finding.new == {"valueFrom": other}


def test_a_different_spelling_of_the_same_number_is_cosmetic_at_value() -> None:
    finding = only(
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "900000"}),
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "0900000"}),
    )
    assert finding.klass == "cosmetic"
    assert finding.path == f"{PATH}.env[DISPATCH_SYNC_INTERVAL_MS].value"
    assert "DISPATCH_SYNC_INTERVAL_MS" in finding.message


def test_a_changed_value_names_the_variable() -> None:
    finding = only(
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "900000"}),
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "60000"}),
    )
    assert (finding.klass, finding.path) == (
        "behavior",
        f"{PATH}.env[DISPATCH_SYNC_INTERVAL_MS].value",
    )
    assert "DISPATCH_SYNC_INTERVAL_MS changes" in finding.message


def test_switching_migrations_off_is_judged_at_the_value() -> None:
    finding = only(
        env_of({"name": "SKIP_DB_MIGRATIONS", "value": "false"}),
        env_of({"name": "SKIP_DB_MIGRATIONS", "value": "true"}),
    )
    assert (finding.klass, finding.message) == ("behavior", "no migration job")
    assert finding.path == f"{PATH}.env[SKIP_DB_MIGRATIONS].value"
    added = only(env_of(), env_of({"name": "SKIP_DB_MIGRATIONS", "value": "true"}))
    assert added.path == f"{PATH}.env[SKIP_DB_MIGRATIONS]"


def test_a_removed_variable_is_reported_as_removed() -> None:
    finding = only(env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "60000"}), env_of())
    assert finding.klass == "behavior"
    assert "removed" in finding.message and "DISPATCH_SYNC_INTERVAL_MS" in finding.message
    supplied = only(
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "60000"}, secrets=("dispatch",)),
        env_of(secrets=("dispatch",)),
    )
    assert supplied.klass == "behavior"
    assert "no longer set explicitly" in supplied.message
    assert "Secret dispatch" in supplied.message


def test_an_added_variable_names_itself_and_what_it_shadows() -> None:
    added = only(env_of(), env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "60000"}))
    assert added.klass == "behavior"
    assert "DISPATCH_SYNC_INTERVAL_MS added" in added.message
    shadowing = only(
        env_of(secrets=("a", "b")),
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "60000"}, secrets=("a", "b")),
    )
    assert shadowing.klass == "behavior"
    assert "set explicitly: envFrom Secret a, Secret b may supply it" in shadowing.message
    default = only(
        env_of(secrets=("a",)),
        env_of({"name": "DISPATCH_SYNC_INTERVAL_MS", "value": "900000"}, secrets=("a",)),
    )
    assert "set explicitly: equals the app's default, but envFrom" in default.message


def test_a_referenced_value_never_counts_as_the_app_default() -> None:
    # Kubernetes rejects value next to valueFrom, but a rendered manifest may still carry
    # both: the reference decides, so the stray literal default must not make it cosmetic.
    referenced = {"name": "DISPATCH_GROOMER_DRY_RUN", "value": "true", "valueFrom": SECRET_REF}
    assert only(env_of(), env_of(referenced)).klass == "behavior"
    assert only(env_of(referenced), env_of()).klass == "behavior"


def test_canonical_entry_keeps_a_reference_and_any_literal_beside_it() -> None:
    assert canonical_entry({"name": "A", "valueFrom": SECRET_REF}) == {"valueFrom": SECRET_REF}
    assert canonical_entry({"name": "A", "value": "", "valueFrom": SECRET_REF}) == {
        "valueFrom": SECRET_REF
    }
    assert canonical_entry({"name": "A", "value": "x", "valueFrom": SECRET_REF}) == {
        "valueFrom": SECRET_REF,
        "value": "x",
    }
    assert canonical_entry({"name": "A", "value": 5}) == {"value": "5"}
    assert canonical_entry({"name": "A"}) == {"value": ""}


def test_a_literal_beside_a_reference_is_not_a_plain_value() -> None:
    env = env_of({"name": "SKIP_DB_MIGRATIONS", "value": "true", "valueFrom": SECRET_REF})
    assert env.plain_value("SKIP_DB_MIGRATIONS") is None
    assert env_of({"name": "A", "value": "1"}).plain_value("A") == "1"


def test_env_entries_without_a_name_are_ignored() -> None:
    env = container_env({"env": [{"value": "x"}, {"name": 3, "value": "y"}, "A=1"]})
    assert env.explicit == {}


def test_envfrom_change_reports_both_lists_for_the_resource() -> None:
    finding = only(env_of(secrets=("a",)), env_of(secrets=("a", "b")))
    assert finding.resource == RESOURCE
    assert finding.path == f"{PATH}.envFrom"
    assert (finding.old, finding.new) == (["Secret a"], ["Secret a", "Secret b"])
    assert "envFrom sources differ" in finding.message
    removed = only(env_of(secrets=("a",)), env_of())
    assert (removed.old, removed.new) == (["Secret a"], None)


def test_database_source_uses_known_secret_keys() -> None:
    env = env_of(secrets=("dispatch",))
    sources = dict(database_source(env, {"dispatch": frozenset({"GITHUB_TOKEN"})}))
    assert sources["DATABASE_URL"] == ()
    unknown = dict(database_source(env, None))
    assert unknown["DATABASE_URL"] == env.sources


def test_a_reference_that_starts_to_expand_shows_the_written_and_the_expanded_value() -> None:
    written_first = env_of({"name": "B", "value": "$(A)"}, {"name": "A", "value": "1"})
    defined_first = env_of({"name": "A", "value": "1"}, {"name": "B", "value": "$(A)"})
    finding = only(written_first, defined_first)
    assert (finding.klass, finding.path) == ("behavior", f"{PATH}.env[B].value")
    assert (finding.old, finding.new) == ("$(A)", "1")
    back = only(defined_first, written_first)
    assert (back.old, back.new) == ("1", "$(A)")
