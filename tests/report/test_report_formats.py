"""Report assembly, exit codes, the JSON schema, markdown cap, text colour, masking per format."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from appt2dispatch.compare import compare_renders
from appt2dispatch.errors import InputError
from appt2dispatch.models import Finding, Note, Rendered
from appt2dispatch.render.manifests import parse_manifests
from appt2dispatch.report import (
    MAX_COMMENT_CHARS,
    REPORTERS,
    build_report,
    exit_code_for,
    format_report,
)
from report.report_cases import CASES, RENDERERS, SECRETS, masked_case, oci_files, translation

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "src" / "appt2dispatch" / "report" / "report.schema.json"
)


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return loaded


def finding(klass: str, path: str = "spec.replicas") -> Finding:
    return Finding(klass, "Deployment.apps llm/dispatch", path, 1, 2, "m")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("classes", "verdict", "code"),
    [
        ((), "no-behavior-change", 0),
        (("cosmetic", "expected"), "no-behavior-change", 0),
        (("behavior", "cosmetic"), "behavior-change", 1),
        (("behavior", "blocker", "expected"), "blocked", 1),
    ],
)
def test_verdict_and_exit_code(classes: tuple[str, ...], verdict: str, code: int) -> None:
    report = build_report(
        [finding(k, f"p{i}") for i, k in enumerate(classes)], renderers=RENDERERS, translation=None
    )
    assert report.verdict == verdict
    assert exit_code_for(report.verdict) == code


def test_build_report_collects_notes_values_and_oci_change() -> None:
    report = build_report(
        [finding("cosmetic"), finding("blocker")],
        renderers=RENDERERS,
        translation=translation(),
        notes=["plain string note", Note("a Note", level="warning")],
        source="hr.yaml",
        files=oci_files(),
    )
    assert [f.klass for f in report.findings] == ["blocker", "cosmetic"]
    assert [note.message for note in report.notes] == [
        "lanes carried over verbatim",
        "plain string note",
        "a Note",
    ]
    assert report.values == {"image": {"tag": "0.5.17"}}
    assert "+  url: oci://ghcr.io/misospace/charts/dispatch" in report.ocirepository_change
    assert "HelmRelease" not in report.ocirepository_change


def test_unknown_format_is_bad_input() -> None:
    with pytest.raises(InputError, match="unknown report format"):
        format_report(CASES["blocked"](), "yaml")
    assert set(REPORTERS) == {"text", "markdown", "json"}


def test_schema_is_valid_and_every_case_conforms() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    for make in CASES.values():
        jsonschema.validate(json.loads(format_report(make(), "json")), schema())


def test_real_comparison_output_conforms(goldens_dir: Path) -> None:
    path = goldens_dir / "26-2026-07-02-dispatch-da5427f22.rendered.yaml"
    old = parse_manifests(path.read_text(), source=path.name)
    new = copy.deepcopy(list(old))
    new[0]["spec"]["replicas"] = 2
    new[0]["metadata"]["labels"]["helm.sh/chart"] = "dispatch-0.5.40"
    new.pop()  # the HTTPRoute
    findings = compare_renders(Rendered(old, "golden"), Rendered(tuple(new), "mutated"))
    report = build_report(findings, renderers={"old": "golden", "new": "mutated"}, translation=None)
    document = json.loads(format_report(report, "json"))
    jsonschema.validate(document, schema())
    assert document["verdict"] == "behavior-change"
    assert {f["class"] for f in document["findings"]} == {"behavior", "cosmetic"}


def test_schema_rejects_a_wrong_class() -> None:
    document = json.loads(format_report(CASES["blocked"](), "json"))
    document["findings"][0]["class"] = "minor"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema())


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_no_credential_survives_any_format(output_format: str) -> None:
    output = format_report(masked_case(), output_format)
    for secret in SECRETS:
        assert secret not in output, secret
    assert "****" in output
    assert "postgres://dispatch:****@db.llm:5432/dispatch" in output


def test_markdown_starts_with_the_verdict() -> None:
    first_line = format_report(CASES["blocked"](), "markdown").splitlines()[0]
    assert "blocked" in first_line


def test_markdown_escapes_table_cells() -> None:
    report = build_report(
        [
            Finding(
                "behavior", "Service llm/dispatch", "spec.ports", "a|b", "`x`", "pipe | here <b>"
            )
        ],
        renderers=RENDERERS,
        translation=None,
    )
    row = next(
        line for line in format_report(report, "markdown").splitlines() if "Service llm" in line
    )
    assert row.count(" | ") == 4  # five cells, no extra separators
    assert "a\\|b" in row and "`` `x` ``" in row and "&lt;b&gt;" in row


def big_report(findings: int) -> Any:
    many = [
        Finding(
            "behavior", f"ConfigMap llm/c{i:05d}", f"data[key{i}]", "o" * 200, "n" * 200, "changes"
        )
        for i in range(findings)
    ]
    return build_report(many, renderers=RENDERERS, translation=translation(), source="hr.yaml")


def test_markdown_is_capped_with_a_notice_naming_the_full_report() -> None:
    text = format_report(big_report(2000), "markdown", full_report_name="out/report.json")
    assert len(text) <= MAX_COMMENT_CHARS
    assert text.splitlines()[0].startswith("⚠️ **appt2dispatch: behavior change**")
    assert "capped at 60,000 characters" in text
    assert re.search(r"\d+ findings not shown", text)
    assert "`out/report.json`" in text
    assert text.count("<details>") == text.count("</details>")
    without_name = format_report(big_report(2000), "markdown")
    assert "`appt2dispatch diff hr.yaml --format json`" in without_name


def test_markdown_leaves_out_a_section_whole_when_it_does_not_fit() -> None:
    huge = translation("env:\n" + "".join(f"  VAR_{i}: value-{i}\n" for i in range(8000)))
    report = build_report([finding("behavior")], renderers=RENDERERS, translation=huge)
    text = format_report(report, "markdown", full_report_name="report.json")
    assert len(text) <= MAX_COMMENT_CHARS
    assert "1 section not shown" in text
    assert "Translated values" not in text
    assert "Notes (1)" in text  # a later section that fits is still shown


def test_markdown_under_the_cap_has_no_notice() -> None:
    text = format_report(big_report(10), "markdown", full_report_name="out/report.json")
    assert "capped" not in text
    assert text.count("ConfigMap llm/") == 10


def test_text_colour_only_when_asked() -> None:
    plain = format_report(CASES["blocked"](), "text")
    coloured = format_report(CASES["blocked"](), "text", color=True)
    assert "\033[" not in plain
    assert "\033[1;31m" in coloured
    assert (
        coloured.replace("\033[1;31m", "").replace("\033[33m", "").replace("\033[0m", "") == plain
    )


def test_json_is_stable_and_complete() -> None:
    document = json.loads(format_report(CASES["no-behavior-change"](), "json"))
    assert list(document)[:3] == ["format_version", "source", "verdict"]
    assert set(document["findings"][0]) == {"class", "resource", "path", "old", "new", "message"}
    assert document["renderers"] == RENDERERS


def test_text_summarises_cosmetic_findings_in_one_line() -> None:
    cosmetic = [
        Finding("cosmetic", f"Service llm/s{i}", f"metadata.labels[l{i}]", "a", "b", "label")
        for i in range(3)
    ]
    cosmetic.append(
        Finding(
            "cosmetic", "ServiceAccount llm/d", "automountServiceAccountToken", None, False, "x"
        )
    )
    report = build_report([*cosmetic, finding("behavior")], renderers=RENDERERS, translation=None)
    text = format_report(report, "text")
    assert "COSMETIC" not in text and "Service llm/s0" not in text
    assert (
        "4 cosmetic findings (labels, automountServiceAccountToken) hidden; "
        "--format json lists them"
    ) in text
    assert "BEHAVIOR" in text  # behaviour is still shown in full
    assert len(json.loads(format_report(report, "json"))["findings"]) == 5
    markdown = format_report(report, "markdown")
    assert "<details><summary>Cosmetic differences (4)</summary>" in markdown
    details = markdown.split("<details><summary>Cosmetic differences (4)</summary>")[1]
    assert "Service llm/s0" in details.split("</details>")[0]


def test_text_without_cosmetic_findings_has_no_summary_line() -> None:
    assert "cosmetic finding" not in format_report(CASES["blocked"](), "text")
    single = build_report(
        [Finding("cosmetic", "Deployment.apps llm/d", "spec.x", 1, 2, "y")],
        renderers=RENDERERS,
        translation=None,
    )
    assert "1 cosmetic finding (x) hidden" in format_report(single, "text")
