"""Fast plain reading of many files, for tree discovery.

Round-trip parsing is pure Python (comments need it) and costs ~10 ms for a
typical HelmRelease: a tree of a thousand would take seconds. Discovery only
needs plain data to index kinds and names, so it builds plain values straight
from the events of ruamel's C parser (`ruamel.yaml.clib`; ruamel falls back to
its pure parser when the extension is absent). The documents a caller actually
works on are parsed again, round-trip, by `yamlio`.

Plain values follow `yamlio.to_plain` semantics (YAML 1.2 core, YAML 1.1
booleans for unquoted scalars), with the same limits and error messages: a
file the fast parser rejects is re-read by the round-trip parser so the error
a user sees does not depend on which parser found it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from appt2dispatch.errors import InputError
from appt2dispatch.load.yamlio import (
    MAX_DEPTH,
    YAML11_BOOLEANS,
    check_expansion,
    check_text,
    fast_yaml,
    read_documents_text,
    to_plain,
)
from appt2dispatch.models import SourceLocation

_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_INT = re.compile(r"[-+]?[0-9][0-9_]*")
_HEX = re.compile(r"0x[0-9a-fA-F_]+")
_OCT = re.compile(r"0o[0-7_]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?")
_NON_STRING_STARTS = frozenset("0123456789+-.~nNyYtTfFoO")
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}


@dataclass(frozen=True)
class ScannedDocument:
    """One non-empty document as plain data, with where its root node starts (1-based)."""

    index: int
    line: int
    column: int
    data: Any
    has_aliases: bool = False


def scan_documents(text: str, *, source: str) -> list[ScannedDocument]:
    """Plain data of every non-empty document of `text`, fast."""
    text = check_text(text, source)
    try:
        documents = _Builder(source).build(parse_events(text))
        for document in documents:
            if document.has_aliases:  # without aliases the size is bounded by the text
                check_expansion(document.data, source)
    except (YAMLError, RecursionError, InputError):
        return _scan_round_trip(text, source)
    return documents


def parse_events(text: str) -> Iterator[Any]:
    """Parser events of `text` from libyaml directly when `ruamel.yaml.clib` is there.

    `YAML.parse` builds a loader class per call (and keeps a record of every stream
    it parsed): over a thousand files that costs more than the parsing.
    """
    events: Iterator[Any]
    try:
        from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # clib
    except ImportError:  # pragma: no cover - the pure parser, as ruamel itself falls back
        events = fast_yaml().parse(text)
        return events
    events = iter(CParser(text).get_event, None)
    return events


def resolve_plain_scalar(text: str) -> Any:
    """Value of an unquoted scalar: YAML 1.2 core, plus YAML 1.1 booleans."""
    if text and text[0] not in _NON_STRING_STARTS:
        return text
    if text in _NULLS:
        return None
    if text in YAML11_BOOLEANS:
        return YAML11_BOOLEANS[text]
    if _INT.fullmatch(text):
        return int(text.replace("_", ""))
    if _HEX.fullmatch(text):
        return int(text[2:].replace("_", ""), 16)
    if _OCT.fullmatch(text):
        return int(text[2:].replace("_", ""), 8)
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    return text


def _scan_round_trip(text: str, source: str) -> list[ScannedDocument]:
    """The slow path: the round-trip reader's verdict (and its error message)."""
    documents = read_documents_text(text, source=source)
    return [
        ScannedDocument(
            index=document.index,
            line=document.location.line or 1,
            column=document.location.column or 1,
            data=to_plain(document.data),
        )
        for document in documents
    ]


_NO_KEY = object()


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    key: Any = _NO_KEY
    merges: list[Any] = field(default_factory=list)


class _Builder:
    """Plain values from parser events, with an explicit stack (no recursion limit)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Any] = {}
        self.root: Any = None
        self.root_mark: tuple[int, int] = (1, 1)
        self.has_aliases = False

    def build(self, events: Any) -> list[ScannedDocument]:
        documents: list[ScannedDocument] = []
        index = -1
        stack = self.stack
        for event in events:
            kind = type(event)
            if kind is ScalarEvent:
                value = _scalar_value(event)
                if stack and not event.anchor:
                    # The common case inline (a list item, a key, a new string key's
                    # value); everything else goes through `_add`.
                    frame = stack[-1]
                    parent = frame.container
                    if isinstance(parent, list):
                        parent.append(value)
                        continue
                    key = frame.key
                    if key is _NO_KEY:
                        frame.key = value
                        continue
                    if type(key) is str and key != "<<" and key not in parent:
                        frame.key = _NO_KEY
                        parent[key] = value
                        continue
                self._add(value, event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                container: dict[str, Any] | list[Any] = {} if kind is MappingStartEvent else []
                if event.anchor:
                    self.anchors[event.anchor] = container
                if not self.stack:
                    self.root_mark = (event.start_mark.line + 1, event.start_mark.column + 1)
                self.stack.append(_Frame(container))
                if len(self.stack) > MAX_DEPTH:
                    raise InputError("nested too deep")  # the round-trip path words it
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = self.stack.pop()
                if frame.merges and isinstance(frame.container, dict):
                    _apply_merges(frame.container, frame.merges)
                self._add(frame.container, None)
            elif kind is AliasEvent:
                if event.anchor not in self.anchors:
                    raise InputError(f"undefined alias {event.anchor}")
                self.has_aliases = True
                self._add(self.anchors[event.anchor], None)
            elif kind is DocumentStartEvent:
                index += 1
                self.anchors = {}
                self.root = None
                self.has_aliases = False
            elif kind is DocumentEndEvent and self.root is not None:
                line, column = self.root_mark
                documents.append(ScannedDocument(index, line, column, self.root, self.has_aliases))
        return documents

    def _add(self, value: Any, event: Any) -> None:
        if event is not None and event.anchor:
            self.anchors[event.anchor] = value
        if not self.stack:
            self.root = value
            if event is not None:
                self.root_mark = (event.start_mark.line + 1, event.start_mark.column + 1)
            return
        frame = self.stack[-1]
        container = frame.container
        if isinstance(container, list):
            container.append(value)
            return
        if frame.key is _NO_KEY:
            frame.key = value
            return
        key, frame.key = frame.key, _NO_KEY
        if key == "<<" and isinstance(value, dict | list):
            frame.merges.append(value)
            return
        name = _key_string(key)
        if name in container:
            line = event.start_mark.line + 1 if event is not None else None
            raise InputError(f'duplicate key "{name}"', SourceLocation(self.source, line))
        container[name] = value


def _scalar_value(event: Any) -> Any:
    if event.tag == _STR_TAG or not event.implicit[0]:
        return event.value
    return resolve_plain_scalar(event.value)


def _key_string(key: Any) -> str:
    # sigs.k8s.io/yaml turns non-string keys into their JSON spelling.
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return key if isinstance(key, str) else str(key)


def _apply_merges(target: dict[str, Any], merges: list[Any]) -> None:
    # `<<` merges: explicit keys win, then earlier merged mappings over later ones.
    for merged in merges:
        for source in merged if isinstance(merged, list) else [merged]:
            if isinstance(source, dict):
                for key, value in source.items():
                    target.setdefault(key, value)
