"""Reading YAML the way a hostile or broken file cannot hurt: bounded, located errors.

Everything here turns ruamel's exceptions into one-line `InputError`s carrying a
1-based `SourceLocation`, and refuses what would cost unbounded time or memory
(huge files, alias bombs, runaway nesting).

Scalar semantics (`to_plain`): ruamel parses YAML 1.2, but what Flux and Helm
see went through sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 rules): an unquoted
`on`, `yes`, `y`, `off`, `no`, `n` (any of their capitalisations) is a boolean
there. `to_plain` follows the cluster, not the spec: plain (unquoted) scalars
with those spellings become booleans, quoted ones stay strings. Integers,
floats and nulls follow YAML 1.2 core; timestamps stay strings as written.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.scanner import ScannerError

from appt2dispatch.errors import InputError
from appt2dispatch.load.guards import (
    MAX_DEPTH,
    MAX_EXPANDED_NODES,
    MAX_FILE_BYTES,
    at,
    check_depth,
    check_expansion,
    check_recursive_aliases,
    duplicate_key_error,
    fast_yaml,
    too_large,
    yaml_error,
)
from appt2dispatch.models import SourceLocation, YamlDocument

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_FILE_BYTES",
    "YAML11_BOOLEANS",
    "check_expansion",
    "check_scalars",
    "check_text",
    "decode_bytes",
    "fast_yaml",
    "line_of",
    "locate",
    "new_round_trip_yaml",
    "node_location",
    "read_documents",
    "read_documents_text",
    "read_stream",
    "read_text",
    "to_plain",
    "yaml_error",
]

# go-yaml v2 (what sigs.k8s.io/yaml uses) resolves these plain scalars to booleans.
YAML11_BOOLEANS: Mapping[str, bool] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}

_STREAM_TOO_LARGE = f"input is over the {MAX_FILE_BYTES}-byte limit for a manifest"
_SURROGATE = re.compile("[\ud800-\udfff]")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def new_round_trip_yaml() -> YAML:
    """The one round-trip configuration: comments, order and quoting are kept."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    return yaml


def read_documents(path: Path) -> list[YamlDocument]:
    """Every non-empty document of the YAML file at `path`, as round-trip data."""
    return read_documents_text(read_text(path), source=str(path), path=path)


def read_documents_text(text: str, *, source: str, path: Path | None = None) -> list[YamlDocument]:
    """Every non-empty document of `text` (e.g. stdin); `source` names it in errors."""
    text = check_text(text, source)
    check_depth(text, source)
    try:
        loaded, _, read = load_all_round_trip(text)
    except DuplicateKeyError as error:
        raise duplicate_key_error(error, text, source) from None
    except (YAMLError, RecursionError) as error:
        raise yaml_error(error, text, source) from None
    except ValueError as error:  # an integer past guards.MAX_INT_DIGITS
        raise yaml_error(error, text, source) from None
    if "&" in text and "*" in text:
        check_recursive_aliases(read, source)
    documents = []
    for index, data in enumerate(loaded):
        if data is None:
            continue  # an empty document (comments only, or a trailing `---`)
        check_expansion(data, source)
        if "\\u" in text or "\\U" in text:
            check_scalars(data, source)
        documents.append(
            YamlDocument(
                path=path if path is not None else Path(source),
                index=index,
                data=data,
                location=node_location(data, source),
            )
        )
    return documents


MAX_TAB_REPAIRS = 50
"""Tabs before a comment or after a value that the round-trip scanner rejects (YAML allows
them; ruamel's safe reader reads them) are read as spaces, up to this many per file."""


