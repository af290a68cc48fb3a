"""Flux postBuild substitution for a release: which variables, and applying them.

Which variables: with a tree, those of the Flux Kustomization that applies the
file, the caller's on top; none when that Kustomization has no postBuild (Flux
does no substitution then); without a tree, the caller's. Unset variables
without a default are an error (Flux's strict mode): an empty string would
silently change behaviour.

The variables a Flux Kustomization in the tree substitutes:

`spec.postBuild.substitute` wins over `substituteFrom` (later sources over
earlier ones), as Flux documents. The Flux Kustomization is itself applied by a
parent Kustomization that may substitute into it (`CLUSTER: ${CLUSTER}`): such
values are filled from the parent when the tree has it, and reported unknown
otherwise rather than passed on as the literal `${CLUSTER}`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedBase
from ruamel.yaml.error import YAMLError

from appt2dispatch.errors import InputError, ReleaseError
from appt2dispatch.load.flux import (
    SUBSTITUTE_DISABLED,
    Substitution,
    SubstitutionError,
    check_variable_names,
    substitute_text,
)
from appt2dispatch.load.tree import IndexedDocument, TreeIndex
from appt2dispatch.load.yamlio import new_round_trip_yaml, read_text, to_plain, yaml_error
from appt2dispatch.models import SourceLocation, YamlDocument

MAX_PARENT_DEPTH = 5


def kustomization_substitution(
    index: TreeIndex, kustomization: IndexedDocument, depth: int = 0
) -> Substitution | None:
    """What `kustomization` substitutes, or None when it has no postBuild (no substitution)."""
    spec = kustomization.data.get("spec")
    post_build = spec.get("postBuild") if isinstance(spec, Mapping) else None
    if not isinstance(post_build, Mapping):
        return None
    inline = post_build.get("substitute")
    sources = post_build.get("substituteFrom")
    if not inline and not sources:
        return None
    origin = f"Flux Kustomization {kustomization.name} ({kustomization.location})"
    variables: dict[str, str] = {}
    unknown: dict[str, str] = {}
    missing: list[str] = []
    for source in sources if isinstance(sources, list) else []:
        if not isinstance(source, Mapping):
            continue
        kind, name = str(source.get("kind", "")), str(source.get("name", ""))
        found = index.find_manifest(kind, name, kustomization.path)
        if found is None or "sops" in found.data:
            state = "not in the tree" if found is None else "SOPS-encrypted"
            optional = "optional " if source.get("optional") is True else ""
            missing.append(f"{optional}{kind} {name} (postBuild.substituteFrom, {state})")
            continue
        variables.update(_manifest_strings(found))
    parent = _parent_substitution(index, kustomization, depth)
    for key, raw in inline.items() if isinstance(inline, Mapping) else ():
        value = _as_string(raw)
        if "${" in value:
            if parent is None:
                unknown[str(key)] = (
                    f"{origin} sets it to {value!r}, which a parent Flux Kustomization not in"
                    " the tree substitutes"
                )
                continue
            try:
                value = substitute_text(value, parent.variables, strict=True)
            except SubstitutionError as error:
                unknown[str(key)] = f"{origin} sets it to {value!r} and {parent.origin}: {error}"
                continue
        variables[str(key)] = value
        unknown.pop(str(key), None)
    check_variable_names(variables, origin)
    return Substitution(variables, unknown, origin, tuple(missing))


def _parent_substitution(
    index: TreeIndex, kustomization: IndexedDocument, depth: int
) -> Substitution | None:
    if depth >= MAX_PARENT_DEPTH:
        return None
    parent = index.flux_kustomization_summary(kustomization.path)
    if parent is None or parent.key == kustomization.key:
        return None
    found = kustomization_substitution(index, parent, depth + 1)
    # A parent without postBuild leaves `${X}` as written: substitute nothing.
    return found or Substitution({}, {}, f"Flux Kustomization {parent.name}")


def _manifest_strings(manifest: IndexedDocument) -> dict[str, str]:
    values: dict[str, str] = {}
    data = manifest.data.get("data")
    if isinstance(data, Mapping):
        for key, value in data.items():
            if manifest.kind == "Secret":
                try:
                    values[str(key)] = base64.b64decode(str(value), validate=True).decode()
                except (binascii.Error, UnicodeDecodeError):
                    continue
            else:
                values[str(key)] = _as_string(value)
    string_data = manifest.data.get("stringData")
    if manifest.kind == "Secret" and isinstance(string_data, Mapping):
        values.update({str(key): _as_string(value) for key, value in string_data.items()})
    return values


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def release_substitution(
    document: YamlDocument,
    index: TreeIndex | None,
    kustomization: IndexedDocument | None,
    given: Mapping[str, str] | None,
) -> Substitution | None:
    if _substitution_disabled(document):
        return None
    if given is not None:
        check_variable_names(given, "--substitute")
    found = kustomization_substitution(index, kustomization) if index and kustomization else None
    if kustomization is not None and found is None and given is None:
        return None  # Flux substitutes only when postBuild defines something
    base = found or Substitution({}, {}, "")
    if given is None:
        return base
    return Substitution(
        variables={**base.variables, **given},
        unknown={k: v for k, v in base.unknown.items() if k not in given},
        origin=base.origin,
        missing=base.missing,
    )


def _substitution_disabled(document: YamlDocument) -> bool:
    metadata = document.data.get("metadata") if isinstance(document.data, Mapping) else None
    if not isinstance(metadata, Mapping):
        return False
    return any(
        isinstance(metadata.get(field), Mapping)
        and metadata[field].get(SUBSTITUTE_DISABLED) == "disabled"
        for field in ("labels", "annotations")
    )


def substituted_plain(
    document: YamlDocument, substitution: Substitution | None, raw_text: str | None
) -> dict[str, Any]:
    """Plain data of the document after Flux's substitution.

    Flux substitutes the text kustomize emits, which has no comments: the document
    is re-emitted without comments (quoting kept), substituted, and parsed again,
    so a value that changes type or structure does so as it would in Flux.
    """
    if substitution is None or not _mentions_dollar(document.data):
        return _as_mapping(to_plain(document.data), document)
    text = _comment_free_text(document.data)
    try:
        expanded = substitute_text(text, substitution.variables, strict=True)
    except SubstitutionError as error:
        raise _substitution_error(error, document, substitution, raw_text) from None
    try:
        data = new_round_trip_yaml().load(expanded)
    except (YAMLError, RecursionError) as error:
        problem = yaml_error(error, expanded, str(document.path)).message
        raise ReleaseError(
            f"after postBuild substitution the HelmRelease is not valid YAML ({problem})",
            document.location,
        ) from None
    return _as_mapping(to_plain(data), document)


def _substitution_error(
    error: SubstitutionError,
    document: YamlDocument,
    substitution: Substitution,
    raw_text: str | None,
) -> ReleaseError:
    name = error.variable
    location = _find_reference(document, name or error.expression, raw_text)
    if name is None or not error.unset:
        return ReleaseError(f"postBuild substitution: {error}", location)
    if name in substitution.unknown:
        reason = substitution.unknown[name]
    elif substitution.origin:
        reason = f"{substitution.origin} does not set it"
        if substitution.missing:
            reason += f"; it may come from {', '.join(substitution.missing)}"
    else:
        reason = "no --substitute value, and no Flux Kustomization in view"
    return ReleaseError(
        f"postBuild variable {name} has no value: {reason}; pass --substitute {name}=VALUE",
        location,
    )


def _find_reference(document: YamlDocument, needle: str, raw_text: str | None) -> SourceLocation:
    """Line of the first `${needle` in the document's own text (outside comments)."""
    try:
        text = raw_text if raw_text is not None else read_text(document.path)
    except InputError:
        return document.location
    start = (document.location.line or 1) - 1
    lines = text.splitlines()[start:]
    for patterns in ((f"${{{needle}", f"${{#{needle}"), (needle,)):
        for number, line in enumerate(lines, start=start + 1):
            code = "" if line.lstrip().startswith("#") else line.split(" #", 1)[0]
            for pattern in patterns:
                column = code.find(pattern)
                if column >= 0:
                    return SourceLocation(str(document.path), number, column + 1)
    return document.location


