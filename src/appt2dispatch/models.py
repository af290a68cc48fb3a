"""Frozen dataclasses the pipeline stages exchange.

Mappings inside them are plain dicts/lists (or ruamel round-trip nodes where a
human's file is rewritten); treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FindingClass = Literal["behavior", "blocker", "expected", "cosmetic"]
# already-migrated: the release runs the dispatch chart already; nothing was compared.
Verdict = Literal["no-behavior-change", "behavior-change", "blocked", "already-migrated"]
Side = Literal["old", "new"]


@dataclass(frozen=True)
class SourceLocation:
    """Where something came from; line and column are 1-based."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class YamlDocument:
    """One document of a YAML file, as ruamel round-trip data (comments kept)."""

    path: Path
    index: int
    data: Any
    location: SourceLocation

    @property
    def kind(self) -> str | None:
        if isinstance(self.data, Mapping):
            kind = self.data.get("kind")
            return kind if isinstance(kind, str) else None
        return None

    @property
    def name(self) -> str | None:
        if isinstance(self.data, Mapping):
            meta = self.data.get("metadata")
            if isinstance(meta, Mapping) and isinstance(meta.get("name"), str):
                return str(meta["name"])
        return None


@dataclass(frozen=True)
class HelmRelease:
    """A Flux HelmRelease with Flux's semantics already applied.

    `values` is plain data after postBuild substitution and valuesFrom merging;
    `document` is the round-trip node of the file as written (for rewriting).
    `siblings` are the other manifests the release can see (same file, same
    directory or, in a tree, the same kustomization): ExternalSecret, Secret,
    ConfigMap, OCIRepository.
    """

    document: YamlDocument
    name: str
    namespace: str
    release_name: str
    values: Mapping[str, Any]
    chart_ref: Mapping[str, Any] | None = None
    siblings: tuple[YamlDocument, ...] = ()
    substitutions: Mapping[str, str] = field(default_factory=dict)
    provenance: tuple[Note, ...] = ()
    """Where the namespace and the postBuild variables came from, for the report."""

    @property
    def path(self) -> Path:
        return self.document.path


ArtifactOrigin = Literal["bundled", "pulled", "local", "assumed"]


@dataclass(frozen=True)
class ChartArtifact:
    """The dispatch chart that rendered the new side, as Flux will fetch it.

    `url` and `version` are what the OCIRepository names. `digest`: for a chart pulled
    from `url`, the OCI manifest digest the tag resolved to (what Flux's OCIRepository
    reports as the artifact revision); for any other, the sha256 of the chart archive
    whose templates were rendered (`digest_of` says which). `origin`: the chart shipped
    in the package, pulled from `url`, a local chart (--dispatch-chart), or "assumed":
    the bundled templates restamped as `version` (--assume-chart-unchanged), so the
    artifact Flux pulls was not verified.
    """

    url: str
    version: str
    digest: str
    origin: ArtifactOrigin
    source: str = ""

    @property
    def verified(self) -> bool:
        return self.origin != "assumed"

    @property
    def reference(self) -> str:
        return f"{self.url}:{self.version}"

    @property
    def digest_of(self) -> Literal["oci-manifest", "chart-archive"]:
        """What `digest` addresses: the OCI manifest (pulled) or the chart archive."""
        return "oci-manifest" if self.origin == "pulled" else "chart-archive"

    def describe(self) -> str:
        """One line: `oci://...:0.5.40 (chart archive sha256:..., bundled chart)`."""
        how = {
            "bundled": "the chart bundled with appt2dispatch",
            "pulled": "pulled",
            "local": f"from {self.source}",
            "assumed": f"NOT VERIFIED: {self.source}",
        }[self.origin]
        label = "OCI manifest" if self.digest_of == "oci-manifest" else "chart archive"
        return f"{self.reference} ({label} {self.digest}, {how})"

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "version": self.version,
            "digest": self.digest,
            "digest_of": self.digest_of,
            "origin": self.origin,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class Rendered:
    """One side's manifests, parsed, and what produced them."""

    objects: tuple[Mapping[str, Any], ...]
    renderer: str
    chart: str | None = None
    notes: tuple[str, ...] = ()
    artifact: ChartArtifact | None = None


