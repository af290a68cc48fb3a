"""Render the bundled dispatch chart (the "new" side) with the real Helm engine."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appt2dispatch.errors import RenderError
from appt2dispatch.models import Rendered
from appt2dispatch.render.helm import chart_metadata, load_chart, render_chart

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
_WARNING_PARAGRAPH = re.compile(r"^WARNING:.*?(?=\n\s*\n|\Z)", re.MULTILINE | re.DOTALL)


def bundled_chart_dir() -> Path:
    """The dispatch chart shipped inside the package."""
    return Path(str(files("appt2dispatch").joinpath("charts", "dispatch")))


@cache
def bundled_chart_version() -> str:
    """Version of the bundled chart: its Chart.yaml `version`, read without loading Helm
    (the translator asks for it and stays light)."""
    from ruamel.yaml import YAML

    text = (bundled_chart_dir() / "Chart.yaml").read_text(encoding="utf-8")
    return str(YAML(typ="safe", pure=True).load(text)["version"])


def render_dispatch(
    values: Mapping[str, Any],
    *,
    release_name: str,
    namespace: str,
    chart_version: str | None = None,
) -> Rendered:
    """Render the dispatch chart with `values`, hooks included, NOTES left out.

    With a `chart_version` other than the bundled one, a copy of the bundled chart
    stamped with that version (and the same appVersion, so the image tag follows)
    is rendered: the templates are this package's, only the version differs.
    Raises RenderError with Helm's message (schema violation, lane rule, ...).
    """
    bundled = bundled_chart_version()
    if chart_version is None or chart_version == bundled:
        chart = load_chart(bundled_chart_dir())
        provenance = "bundled"
    else:
        chart = _stamped_chart(chart_version)
        provenance = f"bundled {bundled}, version restamped"
    version = str(chart_metadata(chart)["version"])
    manifests = render_chart(chart, values, release_name=release_name, namespace=namespace)
    return Rendered(
        objects=tuple(obj for _, obj in parse_manifests(manifests)),
        renderer=f"{helm_engine_label()}: dispatch chart {version} ({provenance})",
        chart=f"dispatch {version}",
        notes=tuple(extract_warnings(manifests)),
    )


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
