"""Flux semantics: release names, postBuild substitution, valuesFrom merging."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import pytest

from appt2dispatch.errors import ReleaseError
from appt2dispatch.load.flux import (
    SubstitutionError,
    compose_values,
    release_name,
    substitute_text,
)
from appt2dispatch.models import SourceLocation

HERE = SourceLocation("hr.yaml", 1, 1)


# --- release names --------------------------------------------------------------------


def test_release_name_defaults_to_metadata_name() -> None:
    assert release_name("dispatch", None, None) == "dispatch"


def test_release_name_prefixes_the_target_namespace() -> None:
    assert release_name("dispatch", "llm", None) == "llm-dispatch"


def test_explicit_release_name_wins() -> None:
    assert release_name("dispatch", "llm", "mission-control") == "mission-control"


def test_long_composed_name_is_shortened_like_helm_controller() -> None:
    composed = "a-very-lengthy-target-namespace-with-a-nice-object-name"
    shortened = release_name("with-a-nice-object-name", "a-very-lengthy-target-namespace", None)
    # helm-controller's ShortenName: 40 characters, "-", 12 hex of SHA-256. The hash
    # matches the Flux docs' example (whose prefix is two characters too long).
    assert shortened == composed[:40] + "-97af5d7f41f3"
    assert len(shortened) == 53


def test_name_of_exactly_53_characters_is_kept() -> None:
    name = "x" * 53
    assert release_name(name, None, None) == name


def test_explicit_release_name_over_53_characters_is_refused() -> None:
    with pytest.raises(ReleaseError, match="longer than 53"):
        release_name("a", None, "r" * 54)


# --- substitution -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${APP}-app", "dispatch-app"),
        ("${MISSING:=fallback}", "fallback"),
        ("${EMPTY:=fallback}", "fallback"),
        ("${EMPTY=fallback}", ""),
        ("${MISSING=fallback}", "fallback"),
        ("${EMPTY:-dash}", "dash"),
        ("${MISSING:=pre-${APP}}", "pre-dispatch"),
        ("$${APP}", "${APP}"),
        ("cost: $$5", "cost: $5"),
        ("Bearer $TOKEN", "Bearer $TOKEN"),
        ("${APP^^}/${APP^}/${#APP}", "DISPATCH/Dispatch/8"),
        ("${APP:1:3}|${APP:4}", "isp|atch"),
        ("no variables", "no variables"),
    ],
)
def test_substitution_follows_flux_envsubst(text: str, expected: str) -> None:
    assert substitute_text(text, {"APP": "dispatch", "EMPTY": ""}) == expected


def test_unset_variable_is_an_error_in_strict_mode() -> None:
    with pytest.raises(SubstitutionError) as caught:
        substitute_text("name: ${CLUSTER}-x", {})
    assert caught.value.variable == "CLUSTER"


def test_unset_variable_is_empty_without_strict_mode() -> None:
    assert substitute_text("a${X}b", {}, strict=False) == "ab"


@pytest.mark.parametrize("text", ["${X#prefix}", "${X/a/b}", "${X%suffix}"])
def test_pattern_operators_are_refused_not_guessed(text: str) -> None:
    with pytest.raises(SubstitutionError, match="unsupported substitution"):
        substitute_text(text, {"X": "value"})


@pytest.mark.parametrize("text", ["${ X}", "${}", "${X"])
def test_malformed_expressions_are_errors(text: str) -> None:
    with pytest.raises(SubstitutionError):
        substitute_text(text, {"X": "v"})


# --- valuesFrom ------------------------------------------------------------------------------


def sources(**manifests: Mapping[str, Any]) -> Any:
    def find(kind: str, name: str) -> tuple[Mapping[str, Any], SourceLocation] | None:
        manifest = manifests.get(f"{kind}_{name}".replace("-", "_"))
        return (manifest, SourceLocation(f"{name}.yaml", 1, 1)) if manifest else None

    return find


def test_values_from_merge_in_order_then_inline_values_win() -> None:
    find = sources(
        ConfigMap_base={
            "data": {"values.yaml": "a: 1\nnested: {left: 1, right: 1}\nlist: [1, 2]\n"}
        },
        Secret_override={"stringData": {"values.yaml": "nested: {right: 2}\nlist: [3]\n"}},
    )
    references = [
        {"kind": "ConfigMap", "name": "base"},
        {"kind": "Secret", "name": "override"},
    ]
    values = compose_values(references, {"a": 9}, find, HERE)
    assert values == {"a": 9, "nested": {"left": 1, "right": 2}, "list": [3]}


def test_values_key_and_base64_secret_data() -> None:
    encoded = base64.b64encode(b"replicas: 2\n").decode()
    find = sources(Secret_vals={"data": {"custom.yaml": encoded}})
    references = [{"kind": "Secret", "name": "vals", "valuesKey": "custom.yaml"}]
    assert compose_values(references, {}, find, HERE) == {"replicas": 2}


@pytest.mark.parametrize(
    ("raw", "literal", "expected"),
    [
        ("true", False, True),
        ("42", False, 42),
        ("042", False, "042"),
        ("plain text", False, "plain text"),
        ('"true"', False, "true"),
        ("a,b{c}", True, "a,b{c}"),
    ],
)
def test_target_path_sets_one_typed_value(raw: str, literal: bool, expected: Any) -> None:
    find = sources(ConfigMap_one={"data": {"v": raw}})
    reference: dict[str, Any] = {
        "kind": "ConfigMap",
        "name": "one",
        "valuesKey": "v",
        "targetPath": "a.b\\.c",
    }
    if literal:
        reference["literal"] = True
    values = compose_values([reference], {"a": {"other": 1}}, find, HERE)
    assert values == {"a": {"b.c": expected, "other": 1}}


def test_target_path_with_set_list_syntax_is_refused() -> None:
    find = sources(ConfigMap_one={"data": {"v": "{a,b}"}})
    reference = {"kind": "ConfigMap", "name": "one", "valuesKey": "v", "targetPath": "x"}
    with pytest.raises(ReleaseError, match="--set list/escape syntax"):
        compose_values([reference], {}, find, HERE)


def test_missing_source_is_named() -> None:
    references = [{"kind": "ConfigMap", "name": "shared-values"}]
    with pytest.raises(ReleaseError, match="ConfigMap shared-values is not beside the release"):
        compose_values(references, {}, sources(), HERE)


def test_missing_optional_source_is_skipped() -> None:
    references = [{"kind": "Secret", "name": "extra", "optional": True}]
    assert compose_values(references, {"a": 1}, sources(), HERE) == {"a": 1}


def test_missing_key_is_named() -> None:
    find = sources(ConfigMap_base={"data": {"other.yaml": "a: 1"}})
    with pytest.raises(ReleaseError, match=r"has no key 'values\.yaml'"):
        compose_values([{"kind": "ConfigMap", "name": "base"}], {}, find, HERE)
