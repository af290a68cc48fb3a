"""Translate stage: what the old side renders -> dispatch chart values (+ notes).

The translator reads the rendered old Deployment, Service and HTTPRoute (so
templating, app-template defaults and version differences are already
resolved); the HelmRelease's own values serve only provenance: source lines,
refusal key paths and the comments that travel with each key. Whatever
produced `old` (given manifests, the real chart, the built-in model) is the
caller's choice: the renderer is a parameter of the pipeline, not of this stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from appt2dispatch.contract import parse_lane_config, read_envfrom
from appt2dispatch.load import envfrom_secret_keys
from appt2dispatch.models import HelmRelease, Rendered, Translation
from appt2dispatch.translate.chart import CHART_URL
from appt2dispatch.translate.comments import EnvContext, collect_value_comments, route_comments
from appt2dispatch.translate.env import EnvScope, envfrom_sources, map_env, map_env_from
from appt2dispatch.translate.find import find_dispatch_workload
from appt2dispatch.translate.helmrelease import note_release_changes, translated_files
from appt2dispatch.translate.image import map_image
from appt2dispatch.translate.network import map_route, map_service
from appt2dispatch.translate.source import SourceIndex
from appt2dispatch.translate.values_doc import Draft, render_values_yaml
from appt2dispatch.translate.workload import (
    Origin,
    map_container,
    map_deployment,
    map_identity,
    map_pod,
)

__all__ = ["parse_lane_config", "translate_release", "translated_files"]


def translate_release(
    release: HelmRelease,
    old: Rendered,
    *,
    chart_version: str | None = None,
    follow_chart_version: bool = False,
    follow_app_version: bool = False,
    chart_url: str | None = None,
    envfrom_keys: Mapping[str, frozenset[str] | None] | None = None,
) -> Translation:
    """Values for charts/dispatch under which dispatch behaves as the old side does.

    Raises ReleaseError when no container runs dispatch, RefusedError for a
    feature the chart has no home for (named by rendered path and values key).
    """
    workload = find_dispatch_workload(release, old)
    source = SourceIndex(release)
    controller = source.controller_path(workload.deployment)
    container_name = str(workload.container.get("name"))
    origin = Origin(source, controller, source.container_path(controller, container_name))
    draft = Draft()

    fullname = map_identity(draft, workload, origin, release.release_name)
    map_deployment(draft, workload, origin)
    map_pod(draft, workload, origin)
    map_container(draft, workload, origin)
    image_path = origin.container_field("image")
    version = map_image(
        draft,
        str(workload.container.get("image", "")),
        image_path,
        source.location_of(image_path),
        chart_version=chart_version,
        follow_chart_version=follow_chart_version,
        follow_app_version=follow_app_version,
        written_tag=source.get((*image_path, "tag")) if image_path else None,
    )
    env_from: Sequence[Mapping[str, Any]] = workload.container.get("envFrom") or []
    env: Sequence[Mapping[str, Any]] = workload.container.get("env") or []
    known_keys = _envfrom_keys(release, env_from, envfrom_keys)
    scope = EnvScope(source, origin.container)
    map_env_from(draft, env_from, scope)
    map_env(draft, env, envfrom_sources(env_from, known_keys), scope)
    renames = {
        **map_service(draft, workload, origin, fullname, release.namespace),
        **map_route(draft, workload, origin, fullname, release.namespace),
    }
    note_release_changes(draft, release)
    draft.prefer_source_order(source.get)

    env_names = [str(item.get("name")) for item in env]
    env_context = EnvContext(
        env_names=frozenset(env_names),
        env_paths={path: name for name in env_names if (path := scope.path_of(name)) is not None},
    )
    placed, comment_notes = route_comments(
        collect_value_comments(release), list(draft.entries.values()), env_context
    )
    header = (
        f"dispatch chart {version} values, translated by appt2dispatch from the app-template",
        f"HelmRelease {release.namespace}/{release.name} ({release.path.name}).",
    )
    return Translation(
        values=draft.plain_values(placed),
        values_yaml=render_values_yaml(draft, placed, header),
        notes=(*draft.notes, *comment_notes),
        chart_version=version,
        rename_map=renames,
        envfrom_keys=known_keys,
        image_follows_chart=follow_chart_version,
        chart_url=chart_url or CHART_URL,
    )


def _envfrom_keys(
    release: HelmRelease,
    env_from: Sequence[Mapping[str, Any]],
    given: Mapping[str, frozenset[str] | None] | None,
) -> dict[str, frozenset[str] | None]:
    """Keys each envFrom source is known to provide (None: unknown)."""
    names = [source.name for source in read_envfrom(env_from) if source.name]
    if given is not None:
        return {name: given.get(name) for name in names}
    return dict(envfrom_secret_keys(release, names))
