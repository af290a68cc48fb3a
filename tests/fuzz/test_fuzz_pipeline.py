"""Fuzzing the pipeline: any input ends in a result or an Appt2DispatchError, nothing else.

Inputs come from `fuzz.strategies`: valid dispatch releases (which must produce a
result, and a `no-behavior-change` verdict: translate -> render -> compare is a
round trip), almost-valid ones (random mutations), and wrong ones (random text,
bytes, YAML). Each goes through load -> render old -> translate -> render new and
through `pipeline.diff` plus every report format.

Examples are derandomized (the same inputs on every run) and few enough for the
file to run in well under 40 s. APPT2DISPATCH_FUZZ_EXAMPLES=N runs N random (not
derandomized) examples per test instead, for a longer hunt.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appt2dispatch import pipeline
from appt2dispatch.errors import Appt2DispatchError
from appt2dispatch.load import load_release
from appt2dispatch.models import HelmRelease
from appt2dispatch.render.old import render_old_side
from appt2dispatch.report import format_report
from appt2dispatch.translate import translate_release
from fuzz.strategies import (
    NAMESPACE,
    almost_valid_release,
    dump_yaml,
    featured_release_text,
    release_text,
    valid_release,
    wrong_text,
)

_EXAMPLES = int(os.environ.get("APPT2DISPATCH_FUZZ_EXAMPLES", "0"))

settings.register_profile(
    "appt2dispatch-fuzz",
    deadline=None,
    derandomize=not _EXAMPLES,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("appt2dispatch-fuzz")


def examples(default: int) -> settings:
    return settings(FUZZ, max_examples=_EXAMPLES or default)


SOURCE = Path("fuzz/helmrelease.yaml")


def run_stages(text: str) -> object:
    """Load, render the old side, translate, render the new side: the CLI's `render`."""
    release = load_release(SOURCE, namespace=NAMESPACE, text=text)
    old = render_old_side(release)
    translation = translate_release(release, old)
    return pipeline.render_new(release, translation)


def run_diff(release: HelmRelease) -> pipeline.DiffOutcome:
    outcome = pipeline.diff(release, pipeline.OldSideOptions(), pipeline.TranslateOptions())
    for output_format in ("text", "markdown", "json"):
        assert format_report(outcome.report, output_format)
    return outcome


def result_or_tool_error(text: str) -> Appt2DispatchError | None:
    """None when every stage produced a result; the tool's error otherwise.

    Any other exception propagates and fails the test: that is a bug.
    """
    try:
        run_stages(text)
        run_diff(load_release(SOURCE, namespace=NAMESPACE, text=text))
    except Appt2DispatchError as error:
        assert str(error).strip(), "an error needs a message"
        assert "\n" not in str(error).strip(), f"one line expected: {error}"
        return error
    return None


@examples(60)
@given(text=release_text(valid_release()))
def test_valid_release_translates_without_behavior_change(text: str) -> None:
    release = load_release(SOURCE, namespace=NAMESPACE, text=text)
    outcome = run_diff(release)
    changed = [
        f"{finding.resource} {finding.path}: {finding.old!r} -> {finding.new!r}"
        for finding in outcome.report.findings
        if finding.klass in ("behavior", "blocker")
    ]
    assert outcome.report.verdict == "no-behavior-change", "\n".join(changed)


@examples(25)
@given(texts=featured_release_text())
def test_real_world_yaml_features_keep_the_verdict(texts: tuple[str, str]) -> None:
    """Merge keys, anchors, comments on every line, tabs, 5,000-digit integers and CRLF:
    a valid release gives the verdict of its plain form (issue 12)."""
    plain, featured = texts
    expected = run_diff(load_release(SOURCE, namespace=NAMESPACE, text=plain))
    actual = run_diff(load_release(SOURCE, namespace=NAMESPACE, text=featured))
    assert actual.report.verdict == expected.report.verdict == "no-behavior-change"
    assert actual.translation.values == expected.translation.values


