"""Bad input: exit 2, one `appt2dispatch: error:` line naming file:line:column, nothing written.

One table row per kind of bad input (the issue's list and a few more). Each row runs
through `diff` and through `translate -o DIR` (a writing command): both must exit 2
with the same kind of message, and `translate` must leave DIR untouched. A few rows
also run as a real process, to prove no traceback reaches stderr; `--debug` shows it.
Inputs that look bad but are not (a BOM, lanes the app ignores) have their own tests.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from appt2dispatch.load import MAX_FILE_BYTES
from cli.cli_support import RELEASE, Outcome, run_cli, run_process, snapshot
from conftest import SHARED_DIR

HISTORY = SHARED_DIR / "corpus" / "home-ops-history"
INVALID_CORPUS = "02-2026-06-21-openclaw-dispatch-3c4767809.yaml"
HEARTBEAT_CORPUS = "16-2026-06-30-dispatch-heartbeat-4dc50493d.yaml"
ERROR_PREFIX = "appt2dispatch: error: "


@dataclass(frozen=True)
class Built:
    """An input on disk: the argument to pass, and where the error must point."""

    argument: str
    file_name: str
    line: int | None = None
    column: int | None = None


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in `text`."""
    return text[: text.index(needle)].count("\n") + 1


def release_file(
    tmp_path: Path, text: str, *, marker: str | None = None, column: int | None = None
) -> Built:
    """`text` as tmp_path/in/helmrelease.yaml; the error points at `marker`'s line."""
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "helmrelease.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, marker) if marker is not None else None
    return Built(str(path), path.name, line, column)


def bytes_file(tmp_path: Path, data: bytes, line: int | None, column: int | None) -> Built:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    path = folder / "helmrelease.yaml"
    path.write_bytes(data)
    return Built(str(path), path.name, line, column)


def corpus_file(tmp_path: Path, name: str) -> Path:
    source = HISTORY / name
    if not source.is_file():
        pytest.skip(f"{source} is not available (../shared is not beside this checkout)")
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(source, folder / name))


def replaced(old: str, new: str) -> str:
    assert old in RELEASE, old
    return RELEASE.replace(old, new, 1)


# --- the table -----------------------------------------------------------------------


def invalid_yaml_from_corpus(tmp_path: Path) -> Built:
    path = corpus_file(tmp_path, INVALID_CORPUS)
    # The unquoted JSON after `DISPATCH_LANE_CONFIG_JSON: "{"` breaks the scalar there.
    return Built(str(path), path.name, 25, 45)


def alias_bomb(tmp_path: Path) -> Built:
    # Ten levels of ten aliases each: 10**10 nodes once expanded, 110 as written.
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return release_file(tmp_path, "\n".join(lines) + "\n")


def self_alias(tmp_path: Path) -> Built:
    return release_file(tmp_path, "a: &a [*a]\n", marker="a:", column=4)


def deep_nesting(tmp_path: Path) -> Built:
    return release_file(tmp_path, "[" * 5000 + "]" * 5000 + "\n", marker="[", column=101)


def too_large(tmp_path: Path) -> Built:
    built = release_file(tmp_path, RELEASE)
    with Path(built.argument).open("ab") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: cheap to create, refused by size
    return built


def endless_device(tmp_path: Path) -> Built:
    device = Path("/dev/zero")
    if not device.exists():
        pytest.skip("no /dev/zero on this system")
    return Built(str(device), str(device))


