"""Pod templates: `defaultPodOptions` + `controllers.<id>.pod`, metadata, spec.

Option precedence is per top-level key: the controller's `pod.<key>` when it is
set and not empty (a boolean counts as set), else `defaultPodOptions.<key>`, else
the chart default. A map or list set in both places is refused: 4.x versions
before and after the `defaultPodOptionsStrategy` change combine them differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appt2dispatch.render.app_template.containers import render_containers
from appt2dispatch.render.app_template.context import RenderContext
from appt2dispatch.render.app_template.naming import selector_labels, user_metadata
from appt2dispatch.render.app_template.persistence import pod_volumes
from appt2dispatch.render.app_template.tpl import render_tree
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

_BOOL_OPTIONS = (
    "enableServiceLinks",
    "automountServiceAccountToken",
    "hostIPC",
    "hostNetwork",
    "hostPID",
)
_OPTIONAL_BOOLS = ("shareProcessNamespace",)
_STRING_OPTIONS = (
    "priorityClassName",
    "runtimeClassName",
    "schedulerName",
    "hostname",
    "dnsPolicy",
    "restartPolicy",
)
_VERBATIM_OPTIONS = (
    "securityContext",
    "dnsConfig",
    "hostAliases",
    "imagePullSecrets",
    "nodeSelector",
    "tolerations",
)
POD_OPTION_KEYS_4 = (
    *_BOOL_OPTIONS,
    *_OPTIONAL_BOOLS,
    *_STRING_OPTIONS,
    *_VERBATIM_OPTIONS,
    "affinity",
    "annotations",
    "labels",
    "terminationGracePeriodSeconds",
)
POD_OPTION_KEYS_5 = (*POD_OPTION_KEYS_4, "schedulingGates", "hostUsers")
# 4.1.1 with kube >= 1.32 (the render pins 1.33) also reads these.
POD_OPTION_KEYS_EXACT = (*POD_OPTION_KEYS_4, "hostUsers", "resources", "topologySpreadConstraints")
# Pod keys 4.1.1 never reads: the real chart renders nothing for them.
POD_KEYS_IGNORED_EXACT = ("resourceClaims", "schedulingGates")


def _set(value: Any) -> bool:
    return isinstance(value, bool) or not go_empty(value)


class PodOptions:
    """Resolves one controller's pod options against `defaultPodOptions`."""

    def __init__(self, ctx: RenderContext, controller_id: str, controller: Mapping[str, Any]):
        allowed: tuple[str, ...] = POD_OPTION_KEYS_5 if ctx.profile.is_v5 else POD_OPTION_KEYS_4
        if ctx.profile.exact:
            allowed = (*POD_OPTION_KEYS_EXACT, *POD_KEYS_IGNORED_EXACT)
        self.exact = ctx.profile.exact
        self.defaults = expect_mapping(ctx.values.get("defaultPodOptions"), "defaultPodOptions")
        check_keys(self.defaults, allowed, "defaultPodOptions")
        if "restartPolicy" in self.defaults and not go_empty(self.defaults["restartPolicy"]):
            refuse(
                "defaultPodOptions.restartPolicy",
                "CronJobs ignore it while other controllers use it; not modelled",
            )
        self.pod_path = join_path(join_path("controllers", controller_id), "pod")
        self.pod = expect_mapping(controller.get("pod"), self.pod_path)
        check_keys(self.pod, allowed, self.pod_path)

    def get(self, option: str, default: Any = None) -> tuple[Any, str]:
        """The effective value and the key path it came from."""
        pod_value = self.pod.get(option)
        if (
            not self.exact
            and isinstance(pod_value, (dict, list))
            and _set(pod_value)
            and _set(self.defaults.get(option))
        ):
            refuse(
                join_path(self.pod_path, option),
                "set both here and in defaultPodOptions: 4.x versions combine the two differently",
            )
        if _set(pod_value):
            return self.pod[option], join_path(self.pod_path, option)
        if _set(self.defaults.get(option)):
            return self.defaults[option], join_path("defaultPodOptions", option)
        return default, join_path(self.pod_path, option)


def pod_template(
    ctx: RenderContext,
    controller_id: str,
    controller: Mapping[str, Any],
    service_account_name: str,
    *,
    restart_policy: str | None = None,
) -> dict[str, Any]:
    """`spec.template` of a workload (metadata and pod spec)."""
    options = PodOptions(ctx, controller_id, controller)
    if ctx.profile.exact:
        return {
            "metadata": _merged_pod_metadata(ctx, controller_id, options),
            "spec": _pod_spec(
                ctx, controller_id, controller, options, service_account_name, restart_policy
            ),
        }
    metadata: dict[str, Any] = {}
    annotations, annotations_path = options.get("annotations")
    annotations = user_metadata(annotations, annotations_path, labels=False)
    if annotations:
        metadata["annotations"] = annotations
    labels, labels_path = options.get("labels")
    metadata["labels"] = {
        **user_metadata(labels, labels_path, labels=True),
        **selector_labels(ctx, controller_id),
    }
    spec = _pod_spec(ctx, controller_id, controller, options, service_account_name, restart_policy)
    return {"metadata": metadata, "spec": spec}


