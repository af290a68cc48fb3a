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
from typing import Any

from appt2dispatch.contract import (
    DATABASE_URL_VARIABLE,
    LANE_CONFIG_VARIABLE,
    SKIP_MIGRATIONS_VARIABLE,
    STRUCTURED_VARIABLES,
    AppVariable,
    EnvFromSource,
    parse_lane_config,
    read_envfrom,
)
from appt2dispatch.translate.chart import MISSING, chart_default
from appt2dispatch.translate.source import SourceIndex, ValuesPath, dotted
from appt2dispatch.translate.values_doc import Draft, TargetPath

# Helm reads numbers as float64: larger integers would not survive exactly.
_MAX_EXACT_INT = 2**53
_CANONICAL_INT = re.compile(r"0|[1-9][0-9]*")
_STRUCTURED_NAMES = frozenset(
    {var.name for var in STRUCTURED_VARIABLES} | {LANE_CONFIG_VARIABLE, DATABASE_URL_VARIABLE}
)


@dataclass(frozen=True)
class EnvSource:
    """One envFrom entry of the old pod and the keys it is known to provide."""

    ref: EnvFromSource
    keys: frozenset[str] | None  # None: not known

    def provides(self, variable: str) -> bool:
        """Known to provide `variable` (a source whose keys are unknown is not)."""
        key = self.ref.key_for(variable)
        return self.keys is not None and key is not None and key in self.keys

    def may_provide(self, variable: str) -> bool:
        """Known to provide `variable`, or its keys are unknown."""
        key = self.ref.key_for(variable)
        return key is not None and (self.keys is None or key in self.keys)

    def __str__(self) -> str:
        return f'the {self.ref.kind} "{self.ref.name}"'


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
    return [
        EnvSource(source, known_keys.get(source.name))
        for source in read_envfrom(env_from)
        if source.name
    ]


def map_env_from(draft: Draft, env_from: Sequence[Mapping[str, Any]], scope: EnvScope) -> None:
    """First plain secretRef -> existingSecret; every other entry, in order -> extraEnvFrom."""
    path = (*scope.container, "envFrom") if scope.container else None
    rest = list(env_from)
    first = rest[0] if rest else {}
    ref = first.get("secretRef")
    if set(first) == {"secretRef"} and isinstance(ref, Mapping) and set(ref) <= {"name"}:
        draft.set(
            ("existingSecret",),
            str(ref["name"]),
            sources=[(*path, 0)] if path else [],
            stated=True,
        )
        rest = rest[1:]
    elif chart_default(("existingSecret",)):
        # The chart would load its default Secret into a pod that never loaded it.
        draft.set(
            ("existingSecret",),
            "",
            comment=f'the old pod did not load the Secret "{chart_default(("existingSecret",))}"',
        )
    if not env_from:
        return
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
    for var in STRUCTURED_VARIABLES:
        _map_structured(draft, var, effective.pop(var.name, None), sources, scope)
    _map_lanes(draft, effective.pop(LANE_CONFIG_VARIABLE, None), env_sources=sources, scope=scope)
    _map_database(draft, effective.pop(DATABASE_URL_VARIABLE, None), scope)
    _map_skip_migrations(draft, effective.pop(SKIP_MIGRATIONS_VARIABLE, None), scope)
    for name, item in effective.items():
        _keep_in_env(draft, name, item, scope, "no structured key")
    _note_unknown_sources(draft, sources)


def _map_structured(
    draft: Draft,
    var: AppVariable,
    item: Mapping[str, Any] | None,
    sources: Sequence[EnvSource],
    scope: EnvScope,
) -> None:
    target = _target(var)
    default = chart_default(target)
    if item is None:
        if default is not None and default is not MISSING and _default_matters(var, sources):
            draft.set(target, None, comment=_unset_reason(var, sources))
        return
    if "valueFrom" in item:
        _keep_in_env(draft, var.name, item, scope, f"a valueFrom has no {dotted(target)} form")
        return
    text = str(item.get("value", ""))
    value = _structured_value(var, text)
    if value is MISSING:
        _keep_in_env(draft, var.name, item, scope, f"{dotted(target)} cannot render {text!r}")
        return
    path = scope.path_of(var.name)
    draft.set(target, value, sources=[path] if path else [], stated=True)
    draft.note(f"env {var.name} -> {dotted(target)}", scope.source.location_of(path))