def binary(tmp_path: Path) -> Built:
    return bytes_file(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", line=3, column=1)


def not_utf8(tmp_path: Path) -> Built:
    text = replaced("vision", "vision-caf\xe9")
    line = line_of(text, "caf\xe9")
    column = text.split("\n")[line - 1].index("\xe9") + 1
    return bytes_file(tmp_path, text.encode("latin-1"), line=line, column=column)


def utf16(tmp_path: Path) -> Built:
    return bytes_file(tmp_path, RELEASE.encode("utf-16"), line=1, column=1)


def duplicate_key(tmp_path: Path) -> Built:
    text = replaced("  interval: 15m\n", "  interval: 15m\n  interval: 5m\n")
    return release_file(tmp_path, text, marker="interval: 5m", column=3)


def no_values(tmp_path: Path) -> Built:
    return release_file(tmp_path, RELEASE.split("  values:\n")[0], marker="apiVersion", column=1)


def values_not_a_mapping(tmp_path: Path) -> Built:
    text = replaced("  values:\n", "  values: [dispatch]\n  unused:\n")
    return release_file(tmp_path, text, marker="values:", column=3)


def env_value_is_a_list(tmp_path: Path) -> Built:
    text = replaced("DISPATCH_GROOMER_MODEL: vision", "DISPATCH_GROOMER_MODEL: [vision, small]")
    return release_file(tmp_path, text, marker="DISPATCH_GROOMER_MODEL", column=15)


def env_value_is_a_map(tmp_path: Path) -> Built:
    text = replaced("DISPATCH_GROOMER_MODEL: vision", "DISPATCH_GROOMER_MODEL: {name: vision}")
    return release_file(tmp_path, text, marker="DISPATCH_GROOMER_MODEL")


def lanes_as_a_yaml_map(tmp_path: Path) -> Built:
    text = re.sub(
        r"DISPATCH_LANE_CONFIG_JSON: '.*'", "DISPATCH_LANE_CONFIG_JSON: {lanes: []}", RELEASE
    )
    return release_file(tmp_path, text, marker="DISPATCH_LANE_CONFIG_JSON")


def service_port_is_a_list(tmp_path: Path) -> Built:
    text = replaced("port: 3000", "port: [3000]")
    return release_file(tmp_path, text, marker="port: [3000]", column=13)


def infinite_number(tmp_path: Path) -> Built:
    """Issue 12 item 16: was `invalid values JSON: invalid character 'I'`, no location."""
    text = replaced(
        "            env:\n", "            resources: {limits: {cpu: 1e999}}\n            env:\n"
    )
    return release_file(tmp_path, text, marker="resources:", column=34)


def negative_port(tmp_path: Path) -> Built:
    """Issue 12 item 16: the chart schema's message now carries the key's file:line."""
    text = replaced("port: 3000", "port: -1")
    return release_file(tmp_path, text, marker="port: -1", column=13)


def numeric_name(tmp_path: Path) -> Built:
    """Issue 12 item 16: was "the HelmRelease has no metadata.name"."""
    text = replaced("  name: dispatch\nspec", "  name: 12345\nspec")
    return release_file(tmp_path, text, marker="name: 12345", column=3)


def surrogate_escape(tmp_path: Path) -> Built:
    text = replaced("DISPATCH_GROOMER_MODEL: vision", 'DISPATCH_GROOMER_MODEL: "\\ud83d"')
    return release_file(tmp_path, text, marker="DISPATCH_GROOMER_MODEL", column=15)


def unresolved_variable(tmp_path: Path) -> Built:
    text = replaced("tag: 0.5.17", "tag: ${DISPATCH_VERSION}")
    return release_file(tmp_path, text, marker="${DISPATCH_VERSION}")


def not_dispatch(tmp_path: Path) -> Built:
    text = replaced("ghcr.io/misospace/dispatch", "ghcr.io/home-operations/sonarr")
    return release_file(tmp_path, text, marker="apiVersion", column=1)


def heartbeat_cronjob(tmp_path: Path) -> Built:
    path = corpus_file(tmp_path, HEARTBEAT_CORPUS)
    text = path.read_text(encoding="utf-8")
    return Built(str(path), path.name, line_of(text, "apiVersion"), 1)


def not_flux(tmp_path: Path) -> Built:
    text = replaced("apiVersion: helm.toolkit.fluxcd.io/v2", "apiVersion: apps/v1")
    return release_file(tmp_path, text, marker="apiVersion", column=1)


def empty_file(tmp_path: Path) -> Built:
    return release_file(tmp_path, "# nothing here\n")


def missing_file(tmp_path: Path) -> Built:
    return Built(str(tmp_path / "in" / "helmrelease.yaml"), "helmrelease.yaml")


def directory(tmp_path: Path) -> Built:
    folder = tmp_path / "in" / "helmrelease.yaml"
    folder.mkdir(parents=True)
    return Built(str(folder), "helmrelease.yaml")


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], Built]
    message: str  # a fragment of the one error line
    options: tuple[str, ...] = ("--namespace", "llm")