def _merged_pod_metadata(
    ctx: RenderContext, controller_id: str, options: PodOptions
) -> dict[str, Any]:
    """4.1.1 merges pod over default over chart metadata (pod wins)."""
    from appt2dispatch.render.app_template.configs import checksum_annotations

    default_labels = user_metadata(
        options.defaults.get("labels"), "defaultPodOptions.labels", labels=True, mode="literal"
    )
    if default_labels and len(_enabled_controllers(ctx)) > 1:
        # The chart merges the selector labels into defaultPodOptions.labels in place,
        # so the next controller (in random order) inherits the first one's labels.
        refuse(
            "defaultPodOptions.labels",
            "with several controllers the chart's pod labels depend on render order",
        )
    labels = {
        **selector_labels(ctx, controller_id),
        **default_labels,
        **user_metadata(
            options.pod.get("labels"),
            join_path(options.pod_path, "labels"),
            labels=True,
            mode="literal",
        ),
    }
    annotations = {
        **user_metadata(
            options.defaults.get("annotations"),
            "defaultPodOptions.annotations",
            labels=False,
            mode="literal",
        ),
        **user_metadata(
            options.pod.get("annotations"),
            join_path(options.pod_path, "annotations"),
            labels=False,
            mode="literal",
        ),
        **checksum_annotations(ctx),
    }
    metadata: dict[str, Any] = {}
    if annotations:
        metadata["annotations"] = annotations
    metadata["labels"] = labels
    return metadata


def _enabled_controllers(ctx: RenderContext) -> list[str]:
    from appt2dispatch.render.app_template.services import enabled_controller_ids

    return enabled_controller_ids(ctx)


def _pod_spec(
    ctx: RenderContext,
    controller_id: str,
    controller: Mapping[str, Any],
    options: PodOptions,
    service_account_name: str,
    restart_policy: str | None,
) -> dict[str, Any]:
    chart_defaults = {
        "enableServiceLinks": False,
        "automountServiceAccountToken": ctx.profile.automount_token_default,
        "hostIPC": False,
        "hostNetwork": False,
        "hostPID": False,
    }
    spec: dict[str, Any] = {}
    for option in ("enableServiceLinks", "automountServiceAccountToken"):
        value, path = options.get(option, chart_defaults[option])
        spec[option] = expect_bool(value, path)
        if option == "enableServiceLinks":
            spec["serviceAccountName"] = service_account_name
    for option in ("priorityClassName", "runtimeClassName", "schedulerName"):
        value, path = options.get(option)
        if _set(value):
            spec[option] = expect_str(value, path)
    value, path = options.get("securityContext")
    if _set(value):
        spec["securityContext"] = expect_mapping(value, path)
    value, path = options.get("hostname")
    if _set(value):
        spec["hostname"] = expect_str(value, path)
    for option in ("hostIPC", "hostNetwork", "hostPID"):
        value, path = options.get(option, chart_defaults[option])
        spec[option] = expect_bool(value, path)
    for option in ("hostUsers", "shareProcessNamespace"):
        value, path = options.get(option)
        if _set(value):
            spec[option] = expect_bool(value, path)
    dns_policy, path = options.get("dnsPolicy")
    if _set(dns_policy):
        spec["dnsPolicy"] = expect_str(dns_policy, path)
    else:
        spec["dnsPolicy"] = "ClusterFirstWithHostNet" if spec["hostNetwork"] else "ClusterFirst"
    for option in ("dnsConfig", "hostAliases", "imagePullSecrets"):
        value, path = options.get(option)
        if _set(value):
            spec[option] = value
    value, path = options.get("terminationGracePeriodSeconds")
    if _set(value):
        if not is_number(value):
            refuse(path, "a number is expected")
        spec["terminationGracePeriodSeconds"] = printed_number(value, path)
    if ctx.profile.exact:
        value, path = options.get("resources")
        if _set(value):
            spec["resources"] = expect_mapping(value, path)
    if restart_policy is not None:
        spec["restartPolicy"] = restart_policy
    else:
        value, path = options.get("restartPolicy")
        if _set(value):
            spec["restartPolicy"] = expect_str(value, path)
    value, path = options.get("nodeSelector")
    if _set(value):
        spec["nodeSelector"] = value
    value, path = options.get("affinity")
    if _set(value):
        spec["affinity"] = render_tree(expect_mapping(value, path), ctx.scope, path)
    value, path = options.get("topologySpreadConstraints")
    if _set(value):
        spec["topologySpreadConstraints"] = render_tree(value, ctx.scope, path)
    for option in ("tolerations", "schedulingGates"):
        value, path = options.get(option)
        if _set(value):
            spec[option] = value
    init_containers = render_containers(ctx, controller_id, controller, "initContainers")
    if init_containers:
        spec["initContainers"] = init_containers
    containers = render_containers(ctx, controller_id, controller, "containers")
    if not containers:
        refuse(
            join_path(join_path("controllers", controller_id), "containers"),
            "a controller needs at least one enabled container",
        )
    spec["containers"] = containers
    volumes = pod_volumes(ctx, controller_id)
    if volumes:
        spec["volumes"] = volumes
    return spec
