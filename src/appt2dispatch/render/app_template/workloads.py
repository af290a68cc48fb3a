"""StatefulSet, DaemonSet and Job controllers, as app-template 4.1.1 renders them.

StatefulSet: `updateStrategy` RollingUpdate unless `strategy: OnDelete`, partition
only when set, `podManagementPolicy: OrderedReady`, `serviceName` the chart's
fullname unless `statefulset.serviceName` (a name, templated, or an `identifier`),
and `volumeClaimTemplates` mounted like persistence items. `replicas` is printed as
given, so a StatefulSet without it renders `replicas: null`. DaemonSet pods always
carry an `annotations` key (null when empty). Jobs default to `restartPolicy: Never`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.controllers import (
    _JOB_SETTINGS,
    _STATEFULSET_SETTINGS,
    _number_or_default,
)
from appt2dispatch.render.app_template.naming import selector_labels
from appt2dispatch.render.app_template.persistence import claim_templates
from appt2dispatch.render.app_template.pods import pod_template
from appt2dispatch.render.app_template.services import enabled_services
from appt2dispatch.render.app_template.tpl import render_tpl, render_tree
from appt2dispatch.render.app_template.values import (
    check_keys,
    expect_bool,
    expect_mapping,
    expect_str,
    go_empty,
    join_path,
    printed_number,
    refuse,
)


def render_other_controller(
    ctx: RenderContext,
    cid: str,
    controller: Mapping[str, Any],
    metadata: dict[str, Any],
    account: str,
    path: str,
) -> dict[str, Any]:
    kind = controller["type"]
    if kind == "statefulset":
        return {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": metadata,
            "spec": _statefulset_spec(ctx, cid, controller, account, path),
        }
    if kind == "daemonset":
        template = pod_template(ctx, cid, controller, account)
        template["metadata"].setdefault("annotations", None)
        template["metadata"] = {
            "annotations": template["metadata"]["annotations"],
            "labels": template["metadata"]["labels"],
        }
        return {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": metadata,
            "spec": {
                "revisionHistoryLimit": _number_or_default(
                    controller, "revisionHistoryLimit", 3, path
                ),
                "selector": {"matchLabels": selector_labels(ctx, cid)},
                "template": template,
            },
        }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": _job_spec(ctx, cid, controller, account, path),
    }


def _statefulset_spec(
    ctx: RenderContext, cid: str, controller: Mapping[str, Any], account: str, path: str
) -> dict[str, Any]:
    settings_path = join_path(path, "statefulset")
    settings = expect_mapping(controller.get("statefulset"), settings_path)
    check_keys(settings, _STATEFULSET_SETTINGS, settings_path)
    spec: dict[str, Any] = {
        "revisionHistoryLimit": _number_or_default(controller, "revisionHistoryLimit", 3, path),
        "replicas": None
        if controller.get("replicas") is None
        else printed_number(controller["replicas"], join_path(path, "replicas")),
        "podManagementPolicy": expect_str(
            settings.get("podManagementPolicy", "OrderedReady"),
            join_path(settings_path, "podManagementPolicy"),
        ),
    }
    strategy = expect_str(
        controller.get("strategy") or "RollingUpdate", join_path(path, "strategy")
    )
    if strategy not in ("OnDelete", "RollingUpdate"):
        refuse(join_path(path, "strategy"), "the chart fails on this StatefulSet strategy")
    spec["updateStrategy"] = {"type": strategy}
    rolling = expect_mapping(controller.get("rollingUpdate"), join_path(path, "rollingUpdate"))
    check_keys(rolling, ("partition", "unavailable", "surge"), join_path(path, "rollingUpdate"))
    if strategy == "RollingUpdate" and not go_empty(rolling.get("partition")):
        spec["updateStrategy"]["rollingUpdate"] = {
            "partition": printed_number(
                rolling["partition"], join_path(path, "rollingUpdate.partition")
            )
        }
    spec["selector"] = {"matchLabels": selector_labels(ctx, cid)}
    spec["serviceName"] = _service_name(ctx, settings, settings_path)
    retention = settings.get("persistentVolumeClaimRetentionPolicy")
    if not go_empty(retention):
        spec["persistentVolumeClaimRetentionPolicy"] = expect_mapping(
            retention, join_path(settings_path, "persistentVolumeClaimRetentionPolicy")
        )
    spec["template"] = pod_template(ctx, cid, controller, account)
    templates = [_claim_template(ctx, t) for t in claim_templates(controller, path)]
    if templates:
        spec["volumeClaimTemplates"] = templates
    return spec


def _service_name(ctx: RenderContext, settings: Mapping[str, Any], path: str) -> str:
    value = settings.get("serviceName")
    value_path = join_path(path, "serviceName")
    if go_empty(value):
        return ctx.fullname
    if isinstance(value, Mapping):
        identifier = expect_str(value.get("identifier"), join_path(value_path, "identifier"))
        services = enabled_services(ctx)
        if identifier not in services:
            refuse(join_path(value_path, "identifier"), f"no enabled service {identifier!r}")
        return services[identifier].name
    return render_tpl(expect_str(value, value_path), ctx.scope, value_path)


def _claim_template(ctx: RenderContext, template: Mapping[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": template["name"]}
    for key in ("labels", "annotations"):
        if not go_empty(template.get(key)):
            metadata[key] = template[key]
    spec: dict[str, Any] = {
        "accessModes": [_quoted(template["accessMode"])],
        "resources": {"requests": {"storage": _quoted(template["size"])}},
    }
    storage_class = template.get("storageClass")
    if not go_empty(storage_class):
        spec["storageClassName"] = "" if storage_class == "-" else _quoted(storage_class)
    for key in ("dataSource", "dataSourceRef"):
        if not go_empty(template.get(key)):
            spec[key] = render_tree(template[key], ctx.scope, key)
    return {"metadata": metadata, "spec": spec}


def _quoted(value: Any) -> str:
    """`{{ x | quote }}`: strings as they are, numbers in Go's %v form."""
    from appt2dispatch.render.app_template.values import go_scalar_string

    return go_scalar_string(value, "value")


def _job_spec(
    ctx: RenderContext, cid: str, controller: Mapping[str, Any], account: str, path: str
) -> dict[str, Any]:
    settings_path = join_path(path, "job")
    settings = expect_mapping(controller.get("job"), settings_path)
    check_keys(settings, _JOB_SETTINGS, settings_path)
    suspend = settings.get("suspend")
    spec: dict[str, Any] = {
        "suspend": False
        if go_empty(suspend)
        else expect_bool(suspend, join_path(settings_path, "suspend"))
    }
    for key in ("activeDeadlineSeconds", "ttlSecondsAfterFinished", "parallelism", "completions"):
        if not go_empty(settings.get(key)):
            spec[key] = printed_number(settings[key], join_path(settings_path, key))
    if not go_empty(settings.get("completionMode")):
        spec["completionMode"] = expect_str(
            settings["completionMode"], join_path(settings_path, "completionMode")
        )
    spec["backoffLimit"] = _number_or_default(settings, "backoffLimit", 6, settings_path)
    pod = expect_mapping(controller.get("pod"), join_path(path, "pod"))
    restart = pod.get("restartPolicy") or "Never"
    if restart not in ("Never", "OnFailure"):
        refuse(join_path(path, "pod.restartPolicy"), "the chart fails on it for a Job")
    spec["template"] = pod_template(ctx, cid, controller, account, restart_policy=restart)
    return spec
