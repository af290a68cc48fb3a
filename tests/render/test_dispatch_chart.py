"""render_dispatch: the new side, through the real Helm engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from appt2dispatch.errors import RenderError
from appt2dispatch.render.dispatch_chart import (
    bundled_chart_archive,
    bundled_chart_dir,
    bundled_chart_version,
    render_dispatch,
)
from appt2dispatch.render.helm import archive_digest


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return type(value) is dict and all(_plain(item) for item in value.values())
    if isinstance(value, list):
        return type(value) is list and all(_plain(item) for item in value)
    return value is None or type(value) in (str, int, float, bool)


def test_bundled_chart_is_packaged(chart_dir: Path) -> None:
    assert bundled_chart_dir() == chart_dir.resolve()
    for name in ("Chart.yaml", "values.yaml", "values.schema.json", "secret-contract.md"):
        assert (bundled_chart_dir() / name).is_file(), name
    assert bundled_chart_version() == "0.5.40"


def test_render_objects_renderer_and_order() -> None:
    rendered = render_dispatch(
        {"httpRoute": {"enabled": True}}, release_name="dispatch", namespace="llm"
    )
    assert [obj["kind"] for obj in rendered.objects] == [
        "ServiceAccount",
        "Service",
        "Deployment",
        "HTTPRoute",
        "Job",
    ]
    artifact = rendered.artifact
    assert artifact is not None
    assert (artifact.url, artifact.version, artifact.origin) == (
        "oci://ghcr.io/misospace/charts/dispatch",
        "0.5.40",
        "bundled",
    )
    # The digest is the sha256 of the bundled chart packaged: the bytes that were rendered.
    assert artifact.digest == archive_digest(bundled_chart_archive())
    assert rendered.renderer == (
        "helm v4 (helm-python-sdk 0.2.2): dispatch chart "
        f"oci://ghcr.io/misospace/charts/dispatch:0.5.40 (chart archive {artifact.digest}, "
        "the chart bundled with appt2dispatch)"
    )
    assert rendered.chart == "dispatch 0.5.40"
    assert all(_plain(obj) for obj in rendered.objects)
    assert all(isinstance(note, str) and note.startswith("WARNING:") for note in rendered.notes)


def test_same_version_is_the_bundled_chart() -> None:
    rendered = render_dispatch({}, release_name="d", namespace="n", chart_version="0.5.40")
    assert rendered.artifact is not None and rendered.artifact.origin == "bundled"


def test_bundled_archive_is_reproducible(tmp_path: Path) -> None:
    from appt2dispatch.chart_tools import package_chart

    assert archive_digest(package_chart(tmp_path)) == archive_digest(bundled_chart_archive())


def test_assume_unchanged_restamps_version_and_app_version_and_says_unverified() -> None:
    rendered = render_dispatch(
        {}, release_name="d", namespace="n", chart_version="0.5.17", assume_unchanged=True
    )
    assert rendered.artifact is not None and not rendered.artifact.verified
    assert "NOT VERIFIED: the bundled 0.5.40 templates restamped as 0.5.17" in rendered.renderer
    deployment = next(obj for obj in rendered.objects if obj["kind"] == "Deployment")
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == "dispatch-0.5.17"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "0.5.17"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/misospace/dispatch:0.5.17"
    # the bundled chart itself is untouched afterwards
    again = render_dispatch({}, release_name="d", namespace="n")
    assert again.artifact is not None and again.artifact.version == "0.5.40"


def test_bad_chart_version_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="not-semver"):
        render_dispatch(
            {}, release_name="d", namespace="n", chart_version="not-semver", assume_unchanged=True
        )


def test_schema_violation_carries_helms_message() -> None:
    with pytest.raises(RenderError, match=r"at '/service/port'.*want integer"):
        render_dispatch({"service": {"port": "http"}}, release_name="d", namespace="n")


def test_release_name_and_namespace() -> None:
    rendered = render_dispatch({}, release_name="mission-control", namespace="agents")
    assert {obj["metadata"]["name"] for obj in rendered.objects} == {
        "mission-control",
        "mission-control-migrate",
    }


def test_digest_depends_on_the_chart_content_not_on_file_times(tmp_path: Path) -> None:
    """A fresh clone gives every file a new mtime; the digest reports name must not move."""
    import os
    import shutil

    from appt2dispatch.render.dispatch_chart import _packaged

    copies = []
    for name, when in (("a", 1_000_000_000), ("b", 1_800_000_000)):
        chart = tmp_path / name / "dispatch"
        shutil.copytree(bundled_chart_dir(), chart)
        for path in chart.rglob("*"):
            os.utime(path, (when, when))
        out = tmp_path / f"{name}-out"
        out.mkdir()
        copies.append(archive_digest(_packaged(chart, out)))
    assert copies[0] == copies[1] == archive_digest(bundled_chart_archive())
    (tmp_path / "b" / "dispatch" / "values.yaml").write_text("{}\n", encoding="utf-8")
    changed = tmp_path / "changed"
    changed.mkdir()
    assert archive_digest(_packaged(tmp_path / "b" / "dispatch", changed)) != copies[0]


def test_bundled_archive_does_not_depend_on_file_times(tmp_path: Path) -> None:
    """A fresh checkout writes the chart's files at another time: same archive, same digest."""
    import os
    import shutil

    from appt2dispatch.render.dispatch_chart import bundled_chart_dir
    from appt2dispatch.render.helm import package_reproducibly

    copy = shutil.copytree(bundled_chart_dir(), tmp_path / "dispatch")
    for path in copy.rglob("*"):
        os.utime(path, (1_800_000_000, 1_800_000_000))
    again = package_reproducibly(copy, tmp_path / "out")
    assert archive_digest(again) == archive_digest(bundled_chart_archive())


def test_packaged_bundled_chart_is_kept_in_the_user_cache_and_verified(
    private_state_dir: Path,
) -> None:
    """Packaging once per machine, not per process; a damaged copy is never rendered."""
    expected = archive_digest(bundled_chart_archive())
    first = bundled_chart_archive.__wrapped__()
    assert first.is_relative_to(private_state_dir)
    assert archive_digest(first) == expected
    assert bundled_chart_archive.__wrapped__() == first
    first.write_bytes(first.read_bytes() + b"\0")
    again = bundled_chart_archive.__wrapped__()
    assert archive_digest(again) == expected


def test_unwritable_cache_still_packages_the_bundled_chart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    archive = bundled_chart_archive.__wrapped__()
    assert archive_digest(archive) == archive_digest(bundled_chart_archive())
    assert not archive.is_relative_to(blocked)


@pytest.mark.parametrize("name", ["Chart.yaml", "values.yaml"])
def test_bundled_yaml_reads_as_ruamels_safe_loader_reads_it(name: str) -> None:
    """read_bundled_yaml takes the fast reader's YAML rules (1.1 booleans, keys as strings)
    only because the bundled files mean the same under both: values, types and key order."""
    from ruamel.yaml import YAML

    from appt2dispatch.render.dispatch_chart import read_bundled_yaml

    expected = YAML(typ="safe", pure=True).load((bundled_chart_dir() / name).read_text("utf-8"))
    assert repr(read_bundled_yaml(name)) == repr(expected)  # repr: types and order too
