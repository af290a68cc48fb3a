"""Render the bundled dispatch chart (the "new" side) with the real Helm engine."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appt2dispatch.errors import InputError, RenderError
from appt2dispatch.models import ChartArtifact, Rendered
from appt2dispatch.render.helm import (
    PACKAGE_MTIME,
    archive_digest,
    chart_cache_dir,
    chart_metadata,
    load_chart,
    package_reproducibly,
    pull_chart_artifact,
    render_chart,
)

if TYPE_CHECKING:
    from helm_python import Chart

# Objects come out in this order (ServiceAccount and Job are hooks: Helm applies them
# first, by weight); templates not listed follow by name.
TEMPLATE_ORDER: tuple[str, ...] = (
    "serviceaccount.yaml",
    "service.yaml",
    "deployment.yaml",
    "httproute.yaml",
    "migrate-job.yaml",
)
_NOTES_SUFFIX = "NOTES.txt"
# Where dispatch publishes its chart; the url the OCIRepository names by default.
CHART_URL = "oci://ghcr.io/misospace/charts/dispatch"
# Helm chart versions are SemVer 2 (a leading v is tolerated, as Helm does).
_CHART_VERSION = re.compile(r"v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?")
_WARNING_PARAGRAPH = re.compile(r"^WARNING:.*?(?=\n\s*\n|\Z)", re.MULTILINE | re.DOTALL)


def bundled_chart_dir() -> Path:
    """The dispatch chart shipped inside the package."""
    return Path(str(files("appt2dispatch").joinpath("charts", "dispatch")))


@cache
def bundled_chart_version() -> str:
    """Version of the bundled chart: its Chart.yaml `version`, read without loading Helm
    (the translator asks for it and stays light)."""
    return str(read_bundled_yaml("Chart.yaml")["version"])


def read_bundled_yaml(name: str) -> Any:
    """Plain data of the bundled chart's YAML file `name` (None when empty).

    Read through libyaml (load.quickload): ruamel's own safe loader costs some 70M
    instructions for values.yaml, a tenth of a render. The files are the package's
    own; a test holds them to read the same through ruamel's safe loader.
    """
    from appt2dispatch.load.quickload import scan_documents

    path = bundled_chart_dir() / name
    documents = scan_documents(path.read_text(encoding="utf-8"), source=str(path))
    return documents[0].data if documents else None


def render_dispatch(
    values: Mapping[str, Any],
    *,
    release_name: str,
    namespace: str,
    chart_version: str | None = None,
    url: str = CHART_URL,
    local_chart: Path | None = None,
    assume_unchanged: bool = False,
) -> Rendered:
    """Render the dispatch chart with `values`, hooks included, NOTES left out.

    Which chart: `local_chart` (a directory or .tgz) when given; else the bundled chart
    when `chart_version` is None or the bundled version; else the chart `url` serves at
    `chart_version`, pulled once and cached by its OCI manifest digest (RenderError when
    it cannot be pulled). Only with `assume_unchanged` are the bundled templates restamped as
    `chart_version` instead, and the artifact says it was not verified.
    Raises RenderError with Helm's message (schema violation, lane rule, ...).
    """
    chart, artifact = resolve_chart(chart_version, url, local_chart, assume_unchanged)
    manifests = render_chart(chart, values, release_name=release_name, namespace=namespace)
    return Rendered(
        objects=tuple(obj for _, obj in parse_manifests(manifests)),
        renderer=f"{helm_engine_label()}: dispatch chart {artifact.describe()}",
        chart=f"dispatch {artifact.version}",
        notes=tuple(extract_warnings(manifests)),
        artifact=artifact,
    )


def resolve_chart(
    chart_version: str | None,
    url: str = CHART_URL,
    local_chart: Path | None = None,
    assume_unchanged: bool = False,
) -> tuple[Chart, ChartArtifact]:
    """The loaded chart to render and the artifact it is (see render_dispatch)."""
    if local_chart is not None:
        return _local_chart(local_chart, chart_version, url)
    bundled = bundled_chart_version()
    if chart_version is None or chart_version == bundled:
        archive = bundled_chart_archive()
        artifact = ChartArtifact(url, bundled, archive_digest(archive), "bundled")
        return load_chart(archive), artifact
    if assume_unchanged:
        chart = _stamped_chart(chart_version)
        source = (
            f"the bundled {bundled} templates restamped as {chart_version} "
            "(--assume-chart-unchanged); the artifact Flux pulls was not verified"
        )
        digest = archive_digest(bundled_chart_archive())
        return chart, ChartArtifact(url, chart_version, digest, "assumed", source)
    if not url.startswith("oci://"):
        raise InputError(f"--chart-repo {url}: expected an oci:// repository")
    if not _CHART_VERSION.fullmatch(chart_version):
        raise InputError(f"--chart-version {chart_version!r} is not a chart version (X.Y.Z)")
    pulled = pull_chart_artifact(url, chart_version)
    chart = load_chart(pulled.archive)
    _check_version(chart, chart_version, f"{url}:{chart_version}")
    return chart, ChartArtifact(url, chart_version, pulled.manifest_digest, "pulled")


def local_chart_version(path: Path) -> str:
    """The version a --dispatch-chart DIR|TGZ declares (its Chart.yaml)."""
    if not path.exists():
        raise InputError(f"--dispatch-chart {path}: no such file or directory")
    try:
        return str(chart_metadata(load_chart(path))["version"])
    except RenderError as exc:
        raise InputError(f"--dispatch-chart {path}: {exc.message}") from exc


def _local_chart(path: Path, chart_version: str | None, url: str) -> tuple[Chart, ChartArtifact]:
    import shutil  # with tempfile: only for a local chart, so diff's start-up skips them
    import tempfile

    version = local_chart_version(path)
    if chart_version is not None and chart_version != version:
        raise InputError(
            f"--dispatch-chart {path} is version {version}, not the requested {chart_version}"
        )
    archive = path if path.is_file() else _packaged(path, Path(tempfile.mkdtemp()))
    try:
        digest = archive_digest(archive)
        chart = load_chart(archive)
    finally:
        if archive != path:
            shutil.rmtree(archive.parent, ignore_errors=True)
    return chart, ChartArtifact(url, version, digest, "local", str(path))


def _check_version(chart: Chart, expected: str, reference: str) -> None:
    found = str(chart_metadata(chart).get("version"))
    if found != expected:
        raise RenderError(f"{reference} holds a chart of version {found}, not {expected}")


@cache
def bundled_chart_archive() -> Path:
    """The bundled chart packaged (Helm's packaging is byte-reproducible): its sha256 is
    the digest the report names, and it is what gets rendered.

    Packaging costs a copy and a Helm call per process, so the archive is kept in the
    user cache, named by a hash of the chart's files (and of what packages them); it is
    reused only when its bytes still have the sha256 recorded beside it. A cache that
    cannot be read or written changes nothing but the time: the chart is packaged in a
    temporary directory, as without a cache.
    """
    chart_dir = bundled_chart_dir()
    cache = chart_cache_dir() / "bundled"
    key = _chart_content_key(chart_dir)
    archive, recorded = cache / f"{key}.tgz", cache / f"{key}.sha256"
    try:
        if archive_digest(archive) == recorded.read_text(encoding="ascii"):
            return archive
    except OSError:
        pass
    import atexit  # with shutil and tempfile: only when the cached archive is missing or stale
    import shutil
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="appt2dispatch-bundled-"))
    atexit.register(shutil.rmtree, workdir, True)
    packaged = _packaged(chart_dir, workdir)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as staging:
            shutil.copyfile(packaged, Path(staging) / archive.name)
            Path(staging, recorded.name).write_text(archive_digest(packaged), encoding="ascii")
            # The archive first: a reader that finds the new digest finds its archive.
            # os.rename: os.replace is the write journal's step (its crash tests count them).
            os.rename(Path(staging) / archive.name, archive)
            os.rename(Path(staging) / recorded.name, recorded)
    except OSError:
        return packaged
    return archive


def _chart_content_key(chart_dir: Path) -> str:
    """sha256 of every file's relative path and bytes, with the packaging inputs that are
    not files (the fixed mtime, the Helm engine's package version)."""
    import helm_python

    engine = getattr(helm_python, "__version__", "")
    digest = hashlib.sha256(f"{PACKAGE_MTIME}\0{engine}\0".encode())
    for path in sorted(chart_dir.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(chart_dir).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _packaged(chart_dir: Path, destination: Path) -> Path:
    import helm_python

    try:
        return package_reproducibly(chart_dir, destination)
    except helm_python.HelmError as exc:
        raise RenderError(f"cannot package the chart {chart_dir}: {exc}") from exc


def helm_engine_label() -> str:
    import helm_python

    return f"helm v4 (helm-python-sdk {helm_python.__version__})"


def ordered_templates(manifests: Mapping[str, str]) -> list[tuple[str, str]]:
    """Template path and text, in TEMPLATE_ORDER, NOTES left out."""

    def rank(path: str) -> tuple[int, str]:
        name = path.rsplit("/", 1)[-1]
        position = TEMPLATE_ORDER.index(name) if name in TEMPLATE_ORDER else len(TEMPLATE_ORDER)
        return position, path

    return [
        (path, manifests[path])
        for path in sorted(manifests, key=rank)
        if not path.endswith(_NOTES_SUFFIX)
    ]


def parse_manifests(manifests: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Every non-empty YAML document of the rendered templates, with its template path."""
    from ruamel.yaml.error import YAMLError

    from appt2dispatch.render.manifests import manifest_yaml

    yaml = manifest_yaml()
    documents: list[tuple[str, dict[str, Any]]] = []
    for path, text in ordered_templates(manifests):
        try:
            loaded = list(yaml.load_all(text))
        except YAMLError as exc:
            raise RenderError(f"{path} rendered invalid YAML: {exc}") from exc
        for document in loaded:
            if document is None:
                continue
            if not isinstance(document, dict):
                raise RenderError(f"{path} rendered a document that is not a mapping")
            documents.append((path, document))
    return documents


def extract_warnings(manifests: Mapping[str, str]) -> list[str]:
    """The `WARNING:` paragraphs of the rendered NOTES.txt, each on one line."""
    notes = next((text for path, text in manifests.items() if path.endswith(_NOTES_SUFFIX)), "")
    return [" ".join(match.split()) for match in _WARNING_PARAGRAPH.findall(notes)]


@cache
def _stamped_chart(version: str) -> Chart:
    """The bundled chart as `version` (version and appVersion), loaded.

    A copy of the chart directory with Chart.yaml restamped: Helm loads a chart
    fully into memory, so the copy can go as soon as it is loaded.
    """
    import shutil  # with tempfile: only for a restamped version (--assume-chart-unchanged)
    import tempfile

    # The version is part of the directory name so load_chart's per-path cache can
    # never hand back another version's chart from a reused temporary path.
    safe = re.sub(r"[^A-Za-z0-9.]", "_", version)
    with tempfile.TemporaryDirectory(prefix=f"dispatch-chart-{safe}-") as workdir:
        copy = Path(workdir) / "dispatch"
        shutil.copytree(bundled_chart_dir(), copy)
        chart_yaml = copy / "Chart.yaml"
        chart_yaml.write_text(
            _restamp(chart_yaml.read_text(encoding="utf-8"), version), encoding="utf-8"
        )
        try:
            return load_chart(copy)
        except RenderError as exc:  # Helm validates the version as it loads the chart
            raise RenderError(f"cannot render dispatch chart {version!r}: {exc.message}") from exc


def _restamp(chart_yaml: str, version: str) -> str:
    """Chart.yaml text with `version` and `appVersion` set to `version`."""
    stamped = {"version:": f"version: {version}\n", "appVersion:": f'appVersion: "{version}"\n'}
    return "".join(
        next((new for key, new in stamped.items() if line.startswith(key)), line)
        for line in chart_yaml.splitlines(keepends=True)
    )
