"""A Flux Kustomization's `spec.patches` applied to the HelmRelease it applies.

kustomize-controller patches what it builds before applying it: a patch that only
changes how Helm runs (install, upgrade, timeout, ...) is noted; one that changes
what is rendered (values, chart, names) is refused, because the proof would be of a
release Flux never applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appt2dispatch.kube import dig
from appt2dispatch.load.fluxbuild import (
    HINT,
    BuiltKustomization,
    FluxResolver,
    display_path,
)
from appt2dispatch.load.kbuild import KustomizeError
from appt2dispatch.load.kpatch import Resource
from appt2dispatch.load.quickload import scan_documents
from appt2dispatch.load.tree import TreeIndex
from appt2dispatch.models import SourceLocation

# What a Flux Kustomization's spec.patches may change in a HelmRelease without changing
# what is rendered: how Helm runs, not what it installs.
RENDERED_SPEC = frozenset(
    {"values", "valuesFrom", "chart", "chartRef", "releaseName", "targetNamespace", "postRenderers"}
)


def release_patches(
    index: TreeIndex, built: BuiltKustomization, release: Mapping[str, Any], where: SourceLocation
) -> list[str]:
    """How `built`'s spec.patches change the HelmRelease Flux applies (plain data of the
    release as written). Patches that touch only how Helm runs (install, upgrade,
    timeout, ...) are described; one that changes what is rendered is refused: the
    proof would be of a release Flux never applies."""
    patches = dig(built.data, "spec", "patches")
    if not isinstance(patches, list) or not patches:
        return []
    resolver = FluxResolver(index)
    resource = Resource(
        _plain_copy(release), where, display_path(index.root, where.path) + f":{where.line or 1}"
    )
    for number, patch in enumerate(patches):
        if not isinstance(patch, Mapping) or not isinstance(patch.get("patch"), str):
            raise KustomizeError(
                f"{built.label}: spec.patches[{number}] needs a patch text{HINT}",
                built.summary.location,
            )
        target = patch.get("target")
        if not isinstance(target, Mapping):
            target = _identity_target(patch["patch"], str(built.summary.path))
            if target is None:
                continue  # a patch of another object
        resolver.builder.apply_patch_text(
            str(built.summary.path),
            patch["patch"],
            target,
            [resource],
            f"{built.label} spec.patches[{number}]",
        )
    changed = sorted(resource.origins)
    rendered = [path for path in changed if _changes_render(path)]
    if rendered:
        raise KustomizeError(
            f"{resource.origins[rendered[0]]} changes {rendered[0]} of this HelmRelease; a"
            " patch applied by Flux to what is rendered is not reproduced (move it into the"
            " HelmRelease)",
            where,
        )
    if not changed:
        return []
    fields = ", ".join(changed)
    return [
        f"{built.label} patches this HelmRelease ({fields}): how Helm runs, not what it renders"
    ]


def _changes_render(path: str) -> bool:
    parts = path.split(".")
    if parts[0] == "metadata":
        return len(parts) > 1 and parts[1] in ("name", "namespace")
    return parts[0] == "spec" and len(parts) > 1 and parts[1] in RENDERED_SPEC


def _identity_target(text: str, source: str) -> Mapping[str, Any] | None:
    """A strategic merge patch without target names its object: select exactly that."""
    documents = scan_documents(text, source=source)
    data = documents[0].data if len(documents) == 1 else None
    if not isinstance(data, Mapping):
        return None
    name = dig(data, "metadata", "name")
    if data.get("kind") != "HelmRelease" or not isinstance(name, str):
        return None
    return {"kind": "HelmRelease", "name": re.escape(name)}


def _plain_copy(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {str(k): _plain_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain_copy(item) for item in data]
    return data
