"""What `migrate --write` refuses: unproven releases, a second writer, symlinks out of the tree;
and what it keeps: the human's `${VAR}` text."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from appt2dispatch.load import load_release
from appt2dispatch.write import tree_lock
from migrate.migrate_support import (
    ERA_RELEASE,
    ERA_TREE,
    SHARED_RELEASE,
    copy_tree,
    read,
    run_migrate,
    snapshot,
)

LIFECYCLE = (
    "            lifecycle:\n"
    "              preStop:\n"
    "                exec:\n"
    '                  command: ["sleep", "5"]\n'
)


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_untranslatable_release_is_an_error_and_nothing_is_written(era_tree: Path) -> None:
    edit(era_tree, ERA_RELEASE, "            envFrom:\n", LIFECYCLE + "            envFrom:\n")
    before = snapshot(era_tree)
    result = run_migrate(era_tree, "--write", "--accept-behavior-change")
    assert result.exit_code == 2
    assert "verdict: error" in result.stdout
    assert "lifecycle" in result.stdout
    assert "nothing written" in result.stderr
    assert snapshot(era_tree) == before


def test_behavior_change_is_written_only_when_accepted(shared_tree: Path) -> None:
    # Following the chart version drops the image digest pin: a behaviour change.
    before = snapshot(shared_tree)
    refused = run_migrate(shared_tree, "--write", "--follow-chart-version")
    assert refused.exit_code == 1
    assert "verdict: behavior change" in refused.stdout
    assert "--accept-behavior-change" in refused.stderr
    assert snapshot(shared_tree) == before
    dry = run_migrate(shared_tree, "--follow-chart-version")
    assert dry.stdout.endswith("run with --write --accept-behavior-change to apply\n")
    accepted = run_migrate(
        shared_tree, "--write", "--follow-chart-version", "--accept-behavior-change"
    )
    assert accepted.exit_code == 1  # the verdict still says what it is, as `diff` does
    assert f"wrote {shared_tree / SHARED_RELEASE}" in accepted.stderr
    assert snapshot(shared_tree) != before


def test_second_writer_is_refused_while_the_lock_is_held(era_tree: Path) -> None:
    before = snapshot(era_tree)
    with tree_lock(era_tree):
        result = run_migrate(era_tree, "--write")
        assert result.exit_code == 2
        assert "another appt2dispatch run is writing to this repository" in result.stderr
    assert snapshot(era_tree) == before  # the lock is not in the tree
    assert run_migrate(era_tree, "--write").exit_code == 0  # released: the next run works


def test_symlink_out_of_the_tree_is_neither_followed_nor_written(
    era_tree: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "helmrelease.yaml").write_text(read(era_tree, ERA_RELEASE))
    outside_before = snapshot(outside)
    apps = era_tree / "kubernetes" / "apps"
    (apps / "linked-release.yaml").symlink_to(outside / "helmrelease.yaml")
    (apps / "linked-dir").symlink_to(outside, target_is_directory=True)
    result = run_migrate(era_tree, "--write")
    assert result.exit_code == 0, result.output
    assert "symlink to a file outside the tree" in result.stdout
    # Issue 12 item 17: a symlinked release directory gets its note too.
    assert f"{apps / 'linked-dir'}: skipped: symlink to a directory outside the tree" in (
        result.stdout
    )
    assert result.stdout.count("\n== ") + result.stdout.startswith("== ") == 1
    assert snapshot(outside) == outside_before
    assert (apps / "linked-release.yaml").is_symlink()


def test_symlinked_release_file_inside_the_tree_is_not_written_through(era_tree: Path) -> None:
    directory = era_tree / ERA_RELEASE.rsplit("/", 1)[0]
    real = directory / "real-helmrelease.yaml.txt"
    (directory / "helmrelease.yaml").rename(real)
    (directory / "helmrelease.yaml").symlink_to(real.name)
    before = snapshot(era_tree)
    result = run_migrate(era_tree, "--write")
    assert result.exit_code == 2
    assert "symlink" in result.stdout
    assert snapshot(era_tree) == before


def test_postbuild_variables_stay_as_the_human_wrote_them(era_tree: Path) -> None:
    # The Flux Kustomization substitutes APP=dispatch; use it the way home-ops trees do.
    edit(era_tree, ERA_RELEASE, '["dispatch.jory.dev"]', '["${APP}.jory.dev"]')
    edit(era_tree, ERA_RELEASE, "    name: dispatch\n  interval", "    name: ${APP}\n  interval")
    edit(
        era_tree,
        ERA_RELEASE,
        "name: dispatch\n            resources",
        "name: ${APP}\n            resources",
    )
    result = run_migrate(era_tree, "--write")
    assert result.exit_code == 0, result.output
    text = read(era_tree, ERA_RELEASE)
    spec = YAML(typ="safe").load(text)["spec"]
    assert spec["chartRef"]["name"] == "${APP}"
    assert spec["values"]["httpRoute"]["hostnames"] == ["${APP}.jory.dev"]
    assert spec["values"]["existingSecret"] == "${APP}"
    assert "dispatch.jory.dev" not in text
    # What Flux applies after substitution is what was proven.
    loaded = load_release(era_tree / ERA_RELEASE, tree_root=era_tree)
    assert loaded.values["httpRoute"]["hostnames"] == ["dispatch.jory.dev"]
    assert loaded.values["existingSecret"] == "dispatch"
    assert loaded.values["database"]["existingSecret"] == "dispatch-app"
    again = json.loads(run_migrate(era_tree, "--format", "json").stdout)
    assert again["already_migrated"] == [ERA_RELEASE]


def test_a_variable_the_translation_cannot_carry_is_an_error_not_a_baked_value(
    era_tree: Path,
) -> None:
    edit(
        era_tree,
        "kubernetes/apps/main/llm/dispatch.yaml",
        "APP: *app\n  wait",
        'APP: *app\n      PORT: "3000"\n  wait',
    )
    edit(
        era_tree,
        ERA_RELEASE,
        "          http:\n            port: 3000",
        "          http:\n            port: ${PORT}",
    )
    before = snapshot(era_tree)
    result = run_migrate(era_tree, "--write")
    assert result.exit_code == 2
    assert "cannot keep the postBuild variables" in result.stdout
    assert snapshot(era_tree) == before


def test_credentials_in_the_patch_are_masked_but_written(era_tree: Path) -> None:
    token = "ghp_" + "Abc123" * 6
    edit(
        era_tree,
        ERA_RELEASE,
        "              DISPATCH_EXCLUDED_LABELS: renovate\n",
        f"              DISPATCH_EXCLUDED_LABELS: renovate\n              GITHUB_TOKEN: {token}\n",
    )
    dry = run_migrate(era_tree)
    assert token not in dry.stdout
    assert "ghp_****" in dry.stdout
    assert "credentials in the patch are masked" in dry.stdout
    document = json.loads(run_migrate(era_tree, "--format", "json").stdout)
    assert document["releases"][0]["patch_masked"] is True
    assert token not in json.dumps(document)
    result = run_migrate(era_tree, "--write")
    assert result.exit_code == 0, result.output
    assert token in read(era_tree, ERA_RELEASE)


def test_a_broken_helmrelease_file_fails_the_gate_instead_of_being_skipped(
    corpus_dir: Path, tmp_path: Path
) -> None:
    root = copy_tree(corpus_dir / ERA_TREE, tmp_path / "tree")
    broken = corpus_dir / "home-ops-history" / "02-2026-06-21-openclaw-dispatch-3c4767809.yaml"
    (root / ERA_RELEASE).write_text(broken.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_migrate(root)
    assert result.exit_code == 2, result.output
    assert "helmrelease.yaml:25:45: invalid YAML" in result.output
