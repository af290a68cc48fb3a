"""Reports built from fixed findings, for golden files and format tests (no ../shared needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from appt2dispatch.models import (
    Finding,
    Note,
    OutputFile,
    Report,
    Side,
    SourceLocation,
    Translation,
)
from appt2dispatch.report import build_report

DEPLOYMENT = "Deployment.apps llm/dispatch"
APP = "spec.template.spec.containers[app]"
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AGENT_TOKEN = "Zq8vN3xR7tY2mK9pL4wB6cD1fH5jS0aE"
DB_PASSWORD = "s3cr3t-Pa55word"
OPENAI_KEY = "sk-proj-" + "abcdefghijklmnopqrstuvwxyz012345"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaXNwYXRjaCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7s2Lq\n-----END RSA PRIVATE KEY-----"
SECRETS = (GITHUB_TOKEN, AGENT_TOKEN, DB_PASSWORD, OPENAI_KEY, JWT, "MIIEowIBAAKCAQEA7s2Lq")

RENDERERS: dict[Side, str] = {
    "old": "app-template 4.1.1 (golden manifests)",
    "new": "helm v4: dispatch chart 0.5.40 (bundled)",
}
OCIREPOSITORY_ORIGINAL = """apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: dispatch
spec:
  ref:
    tag: 4.1.1
  url: oci://ghcr.io/bjw-s-labs/helm/app-template
"""
OCIREPOSITORY_NEW = OCIREPOSITORY_ORIGINAL.replace("4.1.1", "0.5.40").replace(
    "bjw-s-labs/helm/app-template", "misospace/charts/dispatch"
)

EXPECTED = (
    Finding(
        "expected",
        DEPLOYMENT,
        f"{APP}.env[SKIP_DB_MIGRATIONS]",
        None,
        "true",
        "migrations move to the hook Job dispatch-migrate",
    ),
    Finding(
        "expected",
        "Job.batch llm/dispatch-migrate",
        "",
        None,
        "present",
        "runs `prisma migrate deploy` once per install/upgrade",
    ),
    Finding(
        "expected",
        "ServiceAccount llm/dispatch",
        "",
        None,
        "present",
        "the chart creates a ServiceAccount for the pods",
    ),
)
COSMETIC = (
    Finding(
        "cosmetic",
        DEPLOYMENT,
        "metadata.labels[helm.sh/chart]",
        "app-template-4.1.1",
        "dispatch-0.5.40",
        "chart bookkeeping label",
    ),
    Finding(
        "cosmetic",
        DEPLOYMENT,
        f"{APP}.ports",
        None,
        [{"containerPort": 3000, "name": "http", "protocol": "TCP"}],
        "container port declarations are informational",
    ),
)
BEHAVIOR = (
    Finding(
        "behavior",
        DEPLOYMENT,
        f"{APP}.env[DISPATCH_GROOMER_DRY_RUN].value",
        "false",
        "true",
        "DISPATCH_GROOMER_DRY_RUN changes",
    ),
    Finding(
        "behavior",
        "Service llm/dispatch",
        "spec.ports[3000]",
        {"name": "http", "port": 3000},
        None,
        "clients call http://dispatch.llm:<port>: the Service's ports change | pipes",
    ),
)
BLOCKER = (
    Finding(
        "blocker",
        DEPLOYMENT,
        "spec.selector.matchLabels[app.kubernetes.io/controller]",
        "dispatch",
        "app",
        "Deployment spec.selector is immutable: keep the old selector labels",
    ),
)
MASKED = (
    Finding(
        "behavior",
        DEPLOYMENT,
        f"{APP}.env[GITHUB_TOKEN].value",
        None,
        GITHUB_TOKEN,
        "GITHUB_TOKEN added to the environment",
    ),
    Finding(
        "behavior",
        DEPLOYMENT,
        f"{APP}.env[DISPATCH_AGENT_TOKEN].value",
        "old-value-is-short",
        AGENT_TOKEN,
        "DISPATCH_AGENT_TOKEN changes",
    ),
    Finding(
        "behavior",
        DEPLOYMENT,
        f"{APP}.env[DATABASE_URL].value",
        None,
        f"postgres://dispatch:{DB_PASSWORD}@db.llm:5432/dispatch",
        "DATABASE_URL added",
    ),
    Finding(
        "behavior",
        DEPLOYMENT,
        f"{APP}.env[DISPATCH_LLM_API_KEY]",
        None,
        {"value": OPENAI_KEY},
        f"key {OPENAI_KEY} appears in a message",
    ),
)


def translation(values_yaml: str = "", **values: object) -> Translation:
    return Translation(
        values={"image": {"tag": "0.5.17"}, **values},
        values_yaml=values_yaml or "image:\n  tag: 0.5.17 # from the old image\n",
        notes=(
            Note(
                "lanes carried over verbatim",
                SourceLocation("helmrelease.yaml", 40, 9),
                "assumption",
            ),
        ),
        chart_version="0.5.40",
    )


def oci_files() -> list[OutputFile]:
    return [
        OutputFile(
            Path("kubernetes/apps/llm/dispatch/app/ocirepository.yaml"),
            OCIREPOSITORY_NEW,
            OCIREPOSITORY_ORIGINAL,
        ),
        OutputFile(
            Path("kubernetes/apps/llm/dispatch/app/helmrelease.yaml"),
            "kind: HelmRelease\n",
            "kind: HelmRelease\n",
        ),
    ]


def no_change_case() -> Report:
    return build_report(
        (*COSMETIC, *EXPECTED),
        renderers=RENDERERS,
        translation=translation(),
        notes=["old side: rendered from golden manifests"],
        source="kubernetes/apps/llm/dispatch/app/helmrelease.yaml",
        files=oci_files(),
    )


def behavior_case() -> Report:
    return build_report(
        (*BEHAVIOR, *EXPECTED, *COSMETIC),
        renderers=RENDERERS,
        translation=translation(),
        notes=(),
        source="helmrelease.yaml",
    )


def blocked_case() -> Report:
    return build_report(
        (*BLOCKER, *BEHAVIOR), renderers=RENDERERS, translation=None, source="helmrelease.yaml"
    )


def masked_case() -> Report:
    values_yaml = (
        "env:\n"
        f"  GITHUB_TOKEN: {GITHUB_TOKEN}\n"
        f"  DISPATCH_AGENT_TOKEN: {AGENT_TOKEN}\n"
        f"  GITHUB_APP_PRIVATE_KEY: |\n    {PEM.replace(chr(10), chr(10) + '    ')}\n"
    )
    return build_report(
        MASKED,
        renderers=RENDERERS,
        translation=translation(
            values_yaml,
            env={
                "GITHUB_TOKEN": GITHUB_TOKEN,
                "DISPATCH_AGENT_TOKEN": AGENT_TOKEN,
                "GITHUB_APP_PRIVATE_KEY": PEM,
            },
        ),
        notes=[f"the old side logged in with {JWT}"],
        source="helmrelease.yaml",
    )


CASES: dict[str, Callable[[], Report]] = {
    "no-behavior-change": no_change_case,
    "behavior-change": behavior_case,
    "blocked": blocked_case,
    "masked": masked_case,
}
