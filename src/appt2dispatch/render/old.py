"""The old side: what the HelmRelease renders today on bjw-s app-template.

In order of fidelity: given manifests (`helm get manifest` output or a golden),
the real chart (`--app-template-chart` directory, .tgz or `oci://REF:VERSION`),
else the built-in model of app-template (offline default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appt2dispatch.errors import InputError, ModelRefusedError
from appt2dispatch.kube import dig
from appt2dispatch.load.yamlio import line_of, locate, read_text
from appt2dispatch.models import HelmRelease, Rendered, SourceLocation
from appt2dispatch.render.manifests import parse_manifests

DEFAULT_APP_TEMPLATE_VERSION = "4.1.1"


def render_old_side(
    release: HelmRelease,
    *,
    old_manifests: Path | None = None,
    old_manifests_text: str | None = None,
    app_template_chart: str | None = None,
    app_template_version: str | None = None,
) -> Rendered:
    """Render the old side of `release` with the most faithful renderer available."""
    if old_manifests_text is not None:
        source = str(old_manifests) if old_manifests is not None else "<text>"
        return Rendered(
            objects=parse_manifests(old_manifests_text, source=source),
            renderer=f"manifests from {source}",
        )
    if old_manifests is not None:
        # The load stage's reader: size limit, binary and encoding checks, located errors.
        text = read_text(old_manifests)
        return Rendered(
            objects=parse_manifests(text, source=str(old_manifests)),
            renderer=f"manifests from {old_manifests}",
        )
    if app_template_chart is not None:
        return _render_real_chart(release, app_template_chart)
    # The built-in model (~20 modules) only when it renders: not for given manifests or a chart.
    from appt2dispatch.render.app_template import render_app_template

    version, notes = resolve_app_template_version(release, app_template_version)
    try:
        rendered = render_app_template(
            release.values,
            release_name=release.release_name,
            namespace=release.namespace,
            version=version,
        )
    except ModelRefusedError as refusal:
        if refusal.location is None:
            refusal.location = values_key_location(release, refusal.values_path)
        raise
    return Rendered(
        objects=rendered.objects,
        renderer=rendered.renderer,
        chart=rendered.chart,
        notes=(*notes, *rendered.notes),
    )


def resolve_app_template_version(
    release: HelmRelease, explicit: str | None
) -> tuple[str, tuple[str, ...]]:
    """The flag, else the tag of the release's OCIRepository sibling, else 4.1.1 (noted)."""
    if explicit:
        return explicit, ()
    chart_ref = release.chart_ref or {}
    ref_name = chart_ref.get("name") if isinstance(chart_ref, Mapping) else None
    for sibling in release.siblings:
        if sibling.kind != "OCIRepository" or ref_name is None or sibling.name != ref_name:
            continue
        tag = dig(sibling.data, "spec", "ref", "tag")
        if isinstance(tag, str) and tag:
            return tag, ()
    return DEFAULT_APP_TEMPLATE_VERSION, (
        f"app-template version not visible (no OCIRepository tag, no --app-template-version); "
        f"assumed {DEFAULT_APP_TEMPLATE_VERSION}",
    )


_LIST_INDEX = re.compile(r"\[(\d+)\]")


def values_key_location(release: HelmRelease, values_path: str) -> SourceLocation:
    """Line of the deepest key of a dotted values path (`a.b[0].c`) in the release's file.

    Keys may contain dots themselves (`reloader.stakater.com/auto`): at each level
    the longest key that the rest of the path starts with wins.
    """
    document = release.document
    location = locate(document, ["spec", "values"])
    spec = document.data.get("spec") if isinstance(document.data, Mapping) else None
    node: Any = spec.get("values") if isinstance(spec, Mapping) else None
    rest = values_path
    while rest:
        step: Any = None
        if isinstance(node, list):
            index = _LIST_INDEX.match(rest)
            if index is not None and int(index.group(1)) < len(node):
                step, rest = int(index.group(1)), rest[index.end() :]
        elif isinstance(node, Mapping):
            step = max(
                (
                    key
                    for key in node
                    if rest == str(key) or rest.startswith((f"{key}.", f"{key}["))
                ),
                key=lambda key: len(str(key)),
                default=None,
            )
            rest = rest[len(str(step)) :] if step is not None else rest
        if step is None:
            break
        location = line_of(node, step, document.path)
        node = node[step]
        rest = rest.removeprefix(".")
    return location


def _render_real_chart(release: HelmRelease, reference: str) -> Rendered:
    from appt2dispatch.render.app_template.values import to_plain
    from appt2dispatch.render.helm import chart_metadata, load_chart, render_chart

    if reference.startswith("oci://"):
        chart_path = _pull_oci_chart(reference)
    else:
        chart_path = Path(reference)
        if not chart_path.exists():
            raise InputError(f"--app-template-chart {reference}: no such file or directory")
    chart = load_chart(chart_path)
    manifests = render_chart(
        chart,
        to_plain(release.values),
        release_name=release.release_name,
        namespace=release.namespace,
    )
    objects: list[dict[str, Any]] = []
    for template in sorted(manifests):
        if template.endswith("NOTES.txt"):
            continue  # not a manifest: Helm prints it, it never reaches the cluster
        objects.extend(parse_manifests(manifests[template], source=template))
    metadata = chart_metadata(chart)
    chart_name = f"{metadata.get('name', 'chart')} {metadata.get('version', '?')}"
    return Rendered(
        objects=tuple(objects),
        renderer=f"helm v4 (helm-python-sdk): {chart_name} from {reference}",
        chart=chart_name,
    )


def _pull_oci_chart(reference: str) -> Path:
    """Pull `oci://REF:VERSION` once; later runs reuse the archive cached by its digest."""
    from appt2dispatch.render.helm import pull_chart

    location, _, version = reference.rpartition(":")
    if not location.startswith("oci://") or not version or "/" in version:
        raise InputError(f"--app-template-chart {reference}: expected oci://REF:VERSION")
    return pull_chart(location, version)
