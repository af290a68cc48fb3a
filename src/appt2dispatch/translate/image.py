"""Container image references and the chart version they imply."""

from __future__ import annotations

import re

from appt2dispatch.contract import parse_image_reference
from appt2dispatch.models import SourceLocation
from appt2dispatch.translate.chart import bundled_chart_version, chart_default
from appt2dispatch.translate.source import ValuesPath
from appt2dispatch.translate.values_doc import Draft

_SHA256_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# The semver core of a tag such as `0.5.17`, `v0.5.17` or `0.5.17-rc.1`.
_SEMVER = re.compile(
    r"v?(?P<version>(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)"
)


def chart_version_from_tag(tag: str) -> str | None:
    """The chart version an image tag implies (chart version == app version), or None."""
    match = _SEMVER.fullmatch(tag)
    return match.group("version") if match else None


def map_image(
    draft: Draft,
    reference: str,
    image_path: ValuesPath | None,
    location: SourceLocation | None,
    *,
    chart_version: str | None,
    follow_chart_version: bool,
) -> str:
    """image.* entries; returns the chart version (== app version) to pin."""
    image = parse_image_reference(reference)
    sources = {part: [(*image_path, part)] if image_path else [] for part in ("repository", "tag")}
    renamed = image.repository != chart_default(("image", "repository"))
    draft.set(
        ("image", "repository"),
        image.repository,
        comment="the image's former name" if renamed else None,
        sources=sources["repository"],
    )
    version = chart_version or chart_version_from_tag(image.tag or "")
    if version is None:
        version = bundled_chart_version()
        draft.note(
            f"image tag {image.tag or '(none)'!r} is not a version: the chart version defaults to "
            f"the bundled chart's {version}; pass --chart-version to choose",
            location,
            "warning",
        )
    if follow_chart_version:
        draft.note(
            f"image pin: {reference} is replaced by the chart version: the image becomes "
            f"{image.repository}:{version} (the chart's appVersion) without a digest, so one "
            "bump of the OCIRepository tag moves chart and app together",
            location,
            "warning" if chart_version_from_tag(image.tag or "") != version else "info",
        )
        return version
    if image.digest and not _SHA256_DIGEST.fullmatch(image.digest):
        # The chart's digest key takes sha256 only; a tag may carry any pin whole.
        draft.set(
            ("image", "tag"), f"{image.tag or 'latest'}@{image.digest}", sources=sources["tag"]
        )
        draft.note(f"image {reference} -> image.repository/tag (pin kept in the tag)", location)
        return version
    if image.tag or not image.digest:
        tag = image.tag or "latest"
        draft.set(("image", "tag"), tag, sources=sources["tag"])
    else:
        draft.note(
            f"{reference} has a digest but no tag: the chart renders the tag {version} with the "
            "same digest (the digest decides what runs)",
            location,
        )
    if image.digest:
        draft.set(("image", "digest"), image.digest, sources=sources["tag"])
    draft.note(f"image {reference} -> image.repository/tag/digest (pin kept)", location)
    return version
