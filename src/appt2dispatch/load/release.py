"""Load one Flux HelmRelease with Flux's semantics applied.

Namespace, in the order Flux settles it: the HelmRelease's spec.targetNamespace;
else the namespace its object lands in, i.e. the Flux Kustomization's
spec.targetNamespace (overrides everything below), else a kustomization.yaml
`namespace:`, else metadata.namespace; else a ReleaseError. Never a silent "default".
The caller's `namespace` (the CLI's --namespace) overrides all of these, and the origin
note then names what it overrode.

Substitution: see `postbuild`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appt2dispatch.errors import InputError, ReleaseError
from appt2dispatch.load.flux import (
    Substitution,
    compose_values,
    release_name,
)
from appt2dispatch.load.fluxbuild import built_kustomization, namespace_conflict
from appt2dispatch.load.fluxpatches import release_patches
from appt2dispatch.load.postbuild import (
    release_substitution,
    substitute_name,
    substituted_plain,
)
from appt2dispatch.load.tree import (
    HELM_RELEASE_API,
    KUSTOMIZE_API,
    IndexedDocument,
    ReleaseEntry,
    TreeIndex,
    discover_releases,
)
from appt2dispatch.load.yamlio import (
    locate,
    read_documents,
    read_documents_text,
    read_text,
    to_plain,
)
from appt2dispatch.models import HelmRelease, Note, SourceLocation, YamlDocument

VARIABLE_USE = re.compile(r"\$\{#?([_a-zA-Z][_a-zA-Z0-9]*)")
SIBLING_KINDS = frozenset(
    {"OCIRepository", "HelmRepository", "ExternalSecret", "Secret", "ConfigMap", "Kustomization"}
)


def load_release(
    path: Path,
    *,
    namespace: str | None = None,
    substitutions: Mapping[str, str] | None = None,
    tree_root: Path | None = None,
    text: str | None = None,
    release: str | None = None,
) -> HelmRelease:
    """The HelmRelease in `path` (or in `text`, e.g. stdin, named `path`).

    `release` picks one by metadata.name when the file has several. Siblings come
    from the same file and directory, or from the whole tree with `tree_root`.
    """
    source = str(path)
    if text is not None:
        documents = read_documents_text(text, source=source, path=path)
    else:
        documents = read_documents(path)
    document = select_release(documents, source, release)
    index: TreeIndex | None = None
    if tree_root is not None:
        if not _inside(path, tree_root):
            raise ReleaseError(f"{source} is not inside the tree {tree_root}")
        index = discover_releases(tree_root)
    elif text is None:
        index = discover_releases(path.parent, recursive=False)
    return _resolve(document, documents, index, namespace, substitutions, text)


def resolve_tree_entry(
    index: TreeIndex,
    entry: ReleaseEntry,
    namespace: str | None = None,
    substitutions: Mapping[str, str] | None = None,
) -> HelmRelease:
    """`tree.load_release_from_tree`: the same resolution as `load_release`."""
    document = entry.document
    local = index.file_documents(document.path)
    return _resolve(document, local, index, namespace, substitutions, None)


def select_release(
    documents: list[YamlDocument], source: str, release: str | None = None
) -> YamlDocument:
    """The one Flux HelmRelease among `documents` (by name when there are several)."""
    named = [doc for doc in documents if doc.kind == "HelmRelease"]
    flux = [doc for doc in named if _api_version(doc).startswith(HELM_RELEASE_API)]
    if not flux:
        if named:
            raise ReleaseError(
                f"the HelmRelease has apiVersion {_api_version(named[0]) or '(none)'};"
                f" only {HELM_RELEASE_API}* (Flux v2) is supported",
                named[0].location,
            )
        raise ReleaseError(f"no HelmRelease in {source}")
    names = ", ".join(str(doc.name) for doc in flux)
    if release is not None:
        chosen = [doc for doc in flux if doc.name == release]
        if not chosen:
            raise ReleaseError(f"no HelmRelease named {release!r} in {source} (found: {names})")
        return chosen[0]
    if len(flux) > 1:
        raise ReleaseError(
            f"{len(flux)} HelmReleases in {source} ({names}): pick one by name", flux[1].location
        )
    return flux[0]


def release_ocirepository(release: HelmRelease) -> YamlDocument | None:
    """The sibling OCIRepository the release's chartRef names (siblings are nearest first)."""
    ref = release.chart_ref or {}
    if ref.get("kind") != "OCIRepository":
        return None
    for sibling in release.siblings:
        if sibling.kind == "OCIRepository":
            name = substitute_name(sibling.name, release.substitutions)
            if name == ref.get("name"):
                return sibling
    return None