CASES = [
    pytest.param(Case(invalid_yaml_from_corpus, "invalid YAML"), id="invalid-yaml-corpus"),
    pytest.param(Case(alias_bomb, "alias bomb"), id="alias-bomb"),
    pytest.param(Case(self_alias, "contains an alias to itself"), id="self-alias"),
    pytest.param(Case(deep_nesting, "nested deeper than"), id="deep-nesting"),
    pytest.param(Case(too_large, "-byte limit"), id="too-large"),
    pytest.param(Case(endless_device, "-byte limit"), id="endless-device"),
    pytest.param(Case(binary, "binary content"), id="binary"),
    pytest.param(Case(not_utf8, "not UTF-8: invalid byte 0xe9"), id="not-utf8"),
    pytest.param(Case(utf16, "UTF-16"), id="utf16"),
    pytest.param(Case(duplicate_key, 'duplicate key "interval"'), id="duplicate-key"),
    pytest.param(Case(no_values, "not a dispatch release"), id="no-values"),
    pytest.param(
        Case(values_not_a_mapping, "spec.values must be a mapping"), id="values-not-a-mapping"
    ),
    pytest.param(
        Case(
            env_value_is_a_list, "`controllers.dispatch.containers.app.env.DISPATCH_GROOMER_MODEL`"
        ),
        id="env-value-is-a-list",
    ),
    pytest.param(
        Case(env_value_is_a_map, "env.DISPATCH_GROOMER_MODEL.name`"), id="env-value-is-a-map"
    ),
    pytest.param(
        Case(lanes_as_a_yaml_map, "env.DISPATCH_LANE_CONFIG_JSON.lanes`"),
        id="lanes-as-a-yaml-map",
    ),
    pytest.param(
        Case(service_port_is_a_list, "`service.app.ports.http.port`"), id="port-is-a-list"
    ),
    pytest.param(Case(surrogate_escape, "surrogate"), id="surrogate-escape"),
    pytest.param(Case(infinite_number, "not a finite number"), id="cpu-1e999"),
    pytest.param(Case(numeric_name, "metadata.name must be a string"), id="name-12345"),
    pytest.param(
        Case(unresolved_variable, "DISPATCH_VERSION has no value"), id="unresolved-variable"
    ),
    pytest.param(Case(not_dispatch, "not a dispatch release"), id="not-dispatch"),
    pytest.param(Case(heartbeat_cronjob, "not a dispatch release"), id="heartbeat-cronjob"),
    pytest.param(Case(not_flux, "only helm.toolkit.fluxcd.io"), id="not-a-flux-helmrelease"),
    pytest.param(Case(empty_file, "no HelmRelease"), id="empty-file"),
    pytest.param(Case(no_values, "has no metadata.namespace", options=()), id="no-namespace"),
    pytest.param(Case(missing_file, "no such file"), id="missing-file"),
    pytest.param(Case(directory, "is a directory"), id="directory"),
]


def assert_one_error_line(outcome: Outcome, built: Built, message: str) -> None:
    assert outcome.exit_code == 2, outcome
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.startswith(ERROR_PREFIX), outcome.stderr
    assert outcome.stderr.endswith("\n") and outcome.stderr.count("\n") == 1, outcome.stderr
    assert message in outcome.stderr
    assert built.file_name in outcome.stderr
    if built.line is not None:
        where = f"{built.file_name}:{built.line}:"
        if built.column is not None:
            where += f"{built.column}:"
        assert where in outcome.stderr, f"expected {where!r} in {outcome.stderr!r}"


@pytest.mark.parametrize("case", CASES)
def test_diff_refuses_bad_input(tmp_path: Path, case: Case) -> None:
    built = case.build(tmp_path)
    before = snapshot(tmp_path)
    outcome = run_cli("diff", built.argument, *case.options)
    assert_one_error_line(outcome, built, case.message)
    assert outcome.stdout == ""
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", CASES)
def test_translate_writes_nothing_for_bad_input(tmp_path: Path, case: Case) -> None:
    built = case.build(tmp_path)
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    outcome = run_cli("translate", built.argument, *case.options, "-o", str(out))
    assert_one_error_line(outcome, built, case.message)
    assert not out.exists()
    assert snapshot(tmp_path) == before


