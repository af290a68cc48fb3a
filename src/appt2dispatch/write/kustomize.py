"""Edit a kustomize `kustomization.yaml` in place: only the `resources` list changes.

The file is edited as text, not re-dumped: a new entry is inserted on the line
after the list's last entry, in that entry's indentation and dash style, so other
keys keep their indentation, comments after the list stay after it, and CRLF
files stay CRLF. A flow-style list (`resources: [a, b]`) is the one case dumped
again through ruamel (the entry cannot be added on a line of its own).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from appt2dispatch.errors import InputError
from appt2dispatch.models import SourceLocation


def add_resources(text: str, resources: Sequence[str], *, source: str) -> str:
    """Append `resources` to the `resources:` list unless already listed (in any spelling)."""
    from ruamel.yaml.comments import CommentedSeq

    document = _load(text, source)
    listed = document.get("resources")
    if listed is not None and not isinstance(listed, list):
        raise InputError("`resources` is not a list", SourceLocation(source))
    known = {_normalise(str(item)) for item in listed or []}
    added: list[str] = []
    for resource in resources:
        if _normalise(resource) not in known:
            added.append(resource)
            known.add(_normalise(resource))
    if not added:
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    if listed is None:
        ending = "" if text.endswith("\n") or not text else newline
        entries = "".join(f"  - {resource}{newline}" for resource in added)
        return f"{text}{ending}resources:{newline}{entries}"
    if isinstance(listed, CommentedSeq) and listed and not listed.fa.flow_style():
        return _insert_after_last(text, listed, added, newline)
    return _dumped(text, document, listed, added)


def _load(text: str, source: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML().load(text)
    except (YAMLError, ValueError) as exc:
        raise InputError(f"invalid YAML: {exc}", SourceLocation(source)) from exc
    if not isinstance(document, dict):
        raise InputError("not a kustomization (no mapping)", SourceLocation(source))
    return document


def _insert_after_last(text: str, listed: Any, added: list[str], newline: str) -> str:
    lines = text.splitlines(keepends=True)
    last_line, value_column = listed.lc.item(len(listed) - 1)
    template = lines[last_line]
    prefix = template[:value_column]  # `  - ` (or `- `): the dash and its indentation
    if prefix.strip() != "-":  # an entry not on its dash's line: use the plain form
        indent = len(template) - len(template.lstrip(" "))
        prefix = " " * indent + "- "
    if not template.endswith("\n"):
        lines[last_line] = template + newline
    new = [f"{prefix}{resource}{newline}" for resource in added]
    return "".join(lines[: last_line + 1] + new + lines[last_line + 1 :])


def _dumped(text: str, document: Any, listed: Any, added: list[str]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.explicit_start = text.lstrip().startswith("---")
    yaml.indent(mapping=2, sequence=4, offset=2)
    listed.extend(added)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _normalise(resource: str) -> str:
    return resource.removeprefix("./").rstrip("/")
