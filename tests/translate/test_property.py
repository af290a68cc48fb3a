"""Property: for any env the contract allows, the dispatch chart runs the old pod's env.

Old pod env drawn per variable (unset / the app's default / another value / valueFrom)
-> translate -> render_dispatch -> the new pod's effective env (envFrom then env, last
wins) equals the old pod's plus SKIP_DB_MIGRATIONS="true".

The Secret the pod loads provides every variable with a value that differs from the env
ones (its lane JSON valid or not), so a variable the translation drops while it shadows the
Secret shows up as the Secret's value on the new side.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appt2dispatch.models import HelmRelease, Rendered
from appt2dispatch.render.dispatch_chart import render_dispatch
from appt2dispatch.translate import translate_release
from translate.translate_support import (
    app_container,
    builtin_old,
    canonical_env,
    effective_env,
    release_from_text,
    release_text,
    with_changes,
)

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=12)
FLAG = st.sampled_from(["true", "false", "True", "1", ""])
INTERVAL = st.one_of(
    st.sampled_from(["0", "900000", "86400000", "15m", "0900", " 5"]),
    st.integers(min_value=0, max_value=2**40).map(str),
    # Past 2**53 a chart number is a float64: only the env string keeps every digit.
    st.sampled_from(["9007199254740992", "9007199254740993", "99999999999999999999"]),
)
VALID_LANES = json.dumps(
    {
        "lanes": [
            {"id": "local", "title": "Local", "claimable": True, "role": "default"},
            {"id": "backlog", "title": "Backlog", "claimable": False, "color": "#6b7280"},
        ],
        "laneAliases": {"normal": "local"},
    }
)
SECRET_LANES = json.dumps(
    {"lanes": [{"id": "secret", "title": "From the Secret", "claimable": True, "role": "default"}]}
)
LANES = st.sampled_from(
    [
        VALID_LANES,
        '{"lanes": []}',
        "not json",
        '{"lanes":[{"id":"a","title":"A","claimable":true,"role":"boss"}]}',
    ]
)
CONTRACT: dict[str, st.SearchStrategy[str]] = {
    "DISPATCH_AUTH_MODE": st.sampled_from(["basic", "oidc", "disabled", "legacy"]),
    "DISPATCH_EXCLUDED_LABELS": st.sampled_from(["renovate", "renovate, wontfix", "a,b", "a,"]),
    "DISPATCH_LLM_BASE_URL": TEXT,
    "DISPATCH_HOSTED_GROOMER_ENABLED": FLAG,
    "DISPATCH_GROOMER_MODEL": TEXT,
    "DISPATCH_GROOMER_DRY_RUN": FLAG,
    "DISPATCH_GROOMER_REPO_CONTEXT_ENABLED": FLAG,
    "DISPATCH_SCHEDULER_ENABLED": FLAG,
    "DISPATCH_SYNC_INTERVAL_MS": INTERVAL,
    "DISPATCH_GROOMER_INTERVAL_MS": INTERVAL,
    "DISPATCH_PR_FOLLOWUP_INTERVAL_MS": INTERVAL,
    "DISPATCH_PRUNE_CLOSED_INTERVAL_MS": INTERVAL,
    "DISPATCH_LANE_CONFIG_JSON": LANES,
    "DATABASE_URL": TEXT,
    "SKIP_DB_MIGRATIONS": st.sampled_from(["true", "false"]),
    "HOSTNAME": st.just("0.0.0.0"),
    "DISPATCH_RECONCILE_INTERVAL_MS": INTERVAL,
}


@st.composite
def old_env(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An env list as app-template renders it (sorted by name), each variable maybe unset."""
    env: list[dict[str, Any]] = []
    for name, values in sorted(CONTRACT.items()):
        choice = draw(st.sampled_from(["unset", "value", "valueFrom"]))
        if choice == "value":
            env.append({"name": name, "value": draw(values)})
        elif choice == "valueFrom":
            ref: dict[str, Any] = {
                "name": draw(st.sampled_from(["dispatch", "dispatch-app"])),
                "key": "k",
            }
            if draw(st.booleans()):
                ref["optional"] = True  # the pod starts without the Secret: not a plain ref
            env.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
    return env


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[HelmRelease, Rendered]:
    release = release_from_text(tmp_path_factory.mktemp("property"), release_text())
    return release, builtin_old(release, "4.1.1")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(env=old_env(), secret_lanes=st.sampled_from([SECRET_LANES, "not json", "{}"]))
def test_new_pod_env_is_old_pod_env_plus_skip_migrations(
    base: tuple[HelmRelease, Rendered], env: list[dict[str, Any]], secret_lanes: str
) -> None:
    release, rendered = base

    def set_env(objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            if obj["kind"] == "Deployment":
                obj["spec"]["template"]["spec"]["containers"][0]["env"] = env

    old = with_changes(rendered, set_env)
    translation = translate_release(release, old, envfrom_keys={"dispatch": None})
    new = render_dispatch(
        translation.values,
        release_name=release.release_name,
        namespace=release.namespace,
        chart_version=translation.chart_version,
    )
    # The Secret provides every key, each unlike any env value: whichever variable wins shows.
    secret = {name: f"from-secret-{name}" for name in CONTRACT}
    secret["DISPATCH_LANE_CONFIG_JSON"] = secret_lanes
    old_env_seen = canonical_env(effective_env(app_container(old), {"dispatch": secret}))
    new_env_seen = canonical_env(effective_env(app_container(new), {"dispatch": secret}))
    assert new_env_seen == {**old_env_seen, "SKIP_DB_MIGRATIONS": "true"}
