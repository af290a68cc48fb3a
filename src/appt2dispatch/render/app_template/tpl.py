"""Helm `tpl` for the few template forms app-template values use in practice.

Not a Go-template engine: an action must be exactly one of the known fields
(`.Release.Name`, `.Release.Namespace`, `.Release.Service`, `.Chart.Name`, with or
without a leading `$`), optionally with `{{-`/`-}}` whitespace trimming. Anything
else is refused by key path, because guessing would be a silent difference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appt2dispatch.render.app_template.values import join_path, refuse

_ACTION = re.compile(r"\{\{(-\s+)?(.*?)(\s+-)?\}\}", re.DOTALL)
_FIELD = re.compile(r"^\$?(\.[A-Za-z]+\.[A-Za-z]+)$")
# Plain scalars YAML would not read back as a string.
_SCALAR = re.compile(
    r"^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|no|on|off|"
    r"[-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+)$"
)


@dataclass(frozen=True)
class TemplateScope:
    """What `.Release` and `.Chart` resolve to during a render."""

    release_name: str
    namespace: str
    chart_name: str = "app-template"

    def lookup(self, field: str) -> str | None:
        return {
            ".Release.Name": self.release_name,
            ".Release.Namespace": self.namespace,
            ".Release.Service": "Helm",
            ".Chart.Name": self.chart_name,
        }.get(field)


def has_template(text: str) -> bool:
    return "{{" in text


def render_tpl(text: str, scope: TemplateScope, path: str) -> str:
    """Evaluate `text` like Helm's `tpl` would, or refuse naming `path`."""
    if "{{" not in text:
        return text
    pieces: list[str] = []
    position = 0
    trim_next = False
    for match in _ACTION.finditer(text):
        literal = text[position : match.start()]
        if trim_next:
            literal = literal.lstrip()
        if match.group(1):
            literal = literal.rstrip()
        pieces.append(literal)
        field_match = _FIELD.match(match.group(2).strip())
        value = scope.lookup(field_match.group(1)) if field_match else None
        if value is None:
            refuse(path, f"template action {match.group(0)!r} is outside the supported set")
        pieces.append(value)
        trim_next = bool(match.group(3))
        position = match.end()
    tail = text[position:]
    if trim_next:
        tail = tail.lstrip()
    if "{{" in tail:
        refuse(path, "unterminated template action")
    pieces.append(tail)
    return "".join(pieces)


def render_tree(value: Any, scope: TemplateScope, path: str) -> Any:
    """`tpl (toYaml x)` then `fromYaml`: every string in a structure is evaluated.

    Only safe when the rendered strings keep their YAML type; a rendered value that
    would re-read as another type (a number, a bool, null) is refused, and so are
    trimming actions, which would change the YAML around them.
    """
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and has_template(key):
                refuse(join_path(path, key), "templated keys are outside the built-in model")
            result[key] = render_tree(item, scope, join_path(path, key))
        return result
    if isinstance(value, list):
        return [render_tree(item, scope, join_path(path, i)) for i, item in enumerate(value)]
    if isinstance(value, str) and has_template(value):
        if "{{-" in value or "-}}" in value:
            # Trimming would eat the YAML text around the value (line breaks, indentation).
            refuse(path, "whitespace-trimming template actions inside YAML are not modelled")
        rendered = render_tpl(value, scope, path)
        # The values substituted are DNS names ("Helm", "app-template"): inside a block
        # or quoted scalar they change nothing but the text; only a plain scalar that
        # now reads as a number, bool or null would change type.
        if "\n" not in value and _SCALAR.match(rendered):
            refuse(path, "the rendered value would be re-read by YAML in a way the model skips")
        return rendered
    return value
