"""Every object the chart renders is a valid Kubernetes object (strict: no unknown fields)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import kubernetes_validate
import pytest

from appt2dispatch.render.helm import KUBE_VERSION

if TYPE_CHECKING:
    from conftest import RenderValues

# The kube version the renders are pinned to; kubernetes-validate ships its schemas.
SCHEMA_VERSION = KUBE_VERSION.removeprefix("v")
# Gateway API objects are CRDs: kubernetes-validate has no schema for them (the HTTPRoute
# shape is asserted field by field in test_chart_render.py instead).
CRD_GROUPS = ("gateway.networking.k8s.io/",)


def test_schema_version_is_supported() -> None:
    assert SCHEMA_VERSION in kubernetes_validate.utils.all_versions()


@pytest.mark.parametrize("case", ["defaults", "full", "numeric-names"])
def test_rendered_objects_validate_strictly(
    render_values: RenderValues, full_values: dict[str, Any], case: str
) -> None:
    if case == "numeric-names":
        # names that YAML would read as numbers must still render as strings
        render = render_values(
            {"nameOverride": "123", "controllerName": "456", "serviceAccount": {"name": "42"}},
            release_name="789",
        )
    else:
        render = render_values(full_values if case == "full" else {})
    validated = []
    for obj in render.rendered.objects:
        if str(obj["apiVersion"]).startswith(CRD_GROUPS):
            continue
        kubernetes_validate.validate(dict(obj), SCHEMA_VERSION, strict=True)
        validated.append(obj["kind"])
    assert validated == ["ServiceAccount", "Service", "Deployment", "Job"]
    if case == "full":
        assert "HTTPRoute" in render.kinds


def test_fresh_install_with_only_a_database_secret_is_a_working_instance(
    render_values: RenderValues,
) -> None:
    """`helm install` + the Secret `dispatch` + a database URL Secret: the sketch's instance."""
    import json

    render = render_values({"database": {"existingSecret": "dispatch-pg"}})
    for obj in render.rendered.objects:
        kubernetes_validate.validate(dict(obj), SCHEMA_VERSION, strict=True)
    lanes = json.loads(render.env_value("DISPATCH_LANE_CONFIG_JSON") or "{}")
    assert [lane["id"] for lane in lanes["lanes"]] == ["local", "frontier", "backlog"]
    assert lanes["laneAliases"] == {"normal": "local", "escalated": "frontier"}
    assert render.env_value("DISPATCH_EXCLUDED_LABELS") == "renovate"
    app = render.container
    assert app["envFrom"] == [{"secretRef": {"name": "dispatch"}}]
    url = next(item for item in app["env"] if item["name"] == "DATABASE_URL")
    assert url["valueFrom"] == {"secretKeyRef": {"name": "dispatch-pg", "key": "uri"}}
    job = render.one("Job")["spec"]["template"]["spec"]["containers"][0]
    assert job["envFrom"] == [{"secretRef": {"name": "dispatch"}}]
