"""Keep Flux postBuild `${VAR}` text in rewritten files.

The proof runs on values after substitution, so the translated text holds the
substituted values (`dispatch.jory.dev` where the human wrote `${APP}.jory.dev`).
The caller translates the release a second time with every variable bound to a
placeholder (the "stand-in"). Wherever a string of the stand-in, placeholders
turned back into `${VAR}`, is a string Flux substitutes into exactly the proven
value at the same place, that text replaces the proven value's scalar in the
proven file, keeping its quoting style (a plain scalar in flow style gets
quoted). Everything else stays as proven, and the result is used only if Flux,
substituting it, sees the proven documents and values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appt2dispatch.errors import ReleaseError
from appt2dispatch.kube import leaves, plain_tree
from appt2dispatch.models import HelmRelease, OutputFile

PLACEHOLDER = "appt2dispatchvar{}x"  # a DNS label: a variable may be part of a name

_Edit = tuple[int, int, int, str]
# `${NAME}`, `${NAME:=default}`...: one level (a nested default is not kept by form).
_REFERENCE = re.compile(
    r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>[^${}]*)\}"
)  # line, column, length of the old scalar, new scalar


class _UnplaceableError(ValueError):
    """A value that came from a variable sits in a scalar this module cannot rewrite."""


def placeholders_for(variables: Mapping[str, str]) -> dict[str, str]:
    """A placeholder per variable name, for the stand-in translation."""
    return {name: PLACEHOLDER.format(i) for i, name in enumerate(sorted(variables))}


def variable_forms(data: Any) -> dict[str, str]:
    """Variable name -> the `${...}` text the release writes it as (`${MODEL:=qwen3-8b}`),
    for every variable its strings reference; `${NAME}` when written in several forms."""
    forms: dict[str, str] = {}
    for _, text in _strings(data, ()):
        for match in _REFERENCE.finditer(text):
            name = match.group("name")
            seen = forms.setdefault(name, match.group(0))
            if seen != match.group(0):
                forms[name] = "${" + name + "}"
    return forms


def check_variables_kept(release: HelmRelease, files: Sequence[OutputFile]) -> None:
    """Refuse (ReleaseError naming it) a `${VAR}` of the release's values that the rewritten
    HelmRelease no longer holds: written substituted, it would silently stop following
    the Flux variable (a value that must become a number, a list, a lane)."""
    from appt2dispatch.load.yamlio import locate

    spec = release.document.data.get("spec") if isinstance(release.document.data, Mapping) else {}
    values = spec.get("values") if isinstance(spec, Mapping) else None
    written = next((file.content for file in files if file.path == release.path), None)
    if values is None or written is None:
        return
    for keys, text in _strings(values, ("spec", "values")):
        for match in _REFERENCE.finditer(text):
            if match.group(0) not in written:
                dotted = ".".join(str(key) for key in keys[2:])
                raise ReleaseError(
                    f"postBuild variable {match.group(0)} in `{dotted}` cannot be kept in the "
                    "rewritten values (there it must become a number, a list or a lane, or is "
                    "rebuilt from several values); it would be written substituted. Write its "
                    "value in place of the variable, or migrate this release by hand",
                    locate(release.document, keys),
                )


def _strings(node: Any, keys: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], str]]:
    """The strings of `node` that reference a variable, with their keys."""
    return [(at, leaf) for at, leaf in leaves(node, keys) if isinstance(leaf, str) and "${" in leaf]


def keep_variables(
    release: HelmRelease,
    proven_values: Mapping[str, Any],
    proven: Sequence[OutputFile],
    stand_in: Sequence[OutputFile] | None,
    placeholders: Mapping[str, str],
    forms: Mapping[str, str] | None = None,
) -> list[OutputFile]:
    """`proven` files with `${VAR}` text put back where the stand-in shows it belongs.

    `stand_in` None: the release uses no variable; the proven files are only checked.
    Raises ReleaseError unless Flux, substituting the result, sees exactly the
    proven files and the proven values.
    """
    variables = dict(release.substitutions)
    files = list(proven)
    if stand_in is not None:
        # Files pair by path: a stand-in name may change which files are written (an
        # OCIRepository named by a variable no longer matches, so it is not patched).
        stand_in_at = {file.path: file for file in stand_in}
        for position, file in enumerate(files):
            kept = stand_in_at.get(file.path)
            if kept is None:
                continue
            try:
                content = _with_variables(
                    file.content, kept.content, placeholders, variables, forms or {}
                )
            except _UnplaceableError:
                raise _variables_lost(release) from None
            files[position] = OutputFile(file.path, content, file.original)
    views: dict[tuple[str, Path], list[Any]] = {}

    def view(text: str, path: Path) -> list[Any]:
        # A file the variables left as proven is parsed once, not twice: equal text
        # gives an equal view (or the same error, on the first call).
        if (text, path) not in views:
            views[text, path] = flux_view(text, variables, path)
        return views[text, path]

    for file, reference in zip(files, proven, strict=True):
        seen = view(file.content, file.path)
        if seen != view(reference.content, file.path):
            raise _variables_lost(release)
        if file.path == release.path:
            values = seen[release.document.index].get("spec", {}).get("values")
            if values != plain_tree(proven_values):
                raise _variables_lost(release)
    return files


def restore_variables(
    text: str, placeholders: Mapping[str, str], forms: Mapping[str, str] | None = None
) -> str:
    """`text` with each placeholder back to the `${VAR}` (or its `forms` text) it stood for."""
    for variable, placeholder in placeholders.items():
        text = text.replace(placeholder, (forms or {}).get(variable, "${" + variable + "}"))
    return text


def flux_view(text: str, variables: Mapping[str, str], source: Path) -> list[Any]:
    """Plain documents of `text` as Flux applies them, after postBuild substitution."""
    from appt2dispatch.load.flux import Substitution
    from appt2dispatch.load.postbuild import plain_unsubstituted, substituted_plain
    from appt2dispatch.load.yamlio import read_documents_text

    # Most files hold no `$` at all: no round-trip parse (the slow one) for them.
    unsubstituted = plain_unsubstituted(text, str(source))
    if unsubstituted is not None:
        return unsubstituted
    substitution = Substitution(dict(variables), {}, "the Flux Kustomization's postBuild")
    documents = read_documents_text(text, source=str(source), path=source)
    return [substituted_plain(document, substitution, text) for document in documents]


@dataclass(frozen=True)
class _Context:
    placeholders: Mapping[str, str]
    variables: Mapping[str, str]
    lines: list[str]
    forms: Mapping[str, str]


def _with_variables(
    proven: str,
    stand_in: str,
    placeholders: Mapping[str, str],
    variables: Mapping[str, str],
    forms: Mapping[str, str],
) -> str:
    from appt2dispatch.load.yamlio import read_documents_text

    proven_documents = read_documents_text(proven, source="the translated file")
    stand_in_documents = read_documents_text(stand_in, source="the stand-in translation")
    lines = proven.splitlines(keepends=True)
    context = _Context(placeholders, variables, lines, forms)
    edits: list[_Edit] = []
    for left, right in zip(proven_documents, stand_in_documents, strict=False):
        _collect(left.data, right.data, context, edits)
    for line, column, length, scalar in sorted(edits, reverse=True):
        text = lines[line]
        lines[line] = text[:column] + scalar + text[column + length :]
    return "".join(lines)


def _collect(proven: Any, stand_in: Any, context: _Context, edits: list[_Edit]) -> None:
    """Edits for every string of `proven` whose `stand_in` counterpart holds a placeholder."""
    if isinstance(proven, Mapping) and isinstance(stand_in, Mapping):
        positions: Any = proven.lc  # type: ignore[attr-defined]  # ruamel round-trip node
        pairs = [(key, positions.value(key)) for key in proven if key in stand_in]
        children = [(proven[key], stand_in[key], where) for key, where in pairs]
    elif isinstance(proven, list) and isinstance(stand_in, list):
        positions = proven.lc  # type: ignore[attr-defined]
        count = min(len(proven), len(stand_in))
        children = [(proven[i], stand_in[i], positions.item(i)) for i in range(count)]
    else:
        return
    flow = bool(proven.fa.flow_style())
    for left, right, (line, column) in children:
        if isinstance(left, str) and isinstance(right, str):
            restored = restore_variables(right, context.placeholders, context.forms)
            text = context.lines[line][column:]
            edit = _scalar_edit(left, restored, context.variables, text, flow)
            if edit is not None:
                edits.append((line, column, *edit))
        else:
            _collect(left, right, context, edits)


def _scalar_edit(
    value: str, restored: str, variables: Mapping[str, str], text: str, flow: bool
) -> tuple[int, str] | None:
    """(length of `value`'s scalar at the start of `text`, its replacement) or None."""
    from appt2dispatch.load.flux import SubstitutionError, substitute_text

    if "${" not in restored or restored == value:
        return None
    try:
        if substitute_text(restored, variables, strict=True) != value:
            return None
    except SubstitutionError:
        return None
    replacement = _replacement(value, restored, text, flow)
    if replacement is None:
        raise _UnplaceableError(value)
    return replacement


def _replacement(value: str, restored: str, text: str, flow: bool) -> tuple[int, str] | None:
    double = json.dumps(value, ensure_ascii=False)
    single = "'" + value.replace("'", "''") + "'"
    if text.startswith(double):
        return len(double), json.dumps(restored, ensure_ascii=False)
    if text.startswith(single):
        return len(single), "'" + restored.replace("'", "''") + "'"
    if text.startswith(value) and not value.startswith(("'", '"')):
        plain_ok = not flow and ": " not in restored and " #" not in restored
        return len(value), restored if plain_ok else json.dumps(restored, ensure_ascii=False)
    return None  # a block or folded scalar, or one behind a tag or anchor


def _variables_lost(release: HelmRelease) -> ReleaseError:
    names = ", ".join("${" + name + "}" for name in sorted(release.substitutions))
    return ReleaseError(
        f"cannot rewrite the HelmRelease keeping its postBuild variables ({names}) so that "
        "Flux still sees the proven values; migrate this release by hand",
        release.document.location,
    )
