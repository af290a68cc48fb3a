"""kustomize build semantics (load.kbuild, kpatch, kpaths, kreplace), one behaviour each."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.load.kbuild import Builder, KustomizeError
from appt2dispatch.load.kpatch import Resource
from appt2dispatch.load.kpaths import PathProblem, apply_json_patch, split_field_path
from appt2dispatch.load.quickload import scan_documents
from appt2dispatch.models import SourceLocation

KS = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
    "metadata:\n  name: {name}\nspec:\n  path: ./x\n"
)
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: not-used\n"


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def documents(path: str) -> list[tuple[SourceLocation, Any]]:
    text = Path(path).read_text(encoding="utf-8")
    return [
        (SourceLocation(path, doc.line, doc.column), doc.data)
        for doc in scan_documents(text, source=path)
    ]


def build(root: Path, files: dict[str, str], directory: str = "app") -> list[Resource]:
    write(root, files)
    builder = Builder(str(root), documents, lambda path: os.path.relpath(path, root))
    return builder.build(str(root / directory))


def kustomization(body: str, kind: str = "Kustomization") -> str:
    return f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: {kind}\n{body}"


def by_name(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)


def test_namespace_renames_namespace_objects_and_sets_namespaced_ones(tmp_path: Path) -> None:
    built = build(
        tmp_path,
        {
            "app/kustomization.yaml": kustomization(
                "namespace: llm\nresources: [ks.yaml, ns.yaml]\n"
            ),
            "app/ks.yaml": KS.format(name="a"),
            "app/ns.yaml": NAMESPACE,
        },
    )
    assert [(r.kind, r.name, r.namespace) for r in built] == [
        ("Kustomization", "a", "llm"),
        ("Namespace", "llm", None),
    ]
    assert by_name(built, "llm").origin_of("metadata.name") == "app/kustomization.yaml (namespace)"


def test_replacement_runs_after_namespace_and_selects_by_the_old_name(tmp_path: Path) -> None:
    built = build(
        tmp_path,
        {
            "app/kustomization.yaml": kustomization(
                "namespace: llm\nresources: [ks.yaml, ns.yaml]\nreplacements:\n"
                "  - source: {kind: Namespace, name: not-used}\n"
                "    targets:\n      - select: {kind: Kustomization}\n"
                "        fieldPaths: [spec.targetNamespace, metadata.labels.ns]\n"
                "        options: {create: true}\n"
            ),
            "app/ks.yaml": KS.format(name="a"),
            "app/ns.yaml": NAMESPACE,
        },
    )
    data = by_name(built, "a").data
    assert data["spec"]["targetNamespace"] == "llm"
    assert data["metadata"]["labels"] == {"ns": "llm"}


def test_component_transformers_run_before_the_parents_namespace(tmp_path: Path) -> None:
    built = build(
        tmp_path,
        {
            "app/kustomization.yaml": kustomization(
                "namespace: llm\nresources: [ks.yaml]\ncomponents: [../component]\n"
            ),
            "app/ks.yaml": KS.format(name="a"),
            "component/kustomization.yaml": kustomization(
                "resources: [ns.yaml]\nreplacements:\n"
                "  - source: {kind: Namespace}\n"
                "    targets:\n      - select: {kind: Kustomization}\n"
                "        fieldPaths: [spec.targetNamespace]\n        options: {create: true}\n",
                kind="Component",
            ),
            "component/ns.yaml": NAMESPACE,
        },
    )
    # kustomize applies the component's replacement before the parent's namespace:.
    assert by_name(built, "a").data["spec"]["targetNamespace"] == "not-used"


def test_replacement_delimiter_and_index_on_both_sides(tmp_path: Path) -> None:
    built = build(
        tmp_path,
        {
            "app/kustomization.yaml": kustomization(
                "resources: [ks.yaml, cm.yaml]\nreplacements:\n"
                "  - source: {kind: ConfigMap, name: c, fieldPath: data.v,"
                " options: {delimiter: '-', index: 1}}\n"
                "    targets:\n      - select: {kind: Kustomization}\n"
                "        fieldPaths: [spec.path]\n        options: {delimiter: /, index: 1}\n"
            ),
            "app/ks.yaml": KS.format(name="a"),
            "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
            "data: {v: a-b-c}\n",
        },
    )
    assert by_name(built, "a").data["spec"]["path"] == "./b"


def test_strategic_merge_patch_by_identity_and_json6902_by_regex(tmp_path: Path) -> None:
    built = build(
        tmp_path,
        {
            "app/kustomization.yaml": kustomization(
                "resources: [ks.yaml]\npatchesStrategicMerge:\n  - patch.yaml\n"
                "patchesJson6902:\n  - target: {kind: Kustomization, name: 'a.*'}\n"
                "    patch: '[{op: add, path: /spec/path, value: ./y},"
                " {op: copy, from: /spec/path, path: /spec/copied}]'\n"
            ),
            "app/ks.yaml": KS.format(name="a"),
            "app/patch.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: a}\nspec: {targetNamespace: t, path: null}\n",
        },
    )
    spec = by_name(built, "a").data["spec"]
    assert spec == {"targetNamespace": "t", "path": "./y", "copied": "./y"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("resources: [ks.yaml]\nconfigMapGenerator: []\n", "configMapGenerator: not reproduced"),
        ("resources: [ks.yaml]\nhelmCharts: []\n", "a helm chart inflator"),
        ("resources: [ks.yaml]\nnamePrefix: x-\n", "namePrefix: not reproduced"),
        ("resources: [https://example.org/x.yaml]\n", "remote base"),
        ("resources: [../../outside.yaml]\n", "leads out of the tree"),
        ("resources: [missing.yaml]\n", "missing.yaml does not exist"),
        ("resources: [ks.yaml, ks.yaml]\n", "is added twice"),
        ("resources: [ks.yaml]\ncomponents: [ks.yaml]\n", "is not a directory"),
        ("resources: [.]\n", "cycle"),
        (
            "resources: [ks.yaml]\nreplacements:\n  - source: {kind: Secret}\n    targets: []\n",
            "nothing selected by source Secret",
        ),
        (
            "resources: [ks.yaml]\nreplacements:\n  - source: {kind: Kustomization}\n"
            "    targets:\n      - select: {kind: Kustomization}\n"
            "        fieldPaths: [spec.targetNamespace]\n",
            "unable to find field spec.targetNamespace",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - target: {kind: Kustomization}\n"
            "    patch: '[{op: remove, path: /spec/nothing}]'\n",
            "path /spec/nothing does not exist",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - patch: '[{op: remove, path: /spec}]'\n",
            "needs a target",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - target: {kind: Kustomization}\n"
            "    patch: 'spec: {$retainKeys: [a]}'\n",
            r"directive \$retainKeys",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - target: {labelSelector: 'a in (b)'}\n"
            "    patch: 'spec: {a: 1}'\n",
            "set-based labels selector",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - target: {kind: '(K+)+x'}\n"
            "    patch: 'spec: {a: 1}'\n",
            "nested repetition is not reproduced",
        ),
        (
            "resources: [ks.yaml]\nreplacements:\n  - source: {kind: Kustomization,"
            " options: {delimiter: /, index: x}}\n    targets: []\n",
            "options.index 'x' is not a whole number",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - target: {kind: Kustomization}\n"
            "    patch: 'spec: {a: 1}'\n    extra: 1\n",
            r"patches\[0\].extra: unknown field",
        ),
        (
            "resources: [ks.yaml]\npatches:\n  - target: {kind: Kustomization}\n"
            "    patch: 'spec: {a: 1}'\n    options: {allowNameChange: true}\n",
            "allowNameChange",
        ),
        (
            "resources: [ks.yaml]\nreplacements:\n  - source: {kind: Kustomization}\n"
            "    targets:\n      - select: {kind: Kustomization}\n"
            "        fieldPaths: [spec.path]\n        options: {create: true, mode: x}\n",
            "target options key mode is not reproduced",
        ),
    ],
)
def test_what_cannot_be_built_exactly_is_refused(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(KustomizeError, match=message) as caught:
        build(
            tmp_path / "repo",
            {"app/kustomization.yaml": kustomization(body), "app/ks.yaml": KS.format(name="a")},
        )
    assert caught.value.location is not None
    assert caught.value.location.path.endswith("kustomization.yaml")


def test_component_listed_as_resource_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KustomizeError, match="kind Component listed as a resource"):
        build(
            tmp_path,
            {
                "app/kustomization.yaml": kustomization("resources: [../c]\n"),
                "c/kustomization.yaml": kustomization("resources: []\n", kind="Component"),
            },
        )


def test_field_paths_and_json_patch_edge_cases() -> None:
    assert split_field_path("metadata.annotations.[a.b/c]") == ["metadata", "annotations", "a.b/c"]
    assert split_field_path("spec.containers.[name=x.y].image") == [
        "spec",
        "containers",
        "[name=x.y]",
        "image",
    ]
    with pytest.raises(PathProblem):
        split_field_path("spec..x")
    data: dict[str, Any] = {"a": [1, 2], "b~/c": 1}
    apply_json_patch(data, [{"op": "add", "path": "/a/-", "value": 3}])
    apply_json_patch(data, [{"op": "move", "from": "/b~0~1c", "path": "/d"}])
    assert data == {"a": [1, 2, 3], "d": 1}
    with pytest.raises(PathProblem, match="test at /d failed"):
        apply_json_patch(data, [{"op": "test", "path": "/d", "value": 2}])


def test_a_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"kustomization.yaml": kustomization("resources: []\n")})
    root = tmp_path / "repo"
    write(root, {"app/kustomization.yaml": kustomization("resources: [./link]\n")})
    (root / "app/link").symlink_to(outside)
    with pytest.raises(KustomizeError, match="leads out of the tree"):
        build(root, {})


def test_unicode_digits_are_not_list_indexes() -> None:
    data: dict[str, Any] = {"a": [1]}
    with pytest.raises(PathProblem, match="does not exist"):
        apply_json_patch(data, [{"op": "remove", "path": "/a/\u00b2"}])
    assert split_field_path("a.\u00b2") == ["a", "\u00b2"]
