"""The files a translation writes: values, the HelmRelease, the OCIRepository change.

The HelmRelease keeps its metadata, Flux settings and comments; only the chart
reference and `spec.values` change (and a yaml-language-server schema comment that
pointed at app-template). A dedicated OCIRepository is edited to pull the dispatch
chart; a shared one (e.g. `app-template`, used by other apps) is left alone and a
new OCIRepository named after the release is written instead.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appt2dispatch.load import release_ocirepository
from appt2dispatch.models import HelmRelease, OutputFile, Translation, YamlDocument
from appt2dispatch.translate.values_doc import Draft, dump_yaml

HELMRELEASE_SCHEMA = (
    "https://k8s-schemas.home-operations.com/helm.toolkit.fluxcd.io/helmrelease_v2.json"
)
OCIREPOSITORY_SCHEMA = (
    "https://k8s-schemas.home-operations.com/source.toolkit.fluxcd.io/ocirepository_v1.json"
)
HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
VALUES_FILE = "values.yaml"
HELMRELEASE_FILE = "helmrelease.yaml"
OCIREPOSITORY_FILE = "ocirepository.yaml"
PATCH_FILE = "ocirepository.patch.yaml"
_PLACEHOLDER = "__appt2dispatch_values__"
_SCHEMA_LINE = re.compile(
    r"^(\s*#\s*yaml-language-server:\s*\$schema=)(\S*app-template\S*)\s*$", re.M
)


def note_release_changes(draft: Draft, release: HelmRelease) -> None:
    """Notes about the HelmRelease itself (what translated_files will change)."""
    spec = release.document.data.get("spec") or {}
    location = release.document.location
    if spec.get("valuesFrom"):
        draft.note(
            "spec.valuesFrom removed: its app-template values are merged into the translated "
            "values; a ConfigMap/Secret with dispatch-chart values would be needed to keep it",
            location,
            "dropped",
        )
    if spec.get("postRenderers"):
        draft.note(
            "spec.postRenderers kept as they are: they were written against app-template's "
            "objects; check that they still apply to the dispatch chart's",
            location,
            "warning",
        )
    oci_name = _chart_ref_name(release)
    if oci_name is None:
        draft.note(
            "the release does not use an OCIRepository chartRef: a new OCIRepository "
            f'"{release.name}" for the dispatch chart is written',
            location,
        )
    elif oci_name != release.name:
        draft.note(
            f'the OCIRepository "{oci_name}" is shared (not named after the release): it is left '
            f'alone and a new OCIRepository "{release.name}" pulls the dispatch chart',
            location,
        )


def translated_files(
    release: HelmRelease,
    translation: Translation,
    *,
    out_dir: Path | None = None,
    ocirepository: YamlDocument | None = None,
    shared_ocirepository: bool | None = None,
) -> list[OutputFile]:
    """values.yaml, the HelmRelease, the OCIRepository and its kustomize patch.

    With `out_dir` every file goes there under a fixed name (values.yaml,
    helmrelease.yaml, ocirepository.yaml, ocirepository.patch.yaml). Without it
    the files are the in-place edits of a GitOps tree: the HelmRelease's own file
    and the OCIRepository's (or a new ocirepository.yaml beside the HelmRelease),
    each with `original` set to the text it replaces.
    """
    oci_name = _chart_ref_name(release)
    oci = ocirepository or release_ocirepository(release)
    shared = shared_ocirepository if shared_ocirepository is not None else oci_name != release.name
    target_name = release.name if shared or oci_name is None else oci_name
    if shared and oci_name == target_name:
        target_name = f"{release.name}-dispatch"
    release_text = _helmrelease_text(release, translation, target_name)
    if shared or oci is None:
        oci_text = _new_ocirepository_text(release, target_name, translation, oci)
    else:
        oci_text = _edited_ocirepository_text(oci, translation)
    files: list[OutputFile] = []
    if out_dir is not None:
        files.append(OutputFile(out_dir / VALUES_FILE, translation.values_yaml))
        files.append(OutputFile(out_dir / HELMRELEASE_FILE, release_text))
        files.append(OutputFile(out_dir / OCIREPOSITORY_FILE, oci_text))
        if not shared and oci is not None:
            patch = _patch_text(oci, translation)
            files.append(OutputFile(out_dir / PATCH_FILE, patch))
        return files
    edits = [(release.document, release_text)]
    if not shared and oci is not None:
        edits.append((oci, oci_text))
    files.extend(_in_place(edits))
    if shared or oci is None:
        beside = release.path.parent / OCIREPOSITORY_FILE
        if beside.exists():
            beside = release.path.parent / f"{target_name}.{OCIREPOSITORY_FILE}"
        files.append(OutputFile(beside, oci_text))
    return files


_BOM = "\ufeff"


def _chart_ref_name(release: HelmRelease) -> str | None:
    ref = release.chart_ref
    if ref is None:
        spec = release.document.data.get("spec") or {}
        ref = spec.get("chartRef")
    if isinstance(ref, Mapping) and ref.get("kind") == "OCIRepository" and ref.get("name"):
        return str(ref["name"])
    return None


def _helmrelease_text(release: HelmRelease, translation: Translation, oci_name: str) -> str:
    from ruamel.yaml.comments import CommentedMap

    data = _copy_but_values(release.document.data)
    spec = data["spec"]
    # A flow-style (or JSON) release would dump `values` inside `{...}`, where the
    # commented block cannot be spliced in: the path to it goes block style.
    for node in (data, spec):
        node.fa.set_block_style()
    chart_ref = CommentedMap([("kind", "OCIRepository"), ("name", oci_name)])
    old_ref = spec.get("chartRef")
    if (
        isinstance(old_ref, Mapping)
        and old_ref.get("name") == oci_name
        and old_ref.get("namespace")
    ):
        chart_ref["namespace"] = old_ref["namespace"]
    key = "chartRef" if "chartRef" in spec else ("chart" if "chart" in spec else None)
    if key is None:
        spec.insert(0, "chartRef", chart_ref)
    else:
        position = list(spec).index(key)
        del spec[key]
        spec.insert(position, "chartRef", chart_ref)
    spec.pop("valuesFrom", None)
    spec["values"] = _PLACEHOLDER
    text = _dump_document(data, release.document)
    text = _splice_values(text, translation.values_yaml)
    return _SCHEMA_LINE.sub(lambda m: m.group(1) + HELMRELEASE_SCHEMA, text)


def _copy_but_values(data: Any) -> Any:
    """A deep copy of the release document, `spec.values` (replaced by the placeholder
    right after, and most of the copying) left out when nothing else can share it: a
    node is reached twice only through an alias of its anchor."""
    from ruamel.yaml.comments import CommentedBase

    spec = data.get("spec") if isinstance(data, Mapping) else None
    values = spec.get("values") if isinstance(spec, Mapping) else None
    anchor = values.yaml_anchor() if isinstance(values, CommentedBase) else None
    if not isinstance(values, CommentedBase) or (anchor is not None and anchor.value):
        return copy.deepcopy(data)
    return copy.deepcopy(data, {id(values): _PLACEHOLDER})


def _splice_values(text: str, values_yaml: str) -> str:
    """Put the commented values document where the placeholder is, indented below it."""
    # The key keeps its quotes when the file quoted it (`"values":` in JSON-style YAML).
    # A comment on the `values:` line (`values: # tuned for the GPU node`) stays on it.
    match = re.search(
        rf"^(?P<indent>[ ]*)([\"']?)values\2: {_PLACEHOLDER}(?P<comment>[ \t]+#[^\n]*)?$",
        text,
        re.M,
    )
    assert match is not None, "placeholder lost while dumping the HelmRelease"
    indent, comment = match.group("indent"), match.group("comment") or ""
    if values_yaml.strip() in ("", "{}"):
        block = f"{indent}values: {{}}{comment}"
    else:
        body = "\n".join(
            f"{indent}  {line}" if line.strip() else ""
            for line in values_yaml.rstrip("\n").split("\n")
        )
        block = f"{indent}values:{comment}\n{body}"
    return text[: match.start()] + block + text[match.end() :]


def _edited_ocirepository_text(oci: YamlDocument, chart: Translation) -> str:
    from ruamel.yaml.comments import CommentedMap

    data = copy.deepcopy(oci.data)
    spec = data.setdefault("spec", CommentedMap())
    spec["ref"] = CommentedMap([("tag", chart.chart_version)])
    spec["url"] = chart.chart_url
    return _dump_document(data, oci)


def _new_ocirepository_text(
    release: HelmRelease, name: str, chart: Translation, template: YamlDocument | None
) -> str:
    """A new OCIRepository naming exactly the chart the new side was rendered from."""
    from ruamel.yaml.comments import CommentedMap

    template_spec = (template.data.get("spec") or {}) if template is not None else {}
    metadata = CommentedMap([("name", name)])
    namespace = (release.document.data.get("metadata") or {}).get("namespace")
    if namespace:
        metadata["namespace"] = namespace
    spec = CommentedMap()
    spec["interval"] = template_spec.get("interval", "5m")
    spec["layerSelector"] = copy.deepcopy(
        template_spec.get("layerSelector")
        or CommentedMap([("mediaType", HELM_CHART_MEDIA_TYPE), ("operation", "copy")])
    )
    spec["ref"] = CommentedMap([("tag", chart.chart_version)])
    spec["url"] = chart.chart_url
    data = CommentedMap(
        [
            ("apiVersion", "source.toolkit.fluxcd.io/v1"),
            ("kind", "OCIRepository"),
            ("metadata", metadata),
            ("spec", spec),
        ]
    )
    return f"---\n# yaml-language-server: $schema={OCIREPOSITORY_SCHEMA}\n" + dump_yaml(data)


def _patch_text(oci: YamlDocument, chart: Translation) -> str:
    """A kustomize patch of only `url` and `ref` (other ref keys nulled, so they go)."""
    from ruamel.yaml.comments import CommentedMap

    metadata = CommentedMap([("name", oci.name)])
    namespace = (oci.data.get("metadata") or {}).get("namespace")
    if namespace:
        metadata["namespace"] = namespace
    ref = CommentedMap([("tag", chart.chart_version)])
    for key in (oci.data.get("spec") or {}).get("ref") or {}:
        if key != "tag":
            ref[key] = None
    data = CommentedMap(
        [
            ("apiVersion", oci.data.get("apiVersion", "source.toolkit.fluxcd.io/v1")),
            ("kind", "OCIRepository"),
            ("metadata", metadata),
            ("spec", CommentedMap([("url", chart.chart_url), ("ref", ref)])),
        ]
    )
    return "---\n" + dump_yaml(data)


def _dump_document(data: Any, document: YamlDocument) -> str:
    """One document, in the style of its file (`---` kept when the file had it)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.explicit_start = _starts_with_marker(document)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def _starts_with_marker(document: YamlDocument) -> bool:
    try:
        text = document.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    return text.removeprefix(_BOM).lstrip().startswith("---")


