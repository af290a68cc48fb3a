"""`kustomize build` of one directory, for the transformations that decide where and
how a Flux Kustomization lands: resources, components, namespace, patches (strategic
merge and JSON 6902), labels/annotations and replacements.

Order, as kustomize runs it: resources (each built on its own), then components (each
adds its resources and applies its transformers to everything so far), then this
kustomization's transformers: strategic merge patches, patches, namespace, labels,
annotations, JSON 6902 patches, replacements. Anything else a kustomization may say
(generators, helm charts, remote bases, images, name prefixes, an unknown key) is
refused by name: the result would be guessed.

Files are read with the fast parser, already done by tree discovery for manifests.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from typing import Any

from appt2dispatch.errors import ReleaseError
from appt2dispatch.load.kpatch import (
    BUILTIN_GROUPS,
    CLUSTER_SCOPED,
    Resource,
    selected,
    strategic_merge,
)
from appt2dispatch.load.kpaths import (
    PathProblem,
    apply_json_patch,
    get_field,
    set_fields,
    split_field_path,
)
from appt2dispatch.load.kustomize import kustomization_file
from appt2dispatch.load.quickload import scan_documents
from appt2dispatch.models import SourceLocation

Documents = Callable[[str], list[tuple[SourceLocation, Any]]]
"""Plain documents of a file (absolute path) with where each starts."""

SUPPORTED_KEYS = frozenset(
    {
        "apiVersion",
        "kind",
        "metadata",
        "resources",
        "bases",
        "components",
        "namespace",
        "patches",
        "patchesStrategicMerge",
        "patchesJson6902",
        "replacements",
        "labels",
        "commonLabels",
        "commonAnnotations",
        "sortOptions",
        "buildMetadata",
    }
)
MAX_DEPTH = 40
PATCH_KEYS = frozenset({"path", "patch", "target", "options"})


class KustomizeError(ReleaseError):
    """A kustomization on the path cannot be built exactly (bad or unsupported)."""


class Builder:
    """Builds kustomization directories under `root`; `display` shortens paths."""

    def __init__(self, root: str, documents: Documents, display: Callable[[str], str]) -> None:
        self.root = os.path.abspath(root)
        self.documents = documents
        self.display = display

    def build(self, directory: str) -> list[Resource]:
        return self._build(os.path.abspath(directory), (), [], component=False)

    def build_file(self, path: str) -> list[Resource]:
        """The objects of one manifest file, as a build that lists only it would emit."""
        return self._file_resources(os.path.abspath(path))

    # --- one kustomization ----------------------------------------------------------

    def _build(
        self, directory: str, stack: tuple[str, ...], into: list[Resource], *, component: bool
    ) -> list[Resource]:
        file = kustomization_file(directory)
        if file is None:
            raise KustomizeError(
                f"{self.display(directory)} has no kustomization.yaml for kustomize to build"
            )
        if directory in stack or len(stack) > MAX_DEPTH:
            raise KustomizeError("kustomizations include each other in a cycle", self._at(file))
        stack = (*stack, directory)
        data = self._kustomization(file, component)
        resources = into if component else []
        for key in ("resources", "bases"):
            for entry in self._entries(file, data, key):
                target = self._local(file, key, entry)
                if os.path.isdir(target):
                    built = self._build(target, stack, [], component=False)
                else:
                    built = self._file_resources(target)
                for resource in built:
                    self._add(resources, resource, file)
        for entry in self._entries(file, data, "components"):
            target = self._local(file, "components", entry)
            if not os.path.isdir(target):
                raise KustomizeError(f"components: {entry} is not a directory", self._at(file))
            self._build(target, stack, resources, component=True)
        self._transform(file, data, resources)
        return resources

    def _kustomization(self, file: str, component: bool) -> Mapping[str, Any]:
        documents = self.documents(file)
        if len(documents) != 1 or not isinstance(documents[0][1], Mapping):
            raise KustomizeError("a kustomization file holds one mapping", self._at(file))
        data = documents[0][1]
        kind = data.get("kind") or "Kustomization"
        wanted = "Component" if component else "Kustomization"
        if kind != wanted:
            raise KustomizeError(
                f"kind {kind} listed as a {'component' if component else 'resource'}",
                self._at(file),
            )
        for key in data:
            if key not in SUPPORTED_KEYS:
                raise KustomizeError(
                    f"{key}: not reproduced by appt2dispatch"
                    f" ({_kind_of_key(key)}); the namespace and variables it may decide"
                    " cannot be worked out",
                    self._at(file, key),
                )
        return data

    def _entries(self, file: str, data: Mapping[str, Any], key: str) -> list[str]:
        entries = data.get(key)
        if entries is None:
            return []
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise KustomizeError(f"{key} must be a list of paths", self._at(file, key))
        for entry in entries:
            if "://" in entry or entry.startswith(("git@", "github.com/", "ssh:")):
                raise KustomizeError(
                    f"{key}: remote base {entry} is not reproduced (not in the tree)",
                    self._at(file, key),
                )
        return list(entries)

    def _local(self, file: str, key: str, entry: str) -> str:
        target = os.path.normpath(os.path.join(os.path.dirname(file), entry))
        real, root = os.path.realpath(target), os.path.realpath(self.root)
        if real != root and not real.startswith(root + os.sep):
            raise KustomizeError(f"{key}: {entry} leads out of the tree", self._at(file, key))
        if not os.path.exists(target):
            raise KustomizeError(f"{key}: {entry} does not exist", self._at(file, key))
        return target

    def _file_resources(self, path: str) -> list[Resource]:
        found = []
        for location, data in self.documents(path):
            if not isinstance(data, Mapping):
                raise KustomizeError("a resource document is not a mapping", location)
            found.append(Resource(copy.deepcopy(dict(data)), location, self._where(location)))
        return found

    def _add(self, resources: list[Resource], resource: Resource, file: str) -> None:
        key = (resource.group, resource.kind, resource.name, resource.namespace)
        for existing in resources:
            if (existing.group, existing.kind, existing.name, existing.namespace) == key:
                raise KustomizeError(
                    f"{resource.describe()} is added twice (also {existing.display})",
                    self._at(file),
                )
        resources.append(resource)

    # --- transformers -----------------------------------------------------------------

    def _transform(self, file: str, data: Mapping[str, Any], resources: list[Resource]) -> None:
        try:
            self._patches_strategic(file, data.get("patchesStrategicMerge"), resources)
            self._patches(file, data.get("patches"), resources)
            namespace = data.get("namespace")
            if namespace is not None:
                self._namespace(file, namespace, resources)
            self._labels(file, data, resources)
            self._patches_json6902(file, data.get("patchesJson6902"), resources)
            replacements = data.get("replacements")
            if replacements is not None:
                from appt2dispatch.load.kreplace import apply_replacements

                apply_replacements(self, file, replacements, resources)
        except PathProblem as problem:
            raise KustomizeError(str(problem), self._at(file)) from None

    def _namespace(self, file: str, namespace: Any, resources: list[Resource]) -> None:
        if not isinstance(namespace, str) or not namespace:
            raise KustomizeError("namespace must be a name", self._at(file, "namespace"))
        origin = f"{self.display(file)} (namespace)"
        for resource in resources:
            metadata = resource.data.setdefault("metadata", {})
            if not isinstance(metadata, dict):
                continue
            if resource.kind == "Namespace":
                if resource.name != namespace:
                    resource.previous.append((resource.name, resource.namespace))
                    metadata["name"] = namespace
                    resource.record("metadata.name", origin)
            elif resource.kind not in CLUSTER_SCOPED:
                if resource.namespace != namespace:
                    resource.previous.append((resource.name, resource.namespace))
                metadata["namespace"] = namespace
                resource.record("metadata.namespace", origin)

    def _labels(self, file: str, data: Mapping[str, Any], resources: list[Resource]) -> None:
        sets: list[tuple[str, Any]] = [
            ("labels", data.get("commonLabels")),
            ("annotations", data.get("commonAnnotations")),
        ]
        labels = data.get("labels")
        for entry in labels if isinstance(labels, list) else []:
            if isinstance(entry, Mapping):
                sets.append(("labels", entry.get("pairs")))
        for field, pairs in sets:
            if pairs is None:
                continue
            if not isinstance(pairs, Mapping):
                raise KustomizeError(f"{field} must be a mapping", self._at(file))
            for resource in resources:
                metadata = resource.data.setdefault("metadata", {})
                if isinstance(metadata, dict):
                    target = metadata.setdefault(field, {})
                    if isinstance(target, dict):
                        for key, value in pairs.items():
                            target[str(key)] = "" if value is None else str(value)
                            resource.record(f"metadata.{field}.{key}", self.display(file))

    def _patches_strategic(self, file: str, entries: Any, resources: list[Resource]) -> None:
        for number, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, str):
                raise KustomizeError(
                    "patchesStrategicMerge entries are paths or YAML", self._at(file)
                )
            inline = "\n" in entry or ":" in entry
            source = file if inline else self._local(file, "patchesStrategicMerge", entry)
            text = entry if inline else None
            label = f"{self.display(source)} (patchesStrategicMerge[{number}])"
            self._apply_patch(file, source, text, None, resources, label)

    def _patches(self, file: str, entries: Any, resources: list[Resource]) -> None:
        if entries is None:
            return
        if not isinstance(entries, list):
            raise KustomizeError("patches must be a list", self._at(file, "patches"))
        for number, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise KustomizeError(f"patches[{number}] must be a mapping", self._at(file))
            _known_keys(entry, PATCH_KEYS, f"patches[{number}]", self._at(file, "patches"))
            options = entry.get("options")
            if isinstance(options, Mapping) and any(options.get(k) for k in options):
                raise KustomizeError(
                    f"patches[{number}].options ({', '.join(map(str, options))}) not reproduced",
                    self._at(file, "patches"),
                )
            target = entry.get("target")
            if target is not None and not isinstance(target, Mapping):
                raise KustomizeError(f"patches[{number}].target must be a mapping", self._at(file))
            path, inline = entry.get("path"), entry.get("patch")
            if (path is None) == (inline is None):
                raise KustomizeError(
                    f"patches[{number}] needs exactly one of path and patch", self._at(file)
                )
            source = file if inline is not None else self._local(file, "patches", str(path))
            label = f"{self.display(source)} (patches[{number}])"
            text = str(inline) if inline is not None else None
            self._apply_patch(file, source, text, target, resources, label)

    def _patches_json6902(self, file: str, entries: Any, resources: list[Resource]) -> None:
        for number, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("target"), Mapping):
                raise KustomizeError(f"patchesJson6902[{number}] needs a target", self._at(file))
            path, inline = entry.get("path"), entry.get("patch")
            source = file if inline is not None else self._local(file, "patchesJson6902", str(path))
            label = f"{self.display(source)} (patchesJson6902[{number}])"
            text = str(inline) if inline is not None else None
            self._apply_patch(file, source, text, entry["target"], resources, label, json=True)

    def apply_patch_text(
        self,
        file: str,
        text: str,
        target: Mapping[str, Any] | None,
        resources: list[Resource],
        label: str,
    ) -> None:
        """A patch given as text (a Flux Kustomization's spec.patches)."""
        try:
            self._apply_patch(file, file, text, target, resources, label)
        except PathProblem as problem:
            raise KustomizeError(str(problem), self._at(file)) from None

    def _apply_patch(
        self,
        file: str,
        source: str,
        text: str | None,
        target: Mapping[str, Any] | None,
        resources: list[Resource],
        label: str,
        *,
        json: bool = False,
    ) -> None:
        if text is None:
            documents = [data for _, data in self.documents(source)]
        else:
            documents = [doc.data for doc in scan_documents(text, source=self.display(source))]
        if (len(documents) == 1 and isinstance(documents[0], list)) or json:
            if target is None:
                raise KustomizeError(f"{label}: a JSON 6902 patch needs a target", self._at(file))
            operations = documents[0] if len(documents) == 1 else None
            if not isinstance(operations, list):
                raise KustomizeError(f"{label}: not a list of JSON 6902 operations", self._at(file))
            for resource in self._targets(target, resources):
                for path in apply_json_patch(resource.data, operations):
                    resource.record(path, label)
            return
        for patch in documents:
            if not isinstance(patch, Mapping):
                raise KustomizeError(f"{label}: a patch document is not a mapping", self._at(file))
            chosen = (
                self._targets(target, resources)
                if target is not None
                else self._patch_target(patch, resources, label, file)
            )
            body = dict(patch)
            if target is not None:  # the patch's own identity is ignored when targeted
                body.pop("apiVersion", None)
                body.pop("kind", None)
                if isinstance(body.get("metadata"), Mapping):
                    metadata = dict(body["metadata"])
                    metadata.pop("name", None)
                    metadata.pop("namespace", None)
                    body["metadata"] = metadata
            for resource in chosen:
                if body.get("$patch") == "delete":
                    resources.remove(resource)
                    continue
                builtin = resource.group in BUILTIN_GROUPS
                for path in strategic_merge(resource.data, body, builtin):
                    resource.record(path, label)

    def _targets(self, target: Mapping[str, Any], resources: list[Resource]) -> list[Resource]:
        return [resource for resource in resources if selected(resource, target, regex=True)]

    def _patch_target(
        self, patch: Mapping[str, Any], resources: list[Resource], label: str, file: str
    ) -> list[Resource]:
        probe = Resource(dict(patch), SourceLocation(file), label)
        wanted = {
            "group": probe.group,
            "kind": probe.kind,
            "name": probe.name,
            "namespace": probe.namespace,
        }
        chosen = [resource for resource in resources if selected(resource, wanted, regex=False)]
        if len(chosen) != 1:
            found = "no" if not chosen else f"{len(chosen)}"
            raise KustomizeError(
                f"{label}: {found} objects match {probe.kind} {probe.name}", self._at(file)
            )
        return chosen

    # --- locations ------------------------------------------------------------------------

    def _where(self, location: SourceLocation) -> str:
        shown = self.display(location.path)
        return f"{shown}:{location.line}" if location.line else shown

    def _at(self, file: str, key: str | None = None) -> SourceLocation:
        """`file`, at the line where top-level `key` is, when it can be seen."""
        if key is not None:
            try:
                with open(file, encoding="utf-8", errors="replace") as handle:
                    for number, line in enumerate(handle, start=1):
                        if line.startswith(f"{key}:"):
                            return SourceLocation(file, number, 1)
            except OSError:
                pass
        return SourceLocation(file)

    def at(self, file: str, key: str | None = None) -> SourceLocation:
        return self._at(file, key)


def _known_keys(
    entry: Mapping[str, Any], known: frozenset[str], label: str, where: SourceLocation
) -> None:
    for key in entry:
        if key not in known:
            raise KustomizeError(f"{label}.{key}: unknown field, not reproduced", where)


def _kind_of_key(key: str) -> str:
    if key.endswith("Generator") or key in ("generators", "generatorOptions"):
        return "a generator"
    if key.startswith("helm"):
        return "a helm chart inflator"
    if key in ("transformers", "validators"):
        return "a plugin"
    return "not a transformation it implements"


def plain_field(resource: Resource, path: str) -> tuple[bool, Any]:
    """(found, value) of a dotted field path of a built object."""
    return get_field(resource.data, split_field_path(path))


__all__ = ["Builder", "KustomizeError", "Resource", "plain_field", "set_fields"]