def _comment_free_text(data: Any) -> str:
    stripped = copy.deepcopy(data)
    pending, seen = [stripped], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CommentedBase):
            node.ca.comment = None
            node.ca.items.clear()
            node.ca.end = None
        if isinstance(node, Mapping):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    yaml = new_round_trip_yaml()
    yaml.width = 1 << 30  # never fold a long scalar: the text is parsed again
    buffer = io.StringIO()
    yaml.dump(stripped, buffer)
    return buffer.getvalue()


def _mentions_dollar(data: Any) -> bool:
    pending, seen = [data], set()
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            if "$" in node:
                return True
        elif id(node) not in seen:
            seen.add(id(node))
            if isinstance(node, Mapping):
                pending.extend(node.keys())
                pending.extend(node.values())
            elif isinstance(node, list):
                pending.extend(node)
    return False


def substitute_name(value: Any, substitution: Substitution | Mapping[str, str] | None) -> Any:
    """`value` as Flux would substitute it, for matching names; a string with an
    unknown variable is kept as written (never guessed, never emptied)."""
    if not isinstance(value, str) or substitution is None or "$" not in value:
        return value
    variables = substitution.variables if isinstance(substitution, Substitution) else substitution
    try:
        return substitute_text(value, variables, strict=True)
    except SubstitutionError:
        return value


def _as_mapping(plain: Any, document: YamlDocument) -> dict[str, Any]:
    if not isinstance(plain, dict):
        raise ReleaseError("the HelmRelease document is not a mapping", document.location)
    return plain
