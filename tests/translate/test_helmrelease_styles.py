"""The translated HelmRelease for files written in any YAML style, or with a BOM.

Regressions found by tests/fuzz: a flow-style or JSON HelmRelease (`{...}` on one
line, keys quoted) lost the values placeholder when dumped (AssertionError, exit 3);
a file starting with a UTF-8 BOM lost its `---` and its BOM when rewritten in place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from appt2dispatch.translate import translate_release, translated_files
from translate.translate_support import builtin_old, load_release, release_text

VALUES = {
    "controllers": {
        "dispatch": {
            "containers": {
                "app": {
                    "image": {"repository": "ghcr.io/misospace/dispatch", "tag": "0.5.17"},
                    "env": {"DISPATCH_GROOMER_MODEL": "vision"},
                }
            }
        }
    },
    "service": {"app": {"ports": {"http": {"port": 3000}}}},
}
DOCUMENT = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": {"name": "dispatch", "namespace": "llm"},
    "spec": {"chartRef": {"kind": "OCIRepository", "name": "dispatch"}, "values": VALUES},
}
FLOW_YAML = (
    "{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, metadata: {name: dispatch,"
    " namespace: llm}, spec: {chartRef: {kind: OCIRepository, name: dispatch}, values: "
    + json.dumps(VALUES)
    + "}}\n"
)


def translated_release_text(path: Path) -> tuple[str, str]:
    """(new text of the release file, what it was) when rewritten in place."""
    release = load_release(path)
    translation = translate_release(release, builtin_old(release))
    files = {file.path.name: file for file in translated_files(release, translation)}
    file = files[path.name]
    assert file.original is not None
    return file.content, file.original


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(DOCUMENT), id="json"),
        pytest.param(json.dumps(DOCUMENT, indent=2), id="json-indented"),
        pytest.param(FLOW_YAML, id="flow-yaml"),
    ],
)
def test_flow_style_release_is_translated(tmp_path: Path, text: str) -> None:
    path = tmp_path / "helmrelease.yaml"
    path.write_text(text, encoding="utf-8")
    content, _ = translated_release_text(path)
    document = YAML(typ="safe", pure=True).load(content)
    assert document["spec"]["chartRef"] == {"kind": "OCIRepository", "name": "dispatch"}
    assert document["spec"]["values"]["config"]["groomer"]["model"] == "vision"
    assert "controllers" not in document["spec"]["values"]


def test_bom_and_document_marker_are_kept_in_place(tmp_path: Path) -> None:
    path = tmp_path / "helmrelease.yaml"
    text = release_text()
    assert text.startswith("---\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    content, original = translated_release_text(path)
    assert original.startswith("\ufeff---\n")
    assert content.startswith("\ufeff---\n# yaml-language-server:")
    assert content.count("\ufeff") == 1


@pytest.mark.parametrize(
    ("text", "copied_whole"),
    [
        ("spec:\n  values: {a: 1}\n  interval: 1h\n", False),
        # An anchored values block may be aliased elsewhere: copied, as the alias needs it.
        ("spec:\n  values: &v {a: 1}\nmetadata:\n  x: *v\n", True),
        ("spec:\n  values: &v {a: 1}\n  other: *v\n", True),
        ("spec:\n  values: null\n", True),
    ],
)
def test_the_release_copy_leaves_out_only_values_nothing_else_shares(
    text: str, copied_whole: bool
) -> None:
    from appt2dispatch.load.yamlio import new_round_trip_yaml
    from appt2dispatch.translate.helmrelease import _PLACEHOLDER, _copy_but_values

    data = new_round_trip_yaml().load(text)
    copied = _copy_but_values(data)
    if copied_whole:
        assert copied == data
    else:
        assert copied["spec"]["values"] == _PLACEHOLDER
        copied["spec"]["values"] = data["spec"]["values"]
        assert copied == data
    assert copied["spec"] is not data["spec"]
