"""Kubernetes object data: where objects keep their pods, nested lookups, plain copies.

One table and one set of helpers for every stage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# Where each kind keeps its pod template (metadata + spec).
POD_TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
CONTAINER_LISTS = ("initContainers", "containers")


def dig(node: Any, *keys: str) -> Any:
    """Follow `keys` through nested mappings; None where the path breaks off."""
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def pod_template(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod template of a workload, Job or CronJob; None for other kinds."""
    path = POD_TEMPLATE_PATHS.get(str(obj.get("kind")))
    node = dig(obj, *path) if path else None
    return node if isinstance(node, Mapping) else None


def pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec of a Pod, workload, Job or CronJob; None for other kinds."""
    if obj.get("kind") == "Pod":
        spec = obj.get("spec")
    else:
        template = pod_template(obj)
        spec = template.get("spec") if template is not None else None
    return spec if isinstance(spec, Mapping) else None


def pod_containers(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Init containers then containers of the object's pod, if it has one."""
    spec = pod_spec(obj)
    if spec is None:
        return []
    return [
        container
        for field in CONTAINER_LISTS
        for container in spec.get(field) or []
        if isinstance(container, Mapping)
    ]


def plain_tree(value: Any) -> Any:
    """A copy of nested mappings/sequences as dicts (string keys) and lists; leaves as is.

    Unlike `load.to_plain` it does not re-type scalars: for data that is already plain.
    """
    if isinstance(value, Mapping):
        return {str(key): plain_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_tree(item) for item in value]
    return value


def leaves(node: Any, keys: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every scalar of a mapping/list tree with the keys and indexes that lead to it."""
    if isinstance(node, Mapping):
        for key, item in node.items():
            yield from leaves(item, (*keys, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from leaves(item, (*keys, index))
    else:
        yield keys, node
