"""Helpers for compare tests: objects by kind, findings by path, a migration hook Job."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from appt2dispatch.models import Finding, Rendered

# The image of the golden old side (conftest.GOLDEN_STEM).
DIGEST = "sha256:0abe49ec7fb794dfe2209d3359c9ed827f30c4ce5154284af39ef03e6261a5c8"
IMAGE = f"ghcr.io/misospace/dispatch:0.5.17@{DIGEST}"


def rendered(objects: Iterable[Mapping[str, Any]], renderer: str = "test") -> Rendered:
    return Rendered(tuple(copy.deepcopy(list(objects))), renderer)


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(obj for obj in objects if obj["kind"] == kind)


def app_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = by_kind(objects, "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def env_entry(container: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry for entry in container["env"] if entry["name"] == name)


def at_path(findings: Iterable[Finding], path: str) -> Finding:
    matching = [finding for finding in findings if finding.path == path]
    assert len(matching) == 1, f"{path}: {[(f.klass, f.path) for f in findings]}"
    return matching[0]


def non_cosmetic(findings: Iterable[Finding]) -> list[tuple[str, str, str]]:
    return [(f.klass, f.resource, f.path) for f in findings if f.klass != "cosmetic"]


def migration_job(
    *,
    image: str = IMAGE,
    database: Mapping[str, Any] | None = None,
    hook: str = "pre-install,pre-upgrade",
    name: str = "dispatch-migrate",
) -> dict[str, Any]:
    """A hook Job like the dispatch chart's `<name>-migrate`."""
    database_entry = database or {
        "name": "DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": "dispatch-app", "key": "uri"}},
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "annotations": {"helm.sh/hook": hook}},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "migrate",
                            "image": image,
                            "command": ["./node_modules/.bin/prisma", "migrate", "deploy"],
                            "env": [database_entry],
                            "envFrom": [{"secretRef": {"name": "dispatch"}}],
                        }
                    ],
                }
            }
        },
    }


Mutation = Callable[[list[dict[str, Any]]], None]
