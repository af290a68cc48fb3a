"""The environment a container really gets, and how two of them differ for dispatch.

Kubernetes builds it from `envFrom` sources in order (a later source wins), then
`env` (an entry beats any source; among duplicates the last wins). What an
`envFrom` Secret holds is often unknown (Translation.envfrom_keys says what is
known), so an explicit variable may shadow a value the Secret supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appt2dispatch.compare.expansion import expand_references
from appt2dispatch.compare.lanes import describe_lane_change, effective_lane_config
from appt2dispatch.contract import (
    DATABASE_URL_VARIABLES,
    LANE_CONFIG_VARIABLE,
    SKIP_MIGRATIONS_VARIABLE,
    EnvFromSource,
    means_app_default,
    read_envfrom,
    same_meaning,
)
from appt2dispatch.models import Finding, FindingClass


@dataclass(frozen=True)
class ContainerEnv:
    """Explicit `env` entries (after last-wins) and the `envFrom` sources, in order.

    `expanded`: the values that reference earlier entries, as the kubelet expands them.
    """

    explicit: Mapping[str, Mapping[str, Any]]
    sources: tuple[EnvFromSource, ...]
    expanded: Mapping[str, str] = field(default_factory=dict)

    def plain_value(self, name: str) -> str | None:
        entry = self.explicit.get(name)
        return entry.get("value") if entry is not None and "valueFrom" not in entry else None


def container_env(container: Mapping[str, Any]) -> ContainerEnv:
    ordered = [
        (entry["name"], canonical_entry(entry))
        for entry in container.get("env") or []
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str)
    ]
    return ContainerEnv(
        dict(ordered), read_envfrom(container.get("envFrom") or []), expand_references(ordered)
    )


def canonical_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """`{"value": str}` or `{"valueFrom": ...}`; no value at all is the empty string."""
    result: dict[str, Any] = {}
    if entry.get("valueFrom"):
        result["valueFrom"] = entry["valueFrom"]
    if entry.get("value") not in (None, "") or "valueFrom" not in result:
        value = entry.get("value")
        result["value"] = "" if value is None else str(value)
    return result


def may_supply(
    sources: Sequence[EnvFromSource],
    name: str,
    envfrom_keys: Mapping[str, frozenset[str] | None] | None,
) -> tuple[EnvFromSource, ...]:
    """The sources that could put `name` into the environment (unknown keys: any)."""
    found: list[EnvFromSource] = []
    for source in sources:
        key = source.key_for(name)
        keys = None if envfrom_keys is None else envfrom_keys.get(source.name)
        if key is not None and (keys is None or key in keys):
            found.append(source)
    return tuple(found)


def database_source(
    env: ContainerEnv, envfrom_keys: Mapping[str, frozenset[str] | None] | None
) -> tuple[tuple[str, object], ...]:
    """Where each database URL variable comes from: the entry, or the sources that may supply it."""
    described: list[tuple[str, object]] = []
    for name in DATABASE_URL_VARIABLES:
        entry = env.explicit.get(name)
        origin: object = (
            dict(entry) if entry is not None else may_supply(env.sources, name, envfrom_keys)
        )
        described.append((name, origin))
    return tuple(described)


@dataclass(frozen=True)
class EnvComparison:
    """What comparing one container's environment needs besides the two environments."""

    resource: str
    container_path: str
    envfrom_keys: Mapping[str, frozenset[str] | None] | None
    # How switching SKIP_DB_MIGRATIONS on is judged (migration.py decides).
    skip_migrations: tuple[FindingClass, str]


def compare_container_env(
    old: ContainerEnv, new: ContainerEnv, context: EnvComparison
) -> list[Finding]:
    findings: list[Finding] = []
    if old.sources != new.sources:
        findings.append(
            Finding(
                "behavior",
                context.resource,
                f"{context.container_path}.envFrom",
                [str(source) for source in old.sources] or None,
                [str(source) for source in new.sources] or None,
                "envFrom sources differ: variables the app reads from them change",
            )
        )
    for name in sorted(set(old.explicit) | set(new.explicit)):
        finding = _compare_variable(name, old, new, context)
        if finding is not None:
            findings.append(finding)
    return findings


