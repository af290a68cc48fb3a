"""Flux semantics the load stage reproduces: postBuild substitution, valuesFrom, release names.

Sources (behaviour, not code): Flux kustomize-controller docs "Post build
variable substitution" and fluxcd/pkg/envsubst (a fork of drone/envsubst);
helm-controller docs "Release name", "Values references" and its
`ChartValuesFromReferences`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from appt2dispatch.errors import ReleaseError
from appt2dispatch.load.yamlio import read_documents_text, to_plain
from appt2dispatch.models import SourceLocation

RELEASE_NAME_MAX = 53
_SHORT_KEEP = 40
_SHORT_HASH = 12
DEFAULT_VALUES_KEY = "values.yaml"
SUBSTITUTE_DISABLED = "kustomize.toolkit.fluxcd.io/substitute"
VARIABLE_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")

# --- release naming ---------------------------------------------------------------


def release_name(name: str, target_namespace: str | None, explicit: str | None) -> str:
    """Helm release name Flux uses: spec.releaseName, else `[targetNamespace-]name`.

    A composed name over 53 characters is shortened the way helm-controller does:
    its first 40 characters, a dash, the first 12 hex digits of its SHA-256.
    """
    if explicit:
        if len(explicit) > RELEASE_NAME_MAX:
            raise ReleaseError(
                f"spec.releaseName {explicit!r} is longer than {RELEASE_NAME_MAX} characters"
            )
        return explicit
    composed = f"{target_namespace}-{name}" if target_namespace else name
    if len(composed) <= RELEASE_NAME_MAX:
        return composed
    digest = hashlib.sha256(composed.encode("utf-8")).hexdigest()
    return f"{composed[:_SHORT_KEEP]}-{digest[:_SHORT_HASH]}"


# --- postBuild substitution (envsubst) ----------------------------------------------


@dataclass(frozen=True)
class Substitution:
    """What Flux would substitute into a release's Kustomization output.

    `variables` are known values; `unknown` maps variable names whose value the
    tool cannot know to the reason (e.g. set from a parent Kustomization not in
    the tree). `origin` says where variables come from, for error messages.
    A variable used with a default (`${X:=d}`) takes the default even when a
    `missing` source might have set it: the tool cannot see that source.
    """

    variables: Mapping[str, str]
    unknown: Mapping[str, str]
    origin: str
    missing: tuple[str, ...] = ()
    """substituteFrom sources the tree does not have (or has encrypted)."""
    origins: Mapping[str, str] = field(default_factory=dict)
    """Where each variable's value came from (a file and key, `--substitute`)."""
    secret: frozenset[str] = frozenset()
    """Variables whose value came from a Secret: never shown."""


class SubstitutionError(Exception):
    """A substitution failed; `variable` names the culprit (None for syntax);
    `unset` says the variable has no value (strict mode)."""

    def __init__(
        self, message: str, variable: str | None, expression: str, *, unset: bool = False
    ) -> None:
        super().__init__(message)
        self.variable = variable
        self.expression = expression
        self.unset = unset


def check_variable_names(variables: Mapping[str, str], origin: str) -> None:
    """Flux refuses variable names that are not identifiers."""
    for name in variables:
        if not VARIABLE_NAME.fullmatch(name):
            raise ReleaseError(
                f"substitution variable {name!r} from {origin} is not a valid name"
                " (letters, digits and _; not starting with a digit)"
            )


def substitute_text(text: str, variables: Mapping[str, str], *, strict: bool = True) -> str:
    """`text` with `${var}` expressions expanded as Flux's envsubst does.

    `$$` is an escape for `$` (so `$${var}` yields `${var}`); `$var` without braces
    is left alone. Supported: `${var}`, `${var:=d}`, `${var=d}`, `${var:-d}`,
    `${var-d}` (defaults may nest), `${#var}`, `${var^}`, `${var^^}`, `${var,}`,
    `${var,,}`, `${var:offset}`, `${var:offset:length}`. Pattern operators
    (`#`, `%`, `/`) raise `SubstitutionError`, as does an unset variable without
    a default when `strict` (Flux's StrictPostBuildSubstitutions); non-strict
    turns it into an empty string, like Flux's default.
    """
    output, _ = _expand(text, 0, variables, strict, inside=False)
    return output


