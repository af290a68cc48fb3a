"""A Flux Kustomization as Flux applies it: the output of the kustomize build that
emits it, then its parent Flux Kustomization's patches and substitution.

The Flux Kustomization in `apps/main/llm/dispatch.yaml` is not applied as written:
the parent Flux Kustomization (`spec.path: ./kubernetes/apps/main`) builds the
kustomization files that list it (`apps/main/llm/kustomization.yaml`: `namespace:`,
components, replacements), adds its own `spec.targetNamespace`, `spec.patches` and
`spec.components`, and substitutes its `postBuild` variables into the result. What
the release sees (targetNamespace, postBuild.substitute, substituteFrom) is read
from that output, with where each value came from.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appt2dispatch.errors import Appt2DispatchError, InputError, ReleaseError
from appt2dispatch.kube import dig
from appt2dispatch.load.flux import SUBSTITUTE_DISABLED, SubstitutionError, substitute_text
from appt2dispatch.load.kbuild import Builder, KustomizeError
from appt2dispatch.load.kpatch import Resource
from appt2dispatch.load.kustomize import kustomization_file
from appt2dispatch.load.quickload import scan_documents
from appt2dispatch.load.tree import IndexedDocument, TreeIndex
from appt2dispatch.load.yamlio import read_text
from appt2dispatch.models import SourceLocation

MAX_PARENTS = 6
HINT = "; pass --namespace (and --substitute K=V) to state what Flux would use"


@dataclass(frozen=True)
class FluxVariables:
    """postBuild variables of a Flux Kustomization, each with where it came from.

    `unknown`: name -> why its value cannot be known; `missing`: substituteFrom
    sources the tree does not have; `secret`: names whose value came from a Secret
    (never shown).
    """

    values: Mapping[str, str]
    origins: Mapping[str, str]
    unknown: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    secret: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BuiltKustomization:
    """A Flux Kustomization after the build that emits it (see module docstring)."""

    summary: IndexedDocument
    data: Mapping[str, Any]
    target_namespace: str | None
    namespace_origin: str | None
    variables: FluxVariables | None  # None: no postBuild, Flux substitutes nothing
    shown: str = ""  # its file and line, relative to the tree root

    @property
    def label(self) -> str:
        return f"Flux Kustomization {self.summary.name} ({self.shown or self.summary.location})"


def built_kustomization(index: TreeIndex, summary: IndexedDocument) -> BuiltKustomization:
    """`summary` as Flux applies it (memoised on the index)."""
    return FluxResolver(index).built(summary, 0)


class FluxResolver:
    def __init__(self, index: TreeIndex) -> None:
        self.index = index
        root = os.path.abspath(index.root)
        self.builder = Builder(root, self._documents, lambda path: display_path(root, path))

    def built(self, summary: IndexedDocument, depth: int) -> BuiltKustomization:
        key = ("built-kustomization", summary.key)
        memo = self.index._memo
        if key not in memo:
            if depth > MAX_PARENTS:
                raise ReleaseError(
                    "Flux Kustomizations apply each other too deep (a cycle?)", summary.location
                )
            memo[key] = self._build(summary, depth)
        built: BuiltKustomization = memo[key]
        return built

    def _build(self, summary: IndexedDocument, depth: int) -> BuiltKustomization:
        top = self._top(os.path.abspath(summary.path))
        parent = self.index.flux_kustomization_summary(Path(top))
        if parent is not None and parent.key == summary.key:
            parent = None
        parent_built = self.built(parent, depth + 1) if parent is not None else None
        try:
            resources = self._output(top, parent)
        except KustomizeError as error:
            raise KustomizeError(error.message + HINT, error.location) from None
        resource = next(
            (
                r
                for r in resources
                if os.path.abspath(r.location.path) == summary.key[0]
                and r.location.line == summary.line
            ),
            None,
        )
        if resource is None:  # deleted by a patch: Flux would not apply it at all
            raise ReleaseError(
                f"Flux Kustomization {summary.name} is removed by the kustomize build of"
                f" {display_path(self.index.root, top)}",
                summary.location,
            )
        data = resource.data
        unknown: dict[str, str] = {}
        if parent_built is not None and not _substitution_disabled(data):
            data = _substitute_strings(data, parent_built, unknown)
        target = dig(data, "spec", "targetNamespace")
        target_namespace = target if isinstance(target, str) and target else None
        origin = None
        if target_namespace is not None:
            origin = resource.origin_of("spec.targetNamespace")
            if origin == resource.display:
                origin = (
                    f"{resource.display} (Flux Kustomization {summary.name} spec.targetNamespace)"
                )
        if target_namespace is not None and "${" in target_namespace:
            why = unknown.get("spec.targetNamespace") or (
                "a parent Flux Kustomization not in the tree substitutes"
                if parent is None
                else "no parent substitutes it"
            )
            raise ReleaseError(
                f"Flux Kustomization {summary.name} has spec.targetNamespace"
                f" {target_namespace!r}, which cannot be known: {why}{HINT}",
                summary.location,
            )
        variables = self._variables(summary, resource, data, unknown, parent is None)
        shown = f"{display_path(self.index.root, str(summary.path))}:{summary.line}"
        return BuiltKustomization(summary, data, target_namespace, origin, variables, shown)

    # --- where the build starts -------------------------------------------------------------

    def _top(self, path: str) -> str:
        """The outermost kustomization file that (transitively) lists `path`, else `path`."""
        current, seen = path, {path}
        while True:
            parents = self._listed_by(current)
            if not parents:
                return current
            if len(parents) > 1:
                names = ", ".join(display_path(self.index.root, p) for p in parents)
                raise KustomizeError(
                    f"{display_path(self.index.root, current)} is listed by several kustomizations"
                    f" ({names}); which build emits it is ambiguous{HINT}",
                    SourceLocation(parents[0]),
                )
            current = parents[0]
            if current in seen:
                raise KustomizeError(
                    "kustomizations list each other in a cycle", SourceLocation(current)
                )
            seen.add(current)

    def _listed_by(self, target: str) -> list[str]:
        """kustomization files whose resources (or bases) list `target`."""
        key = ("listed-by", target)
        memo = self.index._memo
        if key not in memo:
            found: list[str] = []
            for doc in self.index.kustomize_files_naming(target):
                if doc.data.get("kind", "Kustomization") != "Kustomization":
                    continue  # a component is applied into its user, not a parent of it
                directory = os.path.dirname(os.path.abspath(doc.path))
                for key_name in ("resources", "bases"):
                    entries = doc.data.get(key_name)
                    for entry in entries if isinstance(entries, list) else []:
                        if not isinstance(entry, str) or "://" in entry:
                            continue
                        listed = os.path.normpath(os.path.join(directory, entry))
                        if os.path.isdir(listed):
                            listed = kustomization_file(listed) or listed
                        user = os.path.abspath(doc.path)
                        if listed == target and user not in found:
                            found.append(user)
            memo[key] = found
        listed_by: list[str] = memo[key]
        return listed_by

    def _output(self, top: str, parent: IndexedDocument | None) -> list[Resource]:
        key = ("kustomize-output", (top, parent.key if parent is not None else None))
        memo = self.index._memo
        if key not in memo:
            is_kustomization = os.path.basename(top) in ("kustomization.yaml", "kustomization.yml")
            resources = (
                self.builder.build(os.path.dirname(top))
                if is_kustomization
                else self.builder.build_file(top)
            )
            if parent is not None:
                self._apply_flux_overlay(parent, resources)
            memo[key] = resources
        output: list[Resource] = memo[key]
        return output

    def _apply_flux_overlay(self, parent: IndexedDocument, resources: list[Resource]) -> None:
        """The parent Flux Kustomization's own components, patches and targetNamespace.

        Flux adds them to the kustomization it builds; applied here after the
        build of the part that holds the Kustomization (exact when Flux generates
        the top kustomization, as for a directory of plain files)."""
        spec = parent.data.get("spec")
        if not isinstance(spec, Mapping):
            return
        shown = display_path(self.index.root, str(parent.path))
        name = f"Flux Kustomization {parent.name} ({shown}:{parent.line})"
        base = self.index.flux_path(parent)
        components = spec.get("components")
        for component in components if isinstance(components, list) and base else []:
            directory = os.path.normpath(os.path.join(str(base), str(component)))
            try:
                self.builder._build(directory, (), resources, component=True)
            except KustomizeError as error:
                raise KustomizeError(
                    f"{name} spec.components: {error.message}", error.location
                ) from None
        patches = spec.get("patches")
        for number, patch in enumerate(patches if isinstance(patches, list) else []):
            if not isinstance(patch, Mapping) or not isinstance(patch.get("patch"), str):
                raise KustomizeError(
                    f"{name}: spec.patches[{number}] needs a patch text", parent.location
                )
            target = patch.get("target")
            self.builder.apply_patch_text(
                str(parent.path),
                patch["patch"],
                target if isinstance(target, Mapping) else None,
                resources,
                f"{name} spec.patches[{number}]",
            )
        namespace = spec.get("targetNamespace")
        if isinstance(namespace, str) and namespace:
            for resource in resources:
                metadata = resource.data.setdefault("metadata", {})
                if isinstance(metadata, dict) and resource.kind != "Namespace":
                    metadata["namespace"] = namespace
                    resource.record("metadata.namespace", f"{name} spec.targetNamespace")

    # --- variables ---------------------------------------------------------------------------

    def _variables(
        self,
        summary: IndexedDocument,
        resource: Resource,
        data: Mapping[str, Any],
        unknown: dict[str, str],
        parent_missing: bool,
    ) -> FluxVariables | None:
        post_build = dig(data, "spec", "postBuild")
        if not isinstance(post_build, Mapping):
            return None
        inline = post_build.get("substitute")
        sources = post_build.get("substituteFrom")
        if not inline and not sources:
            return None
        values: dict[str, str] = {}
        origins: dict[str, str] = {}
        missing: list[str] = []
        secret: set[str] = set()
        for number, source in enumerate(sources if isinstance(sources, list) else []):
            if not isinstance(source, Mapping):
                continue
            kind, name = str(source.get("kind", "")), str(source.get("name", ""))
            found = self.index.find_manifest(kind, name, summary.path)
            if found is None or "sops" in found.data:
                state = "not in the tree" if found is None else "SOPS-encrypted"
                optional = "optional " if source.get("optional") is True else ""
                missing.append(f"{optional}{kind} {name} (postBuild.substituteFrom, {state})")
                continue
            where = f"{kind} {name} ({display_path(self.index.root, str(found.path))}:{found.line})"
            for key, value in manifest_strings(found).items():
                values[key] = value
                origins[key] = f"{where} via {resource.display} postBuild.substituteFrom[{number}]"
                if kind == "Secret":
                    secret.add(key)
                else:
                    secret.discard(key)
        unknown_variables: dict[str, str] = {}
        for key, raw in inline.items() if isinstance(inline, Mapping) else ():
            name = str(key)
            path = f"spec.postBuild.substitute.{name}"
            text = as_string(raw)
            reason = unknown.get(path)
            if reason is None and parent_missing and "${" in text:
                reason = "a parent Flux Kustomization not in the tree substitutes"
            if reason is not None:
                values.pop(name, None)
                unknown_variables[name] = f"{resource.display} sets it to {text!r}, which {reason}"
                continue
            values[name] = text
            secret.discard(name)
            origin = resource.origin_of(path)
            if origin == resource.display:
                origin = f"{resource.display} (postBuild.substitute)"
            origins[name] = origin
        return FluxVariables(values, origins, unknown_variables, tuple(missing), frozenset(secret))

    def _documents(self, path: str) -> list[tuple[SourceLocation, Any]]:
        found = self.index.documents_in(Path(path))
        if found:
            return [(doc.location, doc.data) for doc in found]
        try:
            text = read_text(Path(path))
        except InputError:
            raise
        return [
            (SourceLocation(path, doc.line, doc.column), doc.data)
            for doc in scan_documents(text, source=path)
        ]


def _substitute_strings(
    data: Mapping[str, Any], parent: BuiltKustomization, unknown: dict[str, str]
) -> dict[str, Any]:
    """`data` with the parent's postBuild variables substituted into every string.

    A string naming a variable the parent cannot supply is kept as written and its
    path recorded in `unknown` (never guessed, never emptied)."""
    variables = parent.variables
    values = variables.values if variables is not None else None

    def walk(node: Any, path: str) -> Any:
        if isinstance(node, Mapping):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, f"{path}.{i}") for i, item in enumerate(node)]
        if not isinstance(node, str) or "$" not in node:
            return node
        if values is None:  # the parent substitutes nothing: `${X}` stays as written
            return node
        try:
            return substitute_text(node, values, strict=True)
        except SubstitutionError as error:
            unknown[path] = f"{parent.label} does not set it ({error})"
            return node

    result = walk(data, "")
    assert isinstance(result, dict)
    return result


def manifest_strings(manifest: IndexedDocument) -> dict[str, str]:
    """The string data of a ConfigMap or Secret (Secret data decoded)."""
    values: dict[str, str] = {}
    data = manifest.data.get("data")
    if isinstance(data, Mapping):
        for key, value in data.items():
            if manifest.kind == "Secret":
                try:
                    values[str(key)] = base64.b64decode(str(value), validate=True).decode()
                except (binascii.Error, UnicodeDecodeError):
                    continue
            else:
                values[str(key)] = as_string(value)
    string_data = manifest.data.get("stringData")
    if manifest.kind == "Secret" and isinstance(string_data, Mapping):
        values.update({str(key): as_string(value) for key, value in string_data.items()})
    return values


def as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _substitution_disabled(data: Mapping[str, Any]) -> bool:
    metadata = data.get("metadata")
    if not isinstance(metadata, Mapping):
        return False
    return any(
        isinstance(metadata.get(f), Mapping) and metadata[f].get(SUBSTITUTE_DISABLED) == "disabled"
        for f in ("labels", "annotations")
    )


def display_path(root: Any, path: str) -> str:
    """`path` relative to the tree root, as a user reads it in the repository."""
    base = os.path.abspath(str(root))
    absolute = os.path.abspath(path)
    if absolute.startswith(base + os.sep):
        return absolute[len(base) + 1 :]
    return path


def namespace_conflict(found: list[BuiltKustomization]) -> Appt2DispatchError | None:
    """Two Flux Kustomizations that apply the release into different namespaces."""
    namespaces = {b.target_namespace for b in found if b.target_namespace}
    if len(namespaces) < 2:
        return None
    listed = "; ".join(
        f"{b.label} sets targetNamespace {b.target_namespace}" for b in found if b.target_namespace
    )
    return ReleaseError(
        f"Flux Kustomizations disagree on the namespace: {listed}; pass --namespace to choose",
        found[0].summary.location,
    )