def _in_place(edits: list[tuple[YamlDocument, str]]) -> list[OutputFile]:
    """Each edited document's file with the document replaced, other documents untouched."""
    by_path: dict[Path, list[tuple[YamlDocument, str]]] = {}
    for document, text in edits:
        by_path.setdefault(document.path, []).append((document, text))
    files = []
    for path, replacements in by_path.items():
        try:
            original = path.read_bytes().decode("utf-8")  # exact: CRLF stays CRLF
        except (OSError, UnicodeDecodeError):
            files.append(OutputFile(path, "".join(text for _, text in replacements)))
            continue
        # A UTF-8 BOM is the file's signature, not part of its first document: keep it.
        bom = _BOM if original.startswith(_BOM) else ""
        content = original[len(bom) :]
        spans = [(_document_span(content, document), text) for document, text in replacements]
        newline = "\r\n" if _uses_crlf(content) else "\n"
        for (start, end), text in sorted(spans, reverse=True):
            starts_with_marker = content[start:end].startswith("---")
            body = text.removeprefix("---\n").replace("\n", newline)
            content = (
                content[:start]
                + ("---" + newline if starts_with_marker else "")
                + body
                + content[end:]
            )
        files.append(OutputFile(path, bom + content, original))
    return files


def _uses_crlf(text: str) -> bool:
    """The file's line ending: CRLF when most of its lines end so (written back so)."""
    crlf = text.count("\r\n")
    return crlf > 0 and crlf * 2 >= text.count("\n")


def _document_span(text: str, document: YamlDocument) -> tuple[int, int]:
    """Character range of `document` in its file: from its `---` (or the file start) to the
    next `---` (or the end); comments above its first key belong to it."""
    lines = text.splitlines(keepends=True)
    first = getattr(getattr(document.data, "lc", None), "line", None)
    if first is None:
        return 0, len(text)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start_line = next((i for i in range(first, -1, -1) if _is_marker(lines[i])), 0)
    end_line = next((i for i in range(first + 1, len(lines)) if _is_marker(lines[i])), len(lines))
    return offsets[start_line], offsets[end_line]


def _is_marker(line: str) -> bool:
    return line.startswith("---") and line[3:4] in ("", "\n", "\r", " ", "\t")