CHART_RENDER_CASES = [
    pytest.param(Case(alias_bomb, "alias bomb"), id="alias-bomb"),
    pytest.param(Case(deep_nesting, "nested deeper than"), id="deep-nesting"),
    pytest.param(Case(too_large, "-byte limit"), id="too-large"),
    pytest.param(Case(endless_device, "-byte limit"), id="endless-device"),
    pytest.param(Case(binary, "binary content"), id="binary"),
    pytest.param(Case(duplicate_key, 'duplicate key "interval"'), id="duplicate-key"),
]


@pytest.mark.parametrize("case", CHART_RENDER_CASES)
def test_chart_render_values_file_has_the_input_limits(tmp_path: Path, case: Case) -> None:
    """Issue 12 item 14: `chart render -f` reads values with the manifests' guards."""
    built = case.build(tmp_path)
    outcome = run_cli("chart", "render", "-f", built.argument)
    assert_one_error_line(outcome, built, case.message)
    assert outcome.stdout == ""


def test_chart_schema_error_names_the_source_key(tmp_path: Path) -> None:
    """`diff` renders the new side: the chart's schema message gets the key's file:line."""
    built = negative_port(tmp_path)
    outcome = run_cli("diff", built.argument, "-n", "llm")
    assert_one_error_line(outcome, built, "minimum: got -1")


def test_stdin_that_is_not_utf8_is_refused() -> None:
    text = replaced("vision", "caf\xe9").encode("latin-1")
    outcome = run_cli("diff", "-", "--namespace", "llm", stdin=text)
    line = line_of(RELEASE, "vision")
    assert_one_error_line(outcome, Built("-", "<stdin>", line), "not UTF-8: invalid byte 0xe9")


def test_old_manifests_that_are_binary_are_refused(tmp_path: Path) -> None:
    release = release_file(tmp_path, RELEASE)
    manifests = tmp_path / "old.yaml"
    manifests.write_bytes(b"kind: Deployment\n\x00\x01")
    outcome = run_cli("diff", release.argument, "-n", "llm", "--old-manifests", str(manifests))
    assert_one_error_line(outcome, Built(str(manifests), "old.yaml", 2, 1), "binary content")


def test_old_manifests_with_an_alias_bomb_are_refused(tmp_path: Path) -> None:
    release = release_file(tmp_path, RELEASE)
    bomb = alias_bomb(tmp_path / "bomb")
    outcome = run_cli("diff", release.argument, "-n", "llm", "--old-manifests", bomb.argument)
    assert_one_error_line(outcome, bomb, "alias bomb")


# --- writing commands: a read-only target, migrate --write -------------------------------


def test_translate_into_a_read_only_values_file_writes_nothing(tmp_path: Path) -> None:
    release = release_file(tmp_path, RELEASE)
    out = tmp_path / "out"
    out.mkdir()
    values = out / "values.yaml"
    values.write_text("# the user's own, read-only\n", encoding="utf-8")
    values.chmod(0o444)
    before = snapshot(tmp_path)
    outcome = run_cli("translate", release.argument, "-n", "llm", "-o", str(out))
    assert_one_error_line(outcome, Built(str(values), "values.yaml"), "read-only")
    assert snapshot(tmp_path) == before
    assert sorted(path.name for path in out.iterdir()) == ["values.yaml"]


def test_translate_into_a_file_instead_of_a_directory_writes_nothing(tmp_path: Path) -> None:
    release = release_file(tmp_path, RELEASE)
    out = tmp_path / "out"
    out.write_text("not a directory\n", encoding="utf-8")
    before = snapshot(tmp_path)
    outcome = run_cli("translate", release.argument, "-n", "llm", "-o", str(out))
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.stderr
    assert snapshot(tmp_path) == before


def test_translate_under_a_file_writes_nothing(tmp_path: Path) -> None:
    release = release_file(tmp_path, RELEASE)
    out = Path(release.argument) / "out"  # below a file: cannot be created
    before = snapshot(tmp_path)
    outcome = run_cli("translate", release.argument, "-n", "llm", "-o", str(out))
    assert_one_error_line(outcome, Built(str(out), "helmrelease.yaml/out"), "cannot create")
    assert snapshot(tmp_path) == before


