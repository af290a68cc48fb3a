"""Rules whose loss would certify a behaviour change as safe: each test states one.

These pin what a lying comparator would get wrong (see docs/mutation-testing.md): a hook Job
on one of the two hooks, a host port, a PVC that shrinks.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from appt2dispatch.compare import compare_renders, decide_verdict
from appt2dispatch.compare.migration import is_install_and_upgrade_hook
from compare.compare_helpers import (
    app_container,
    at_path,
    migration_job,
    non_cosmetic,
    rendered,
)
from compare.test_compare_mutations import (
    APP,
    DEPLOYMENT,
    compare_to_golden,
    equivalent_new_side,
)

CLAIM = "PersistentVolumeClaim llm/data"


@pytest.mark.parametrize(
    ("hook", "both"),
    [
        ("pre-install,pre-upgrade", True),
        ("pre-upgrade, pre-install", True),
        ("pre-install,pre-upgrade,post-delete", True),
        ("pre-install", False),
        ("pre-upgrade", False),
        ("post-install,post-upgrade", False),
        ("", False),
    ],
)
def test_a_migration_hook_runs_before_install_and_before_upgrade(hook: str, both: bool) -> None:
    assert is_install_and_upgrade_hook(migration_job(hook=hook)) is both


@pytest.mark.parametrize("hook", ["pre-install", "pre-upgrade"])
def test_a_hook_job_on_one_of_the_two_hooks_is_not_the_handover(
    golden_objects: list[dict[str, Any]], hook: str
) -> None:
    # pre-install only: the first upgrade (every migration after it) would not migrate.
    def hand_over(new: list[dict[str, Any]]) -> None:
        app_container(new)["env"].append({"name": "SKIP_DB_MIGRATIONS", "value": "true"})
        new.append(migration_job(hook=hook))

    findings = compare_to_golden(golden_objects, hand_over)
    assert at_path(findings, f"{APP}.env[SKIP_DB_MIGRATIONS]").klass == "behavior"
    assert decide_verdict(findings) == "behavior-change"


@pytest.mark.parametrize(
    "port",
    [
        {"name": "http", "containerPort": 3000, "hostPort": 3000},
        {"name": "http", "containerPort": 3000, "hostPort": 3000, "protocol": "TCP"},
    ],
)
def test_a_host_port_is_behaviour(
    golden_objects: list[dict[str, Any]], port: dict[str, Any]
) -> None:
    def add_host_port(new: list[dict[str, Any]]) -> None:
        app_container(new)["ports"] = [port]

    findings = compare_to_golden(golden_objects, add_host_port)
    behaviour = [row for row in non_cosmetic(findings) if row[2].startswith(f"{APP}.ports")]
    assert [row[:2] for row in behaviour] == [("behavior", DEPLOYMENT)]
    assert decide_verdict(findings) == "behavior-change"


def test_a_host_port_removed_is_behaviour(golden_objects: list[dict[str, Any]]) -> None:
    old = copy.deepcopy(golden_objects)
    app_container(old)["ports"] = [{"name": "http", "containerPort": 3000, "hostPort": 3000}]
    findings = compare_renders(rendered(old), rendered(equivalent_new_side(golden_objects)))
    assert [row[:2] for row in non_cosmetic(findings)] == [("behavior", DEPLOYMENT)]
    assert decide_verdict(findings) == "behavior-change"


def claim(storage: str, access: str = "ReadWriteOnce") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "llm"},
        "spec": {"accessModes": [access], "resources": {"requests": {"storage": storage}}},
    }


@pytest.mark.parametrize(
    ("old", "new", "klass"),
    [
        ("5Gi", "10Gi", "behavior"),  # Kubernetes expands a claim (where the class allows it)
        ("10Gi", "5Gi", "blocker"),  # and refuses to shrink one
        ("1Gi", "1000Mi", "blocker"),
        ("1G", "1Gi", "behavior"),
    ],
)
def test_a_claim_may_grow_but_never_shrink(old: str, new: str, klass: str) -> None:
    findings = compare_renders(rendered([claim(old)]), rendered([claim(new)]))
    assert non_cosmetic(findings) == [(klass, CLAIM, "spec.resources.requests.storage")]
    assert decide_verdict(findings) == ("blocked" if klass == "blocker" else "behavior-change")


def test_a_claim_with_the_same_size_spelled_otherwise_is_no_change() -> None:
    findings = compare_renders(rendered([claim("1Gi")]), rendered([claim("1024Mi")]))
    assert decide_verdict(findings) == "no-behavior-change"


def test_a_claim_other_spec_change_is_a_blocker() -> None:
    findings = compare_renders(rendered([claim("1Gi")]), rendered([claim("1Gi", "ReadWriteMany")]))
    assert {row[0] for row in non_cosmetic(findings)} == {"blocker"}
    assert decide_verdict(findings) == "blocked"
