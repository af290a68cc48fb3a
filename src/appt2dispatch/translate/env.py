"""The old pod's environment -> the chart's `config`, `database`, `env` and envFrom keys.

The rule throughout: the new pod's effective environment (envFrom in order, then
env, last wins) equals the old pod's, plus `SKIP_DB_MIGRATIONS=true`. A structured
key is used only when the chart renders exactly the old string; anything else
travels verbatim through `env:`. Where the old pod leaves a variable unset but the
chart default would set it, the key is written `null` (the app's own default, or
an envFrom source, then decides as before).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from appt2dispatch.translate.chart import MISSING, chart_default
from appt2dispatch.translate.lanes import parse_lane_config
from appt2dispatch.translate.source import SourceIndex, ValuesPath, dotted
from appt2dispatch.translate.values_doc import Draft, TargetPath

VarKind = Literal["text", "flag", "interval", "auth", "labels"]
AUTH_MODES = ("basic", "oidc", "disabled")
# Helm reads numbers as float64: larger integers would not survive exactly.
_MAX_EXACT_INT = 2**53
_CANONICAL_INT = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class StructuredVar:
    name: str
    path: TargetPath
    kind: VarKind
    app_default: str


STRUCTURED_VARS: tuple[StructuredVar, ...] = (
    StructuredVar("DISPATCH_AUTH_MODE", ("config", "authMode"), "auth", "legacy bearer-token mode"),
    StructuredVar("DISPATCH_EXCLUDED_LABELS", ("config", "excludedLabels"), "labels", "none"),
    StructuredVar("DISPATCH_LLM_BASE_URL", ("config", "llmBaseUrl"), "text", "OPENAI_BASE_URL"),
    StructuredVar(
        "DISPATCH_HOSTED_GROOMER_ENABLED", ("config", "groomer", "enabled"), "flag", "off"
    ),
    StructuredVar("DISPATCH_GROOMER_MODEL", ("config", "groomer", "model"), "text", "none"),
    StructuredVar(
        "DISPATCH_GROOMER_DRY_RUN", ("config", "groomer", "dryRun"), "flag", "dry run, no writes"
    ),
    StructuredVar(
        "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED",
        ("config", "groomer", "repoContext"),
        "flag",
        "off",
    ),
    StructuredVar("DISPATCH_SCHEDULER_ENABLED", ("config", "scheduler", "enabled"), "flag", "off"),
    StructuredVar(
        "DISPATCH_SYNC_INTERVAL_MS",
        ("config", "scheduler", "intervals", "syncMs"),
        "interval",
        "900000",
    ),
    StructuredVar(
        "DISPATCH_GROOMER_INTERVAL_MS",
        ("config", "scheduler", "intervals", "groomerMs"),
        "interval",
        "600000",
    ),
    StructuredVar(
        "DISPATCH_PR_FOLLOWUP_INTERVAL_MS",
        ("config", "scheduler", "intervals", "prFollowupMs"),
        "interval",
        "900000",
    ),
    StructuredVar(
        "DISPATCH_PRUNE_CLOSED_INTERVAL_MS",
        ("config", "scheduler", "intervals", "pruneClosedMs"),
        "interval",
        "86400000",
    ),
)
LANE_VAR = "DISPATCH_LANE_CONFIG_JSON"
DATABASE_VAR = "DATABASE_URL"
SKIP_MIGRATIONS_VAR = "SKIP_DB_MIGRATIONS"
_STRUCTURED_NAMES = frozenset({var.name for var in STRUCTURED_VARS} | {LANE_VAR, DATABASE_VAR})


@dataclass(frozen=True)
class EnvSource:
    """One envFrom entry of the old pod and the keys it is known to provide."""

    kind: str  # "Secret" or "ConfigMap"
    name: str
    prefix: str
    keys: frozenset[str] | None  # None: not known

    def provides(self, variable: str) -> bool:
        if self.keys is None or not variable.startswith(self.prefix):
            return False
        return variable[len(self.prefix) :] in self.keys

    def __str__(self) -> str:
        return f'the {self.kind} "{self.name}"'


@dataclass(frozen=True)
class EnvScope:
    """Where the old container sits in the values, to name the source of each variable."""

    source: SourceIndex
    container: ValuesPath | None

    def path_of(self, name: str) -> ValuesPath | None:
        return self.source.env_path(self.container, name)


def envfrom_sources(
    env_from: Sequence[Mapping[str, Any]], known_keys: Mapping[str, frozenset[str] | None]
) -> list[EnvSource]:
    sources = []
    for item in env_from:
        for field, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            ref = item.get(field)
            if isinstance(ref, Mapping) and ref.get("name"):
                name = str(ref["name"])
                sources.append(
                    EnvSource(kind, name, str(item.get("prefix") or ""), known_keys.get(name))
                )
    return sources


def map_env_from(draft: Draft, env_from: Sequence[Mapping[str, Any]], scope: EnvScope) -> None:
    """First plain secretRef -> existingSecret; every other entry, in order -> extraEnvFrom."""
    if not env_from:
        return
    path = (*scope.container, "envFrom") if scope.container else None
    rest = list(env_from)
    first = rest[0]
    ref = first.get("secretRef")
    if set(first) == {"secretRef"} and isinstance(ref, Mapping) and set(ref) <= {"name"}:
        draft.set(("existingSecret",), str(ref["name"]), sources=[(*path, 0)] if path else [])
        rest = rest[1:]
    if rest:
        draft.set(("extraEnvFrom",), [dict(item) for item in rest])
    draft.note(
        "envFrom -> existingSecret + extraEnvFrom (same order)", scope.source.location_of(path)
    )


def map_env(
    draft: Draft,
    env: Sequence[Mapping[str, Any]],
    sources: Sequence[EnvSource],
    scope: EnvScope,
) -> None:
    """Map every old env entry (and every structured key the old pod leaves unset)."""
    effective: dict[str, Mapping[str, Any]] = {}
    for item in env:
        name = str(item.get("name"))
        if name in effective:
            draft.note(
                f"env {name} is listed twice in the old pod; the last entry wins and is kept",
                scope.source.location_of(scope.path_of(name)),
                "warning",
            )
        effective[name] = item
    if any("$(" in str(item.get("value", "")) for item in effective.values()):
        draft.note(
            "an env value uses $(VAR) expansion, which depends on env order; the chart orders "
            "env differently (structured keys first, then env by name): check the result",
            level="warning",
        )
    for var in STRUCTURED_VARS:
        _map_structured(draft, var, effective.pop(var.name, None), sources, scope)
    _map_lanes(draft, effective.pop(LANE_VAR, None), scope)
    _map_database(draft, effective.pop(DATABASE_VAR, None), scope)
    _map_skip_migrations(draft, effective.pop(SKIP_MIGRATIONS_VAR, None), scope)
    for name, item in effective.items():
        _keep_in_env(draft, name, item, scope, "no structured key")
    _note_unknown_sources(draft, sources)


def _map_structured(
    draft: Draft,
    var: StructuredVar,
    item: Mapping[str, Any] | None,
    sources: Sequence[EnvSource],
    scope: EnvScope,
) -> None:
    default = chart_default(var.path)
    if item is None:
        if default is not None and default is not MISSING:
            draft.set(var.path, None, comment=_unset_reason(var, sources))
        return
    if "valueFrom" in item:
        _keep_in_env(draft, var.name, item, scope, f"a valueFrom has no {dotted(var.path)} form")
        return
    text = str(item.get("value", ""))
    value = _structured_value(var, text)
    if value is MISSING:
        _keep_in_env(draft, var.name, item, scope, f"{dotted(var.path)} cannot render {text!r}")
        return
    path = scope.path_of(var.name)
    draft.set(var.path, value, sources=[path] if path else [])
    draft.note(f"env {var.name} -> {dotted(var.path)}", scope.source.location_of(path))


def _structured_value(var: StructuredVar, text: str) -> Any:
    """The structured value the chart renders back as exactly `text`, or MISSING."""
    if var.kind == "flag":
        return {"true": True, "false": False}.get(text, MISSING)
    if var.kind == "interval":
        if _CANONICAL_INT.fullmatch(text) and int(text) <= _MAX_EXACT_INT:
            return int(text)
        return MISSING
    if var.kind == "auth":
        return text if text in AUTH_MODES else MISSING
    if var.kind == "labels":
        parts = text.split(",")
        if len(parts) > 1 and all(part and part == part.strip() for part in parts):
            return parts
    return text


def _unset_reason(var: StructuredVar, sources: Sequence[EnvSource]) -> str:
    providers = [source for source in sources if source.provides(var.name)]
    if providers:
        return f"unset: {providers[-1]} provides {var.name}"
    return f"unset: the app's default is {var.app_default}"


def _note_unknown_sources(draft: Draft, sources: Sequence[EnvSource]) -> None:
    nulls = [
        var.name
        for var in STRUCTURED_VARS
        if draft.get(var.path) is None and draft.entries.get(var.path)
    ]
    for source in sources:
        if source.keys is None and nulls:
            draft.note(
                f"assumed {source} may provide any of {', '.join(nulls)} (its keys are not known: "
                "no manifest of it beside the release, or an ExternalSecret dataFrom): those "
                "keys are null so no explicit variable shadows it",
                level="assumption",
            )


def _map_lanes(draft: Draft, item: Mapping[str, Any] | None, scope: EnvScope) -> None:
    if item is None:
        return
    if "valueFrom" in item:
        _keep_in_env(draft, LANE_VAR, item, scope, "a valueFrom cannot be checked or structured")
        return
    path = scope.path_of(LANE_VAR)
    sources = [path] if path else []
    location = scope.source.location_of(path)
    result = parse_lane_config(str(item.get("value", "")))
    if not result.valid:
        draft.set(
            ("config", "lanes"),
            None,
            comment=f"{LANE_VAR} was invalid: the app runs on its built-in lanes",
            sources=sources,
        )
        draft.note(
            f"{LANE_VAR} is invalid ({'; '.join(result.errors)}): the running app ignores it "
            "and uses its built-in lanes (default, backlog), so config.lanes stays null and the "
            "variable is not carried over; fix the lanes on purpose if you want them",
            location,
            "warning",
        )
        return
    if result.warnings:
        _keep_in_env(draft, LANE_VAR, item, scope, "the chart's values schema would reject it")
        draft.note(
            f"{LANE_VAR} is valid for the app but the chart's schema rejects "
            f"{'; '.join(result.warnings)}: kept verbatim in env, config.lanes stays null",
            location,
            "warning",
        )
        return
    draft.set(("config", "lanes"), [dict(lane) for lane in result.lanes], sources=sources)
    if result.lane_aliases is not None:
        draft.set(("config", "laneAliases"), dict(result.lane_aliases))
    draft.note(f"env {LANE_VAR} -> config.lanes + config.laneAliases (same order)", location)
    top_level = [key for key in result.unknown_keys if not key.startswith("lanes[")]
    in_lanes = [key for key in result.unknown_keys if key.startswith("lanes[")]
    if in_lanes:
        draft.note(
            f"{LANE_VAR} has lane keys dispatch does not read, kept in config.lanes: "
            f"{', '.join(in_lanes)}",
            location,
            "warning",
        )
    if top_level:
        draft.note(
            f"{LANE_VAR} has top-level keys dispatch does not read, dropped (the chart renders "
            f"only lanes and laneAliases): {', '.join(top_level)}",
            location,
            "dropped",
        )


def _map_database(draft: Draft, item: Mapping[str, Any] | None, scope: EnvScope) -> None:
    if item is None:
        return
    ref = (item.get("valueFrom") or {}).get("secretKeyRef")
    simple = (
        isinstance(ref, Mapping)
        and set(item["valueFrom"]) == {"secretKeyRef"}
        and set(ref) <= {"name", "key", "optional"}
        and not ref.get("optional")
        and ref.get("name")
        and ref.get("key")
    )
    if not simple:
        _keep_in_env(draft, DATABASE_VAR, item, scope, "not a plain secretKeyRef")
        return
    assert isinstance(ref, Mapping)
    path = scope.path_of(DATABASE_VAR)
    ref_path = (*path, "valueFrom", "secretKeyRef") if path else None
    written = scope.source.get(ref_path) if ref_path else None
    template = written.get("name") if isinstance(written, Mapping) else None
    comment = (
        f'was "{template}" in the app-template values'
        if isinstance(template, str) and "{{" in template
        else None
    )
    draft.set(
        ("database", "existingSecret"),
        str(ref["name"]),
        comment=comment,
        sources=[(*ref_path, "name")] if ref_path else [],
    )
    draft.set(
        ("database", "key"), str(ref["key"]), sources=[(*ref_path, "key")] if ref_path else []
    )
    draft.note(
        f"env {DATABASE_VAR} (secretKeyRef {ref['name']}/{ref['key']}) -> database.existingSecret "
        "+ database.key; the migration Job reads it too",
        scope.source.location_of(path),
    )


def _map_skip_migrations(draft: Draft, item: Mapping[str, Any] | None, scope: EnvScope) -> None:
    if item is None:
        return
    location = scope.source.location_of(scope.path_of(SKIP_MIGRATIONS_VAR))
    if item.get("value") == "true" and "valueFrom" not in item:
        draft.set(
            ("migrations", "enabled"),
            False,
            comment="the old pod never migrated (SKIP_DB_MIGRATIONS=true)",
        )
        draft.note(
            "the old pod set SKIP_DB_MIGRATIONS=true and never migrated: migrations.enabled is "
            "false so the chart does not start migrating; enable it once something else no "
            "longer runs them",
            location,
            "warning",
        )
        return
    draft.note(
        f'env {SKIP_MIGRATIONS_VAR} dropped: the chart sets it to "true" on the app pods and '
        "migrates once in a hook Job (the old pod migrated at start)",
        location,
        "dropped",
    )


def _keep_in_env(
    draft: Draft, name: str, item: Mapping[str, Any], scope: EnvScope, why: str
) -> None:
    if "valueFrom" in item:
        value: Any = {"valueFrom": item["valueFrom"]}
    else:
        value = str(item.get("value", ""))
    path = scope.path_of(name)
    written = scope.source.get(path) if path else None
    # A variable without a structured key needs no explanation; one that has a key does,
    # and so does a value app-template resolved from a template.
    comment = None if name not in _STRUCTURED_NAMES else f"verbatim: {why}"
    if isinstance(written, str) and "{{" in written:
        comment = f"was {written!r} in the app-template values"
    draft.set(("env", name), value, comment=comment, sources=[path] if path else [])
    draft.note(f"env {name} kept in env ({why})", scope.source.location_of(path))
