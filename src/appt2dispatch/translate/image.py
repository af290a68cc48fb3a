"""Container image references and the chart version they imply."""

from __future__ import annotations

import re

from appt2dispatch.contract import parse_image_reference
from appt2dispatch.errors import InputError
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
    follow_app_version: bool = False,
    written_tag: object = None,
) -> str:
    """image.* entries; returns the chart version the OCIRepository is to name.

    The chart version is `chart_version`, else (`follow_app_version`) the running
    image's version, else the bundled chart's. The image stays as the old release ran
    it (repository, tag, digest; a `tag: X@sha256:...` written that way is kept whole)
    unless `follow_chart_version` hands it to the chart's appVersion.
    """
    image = parse_image_reference(reference)
    sources = {part: [(*image_path, part)] if image_path else [] for part in ("repository", "tag")}
    renamed = image.repository != chart_default(("image", "repository"))
    draft.set(
        ("image", "repository"),
        image.repository,
        comment="the image's former name" if renamed else None,
        sources=sources["repository"],
        stated=True,
    )
    version = chart_version or _version_to_target(image.tag, reference, follow_app_version)
    if follow_chart_version:
        draft.note(
            f"image pin: {reference} is replaced by the chart version: the image becomes "
            f"{image.repository}:{version} (the chart's appVersion) without a digest, so one "
            "bump of the OCIRepository tag moves chart and app together",
            location,
            "warning" if chart_version_from_tag(image.tag or "") != version else "info",
        )
        return version
    _keep_image(draft, image.tag, image.digest, reference, version, written_tag, sources["tag"])
    pinned = "pin kept" if image.digest else "unpinned: a tag without a digest, kept as it is"
    draft.note(f"image {reference} -> image.repository/tag/digest ({pinned})", location)
    if chart_version_from_tag(image.tag or "") != version:
        draft.note(
            f"the image stays {reference} as the old release ran it; the chart's appVersion "
            f"is {version}. Follow-up after this migration: drop image.tag and image.digest so "
            "the chart's appVersion drives the app and one OCIRepository tag bump moves both",
            location,
        )
    return version


def _version_to_target(tag: str | None, reference: str, follow_app_version: bool) -> str:
    if not follow_app_version:
        return bundled_chart_version()
    version = chart_version_from_tag(tag or "")
    if version is None:
        raise InputError(
            f"--follow-app-version: the image {reference} has no version tag to follow; "
            "pass --chart-version"
        )
    return version


def _keep_image(
    draft: Draft,
    tag: str | None,
    digest: str | None,
    reference: str,
    version: str,
    written_tag: object,
    sources: list[ValuesPath],
) -> None:
    """image.tag (and image.digest) exactly as the old values wrote them."""
    if isinstance(written_tag, str) and "@" in written_tag and digest:
        draft.set(("image", "tag"), f"{tag or 'latest'}@{digest}", sources=sources, stated=True)
        return
    if digest and not _SHA256_DIGEST.fullmatch(digest):
        # The chart's digest key takes sha256 only; a tag may carry any pin whole.
        draft.set(("image", "tag"), f"{tag or 'latest'}@{digest}", sources=sources, stated=True)
        return
    if tag or not digest:
        draft.set(("image", "tag"), tag or "latest", sources=sources, stated=True)
    else:
        draft.note(
            f"{reference} has a digest but no tag: the chart renders the tag {version} with the "
            "same digest (the digest decides what runs)",
        )
    if digest:
        draft.set(("image", "digest"), digest, sources=sources, stated=True)
