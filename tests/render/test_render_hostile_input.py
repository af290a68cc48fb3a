"""The render stage's own input: refusals point at the line, given manifests are bounded.

Regressions found by tests/cli/test_bad_input.py and tests/fuzz: a built-in model
refusal named the key but not its line; `--old-manifests` bypassed the load stage's
limits (alias bombs, nesting, binary files); a plain `=` in Helm output (what
`toYaml` prints for the string "=") failed to parse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appt2dispatch.errors import InputError, ModelRefusedError
from appt2dispatch.load import load_release
from appt2dispatch.render.dispatch_chart import render_dispatch
from appt2dispatch.render.manifests import parse_manifests
from appt2dispatch.render.old import render_old_side, values_key_location
from appt2dispatch.translate import translate_release

RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: dispatch
  namespace: llm
spec:
  values:
    controllers:
      dispatch:
        annotations:
          reloader.stakater.com/auto: "true"
        containers:
          app:
            image:
              repository: ghcr.io/misospace/dispatch
              tag: 0.5.17
            env:
              DISPATCH_GROOMER_MODEL: vision
            args: [serve, --port, "3000"]
    service:
      app:
        ports:
          http:
            port: 3000
"""


def test_refusal_points_at_the_refused_key() -> None:
    text = RELEASE.replace("DISPATCH_GROOMER_MODEL: vision", "DISPATCH_GROOMER_MODEL: [vision]")
    release = load_release(Path("helmrelease.yaml"), text=text)
    with pytest.raises(ModelRefusedError) as caught:
        render_old_side(release)
    assert (
        caught.value.values_path == "controllers.dispatch.containers.app.env.DISPATCH_GROOMER_MODEL"
    )
    assert str(caught.value).startswith("helmrelease.yaml:18:15: built-in app-template model")


def test_refusal_of_a_dotted_key_points_at_it() -> None:
    text = RELEASE.replace('reloader.stakater.com/auto: "true"', "reloader.stakater.com/auto: [x]")
    release = load_release(Path("helmrelease.yaml"), text=text)
    with pytest.raises(ModelRefusedError) as caught:
        render_old_side(release)
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (11, 11)


@pytest.mark.parametrize(
    ("values_path", "line", "column"),
    [
        ("controllers.dispatch.annotations.reloader.stakater.com/auto", 11, 11),
        ("controllers.dispatch.containers.app.args[2]", 19, 35),
        ("controllers.dispatch.containers.app.args[9]", 19, 13),  # no such item: its list
        ("service.app.ports.http.port.extra", 24, 13),  # deeper than the file: deepest key
        ("nowhere.at.all", 7, 3),  # not in the file: `values` itself
    ],
)
def test_values_key_location(values_path: str, line: int, column: int) -> None:
    release = load_release(Path("helmrelease.yaml"), text=RELEASE)
    location = values_key_location(release, values_path)
    assert (location.path, location.line, location.column) == ("helmrelease.yaml", line, column)


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        pytest.param(b"kind: Deployment\n\x00", "binary content", 2, id="binary"),
        pytest.param(b"kind: Deployment\nname: caf\xe9\n", "not UTF-8", 2, id="not-utf8"),
        pytest.param(b"[" * 500 + b"]" * 500, "nested deeper than", 1, id="deep-nesting"),
        pytest.param(
            b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + b"".join(
                f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 10)}]\n".encode()
                for i in range(1, 8)
            ),
            "alias bomb",
            None,
            id="alias-bomb",
        ),
    ],
)
def test_old_manifests_get_the_load_stage_limits(
    tmp_path: Path, content: bytes, message: str, line: int | None
) -> None:
    manifests = tmp_path / "old.yaml"
    manifests.write_bytes(content)
    release = load_release(Path("helmrelease.yaml"), text=RELEASE)
    with pytest.raises(InputError) as caught:
        render_old_side(release, old_manifests=manifests)
    assert message in str(caught.value)
    assert caught.value.location is not None
    assert caught.value.location.path == str(manifests)
    assert caught.value.location.line == line


def test_missing_old_manifests_name_the_file(tmp_path: Path) -> None:
    release = load_release(Path("helmrelease.yaml"), text=RELEASE)
    with pytest.raises(InputError, match="no such file"):
        render_old_side(release, old_manifests=tmp_path / "absent.yaml")


def test_manifest_scalars_read_as_go_yaml_reads_them() -> None:
    # What Helm's toYaml prints unquoted for the strings "=", "<<" and "1e400".
    text = "kind: ConfigMap\ndata:\n  a: =\n  b: [=]\n  c: <<\n  d: 1e400\n  e: .inf\n"
    objects = parse_manifests(text + "  f:\n    <<: {x: '1'}\n    y: '2'\n", source="m.yaml")
    data = objects[0]["data"]
    assert data["a"] == "=" and data["b"] == ["="] and data["c"] == "<<" and data["d"] == "1e400"
    assert data["e"] == float("inf")  # spelled as infinity: a float in both parsers
    assert data["f"] == {"x": "1", "y": "2"}  # a merge key still merges


@pytest.mark.parametrize("value", ["=", "<<", "1e400"])
def test_dispatch_chart_renders_a_value_ruamel_would_misread(value: str) -> None:
    text = RELEASE.replace("DISPATCH_GROOMER_MODEL: vision", f'DISPATCH_GROOMER_MODEL: "{value}"')
    release = load_release(Path("helmrelease.yaml"), text=text)
    old = render_old_side(release)
    translation = translate_release(release, old, envfrom_keys={})
    new = render_dispatch(
        translation.values,
        release_name=release.release_name,
        namespace=release.namespace,
        chart_version=translation.chart_version,
    )
    deployment = next(obj for obj in new.objects if obj["kind"] == "Deployment")
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "DISPATCH_GROOMER_MODEL", "value": value} in env
