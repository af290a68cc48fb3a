"""Translation rules whose loss changes what the new pod runs, each stated on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from appt2dispatch.translate import translate_release
from translate.translate_support import builtin_old, release_from_text, release_text


def translated_env(tmp_path: Path, env: str) -> dict[str, object]:
    release = release_from_text(tmp_path, release_text(env))
    values = translate_release(release, builtin_old(release)).values
    return dict(values.get("env") or {})


@pytest.mark.parametrize("digits", ["9007199254740993", "99999999999999999999"])
def test_an_interval_past_2_to_the_53_stays_an_exact_string(tmp_path: Path, digits: str) -> None:
    # The chart would render it through a float64 (...993 -> ...992): only env keeps it.
    env = translated_env(tmp_path, f'              DISPATCH_SYNC_INTERVAL_MS: "{digits}"')
    assert env["DISPATCH_SYNC_INTERVAL_MS"] == digits


def test_the_largest_exact_interval_becomes_a_number(tmp_path: Path) -> None:
    release = release_from_text(
        tmp_path, release_text('              DISPATCH_SYNC_INTERVAL_MS: "9007199254740992"')
    )
    values = translate_release(release, builtin_old(release)).values
    assert values["config"]["scheduler"]["intervals"]["syncMs"] == 2**53
    assert "DISPATCH_SYNC_INTERVAL_MS" not in (values.get("env") or {})


def test_an_optional_database_secret_stays_verbatim_in_env(tmp_path: Path) -> None:
    # database.existingSecret renders a required reference: the pod would not start without it.
    ref = {"name": "db", "key": "uri", "optional": True}
    env = translated_env(
        tmp_path,
        "              DATABASE_URL:\n"
        "                valueFrom:\n"
        "                  secretKeyRef: {name: db, key: uri, optional: true}",
    )
    assert env["DATABASE_URL"] == {"valueFrom": {"secretKeyRef": ref}}
