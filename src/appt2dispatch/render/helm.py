"""The real Helm v4 engine, in-process, through helm-python-sdk.

Every render passes a fixed kube version and API-version list so the output
never depends on the machine (no cluster is contacted; `lookup` is empty).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appt2dispatch.errors import RenderError

if TYPE_CHECKING:
    from helm_python import Chart

KUBE_VERSION = "v1.33.0"
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
API_VERSIONS: tuple[str, ...] = (
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "autoscaling/v2",
    "gateway.networking.k8s.io/v1",
    "gateway.networking.k8s.io/v1/HTTPRoute",
    "gateway.networking.k8s.io/v1/Gateway",
    "gateway.networking.k8s.io/v1/GRPCRoute",
    "monitoring.coreos.com/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
)


def load_chart(path: Path) -> Chart:
    """Load a chart directory or .tgz; cached per path for the process."""
    return _load_chart(str(path.resolve()))


@cache
def _load_chart(path: str) -> Chart:
    import helm_python  # heavy: a Go runtime; import only when rendering

    try:
        return helm_python.Chart.load(path)
    except helm_python.HelmError as exc:
        raise RenderError(f"cannot load chart: {_first_line(exc)}") from exc


def render_chart(
    chart: Chart,
    values: Mapping[str, Any],
    *,
    release_name: str,
    namespace: str,
    is_upgrade: bool = False,
) -> dict[str, str]:
    """Render `chart` with `values`; returns template path -> manifest text.

    Schema validation and template `fail` calls surface as RenderError with
    Helm's own message.
    """
    import helm_python
    from helm_python import _native

    options = {
        "name": release_name,
        "namespace": namespace,
        "kube_version": KUBE_VERSION,
        "api_versions": list(API_VERSIONS),
        "is_install": not is_upgrade,
        "is_upgrade": is_upgrade,
    }
    try:
        rendered = _native.call_string(
            "helm_render", chart._raw(), json.dumps(dict(values)), json.dumps(options)
        )
    except helm_python.HelmError as exc:
        raise RenderError(_clean_helm_message(str(exc))) from exc
    manifests: dict[str, str] = json.loads(rendered)
    return manifests


# Helm writes each file's modification time into the archive: packaging a copy whose
# times are all this instant makes the archive (and its sha256) depend on the chart's
# content only, not on when a checkout happened to write the files.
PACKAGE_MTIME = 946684800  # 2000-01-01T00:00:00Z


def package_reproducibly(chart_dir: Path, destination: Path, **options: Any) -> Path:
    """`helm package` of `chart_dir` into `destination`, byte-identical for the same content.

    `options` go to helm_python.package (version, app_version); its errors propagate.
    """
    import shutil  # with tempfile: only when packaging, which a warm chart cache skips
    import tempfile

    import helm_python

    with tempfile.TemporaryDirectory(prefix="appt2dispatch-package-") as scratch:
        copy = Path(scratch) / chart_dir.name
        shutil.copytree(chart_dir, copy, symlinks=False)
        for path in sorted(copy.rglob("*"), reverse=True):
            os.utime(path, (PACKAGE_MTIME, PACKAGE_MTIME), follow_symlinks=False)
        os.utime(copy, (PACKAGE_MTIME, PACKAGE_MTIME))
        return Path(helm_python.package(copy, destination=destination, **options))


def archive_digest(path: Path) -> str:
    """`sha256:<hex>` of a chart archive's bytes (what an OCI chart layer is addressed by)."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def chart_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "appt2dispatch" / "charts"


@dataclass(frozen=True)
class PulledChart:
    """A chart pulled from an OCI registry: its archive in the cache, and the digest of
    the OCI manifest its tag resolved to (what Flux's OCIRepository reports)."""

    archive: Path
    manifest_digest: str


def pull_chart(location: str, version: str) -> Path:
    """The archive of `location` (oci://...) at `version`; see pull_chart_artifact."""
    return pull_chart_artifact(location, version).archive


def pull_chart_artifact(location: str, version: str) -> PulledChart:
    """Pull `location` (oci://...) at `version` once; later runs reuse the archive cached
    by its OCI manifest digest (`<cache>/sha256-<hex>.tgz`, indexed by `location:version`).

    The tag is resolved to its manifest digest just before the pull, through the same
    registry client. Not reachable and not cached: RenderError naming the artifact (no
    fallback).
    """
    reference = f"{location}:{version}"
    cache = chart_cache_dir()
    index = _read_index(cache / "index.json")
    cached = index.get(reference)
    # The index is only a hint: an entry is used when it names an archive by its manifest
    # digest and that archive still has the sha256 recorded when it was pulled.
    if isinstance(cached, dict):
        name, digest, sha = cached.get("archive"), cached.get("manifest"), cached.get("sha256")
        if (
            isinstance(name, str)
            and isinstance(digest, str)
            and CACHED_ARCHIVE.fullmatch(name)
            and name == digest.replace(":", "-") + ".tgz"
            and (cache / name).is_file()
            and archive_digest(cache / name) == sha
        ):
            return PulledChart(cache / name, digest)
    try:
        return _download(location, version, reference, cache, index)
    except OSError as exc:
        raise RenderError(f"cannot pull {reference}: cache {cache}: {exc.strerror}") from exc


CACHED_ARCHIVE = re.compile(r"sha256-[0-9a-f]{64}\.tgz")


def _download(
    location: str, version: str, reference: str, cache: Path, index: dict[str, Any]
) -> PulledChart:
    import tempfile  # only on a cache miss

    import helm_python

    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as download:
        try:
            with helm_python.RegistryClient() as client:
                descriptor = client.resolve(reference)
                helm_python.pull(location, version=version, destination=download, client=client)
        except helm_python.HelmError as exc:
            raise RenderError(
                f"cannot pull {reference} (not reachable and not cached): {_first_line(exc)}"
            ) from exc
        digest = str(descriptor.get("digest", ""))
        if not _SHA256.fullmatch(digest):
            raise RenderError(f"cannot pull {reference}: the registry gave no manifest digest")
        archives = sorted(Path(download).glob("*.tgz"))
        if len(archives) != 1:
            raise RenderError(f"cannot pull {reference}: no chart archive received")
        target = digest.replace(":", "-") + ".tgz"
        sha = archive_digest(archives[0])
        os.replace(archives[0], cache / target)
        index[reference] = {"manifest": digest, "archive": target, "sha256": sha}
        staged = Path(download) / "index.json"
        staged.write_text(json.dumps(index, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(staged, cache / "index.json")
    return PulledChart(cache / target, digest)


def _read_index(path: Path) -> dict[str, Any]:
    """The cache index (`location:version` -> manifest digest, archive, its sha256); an
    unreadable one, or an entry of an older layout, is a cache miss."""
    if not path.is_file():
        return {}
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return index if isinstance(index, dict) else {}


def chart_metadata(chart: Chart) -> dict[str, Any]:
    metadata: dict[str, Any] = chart.metadata
    return metadata


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _clean_helm_message(message: str) -> str:
    """Keep Helm's message but fold it onto one readable line."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return " ".join(lines) if lines else "helm render failed"
