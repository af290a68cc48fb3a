"""Keep what the old values stated: every setting a values key produced is written, even
when it equals today's chart default (a later default must not change it); what the old
release never stated and the chart renders identically is left out."""

from __future__ import annotations

from pathlib import Path

from appt2dispatch.models import Translation
from appt2dispatch.translate import translate_release
from translate.translate_support import (
    builtin_old,
    helm_merged,
    release_from_text,
    release_text,
)

PROBE = """\
            probes:
              liveness:
                enabled: true
                custom: true
                spec:
                  httpGet:
                    path: /
                    port: 3000
                  initialDelaySeconds: 10
                  periodSeconds: 10
                  failureThreshold: 3
              startup:
                enabled: false"""
CONTROLLER = """\
    controllers:
      dispatch:
        replicas: 1
        strategy: Recreate
        revisionHistoryLimit: 3
        containers:"""
POD_OPTIONS = """\
    defaultPodOptions:
      enableServiceLinks: false
      automountServiceAccountToken: false
    service:
      app:
        type: ClusterIP
        ports:
          http:
            port: 3000"""


def stating_defaults() -> str:
    """A release that states, with the chart's own default values, what the chart defaults."""
    text = release_text(container=PROBE)
    text = text.replace("    controllers:\n      dispatch:\n        containers:", CONTROLLER)
    plain_service = (
        "    service:\n      app:\n        ports:\n          http:\n            port: 3000"
    )
    assert plain_service in text
    return text.replace(plain_service, POD_OPTIONS)


def translate(tmp_path: Path, text: str) -> Translation:
    tmp_path.mkdir(parents=True, exist_ok=True)
    release = release_from_text(tmp_path, text)
    return translate_release(release, builtin_old(release))


def test_stated_settings_equal_to_the_chart_default_are_written(tmp_path: Path) -> None:
    values = translate(tmp_path, stating_defaults()).values
    assert values["replicas"] == 1
    assert values["strategy"] == {"type": "Recreate"}
    assert values["revisionHistoryLimit"] == 3
    assert values["controllerName"] == "dispatch"
    assert values["containerName"] == "app"
    assert values["enableServiceLinks"] is False
    assert values["serviceAccount"]["automountServiceAccountToken"] is False
    assert values["service"] == {"type": "ClusterIP", "port": 3000, "portName": "http"}
    assert values["probes"]["startup"] == {"enabled": False}  # the chart's default too
    assert values["probes"]["liveness"] == {
        "enabled": True,
        "spec": {
            "httpGet": {"path": "/", "port": 3000},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
    }


def test_settings_never_stated_and_rendered_identically_are_left_out(tmp_path: Path) -> None:
    values = translate(tmp_path, release_text()).values
    for key in ("replicas", "strategy", "revisionHistoryLimit", "enableServiceLinks"):
        assert key not in values
    # app-template's defaults (not stated) differ from the chart's only where written.
    assert values["serviceAccount"] == {"automountServiceAccountToken": True}
    assert values["service"] == {"port": 3000, "portName": "http"}  # `ports.http.port: 3000`
    assert "type" not in values["service"]
    assert values["probes"] == {"liveness": {"enabled": False}, "readiness": {"enabled": False}}


def test_stating_a_default_changes_nothing_the_chart_renders(tmp_path: Path) -> None:
    stated = translate(tmp_path / "stated", stating_defaults()).values
    plain = translate(tmp_path / "plain", release_text(container=PROBE)).values
    different = {"serviceAccount"}  # automount: stated false, app-template's default is true
    stated_merged = helm_merged(dict(stated))
    plain_merged = helm_merged(dict(plain))
    for key in set(stated_merged) | set(plain_merged):
        if key not in different:
            assert stated_merged.get(key) == plain_merged.get(key), key
