"""The plain-data view of a tree's documents that discovery builds (see `tree`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from appt2dispatch.kube import dig
from appt2dispatch.models import SourceLocation, YamlDocument


@dataclass(frozen=True)
class IndexedDocument:
    """One document of the tree as plain data (see `TreeIndex.document` for round-trip)."""

    path: Path
    index: int
    line: int
    column: int
    data: Mapping[str, Any]

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def api_version(self) -> str:
        version = self.data.get("apiVersion")
        return version if isinstance(version, str) else ""

    @property
    def name(self) -> str | None:
        name = dig(self.data, "metadata", "name")
        return name if isinstance(name, str) else None

    @property
    def namespace(self) -> str | None:
        namespace = dig(self.data, "metadata", "namespace")
        return namespace if isinstance(namespace, str) and namespace else None

    @property
    def location(self) -> SourceLocation:
        return SourceLocation(str(self.path), self.line, self.column)

    @cached_property
    def key(self) -> tuple[str, int]:
        """Identity in the tree: absolute path and document index."""
        return (os.path.abspath(self.path), self.index)


@dataclass(frozen=True)
class ReleaseEntry:
    """A Flux HelmRelease found in the tree; `document` is parsed round-trip on first use."""

    summary: IndexedDocument
    loader: Callable[[IndexedDocument], YamlDocument] = field(compare=False, repr=False)

    @property
    def path(self) -> Path:
        return self.summary.path

    @property
    def name(self) -> str | None:
        return self.summary.name

    @property
    def chart_ref(self) -> Mapping[str, Any] | None:
        ref = dig(self.summary.data, "spec", "chartRef")
        return ref if isinstance(ref, Mapping) else None

    @property
    def images(self) -> tuple[str, ...]:
        """Image repositories named under spec.values (`repository:` keys)."""
        return tuple(find_strings(dig(self.summary.data, "spec", "values"), "repository"))

    @property
    def looks_like_dispatch(self) -> bool:
        """Runs ghcr.io/misospace/dispatch (or its former name, mission-control)."""
        return any(
            image.rstrip("/").rsplit("/", 1)[-1] in ("dispatch", "mission-control")
            for image in self.images
        )

    @cached_property
    def document(self) -> YamlDocument:
        return self.loader(self.summary)


def find_strings(data: Any, key: str) -> Iterator[str]:
    pending = [data]
    while pending:
        node = pending.pop()
        if isinstance(node, Mapping):
            for child_key, child in node.items():
                if child_key == key and isinstance(child, str):
                    yield child
                else:
                    pending.append(child)
        elif isinstance(node, list):
            pending.extend(node)
