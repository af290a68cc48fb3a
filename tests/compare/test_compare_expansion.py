"""`$(VAR)` references: expanded as the kubelet does, so env order can change a value."""

from __future__ import annotations

from typing import Any

from appt2dispatch.compare.env import EnvComparison, compare_container_env, container_env
from appt2dispatch.compare.expansion import expand_references

PATH = "spec.template.spec.containers[app]"
CONTEXT = EnvComparison("Deployment.apps llm/dispatch", PATH, None, ("behavior", "no job"))


def plain(*pairs: tuple[str, str]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, {"value": value}) for name, value in pairs]


def test_a_reference_expands_only_to_an_earlier_entry() -> None:
    assert expand_references(plain(("BASE", "http://x"), ("URL", "$(BASE)/v1"))) == {
        "URL": "http://x/v1"
    }
    assert expand_references(plain(("URL", "$(BASE)/v1"), ("BASE", "http://x"))) == {}


def test_escapes_unknown_names_and_chains() -> None:
    entries = plain(
        ("A", "a"),
        ("B", "$(A)-$$(A)-$(NOPE)-$()"),
        ("C", "[$(B)]"),
        ("D", "$(D)"),
    )
    assert expand_references(entries) == {"B": "a-$$(A)-$(NOPE)-$()", "C": "[a-$$(A)-$(NOPE)-$()]"}


def test_a_value_from_reference_names_its_source_and_a_redefinition_wins() -> None:
    entries = [
        ("DB", {"valueFrom": {"secretKeyRef": {"name": "s", "key": "uri"}}}),
        ("URL", {"value": "$(DB)?ssl=1"}),
        ("URL", {"value": "static"}),
    ]
    assert expand_references(entries) == {}
    assert "secretKeyRef" in expand_references(entries[:2])["URL"]


def container(*names: str) -> dict[str, Any]:
    values = {"Z_BASE": "http://litellm:4000", "A_URL": "$(Z_BASE)/v1"}
    return {"env": [{"name": name, "value": values[name]} for name in names]}


def test_reordered_entries_that_expand_differently_are_a_behavior_change() -> None:
    old = container_env(container("Z_BASE", "A_URL"))
    new = container_env(container("A_URL", "Z_BASE"))
    findings = compare_container_env(old, new, CONTEXT)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.klass == "behavior"
    assert finding.path == f"{PATH}.env[A_URL].value"
    assert (finding.old, finding.new) == ("http://litellm:4000/v1", "$(Z_BASE)/v1")


def test_reordering_without_references_changes_nothing() -> None:
    old = container_env({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]})
    new = container_env({"env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]})
    assert compare_container_env(old, new, CONTEXT) == []
    same_order = container_env(container("Z_BASE", "A_URL"))
    assert compare_container_env(same_order, same_order, CONTEXT) == []
