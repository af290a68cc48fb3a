"""Credentials in plain env values never reach stdout or stderr, in any format.

The release carries a GitHub token, an `sk-` key, a PEM block, a long random
DISPATCH_AGENT_TOKEN and a database URL with a password. Every printing command
(diff in each format, translate's printed values and notes, render, migrate's dry
run, error messages) must mask them; a file the user asks for (translate -o DIR)
keeps the real values: it is their own configuration (docs/report-format.md, Secrets).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.cli_support import RELEASE, Outcome, run_cli

GITHUB_TOKEN = "ghp_Zk3mQ9xR2vT8wL5nB7cY4dF6hJ1sP0aG2eK9"
OPENAI_KEY = "sk-proj-Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0"
AGENT_TOKEN = "q8Zr2LmX9vTn4KwP7sYb3HcJ6dFgW5"
DB_PASSWORD = "Hunter2-Sup3rSecret"
PEM_BODY = "MIIEowIBAAKCAQEAq8Zr2LmX9vTn4KwP7sYb3HcJ6dFg"
SECRETS = (GITHUB_TOKEN, OPENAI_KEY, AGENT_TOKEN, DB_PASSWORD, PEM_BODY)
# Fragments long enough to be a leak on their own (a token cut in half is still one).
LEAKS = (*SECRETS, GITHUB_TOKEN[4:20], OPENAI_KEY[3:20], AGENT_TOKEN[:16], PEM_BODY[:16])

CREDENTIAL_ENV = f"""\
              GITHUB_TOKEN: {GITHUB_TOKEN}
              DISPATCH_LLM_API_KEY: {OPENAI_KEY}
              DISPATCH_AGENT_TOKEN: {AGENT_TOKEN}
              DISPATCH_DATABASE_URL: postgres://dispatch:{DB_PASSWORD}@db.llm:5432/dispatch
              GITHUB_APP_PRIVATE_KEY: |
                -----BEGIN RSA PRIVATE KEY-----
                {PEM_BODY}
                -----END RSA PRIVATE KEY-----
"""


def assert_no_secret(outcome: Outcome) -> None:
    for leak in LEAKS:
        assert leak not in outcome.stdout, f"{leak!r} printed on stdout"
        assert leak not in outcome.stderr, f"{leak!r} printed on stderr"
    assert "Traceback" not in outcome.stderr


@pytest.fixture
def release(tmp_path: Path) -> Path:
    marker = "              DISPATCH_GROOMER_MODEL: vision\n"
    assert marker in RELEASE
    text = RELEASE.replace(marker, marker + CREDENTIAL_ENV)
    path = tmp_path / "release" / "helmrelease.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_diff_masks_credentials(release: Path, output_format: str) -> None:
    outcome = run_cli("diff", str(release), "-n", "llm", "--format", output_format)
    assert outcome.exit_code == 0, outcome
    assert_no_secret(outcome)
    if output_format != "text":  # the text format shows findings, not the values
        # Masked, not dropped: the reader still sees which variable carries a credential.
        assert "****" in outcome.stdout
        assert "GITHUB_TOKEN" in outcome.stdout


def test_diff_json_report_values_are_masked(release: Path) -> None:
    outcome = run_cli("diff", str(release), "-n", "llm", "--format", "json")
    env = json.loads(outcome.stdout)["values"]["env"]
    assert env["DISPATCH_AGENT_TOKEN"] == "****"
    assert env["GITHUB_TOKEN"] == "ghp_****"
    assert env["DISPATCH_LLM_API_KEY"] == "sk-****"
    assert env["DISPATCH_DATABASE_URL"] == "postgres://dispatch:****@db.llm:5432/dispatch"
    assert "****" in env["GITHUB_APP_PRIVATE_KEY"]


def test_diff_json_report_file_is_masked(release: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    outcome = run_cli("diff", str(release), "-n", "llm", "--json-report", str(report))
    assert_no_secret(outcome)
    written = report.read_text(encoding="utf-8")
    assert not any(leak in written for leak in LEAKS)


@pytest.mark.parametrize("output_format", ["yaml", "json"])
def test_translate_prints_masked_values_and_says_so(release: Path, output_format: str) -> None:
    outcome = run_cli("translate", str(release), "-n", "llm", "--format", output_format)
    assert outcome.exit_code == 0, outcome
    assert_no_secret(outcome)
    assert "DISPATCH_AGENT_TOKEN" in outcome.stdout
    assert "credential-looking values are printed as ****" in outcome.stderr
    assert "note: " in outcome.stderr  # the translation notes are there, masked


def test_translate_output_dir_keeps_the_real_values(release: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run_cli("translate", str(release), "-n", "llm", "-o", str(out))
    assert outcome.exit_code == 0, outcome
    assert_no_secret(outcome)
    values = (out / "values.yaml").read_text(encoding="utf-8")
    # The user's own configuration: masking it would break the deployment.
    assert all(secret in values for secret in (GITHUB_TOKEN, OPENAI_KEY, AGENT_TOKEN))


@pytest.mark.parametrize("side", ["old", "new"])
def test_render_masks_credentials(release: Path, side: str) -> None:
    outcome = run_cli("render", str(release), "-n", "llm", "--side", side)
    assert outcome.exit_code == 0, outcome
    assert_no_secret(outcome)
    assert "DISPATCH_AGENT_TOKEN" in outcome.stdout


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_migrate_dry_run_masks_credentials(release: Path, output_format: str) -> None:
    text = release.read_text(encoding="utf-8").replace(
        "metadata:\n", "metadata:\n  namespace: llm\n"
    )
    release.write_text(text, encoding="utf-8")
    outcome = run_cli("migrate", str(release.parent), "--format", output_format)
    assert outcome.exit_code == 0, outcome
    assert_no_secret(outcome)


def test_error_message_quoting_a_secret_is_masked(release: Path, tmp_path: Path) -> None:
    # ruamel's duplicate-key message quotes both values of the key.
    manifests = tmp_path / "old.yaml"
    manifests.write_text(
        "apiVersion: v1\nkind: Secret\nstringData:\n"
        f"  GITHUB_TOKEN: {GITHUB_TOKEN}\n  GITHUB_TOKEN: {GITHUB_TOKEN[::-1]}\n",
        encoding="utf-8",
    )
    outcome = run_cli("diff", str(release), "-n", "llm", "--old-manifests", str(manifests))
    assert outcome.exit_code == 2, outcome
    assert outcome.stderr.startswith("appt2dispatch: error: ")
    assert "old.yaml:5:" in outcome.stderr
    assert_no_secret(outcome)


def test_refusal_quoting_a_secret_is_masked(release: Path) -> None:
    # A refusal names the key path; the value must not ride along in any form.
    text = release.read_text(encoding="utf-8").replace(
        f"DISPATCH_AGENT_TOKEN: {AGENT_TOKEN}", f"DISPATCH_AGENT_TOKEN: [{AGENT_TOKEN}]"
    )
    release.write_text(text, encoding="utf-8")
    outcome = run_cli("diff", str(release), "-n", "llm")
    assert outcome.exit_code == 2, outcome
    assert "DISPATCH_AGENT_TOKEN" in outcome.stderr
    assert_no_secret(outcome)