def load_all_round_trip(text: str) -> tuple[list[Any], list[int], str]:
    """Round-trip documents of `text`, the lines (1-based) of tabs read as spaces, and the
    text as read (those tabs spaces).

    ruamel's round-trip scanner refuses a tab in the white space before a comment
    or after a plain value, which YAML allows: such a tab is read as one space (so
    every column stays where it was) and the load is retried.
    """
    try:
        return list(new_round_trip_yaml().load_all(text)), [], text
    except ScannerError as error:
        if _rejected_tab(error, text) is None:
            raise
    # Every such tab at once, kept when the result reads as the safe reader reads the
    # original (a tab inside a block scalar is content: then one at a time below).
    spaced = _TAB_BEFORE_COMMENT.sub(lambda m: " " * len(m.group()), text)
    try:
        loaded = list(new_round_trip_yaml().load_all(spaced))
        if loaded == list(fast_yaml().load_all(text)):
            lines = {text.count("\n", 0, m.start()) + 1 for m in _TAB_BEFORE_COMMENT.finditer(text)}
            return loaded, sorted(lines), spaced
    except (YAMLError, ValueError):
        pass
    repaired: list[int] = []
    while True:
        try:
            return list(new_round_trip_yaml().load_all(text)), repaired, text
        except ScannerError as error:
            start = _rejected_tab(error, text)
            if start is None or len(repaired) >= MAX_TAB_REPAIRS:
                raise
            end = start
            while end < len(text) and text[end] in " \t":
                end += 1
            text = text[:start] + " " * (end - start) + text[end:]
            repaired.append(text.count("\n", 0, start) + 1)


_TAB_BEFORE_COMMENT = re.compile(r"(?<=\S)[ ]*\t[ \t]*(?=#|\r?$)", re.M)


def tab_lines(text: str) -> list[int]:
    """Lines where a tab the round-trip writer cannot reproduce was read (see above)."""
    try:
        return load_all_round_trip(text)[1]
    except (YAMLError, ValueError, RecursionError):
        return []


def _rejected_tab(error: ScannerError, text: str) -> int | None:
    """Where the white-space run holding the rejected tab starts, when only a comment
    or the end of the line follows it."""
    mark = error.problem_mark
    if mark is None or "'\\t'" not in str(error.problem):
        return None
    index = mark.index
    if not (0 <= index < len(text)) or text[index] != "\t":
        return None
    start = index
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    end = index
    while end < len(text) and text[end] in " \t":
        end += 1
    if start == 0 or text[start - 1] == "\n":
        return None  # indentation: a tab there is an error indeed
    rest = text[end : end + 1]
    return start if rest in ("", "\n", "\r", "#") else None


def check_scalars(data: Any, source: str) -> None:
    """Refuse a `"\\ud800"` escape at its key's line: ruamel accepts UTF-16 surrogates,
    go-yaml (Flux) does not. Only an escape can produce one: decoded text has none."""
    seen: set[int] = set()
    pending: list[Any] = [data]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        items: list[tuple[Any, Any]] = []
        if isinstance(node, Mapping):
            items = [(key, key) for key in node] + [(node[key], key) for key in node]
        elif isinstance(node, list):
            items = [(item, index) for index, item in enumerate(node)]
        for child, key in items:
            found = _SURROGATE.search(child) if isinstance(child, str) else None
            if found is not None:
                raise InputError(
                    f"invalid YAML: the escape \\u{ord(found.group()):04x} is a UTF-16"
                    " surrogate, not a character (Flux's YAML parser rejects it)",
                    line_of(node, key, source),
                )
            if isinstance(child, Mapping | list):
                pending.append(child)


def read_stream(stream: BinaryIO, source: str) -> str:
    """Text of a byte stream such as stdin, with a file's checks (size, binary, UTF-8).

    Reads at most one byte past the limit: `yes | appt2dispatch diff -` ends quickly.
    """
    try:
        data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", at(source)) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(_STREAM_TOO_LARGE, at(source))
    return decode_bytes(data, source)


def read_text(path: Path) -> str:
    """The file's text, refused with one clear line when it cannot be YAML."""
    where = SourceLocation(str(path))
    try:
        if path.is_dir():
            raise InputError("is a directory, expected a YAML file", where)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(too_large(size), where)
    except OSError as error:
        raise _read_error(error, where) from None
    return read_checked_text(path)


def read_checked_text(path: Path) -> str:
    """`read_text` for a path the caller has already found to be a regular file within
    the size limit (tree discovery stats every file once: no second stat per file)."""
    where = SourceLocation(str(path))
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit: pipes and devices report no size.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _read_error(error, where) from None
    if len(data) > MAX_FILE_BYTES:  # a device or pipe: its size was not known up front
        raise InputError(_STREAM_TOO_LARGE, where)
    return decode_bytes(data, str(path))