def gitops_tree(root: Path, release_text: str) -> Path:
    app = root / "kubernetes" / "apps" / "llm" / "dispatch"
    app.mkdir(parents=True)
    (app / "helmrelease.yaml").write_text(release_text, encoding="utf-8")
    (app / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: llm\nresources:\n  - ./helmrelease.yaml\n",
        encoding="utf-8",
    )
    return app / "helmrelease.yaml"


def assert_migrate_wrote_nothing(outcome: Outcome, release: Path) -> None:
    """migrate's refusal: exit 2, one `appt2dispatch:` line naming the release."""
    assert outcome.exit_code == 2, outcome
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.startswith("appt2dispatch: "), outcome.stderr
    assert outcome.stderr.count("\n") == 1, outcome.stderr
    assert str(release) in outcome.stderr


def test_migrate_write_with_a_bad_release_writes_nothing(tmp_path: Path) -> None:
    text = replaced("DISPATCH_GROOMER_MODEL: vision", "DISPATCH_GROOMER_MODEL: [vision]")
    release = gitops_tree(tmp_path / "tree", text)
    before = snapshot(tmp_path)
    outcome = run_cli("migrate", str(tmp_path / "tree"), "--write")
    assert_migrate_wrote_nothing(outcome, release)
    assert snapshot(tmp_path) == before
    # The dry-run report says why, with the line of the refused key.
    assert f"helmrelease.yaml:{line_of(text, 'DISPATCH_GROOMER_MODEL')}:" in outcome.stdout


def test_migrate_write_into_a_read_only_release_writes_nothing(tmp_path: Path) -> None:
    release = gitops_tree(tmp_path / "tree", RELEASE)
    release.chmod(0o444)
    before = snapshot(tmp_path)
    outcome = run_cli("migrate", str(tmp_path / "tree"), "--write")
    assert_migrate_wrote_nothing(outcome, release)
    assert "read-only" in outcome.stderr
    assert snapshot(tmp_path) == before


def test_migrate_of_a_file_is_a_usage_error(tmp_path: Path) -> None:
    release = release_file(tmp_path, RELEASE)
    outcome = run_cli("migrate", release.argument, "--write")
    assert outcome.exit_code == 2
    assert "is a file" in outcome.stderr
    assert "Traceback" not in outcome.stderr


# --- usage errors (click's own message) ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("diff", "x.yaml", "--bogus"), "No such option '--bogus'", id="unknown-option"
        ),
        pytest.param(("frobnicate",), "No such command 'frobnicate'", id="unknown-command"),
        pytest.param(("diff", "x.yaml", "--format", "xml"), "'xml' is not one of", id="bad-choice"),
        pytest.param(
            ("diff", "x.yaml", "--substitute", "NOEQUALS"), "expected NAME=VALUE", id="bad-k=v"
        ),
        pytest.param(("diff",), "Missing argument 'HELMRELEASE'", id="missing-argument"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    """Issue 12 item 16: click's usage errors are one line like every other error."""
    outcome = run_cli(*args)
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(ERROR_PREFIX), outcome.stderr
    assert outcome.stderr.count("\n") == 1, outcome.stderr
    assert message in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_substitute_without_equals_does_not_echo_the_argument() -> None:
    """Issue 12 item 13: `--substitute ghp_...` (no '=') is refused without echoing it."""
    token = "ghp_Zk3mQ9xR2vT8wL5nB7cY4dF6hJ1sP0aG2eK9"
    for argument in (token, "hunter2"):
        outcome = run_cli("diff", "x.yaml", "--substitute", argument)
        assert outcome.exit_code == 2
        assert argument not in outcome.stderr + outcome.stdout
        assert token[4:20] not in outcome.stderr
        assert "expected NAME=VALUE (no '=')" in outcome.stderr


def test_ctrl_c_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12 item 15: an interrupt is 130, not click's 'Aborted!' and 1 (a behaviour change)."""
    from appt2dispatch import pipeline

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "render_old", interrupted)
    release = tmp_path / "helmrelease.yaml"
    release.write_text(RELEASE)
    outcome = run_cli("diff", str(release), "-n", "llm")
    assert outcome.exit_code == 130
    assert "Aborted!" not in outcome.stderr
    assert outcome.stderr.strip() == "appt2dispatch: interrupted"


