"""The one intended change in how dispatch migrates its database.

Old: every app pod runs `prisma migrate deploy` at start. New: app pods get
`SKIP_DB_MIGRATIONS=true` and a `pre-install,pre-upgrade` hook Job runs the
migration once. That is "expected" only in its exact form: the Job runs the
migration with the app's image and the app's database URL source. Anything
else means pods stop migrating with nothing (or something else) doing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.compare.env import ContainerEnv, container_env, database_source
from appt2dispatch.contract import SKIP_MIGRATIONS_VARIABLE
from appt2dispatch.kube import pod_containers
from appt2dispatch.models import FindingClass, ObjectKey

_MIGRATE_COMMAND = re.compile(r"prisma\s+migrate\s+deploy")
EnvfromKeys = Mapping[str, frozenset[str] | None] | None


@dataclass(frozen=True)
class MigrationJob:
    key: ObjectKey
    image: str | None
    env: ContainerEnv


def is_install_and_upgrade_hook(obj: Mapping[str, Any]) -> bool:
    metadata = obj.get("metadata") or {}
    hooks = str((metadata.get("annotations") or {}).get("helm.sh/hook", ""))
    phases = {phase.strip() for phase in hooks.split(",")}
    return {"pre-install", "pre-upgrade"} <= phases


def is_helm_hook(obj: Mapping[str, Any]) -> bool:
    metadata = obj.get("metadata") or {}
    return "helm.sh/hook" in (metadata.get("annotations") or {})


def _runs_migration(container: Mapping[str, Any]) -> bool:
    words = [str(word) for word in (container.get("command") or []) + (container.get("args") or [])]
    return bool(_MIGRATE_COMMAND.search(" ".join(words)))


def migration_jobs(objects: Mapping[ObjectKey, Mapping[str, Any]]) -> list[MigrationJob]:
    """Hook Jobs (before install and upgrade) whose container runs `prisma migrate deploy`."""
    jobs: list[MigrationJob] = []
    for key, obj in objects.items():
        if key.kind != "Job" or not is_install_and_upgrade_hook(obj):
            continue
        for container in pod_containers(obj):
            if _runs_migration(container):
                image = container.get("image")
                jobs.append(
                    MigrationJob(key, str(image) if image else None, container_env(container))
                )
    return jobs


def judge_skip_migrations(
    app_container: Mapping[str, Any],
    new_objects: Mapping[ObjectKey, Mapping[str, Any]],
    envfrom_keys: EnvfromKeys,
) -> tuple[FindingClass, str]:
    """Class and message for app pods that stop migrating at start."""
    jobs = migration_jobs(new_objects)
    if not jobs:
        return (
            "behavior",
            "SKIP_DB_MIGRATIONS=true: pods stop running `prisma migrate deploy` at start and no "
            "pre-install/pre-upgrade hook Job runs it instead",
        )
    problems = [_mismatch(job, app_container, envfrom_keys) for job in jobs]
    for job, problem in zip(jobs, problems, strict=True):
        if problem is None:
            return (
                "expected",
                f"migrations move from pod start to the hook Job {job.key.name} "
                "(same image, same database URL source)",
            )
    return (
        "behavior",
        f"SKIP_DB_MIGRATIONS=true, but the hook Job {jobs[0].key.name} {problems[0]}",
    )


def judge_added_job(
    key: ObjectKey,
    new_objects: Mapping[ObjectKey, Mapping[str, Any]],
    envfrom_keys: EnvfromKeys,
) -> tuple[FindingClass, str]:
    """Class and message for a Job that only the new side has."""
    job = next((job for job in migration_jobs(new_objects) if job.key == key), None)
    if job is None:
        return ("behavior", "new Job: it runs on install/upgrade and was not there before")
    skipping = [
        container
        for obj in new_objects.values()
        if obj.get("kind") != "Job" and obj.get("kind") != "CronJob"
        for container in pod_containers(obj)
        if container_env(container).plain_value(SKIP_MIGRATIONS_VARIABLE) == "true"
    ]
    if not skipping:
        return ("behavior", "migration hook Job added while the app pods still migrate at start")
    problems = [_mismatch(job, container, envfrom_keys) for container in skipping]
    if all(problem is None for problem in problems):
        return (
            "expected",
            "runs `prisma migrate deploy` once per install/upgrade, as the app pods did",
        )
    problem = next(problem for problem in problems if problem is not None)
    return ("behavior", f"migration hook Job {problem}")


def _mismatch(
    job: MigrationJob, app_container: Mapping[str, Any], envfrom_keys: EnvfromKeys
) -> str | None:
    """Why `job` does not migrate what `app_container` used to migrate (None: it does)."""
    app_image = app_container.get("image")
    if job.image != app_image:
        return f"runs image {job.image}, the app runs {app_image}"
    app_database = database_source(container_env(app_container), envfrom_keys)
    if database_source(job.env, envfrom_keys) != app_database:
        return "takes its database URL from a different source than the app"
    if all(origin in ((), None) for _, origin in app_database):
        return "has no database URL source the app also uses"
    return None
