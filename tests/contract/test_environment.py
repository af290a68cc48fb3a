"""The app's environment contract: defaults when unset, spellings, chart keys, envFrom."""

from __future__ import annotations

import pytest

from appt2dispatch.contract import (
    APP_VARIABLES,
    LANE_CONFIG_VARIABLE,
    STRUCTURED_VARIABLES,
    EnvFromSource,
    ImageRef,
    is_dispatch_image,
    means_app_default,
    parse_image_reference,
    read_envfrom,
    same_meaning,
)
from appt2dispatch.translate.chart import MISSING, chart_default


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DISPATCH_SCHEDULER_ENABLED", "false", True),
        ("DISPATCH_SCHEDULER_ENABLED", "True", True),  # only the literal "true" is on
        ("DISPATCH_SCHEDULER_ENABLED", "true", False),
        ("DISPATCH_GROOMER_DRY_RUN", "true", True),  # on when unset: dry run
        ("DISPATCH_GROOMER_DRY_RUN", "false", False),
        ("DISPATCH_GROOMER_DRY_RUN", "True", False),  # how the app reads it is not documented
        ("DISPATCH_SYNC_INTERVAL_MS", "900000", True),
        ("DISPATCH_SYNC_INTERVAL_MS", " 0900000", True),
        ("DISPATCH_SYNC_INTERVAL_MS", "0", False),  # "0" disables the job
        ("DISPATCH_RECONCILE_INTERVAL_MS", "1800000", True),
        ("PORT", "3000", True),
        ("SKIP_DB_MIGRATIONS", "false", True),
        ("SKIP_DB_MIGRATIONS", "true", False),
        ("DISPATCH_AUTH_MODE", "basic", False),  # unset is the legacy mode, no value spells it
        ("HOSTNAME", "0.0.0.0", False),  # not in the contract
        (LANE_CONFIG_VARIABLE, "{not json", True),  # ignored: the built-in lanes
        (LANE_CONFIG_VARIABLE, '{"lanes":[{"id":"a","title":"A","claimable":true}]}', False),
    ],
)
def test_which_values_mean_the_same_as_unset(name: str, value: str, expected: bool) -> None:
    assert means_app_default(name, value) is expected


def test_spellings_are_compared_by_kind() -> None:
    assert same_meaning("DISPATCH_HOSTED_GROOMER_ENABLED", "0", "no")
    assert not same_meaning("DISPATCH_HOSTED_GROOMER_ENABLED", "true", "1")
    assert same_meaning("PORT", "3000", "03000")
    assert not same_meaning("DISPATCH_EXCLUDED_LABELS", "a,b", "a, b")
    assert same_meaning("ANYTHING", "x", "x")


def test_every_structured_variable_has_its_key_in_the_chart() -> None:
    assert [var.name for var in STRUCTURED_VARIABLES][:2] == [
        "DISPATCH_AUTH_MODE",
        "DISPATCH_EXCLUDED_LABELS",
    ]
    for var in STRUCTURED_VARIABLES:
        assert var.values_path is not None and var.values_path[0] == "config", var.name
        assert chart_default(var.values_path) is not MISSING, var.name
        assert APP_VARIABLES[var.name] is var
    assert APP_VARIABLES["DISPATCH_AUTH_MODE"].choices == ("basic", "oidc", "disabled")


def test_envfrom_sources_keep_order_prefix_and_optional() -> None:
    sources = read_envfrom(
        [
            {"secretRef": {"name": "dispatch"}},
            {"configMapRef": {"name": "tuning", "optional": True}, "prefix": "DISPATCH_"},
            "not a source",
            {"secretRef": {}},
        ]
    )
    assert sources == (
        EnvFromSource("Secret", "dispatch"),
        EnvFromSource("ConfigMap", "tuning", "DISPATCH_", optional=True),
        EnvFromSource("Secret", ""),
    )
    assert str(sources[1]) == "ConfigMap tuning (prefix DISPATCH_) (optional)"
    assert sources[1].key_for("DISPATCH_AUTH_MODE") == "AUTH_MODE"
    assert sources[1].key_for("GITHUB_TOKEN") is None
    assert sources[0].key_for("GITHUB_TOKEN") == "GITHUB_TOKEN"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("ghcr.io/misospace/dispatch:0.5.17", ImageRef("ghcr.io/misospace/dispatch", "0.5.17")),
        (
            "ghcr.io/misospace/dispatch:0.5.17@sha256:ab",
            ImageRef("ghcr.io/misospace/dispatch", "0.5.17", "sha256:ab"),
        ),
        ("registry:5000/dispatch", ImageRef("registry:5000/dispatch")),
        ("registry:5000/dispatch@sha256:ab", ImageRef("registry:5000/dispatch", None, "sha256:ab")),
    ],
)
def test_image_references_split_at_tag_and_digest(reference: str, expected: ImageRef) -> None:
    assert parse_image_reference(reference) == expected
    assert str(expected) == reference


def test_dispatch_runs_under_both_of_its_names() -> None:
    assert is_dispatch_image("ghcr.io/misospace/mission-control:0.3.0")
    assert is_dispatch_image("ghcr.io/misospace/dispatch@sha256:ab")
    assert not is_dispatch_image("docker.io/curlimages/curl:8.21.0")
    assert not is_dispatch_image("ghcr.io/someone/dispatch:1.0.0")
