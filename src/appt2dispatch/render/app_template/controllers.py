"""`controllers.*`: Deployments and CronJobs (4.1.1: the other types in workloads.py).

Deployment defaults: `replicas: 1` (an explicit null drops the field),
`revisionHistoryLimit: 3`, `strategy: Recreate`. CronJob defaults: `suspend:
false`, `concurrencyPolicy: Forbid`, `startingDeadlineSeconds: 30`, history
limits 1, `backoffLimit: 6`, pods `restartPolicy: Never`. Controller labels and
annotations land on the workload's metadata, not on the pod.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import (
    NAMING_KEYS,
    object_metadata,
    resource_name,
    selector_labels,
)
from appt2dispatch.render.app_template.pods import pod_template
from appt2dispatch.render.app_template.serviceaccounts import service_account_name
from appt2dispatch.render.app_template.services import enabled_controller_ids
from appt2dispatch.render.app_template.values import (
    check_keys,
    expect_bool,
    expect_mapping,
    expect_str,
    go_empty,
    is_number,
    join_path,
    printed_number,
    refuse,
)

_COMMON_KEYS = (
    "enabled",
    "type",
    "annotations",
    "labels",
    "serviceAccount",
    "pod",
    "containers",
    "initContainers",
    "defaultContainerOptions",
    "defaultContainerOptionsStrategy",
    "applyDefaultContainerOptionsToInitContainers",
    *NAMING_KEYS,
)
_DEPLOYMENT_KEYS = (*_COMMON_KEYS, "replicas", "strategy", "rollingUpdate", "revisionHistoryLimit")
_CRONJOB_KEYS = (*_COMMON_KEYS, "cronjob")
_CRONJOB_SETTINGS_4 = (
    "schedule",
    "timeZone",
    "concurrencyPolicy",
    "startingDeadlineSeconds",
    "successfulJobsHistory",
    "failedJobsHistory",
    "backoffLimit",
    "suspend",
    "ttlSecondsAfterFinished",
)
_CRONJOB_SETTINGS_5 = (*_CRONJOB_SETTINGS_4, "activeDeadlineSeconds", "parallelism")
# 4.1.1 exactly: the other controller types.
_STATEFULSET_KEYS = (
    *_COMMON_KEYS,
    "replicas",
    "strategy",
    "rollingUpdate",
    "revisionHistoryLimit",
    "statefulset",
)
_STATEFULSET_SETTINGS = (
    "podManagementPolicy",
    "serviceName",
    "persistentVolumeClaimRetentionPolicy",
    "volumeClaimTemplates",
)
_DAEMONSET_KEYS = (*_COMMON_KEYS, "revisionHistoryLimit")
_JOB_KEYS = (*_COMMON_KEYS, "job")
_ANY_TYPE_KEYS = tuple(
    dict.fromkeys(
        (*_DEPLOYMENT_KEYS, *_CRONJOB_KEYS, *_STATEFULSET_KEYS, *_DAEMONSET_KEYS, *_JOB_KEYS)
    )
)
_JOB_SETTINGS = (
    "suspend",
    "activeDeadlineSeconds",
    "ttlSecondsAfterFinished",
    "parallelism",
    "completions",
    "completionMode",
    "backoffLimit",
)


def render_controllers(ctx: RenderContext) -> list[dict[str, Any]]:
    ids = enabled_controller_ids(ctx)
    if not ids:
        return []
    controllers = expect_mapping(ctx.values.get("controllers"), "controllers")
    if ctx.profile.exact:
        from appt2dispatch.render.app_template.configs import go_roundtrip_if_multiline

        # 4.1.1 lists enabled controllers through toYaml | fromYaml.
        controllers = go_roundtrip_if_multiline(
            {cid: expect_mapping(controllers[cid], join_path("controllers", cid)) for cid in ids}
        )
    return [
        _controller(
            ctx, cid, expect_mapping(controllers[cid], join_path("controllers", cid)), len(ids)
        )
        for cid in ids
    ]


def _controller(
    ctx: RenderContext, cid: str, controller: Mapping[str, Any], count: int
) -> dict[str, Any]:
    path = join_path("controllers", cid)
    kind = controller.get("type") or "deployment"
    if ctx.profile.exact:
        # 4.1.1 reads each key only for the types that use it; the rest render nothing.
        check_keys(controller, _ANY_TYPE_KEYS, path)
    if ctx.profile.exact and kind in ("deployment", "cronjob"):
        pass
    elif kind == "deployment":
        check_keys(controller, _DEPLOYMENT_KEYS, path)
    elif kind == "cronjob":
        check_keys(controller, _CRONJOB_KEYS, path)
    elif not (ctx.profile.exact and kind in ("statefulset", "daemonset", "job")):
        refuse(join_path(path, "type"), f"controller type {kind!r} is outside the built-in model")
    metadata = object_metadata(
        ctx,
        resource_name(ctx, cid, controller, count, path),
        controller,
        path,
        {"app.kubernetes.io/controller": cid},
    )
    account = service_account_name(ctx, cid, controller)
    if kind in ("statefulset", "daemonset", "job"):
        from appt2dispatch.render.app_template.workloads import render_other_controller

        return render_other_controller(ctx, cid, controller, metadata, account, path)
    if kind == "deployment":
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata,
            "spec": _deployment_spec(ctx, cid, controller, account, path),
        }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata,
        "spec": _cronjob_spec(ctx, cid, controller, account, path),
    }


def _number_or_default(settings: Mapping[str, Any], key: str, default: int, path: str) -> Any:
    value = settings.get(key)
    if value is None:
        return default
    return printed_number(value, join_path(path, key))


def _deployment_spec(
    ctx: RenderContext, cid: str, controller: Mapping[str, Any], account: str, path: str
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "revisionHistoryLimit": _number_or_default(controller, "revisionHistoryLimit", 3, path),
    }
    if "replicas" not in controller:
        spec["replicas"] = 1
    elif controller["replicas"] is not None:
        spec["replicas"] = printed_number(controller["replicas"], join_path(path, "replicas"))
    strategy = controller.get("strategy") or "Recreate"
    strategy = expect_str(strategy, join_path(path, "strategy"))
    if strategy not in ("Recreate", "RollingUpdate"):
        refuse(join_path(path, "strategy"), f"strategy {strategy!r} is not a Deployment strategy")
    if ctx.profile.exact:
        spec["strategy"] = {"type": strategy}
        rolling = _rolling_update_exact(controller, path)
        if strategy == "RollingUpdate" and rolling:
            spec["strategy"]["rollingUpdate"] = rolling
        spec["selector"] = {"matchLabels": selector_labels(ctx, cid)}
        spec["template"] = pod_template(ctx, cid, controller, account)
        return spec
    spec["strategy"] = {"type": strategy}
    rolling = _rolling_update(ctx, controller, path)
    if strategy == "RollingUpdate" and rolling:
        spec["strategy"]["rollingUpdate"] = rolling
    spec["selector"] = {"matchLabels": selector_labels(ctx, cid)}
    spec["template"] = pod_template(ctx, cid, controller, account)
    return spec


def _rolling_update(ctx: RenderContext, controller: Mapping[str, Any], path: str) -> dict[str, Any]:
    rolling_path = join_path(path, "rollingUpdate")
    rolling = expect_mapping(controller.get("rollingUpdate"), rolling_path)
    if ctx.profile.is_v5:
        check_keys(rolling, ("unavailable", "surge", "maxUnavailable", "maxSurge"), rolling_path)
    else:
        check_keys(rolling, ("unavailable", "surge"), rolling_path)
    result: dict[str, Any] = {}
    for target, keys in (
        ("maxUnavailable", ("maxUnavailable", "unavailable")),
        ("maxSurge", ("maxSurge", "surge")),
    ):
        for key in keys:
            if key not in rolling:
                continue
            value = rolling[key]
            if go_empty(value) and not ctx.profile.is_v5:
                refuse(
                    join_path(rolling_path, key),
                    "empty or zero values are dropped by some versions and kept by others",
                )
            if is_number(value):
                result[target] = printed_number(value, join_path(rolling_path, key))
            else:
                text = expect_str(value, join_path(rolling_path, key))
                if not text.endswith("%"):
                    refuse(join_path(rolling_path, key), "a number or a percentage is expected")
                result[target] = text
            break
    return result


def _rolling_update_exact(controller: Mapping[str, Any], path: str) -> dict[str, Any]:
    """4.1.1 reads `unavailable`/`surge` and drops empty or zero ones."""
    rolling_path = join_path(path, "rollingUpdate")
    rolling = expect_mapping(controller.get("rollingUpdate"), rolling_path)
    check_keys(rolling, ("unavailable", "surge", "partition"), rolling_path)
    result: dict[str, Any] = {}
    for target, key in (("maxUnavailable", "unavailable"), ("maxSurge", "surge")):
        value = rolling.get(key)
        if go_empty(value):
            continue
        if is_number(value):
            result[target] = printed_number(value, join_path(rolling_path, key))
        else:
            text = expect_str(value, join_path(rolling_path, key))
            if not text.endswith("%") or not text[:-1].isdigit():
                refuse(join_path(rolling_path, key), "a number or a percentage is expected")
            result[target] = text
    return result


def _cronjob_spec(
    ctx: RenderContext, cid: str, controller: Mapping[str, Any], account: str, path: str
) -> dict[str, Any]:
    settings_path = join_path(path, "cronjob")
    settings = expect_mapping(controller.get("cronjob"), settings_path)
    check_keys(
        settings,
        _CRONJOB_SETTINGS_5 if ctx.profile.is_v5 or ctx.profile.exact else _CRONJOB_SETTINGS_4,
        settings_path,
    )
    schedule = settings.get("schedule")
    if go_empty(schedule):
        refuse(join_path(settings_path, "schedule"), "a schedule is required")
    suspend = settings.get("suspend")
    spec: dict[str, Any] = {
        "suspend": False
        if go_empty(suspend)
        else expect_bool(suspend, join_path(settings_path, "suspend")),
        "concurrencyPolicy": expect_str(
            settings.get("concurrencyPolicy") or "Forbid",
            join_path(settings_path, "concurrencyPolicy"),
        ),
        "startingDeadlineSeconds": _number_or_default(
            settings, "startingDeadlineSeconds", 30, settings_path
        ),
    }
    if not go_empty(settings.get("timeZone")):
        spec["timeZone"] = expect_str(settings["timeZone"], join_path(settings_path, "timeZone"))
    spec["schedule"] = expect_str(schedule, join_path(settings_path, "schedule"))
    spec["successfulJobsHistoryLimit"] = _number_or_default(
        settings, "successfulJobsHistory", 1, settings_path
    )
    spec["failedJobsHistoryLimit"] = _number_or_default(
        settings, "failedJobsHistory", 1, settings_path
    )
    job_spec: dict[str, Any] = {}
    for key in ("activeDeadlineSeconds", "ttlSecondsAfterFinished", "parallelism"):
        if not go_empty(settings.get(key)):
            job_spec[key] = printed_number(settings[key], join_path(settings_path, key))
    job_spec["backoffLimit"] = _number_or_default(settings, "backoffLimit", 6, settings_path)
    pod = expect_mapping(controller.get("pod"), join_path(path, "pod"))
    restart = pod.get("restartPolicy") or "Never"
    if restart not in ("Never", "OnFailure"):
        refuse(join_path(path, "pod.restartPolicy"), "the chart fails on it for a CronJob")
    job_spec["template"] = pod_template(
        ctx,
        cid,
        controller,
        account,
        restart_policy=expect_str(restart, join_path(path, "pod.restartPolicy")),
    )
    spec["jobTemplate"] = {"spec": job_spec}
    return spec