def _default_matters(var: AppVariable, sources: Sequence[EnvSource]) -> bool:
    """Whether the chart default of a variable the old pod left unset changes what the app
    does: it would shadow an envFrom source that may provide the variable, or the app reads
    it differently from unset. A default the app reads as its own is left to render (a
    cosmetic finding), not written as null."""
    if any(source.may_provide(var.name) for source in sources):
        return True
    return not var.means_unset(_rendered(chart_default(_target(var))))


def _rendered(value: Any) -> str:
    """The env string the chart renders for a structured value."""
    if isinstance(value, list):
        return ",".join(str(part) for part in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _target(var: AppVariable) -> TargetPath:
    assert var.values_path is not None  # every structured variable has its chart key
    return var.values_path


def _structured_value(var: AppVariable, text: str) -> Any:
    """The structured value the chart renders back as exactly `text`, or MISSING."""
    if var.kind == "flag":
        return {"true": True, "false": False}.get(text, MISSING)
    if var.kind == "interval":
        if _CANONICAL_INT.fullmatch(text) and int(text) <= _MAX_EXACT_INT:
            return int(text)
        return MISSING
    if var.choices:
        return text if text in var.choices else MISSING
    if var.kind == "list":
        parts = text.split(",")
        if len(parts) > 1 and all(part and part == part.strip() for part in parts):
            return parts
    return text


def _unset_reason(var: AppVariable, sources: Sequence[EnvSource]) -> str:
    providers = [source for source in sources if source.provides(var.name)]
    if providers:
        return f"unset: {providers[-1]} provides {var.name}"
    return f"unset: the app's default is {var.unset_means}"


def _note_unknown_sources(draft: Draft, sources: Sequence[EnvSource]) -> None:
    nulls = [
        var.name
        for var in STRUCTURED_VARIABLES
        if draft.get(_target(var)) is None and draft.entries.get(_target(var))
    ]
    for source in sources:
        if source.keys is None and nulls:
            draft.note(
                f"assumed {source} may provide any of {', '.join(nulls)} (its keys are not known: "
                "no manifest of it beside the release, or an ExternalSecret dataFrom): those "
                "keys are null so no explicit variable shadows it",
                level="assumption",
            )


def _map_lanes(
    draft: Draft,
    item: Mapping[str, Any] | None,
    *,
    env_sources: Sequence[EnvSource],
    scope: EnvScope,
) -> None:
    if item is None:
        # The chart's default lanes would replace the app's built-in ones (or shadow what
        # an envFrom source provides).
        _null_lanes(
            draft, f"the old pod set no {LANE_CONFIG_VARIABLE}: {_lanes_unset(env_sources)}"
        )
        return
    if "valueFrom" in item:
        _null_lanes(draft, f"{LANE_CONFIG_VARIABLE} stays in env (valueFrom)")
        _keep_in_env(
            draft, LANE_CONFIG_VARIABLE, item, scope, "a valueFrom cannot be checked or structured"
        )
        return
    path = scope.path_of(LANE_CONFIG_VARIABLE)
    sources = [path] if path else []
    location = scope.source.location_of(path)
    result = parse_lane_config(str(item.get("value", "")))
    shadowed = [str(source) for source in env_sources if source.may_provide(LANE_CONFIG_VARIABLE)]
    if not result.valid and shadowed:
        # Dropping the invalid value would let the envFrom source's lanes (if any) take
        # effect; kept verbatim it still shadows them and the app keeps its built-in lanes.
        _null_lanes(
            draft,
            f"{LANE_CONFIG_VARIABLE} was invalid: the app runs on its built-in lanes",
            sources,
        )
        _keep_in_env(
            draft,
            LANE_CONFIG_VARIABLE,
            item,
            scope,
            f"invalid, but it shadows what {', '.join(shadowed)} may provide",
        )
        draft.note(
            f"{LANE_CONFIG_VARIABLE} is invalid ({'; '.join(result.errors)}): the running app "
            "ignores it and uses its built-in lanes (default, backlog); it is kept verbatim in "
            f"env because without it {', '.join(shadowed)} might supply lanes; config.lanes "
            "stays null. Fix the lanes on purpose if you want them",
            location,
            "warning",
        )
        return
    if not result.valid:
        _null_lanes(
            draft,
            f"{LANE_CONFIG_VARIABLE} was invalid: the app runs on its built-in lanes",
            sources,
        )
        draft.note(
            f"{LANE_CONFIG_VARIABLE} is invalid ({'; '.join(result.errors)}): the running app "
            "ignores it and uses its built-in lanes (default, backlog), so config.lanes stays null "
            "and the variable is not carried over; fix the lanes on purpose if you want them",
            location,
            "warning",
        )
        return
    if result.warnings:
        _null_lanes(draft, f"{LANE_CONFIG_VARIABLE} stays verbatim in env", sources)
        _keep_in_env(
            draft, LANE_CONFIG_VARIABLE, item, scope, "the chart's values schema would reject it"
        )
        draft.note(
            f"{LANE_CONFIG_VARIABLE} is valid for the app but the chart's schema rejects "
            f"{'; '.join(result.warnings)}: kept verbatim in env, config.lanes stays null",
            location,
            "warning",
        )
        return
    draft.set(
        ("config", "lanes"), [dict(lane) for lane in result.lanes], sources=sources, stated=True
    )
    if result.lane_aliases is not None:
        # Helm merges maps: a chart default alias the old JSON lacks is deleted with null.
        defaults = chart_default(("config", "laneAliases"))
        dropped = {
            alias: None
            for alias in (defaults if isinstance(defaults, dict) else {})
            if alias not in result.lane_aliases
        }
        draft.set(("config", "laneAliases"), {**result.lane_aliases, **dropped}, stated=True)
    else:
        draft.set(
            ("config", "laneAliases"),
            None,
            comment=f"{LANE_CONFIG_VARIABLE} had no laneAliases",
        )
    draft.note(
        f"env {LANE_CONFIG_VARIABLE} -> config.lanes + config.laneAliases (same order)", location
    )
    top_level = [key for key in result.unknown_keys if not key.startswith("lanes[")]
    in_lanes = [key for key in result.unknown_keys if key.startswith("lanes[")]
    if in_lanes:
        draft.note(
            f"{LANE_CONFIG_VARIABLE} has lane keys dispatch does not read, kept in config.lanes: "
            f"{', '.join(in_lanes)}",
            location,
            "warning",
        )
    if top_level:
        draft.note(
            f"{LANE_CONFIG_VARIABLE} has top-level keys dispatch does not read, dropped (the "
            f"chart renders only lanes and laneAliases): {', '.join(top_level)}",
            location,
            "dropped",
        )


def _lanes_unset(sources: Sequence[EnvSource]) -> str:
    providers = [source for source in sources if source.may_provide(LANE_CONFIG_VARIABLE)]
    if providers:
        return f"{providers[-1]} may provide it"
    return "the app runs on its built-in lanes"


def _null_lanes(draft: Draft, why: str, sources: Sequence[ValuesPath] = ()) -> None:
    """config.lanes and config.laneAliases null: no DISPATCH_LANE_CONFIG_JSON from the chart."""
    draft.set(("config", "lanes"), None, comment=why, sources=sources)
    draft.set(("config", "laneAliases"), None)


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
        _keep_in_env(draft, DATABASE_URL_VARIABLE, item, scope, "not a plain secretKeyRef")
        return
    assert isinstance(ref, Mapping)
    path = scope.path_of(DATABASE_URL_VARIABLE)
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
        stated=True,
    )
    draft.set(
        ("database", "key"),
        str(ref["key"]),
        sources=[(*ref_path, "key")] if ref_path else [],
        stated=True,
    )
    draft.note(
        f"env {DATABASE_URL_VARIABLE} (secretKeyRef {ref['name']}/{ref['key']}) -> "
        "database.existingSecret + database.key; the migration Job reads it too",
        scope.source.location_of(path),
    )


def _map_skip_migrations(draft: Draft, item: Mapping[str, Any] | None, scope: EnvScope) -> None:
    if item is None:
        return
    location = scope.source.location_of(scope.path_of(SKIP_MIGRATIONS_VARIABLE))
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
        f'env {SKIP_MIGRATIONS_VARIABLE} dropped: the chart sets it to "true" on the app pods and '
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