def test_process_interrupted_by_sigint_exits_130(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    release = tmp_path / "helmrelease.yaml"
    release.write_text(RELEASE)
    script = (
        "import time, sys\n"
        "from appt2dispatch import pipeline\n"
        "def slow(*a, **k):\n"
        "    print('started', flush=True); time.sleep(60)\n"
        "pipeline.render_old = slow\n"
        "from appt2dispatch.cli import main\n"
        "sys.argv = ['appt2dispatch', 'diff', sys.argv[1], '-n', 'llm']\n"
        "main()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(release)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "started\n"
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Aborted!" not in stderr


# --- as a real process: no traceback, exit 2; --debug shows it --------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(invalid_yaml_from_corpus, id="invalid-yaml-corpus"),
        pytest.param(binary, id="binary"),
        pytest.param(alias_bomb, id="alias-bomb"),
    ],
)
def test_process_exits_2_without_traceback(tmp_path: Path, build: Callable[[Path], Built]) -> None:
    built = build(tmp_path)
    outcome = run_process("diff", built.argument, "-n", "llm", cwd=tmp_path)
    assert outcome.exit_code == 2, outcome
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.startswith(ERROR_PREFIX)
    assert outcome.stderr.count("\n") == 1


def test_process_unknown_option_exits_2(tmp_path: Path) -> None:
    outcome = run_process("diff", "x.yaml", "--bogus", cwd=tmp_path)
    assert outcome.exit_code == 2
    assert "No such option" in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    built = missing_file(tmp_path)
    outcome = run_process("--debug", "diff", built.argument, "-n", "llm", cwd=tmp_path)
    assert outcome.exit_code != 0
    assert "Traceback (most recent call last)" in outcome.stderr
    assert "InputError" in outcome.stderr


# --- looks bad, is not -------------------------------------------------------------------


def test_bom_is_read_like_the_same_file_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = []
    for name, data in (("plain", RELEASE.encode()), ("bom", b"\xef\xbb\xbf" + RELEASE.encode())):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "helmrelease.yaml").write_bytes(data)
        monkeypatch.chdir(folder)
        outputs.append(run_cli("diff", "helmrelease.yaml", "-n", "llm", "--format", "json"))
    plain, bom = outputs
    assert plain.exit_code == 0, plain
    assert bom.exit_code == plain.exit_code
    assert bom.stderr == plain.stderr
    # A trace of the BOM may only show where the change quotes the file's first line.
    assert bom.stdout.replace("\\ufeff", "") == plain.stdout


@pytest.mark.parametrize(
    ("lanes", "reason"),
    [
        pytest.param("{not json", "not valid JSON", id="not-json"),
        pytest.param(
            '{"lanes":[{"id":{"name":"local"},"title":"Local","claimable":true}]}',
            "lanes[0].id must be a non-empty string",
            id="lane-id-is-a-map",
        ),
        pytest.param(
            '{"lanes":{"id":"local","title":"Local","claimable":true}}',
            "`lanes` must be a non-empty array",
            id="lanes-is-a-map",
        ),
    ],
)
@pytest.mark.parametrize("with_envfrom", [True, False], ids=["envFrom", "no-envFrom"])
def test_lanes_the_app_ignores_keep_its_default_lanes_with_a_warning(
    tmp_path: Path, lanes: str, reason: str, with_envfrom: bool
) -> None:
    text = re.sub(
        r"DISPATCH_LANE_CONFIG_JSON: '.*'", f"DISPATCH_LANE_CONFIG_JSON: '{lanes}'", RELEASE
    )
    if not with_envfrom:
        text = text.replace(
            "            envFrom:\n              - secretRef:\n                  name: dispatch\n",
            "",
        )
    release = release_file(tmp_path, text)
    outcome = run_cli("diff", release.argument, "-n", "llm", "--format", "json")
    report = json.loads(outcome.stdout)
    # Not an input error. With an envFrom Secret that might set the variable, the invalid
    # value is kept verbatim in env so it still shadows the Secret: no behaviour change.
    assert outcome.exit_code == 0
    assert report["verdict"] == "no-behavior-change"
    assert ("DISPATCH_LANE_CONFIG_JSON" in report["values"].get("env", {})) == with_envfrom
    assert report["values"]["config"].get("lanes") is None
    warnings = [note["message"] for note in report["notes"] if note["level"] == "warning"]
    assert any(
        "DISPATCH_LANE_CONFIG_JSON is invalid" in message
        and reason in message
        and "built-in lanes" in message
        for message in warnings
    ), warnings
    text_outcome = run_cli("diff", release.argument, "-n", "llm")
    assert "[warning]" in text_outcome.stdout
    assert "DISPATCH_LANE_CONFIG_JSON is invalid" in text_outcome.stdout


