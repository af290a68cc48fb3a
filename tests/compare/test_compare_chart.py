"""The real new side: the bundled dispatch chart against app-template's golden render."""

from __future__ import annotations

import json
from typing import Any

import pytest

from appt2dispatch.compare import compare_renders, decide_verdict
from appt2dispatch.models import Rendered, Translation
from appt2dispatch.render.dispatch_chart import bundled_chart_dir, render_dispatch
from compare.compare_helpers import IMAGE, app_container, at_path, env_entry, non_cosmetic, rendered

APP = "spec.template.spec.containers[app]"
DEPLOYMENT = "Deployment.apps llm/dispatch"


@pytest.fixture(autouse=True)
def _chart_templates_present() -> None:
    if not any((bundled_chart_dir() / "templates").glob("*.yaml")):
        pytest.skip("the dispatch chart has no templates yet")


def faithful_values(golden: list[dict[str, Any]]) -> dict[str, Any]:
    """Values under which the chart should render what the golden release runs (by hand)."""
    lanes = json.loads(env_entry(app_container(golden), "DISPATCH_LANE_CONFIG_JSON")["value"])
    return {
        "image": {"repository": "ghcr.io/misospace/dispatch", "tag": IMAGE.split(":", 1)[1]},
        "annotations": {"reloader.stakater.com/auto": "true"},
        "config": {
            "authMode": None,
            "excludedLabels": "renovate",
            "llmBaseUrl": "http://litellm.llm:4000/v1",
            "groomer": {"enabled": True, "model": "vision", "dryRun": False, "repoContext": True},
            "scheduler": {
                "enabled": True,
                "intervals": {
                    "syncMs": None,
                    "groomerMs": None,
                    "prFollowupMs": None,
                    "pruneClosedMs": None,
                },
            },
            "lanes": lanes["lanes"],
            "laneAliases": lanes["laneAliases"],
        },
        "existingSecret": "dispatch",
        "database": {"existingSecret": "dispatch-app", "key": "uri"},
        "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "50m", "memory": "256Mi"}},
        "httpRoute": {
            "enabled": True,
            "parentRefs": [{"name": "envoy-internal", "namespace": "network"}],
            "hostnames": ["dispatch.jory.dev"],
            "rules": [{"backendRefs": [{}]}],
        },
        "serviceAccount": {"automountServiceAccountToken": True},
    }


def render(values: dict[str, Any]) -> Rendered:
    return render_dispatch(values, release_name="dispatch", namespace="llm")


def test_faithful_values_prove_no_behavior_change(golden_objects: list[dict[str, Any]]) -> None:
    findings = compare_renders(rendered(golden_objects), render(faithful_values(golden_objects)))
    assert decide_verdict(findings) == "no-behavior-change"
    assert non_cosmetic(findings) == [
        ("expected", DEPLOYMENT, f"{APP}.env[SKIP_DB_MIGRATIONS]"),
        ("expected", DEPLOYMENT, "spec.template.spec.serviceAccountName"),
        ("expected", "Job.batch llm/dispatch-migrate", ""),
        ("expected", "ServiceAccount llm/dispatch", ""),
    ]


def test_chart_defaults_shadow_and_change_behavior(golden_objects: list[dict[str, Any]]) -> None:
    values = faithful_values(golden_objects)
    values["config"]["authMode"] = "basic"  # the chart's default for new installs
    values["config"]["scheduler"]["intervals"]["syncMs"] = 900000
    del values["annotations"]
    translation = Translation(
        values=values,
        values_yaml="",
        notes=(),
        chart_version="0.5.40",
        envfrom_keys={"dispatch": frozenset({"DISPATCH_AGENT_TOKEN", "GITHUB_TOKEN"})},
    )
    findings = compare_renders(rendered(golden_objects), render(values), translation)
    assert decide_verdict(findings) == "behavior-change"
    assert at_path(findings, f"{APP}.env[DISPATCH_AUTH_MODE]").klass == "behavior"
    # 900000 is the app's default and the Secret is known not to carry it: neutral.
    assert at_path(findings, f"{APP}.env[DISPATCH_SYNC_INTERVAL_MS]").klass == "cosmetic"
    assert at_path(findings, "metadata.annotations[reloader.stakater.com/auto]").klass == "behavior"
    unknown_secret = compare_renders(rendered(golden_objects), render(values))
    assert at_path(unknown_secret, f"{APP}.env[DISPATCH_SYNC_INTERVAL_MS]").klass == "behavior"


def test_chart_token_default_is_reported(golden_objects: list[dict[str, Any]]) -> None:
    values = faithful_values(golden_objects)
    del values["serviceAccount"]
    findings = compare_renders(rendered(golden_objects), render(values))
    assert at_path(findings, "spec.template.spec.automountServiceAccountToken").klass == "behavior"
