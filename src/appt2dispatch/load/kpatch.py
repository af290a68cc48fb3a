"""Resource identity, selection and patching as kustomize defines them.

Behaviour from kustomize's docs ("patches", "replacements", "namespace",
"labels") and its api/resid and api/filters packages; the code is our own.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from appt2dispatch.load.kpaths import PathProblem
from appt2dispatch.models import SourceLocation

# Kinds kustomize knows to be cluster-scoped: the namespace transformer leaves them
# alone (except Namespace, whose name it sets). Any other kind is namespaced.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PersistentVolume",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "PodSecurityPolicy",
        "Node",
        "ComponentStatus",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "GatewayClass",
        "ClusterIssuer",
        "ClusterSecretStore",
        "ClusterExternalSecret",
    }
)
# Built-in API groups: their lists of objects merge by key in a strategic merge patch;
# in custom resources every list is replaced, as kustomize does without a schema.
BUILTIN_GROUPS = frozenset(
    {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io"}
)
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "imagePullSecrets": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
}


@dataclass
class Resource:
    """One object of a kustomize build, with where its fields' values came from.

    `origins` maps dotted field paths to a description of what set them (a
    transformer, a patch); a field not listed comes from `location`. `previous`
    holds the names the object had before the namespace transformer changed them
    (replacements select by either, as kustomize does).
    """

    data: dict[str, Any]
    location: SourceLocation
    display: str
    origins: dict[str, str] = field(default_factory=dict)
    previous: list[tuple[str | None, str | None]] = field(default_factory=list)

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def kind(self) -> str:
        value = self.data.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def name(self) -> str | None:
        return _metadata_text(self.data, "name")

    @property
    def namespace(self) -> str | None:
        return _metadata_text(self.data, "namespace")

    def ids(self) -> list[tuple[str | None, str | None]]:
        """(name, namespace) now and before any rename."""
        return [(self.name, self.namespace), *self.previous]

    def describe(self) -> str:
        return f"{self.kind} {self.name} ({self.display})"

    def origin_of(self, path: str) -> str:
        """What set the field at `path` (the longest recorded prefix), else its file."""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            found = self.origins.get(".".join(parts[:end]))
            if found is not None:
                return found
        return self.display

    def record(self, path: str, origin: str) -> None:
        prefix = path + "."
        for key in [key for key in self.origins if key.startswith(prefix)]:
            del self.origins[key]
        self.origins[path] = origin


def _metadata_text(data: Mapping[str, Any], key: str) -> str | None:
    metadata = data.get("metadata")
    value = metadata.get(key) if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) and value else None


# --- selection ---------------------------------------------------------------------------

SELECTOR_FIELDS = ("group", "version", "kind", "name", "namespace")


def _field_of(resource: Resource, key: str, ident: tuple[str | None, str | None]) -> str:
    if key == "name":
        return ident[0] or ""
    if key == "namespace":
        return ident[1] or ""
    return str(getattr(resource, key))


def selected(resource: Resource, selector: Mapping[str, Any], *, regex: bool) -> bool:
    """Does `selector` (group/version/kind/name/namespace, label and annotation
    selectors) pick `resource`? Patch targets are anchored regular expressions;
    replacement selectors compare exactly, against current or earlier names."""
    for ident in resource.ids() if not regex else resource.ids()[:1]:
        if all(_field_matches(resource, key, selector, ident, regex) for key in SELECTOR_FIELDS):
            break
    else:
        return False
    return _labels_match(resource, selector.get("labelSelector"), "labels") and _labels_match(
        resource, selector.get("annotationSelector"), "annotations"
    )


def _field_matches(
    resource: Resource,
    key: str,
    selector: Mapping[str, Any],
    ident: tuple[str | None, str | None],
    regex: bool,
) -> bool:
    wanted = selector.get(key)
    if wanted is None or wanted == "":
        return True
    actual = _field_of(resource, key, ident)
    if regex and not _PLAIN.fullmatch(str(wanted)):
        if _NESTED_QUANTIFIER.search(str(wanted)):
            # Go's regexp (kustomize's) is linear; Python's may backtrack for ever.
            raise PathProblem(f"target {key} {wanted!r}: nested repetition is not reproduced")
        try:
            return re.fullmatch(str(wanted), actual) is not None
        except re.error:
            raise PathProblem(
                f"target {key} {wanted!r} is not a valid regular expression"
            ) from None
    return str(wanted) == actual


_PLAIN = re.compile(r"[A-Za-z0-9_/-]*")
_NESTED_QUANTIFIER = re.compile(r"\)[*+{]|[*+]\??[*+{]")
_REQUIREMENT = re.compile(r"\s*(!?)([^\s=!,()]+)\s*(?:(==|=|!=)\s*([^\s,()]*))?\s*")


def _labels_match(resource: Resource, selector: Any, where: str) -> bool:
    if selector is None or selector == "":
        return True
    metadata = resource.data.get("metadata")
    found = metadata.get(where) if isinstance(metadata, Mapping) else None
    labels = {str(k): str(v) for k, v in found.items()} if isinstance(found, Mapping) else {}
    text = str(selector)
    if "(" in text:
        raise PathProblem(f"set-based {where} selector {text!r} is not reproduced")
    for requirement in text.split(","):
        match = _REQUIREMENT.fullmatch(requirement)
        if match is None:
            raise PathProblem(f"{where} selector {text!r} is not well formed")
        negate, key, operator, value = match.groups()
        if operator is None:
            present = key in labels
            if present == bool(negate):
                return False
        elif operator == "!=":
            if labels.get(key) == value:
                return False
        elif labels.get(key) != value:
            return False
    return True


# --- strategic merge patch --------------------------------------------------------------


def strategic_merge(target: dict[str, Any], patch: Mapping[str, Any], builtin: bool) -> list[str]:
    """Merge `patch` into `target` in place; returns the dotted paths it set or removed."""
    written: list[str] = []
    _merge_map(target, patch, builtin, "", written)
    return written


def _merge_map(
    target: dict[str, Any], patch: Mapping[str, Any], builtin: bool, here: str, out: list[str]
) -> None:
    for key, value in patch.items():
        path = f"{here}.{key}" if here else str(key)
        if isinstance(key, str) and key.startswith("$"):
            if key == "$patch" and value == "merge":
                continue
            raise PathProblem(
                f"patch directive {key}: {value!r} at {here or 'top'} is not reproduced"
            )
        if value is None:
            if key in target:
                del target[key]
                out.append(path)
            continue
        current = target.get(key)
        if isinstance(value, Mapping):
            directive = value.get("$patch")
            if directive == "delete":
                target.pop(key, None)
                out.append(path)
                continue
            if directive == "replace" or not isinstance(current, dict):
                target[key] = _without_directives(value)
                out.append(path)
                continue
            _merge_map(current, value, builtin, path, out)
        elif (
            isinstance(value, list) and builtin and key in MERGE_KEYS and isinstance(current, list)
        ):
            _merge_list(current, value, MERGE_KEYS[key], builtin, path, out)
        else:
            target[key] = copy.deepcopy(value)
            out.append(path)


def _merge_list(
    target: list[Any], patch: list[Any], merge_key: str, builtin: bool, here: str, out: list[str]
) -> None:
    for item in patch:
        if not isinstance(item, Mapping) or merge_key not in item:
            raise PathProblem(f"patch list {here} item has no {merge_key}")
        key = item[merge_key]
        existing = [e for e in target if isinstance(e, dict) and e.get(merge_key) == key]
        if item.get("$patch") == "delete":
            target[:] = [e for e in target if not (isinstance(e, dict) and e.get(merge_key) == key)]
        elif existing:
            _merge_map(existing[0], item, builtin, f"{here}[{key}]", out)
        else:
            target.append(_without_directives(item))
        out.append(f"{here}[{key}]")


def _without_directives(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_directives(v) for k, v in value.items() if not str(k).startswith("$")}
    if isinstance(value, list):
        return [_without_directives(item) for item in value]
    return copy.deepcopy(value)
