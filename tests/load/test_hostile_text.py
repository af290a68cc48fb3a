"""Text the round-trip parser accepts but Flux would not, and stdin read like a file.

Regressions found by tests/cli/test_bad_input.py and tests/fuzz: undecodable stdin
bytes (Python's surrogateescape) and `"\\ud800"` escapes reached later stages as
lone surrogates and crashed the output (UnicodeEncodeError, exit 3).
"""

from __future__ import annotations

import io

import pytest

from appt2dispatch.errors import InputError
from appt2dispatch.load.yamlio import (
    MAX_FILE_BYTES,
    read_documents_text,
    read_stream,
    to_plain,
)


def test_surrogate_escaped_bytes_are_refused_as_not_utf8() -> None:
    text = b"a: 1\nb: caf\xe9\n".decode("utf-8", "surrogateescape")
    with pytest.raises(InputError) as caught:
        read_documents_text(text, source="<stdin>")
    assert str(caught.value) == "<stdin>:2:7: not UTF-8: invalid byte 0xe9 at offset 11"


@pytest.mark.parametrize("escape", ['"\\ud83d"', '"\\ud83d\\ude00"', '"\\udc00"', '"x\\U0000d800"'])
def test_surrogate_escapes_are_refused_like_go_yaml(escape: str) -> None:
    text = f"spec:\n  values:\n    - ok\n    - {escape}\n"
    with pytest.raises(InputError) as caught:
        read_documents_text(text, source="h.yaml")
    assert "UTF-16 surrogate" in str(caught.value)
    assert str(caught.value).startswith("h.yaml:4:7: invalid YAML")


def test_surrogate_escape_in_a_key_is_refused() -> None:
    with pytest.raises(InputError, match="surrogate"):
        read_documents_text('"\\ud800": x\n', source="h.yaml")


def test_real_characters_written_as_escapes_are_kept() -> None:
    documents = read_documents_text('a: "caf\\u00e9 \\U0001F600 \\u2014"\n', source="h.yaml")
    assert to_plain(documents[0].data) == {"a": "café 😀 —"}


def test_backslash_u_outside_double_quotes_is_plain_text() -> None:
    documents = read_documents_text("a: C:\\ud800\nb: '\\ud800'\n", source="h.yaml")
    assert to_plain(documents[0].data) == {"a": "C:\\ud800", "b": "\\ud800"}


def test_read_stream_decodes_utf8_and_drops_a_bom() -> None:
    assert read_stream(io.BytesIO("\ufeffa: é\n".encode()), "<stdin>") == "a: é\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: caf\xe9\n", "<stdin>:1:7: not UTF-8: invalid byte 0xe9"),
        (b"a: 1\x00", "<stdin>:1:5: binary content"),
        ("a: 1".encode("utf-16"), "<stdin>:1:1: UTF-16 text is not supported"),
    ],
)
def test_read_stream_refuses_what_a_file_would(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_stream(io.BytesIO(data), "<stdin>")
    assert str(caught.value).startswith(message)


class EndlessStream(io.RawIOBase):
    """`yes |`: never ends; counts what was read."""

    def __init__(self) -> None:
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        buffer[:] = b"y" * len(buffer)
        self.consumed += len(buffer)
        return len(buffer)


def test_read_stream_stops_one_byte_past_the_limit() -> None:
    stream = EndlessStream()
    with pytest.raises(InputError, match=r"over the \d+-byte limit"):
        read_stream(io.BufferedReader(stream), "<stdin>")
    assert stream.consumed <= MAX_FILE_BYTES + 1 + io.DEFAULT_BUFFER_SIZE
