"""The new side is rendered from exactly the chart the written OCIRepository names.

A fake OCI source (helm_python.pull replaced by a stand-in that serves charts packaged
from local directories the tests build) holds, at another version, a chart with
different templates, as ghcr.io/misospace/charts/dispatch really does from 0.5.19 on
(a common-library chart that does not read `config:`). No test touches the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from appt2dispatch.chart_tools import package_chart
from appt2dispatch.cli import cli
from appt2dispatch.render.dispatch_chart import bundled_chart_archive
from appt2dispatch.render.helm import archive_digest
from conftest import FIXTURES_DIR

CHART_URL = "oci://ghcr.io/misospace/charts/dispatch"
CASE = FIXTURES_DIR / "translate" / "newest-dispatch"

# A chart named dispatch whose values keep app-template's shape: `config:` is ignored.
OTHER_CHART = {
    "Chart.yaml": 'apiVersion: v2\nname: dispatch\nversion: 0.5.19\nappVersion: "0.5.19"\n',
    "values.yaml": "controllers:\n  main:\n    env: {}\n",
    "templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ .Release.Name }}
    spec:
      containers:
        - name: app
          image: ghcr.io/misospace/dispatch:{{ .Chart.AppVersion }}
""",
}


class Registry:
    """What the fake OCI source serves: version -> chart archive, each behind an OCI
    manifest (its digest is what the tag resolves to); every pull and resolve recorded."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.archives: dict[str, Path] = {}
        self.pulls: list[tuple[str, str]] = []
        self.resolves: list[str] = []
        self.reachable = True

    def manifest_digest(self, version: str) -> str:
        """sha256 of the manifest that names the version's chart layer (as a registry has)."""
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "layers": [
                {
                    "mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                    "digest": archive_digest(self.archives[version]),
                }
            ],
        }
        return "sha256:" + hashlib.sha256(json.dumps(manifest).encode()).hexdigest()

    def client(self, **_: Any) -> Registry.Client:
        return Registry.Client(self)

    class Client:
        """Stand-in for helm_python.RegistryClient: resolves `oci://...:version`."""

        def __init__(self, registry: Registry) -> None:
            self.registry = registry

        def __enter__(self) -> Registry.Client:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def resolve(self, reference: str) -> dict[str, Any]:
            import helm_python

            self.registry.resolves.append(reference)
            version = reference.rpartition(":")[2]
            if not self.registry.reachable or version not in self.registry.archives:
                raise helm_python.HelmError(f"{reference}: not found")
            digest = self.registry.manifest_digest(version)
            return {"digest": digest, "media_type": "application/vnd.oci.image.manifest.v1+json"}

    def add_other_chart(self) -> Path:
        chart = self.root / "other" / "dispatch"
        for name, text in OTHER_CHART.items():
            (chart / name).parent.mkdir(parents=True, exist_ok=True)
            (chart / name).write_text(text, encoding="utf-8")
        import helm_python

        archive = Path(helm_python.package(chart, destination=self.root / "other-pkg"))
        self.archives["0.5.19"] = archive
        return archive

    def add_bundled_as(self, version: str) -> Path:
        archive = package_chart(self.root / f"pkg-{version}", version=version)
        self.archives[version] = archive
        return archive

    def pull(self, location: str, *, version: str, destination: str, **_: Any) -> str:
        import helm_python

        self.pulls.append((location, version))
        if not self.reachable or version not in self.archives:
            raise helm_python.HelmError(f"{location}:{version}: not found")
        return shutil.copy(self.archives[version], Path(destination))


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    import helm_python

    fake = Registry(tmp_path / "registry")
    monkeypatch.setattr(helm_python, "pull", fake.pull)
    monkeypatch.setattr(helm_python, "RegistryClient", fake.client)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return fake


@pytest.fixture
def release(tmp_path: Path) -> Path:
    case = shutil.copytree(CASE, tmp_path / "case")
    return case / "helmrelease.yaml"


def diff(release: Path, *options: str, output_format: str = "json") -> Result:
    return CliRunner().invoke(
        cli,
        [
            *("diff", str(release), "-n", "llm", "--app-template-version", "4.1.1"),
            *("--format", output_format, *options),
        ],
    )


def written_tag_and_url(report: dict[str, Any]) -> tuple[str, str]:
    change = report["ocirepository_change"]
    tag = next(line for line in change.splitlines() if line.startswith("+    tag: "))
    url = next(line for line in change.splitlines() if line.startswith("+  url: "))
    return tag.removeprefix("+    tag: "), url.removeprefix("+  url: ")


def test_default_is_the_bundled_chart_named_everywhere(release: Path, registry: Registry) -> None:
    result = diff(release)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    chart = report["renderers"]["new_chart"]
    assert chart == {
        "url": CHART_URL,
        "version": "0.5.40",
        "digest": archive_digest(bundled_chart_archive()),
        "digest_of": "chart-archive",
        "origin": "bundled",
        "verified": True,
    }
    assert written_tag_and_url(report) == (chart["version"], chart["url"])
    assert f"chart archive {chart['digest']}" in report["renderers"]["new"]
    assert "restamp" not in result.output
    assert report["caveats"] == []
    assert registry.pulls == []  # no network unless asked


