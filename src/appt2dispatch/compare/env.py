"""The environment a container really gets, and how two of them differ for dispatch.

Kubernetes builds it from `envFrom` sources in order (a later source wins), then
`env` (an entry beats any source; among duplicates the last wins). What an
`envFrom` Secret holds is often unknown (Translation.envfrom_keys says what is
known), so an explicit variable may shadow a value the Secret supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appt2dispatch.compare.lanes import describe_lane_change, effective_lane_config
from appt2dispatch.models import Finding, FindingClass

LANE_CONFIG_VARIABLE = "DISPATCH_LANE_CONFIG_JSON"
SKIP_MIGRATIONS_VARIABLE = "SKIP_DB_MIGRATIONS"
DATABASE_VARIABLES = ("DATABASE_URL", "DISPATCH_DATABASE_URL", "MISSION_CONTROL_DATABASE_URL")


def _flag_off(value: str) -> bool:
    # dispatch reads flags as the literal "true"; anything else is off.
    return value != "true"


def _equals_number(default: int) -> Callable[[str], bool]:
    def matches(value: str) -> bool:
        return value.strip().isdigit() and int(value) == default

    return matches


def _equals(default: str) -> Callable[[str], bool]:
    def matches(value: str) -> bool:
        return value == default

    return matches


def _lanes_builtin(value: str) -> bool:
    # An invalid lane config is logged and ignored: the app runs its built-in lanes.
    return effective_lane_config(value).is_builtin


# What dispatch does when a variable is unset (reference/dispatch-env-contract.md):
# a value for which the predicate holds means the same as leaving it unset.
APP_ENV_DEFAULTS: Mapping[str, Callable[[str], bool]] = {
    "DISPATCH_HOSTED_GROOMER_ENABLED": _flag_off,
    "DISPATCH_GROOMER_DRY_RUN": _equals("true"),
    "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED": _flag_off,
    "DISPATCH_SCHEDULER_ENABLED": _flag_off,
    "DISPATCH_SYNC_INTERVAL_MS": _equals_number(900000),
    "DISPATCH_GROOMER_INTERVAL_MS": _equals_number(600000),
    "DISPATCH_PR_FOLLOWUP_INTERVAL_MS": _equals_number(900000),
    "DISPATCH_PRUNE_CLOSED_INTERVAL_MS": _equals_number(86400000),
    "DISPATCH_SCHEDULER_STARTUP_DELAY_MS": _equals_number(5000),
    "DISPATCH_RECONCILE_INTERVAL_MS": _equals_number(1800000),
    "DISPATCH_STALE_WORK_INTERVAL_MS": _equals_number(300000),
    "DISPATCH_PR_FIX_SWEEP_INTERVAL_MS": _equals_number(300000),
    "DISPATCH_CI_FAILURES_INTERVAL_MS": _equals_number(1800000),
    "PORT": _equals_number(3000),  # the image sets PORT=3000
    SKIP_MIGRATIONS_VARIABLE: _flag_off,
    LANE_CONFIG_VARIABLE: _lanes_builtin,
}
_OFF_FLAGS = frozenset(name for name, rule in APP_ENV_DEFAULTS.items() if rule is _flag_off)
_NUMBERS = frozenset(name for name in APP_ENV_DEFAULTS if name.endswith("_MS") or name == "PORT")


@dataclass(frozen=True)
class EnvSource:
    """One `envFrom` entry."""

    kind: str
    name: str
    prefix: str = ""
    optional: bool = False

    def __str__(self) -> str:
        text = f"{self.kind} {self.name}"
        if self.prefix:
            text += f" (prefix {self.prefix})"
        return text + (" (optional)" if self.optional else "")


@dataclass(frozen=True)
class ContainerEnv:
    """Explicit `env` entries (after last-wins) and the `envFrom` sources, in order."""

    explicit: Mapping[str, Mapping[str, Any]]
    sources: tuple[EnvSource, ...]

    def plain_value(self, name: str) -> str | None:
        entry = self.explicit.get(name)
        return entry.get("value") if entry is not None and "valueFrom" not in entry else None


def container_env(container: Mapping[str, Any]) -> ContainerEnv:
    explicit: dict[str, Mapping[str, Any]] = {}
    for entry in container.get("env") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            explicit[entry["name"]] = canonical_entry(entry)
    sources: list[EnvSource] = []
    for source in container.get("envFrom") or []:
        if not isinstance(source, Mapping):
            continue
        for ref_field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            ref = source.get(ref_field)
            if isinstance(ref, Mapping):
                sources.append(
                    EnvSource(
                        kind,
                        str(ref.get("name", "")),
                        str(source.get("prefix") or ""),
                        bool(ref.get("optional", False)),
                    )
                )
    return ContainerEnv(explicit, tuple(sources))


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
    sources: Sequence[EnvSource],
    name: str,
    envfrom_keys: Mapping[str, frozenset[str] | None] | None,
) -> tuple[EnvSource, ...]:
    """The sources that could put `name` into the environment (unknown keys: any)."""
    found: list[EnvSource] = []
    for source in sources:
        if source.prefix and not name.startswith(source.prefix):
            continue
        key = name[len(source.prefix) :]
        keys = None if envfrom_keys is None else envfrom_keys.get(source.name)
        if keys is None or key in keys:
            found.append(source)
    return tuple(found)


def database_source(
    env: ContainerEnv, envfrom_keys: Mapping[str, frozenset[str] | None] | None
) -> tuple[tuple[str, object], ...]:
    """Where each database URL variable comes from: the entry, or the sources that may supply it."""
    described: list[tuple[str, object]] = []
    for name in DATABASE_VARIABLES:
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
        return None
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
    sources: tuple[EnvSource, ...],
    finding: Callable[..., Finding],
    *,
    added: bool,
) -> Finding:
    """A variable on one side only: the other side has the app default or a source's value."""
    value = entry.get("value") if "valueFrom" not in entry else None
    rule = APP_ENV_DEFAULTS.get(name)
    is_default = value is not None and rule is not None and rule(value)
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


def same_meaning(name: str, old_value: str, new_value: str) -> bool:
    """Two spellings of a variable that the app reads the same way."""
    if old_value == new_value:
        return True
    if name in _OFF_FLAGS:
        return (old_value == "true") == (new_value == "true")
    if name in _NUMBERS:
        return (
            old_value.strip().isdigit()
            and new_value.strip().isdigit()
            and int(old_value) == int(new_value)
        )
    return False


def _display(entry: Mapping[str, Any] | None) -> Any:
    if entry is None:
        return None
    if "valueFrom" not in entry:
        return entry.get("value")
    return dict(entry)
