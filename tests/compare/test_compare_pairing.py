"""Pairing objects (identity, rename map) and list items (merge keys); path format."""

from __future__ import annotations

from typing import Any

from appt2dispatch.compare import compare_renders
from appt2dispatch.compare.pairing import (
    KeyedItems,
    format_path,
    infer_namespace,
    key_lists,
    object_key,
    pair_objects,
)
from appt2dispatch.models import ObjectKey, Translation
from compare.compare_helpers import at_path, rendered


def obj(
    kind: str, name: str, api_version: str = "v1", namespace: str | None = "llm"
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


def test_object_key_uses_group_not_version() -> None:
    v1 = object_key(obj("HTTPRoute", "dispatch", "gateway.networking.k8s.io/v1"), "llm")
    beta = object_key(obj("HTTPRoute", "dispatch", "gateway.networking.k8s.io/v1beta1"), "llm")
    assert v1 == beta == ObjectKey("gateway.networking.k8s.io", "HTTPRoute", "llm", "dispatch")
    assert str(v1) == "HTTPRoute.gateway.networking.k8s.io llm/dispatch"
    assert object_key(obj("Service", "dispatch"), "llm").group == ""


def test_missing_namespace_is_the_release_namespace() -> None:
    objects = [
        obj("Service", "a"),
        obj("Deployment", "a", "apps/v1"),
        obj("ServiceAccount", "a", namespace=None),
    ]
    assert infer_namespace(objects) == "llm"
    assert object_key(objects[2], "llm").namespace == "llm"
    assert infer_namespace([obj("Service", "a", namespace=None)]) == ""


def test_pairing_with_a_rename_map() -> None:
    old_keys = [
        ObjectKey("", "Service", "llm", "dispatch-app"),
        ObjectKey("apps", "Deployment", "llm", "dispatch"),
    ]
    new_keys = [
        ObjectKey("", "Service", "llm", "dispatch"),
        ObjectKey("apps", "Deployment", "llm", "dispatch"),
    ]
    without = pair_objects(old_keys, new_keys, {})
    assert without.removed == (old_keys[0],)
    assert without.added == (new_keys[0],)
    renamed = pair_objects(old_keys, new_keys, {old_keys[0]: new_keys[0]})
    assert set(renamed.pairs) == {(old_keys[0], new_keys[0]), (old_keys[1], new_keys[1])}
    assert renamed.removed == renamed.added == ()


def test_merge_keyed_lists_become_keyed_maps() -> None:
    tree = key_lists(
        {
            "containers": [
                {
                    "name": "app",
                    "env": [
                        {"name": "B", "value": "1"},
                        {"name": "A", "value": "2"},
                        {"name": "B", "value": "3"},
                    ],
                    "ports": [{"containerPort": 3000}, {"containerPort": 53, "protocol": "UDP"}],
                    "volumeMounts": [{"mountPath": "/data", "name": "data"}],
                    "args": ["--a", "--b"],
                }
            ]
        }
    )
    app = tree["containers"]["app"]
    assert isinstance(tree["containers"], KeyedItems)
    assert app["env"] == {"B": {"name": "B", "value": "3"}, "A": {"name": "A", "value": "2"}}
    assert list(app["ports"]) == ["3000", "53/UDP"]
    assert list(app["volumeMounts"]) == ["/data"]
    assert app["args"] == ["--a", "--b"]  # no merge key: compared whole


def test_path_format_names_items_by_key() -> None:
    segments = ["spec", "template", "spec", "containers", "app", "env", "FOO", "value"]
    keyed = [False, False, False, False, True, False, True, False]
    assert format_path(segments, keyed) == "spec.template.spec.containers[app].env[FOO].value"
    assert (
        format_path(["metadata", "annotations", "reloader.stakater.com/auto"], [False] * 3)
        == "metadata.annotations[reloader.stakater.com/auto]"
    )


def service(name: str, port: int = 3000) -> dict[str, Any]:
    return {
        **obj("Service", name),
        "spec": {"selector": {"app": "dispatch"}, "ports": [{"name": "http", "port": port}]},
    }


def translation(rename: dict[ObjectKey, ObjectKey]) -> Translation:
    return Translation(values={}, values_yaml="", notes=(), chart_version="0", rename_map=rename)


def test_renamed_service_pairs_and_reports_the_rename() -> None:
    old_key = ObjectKey("", "Service", "llm", "dispatch-app")
    new_key = ObjectKey("", "Service", "llm", "dispatch")
    findings = compare_renders(
        rendered([service("dispatch-app")]),
        rendered([service("dispatch", port=8080)]),
        translation({old_key: new_key}),
    )
    rename = at_path(findings, "metadata.name")
    assert (rename.klass, rename.old, rename.new) == ("behavior", "dispatch-app", "dispatch")
    assert at_path(findings, "spec.ports[8080]").klass == "behavior"
    assert all(f.resource == str(new_key) for f in findings)


def test_unrenamed_objects_are_removed_and_added() -> None:
    findings = compare_renders(rendered([service("dispatch-app")]), rendered([service("dispatch")]))
    assert sorted((f.resource, f.old, f.new) for f in findings) == [
        ("Service llm/dispatch", None, "present"),
        ("Service llm/dispatch-app", "present", None),
    ]
    assert {f.klass for f in findings} == {"behavior"}
