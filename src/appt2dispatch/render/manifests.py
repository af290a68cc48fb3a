"""Multi-document manifest text <-> parsed objects (both sides use this)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from appt2dispatch.errors import InputError
from appt2dispatch.models import Rendered, SourceLocation


def parse_manifests(text: str, *, source: str) -> tuple[dict[str, Any], ...]:
    """Parse `helm template`/`helm get manifest` output; empty documents are skipped."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        documents = list(yaml.load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = (
            SourceLocation(source, mark.line + 1, mark.column + 1)
            if mark is not None
            else SourceLocation(source)
        )
        raise InputError(f"invalid YAML in manifests: {exc.problem or exc}", location) from exc
    except YAMLError as exc:
        raise InputError(f"invalid YAML in manifests: {exc}", SourceLocation(source)) from exc
    objects: list[dict[str, Any]] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        if not isinstance(document, dict) or "kind" not in document:
            raise InputError(
                f"document {index + 1} is not a Kubernetes object", SourceLocation(source)
            )
        objects.append(document)
    return tuple(objects)


def dump_objects(objects: Iterable[Mapping[str, Any]]) -> str:
    """Objects as multi-document YAML, each starting with `---`."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    buffer = io.StringIO()
    for obj in objects:
        buffer.write("---\n")
        yaml.dump(_plain(obj), buffer)
    return buffer.getvalue()


def dump_manifests(rendered: Rendered) -> str:
    """One side's manifests with a header saying what rendered them."""
    header = f"# Rendered by: {rendered.renderer}\n"
    notes = "".join(f"# Note: {note}\n" for note in rendered.notes)
    return header + notes + dump_objects(rendered.objects)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
