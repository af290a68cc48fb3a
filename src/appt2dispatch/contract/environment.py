"""The variables dispatch reads, what it does when one is unset, where the chart keeps it.

Facts from reference/dispatch-env-contract.md. "Unset" means absent from the
container's environment; the app then uses its own default, which is not always
the chart's default for new installs. Kubernetes env values are strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from appt2dispatch.contract.lanes import parse_lane_config

VariableKind = Literal["flag", "interval", "number", "string", "list"]
ValuesPath = tuple[str, ...]

LANE_CONFIG_VARIABLE = "DISPATCH_LANE_CONFIG_JSON"
SKIP_MIGRATIONS_VARIABLE = "SKIP_DB_MIGRATIONS"
DATABASE_URL_VARIABLE = "DATABASE_URL"
# Read only when DATABASE_URL is unset.
LEGACY_DATABASE_URL_VARIABLES = ("DISPATCH_DATABASE_URL", "MISSION_CONTROL_DATABASE_URL")
DATABASE_URL_VARIABLES = (DATABASE_URL_VARIABLE, *LEGACY_DATABASE_URL_VARIABLES)
AUTH_MODES = ("basic", "oidc", "disabled")


@dataclass(frozen=True)
class AppVariable:
    """One variable dispatch reads.

    `kind`: a flag is on only as the literal "true"; an interval is milliseconds
    ("0" disables the job); a list is comma-separated. `app_default` is the value
    the app behaves as when the variable is unset (None: unset has no value form,
    e.g. the legacy auth mode); `unset_means` says the same in words.
    `values_path` is the chart's structured key (None: the `env:` escape hatch);
    `choices` are the only values that key accepts.
    """

    name: str
    kind: VariableKind
    app_default: str | None
    unset_means: str
    values_path: ValuesPath | None = None
    choices: tuple[str, ...] = ()

    def means_unset(self, value: str) -> bool:
        """Whether the app behaves with `value` exactly as with the variable unset."""
        if self.app_default is None:
            return False
        if self.kind == "flag" and self.app_default == "false":
            return value != "true"
        if self.kind in ("interval", "number"):
            return _same_number(value, self.app_default)
        # A flag that defaults to on: the contract does not say how the app reads
        # other spellings of it, so only the literal default is known to match.
        return value == self.app_default

    def same_meaning(self, old: str, new: str) -> bool:
        """Whether the app reads two spellings of this variable alike."""
        if old == new:
            return True
        if self.kind == "flag" and self.app_default == "false":
            return (old == "true") == (new == "true")
        if self.kind in ("interval", "number"):
            return _same_number(old, new)
        return False


def _same_number(first: str, second: str) -> bool:
    return first.strip().isdigit() and second.strip().isdigit() and int(first) == int(second)


# The chart's `config:` block, in the order the chart's values.yaml lists it.
STRUCTURED_VARIABLES: tuple[AppVariable, ...] = (
    AppVariable(
        "DISPATCH_AUTH_MODE",
        "string",
        None,
        "legacy bearer-token mode",
        ("config", "authMode"),
        AUTH_MODES,
    ),
    AppVariable("DISPATCH_EXCLUDED_LABELS", "list", None, "none", ("config", "excludedLabels")),
    AppVariable(
        "DISPATCH_LLM_BASE_URL", "string", None, "OPENAI_BASE_URL", ("config", "llmBaseUrl")
    ),
    AppVariable(
        "DISPATCH_HOSTED_GROOMER_ENABLED",
        "flag",
        "false",
        "off",
        ("config", "groomer", "enabled"),
    ),
    AppVariable("DISPATCH_GROOMER_MODEL", "string", None, "none", ("config", "groomer", "model")),
    AppVariable(
        "DISPATCH_GROOMER_DRY_RUN",
        "flag",
        "true",
        "dry run, no writes",
        ("config", "groomer", "dryRun"),
    ),
    AppVariable(
        "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED",
        "flag",
        "false",
        "off",
        ("config", "groomer", "repoContext"),
    ),
    AppVariable(
        "DISPATCH_SCHEDULER_ENABLED", "flag", "false", "off", ("config", "scheduler", "enabled")
    ),
    AppVariable(
        "DISPATCH_SYNC_INTERVAL_MS",
        "interval",
        "900000",
        "900000",
        ("config", "scheduler", "intervals", "syncMs"),
    ),
    AppVariable(
        "DISPATCH_GROOMER_INTERVAL_MS",
        "interval",
        "600000",
        "600000",
        ("config", "scheduler", "intervals", "groomerMs"),
    ),
    AppVariable(
        "DISPATCH_PR_FOLLOWUP_INTERVAL_MS",
        "interval",
        "900000",
        "900000",
        ("config", "scheduler", "intervals", "prFollowupMs"),
    ),
    AppVariable(
        "DISPATCH_PRUNE_CLOSED_INTERVAL_MS",
        "interval",
        "86400000",
        "86400000",
        ("config", "scheduler", "intervals", "pruneClosedMs"),
    ),
)

# Knobs the app reads that have no structured key: they travel through `env:`.
OTHER_VARIABLES: tuple[AppVariable, ...] = (
    AppVariable("DISPATCH_SCHEDULER_STARTUP_DELAY_MS", "interval", "5000", "5000"),
    AppVariable("DISPATCH_RECONCILE_INTERVAL_MS", "interval", "1800000", "1800000"),
    AppVariable("DISPATCH_STALE_WORK_INTERVAL_MS", "interval", "300000", "300000"),
    AppVariable("DISPATCH_PR_FIX_SWEEP_INTERVAL_MS", "interval", "300000", "300000"),
    AppVariable("DISPATCH_CI_FAILURES_INTERVAL_MS", "interval", "1800000", "1800000"),
    AppVariable("PORT", "number", "3000", "3000 (the image sets it)"),
    AppVariable(
        SKIP_MIGRATIONS_VARIABLE, "flag", "false", "the pod migrates the database at start"
    ),
)

APP_VARIABLES: Mapping[str, AppVariable] = {
    variable.name: variable for variable in (*STRUCTURED_VARIABLES, *OTHER_VARIABLES)
}


def means_app_default(name: str, value: str) -> bool:
    """Whether `name=value` makes the app behave as if `name` were unset.

    An invalid lane config is logged and ignored: the app runs its built-in lanes.
    A variable the contract says nothing about never counts as its default.
    """
    if name == LANE_CONFIG_VARIABLE:
        return not parse_lane_config(value).valid
    variable = APP_VARIABLES.get(name)
    return variable is not None and variable.means_unset(value)


def same_meaning(name: str, old_value: str, new_value: str) -> bool:
    """Two spellings of a variable that the app reads the same way."""
    if old_value == new_value:
        return True
    variable = APP_VARIABLES.get(name)
    return variable is not None and variable.same_meaning(old_value, new_value)


@dataclass(frozen=True)
class EnvFromSource:
    """One `envFrom` entry: a Secret or ConfigMap whose keys become variables (after `prefix`).

    Kubernetes' precedence: an `env` entry beats every source; among sources a
    later one beats an earlier one.
    """

    kind: str  # "Secret" or "ConfigMap"
    name: str
    prefix: str = ""
    optional: bool = False

    def key_for(self, variable: str) -> str | None:
        """The key of this source that would become `variable` (None: the prefix rules it out)."""
        if not variable.startswith(self.prefix):
            return None
        return variable[len(self.prefix) :]

    def __str__(self) -> str:
        text = f"{self.kind} {self.name}"
        if self.prefix:
            text += f" (prefix {self.prefix})"
        return text + (" (optional)" if self.optional else "")


def read_envfrom(env_from: Sequence[Any]) -> tuple[EnvFromSource, ...]:
    """A container's `envFrom` list as sources, in order (entries that are not refs skipped)."""
    sources: list[EnvFromSource] = []
    for item in env_from:
        if not isinstance(item, Mapping):
            continue
        for ref_field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            ref = item.get(ref_field)
            if isinstance(ref, Mapping):
                name = ref.get("name")
                sources.append(
                    EnvFromSource(
                        kind,
                        "" if name is None else str(name),
                        str(item.get("prefix") or ""),
                        bool(ref.get("optional", False)),
                    )
                )
    return tuple(sources)
