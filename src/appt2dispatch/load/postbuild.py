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


def kustomization_substitution(
    index: TreeIndex, kustomization: IndexedDocument
) -> Substitution | None:
    """What `kustomization` substitutes as Flux applies it (see `fluxbuild`), or None
    when it has no postBuild (no substitution)."""
    from appt2dispatch.load.fluxbuild import built_kustomization

    variables = built_kustomization(index, kustomization).variables
    if variables is None:
        return None
    origin = f"Flux Kustomization {kustomization.name} ({kustomization.location})"
    check_variable_names(variables.values, origin)
    return Substitution(
        dict(variables.values),
        dict(variables.unknown),
        origin,
        variables.missing,
        origins=dict(variables.origins),
        secret=variables.secret,
    )


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
    try:
        found = (
            kustomization_substitution(index, kustomization) if index and kustomization else None
        )
    except ReleaseError:
        # The build that emits the Flux Kustomization is refused: its variables are
        # unknown. That matters only when the release uses one and --substitute
        # does not give them all.
        if given is None and _mentions_dollar(document.data):
            raise
        found = None
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
        origins={**base.origins, **dict.fromkeys(given, "--substitute")},
        secret=base.secret - set(given),
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
    fast = _fast_plain(expanded, str(document.path))
    if fast is not None:
        return _as_mapping(fast, document)
    try:
        data = new_round_trip_yaml().load(expanded)
    except (YAMLError, RecursionError) as error:
        problem = yaml_error(error, expanded, str(document.path)).message
        raise ReleaseError(
            f"after postBuild substitution the HelmRelease is not valid YAML ({problem})",
            document.location,
        ) from None
    return _as_mapping(to_plain(data), document)


def _fast_plain(text: str, source: str) -> Any | None:
    """Plain data of the one document of `text` through libyaml (quickload agrees with
    the round-trip reader's plain data); None whenever it might not, or on any error:
    the round-trip reader then decides, and words the error. Tabs are left to it (its
    scanner refuses some that libyaml reads)."""
    if "\t" in text:
        return None
    from appt2dispatch.load.quickload import scan_documents

    try:
        documents = scan_documents(text, source=source)
    except (InputError, YAMLError, RecursionError, ValueError):
        return None
    if len(documents) != 1 or documents[0].index != 0:
        return None
    return documents[0].data


def plain_unsubstituted(text: str, source: str) -> list[dict[str, Any]] | None:
    """Plain documents of `text` when Flux's substitution cannot change them (no string
    of theirs holds a `$`), read through libyaml as `_fast_plain` reads; None whenever
    it might change them or the fast read might disagree: the round-trip path decides
    (and words any error). Tabs, escapes and aliases, which only that path checks in
    full, are left to it."""
    if "\t" in text or "\\" in text or ("&" in text and "*" in text):
        return None
    from appt2dispatch.load.quickload import scan_documents

    try:
        documents = scan_documents(text, source=source)
    except (InputError, YAMLError, RecursionError, ValueError):
        return None
    data = [document.data for document in documents]
    if any(not isinstance(item, dict) or _mentions_dollar(item) for item in data):
        return None
    return data


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
