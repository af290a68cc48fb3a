"""The pipeline, stage after stage: load -> render old -> translate -> render new -> compare.

No printing or exiting here (that is cli.py); every function returns frozen
data or raises an Appt2DispatchError.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appt2dispatch.models import (
    HelmRelease,
    OutputFile,
    Rendered,
    Report,
    SourceLocation,
    Translation,
    YamlDocument,
)


@dataclass(frozen=True)
class OldSideOptions:
    """Where the old (app-template) side comes from, most faithful first."""

    manifests: Path | None = None
    manifests_text: str | None = None
    app_template_chart: str | None = None
    app_template_version: str | None = None


@dataclass(frozen=True)
class LoadOptions:
    """How to read a HelmRelease as Flux would.

    `tree_root` is the Git source root Flux Kustomization paths are relative to;
    when None and `find_tree` is set, the enclosing Git work tree is used if the
    release needs it (a `${VAR}` to substitute or no namespace of its own).
    """

    namespace: str | None = None
    substitutions: Mapping[str, str] = field(default_factory=dict)
    release: str | None = None
    tree_root: Path | None = None
    find_tree: bool = True


@dataclass(frozen=True)
class TranslateOptions:
    chart_version: str | None = None
    follow_chart_version: bool = False


@dataclass(frozen=True)
class DiffOutcome:
    release: HelmRelease
    old: Rendered
    translation: Translation
    new: Rendered
    files: tuple[OutputFile, ...]
    report: Report


def load(path: Path, options: LoadOptions, *, text: str | None = None) -> HelmRelease:
    from appt2dispatch.load import load_release

    tree_root = options.tree_root
    if tree_root is None and options.find_tree and text is None:
        tree_root = guess_tree_root(path, options)
    return load_release(
        path,
        namespace=options.namespace,
        substitutions=dict(options.substitutions) if options.substitutions else None,
        tree_root=tree_root,
        text=text,
        release=options.release,
    )


def guess_tree_root(path: Path, options: LoadOptions) -> Path | None:
    """The enclosing Git work tree, when the release needs its Flux Kustomization.

    Flux Kustomization paths are relative to the Git source root, which is the
    work tree's top. Without a `${VAR}` left to substitute or a missing
    namespace there is nothing a tree could add that is worth the scan.
    """
    from appt2dispatch.errors import InputError
    from appt2dispatch.load.yamlio import read_text

    try:
        text = read_text(path)  # bounded: /dev/zero or a huge file must not hang here
    except InputError:
        return None  # load_release reports the real problem
    needs_substitution = "${" in text and not options.substitutions
    needs_namespace = options.namespace is None and "namespace:" not in text
    if not (needs_substitution or needs_namespace):
        return None
    for ancestor in path.resolve().parents:
        if (ancestor / ".git").exists():
            return ancestor
    return None


def render_old(release: HelmRelease, options: OldSideOptions) -> Rendered:
    from appt2dispatch.render.old import render_old_side

    return render_old_side(
        release,
        old_manifests=options.manifests,
        old_manifests_text=options.manifests_text,
        app_template_chart=options.app_template_chart,
        app_template_version=options.app_template_version,
    )


def envfrom_names(rendered: Rendered) -> list[str]:
    """Every Secret/ConfigMap name an old-side pod loads with envFrom, in order."""
    from appt2dispatch.contract import read_envfrom
    from appt2dispatch.kube import pod_containers

    names: list[str] = []
    for obj in rendered.objects:
        for container in pod_containers(obj):
            for source in read_envfrom(container.get("envFrom") or []):
                if source.name and source.name not in names:
                    names.append(source.name)
    return names


def translate(release: HelmRelease, old: Rendered, options: TranslateOptions) -> Translation:
    from appt2dispatch.load import envfrom_secret_keys
    from appt2dispatch.translate import translate_release

    keys = envfrom_secret_keys(release, envfrom_names(old))
    return translate_release(
        release,
        old,
        chart_version=options.chart_version,
        follow_chart_version=options.follow_chart_version,
        envfrom_keys=keys,
    )


def render_new(release: HelmRelease, translation: Translation) -> Rendered:
    from appt2dispatch.errors import RenderError
    from appt2dispatch.render.dispatch_chart import render_dispatch

    try:
        return render_dispatch(
            translation.values,
            release_name=release.release_name,
            namespace=release.namespace,
            chart_version=translation.chart_version,
        )
    except RenderError as exc:
        if exc.location is not None:
            raise
        raise RenderError(exc.message, _schema_error_source(release, exc.message)) from exc


def _schema_error_source(release: HelmRelease, message: str) -> SourceLocation:
    """Where in the HelmRelease the value a chart schema error names came from: the
    first values key with the error's last key name and value (`port: -1`), else the
    first key with that value, else the values block."""
    import re

    from appt2dispatch.load.yamlio import locate

    found = re.search(r"at '(?P<pointer>/[^']*)': [^-]*?got (?P<got>[^,]+?)(?:,| -|$)", message)
    values_keys: list[Any] = ["spec", "values"]
    fallback = locate(release.document, values_keys)
    if found is None:
        return fallback
    last = found.group("pointer").rsplit("/", 1)[-1]
    got = found.group("got").strip()
    spec = release.document.data.get("spec") if isinstance(release.document.data, dict) else None
    values = spec.get("values") if isinstance(spec, dict) else None
    leaves = list(_leaves(values, []))
    for wanted_key in (last, None):
        for keys, value in leaves:
            if (wanted_key is None or (keys and str(keys[-1]) == wanted_key)) and str(value) == got:
                return locate(release.document, [*values_keys, *keys])
    return fallback


def _leaves(node: Any, keys: list[Any]) -> Iterator[tuple[list[Any], Any]]:
    if isinstance(node, dict):
        for key, item in node.items():
            yield from _leaves(item, [*keys, key])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _leaves(item, [*keys, index])
    else:
        yield keys, node


def output_files(
    release: HelmRelease,
    translation: Translation,
    *,
    out_dir: Path | None = None,
    ocirepository: YamlDocument | None = None,
    shared_ocirepository: bool | None = None,
) -> list[OutputFile]:
    from appt2dispatch.translate import translated_files

    return translated_files(
        release,
        translation,
        out_dir=out_dir,
        ocirepository=ocirepository,
        shared_ocirepository=shared_ocirepository,
    )


def diff(
    release: HelmRelease,
    old_options: OldSideOptions,
    translate_options: TranslateOptions,
    *,
    ocirepository: YamlDocument | None = None,
    shared_ocirepository: bool | None = None,
    suppress: tuple[str, ...] = (),
) -> DiffOutcome:
    """Render both sides once each and compare them.

    `suppress`: patterns of behaviour findings the user has accepted (report.suppress_findings).
    """
    from appt2dispatch.compare import compare_renders
    from appt2dispatch.report import build_report

    old = render_old(release, old_options)
    translation = translate(release, old, translate_options)
    new = render_new(release, translation)
    findings = compare_renders(old, new, translation)
    files = output_files(
        release,
        translation,
        ocirepository=ocirepository,
        shared_ocirepository=shared_ocirepository,
    )
    report = build_report(
        findings,
        renderers={"old": old.renderer, "new": new.renderer},
        translation=translation,
        notes=(*old.notes, *new.notes),
        source=str(release.path),
        files=files,
        suppress=suppress,
    )
    return DiffOutcome(release, old, translation, new, tuple(files), report)