# Strings YAML parsers disagree on (go-yaml, which Helm and Flux use, versus ruamel):
# each must reach the new pod exactly as the old one had it.
TRICKY_STRINGS = [
    *("=", "<<", "~", "null", "yes", "on", "y", "NO", "off", "0x1F", "1_000", "0o17", "0777"),
    *(".inf", ".NaN", "1e400", "1e-400", "1e3", "0b101", "0.", ".5", "+1", "-0", "00", "1:20"),
    *("2024-01-01", "2024-01-01T10:00:00Z", "!", "&a", "*a", "|", ">", "%", "@", "`", "#x"),
    *("- x", "? x", "{}", "[]", "'", '"', "\\", "-", "---", "...", " lead", "trail ", "a: b"),
    *("a #b", "tab\there", "multi\nline", "é", "😀", "\u2028", "\ufeff", "$VAR", "NaN"),
]


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_tricky_strings_reach_the_new_pod_unchanged(value: str) -> None:
    document = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "dispatch"},
        "spec": {"values": _minimal_values({"DISPATCH_GROOMER_MODEL": value, "EXTRA": value})},
    }
    release = load_release(SOURCE, namespace=NAMESPACE, text=dump_yaml(document))
    outcome = run_diff(release)
    assert outcome.report.verdict == "no-behavior-change", outcome.report.findings


@examples(120)
@given(text=release_text(almost_valid_release()))
def test_almost_valid_release_is_a_result_or_a_clean_error(text: str) -> None:
    result_or_tool_error(text)


@examples(120)
@given(text=wrong_text())
def test_wrong_text_is_a_clean_error(text: str) -> None:
    result_or_tool_error(text)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


BOM = b"\xef\xbb\xbf"


@examples(60)
@given(
    case=st.one_of(
        st.tuples(st.just("any"), st.binary(max_size=300)),
        st.tuples(st.just("any"), st.text(max_size=100).map(lambda text: text.encode("utf-16"))),
        st.tuples(
            st.just("valid"), release_text(valid_release()).map(lambda text: BOM + text.encode())
        ),
        st.tuples(
            st.just("any"),
            release_text(valid_release()).map(lambda text: text.encode()[: len(text) // 2]),
        ),
    )
)
def test_file_bytes_are_a_result_or_a_clean_error(scratch: Path, case: tuple[str, bytes]) -> None:
    """Bytes on disk: a result, or the tool's one-line error. A BOM before a valid release
    is how some editors save UTF-8: it must read like the same file without it."""
    kind, data = case
    path = scratch / "helmrelease.yaml"
    path.write_bytes(data)
    try:
        release = load_release(path, namespace=NAMESPACE)
        outcome = run_diff(release)
    except Appt2DispatchError as error:
        assert kind != "valid", f"a valid release after a BOM failed: {error}"
        message = str(error).strip()
        assert message, "an error needs a message"
        assert "\n" not in message, f"one line expected: {message!r}"
        assert "Traceback" not in message
        return
    if kind == "valid":
        assert outcome.report.verdict == "no-behavior-change", outcome.report.findings


def test_strategies_cover_dumping_of_nested_values() -> None:
    # The dumper keeps non-ASCII text and long lines readable by the loader.
    document: dict[str, Any] = {"a": ["é", {"b": "x" * 200}]}
    text = dump_yaml(document)
    release_free = load_release(
        SOURCE, namespace=NAMESPACE, text=text + "---\n" + dump_yaml(_minimal_release())
    )
    assert release_free.name == "dispatch"


def _minimal_values(env: dict[str, Any]) -> dict[str, Any]:
    container = {
        "image": {"repository": "ghcr.io/misospace/dispatch", "tag": "0.5.17"},
        "env": {
            **env,
            "DATABASE_URL": {"valueFrom": {"secretKeyRef": {"name": "db", "key": "uri"}}},
        },
    }
    return {
        "controllers": {"dispatch": {"containers": {"app": container}}},
        "service": {"app": {"ports": {"http": {"port": 3000}}}},
    }


def _minimal_release() -> dict[str, Any]:
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "dispatch"},
        "spec": {"values": {}},
    }