@dataclass(frozen=True)
class Note:
    """Something the user should know about a translation."""

    message: str
    location: SourceLocation | None = None
    level: Literal["info", "assumption", "warning", "dropped"] = "info"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}"


@dataclass(frozen=True)
class ObjectKey:
    """Identity of a Kubernetes object: API group, kind, namespace, name."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{kind} {ns}{self.name}"


@dataclass(frozen=True)
class Finding:
    """One observable difference between the old and the new render."""

    klass: FindingClass
    resource: str
    path: str
    old: Any
    new: Any
    message: str
    # Matched a --suppress pattern: still reported, no longer part of the verdict.
    suppressed: bool = False


@dataclass(frozen=True)
class Report:
    """What one comparison found: the verdict, its findings and the translated values."""

    verdict: Verdict
    findings: tuple[Finding, ...]
    renderers: Mapping[Side, str]
    values: Mapping[str, Any]
    notes: tuple[Note, ...] = ()
    values_yaml: str = ""
    ocirepository_change: str = ""
    source: str = ""
    artifact: ChartArtifact | None = None
    helmrelease_change: str = ""
    # Verdict caveats that every format prints on its verdict line (an unverified chart,
    # an assumed app-template version the values depend on).
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Translation:
    """Values for charts/dispatch under which dispatch behaves as before.

    `values` is what Helm receives; `values_yaml` is the same, commented for a
    human. `rename_map` pairs old object keys with new ones where names differ.
    `envfrom_keys` maps each envFrom Secret/ConfigMap name to the keys it is
    known to provide (None: unknown, e.g. ExternalSecret `dataFrom`).
    """

    values: Mapping[str, Any]
    values_yaml: str
    notes: tuple[Note, ...]
    chart_version: str
    rename_map: Mapping[ObjectKey, ObjectKey] = field(default_factory=dict)
    envfrom_keys: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    image_follows_chart: bool = False
    chart_url: str = "oci://ghcr.io/misospace/charts/dispatch"


@dataclass(frozen=True)
class OutputFile:
    """A file a stage wants written: `path` is where, `content` the full text."""

    path: Path
    content: str
    original: str | None = None


LintSeverity = Literal["unknown", "info", "warning", "error"]


@dataclass(frozen=True)
class LintMessage:
    """One finding of `helm lint`: its severity, the chart file it is about, the text."""

    severity: LintSeverity
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"[{self.severity.upper()}] {where}{self.message}"


@dataclass(frozen=True)
class LintResult:
    """What `helm lint` said about one chart; with `strict`, warnings count as errors."""

    chart: str
    messages: tuple[LintMessage, ...] = ()
    strict: bool = False

    @property
    def errors(self) -> tuple[LintMessage, ...]:
        failing = ("error", "warning") if self.strict else ("error",)
        return tuple(message for message in self.messages if message.severity in failing)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class LaneConfigResult:
    """`DISPATCH_LANE_CONFIG_JSON` judged by the rules dispatch applies at start-up.

    `valid` False means the running app ignores the value and uses its built-in
    lanes. `lanes` (in order, every key kept) and `lane_aliases` (None when the
    JSON has no `laneAliases`) are filled only when valid. `unknown_keys` names
    keys the app does not read (`lanes[0].priority`, `version`); `warnings` are
    values the app accepts but the chart's schema may not (an unknown role).
    """

    valid: bool
    lanes: tuple[Mapping[str, Any], ...] = ()
    lane_aliases: Mapping[str, Any] | None = None
    errors: tuple[str, ...] = ()
    unknown_keys: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


# The levels of `Note.level`, for code that passes a level along.
NoteLevel = Literal["info", "assumption", "warning", "dropped"]
