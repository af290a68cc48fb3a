"""docs/chart-values.md is generated from the chart's `# --` comments and schema, and current."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from appt2dispatch.chart_docs import extract_value_comments, generate_values_doc
from appt2dispatch.errors import InputError
from conftest import CHART_DIR, REPO_ROOT

DOC_PATH = REPO_ROOT / "docs" / "chart-values.md"
STALE = "docs/chart-values.md is stale: run `appt2dispatch chart docs > docs/chart-values.md`"


def assert_doc_current(doc_path: Path, chart_dir: Path | None = None) -> None:
    assert doc_path.read_text(encoding="utf-8") == generate_values_doc(chart_dir), STALE


def read_table(doc: str, heading: str) -> dict[str, list[str]]:
    """Rows of the table under `## heading`: first cell (backticks off) -> the other cells."""
    section = doc.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_committed_doc_is_current() -> None:
    assert_doc_current(DOC_PATH)


def test_the_check_fails_when_a_comment_changes(tmp_path: Path) -> None:
    chart = shutil.copytree(CHART_DIR, tmp_path / "dispatch")
    values = chart / "values.yaml"
    text = values.read_text(encoding="utf-8")
    assert "# -- Image repository.\n" in text
    values.write_text(text.replace("# -- Image repository.", "# -- Where the image lives."))
    with pytest.raises(AssertionError, match="is stale"):
        assert_doc_current(DOC_PATH, chart)
    assert read_table(generate_values_doc(chart), "Values")["image.repository"][2] == (
        "Where the image lives."
    )


def test_every_documented_key_is_in_the_table() -> None:
    text = (CHART_DIR / "values.yaml").read_text(encoding="utf-8")
    comments = extract_value_comments(text)
    # Counted on the text, independently of the extractor: no `# --` comment is lost.
    assert len(comments) == len(re.findall(r"^\s*# --", text, re.MULTILINE))
    rows = read_table(generate_values_doc(), "Values")
    assert list(comments) == [key for key in rows if rows[key][2]]
    for key, description in comments.items():
        assert rows[key][2] == description


@pytest.mark.parametrize(
    ("key", "type_text"),
    [
        ("config.authMode", '"basic" | "oidc" | "disabled" | null'),
        ("replicas", "integer | null"),
        ("config.lanes", "array | null"),
        ("config.groomer.enabled", "boolean | null"),
        ("migrations.hookWeight", "string | integer"),
        ("service.port", "integer"),
        ("image", "object"),
        ("probes.liveness.enabled", "boolean"),
    ],
)
def test_types_come_from_the_schema(key: str, type_text: str) -> None:
    assert read_table(generate_values_doc(), "Values")[key][0] == type_text


def test_defaults_are_json_and_sections_have_none() -> None:
    rows = read_table(generate_values_doc(), "Values")
    assert rows["strategy"][1] == '`{"type": "Recreate"}`'
    assert rows["migrations.hookWeight"][1] == '`"-5"`'
    assert rows["config.lanes"][1].startswith('`[{"id": "local", "title": "Local"')
    assert rows["config.llmBaseUrl"][1] == "`null`"
    assert rows["probes"] == ["object", "", ""]
    assert "strategy.type" not in rows  # inside a documented value, itself undocumented


def test_multi_line_comments_are_joined_and_pipes_escaped() -> None:
    doc = generate_values_doc()
    assert read_table(doc, "Values")["image.tag"][2] == (
        "Image tag; empty means the chart's appVersion. A tag that already carries"
        " `@sha256:...` (app-template style) is used whole."
    )
    assert "role (`default`\\|`escalation`)" in doc


def test_env_vars_match_the_contract(shared_dir: Path) -> None:
    contract = (shared_dir / "reference" / "dispatch-env-contract.md").read_text(encoding="utf-8")
    expected = {
        (path, var)
        for var, paths in re.findall(r"^\| `(DISPATCH_\w+)` \|[^|]*\| ([^|]*)\|", contract, re.M)
        for path in re.findall(r"`(config\.[\w.]+)`", paths)
    }
    rows = read_table(generate_values_doc(), "Environment variables")
    assert len(expected) == 14
    assert {(key, cells[0].strip("`")) for key, cells in rows.items()} == expected


def test_a_config_key_without_its_variable_is_refused(tmp_path: Path) -> None:
    chart = shutil.copytree(CHART_DIR, tmp_path / "dispatch")
    values = chart / "values.yaml"
    text = values.read_text(encoding="utf-8")
    values.write_text(text.replace("# -- `DISPATCH_GROOMER_MODEL`: model", "# -- The model"))
    with pytest.raises(InputError, match=r"config\.groomer\.model"):
        generate_values_doc(chart)


TRICKY_VALUES = """\
# Header block, not a description.

# -- First key.
first: ""
# -- After a quoted value.
quoted: 1 # -- end-of-line comment, not the next key's description
noComment: 2 # end-of-line comment
# -- After an end-of-line comment.
flow: []
# A note that is not part of the description.
# -- After a flow collection,
#   continued.
nested:
  # -- First key of a nested map.
  inner: "x"

# -- Dedented, after a nested map ending in a quoted value.
seq:
  - name: a

# -- After a sequence of maps.
afterSeq: 1
# -- Blank line between comment and key.

orphan: 1
"""


def test_the_extractor_reads_every_comment_placement() -> None:
    assert extract_value_comments(TRICKY_VALUES) == {
        "first": "First key.",
        "quoted": "After a quoted value.",
        "flow": "After an end-of-line comment.",
        "nested": "After a flow collection, continued.",
        "nested.inner": "First key of a nested map.",
        "seq": "Dedented, after a nested map ending in a quoted value.",
        "afterSeq": "After a sequence of maps.",
    }
