"""Reading YAML: hostile input is refused with one located line, good input round-trips."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from appt2dispatch.errors import InputError
from appt2dispatch.load.yamlio import (
    MAX_DEPTH,
    MAX_EXPANDED_NODES,
    MAX_FILE_BYTES,
    line_of,
    locate,
    read_documents,
    read_documents_text,
    to_plain,
)

BROKEN = "home-ops-history/02-2026-06-21-openclaw-dispatch-3c4767809.yaml"


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_documents(path)
    assert "\n" not in str(caught.value), "errors are one line"
    return caught.value


def refused_text(text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        read_documents_text(text, source="in.yaml")
    assert "\n" not in str(caught.value), "errors are one line"
    return caught.value


def test_invalid_yaml_points_where_ruamel_found_the_problem(corpus_dir: Path) -> None:
    error = refused(corpus_dir / BROKEN)
    assert error.message.startswith("invalid YAML: expected <block end>, but found '<scalar>'")
    assert "block mapping that starts at line 24, column 15" in error.message
    assert error.location is not None
    assert (error.location.line, error.location.column) == (25, 45)
    assert str(error).startswith(f"{corpus_dir / BROKEN}:25:45: invalid YAML:")


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        bomb += f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]\n"
        previous = name
    started = time.perf_counter()
    error = refused_text(bomb)
    assert time.perf_counter() - started < 2.0
    assert f"aliases expand to more than {MAX_EXPANDED_NODES} nodes" in error.message


def test_modest_aliases_are_fine() -> None:
    (document,) = read_documents_text("base: &b {x: 1}\nuse: [*b, *b]\n", source="in.yaml")
    assert to_plain(document.data) == {"base": {"x": 1}, "use": [{"x": 1}, {"x": 1}]}


def test_self_containing_alias_is_refused() -> None:
    error = refused_text("a: &a [1, *a]\n")
    assert "anchor &a contains an alias to itself" in error.message
    assert error.location is not None and error.location.line == 1


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    error = refused(big)
    assert f"{MAX_FILE_BYTES + 1} bytes, over the {MAX_FILE_BYTES}-byte limit" in error.message


def test_text_over_the_size_limit() -> None:
    error = refused_text("#" * (MAX_FILE_BYTES + 1))
    assert "over the" in error.message


def test_binary_content_names_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"a: 1\nb: \x00\x01\x02")
    error = refused(path)
    assert error.message == "binary content (NUL byte at byte offset 8), not YAML"
    assert error.location is not None
    assert (error.location.line, error.location.column) == (2, 4)


def test_non_utf8_names_the_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    error = refused(path)
    assert error.message == "not UTF-8: invalid byte 0xe9 at byte offset 9"
    assert error.location is not None and error.location.line == 1


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    assert "UTF-16" in refused(path).message


def test_utf8_bom_is_accepted_and_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfapiVersion: v1\nkind: ConfigMap\n")
    (document,) = read_documents(path)
    assert list(document.data) == ["apiVersion", "kind"]
    assert document.kind == "ConfigMap"
    (from_text,) = read_documents_text("\ufeffkind: Secret\n", source="-")
    assert from_text.kind == "Secret"


def test_duplicate_key_names_the_key_and_both_lines() -> None:
    error = refused_text("a: 1\nspec:\n  values: {}\n  interval: 5m\n  values: {x: 1}\n")
    assert (
        error.message == 'invalid YAML: duplicate key "values" (first at line 3, again at line 5)'
    )
    assert error.location is not None
    assert (error.location.line, error.location.column) == (5, 3)


def test_missing_file(tmp_path: Path) -> None:
    error = refused(tmp_path / "absent.yaml")
    assert error.message == "no such file"
    assert error.location is not None and error.location.path.endswith("absent.yaml")


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    assert refused(tmp_path).message == "is a directory, expected a YAML file"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n")

    def deny(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    # Tests may run as root, where chmod 000 still reads: simulate the OS refusal.
    monkeypatch.setattr(Path, "open", deny)
    assert refused(path).message == "permission denied"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,  # unterminated: ruamel's pure scanner is quadratic in this
        "[" * 500 + "]" * 500,
        "".join("  " * depth + "a:\n" for depth in range(300)),
    ],
    ids=["unterminated-flow", "flow", "block"],
)
def test_nesting_too_deep_is_refused_quickly(text: str) -> None:
    started = time.perf_counter()
    error = refused_text(text)
    assert time.perf_counter() - started < 2.0
    assert error.message == f"invalid YAML: nested deeper than {MAX_DEPTH} levels"
    assert error.location is not None and error.location.line is not None


def test_control_character_is_located() -> None:
    error = refused_text('a: 1\nb: "\x07"\n')
    assert "unacceptable character #x0007" in error.message
    assert error.location is not None
    assert (error.location.line, error.location.column) == (2, 5)


def test_multiple_documents_keep_their_index_and_start() -> None:
    text = "---\n# comment only\n---\nkind: A\n---\n\n\nkind: B\n---\n"
    documents = read_documents_text(text, source="multi.yaml")
    assert [(d.index, d.kind) for d in documents] == [(1, "A"), (2, "B")]
    assert [d.location.line for d in documents] == [4, 8]
    assert documents[0].location.column == 1
    assert str(documents[1].location) == "multi.yaml:8:1"


def test_comments_are_kept_for_rewriting() -> None:
    (document,) = read_documents_text("a: 1  # why\n", source="in.yaml")
    assert "# why" in str(document.data.ca.items["a"])


def test_to_plain_follows_what_flux_and_helm_see() -> None:
    text = (
        "unquoted_on: on\nquoted_on: 'on'\nyes_: yes\nno_: No\nshort: y\ntrue_: true\n"
        'number: 3\nquoted_number: "3"\nhex: 0x1f\nfloat: 1.5\nnothing: ~\nempty:\n'
        "date: 2024-01-02\nblock: |\n  line\non: key\n1: numeric key\n"
    )
    (document,) = read_documents_text(text, source="in.yaml")
    assert to_plain(document.data) == {
        "unquoted_on": True,
        "quoted_on": "on",
        "yes_": True,
        "no_": False,
        "short": True,
        "true_": True,
        "number": 3,
        "quoted_number": "3",
        "hex": 31,
        "float": 1.5,
        "nothing": None,
        "empty": None,
        "date": "2024-01-02",
        "block": "line\n",
        "true": "key",
        "1": "numeric key",
    }
    plain = to_plain(document.data)
    assert type(plain["number"]) is int and type(plain["quoted_on"]) is str


def test_line_of_and_locate_give_one_based_positions() -> None:
    text = "kind: HelmRelease\nspec:\n  values:\n    env:\n      - name: A\n        value: x\n"
    (document,) = read_documents_text(text, source="hr.yaml", path=Path("hr.yaml"))
    spec = document.data["spec"]
    assert line_of(spec, "values", "hr.yaml") == locate(document, ["spec", "values"])
    assert str(line_of(spec, "values", "hr.yaml")) == "hr.yaml:3:3"
    assert str(locate(document, ["spec", "values", "env", 0, "value"])) == "hr.yaml:6:9"
    # A missing key stops at the deepest one that exists.
    assert str(locate(document, ["spec", "values", "absent"])) == "hr.yaml:3:3"
    assert str(line_of(spec, "absent", "hr.yaml")) == "hr.yaml:3:3"
