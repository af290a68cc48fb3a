"""`${VAR}` text kept where a variable's value reaches the rewritten file."""

from __future__ import annotations

from pathlib import Path

import pytest

from appt2dispatch.errors import ReleaseError
from appt2dispatch.load import read_documents_text
from appt2dispatch.load.yamlio import to_plain
from appt2dispatch.models import HelmRelease, OutputFile
from appt2dispatch.write.variables import keep_variables, placeholders_for, restore_variables

PATH = Path("/tree/helmrelease.yaml")
PROVEN = """---
kind: HelmRelease
metadata:
  name: ${APP}
spec:
  chartRef: {kind: OCIRepository, name: dispatch}
  values:
    existingSecret: dispatch  # a comment stays
    host: "dispatch.example.com"
    other: 'dispatch'
    label: dispatch
"""


def release(substitutions: dict[str, str]) -> HelmRelease:
    (document,) = read_documents_text(PROVEN, source=str(PATH), path=PATH)
    return HelmRelease(document, "dispatch", "llm", "dispatch", {}, substitutions=substitutions)


VALUES = {
    "existingSecret": "dispatch",
    "host": "dispatch.example.com",
    "other": "dispatch",
    "label": "dispatch",
}


def stand_in(placeholder: str) -> str:
    return (
        PROVEN.replace("name: dispatch}", f"name: {placeholder}}}")
        .replace("existingSecret: dispatch", f"existingSecret: {placeholder}")
        .replace('"dispatch.example.com"', f'"{placeholder}.example.com"')
        .replace("'dispatch'", f"'{placeholder}'")
    )


def test_variables_return_where_the_stand_in_shows_them() -> None:
    placeholders = placeholders_for({"APP": "dispatch"})
    placeholder = placeholders["APP"]
    (kept,) = keep_variables(
        release({"APP": "dispatch"}),
        VALUES,
        [OutputFile(PATH, PROVEN, "old")],
        [OutputFile(PATH, stand_in(placeholder))],
        placeholders,
    )
    assert kept.original == "old"
    assert kept.content == (
        PROVEN.replace("name: dispatch}", 'name: "${APP}"}')  # flow style: quoted
        .replace("existingSecret: dispatch", "existingSecret: ${APP}")
        .replace('"dispatch.example.com"', '"${APP}.example.com"')
        .replace("'dispatch'", "'${APP}'")
    )
    assert "label: dispatch\n" in kept.content  # a literal in the stand-in stays literal


def test_values_flux_would_substitute_differently_are_refused() -> None:
    # The translated value holds `${X}` literally: Flux would substitute it away.
    proven = PROVEN.replace("label: dispatch", "label: ${APP}")
    with pytest.raises(ReleaseError, match="postBuild variables"):
        keep_variables(
            release({"APP": "dispatch"}),
            {**VALUES, "label": "${APP}"},
            [OutputFile(PATH, proven)],
            None,
            {},
        )


def test_without_variables_in_use_the_proven_files_pass_through() -> None:
    files = [OutputFile(PATH, PROVEN)]
    assert keep_variables(release({"APP": "dispatch"}), VALUES, files, None, {}) == files


def test_restore_variables() -> None:
    placeholders = placeholders_for({"B": "2", "A": "1"})
    assert placeholders == {"A": "appt2dispatchvar0x", "B": "appt2dispatchvar1x"}
    assert restore_variables("appt2dispatchvar1x-appt2dispatchvar0x", placeholders) == "${B}-${A}"


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("---\na: 1\nb: [yes, 'no', 1.5, ~]\n---\n# only a comment\n---\nc: {d: e}\n", True),
        ("", True),
        ("a: x\t# a tab: the round-trip reader decides\n", False),
        ('a: "\\u0024{X}"\n', False),  # an escape can spell a `$`
        ("a: &x {b: 1}\nc: *x\n", False),
        ("a: ${X}\n", False),
        ("- a\n", False),  # not a mapping: the round-trip path words the error
        ("a: [\n", False),  # nor the fast reader's errors
    ],
)
def test_unsubstituted_files_are_read_fast_as_the_round_trip_path_reads_them(
    text: str, fast: bool
) -> None:
    from appt2dispatch.load.postbuild import plain_unsubstituted

    read = plain_unsubstituted(text, str(PATH))
    assert (read is not None) is fast
    if read is not None:
        assert read == [to_plain(doc.data) for doc in read_documents_text(text, source="x")]
