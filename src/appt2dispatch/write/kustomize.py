"""Edit a kustomize `kustomization.yaml` in place, keeping the human's formatting."""

from __future__ import annotations

import io
from collections.abc import Sequence

from appt2dispatch.errors import InputError
from appt2dispatch.models import SourceLocation


def add_resources(text: str, resources: Sequence[str], *, source: str) -> str:
    """Append `resources` to the `resources:` list unless already listed (in any spelling)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.error import YAMLError

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.explicit_start = text.lstrip().startswith("---")
    yaml.indent(mapping=2, sequence=4, offset=2)
    try:
        document = yaml.load(text)
    except YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", SourceLocation(source)) from exc
    if not isinstance(document, dict):
        raise InputError("not a kustomization (no mapping)", SourceLocation(source))
    listed = document.get("resources")
    if listed is None:
        listed = CommentedSeq()
        document["resources"] = listed
    if not isinstance(listed, list):
        raise InputError("`resources` is not a list", SourceLocation(source))
    known = {_normalise(str(item)) for item in listed}
    changed = False
    for resource in resources:
        if _normalise(resource) not in known:
            listed.append(resource)
            known.add(_normalise(resource))
            changed = True
    if not changed:
        return text
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _normalise(resource: str) -> str:
    return resource.removeprefix("./").rstrip("/")
