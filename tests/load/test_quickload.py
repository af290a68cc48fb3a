"""The fast reader used for discovery must agree with the round-trip reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from appt2dispatch.errors import InputError
from appt2dispatch.load.quickload import resolve_plain_scalar, scan_documents
from appt2dispatch.load.yamlio import read_documents_text, read_text, to_plain


def both(text: str) -> tuple[list[tuple[int, int, object]], list[tuple[int, int, object]]]:
    slow_documents = read_documents_text(text, source="in.yaml")
    slow = [(d.index, d.location.line or 0, to_plain(d.data)) for d in slow_documents]
    # Round-trip data has no position for a scalar document; the fast reader has one.
    lines = {d.index: d.location.line for d in slow_documents}
    fast = [
        (d.index, d.line if lines[d.index] else 0, d.data)
        for d in scan_documents(text, source="in.yaml")
    ]
    return fast, slow


def test_every_corpus_file_reads_the_same_both_ways(corpus_dir: Path) -> None:
    files = sorted(corpus_dir.rglob("*.yaml"))
    assert len(files) > 70
    for path in files:
        text = read_text(path)
        try:
            slow = read_documents_text(text, source=str(path))
        except InputError as slow_error:
            with pytest.raises(InputError) as fast_error:
                scan_documents(text, source=str(path))
            assert str(fast_error.value) == str(slow_error)
            continue
        fast = scan_documents(text, source=str(path))
        assert [(d.index, d.line, d.column, d.data) for d in fast] == [
            (d.index, d.location.line, d.location.column, to_plain(d.data)) for d in slow
        ], path


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1, y: [1, 2]}\nuse:\n  <<: *b\n  x: 2\nlist: [*b, *b]\n",
        "a: on\nb: 'on'\nc: 0x10\nd: 1_000\ne: .5\nf: -.inf\ng: ~\nh: 2024-01-01\n",
        "---\n# only a comment\n---\n- 1\n- two\n---\nscalar\n",
        "key: |\n  block ${X}\nother: >-\n  folded\n",
        "? [complex, key]\n: value\n",
    ],
    ids=["anchors-and-merge", "scalars", "documents", "block-scalars", "complex-key"],
)
def test_agrees_with_round_trip(text: str) -> None:
    fast, slow = both(text)
    assert fast == slow


def test_errors_are_the_round_trip_errors() -> None:
    for text in ("a: 1\na: 2\n", "a: [1\n", "a: *missing\n", "a: &x [*x]\n", "[" * 200):
        with pytest.raises(InputError) as fast:
            scan_documents(text, source="in.yaml")
        with pytest.raises(InputError) as slow:
            read_documents_text(text, source="in.yaml")
        assert str(fast.value) == str(slow.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("Off", False),
        ("n", False),
        ("null", None),
        ("", None),
        ("42", 42),
        ("-7", -7),
        ("0o17", 15),
        ("1e3", 1000.0),
        ("1.2.3", "1.2.3"),
        ("0.5.17@sha256:abc", "0.5.17@sha256:abc"),
        ("dispatch", "dispatch"),
    ],
)
def test_plain_scalar_resolution(text: str, expected: object) -> None:
    value = resolve_plain_scalar(text)
    assert value == expected and type(value) is type(expected)
