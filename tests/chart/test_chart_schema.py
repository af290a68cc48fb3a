"""values.schema.json on its own: Helm drops a null whose key has a default before it
validates, so whether the schema itself accepts null is checked here with jsonschema
(other validators, e.g. editors and the translator, see the nulls)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML


@pytest.fixture
def validator(chart_dir: Path) -> jsonschema.Draft7Validator:
    schema = json.loads((chart_dir / "values.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def chart_values(chart_dir: Path) -> dict[str, Any]:
    values: dict[str, Any] = YAML(typ="safe", pure=True).load(chart_dir / "values.yaml")
    return values


def _errors(validator: jsonschema.Draft7Validator, values: dict[str, Any]) -> list[str]:
    return [error.json_path for error in validator.iter_errors(values)]


def test_chart_defaults_are_valid(
    validator: jsonschema.Draft7Validator, chart_values: dict[str, Any]
) -> None:
    assert _errors(validator, chart_values) == []


def test_every_structured_key_accepts_null(
    validator: jsonschema.Draft7Validator, chart_values: dict[str, Any]
) -> None:
    config = chart_values["config"]
    for key in ("authMode", "excludedLabels", "llmBaseUrl", "lanes", "laneAliases"):
        config[key] = None
    for key in ("enabled", "model", "dryRun", "repoContext"):
        config["groomer"][key] = None
    config["scheduler"]["enabled"] = None
    for key in config["scheduler"]["intervals"]:
        config["scheduler"]["intervals"][key] = None
    assert _errors(validator, chart_values) == []
    for section in ("groomer", "scheduler"):
        assert _errors(validator, {**chart_values, "config": {section: None}}) == []
    assert _errors(validator, {**chart_values, "config": None}) == []


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        (
            {"config": {"scheduler": {"intervals": {"syncMs": -5}}}},
            "$.config.scheduler.intervals.syncMs",
        ),
        ({"config": {"groomer": {"enabled": "true"}}}, "$.config.groomer.enabled"),
        ({"config": {"excludedLabels": {"a": "b"}}}, "$.config.excludedLabels"),
        ({"config": {"laneAliases": {"": "local"}}}, "$.config.laneAliases"),
        ({"service": {"port": 0}}, "$.service.port"),
        ({"service": {"targetPort": "http"}}, "$.service.targetPort"),
        ({"migrations": {"hookWeight": "early"}}, "$.migrations.hookWeight"),
        ({"image": {"pullPolicy": "sometimes"}}, "$.image.pullPolicy"),
    ],
)
def test_schema_rejects(
    validator: jsonschema.Draft7Validator, patch: dict[str, Any], path: str
) -> None:
    assert path in _errors(validator, patch)