def _compare_variable(
    name: str, old: ContainerEnv, new: ContainerEnv, context: EnvComparison
) -> Finding | None:
    old_entry, new_entry = old.explicit.get(name), new.explicit.get(name)
    path = f"{context.container_path}.env[{name}]"

    def finding(klass: FindingClass, message: str, suffix: str = "") -> Finding:
        return Finding(
            klass,
            context.resource,
            path + suffix,
            _display(old_entry),
            _display(new_entry),
            message,
        )

    if old_entry == new_entry:
        return _compare_expansion(name, old, new, context.resource, path)
    if (
        name == SKIP_MIGRATIONS_VARIABLE
        and new.plain_value(name) == "true"
        and old.plain_value(name) != "true"
    ):
        klass, message = context.skip_migrations
        return finding(klass, message, ".value" if old_entry is not None else "")
    if old_entry is not None and new_entry is not None:
        return _compare_both(name, old_entry, new_entry, finding)
    if new_entry is not None:
        shadowed = may_supply(old.sources, name, context.envfrom_keys)
        return _judge_one_sided(name, new_entry, shadowed, finding, added=True)
    assert old_entry is not None
    supplied = may_supply(new.sources, name, context.envfrom_keys)
    return _judge_one_sided(name, old_entry, supplied, finding, added=False)


def _compare_expansion(
    name: str, old: ContainerEnv, new: ContainerEnv, resource: str, path: str
) -> Finding | None:
    """The same entry on both sides can still expand differently (order, referenced values)."""
    old_value, new_value = old.expanded.get(name), new.expanded.get(name)
    if old_value == new_value:
        return None
    written = old.plain_value(name)
    return Finding(
        "behavior",
        resource,
        f"{path}.value",
        written if old_value is None else old_value,
        written if new_value is None else new_value,
        f"{name}: its $(VAR) references expand differently (the kubelet expands a reference "
        "only to a variable listed before it in env: the order or the referenced values changed)",
    )


def _compare_both(
    name: str,
    old_entry: Mapping[str, Any],
    new_entry: Mapping[str, Any],
    finding: Callable[..., Finding],
) -> Finding:
    old_value, new_value = old_entry.get("value"), new_entry.get("value")
    both_plain = "valueFrom" not in old_entry and "valueFrom" not in new_entry
    if not both_plain:
        suffix = ".valueFrom" if "valueFrom" in old_entry and "valueFrom" in new_entry else ""
        return finding("behavior", f"{name} comes from a different source", suffix)
    assert isinstance(old_value, str) and isinstance(new_value, str)
    if name == LANE_CONFIG_VARIABLE:
        old_lanes, new_lanes = effective_lane_config(old_value), effective_lane_config(new_value)
        if old_lanes.config == new_lanes.config:
            return finding(
                "cosmetic", "the app parses both to the same lanes (formatting only)", ".value"
            )
        return finding("behavior", describe_lane_change(old_lanes, new_lanes), ".value")
    if same_meaning(name, old_value, new_value):
        return finding(
            "cosmetic", f"{name}: a different spelling the app reads the same way", ".value"
        )
    return finding("behavior", f"{name} changes", ".value")


def _judge_one_sided(
    name: str,
    entry: Mapping[str, Any],
    sources: tuple[EnvFromSource, ...],
    finding: Callable[..., Finding],
    *,
    added: bool,
) -> Finding:
    """A variable on one side only: the other side has the app default or a source's value."""
    value = entry.get("value") if "valueFrom" not in entry else None
    is_default = value is not None and means_app_default(name, value)
    names = ", ".join(str(source) for source in sources)
    if added:
        if sources:
            detail = "equals the app's default, but " if is_default else ""
            return finding(
                "behavior",
                f"{name} set explicitly: {detail}envFrom {names} may supply it, "
                "and the explicit value would shadow it",
            )
        if is_default:
            return finding(
                "cosmetic", f"{name} set explicitly to the app's default (no behaviour change)"
            )
        return finding("behavior", f"{name} added to the environment")
    if sources:
        return finding(
            "behavior", f"{name} no longer set explicitly: envFrom {names} may supply another value"
        )
    if is_default:
        return finding("cosmetic", f"{name} was set to the app's default; unset means the same")
    return finding("behavior", f"{name} removed: the app falls back to its own default")


def _display(entry: Mapping[str, Any] | None) -> Any:
    if entry is None:
        return None
    if "valueFrom" not in entry:
        return entry.get("value")
    return dict(entry)