def _read_error(error: OSError, where: SourceLocation) -> InputError:
    if isinstance(error, FileNotFoundError):
        return InputError("no such file", where)
    if isinstance(error, PermissionError):
        return InputError("permission denied", where)
    if isinstance(error, IsADirectoryError):
        return InputError("is a directory, expected a YAML file", where)
    return InputError(f"cannot read: {error.strerror or error}", where)


def decode_bytes(data: bytes, source: str) -> str:
    """UTF-8 text of `data` without a BOM; binary and other encodings are refused."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    elif data.startswith(_UTF16_BOMS):
        raise InputError("UTF-16 text is not supported: save the file as UTF-8", at(source, 1, 1))
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(data, nul)
        raise InputError(
            f"binary content (NUL byte at byte offset {nul}), not YAML", at(source, line, column)
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _byte_position(data, error.start)
        raise InputError(
            f"not UTF-8: invalid byte 0x{data[error.start]:02x} at byte offset {error.start}",
            at(source, line, column),
        ) from None


def check_text(text: str, source: str) -> str:
    """`text` without a BOM, refused when too large or binary (stdin gets the file checks)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > MAX_FILE_BYTES // 4:  # cheap first: 4 bytes per character at most
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_FILE_BYTES:
            raise InputError(too_large(size), at(source))
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _text_position(text, nul)
        raise InputError(
            f"binary content (NUL character at offset {nul}), not YAML", at(source, line, column)
        )
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        # Python decodes undecodable stdin bytes to lone surrogates (surrogateescape).
        offset = surrogate.start()
        code = ord(surrogate.group())
        what = f"invalid byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "surrogate"
        line, column = _text_position(text, offset)
        raise InputError(f"not UTF-8: {what} at offset {offset}", at(source, line, column))
    return text


def _text_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def to_plain(node: Any) -> Any:
    """Plain dict/list/str/int/float/bool/None, as Flux and Helm would see the value.

    Expects round-trip data from this module (quotes preserved): an unquoted YAML 1.1
    boolean spelling becomes a bool, a quoted one stays a string (see module doc).
    Keys are strings, as sigs.k8s.io/yaml makes them.
    """
    check_expansion(node, "<data>")
    return _plain(node)


def _plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {_plain_key(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, ScalarString):
        return str(node)
    if isinstance(node, str):
        return YAML11_BOOLEANS.get(node, node) if type(node) is str else str(node)
    if isinstance(node, datetime.date):
        return node.isoformat()
    if isinstance(node, bytes):
        return node.decode("utf-8", "replace")
    value = getattr(node, "value", None)  # ruamel TaggedScalar (`!custom text`)
    if isinstance(value, str):
        return value
    return str(node)


def _plain_key(key: Any) -> str:
    plain = _plain(key)
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if plain is None:
        return "null"
    return plain if isinstance(plain, str) else str(plain)


def node_location(node: Any, source: str | Path) -> SourceLocation:
    """Where a round-trip mapping or sequence starts (1-based); path only otherwise."""
    lc = getattr(node, "lc", None)
    if isinstance(node, CommentedMap | CommentedSeq) and lc is not None and lc.line is not None:
        return SourceLocation(str(source), lc.line + 1, lc.col + 1)
    return SourceLocation(str(source))


def line_of(node: Any, key: Hashable, path: str | Path = "") -> SourceLocation:
    """1-based location of `key` in a round-trip mapping (or index in a sequence).

    Falls back to where `node` starts when the key is absent. Pass the file's
    path; `locate()` does it for a whole document.
    """
    lc = getattr(node, "lc", None)
    if lc is not None:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line, column = lc.key(key)
                return SourceLocation(str(path), line + 1, column + 1)
            if isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line, column = lc.item(key)
                return SourceLocation(str(path), line + 1, column + 1)
        except (KeyError, IndexError, TypeError):
            pass
    return node_location(node, path)


def locate(document: YamlDocument, keys: Sequence[Hashable]) -> SourceLocation:
    """Location of the deepest existing key along `keys` in `document` (e.g. a value's path)."""
    node = document.data
    location = document.location
    for key in keys:
        in_mapping = isinstance(node, Mapping) and key in node
        in_sequence = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_mapping or in_sequence):
            break
        location = line_of(node, key, document.path)
        node = node[key]
    return location


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column
