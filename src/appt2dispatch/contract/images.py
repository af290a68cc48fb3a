"""Which images run dispatch, and how an image reference splits into its parts."""

from __future__ import annotations

from dataclasses import dataclass

# dispatch was published as mission-control before it was renamed; both names run it.
DISPATCH_IMAGE_REPOSITORIES = ("ghcr.io/misospace/dispatch", "ghcr.io/misospace/mission-control")


@dataclass(frozen=True)
class ImageRef:
    """`repository[:tag][@digest]`; tag and digest are None when the reference has none."""

    repository: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_image_reference(reference: str) -> ImageRef:
    """Split `registry[:port]/path:tag@digest`; a registry port is not a tag."""
    name, _, digest = reference.partition("@")
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        return ImageRef(name[:colon], name[colon + 1 :], digest or None)
    return ImageRef(name, None, digest or None)


def is_dispatch_image(reference: str) -> bool:
    return parse_image_reference(reference).repository in DISPATCH_IMAGE_REPOSITORIES
