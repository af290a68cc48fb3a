"""Each promise of README "Guarantees" has a test that would fail if it were broken.

GUARANTEE_TESTS names, for a phrase of each bullet, the tests that check it; a bullet
added without tests, or a test renamed away, fails here. The network guarantee is
checked here too: no command goes to the network unless the user asked for a chart.
"""

from __future__ import annotations

import importlib
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from appt2dispatch.cli import cli
from conftest import REPO_ROOT

GUARANTEE_TESTS = {
    "Nothing leaves the machine unless you ask": [
        "test_guarantees::test_no_command_goes_to_the_network_unasked",
        "render.test_oci_cache::test_helm_renderer_pulls_the_ocirepository_version_once",
        "render.test_oci_cache::test_malformed_oci_reference_is_refused_without_a_pull",
        "render.test_dispatch_pull::test_default_is_the_bundled_chart_named_everywhere",
        "render.test_dispatch_pull::test_another_version_is_pulled_and_its_behaviour_change_reported",
    ],
    "Bad input gets one line with `file:line:column`": [
        "cli.test_bad_input::test_process_exits_2_without_traceback",
        "cli.test_bad_input::test_debug_shows_the_traceback",
        "fuzz.test_fuzz_pipeline::test_file_bytes_are_a_result_or_a_clean_error",
        "migrate.test_migrate_failures::test_permission_denied_renaming_the_third_file_rolls_back",
        "migrate.test_migrate_failures::test_killed_mid_write_is_rolled_back_by_the_next_run",
        "migrate.test_migrate_refusals::test_second_writer_is_refused_while_the_lock_is_held",
    ],
    "Values that look like credentials are masked": [
        "cli.test_secrets_masking::test_diff_masks_credentials",
        "report.test_report_masking::test_credentials_in_text_are_masked",
    ],
}
EXAMPLE_TREE = REPO_ROOT / "examples" / "home-ops"
EXAMPLE_RELEASE = EXAMPLE_TREE / "kubernetes" / "apps" / "base" / "tools" / "dispatch"


def readme_guarantees() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Guarantees\n", 1)[1].split("\n## ", 1)[0]
    return [item.replace("\n  ", " ") for item in re.findall(r"^- .*(?:\n  .*)*", section, re.M)]


def test_every_guarantee_names_its_tests() -> None:
    bullets = readme_guarantees()
    assert len(bullets) == len(GUARANTEE_TESTS), bullets
    for bullet in bullets:
        assert [phrase for phrase in GUARANTEE_TESTS if phrase in bullet], bullet


@pytest.mark.parametrize(
    "node", [node for nodes in GUARANTEE_TESTS.values() for node in nodes], ids=str
)
def test_named_guarantee_tests_exist(node: str) -> None:
    module_name, function = node.split("::")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, function, None)), node


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Every way out refused and recorded: Python sockets, Helm registry look-ups and pulls,
    Go's HTTP proxy."""
    import helm_python

    attempts: list[str] = []

    def refuse(*args: Any, **_: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network access in a test that promises none")

    def refuse_pull(location: str, **_: Any) -> Any:
        attempts.append(location)
        raise helm_python.HelmError("network access in a test that promises none")

    class RefusingRegistryClient:
        """Resolving a tag to its manifest digest is a registry request too."""

        def __enter__(self) -> RefusingRegistryClient:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def resolve(self, reference: str) -> Any:
            attempts.append(reference.rsplit(":", 1)[0])
            raise helm_python.HelmError("network access in a test that promises none")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(helm_python, "pull", refuse_pull)
    monkeypatch.setattr(helm_python, "RegistryClient", RefusingRegistryClient)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    return attempts


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "helmrelease.yaml"],
        ["diff", "helmrelease.yaml", "--format", "json", "--app-template-version", "4.1.1"],
        ["translate", "helmrelease.yaml"],
        ["render", "helmrelease.yaml", "--side", "old"],
        ["render", "helmrelease.yaml", "--side", "new", "--renderer", "builtin"],
        ["migrate", str(EXAMPLE_TREE)],
    ],
    ids=" ".join,
)
def test_no_command_goes_to_the_network_unasked(
    offline: list[str], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(EXAMPLE_RELEASE)
    tree = ["--tree", str(EXAMPLE_TREE)] if args[0] != "migrate" else []
    result = CliRunner().invoke(cli, [*args, *tree])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert offline == []


def test_asking_for_the_real_chart_is_what_goes_to_the_network(
    offline: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control for the test above: the one documented pull is seen and refused.
    monkeypatch.chdir(EXAMPLE_RELEASE)
    args = ["render", "helmrelease.yaml", "--side", "old", "--renderer", "helm"]
    result = CliRunner().invoke(cli, [*args, "--tree", str(EXAMPLE_TREE)])
    assert result.exit_code == 2
    assert "cannot pull oci://ghcr.io/bjw-s-labs/helm/app-template:" in result.output
    assert offline == ["oci://ghcr.io/bjw-s-labs/helm/app-template"]