# --- YAML that real repositories contain (issue 12 items 5-8, 10) ---------------------------

NAMESPACED = RELEASE.replace("metadata:\n", "metadata:\n  namespace: llm\n")
MERGE_KEYS = "            probes:\n" + (
    "              readiness: {<<: &common {enabled: true, custom: true},"
    " spec: {httpGet: {path: /healthz, port: 3000}}}\n"
    "              liveness: {<<: *common, spec: {httpGet: {path: /healthz, port: 3000}}}\n"
)
REAL_WORLD_YAML = {
    "merge-keys": NAMESPACED.replace("            env:\n", MERGE_KEYS + "            env:\n"),
    "values-comment": NAMESPACED.replace("  values:\n", "  values: # tuned by hand\n"),
    "5000-digit-integer": NAMESPACED
    + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  n: x\n"
    + "big: "
    + "9" * 5000
    + "\n",
    "tabs": NAMESPACED.replace("  interval: 15m\n", "  interval: 15m\t\n").replace(
        "            env:\n", "            env:\t# tab before a comment\n"
    ),
    "crlf": NAMESPACED.replace("\n", "\r\n"),
}


def verdict_of(path: str) -> str:
    outcome = run_cli("diff", path, "--format", "json")
    assert outcome.exit_code in (0, 1), outcome
    return str(json.loads(outcome.stdout)["verdict"])


@pytest.mark.parametrize("feature", sorted(REAL_WORLD_YAML))
def test_real_world_yaml_gives_the_plain_verdict(tmp_path: Path, feature: str) -> None:
    """Merge keys, a comment on `values:`, huge integers, tabs and CRLF are read (never
    exit 3), give the verdict of the plain form, and migrate's patch keeps them."""
    plain = release_file(tmp_path / "plain", NAMESPACED)
    built = release_file(tmp_path / feature, "")
    Path(built.argument).write_bytes(REAL_WORLD_YAML[feature].encode())
    assert verdict_of(built.argument) == verdict_of(plain.argument)
    outcome = run_cli("migrate", str(Path(built.argument).parent), "--format", "json")
    if feature == "tabs":  # read, but not rewritable with the tab kept: exit 2 naming it
        assert outcome.exit_code == 2, outcome
        error = json.loads(outcome.stdout)["releases"][0]["error"]
        assert "helmrelease.yaml:" in error and "tab" in error
        return
    assert outcome.exit_code == 0, outcome
    patch = json.loads(outcome.stdout)["releases"][0]["patch"]
    if feature == "values-comment":
        assert "-  values: # tuned by hand" not in patch
    if feature == "crlf":
        release_part = patch.split("diff --git")[1]  # the edited release, not a new file
        assert "helmrelease.yaml" in release_part.splitlines()[0]
        lines = release_part.splitlines(True)
        changed = [line for line in lines if line.startswith(("+ ", "- "))]
        assert changed and all(line.endswith("\r\n") for line in changed)


def test_an_integer_past_the_digit_limit_is_refused_at_its_line(tmp_path: Path) -> None:
    from appt2dispatch.load.guards import MAX_INT_DIGITS

    text = NAMESPACED + "---\nbig: " + "9" * (MAX_INT_DIGITS + 1) + "\n"
    built = release_file(tmp_path, text, marker="big:", column=6)
    outcome = run_cli("diff", built.argument)
    assert_one_error_line(outcome, built, f"more than {MAX_INT_DIGITS} digits")
