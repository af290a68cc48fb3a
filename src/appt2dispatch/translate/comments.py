"""Comments inside the HelmRelease's `spec.values`, and where they travel.

The file text gives the comment lines; ruamel's `.lc` gives the line of every
key, so a block of comment lines directly above a key belongs to that key, and
a comment after a value on the key's own line is that key's end-of-line comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appt2dispatch.models import HelmRelease, Note, SourceLocation
from appt2dispatch.translate.source import ValuesPath, dotted
from appt2dispatch.translate.values_doc import Entry, TargetPath

# Names a comment can mention: `$HOSTNAME`, `${HOSTNAME}` or an UPPER_SNAKE variable.
_SHELL_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_UPPER_SNAKE = re.compile(r"(?<![A-Za-z0-9_*])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_*])")


@dataclass(frozen=True)
class SourceComment:
    """A comment block of the values: `path` is the key it sits above (None: floating)."""

    path: ValuesPath | None
    lines: tuple[str, ...]
    location: SourceLocation


def collect_value_comments(release: HelmRelease) -> list[SourceComment]:
    """Every comment inside `spec.values` of the release's file, in file order."""
    data = release.document.data
    spec: Any = data.get("spec") if isinstance(data, Mapping) else None
    values = spec.get("values") if isinstance(spec, Mapping) else None
    if not isinstance(values, Mapping) or not hasattr(spec, "lc"):
        return []
    try:
        text = Path(release.document.location.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines = text.splitlines()
    values_line, values_col = spec.lc.key("values")
    key_lines: dict[int, ValuesPath] = {}
    eol: list[SourceComment] = []
    _index_keys(values, (), key_lines, eol, release.document.location.path)
    comments: list[SourceComment] = []
    block: list[tuple[int, str]] = []
    for number in range(values_line + 1, len(lines)):
        raw = lines[number]
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if stripped.startswith("#") and indent > values_col:
            block.append((number, _comment_text(stripped)))
            continue
        if stripped in ("---", "...") or (stripped and indent <= values_col):
            break
        if block:
            subject = key_lines.get(number) if stripped else None
            location = SourceLocation(release.document.location.path, block[0][0] + 1)
            comments.append(SourceComment(subject, tuple(t for _, t in block), location))
            block = []
    if block:
        location = SourceLocation(release.document.location.path, block[0][0] + 1)
        comments.append(SourceComment(None, tuple(t for _, t in block), location))
    return sorted([*comments, *eol], key=lambda c: c.location.line or 0)


def _comment_text(stripped: str) -> str:
    text = stripped[1:]
    return text[1:] if text.startswith(" ") else text


def _index_keys(
    node: Any,
    path: ValuesPath,
    key_lines: dict[int, ValuesPath],
    eol: list[SourceComment],
    file: str,
) -> None:
    """Line -> deepest values path starting there; end-of-line comments of scalar keys."""
    if isinstance(node, Mapping) and hasattr(node, "lc"):
        for key in node:
            if key not in node.lc.data:  # merged in by `<<:`: its line is the anchor's
                continue
            line = node.lc.key(key)[0]
            child = (*path, str(key))
            key_lines[line] = child
            _collect_eol(node, key, line, child, eol, file, slot=2)
            _index_keys(node[key], child, key_lines, eol, file)
    elif isinstance(node, list) and hasattr(node, "lc"):
        for index, item in enumerate(node):
            line = node.lc.item(index)[0]
            child = (*path, index)
            key_lines.setdefault(line, child)
            _collect_eol(node, index, line, child, eol, file, slot=0)
            _index_keys(item, child, key_lines, eol, file)


def _collect_eol(
    node: Any,
    key: Any,
    line: int,
    path: ValuesPath,
    eol: list[SourceComment],
    file: str,
    slot: int,
) -> None:
    tokens = getattr(node, "ca", None) and node.ca.items.get(key)
    if not tokens or len(tokens) <= slot or tokens[slot] is None:
        return
    token = tokens[slot]
    value = str(getattr(token, "value", ""))
    mark = getattr(token, "start_mark", None)
    if value.startswith("#") and mark is not None and mark.line == line:
        text = _comment_text(value.split("\n", 1)[0].strip())
        eol.append(SourceComment(path, (text,), SourceLocation(file, line + 1, mark.column + 1)))


@dataclass(frozen=True)
class EnvContext:
    """What the old pod's env looked like, to spot comments whose subject is gone."""

    env_names: frozenset[str]
    env_paths: Mapping[ValuesPath, str]  # values path of an env entry -> variable name


def route_comments(
    comments: Iterable[SourceComment],
    entries: Iterable[Entry],
    env: EnvContext,
) -> tuple[dict[TargetPath | tuple[str | int, ...], list[str]], list[Note]]:
    """Target path -> comment lines for the values file; the rest as notes."""
    claims: list[tuple[ValuesPath, Entry]] = [
        (source, entry) for entry in entries for source in entry.sources
    ]
    placed: dict[TargetPath | tuple[str | int, ...], list[str]] = {}
    notes: list[Note] = []
    for comment in comments:
        text = " / ".join(line for line in comment.lines if line.strip())
        if comment.path is None:
            notes.append(_kept_note(comment, text, "it is not directly above a key"))
            continue
        orphan_of = _names_a_missing_variable(comment, env)
        if orphan_of is not None:
            notes.append(_kept_note(comment, text, orphan_of))
            continue
        target = _target_of(comment.path, claims)
        if target is None:
            notes.append(
                _kept_note(
                    comment,
                    text,
                    f"{dotted(comment.path)} has no entry of its own in the translated values",
                )
            )
            continue
        placed.setdefault(target, []).extend(comment.lines)
        notes.append(
            Note(
                f"comment above {dotted(comment.path)} moved above {dotted(target)}",
                comment.location,
            )
        )
    return placed, notes


def _target_of(
    path: ValuesPath, claims: Sequence[tuple[ValuesPath, Entry]]
) -> tuple[str | int, ...] | None:
    """The entry claiming the longest prefix of `path`, extended by the rest of `path`."""
    best: tuple[ValuesPath, Entry] | None = None
    for source, entry in claims:
        if path[: len(source)] == source and (best is None or len(source) > len(best[0])):
            best = (source, entry)
    if best is None:
        return None
    source, entry = best
    rest = path[len(source) :]
    if rest and not isinstance(entry.value, Mapping | list):
        rest = ()
    return (*entry.path, *rest)


def _names_a_missing_variable(comment: SourceComment, env: EnvContext) -> str | None:
    """Why a comment above an env var seems to describe another variable that is gone.

    The corpus has one: a comment explaining `HOSTNAME: 0.0.0.0` stayed behind when the
    variable was removed and now sits above DISPATCH_EXCLUDED_LABELS.
    """
    assert comment.path is not None
    own = env.env_paths.get(comment.path)
    if own is None:
        return None
    text = "\n".join(comment.lines)
    mentioned = set(_SHELL_REFERENCE.findall(text)) | set(_UPPER_SNAKE.findall(text))
    if not mentioned or own in mentioned or mentioned & env.env_names:
        return None
    missing = ", ".join(sorted(mentioned))
    return f"it names {missing}, which the old pod does not set, not {own} below it"


def _kept_note(comment: SourceComment, text: str, why: str) -> Note:
    """The comment is not written into the translated values; its text survives in this note."""
    return Note(
        f"comment dropped from the translated values ({why}); it read: # {text}",
        comment.location,
        "dropped",
    )
