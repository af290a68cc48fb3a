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


# Issue 12 item 13: credentials recognisable only by the variable's name.
NAMED_SECRETS = {
    "DISPATCH_AUTH_PASSWORD": "hunter2",
    "DISPATCH_SESSION_SECRET": "correct horse battery staple",
    "SMTP_PASS": "s3cr3tpw",
    "DB_CREDENTIALS": "dbuser:dbpass99",
    "AUTH_HEADER": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "DISPATCH_SLACK_URL": "https://hooks.slack.com/services/T0AB12CD/B0EF34GH/Xq7Zr2Lm9vTn4KwP7sYb3Hc",
}
NAMED_LEAKS = ("hunter2", "battery staple", "s3cr3tpw", "dbpass99", "eyJzdWIiOiIxIn0", "Xq7Zr2Lm9v")


@pytest.fixture
def named_release(tmp_path: Path) -> Path:
    marker = "              DISPATCH_GROOMER_MODEL: vision\n"
    env = "".join(f'              {name}: "{value}"\n' for name, value in NAMED_SECRETS.items())
    text = RELEASE.replace(marker, marker + env).replace(
        "metadata:\n", "metadata:\n  namespace: llm\n"
    )
    path = tmp_path / "release" / "helmrelease.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "--format", "json"),
        ("diff", "--format", "markdown"),
        ("translate",),
        ("render", "--side", "old"),
        ("render", "--side", "new"),
    ],
    ids="-".join,
)
def test_credentials_known_by_their_name_are_masked(
    named_release: Path, args: tuple[str, ...]
) -> None:
    outcome = run_cli(args[0], str(named_release), *args[1:])
    assert outcome.exit_code == 0, outcome
    for leak in NAMED_LEAKS:
        assert leak not in outcome.stdout + outcome.stderr, f"{leak!r} printed"
    assert "DISPATCH_AUTH_PASSWORD" in outcome.stdout


def test_migrate_dry_run_patch_masks_credentials_known_by_their_name(named_release: Path) -> None:
    outcome = run_cli("migrate", str(named_release.parent), "--format", "markdown")
    assert outcome.exit_code == 0, outcome
    for leak in NAMED_LEAKS:
        assert leak not in outcome.stdout + outcome.stderr, f"{leak!r} printed"


def test_a_megabyte_line_is_masked_in_linear_time() -> None:
    """Issue 12 item 12: masking was quadratic (a 40,000-character value took 139 s)."""
    import time

    from appt2dispatch.masking import mask_text

    shapes = {
        "one word": "A" * 1_000_000,
        "assignments": "A=" * 500_000,
        "url": "a://u:" + "x" * 1_000_000,
        "jwt-like": "eyJ-" * 250_000,
        "quoted": 'X: "' * 250_000,
        "env value": "DISPATCH_AGENT_TOKEN: " + "Zq8vN3xR7t " * 90_000,
    }
    for shape, line in shapes.items():
        started = time.perf_counter()
        mask_text(line)
        elapsed = time.perf_counter() - started
        # Generous for a shared machine; the quadratic version took minutes on these.
        assert elapsed < 3, f"{shape}: {elapsed:.1f}s"


def test_diff_with_a_long_env_value_is_quick(release: Path) -> None:
    import time

    text = release.read_text(encoding="utf-8").replace(
        "DISPATCH_GROOMER_MODEL: vision", "DISPATCH_GROOMER_MODEL: " + "Ab1" * 40_000
    )
    release.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    outcome = run_cli("diff", str(release), "-n", "llm", "--format", "markdown")
    assert outcome.exit_code in (0, 1), outcome
    assert time.perf_counter() - started < 60  # was 139 s
