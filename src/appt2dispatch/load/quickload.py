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


_ABSENT = object()  # spec.path not written: Flux applies the source's root
_UNKNOWN = object()  # an alias, merge key or complex key decides it: only a full parse can tell
_PENDING = object()  # nothing to say yet
# A line starting a document: split before it. A line ending one.
_DOCUMENT_START = re.compile(r"^(?=---(?:[ \t\r\n]|$))", re.MULTILINE)
_DOCUMENT_END = re.compile(r"^\.\.\.(?:[ \t\r\n]|$)", re.MULTILINE)
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def spec_paths(text: str) -> list[Any] | None:
    """The spec.path of each document of `text` that may be a Kustomization (None where
    not written), read from libyaml's events without building the documents; None
    when it cannot tell (aliases, merge keys, complex keys, a parse error), and then
    only the full parse can. The Flux Kustomization lookup by directory asks this of
    every file that may hold one and parses only those whose spec.path may be it.

    Each document is read on its own, up to its spec.path: YAML forbids a document
    marker at column 0 inside a scalar, so the markers split the text exactly (a
    directive could change how tags resolve: then the text is read whole).
    """
    chunks = [text] if _DIRECTIVE.search(text) else _DOCUMENT_START.split(text)
    found: list[Any] = []
    for chunk in chunks:
        probe = _SpecPathProbe()
        # After a "..." line another document may follow without "---": read it all.
        may_stop = not _DOCUMENT_END.search(chunk)
        try:
            for event in parse_events(chunk):
                verdict = probe.feed(event)
                if verdict is _PENDING:
                    continue
                if verdict is _UNKNOWN:
                    return None
                found.append(None if verdict is _ABSENT else verdict)
                if probe.done and may_stop:
                    break  # this document's spec.path is known: the rest is not needed
        except (YAMLError, RecursionError):
            return None
    return found


@dataclass
class _Level:
    """A mapping the probe follows (the root, or spec): keys and values alternate."""

    depth: int
    expect_key: bool = True
    key: Any = None
    merged: bool = False


class _SpecPathProbe:
    """Follows a document's root mapping (kind, spec) and its spec mapping (path).
    `feed` says, once per document that may be a Kustomization, what its spec.path
    is: a value as soon as one is read (an explicit key wins over merged ones), else
    at the document's end `_ABSENT` or `_UNKNOWN`; `_PENDING` otherwise."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.depth = 0
        self.root: _Level | None = None
        self.spec: _Level | None = None
        self.spec_seen: Any = _ABSENT  # _ABSENT, _UNKNOWN, "mapping" or "other"
        self.kind: Any = _ABSENT
        self.spec_merged = False
        self.done = False

    def feed(self, event: Any) -> Any:
        kind = type(event)
        if kind is DocumentStartEvent:
            self._reset()
            return _PENDING
        if kind is DocumentEndEvent:
            return _PENDING if self.done else self._at_end()
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            self.depth -= 1
            if self.spec is not None and self.depth < self.spec.depth:
                self.spec = None
            return _PENDING
        collection = kind is MappingStartEvent or kind is SequenceStartEvent
        level = self._level()
        verdict = _PENDING
        if level is not None and not self.done:
            verdict = self._node(level, kind, event)
        elif self.depth == 0 and kind is MappingStartEvent:
            self.root = _Level(depth=1)
        if collection:
            self.depth += 1
        return verdict

    def _level(self) -> _Level | None:
        if self.spec is not None and self.depth == self.spec.depth:
            return self.spec
        if self.root is not None and self.depth == self.root.depth:
            return self.root
        return None

    def _node(self, level: _Level, kind: type, event: Any) -> Any:
        in_spec = level is self.spec
        if level.expect_key:
            level.expect_key = False
            level.key = _key_string(_scalar_value(event)) if kind is ScalarEvent else _UNKNOWN
            if level.key == "<<":
                level.merged = True
                self.spec_merged = self.spec_merged or in_spec
            elif level.key is _UNKNOWN:  # a complex key: may be either
                if in_spec:
                    self.done = True
                    return _UNKNOWN
                self.spec_seen = _UNKNOWN
            return _PENDING
        level.expect_key = True
        key = level.key
        if in_spec and key == "path":
            self.done = True
            if kind is ScalarEvent:
                return _scalar_value(event)
            return _UNKNOWN  # an alias, or a collection
        if not in_spec and key == "kind":
            self.kind = _scalar_value(event) if kind is ScalarEvent else _UNKNOWN
        elif not in_spec and key == "spec" and self.spec_seen is _ABSENT:
            if kind is MappingStartEvent:
                self.spec_seen = "mapping"
                self.spec = _Level(depth=self.depth + 1)
            else:
                self.spec_seen = _UNKNOWN if kind is AliasEvent else "other"
        return _PENDING

    def _at_end(self) -> Any:
        if self.root is None:
            return _PENDING
        merged = self.root.merged  # a merged mapping may supply what is not written
        kind_known = self.kind is not _UNKNOWN and not (self.kind is _ABSENT and merged)
        if kind_known and self.kind != "Kustomization":
            return _PENDING
        if self.spec_seen is _UNKNOWN or (self.spec_seen is _ABSENT and merged):
            return _UNKNOWN
        if self.spec_seen == "mapping" and self.spec_merged:
            return _UNKNOWN
        return _ABSENT
