"""Lint, package and render the bundled dispatch chart (`appt2dispatch chart ...`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from appt2dispatch.errors import InputError, WriteError
from appt2dispatch.models import LintMessage, LintResult, LintSeverity
from appt2dispatch.render.dispatch_chart import bundled_chart_dir, parse_manifests
from appt2dispatch.render.helm import (
    KUBE_VERSION,
    load_chart,
    package_reproducibly,
    render_chart,
)

# helm lint's numeric severities.
_SEVERITIES: dict[int, LintSeverity] = {0: "unknown", 1: "info", 2: "warning", 3: "error"}


def lint_chart(path: Path | None = None, *, strict: bool = False) -> LintResult:
    """`helm lint` of `path` (default: the bundled chart) at the pinned kube version.

    With `strict`, warnings fail the result too (`helm lint --strict`).
    """
    import helm_python

    chart_dir = path or bundled_chart_dir()
    try:
        report = helm_python.lint(chart_dir, strict=strict, kube_version=KUBE_VERSION)
    except helm_python.HelmError as exc:
        raise InputError(f"cannot lint {chart_dir}: {exc}") from exc
    messages = [
        LintMessage(
            severity=_SEVERITIES.get(int(entry.get("severity", 0)), "unknown"),
            path=str(entry.get("path", "")),
            message=str(entry.get("error", "")),
        )
        for entry in report.get("messages", [])
    ]
    # Errors that stopped lint before it could attribute them to a file.
    reported = {message.message for message in messages}
    messages += [
        LintMessage(severity="error", path="", message=str(error))
        for error in report.get("errors", [])
        if str(error) not in reported
    ]
    return LintResult(chart=str(chart_dir), messages=tuple(messages), strict=strict)


def package_chart(
    destination: Path, version: str | None = None, app_version: str | None = None
) -> Path:
    """Package the bundled chart as `destination/dispatch-<version>.tgz`, byte for byte
    the archive whose digest reports name for the bundled chart at that version.

    A `version` alone stamps both version and appVersion (they move together);
    `app_version` overrides the latter.
    """
    import helm_python

    if version is not None and app_version is None:
        app_version = version
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create {destination}: {exc.strerror}") from exc
    try:
        archive = package_reproducibly(
            bundled_chart_dir(), destination, version=version, app_version=app_version
        )
    except helm_python.HelmIOError as exc:
        raise WriteError(f"cannot write the chart archive to {destination}: {exc}") from exc
    except helm_python.HelmError as exc:
        raise InputError(f"cannot package the dispatch chart as {version!r}: {exc}") from exc
    return Path(archive)


def render_chart_text(
    values_files: Sequence[Path],
    set_values: Sequence[str] = (),
    *,
    release_name: str,
    namespace: str,
    chart_dir: Path | None = None,
) -> str:
    """Like `helm template`: `-f` files in order, then `--set` expressions; hooks included.

    Returns multi-document YAML, each document headed by `# Source: <template>`.
    """
    import helm_python

    values: dict[str, Any] = {}
    for path in values_files:
        values = merge_values(values, read_values_file(path))
    for expression in set_values:
        try:
            values = merge_values(values, helm_python.parse_set_string(expression))
        except helm_python.HelmError as exc:
            raise InputError(f"bad --set expression {expression!r}: {exc}") from exc
    chart = load_chart(chart_dir or bundled_chart_dir())
    manifests = render_chart(chart, values, release_name=release_name, namespace=namespace)
    return "".join(
        f"---\n# Source: {source}\n{dump_yaml(document)}"
        for source, document in parse_manifests(manifests)
    )


def read_values_file(path: Path) -> dict[str, Any]:
    """A Helm values file as plain data (an empty file is `{}`).

    Read with the manifests' guards (size, binary, encoding, nesting depth, alias
    bombs): `-f /dev/zero` or a billion-laughs file is refused, not expanded.
    """
    from appt2dispatch.load.yamlio import read_documents, to_plain

    documents = read_documents(path)
    if not documents:
        return {}
    if len(documents) > 1:
        raise InputError("a values file must hold one YAML document", documents[1].location)
    data = to_plain(documents[0].data)
    if not isinstance(data, dict):
        raise InputError("a values file must hold a mapping", documents[0].location)
    return data


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of values sources: maps merge key by key, anything else is replaced."""
    from appt2dispatch.load.flux import merge_maps

    return merge_maps(base, override)


def dump_yaml(document: Any) -> str:
    """Block-style YAML of plain data, keys in their rendered order."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096  # long env values (lane JSON) stay on one line
    yaml.representer.sort_base_mapping_type_on_output = False
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()