def _resolve(
    document: YamlDocument,
    local: list[YamlDocument],
    index: TreeIndex | None,
    namespace: str | None,
    substitutions: Mapping[str, str] | None,
    raw_text: str | None,
) -> HelmRelease:
    kustomization = index.flux_kustomization_summary(document.path) if index else None
    substitution = release_substitution(document, index, kustomization, substitutions)
    plain = substituted_plain(document, substitution, raw_text)
    where = document.location
    metadata = plain.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if name is not None and not isinstance(name, str):
        raise ReleaseError(
            f"metadata.name must be a string, not {_type_name(name)} ({name!r}): quote it",
            locate(document, ["metadata", "name"]),
        )
    if not isinstance(name, str) or not name:
        raise ReleaseError("the HelmRelease has no metadata.name", where)
    spec = plain.get("spec")
    if not isinstance(spec, Mapping):
        raise ReleaseError(f"HelmRelease {name} has no spec mapping", where)
    inline = spec.get("values")
    if inline is None:
        inline = {}
    elif not isinstance(inline, Mapping):
        raise ReleaseError(
            f"spec.values must be a mapping, not {_type_name(inline)}",
            locate(document, ["spec", "values"]),
        )
    _check_finite(inline, document, ["spec", "values"])
    summary = IndexedDocument(
        document.path, document.index, where.line or 1, where.column or 1, plain
    )

    def find_source(kind: str, source_name: str) -> tuple[Mapping[str, Any], SourceLocation] | None:
        for doc in local:
            if doc.kind == kind and substitute_name(doc.name, substitution) == source_name:
                return to_plain(doc.data), doc.location
        found = index.find_manifest(kind, source_name, document.path) if index else None
        return (found.data, found.location) if found is not None else None

    values = compose_values(
        spec.get("valuesFrom"),
        inline,
        find_source,
        locate(document, ["spec", "valuesFrom"]),
    )
    target_namespace = _text(spec.get("targetNamespace"))
    resolved, origin = _namespace(summary, target_namespace, index, namespace)
    patched = _flux_patches(index, summary, plain, where)
    raw = raw_text if raw_text is not None else _text_of(document)
    return HelmRelease(
        document=document,
        name=name,
        namespace=resolved,
        provenance=(*_provenance(resolved, origin, substitution, raw), *patched),
        release_name=release_name(name, target_namespace, _text(spec.get("releaseName"))),
        values=values,
        chart_ref=_chart_ref(spec),
        siblings=_siblings(document, summary, local, index),
        substitutions=dict(substitution.variables) if substitution else {},
    )


def _text_of(document: YamlDocument) -> str:
    try:
        return read_text(document.path)
    except InputError:
        return ""


def _namespace(
    summary: IndexedDocument,
    target_namespace: str | None,
    index: TreeIndex | None,
    given: str | None,
) -> tuple[str, str]:
    """The namespace Flux installs into, and where that came from. --namespace overrides
    what the repository states; the origin then says what it overrode."""
    if not given:
        return _stated_namespace(summary, target_namespace, index)
    try:
        stated, origin = _stated_namespace(summary, target_namespace, index)
    except ReleaseError as error:
        return given, f"--namespace (the repository does not decide it: {_refusal(error, index)})"
    if stated != given:
        return given, f"--namespace, overriding {stated} ({origin})"
    return given, f"--namespace, as the repository states ({origin})"


def _refusal(error: ReleaseError, index: TreeIndex | None) -> str:
    """The first clause of a refusal, located relative to the tree's root."""
    where = error.location
    if where is None:
        return error.message.split(";")[0]
    path = os.path.relpath(where.path, index.root) if index is not None else str(where.path)
    return f"{path}:{where.line or 1}: {error.message.split(';')[0]}"


def _stated_namespace(
    summary: IndexedDocument,
    target_namespace: str | None,
    index: TreeIndex | None,
) -> tuple[str, str]:
    """The namespace the release and the repository state, as Flux decides it."""
    if target_namespace:
        return target_namespace, f"{summary.location} (HelmRelease spec.targetNamespace)"
    if index is None:
        if summary.namespace:
            return summary.namespace, f"{summary.location} (metadata.namespace)"
        raise ReleaseError(
            f"HelmRelease {summary.name} has no metadata.namespace or spec.targetNamespace;"
            " pass --namespace with the namespace Flux installs it into",
            summary.location,
        )
    # Where the HelmRelease object lands: Flux targetNamespace > kustomize > metadata.
    kustomizations = index.flux_kustomizations_for(summary.path)
    built = [built_kustomization(index, k) for k in kustomizations]
    conflict = namespace_conflict(built)
    if conflict is not None:
        raise conflict
    for found in built:
        if found.target_namespace:
            return found.target_namespace, found.namespace_origin or found.label
    reach = index.reachable(summary.path)
    kustomize = reach.get(os.path.abspath(summary.path))
    if kustomize:
        return kustomize, f"kustomize namespace: {index.namespace_source(summary.path)}"
    if summary.namespace:
        return summary.namespace, f"{summary.location} (metadata.namespace)"
    searched = "metadata.namespace or spec.targetNamespace"
    if kustomizations:
        names = ", ".join(str(b.label) for b in built)
        searched += f" (nor do {names} or a kustomization.yaml set one)"
    else:
        searched += (
            " and no Flux Kustomization in the tree applies it (none has a spec.path that"
            " reaches this file)"
        )
    raise ReleaseError(
        f"HelmRelease {summary.name} has no {searched}; pass --namespace with the namespace"
        " Flux installs it into",
        summary.location,
    )


