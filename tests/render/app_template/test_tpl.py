"""The small `tpl` subset: known fields evaluate, anything else is refused by path."""

from __future__ import annotations

import pytest

from appt2dispatch.errors import RefusedError
from appt2dispatch.render.app_template.tpl import TemplateScope, render_tpl, render_tree

SCOPE = TemplateScope(release_name="web", namespace="apps")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ .Release.Name }}-app", "web-app"),
        ("{{.Release.Namespace}}", "apps"),
        ("{{ $.Release.Name }}.example.com", "web.example.com"),
        ("a  {{- .Release.Name -}}  b", "awebb"),
        ("{{ .Release.Service }}/{{ .Chart.Name }}", "Helm/app-template"),
        ("no template } here }}", "no template } here }}"),
    ],
)
def test_supported_templates(text: str, expected: str) -> None:
    assert render_tpl(text, SCOPE, "x") == expected


@pytest.mark.parametrize(
    "text",
    [
        "{{ .Values.image.tag }}",
        "{{ .Release.Name | upper }}",
        "{{ .Release.Name",
        "{{/* comment */}}",
        '{{ include "x" . }}',
    ],
)
def test_other_actions_are_refused_with_the_path(text: str) -> None:
    with pytest.raises(RefusedError, match=r"`env\.FOO`"):
        render_tpl(text, SCOPE, "env.FOO")


def test_render_tree_keeps_types_and_refuses_type_changes() -> None:
    tree = {"secretKeyRef": {"name": "{{ .Release.Name }}-db", "key": "uri", "optional": True}}
    assert render_tree(tree, SCOPE, "v") == {
        "secretKeyRef": {"name": "web-db", "key": "uri", "optional": True}
    }
    numeric = TemplateScope(release_name="123", namespace="apps")
    with pytest.raises(RefusedError, match=r"`v\.port`"):
        render_tree({"port": "{{ .Release.Name }}"}, numeric, "v")
