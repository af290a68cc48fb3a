"""Where a rendered field came from in the HelmRelease's app-template values.

Translation works on the rendered old side; this index only serves provenance:
the values key path of a field (for notes, refusals and travelling comments) and
its line in the HelmRelease file (ruamel `.lc` of `release.document.data`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from appt2dispatch.models import HelmRelease, SourceLocation

ValuesPath = tuple[str | int, ...]


def dotted(path: Sequence[str | int] | None) -> str:
    """`controllers.dispatch.containers.app.env[0]` style text of a path."""
    if not path:
        return ""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class SourceIndex:
    """Lookups into one HelmRelease's values (plain) and its file (lines)."""

    def __init__(self, release: HelmRelease) -> None:
        self.release = release
        self.values: Mapping[str, Any] = release.values
        self.file = release.document.location.path
        data = release.document.data
        spec = data.get("spec") if isinstance(data, Mapping) else None
        self.document_values: Any = spec.get("values") if isinstance(spec, Mapping) else None

    dotted = staticmethod(dotted)

    def get(self, path: ValuesPath) -> Any:
        found, node = self._walk(path)
        return node if found else None

    def exists(self, path: ValuesPath) -> bool:
        return self._walk(path)[0]

    def _walk(self, path: ValuesPath) -> tuple[bool, Any]:
        """Whether `path` is in the values (a key holding null counts), and what is there."""
        node: Any = self.values
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return False, None
            elif not isinstance(node, Mapping) or part not in node:
                return False, None
            node = node[part]
        return True, node

    def first_existing(self, paths: Iterable[ValuesPath]) -> ValuesPath | None:
        return next((path for path in paths if self.exists(path)), None)

    def location_of(self, path: ValuesPath | None) -> SourceLocation:
        """Line of the deepest key of `path` found in the file (the release itself if none)."""
        fallback = self.release.document.location
        if not path or self.document_values is None:
            return fallback
        node: Any = self.document_values
        line_col: tuple[int, int] | None = None
        for part in path:
            try:
                # ruamel round-trip nodes carry `.lc` (line/column of keys and items).
                positions: Any = getattr(node, "lc", None)
                if isinstance(part, int) and isinstance(node, list):
                    line_col = positions.item(part)
                elif isinstance(part, str) and isinstance(node, Mapping) and part in node:
                    line_col = positions.key(part)
                else:
                    break
                node = node[part]
            except (AttributeError, KeyError, IndexError, TypeError):
                break
        if line_col is None:
            return fallback
        return SourceLocation(self.file, line_col[0] + 1, line_col[1] + 1)

    def controller_path(self, obj: Mapping[str, Any]) -> ValuesPath | None:
        """`controllers.<id>` of a rendered workload, when the values have it."""
        labels = (obj.get("metadata") or {}).get("labels") or {}
        controller = labels.get("app.kubernetes.io/controller")
        candidates: list[ValuesPath] = []
        if controller is not None:
            candidates.append(("controllers", str(controller)))
        name = (obj.get("metadata") or {}).get("name")
        if name is not None:
            candidates.append(("controllers", str(name)))
        return self.first_existing(candidates)

    def container_path(
        self, controller: ValuesPath | None, container_name: str
    ) -> ValuesPath | None:
        if controller is None:
            return None
        return self.first_existing([(*controller, "containers", container_name)])

    def env_path(self, container: ValuesPath | None, name: str) -> ValuesPath | None:
        """The values key of env var `name` (map form `env.NAME` or list form `env[i]`)."""
        if container is None:
            return None
        env = self.get((*container, "env"))
        if isinstance(env, Mapping) and name in env:
            return (*container, "env", name)
        if isinstance(env, list):
            for index, item in reversed(list(enumerate(env))):
                if isinstance(item, Mapping) and item.get("name") == name:
                    return (*container, "env", index)
        return None

    def pod_field_path(self, controller: ValuesPath | None, field: str) -> ValuesPath | None:
        """Where a pod-level field is set: the controller's `pod:` or `defaultPodOptions`."""
        candidates: list[ValuesPath] = []
        if controller is not None:
            candidates.append((*controller, "pod", field))
            candidates.append((*controller, field))
        candidates.append(("defaultPodOptions", field))
        return self.first_existing(candidates)
