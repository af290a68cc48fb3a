"""appt2dispatch.masking: what is masked, what is left readable."""

from __future__ import annotations

import pytest

from appt2dispatch.masking import (
    MASK,
    is_sensitive_name,
    looks_like_credential,
    mask_text,
    mask_value,
)
from appt2dispatch.report.base import variable_name


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("token ghp_" + "a" * 36, "a" * 36),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "11ABCDEFG0123456789"),
        ("gho_" + "Z" * 30 + " and ghs_" + "Y" * 30, "Z" * 30),
        ("OPENAI_API_KEY=sk-proj-" + "x1" * 12, "x1x1x1x1"),
        ("auth eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_1", "eyJzdWIiOiIxIn0"),
        (
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
            "MIIEvQIBADANBg",
        ),
        ("postgres://app:hunter2@db:5432/app", "hunter2"),
        ("DISPATCH_AGENT_TOKEN=Zq8vN3xR7tY2mK9pL4wB", "Zq8vN3xR7tY2mK9pL4wB"),
        ('"WEBHOOK_SECRET": "aB3dE5gH7jK9mN1pQ3sT"', "aB3dE5gH7jK9mN1pQ3sT"),
        ("- name: DISPATCH_GROOMER_TOKEN\n  value: Qw3Er5Ty7Ui9Op1As3Df", "Qw3Er5Ty7Ui9Op1As3Df"),
    ],
)
def test_credentials_in_text_are_masked(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked
    assert MASK in masked
    assert mask_text(masked) == masked  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "ghcr.io/misospace/dispatch:0.5.17@sha256:0abe49ec7fb794dfe2209d3359c9ed827f30c4ce5154284af39ef03e6261a5c8",
        "http://litellm.llm:4000/v1",
        "DISPATCH_GROOMER_DRY_RUN=true",
        "DISPATCH_AUTH_MODE: basic",
        "secretKeyRef: {name: dispatch-app, key: uri}",
        "DATABASE_URL from dispatch-pguser-dispatch key pgbouncer-uri",
        "task-runner sk-1 is fine",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_values_are_masked_by_the_name_they_belong_to() -> None:
    assert mask_value("Zq8vN3xR7tY2mK9pL4wB", "DISPATCH_AGENT_TOKEN") == MASK
    assert mask_value("Zq8vN3xR7tY2mK9pL4wB", "DISPATCH_EXCLUDED_LABELS") == "Zq8vN3xR7tY2mK9pL4wB"
    assert mask_value("true", "DISPATCH_AGENT_TOKEN") == "true"
    entries = [
        {"name": "GITHUB_APP_PRIVATE_KEY", "value": "Zq8vN3xR7tY2mK9pL4wB"},
        {"name": "X", "value": "y"},
    ]
    assert mask_value(entries) == [
        {"name": "GITHUB_APP_PRIVATE_KEY", "value": MASK},
        {"name": "X", "value": "y"},
    ]
    nested = {
        "env": {"GITHUB_TOKEN": "Zq8vN3xR7tY2mK9pL4wB"},
        "existingSecret": "dispatch-credentials",
    }
    assert mask_value(nested) == {
        "env": {"GITHUB_TOKEN": MASK},
        "existingSecret": "dispatch-credentials",
    }
    ref = {"valueFrom": {"secretKeyRef": {"name": "dispatch-app", "key": "pgbouncer-uri"}}}
    assert mask_value(ref, "DATABASE_URL") == ref


def test_sensitive_names_and_random_values() -> None:
    assert is_sensitive_name("DISPATCH_LLM_API_KEY")
    assert is_sensitive_name("NEXTAUTH_SECRET")
    assert not is_sensitive_name("existingSecret")
    assert not is_sensitive_name("DISPATCH_GROOMER_MODEL")
    assert looks_like_credential("Zq8vN3xR7tY2mK9pL4wB")
    assert not looks_like_credential("dispatch-app")
    assert not looks_like_credential("900000000000000")


def test_variable_name_from_a_finding_path() -> None:
    assert (
        variable_name("spec.template.spec.containers[app].env[GITHUB_TOKEN].value")
        == "GITHUB_TOKEN"
    )
    assert variable_name("stringData[API_TOKEN]") == "API_TOKEN"
    assert variable_name("spec.replicas") == "replicas"
    assert variable_name("") is None


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("DISPATCH_AUTH_PASSWORD: hunter2", "hunter2"),
        ("APP_SECRET: correct horse battery staple", "horse battery"),
        ('"NEXTAUTH_SECRET": "correct horse"', "correct horse"),
        ("SMTP_PASS=pw1", "pw1"),
        ("DB_CREDENTIALS: user:pw", "user:pw"),
        ('AUTH_HEADER: "Bearer abcdefgh12345678"', "abcdefgh12345678"),
        ("curl -H 'Authorization: Bearer abcdefgh12345678'", "abcdefgh12345678"),
        ("see https://hooks.slack.com/services/T00/B00/XXXXXXXX now", "B00/XXXXXXXX"),
        ("- name: DB_PASSWORD\n  value: short", "short"),
    ],
)
def test_credentials_known_by_their_name_are_masked(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked
    assert MASK in masked
    assert mask_text(masked) == masked


def test_flags_and_references_under_a_secret_name_stay_readable() -> None:
    for text in ("DB_PASSWORD: ${DB_PASSWORD}", "APP_SECRET: true", "X_TOKEN: ''"):
        assert mask_text(text) == text
    assert mask_value("hunter2", "DISPATCH_AUTH_PASSWORD") == MASK
    assert mask_value("basic", "DISPATCH_AUTH_MODE") == "basic"
