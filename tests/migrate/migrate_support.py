"""Shared helpers for the migrate tests: copy a real tree, hash it, run the CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from appt2dispatch.cli import cli

ERA_TREE = "home-ops-tree-app-template-era"
SHARED_TREE = "home-ops-tree-shared-oci-era"
ERA_RELEASE = "kubernetes/apps/base/llm/dispatch/helmrelease.yaml"
ERA_OCI = "kubernetes/apps/base/llm/dispatch/ocirepository.yaml"
SHARED_RELEASE = "kubernetes/apps/base/llm/openclaw/dispatch/helmrelease.yaml"
SHARED_NEW_OCI = "kubernetes/apps/base/llm/openclaw/dispatch/ocirepository.yaml"
SHARED_KUSTOMIZATION = "kubernetes/apps/base/llm/openclaw/dispatch/kustomization.yaml"
SHARED_COMPONENT_OCI = "kubernetes/components/namespace/repos/ocirepository.yaml"
DISPATCH_CHART_URL = "oci://ghcr.io/misospace/charts/dispatch"

# What --write changes in each tree; every other file must stay byte-identical.
CHANGED = {
    ERA_TREE: {ERA_RELEASE, ERA_OCI},
    SHARED_TREE: {SHARED_RELEASE, SHARED_NEW_OCI, SHARED_KUSTOMIZATION},
}


def copy_tree(source: Path, target: Path) -> Path:
    """A writable copy of `source` (the corpus is read-only; copytree keeps modes)."""
    shutil.copytree(source, target, symlinks=True)
    for directory, _, files in os.walk(target):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    return target


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (hidden ones too), by relative path."""
    found: dict[str, str] = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if path.is_symlink():
                continue
            relative = path.relative_to(root).as_posix()
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run_migrate(root: Path, *options: str) -> Result:
    """`appt2dispatch migrate ROOT OPTIONS` in-process (no --namespace: the tree says)."""
    return CliRunner().invoke(cli, ["migrate", str(root), *options])


def read(root: Path, relative: str) -> str:
    return (root / relative).read_text(encoding="utf-8")
