"""kustomize and Flux path conventions the tree index relies on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def kustomization_file(directory: str) -> str | None:
    """The kustomization file kustomize would build in `directory`, if any."""
    for name in KUSTOMIZATION_FILES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def kustomization_entries(data: Mapping[str, Any]) -> list[str]:
    """Local paths a kustomization builds: resources, components, (legacy) bases.

    Remote entries (URLs, git@) are left out: the tree cannot show them.
    """
    return [
        entry
        for key in ("resources", "components", "bases")
        if isinstance(data.get(key), list)
        for entry in data[key]
        if isinstance(entry, str) and "://" not in entry and not entry.startswith("git@")
    ]


def kustomize_namespace(data: Mapping[str, Any]) -> str | None:
    namespace = data.get("namespace")
    return namespace if isinstance(namespace, str) and namespace else None


def resolve_flux_path(root: Path, spec_path: Any) -> str | None:
    """Absolute directory of a Flux Kustomization's spec.path (repo-relative, `./` ok).

    The tree root may be a subdirectory of the repository spec.path is relative
    to: leading components of spec.path that are the root's own last components
    are skipped (root `repo/kubernetes`, path `./kubernetes/apps/x`).
    """
    parts = [part for part in Path(str(spec_path or ".")).parts if part not in (".", "/")]
    base = Path(os.path.abspath(root))
    for skip in range(len(parts) + 1):
        if skip and tuple(parts[:skip]) != base.parts[-skip:]:
            continue
        candidate = base.joinpath(*parts[skip:])
        if candidate.is_dir():
            return str(candidate)
    return None
