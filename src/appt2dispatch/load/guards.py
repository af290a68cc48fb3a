"""Limits and error wording for YAML input: what keeps a hostile file cheap to refuse.

`yamlio` re-exports the limits; they live here so the guards and the fast reader
share them without import cycles.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from appt2dispatch.errors import InputError
from appt2dispatch.models import SourceLocation

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Files (and stdin) larger than this are refused: no real manifest comes close."""

MAX_EXPANDED_NODES = 250_000
"""Nodes a document may have once aliases are expanded (billion-laughs guard)."""

MAX_DEPTH = 100
"""Nesting levels a document may have: ruamel's pure scanner is quadratic in flow depth."""

MAX_INT_DIGITS = 20_000
"""Digits an integer may have. Python refuses more than 4,300 by default (str <-> int is
quadratic); real repositories hold longer ones, which are read. 20,000 converts in ms."""

if 0 < sys.get_int_max_str_digits() < MAX_INT_DIGITS:
    sys.set_int_max_str_digits(MAX_INT_DIGITS)

_LONG_INTEGER = re.compile(rf"[0-9_]{{{MAX_INT_DIGITS + 1},}}")
_DUPLICATE_KEY = re.compile(r'found duplicate key "(?P<key>.*)" with value', re.DOTALL)


@lru_cache(maxsize=1)
def fast_yaml() -> YAML:
    """ruamel's C-accelerated safe parser (`ruamel.yaml.clib`; pure Python without it)."""
    return YAML(typ="safe", pure=False)


def check_depth(text: str, source: str, limit: int = MAX_DEPTH) -> None:
    """Refuse documents nested deeper than `limit`, using the fast parser's events
    (streamed, so even an unterminated `[[[[...` is caught before the slow parser)."""
    depth = 0
    try:
        for event in fast_yaml().parse(text):
            kind = type(event)
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    raise InputError(
                        f"invalid YAML: nested deeper than {limit} levels",
                        at(source, mark.line + 1, mark.column + 1),
                    )
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                depth -= 1
    except (YAMLError, RecursionError):
        return  # malformed: the round-trip parser reports it in its own words


def yaml_error(error: BaseException, text: str, source: str) -> InputError:
    """One located line for any ruamel parse failure."""
    if isinstance(error, ValueError) and "digits" in str(error):
        found = _LONG_INTEGER.search(text)
        line, column = (None, None)
        if found is not None:
            line = text.count("\n", 0, found.start()) + 1
            column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        return InputError(
            f"invalid YAML: an integer has more than {MAX_INT_DIGITS} digits",
            at(source, line, column),
        )
    if isinstance(error, RecursionError):
        return InputError("invalid YAML: nesting too deep", at(source))
    if isinstance(error, ReaderError):
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        character = error.character
        code = ord(character) if isinstance(character, str) and len(character) == 1 else character
        shown = f"#x{code:04x}" if isinstance(code, int) else repr(code)
        return InputError(
            f"invalid YAML: unacceptable character {shown} ({error.reason})",
            at(source, line, column),
        )
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = _one_line(error.problem or error.context or "cannot parse")
        message = f"invalid YAML: {problem}"
        if error.context and error.problem and error.context_mark is not None:
            context_line = error.context_mark.line + 1
            context_column = error.context_mark.column + 1
            message += (
                f" ({_one_line(error.context)} that starts at line {context_line},"
                f" column {context_column})"
            )
        if mark is None:
            return InputError(message, at(source))
        return InputError(message, at(source, mark.line + 1, mark.column + 1))
    return InputError(f"invalid YAML: {_one_line(str(error))}", at(source))


def duplicate_key_error(error: DuplicateKeyError, text: str, source: str) -> InputError:
    """Name the duplicated key and both of its lines (ruamel only gives the second)."""
    match = _DUPLICATE_KEY.search(error.problem or "")
    key = match.group("key") if match else "?"
    mark = error.problem_mark
    first = _first_occurrence(text, error, key)
    again = f"line {mark.line + 1}" if mark is not None else "later"
    where = f"first at line {first}, again at {again}" if first else f"again at {again}"
    location = at(source, mark.line + 1, mark.column + 1) if mark is not None else at(source)
    return InputError(f'invalid YAML: duplicate key "{key}" ({where})', location)


def _first_occurrence(text: str, error: DuplicateKeyError, key: str) -> int | None:
    """1-based line of the first `key` in the mapping ruamel complained about."""
    context = error.context_mark
    if context is None:
        return None
    try:
        roots = list(YAML(typ="rt").compose_all(text))
    except (YAMLError, RecursionError):
        return None
    pending: list[Node] = [root for root in roots if root is not None]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            start = node.start_mark
            if start.line == context.line and start.column == context.column:
                lines = [
                    k.start_mark.line + 1
                    for k, _ in node.value
                    if isinstance(k, ScalarNode) and k.value == key
                ]
                if lines:
                    first: int = lines[0]
                    return first
            pending.extend(child for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            pending.extend(node.value)
    return None


def check_recursive_aliases(text: str, source: str) -> None:
    """Refuse an anchor that contains an alias to itself (ruamel would quietly build None)."""
    try:
        roots = [root for root in YAML(typ="rt").compose_all(text) if root is not None]
    except (YAMLError, RecursionError) as error:
        raise yaml_error(error, text, source) from None
    done: set[int] = set()
    for root in roots:
        # Iterative depth-first walk; `open_nodes` holds the current path from the root.
        open_nodes: set[int] = set()
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                open_nodes.discard(id(node))
                done.add(id(node))
                continue
            if id(node) in open_nodes:
                mark = node.start_mark
                raise InputError(
                    f"invalid YAML: anchor &{node.anchor} contains an alias to itself",
                    at(source, mark.line + 1, mark.column + 1),
                )
            if id(node) in done or isinstance(node, ScalarNode):
                continue
            open_nodes.add(id(node))
            stack.append((node, True))
            children = (
                [child for pair in node.value for child in pair]
                if isinstance(node, MappingNode)
                else list(node.value)
            )
            stack.extend((child, False) for child in children)


def check_expansion(data: Any, source: str, limit: int = MAX_EXPANDED_NODES) -> int:
    """Nodes `data` has with aliases expanded; refuse bombs and self-containing aliases.

    Aliases are shared objects after parsing, so the size is memoised per object:
    linear in the parsed graph even when the expansion is astronomically large.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size_of(node: Any) -> int:
        if not isinstance(node, Mapping | list | tuple):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise InputError("invalid YAML: an alias refers to a node that contains it", at(source))
        active.add(key)
        children: Iterable[Any] = (
            (item for pair in node.items() for item in pair) if isinstance(node, Mapping) else node
        )
        total = 1
        for child in children:
            total += size_of(child)
            if total > limit:
                raise InputError(
                    f"invalid YAML: aliases expand to more than {limit} nodes"
                    " (an alias bomb?); refusing to expand",
                    at(source),
                )
        active.discard(key)
        sizes[key] = total
        return total

    return size_of(data)


def at(source: str, line: int | None = None, column: int | None = None) -> SourceLocation:
    return SourceLocation(source, line, column)


def too_large(size: int) -> str:
    return f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for a manifest"


def _one_line(text: str) -> str:
    return " ".join(text.split())