def _expand(
    text: str, position: int, variables: Mapping[str, str], strict: bool, *, inside: bool
) -> tuple[str, int]:
    """Expand from `position` to the end (or to the closing `}` when `inside`)."""
    parts: list[str] = []
    length = len(text)
    while position < length:
        char = text[position]
        if char == "$" and position + 1 < length and text[position + 1] == "$":
            parts.append("$")
            position += 2
        elif char == "$" and position + 1 < length and text[position + 1] == "{":
            value, position = _expression(text, position, variables, strict)
            parts.append(value)
        elif inside and char == "}":
            return "".join(parts), position
        else:
            parts.append(char)
            position += 1
    if inside:
        raise SubstitutionError("unclosed ${ expression", None, text)
    return "".join(parts), position


_DEFAULT_OPERATORS = (":=", ":-", "=", "-")
_CASE_OPERATORS = {"^^": str.upper, ",,": str.lower}


def _expression(
    text: str, start: int, variables: Mapping[str, str], strict: bool
) -> tuple[str, int]:
    """Evaluate the `${...}` at `start`; return its value and the index after `}`."""
    position = start + 2
    length_of = text.startswith("#", position)
    if length_of:
        position += 1
    match = re.compile(r"[_a-zA-Z0-9]+").match(text, position)
    if not match:
        raise SubstitutionError(
            f"bad substitution {_snippet(text, start)}", None, _snippet(text, start)
        )
    name = match.group(0)
    position = match.end()
    value = variables.get(name)
    if text.startswith("}", position):
        return _finish_plain(name, value, length_of, strict, text, start), position + 1
    if length_of:
        raise SubstitutionError(f"bad substitution {_snippet(text, start)}", name, name)
    for operator in _DEFAULT_OPERATORS:
        if text.startswith(operator, position):
            default, position = _expand(
                text, position + len(operator), variables, strict, inside=True
            )
            empty_counts = operator.startswith(":")
            unset = value is None or (empty_counts and value == "")
            return (default if unset else str(value)), position + 1
    for operator in ("^^", ",,", "^", ","):
        if text.startswith(operator + "}", position):
            resolved = _require(name, value, strict, text, start)
            if operator in _CASE_OPERATORS:
                result = _CASE_OPERATORS[operator](resolved)
            else:
                change = str.upper if operator == "^" else str.lower
                result = change(resolved[:1]) + resolved[1:]
            return result, position + len(operator) + 1
    if text.startswith(":", position):
        offset_match = re.compile(r":(-?[0-9]+)(?::([0-9]+))?}").match(text, position)
        if offset_match:
            resolved = _require(name, value, strict, text, start)
            offset = int(offset_match.group(1))
            chunk = resolved[offset:] if offset >= 0 else resolved[max(len(resolved) + offset, 0) :]
            if offset_match.group(2) is not None:
                chunk = chunk[: int(offset_match.group(2))]
            return chunk, offset_match.end()
    raise SubstitutionError(
        f"unsupported substitution {_snippet(text, start)} (pattern operators are not reproduced)",
        name,
        _snippet(text, start),
    )


def _finish_plain(
    name: str, value: str | None, length_of: bool, strict: bool, text: str, start: int
) -> str:
    resolved = _require(name, value, strict, text, start)
    return str(len(resolved)) if length_of else resolved


def _require(name: str, value: str | None, strict: bool, text: str, start: int) -> str:
    if value is None:
        if strict:
            raise SubstitutionError(
                f"variable {name} is not set", name, _snippet(text, start), unset=True
            )
        return ""
    return str(value)


def _snippet(text: str, start: int) -> str:
    end = text.find("}", start)
    return text[start : end + 1] if 0 <= end < start + 80 else text[start : start + 40]


# --- valuesFrom ------------------------------------------------------------------

ValuesSource = Callable[[str, str], tuple[Mapping[str, Any], SourceLocation] | None]
"""Look up (kind, name) -> (plain manifest, where it is) among the manifests the release sees."""


