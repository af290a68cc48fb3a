"""Comments in the HelmRelease's values travel with what they describe."""

from __future__ import annotations

from pathlib import Path

from appt2dispatch.models import Translation
from appt2dispatch.translate import translate_release
from translate.translate_support import (
    builtin_old,
    golden_for,
    load_release,
    old_from_manifests,
    release_from_text,
    release_text,
)

NEWEST = "26-2026-07-02-dispatch-da5427f22.yaml"


def translate_text(tmp_path: Path, text: str, follow_chart_version: bool = False) -> Translation:
    release = release_from_text(tmp_path, text)
    return translate_release(
        release, builtin_old(release), follow_chart_version=follow_chart_version
    )


def block_above(values_yaml: str, line: str) -> list[str]:
    """The comment lines directly above `line` in the values document."""
    lines = values_yaml.splitlines()
    index = next(i for i, text in enumerate(lines) if text.strip() == line)
    above: list[str] = []
    for text in reversed(lines[:index]):
        if not text.strip().startswith("#"):
            break
        above.insert(0, text.strip())
    return above


def test_comment_above_groomer_model_lands_above_config_groomer_model(
    corpus_dir: Path, goldens_dir: Path
) -> None:
    path = corpus_dir / "home-ops-history" / NEWEST
    release = load_release(path)
    translation = translate_release(release, old_from_manifests(golden_for(path, goldens_dir)))
    above = block_above(translation.values_yaml, "model: vision")
    assert above[0] == "# Grooming is triage/classification, not code — a small model suffices."
    assert len(above) == 4
    moved = [n for n in translation.notes if "moved above config.groomer.model" in n.message]
    assert moved and moved[0].location is not None and moved[0].location.line == 30


def test_comment_whose_subject_is_gone_is_kept_in_a_note(
    corpus_dir: Path, goldens_dir: Path
) -> None:
    # The HOSTNAME variable was removed; its comment stayed above DISPATCH_EXCLUDED_LABELS.
    path = corpus_dir / "home-ops-history" / NEWEST
    release = load_release(path)
    translation = translate_release(release, old_from_manifests(golden_for(path, goldens_dir)))
    assert "HOSTNAME" not in translation.values_yaml
    kept = [n for n in translation.notes if "Next standalone binds to $HOSTNAME" in n.message]
    assert len(kept) == 1
    assert kept[0].level == "dropped"
    assert kept[0].location is not None and kept[0].location.line == 24


def test_comment_travels_with_a_variable_that_stays_in_env(tmp_path: Path) -> None:
    env = "              # bind all interfaces\n              HOSTNAME: 0.0.0.0"
    translation = translate_text(tmp_path, release_text(env))
    assert block_above(translation.values_yaml, 'HOSTNAME: "0.0.0.0"') == ["# bind all interfaces"]


def test_end_of_line_comment_travels(tmp_path: Path) -> None:
    env = "              DISPATCH_GROOMER_MODEL: vision  # the 9B one"
    translation = translate_text(tmp_path, release_text(env))
    assert block_above(translation.values_yaml, "model: vision") == ["# the 9B one"]


def test_comment_on_a_key_equal_to_the_default_keeps_the_key(tmp_path: Path) -> None:
    env = "              # groom for real\n              DISPATCH_GROOMER_DRY_RUN: false"
    translation = translate_text(tmp_path, release_text(env))
    # dryRun false is the chart default; written anyway so the comment has a home.
    assert block_above(translation.values_yaml, "dryRun: false") == ["# groom for real"]


def test_comment_without_a_home_becomes_a_note(tmp_path: Path) -> None:
    text = release_text().replace("    service:\n", "    # the usual port\n    service:\n")
    translation = translate_text(tmp_path, text)
    assert "the usual port" not in translation.values_yaml
    assert any("# the usual port" in n.message and n.level == "dropped" for n in translation.notes)


def test_tag_comment_is_a_note_when_the_image_follows_the_chart(tmp_path: Path) -> None:
    text = release_text(tag="0.5.17").replace(
        "              tag: 0.5.17", "              # pinned by renovate\n              tag: 0.5.17"
    )
    kept = translate_text(tmp_path, text)
    assert block_above(kept.values_yaml, 'tag: "0.5.17"') == ["# pinned by renovate"]
    following = translate_text(tmp_path, text, follow_chart_version=True)
    assert "pinned by renovate" not in following.values_yaml
    assert any("# pinned by renovate" in n.message for n in following.notes)
