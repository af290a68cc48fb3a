"""envfrom_secret_keys: which keys an envFrom source provides, per the manifests beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from appt2dispatch.load.release import load_release
from appt2dispatch.load.secrets import envfrom_secret_keys
from appt2dispatch.models import HelmRelease

TREE = "home-ops-tree-app-template-era/kubernetes/apps/base/llm/dispatch"


def release_with(
    tmp_path: Path, sibling: str, substitutions: dict[str, str] | None = None
) -> HelmRelease:
    text = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app}\n"
        "spec:\n  values: {}\n---\n" + sibling
    )
    (tmp_path / "hr.yaml").write_text(text)
    return load_release(tmp_path / "hr.yaml", namespace="x", substitutions=substitutions)


def test_real_external_secret_provides_exactly_its_template_keys(corpus_dir: Path) -> None:
    release = load_release(corpus_dir / TREE / "helmrelease.yaml", namespace="llm")
    keys = envfrom_secret_keys(release, ["dispatch", "unknown-secret"])
    # template.data with the default mergePolicy (Replace): only the template's keys,
    # although dataFrom fetches more (they only feed the templates).
    assert keys["dispatch"] == frozenset(
        {
            "DISPATCH_AUTH_MODE",
            "DISPATCH_OIDC_ISSUER",
            "NEXTAUTH_URL",
            "DISPATCH_OIDC_CLIENT_ID",
            "DISPATCH_OIDC_CLIENT_SECRET",
            "NEXTAUTH_SECRET",
            "GITHUB_TOKEN",
            "DISPATCH_AGENT_TOKEN",
            "PR_FOLLOWUP_BOT_IDENTITIES",
            "DISPATCH_LLM_API_KEY",
        }
    )
    assert keys["unknown-secret"] is None


EXTERNAL = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: es}\n"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("spec:\n  dataFrom: [{extract: {key: k}}]\n", None),
        (
            "spec:\n  data:\n    - {secretKey: A, remoteRef: {key: a}}\n"
            "    - {secretKey: B, remoteRef: {key: b}}\n",
            frozenset({"A", "B"}),
        ),
        (
            "spec:\n  target:\n    template:\n      mergePolicy: Merge\n      data: {T: x}\n"
            "  data: [{secretKey: A, remoteRef: {key: a}}]\n",
            frozenset({"A", "T"}),
        ),
        (
            "spec:\n  target:\n    template:\n      mergePolicy: Merge\n      data: {T: x}\n"
            "  dataFrom: [{extract: {key: k}}]\n",
            None,
        ),
        (
            "spec:\n  target:\n    template:\n      templateFrom: [{configMap: {name: c}}]\n",
            None,
        ),
        ("spec:\n  target:\n    creationPolicy: Merge\n    template: {data: {T: x}}\n", None),
        ("spec:\n  target:\n    template: {engineVersion: v2}\n  data: []\n", frozenset()),
    ],
    ids=["dataFrom", "data", "merge", "merge-dataFrom", "templateFrom", "creation-merge", "empty"],
)
def test_external_secret_key_rules(tmp_path: Path, spec: str, expected: object) -> None:
    release = release_with(tmp_path, EXTERNAL + spec)
    assert envfrom_secret_keys(release, ["es"]) == {"es": expected}


def test_target_name_and_substitution(tmp_path: Path) -> None:
    sibling = (
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: es}\n"
        "spec:\n  target: {name: '${APP}-env'}\n  data: [{secretKey: K, remoteRef: {key: k}}]\n"
    )
    release = release_with(tmp_path, sibling, {"APP": "dispatch"})
    assert envfrom_secret_keys(release, ["dispatch-env", "es"]) == {
        "dispatch-env": frozenset({"K"}),
        "es": None,
    }


def test_plain_secret_and_config_map(tmp_path: Path) -> None:
    siblings = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {A: YQ==}\n"
        "stringData: {B: b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
        "data: {C: c}\nbinaryData: {D: ZA==}\n"
    )
    release = release_with(tmp_path, siblings)
    assert envfrom_secret_keys(release, ["s", "c"]) == {
        "s": frozenset({"A", "B"}),
        "c": frozenset({"C", "D"}),
    }