def _flux_patches(
    index: TreeIndex | None,
    summary: IndexedDocument,
    plain: Mapping[str, Any],
    where: SourceLocation,
) -> tuple[Note, ...]:
    """Notes on the Flux Kustomizations' spec.patches to this release (refused when they
    change what is rendered)."""
    if index is None:
        return ()
    notes: list[Note] = []
    for kustomization in index.flux_kustomizations_for(summary.path):
        try:
            built = built_kustomization(index, kustomization)
        except ReleaseError:
            continue  # only with --namespace given: _namespace said so
        notes.extend(Note(message) for message in release_patches(index, built, plain, where))
    return tuple(notes)


def _provenance(
    namespace: str, origin: str, substitution: Substitution | None, raw: str
) -> tuple[Note, ...]:
    overriding = origin.startswith("--namespace, overriding")
    notes = [Note(f"namespace {namespace}: {origin}", level="warning" if overriding else "info")]
    if substitution is None:
        return tuple(notes)
    used = dict.fromkeys(VARIABLE_USE.findall(raw))
    described = []
    for name in used:
        if name not in substitution.variables:
            continue
        where = substitution.origins.get(name, substitution.origin or "--substitute")
        shown = "(from a Secret, not shown)" if name in substitution.secret else None
        value = shown or repr(substitution.variables[name])
        described.append(f"{name}={value} from {where}")
    if described:
        notes.append(Note("postBuild variables: " + "; ".join(described)))
    return tuple(notes)


def _siblings(
    document: YamlDocument,
    summary: IndexedDocument,
    local: list[YamlDocument],
    index: TreeIndex | None,
) -> tuple[YamlDocument, ...]:
    """Manifests the release sees, nearest first; its OCIRepository leads its kind."""
    found = [doc for doc in local if doc is not document and _is_sibling(doc)]
    if index is None:
        return tuple(found)
    here = os.path.abspath(document.path)
    candidates = [
        doc
        for doc in index.documents_near(document.path)
        if os.path.abspath(doc.path) != here
        and doc.kind in SIBLING_KINDS
        and (doc.kind != "Kustomization" or doc.api_version.startswith(KUSTOMIZE_API))
    ]
    chosen = index.ocirepository_summary_for(summary)
    # Only the OCIRepository the chartRef names matters; parsing every other one in
    # a crowded directory (round-trip, for comments) would be wasted work.
    candidates = [doc for doc in candidates if doc.kind != "OCIRepository" or doc is chosen]
    if chosen is not None and os.path.abspath(chosen.path) != here and chosen not in candidates:
        candidates.append(chosen)
    candidates.sort(key=lambda doc: (doc is not chosen, index.proximity(doc, document.path)))
    for candidate in candidates:
        if candidate.kind != "OCIRepository":
            # Read, never rewritten: the plain data discovery already holds will do.
            found.append(
                YamlDocument(candidate.path, candidate.index, candidate.data, candidate.location)
            )
            continue
        try:
            found.append(index.document(candidate))  # may be rewritten: comments matter
        except InputError:
            continue  # a neighbour the round-trip parser rejects is not this release's problem
    return tuple(found)


def _is_sibling(document: YamlDocument) -> bool:
    if document.kind not in SIBLING_KINDS:
        return False
    return document.kind != "Kustomization" or _api_version(document).startswith(KUSTOMIZE_API)


def _chart_ref(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    ref = spec.get("chartRef")
    if isinstance(ref, Mapping):
        return dict(ref)
    chart = spec.get("chart")
    if isinstance(chart, Mapping) and isinstance(chart.get("spec"), Mapping):
        return dict(chart["spec"])
    return None


def _api_version(document: YamlDocument) -> str:
    data = document.data
    version = data.get("apiVersion") if isinstance(data, Mapping) else None
    return version if isinstance(version, str) else ""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return "null" if value is None else f"a {type(value).__name__}"


def _inside(path: Path, root: Path) -> bool:
    here, base = os.path.abspath(path), os.path.abspath(root)
    return here == base or here.startswith(base + os.sep)


def _check_finite(node: Any, document: YamlDocument, keys: list[Any]) -> None:
    """Refuse an infinite or NaN number (`cpu: 1e999`, `.inf`) at its key: Helm receives
    values as JSON, which cannot hold one."""
    if isinstance(node, float) and not math.isfinite(node):
        dotted = ".".join(str(key) for key in keys[2:])
        raise ReleaseError(
            f"`{dotted}` is {node}, not a finite number (Helm's values are JSON, which has "
            "none); quote it or write the intended quantity",
            locate(document, keys),
        )
    if isinstance(node, Mapping):
        for key, item in node.items():
            _check_finite(item, document, [*keys, key])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _check_finite(item, document, [*keys, index])
