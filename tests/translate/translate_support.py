"""Test inputs for the translate stage: HelmRelease objects and old-side renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appt2dispatch.models import HelmRelease, Rendered

NAMESPACE = "llm"


def load_release(path: Path) -> HelmRelease:
    """The HelmRelease of `path` as the load stage gives it (siblings from its directory)."""
    from appt2dispatch.load import load_release as load_stage_release

    return load_stage_release(path, namespace=NAMESPACE)


def old_from_manifests(path: Path) -> Rendered:
    """An old side read from a file of manifests (a golden or a fixture)."""
    from appt2dispatch.render.manifests import parse_manifests

    text = path.read_text(encoding="utf-8")
    return Rendered(objects=parse_manifests(text, source=str(path)), renderer=f"manifests {path}")


def golden_for(release_path: Path, goldens_dir: Path) -> Path:
    return goldens_dir / f"{release_path.stem}.rendered.yaml"


DIGEST = "sha256:" + "ab" * 32
RELEASE_TEMPLATE = """\
---
# yaml-language-server: $schema=https://raw.githubusercontent.com/bjw-s-labs/helm-charts/main/charts/other/app-template/schemas/helmrelease-helm-v2.schema.json
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: dispatch
spec:
  chartRef:
    kind: OCIRepository
    name: {oci}
  interval: 15m
  install:
    remediation:
      retries: 3  # keep trying
  values:
    controllers:
      dispatch:
        containers:
          app:
            image:
              repository: ghcr.io/misospace/dispatch
              tag: {tag}
            env:
{env}
            envFrom:
              - secretRef:
                  name: dispatch
{container}
    service:
      app:
        ports:
          http:
            port: 3000
"""


def release_text(
    env: str = "              DISPATCH_GROOMER_MODEL: vision",
    *,
    container: str = "",
    tag: str = f"0.5.17@{DIGEST}",
    oci: str = "dispatch",
) -> str:
    """A small dispatch HelmRelease; `env` and `container` are pre-indented YAML lines."""
    return RELEASE_TEMPLATE.format(env=env, container=container, tag=tag, oci=oci)


def release_from_text(tmp_path: Path, text: str, name: str = "helmrelease.yaml") -> HelmRelease:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_release(path)


def builtin_old(release: HelmRelease, version: str | None = None) -> Rendered:
    """The old side as the pipeline's offline default renders it (4.1.1 unless told)."""
    from appt2dispatch.render.old import render_old_side

    return render_old_side(release, app_template_version=version)


def deployment_of(rendered: Rendered) -> dict[str, Any]:
    return next(dict(obj) for obj in rendered.objects if obj.get("kind") == "Deployment")


def app_container(rendered: Rendered) -> dict[str, Any]:
    container: dict[str, Any] = deployment_of(rendered)["spec"]["template"]["spec"]["containers"][0]
    return container


def with_changes(rendered: Rendered, change: Any) -> Rendered:
    """A deep copy of `rendered` after `change(objects)` edited its object list in place."""
    import copy

    objects = [copy.deepcopy(dict(obj)) for obj in rendered.objects]
    change(objects)
    return Rendered(objects=tuple(objects), renderer=rendered.renderer)


def effective_env(
    container: dict[str, Any], envfrom_values: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """What the process sees: envFrom sources in order, then env; a later entry wins."""
    env: dict[str, Any] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("secretRef") or source.get("configMapRef") or {}
        for key, value in (envfrom_values or {}).get(str(ref.get("name")), {}).items():
            env[str(source.get("prefix", "")) + key] = value
    for item in container.get("env") or []:
        env[item["name"]] = item["valueFrom"] if "valueFrom" in item else item.get("value", "")
    return env


def helm_merged(values: dict[str, Any]) -> dict[str, Any]:
    """The chart defaults coalesced with `values` as Helm does (null deletes a default)."""
    from appt2dispatch.translate.chart import chart_defaults

    def merge(default: Any, override: Any) -> Any:
        if not isinstance(default, dict) or not isinstance(override, dict):
            return override
        merged = dict(default)
        for key, value in override.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = merge(default.get(key), value)
        return merged

    result: dict[str, Any] = merge(chart_defaults(), values)
    return result


def canonical_env(env: dict[str, Any]) -> dict[str, Any]:
    """Env as the app reads it: the lane JSON parsed, an invalid one as if unset."""
    from appt2dispatch.translate import parse_lane_config

    canonical = dict(env)
    lanes = canonical.pop("DISPATCH_LANE_CONFIG_JSON", None)
    if isinstance(lanes, str):
        result = parse_lane_config(lanes)
        if result.valid:
            canonical["DISPATCH_LANE_CONFIG_JSON"] = (result.lanes, result.lane_aliases)
    elif lanes is not None:
        canonical["DISPATCH_LANE_CONFIG_JSON"] = lanes
    return canonical