def test_another_version_is_pulled_and_its_behaviour_change_reported(
    release: Path, registry: Registry
) -> None:
    archive = registry.add_other_chart()
    result = diff(release, "--chart-version", "0.5.19")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["verdict"] != "no-behavior-change"
    chart = report["renderers"]["new_chart"]
    assert chart["origin"] == "pulled" and chart["version"] == "0.5.19"
    # What Flux's OCIRepository reports as the revision: the manifest's digest, not the
    # archive's (the archive is the manifest's layer).
    assert chart["digest"] == registry.manifest_digest("0.5.19") != archive_digest(archive)
    assert chart["digest_of"] == "oci-manifest"
    assert f"OCI manifest {chart['digest']}, pulled" in report["renderers"]["new"]
    assert registry.resolves == [f"{CHART_URL}:0.5.19"]
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "appt2dispatch" / "charts"
    assert [path.name for path in cache.glob("*.tgz")] == [
        chart["digest"].replace(":", "-") + ".tgz"
    ]
    assert written_tag_and_url(report) == ("0.5.19", CHART_URL)
    # The pulled chart ignores `config:`: the app's variables are gone.
    lost = {
        finding["path"]
        for finding in report["findings"]
        if finding["class"] == "behavior" and finding["new"] is None
    }
    assert any("env[DISPATCH_GROOMER_MODEL]" in path for path in lost), lost
    assert registry.pulls == [(CHART_URL, "0.5.19")]

    # Pulled once: a second run is served from the cache, even with the source gone.
    registry.reachable = False
    again = diff(release, "--chart-version", "0.5.19")
    assert again.exit_code == 1, again.output
    assert json.loads(again.output)["renderers"]["new_chart"]["digest"] == chart["digest"]
    assert len(registry.pulls) == 1 and len(registry.resolves) == 1


def test_unreachable_and_uncached_is_bad_input_naming_the_artifact(
    release: Path, registry: Registry
) -> None:
    result = diff(release, "--chart-version", "0.5.99")
    assert result.exit_code == 2
    assert f"cannot pull {CHART_URL}:0.5.99 (not reachable and not cached)" in result.output
    assert "Traceback" not in result.output


def test_chart_repo_is_pulled_from_and_written(release: Path, registry: Registry) -> None:
    registry.add_bundled_as("0.5.41")
    repo = "oci://registry.example/charts/dispatch"
    result = diff(release, "--chart-version", "0.5.41", "--chart-repo", repo)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert registry.pulls == [(repo, "0.5.41")]
    assert written_tag_and_url(report) == ("0.5.41", repo)
    assert report["renderers"]["new_chart"]["url"] == repo


def test_follow_app_version_pulls_the_running_image_version(
    release: Path, registry: Registry
) -> None:
    registry.add_bundled_as("0.5.17")
    result = diff(release, "--follow-app-version")
    assert result.exit_code == 0, result.output
    assert registry.pulls == [(CHART_URL, "0.5.17")]
    assert written_tag_and_url(json.loads(result.output)) == ("0.5.17", CHART_URL)


def test_local_dispatch_chart(release: Path, registry: Registry, tmp_path: Path) -> None:
    archive = registry.add_bundled_as("0.5.42")
    result = diff(release, "--dispatch-chart", str(archive))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    chart = report["renderers"]["new_chart"]
    assert (chart["origin"], chart["version"]) == ("local", "0.5.42")
    assert chart["digest"] == archive_digest(archive)
    assert written_tag_and_url(report) == ("0.5.42", CHART_URL)
    assert registry.pulls == []
    clash = diff(release, "--dispatch-chart", str(archive), "--chart-version", "0.5.40")
    assert clash.exit_code == 2
    assert "is version 0.5.42, not --chart-version 0.5.40" in clash.output


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_assumed_chart_says_not_verified_on_the_verdict_line(
    release: Path, registry: Registry, output_format: str
) -> None:
    result = diff(
        release,
        "--chart-version",
        "0.5.17",
        "--assume-chart-unchanged",
        output_format=output_format,
    )
    assert result.exit_code == 0, result.output
    assert registry.pulls == []
    expected = f"the chart Flux pulls ({CHART_URL}:0.5.17) was not verified"
    if output_format == "json":
        report = json.loads(result.output)
        assert report["renderers"]["new_chart"]["verified"] is False
        assert any(expected in caveat for caveat in report["caveats"])
        return
    verdict_line = next(
        line
        for line in result.output.splitlines()
        if "verdict:" in line or "**appt2dispatch" in line
    )
    assert expected in verdict_line
    assert "no behavior change" in verdict_line


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--chart-version", "latest"), "--chart-version 'latest' is not a chart version"),
        (
            ("--chart-version", "0.5.19", "--chart-repo", "https://example.test/charts"),
            "expected an oci:// repository",
        ),
        (("--chart-version", "0.5.19", "--follow-app-version"), "exclude each other"),
    ],
)
def test_bad_chart_options_are_refused_without_a_pull(
    release: Path, registry: Registry, options: tuple[str, ...], message: str
) -> None:
    result = diff(release, *options)
    assert result.exit_code == 2
    assert message in result.output
    assert registry.pulls == []


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_the_digest_says_what_it_addresses_in_every_format(
    release: Path, registry: Registry, output_format: str
) -> None:
    registry.add_bundled_as("0.5.41")
    pulled = diff(release, "--chart-version", "0.5.41", output_format=output_format)
    assert pulled.exit_code == 0, pulled.output
    assert f"OCI manifest {registry.manifest_digest('0.5.41')}, pulled" in pulled.output
    bundled = diff(release, output_format=output_format)
    digest = archive_digest(bundled_chart_archive())
    assert f"chart archive {digest}, the chart bundled with appt2dispatch" in bundled.output


def test_a_registry_without_a_manifest_digest_is_refused(
    release: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.add_bundled_as("0.5.41")
    monkeypatch.setattr(registry, "manifest_digest", lambda version: "")
    result = diff(release, "--chart-version", "0.5.41")
    assert result.exit_code == 2
    assert f"cannot pull {CHART_URL}:0.5.41: the registry gave no manifest digest" in result.output
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "appt2dispatch" / "charts"
    assert not list(cache.glob("*.tgz"))