def merge_maps(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge as helm-controller's MergeMaps: maps merge, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_maps(current, value)
        else:
            merged[key] = value
    return merged


def compose_values(
    references: Any,
    inline: Mapping[str, Any],
    find_source: ValuesSource,
    where: SourceLocation,
) -> dict[str, Any]:
    """spec.valuesFrom in order, then spec.values on top (helm-controller's order).

    A `targetPath` reference sets one value at a dotted path, typed like
    `helm --set` unless quoted or `literal: true`. (The helm-controller docs say
    targetPath values win over inline values; its code merges inline values last,
    and the code is what runs.)
    """
    if references is None:
        return merge_maps({}, inline)
    if not isinstance(references, list):
        raise ReleaseError("spec.valuesFrom must be a list", where)
    result: dict[str, Any] = {}
    for number, reference in enumerate(references):
        if not isinstance(reference, Mapping):
            raise ReleaseError(f"spec.valuesFrom[{number}] must be a mapping", where)
        kind, name = reference.get("kind"), reference.get("name")
        if kind not in ("ConfigMap", "Secret") or not isinstance(name, str):
            raise ReleaseError(
                f"spec.valuesFrom[{number}] needs kind ConfigMap or Secret and a name", where
            )
        key = reference.get("valuesKey") or DEFAULT_VALUES_KEY
        optional = reference.get("optional") is True
        label = f"{kind} {name}"
        found = find_source(kind, name)
        if found is None:
            if optional:
                continue
            raise ReleaseError(
                f"spec.valuesFrom[{number}]: {label} is not beside the release (same file,"
                " same directory or the tree); add it or mark the reference optional",
                where,
            )
        manifest, source_where = found
        text = _source_value(manifest, kind, key, source_where)
        if text is None:
            if optional:
                continue
            raise ReleaseError(f"{label} has no key {key!r} for spec.valuesFrom", source_where)
        target = reference.get("targetPath")
        if target:
            quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
            literal = reference.get("literal") is True
            value = text if literal else text[1:-1] if quoted else _set_typed(text, label, where)
            set_path(result, str(target), value, where)
            continue
        result = merge_maps(result, parse_values(text, source_where))
    return merge_maps(result, inline)


def parse_values(text: str, where: SourceLocation) -> Mapping[str, Any]:
    """A values.yaml held in a ConfigMap/Secret key, as plain data (empty: no values)."""
    documents = read_documents_text(text, source=f"{where} (valuesFrom data)")
    if not documents:
        return {}
    plain = to_plain(documents[0].data)
    if len(documents) > 1 or not isinstance(plain, Mapping):
        raise ReleaseError("valuesFrom data is not one YAML mapping", where)
    return plain


def _source_value(
    manifest: Mapping[str, Any], kind: str, key: str, where: SourceLocation
) -> str | None:
    if kind == "Secret":
        string_data = manifest.get("stringData")
        if isinstance(string_data, Mapping) and key in string_data:
            return str(string_data[key])
        data = manifest.get("data")
        if isinstance(data, Mapping) and key in data:
            try:
                return base64.b64decode(str(data[key]), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise ReleaseError(
                    f"Secret data {key!r} is not base64 of UTF-8 text", where
                ) from None
        return None
    data = manifest.get("data")
    if isinstance(data, Mapping) and key in data:
        return str(data[key])
    return None


def _set_typed(text: str, label: str, where: SourceLocation) -> Any:
    """A `--set` value as Helm's strvals types it; its list/escape syntax is refused."""
    if any(char in text for char in ",{}[]\\"):
        raise ReleaseError(
            f"valuesFrom {label}: a targetPath value using Helm --set list/escape syntax is not"
            " reproduced; quote the value or set literal: true",
            where,
        )
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if text == "0":
        return 0
    if text and text[0] != "0" and re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    return text


def set_path(values: dict[str, Any], path: str, value: Any, where: SourceLocation) -> None:
    """Set `value` at a dotted `path` (`\\.` escapes a dot), creating mappings."""
    keys = [part.replace("\x00", ".") for part in path.replace("\\.", "\x00").split(".")]
    if any(not key or "[" in key for key in keys):
        raise ReleaseError(f"targetPath {path!r} is not a plain dotted path", where)
    node = values
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value
