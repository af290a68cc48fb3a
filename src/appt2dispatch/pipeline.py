"""The pipeline, stage after stage: load -> render old -> translate -> render new -> compare.

No printing or exiting here (that is cli.py); every function returns frozen
data or raises an Appt2DispatchError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appt2dispatch.errors import InputError
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
    """Which dispatch chart the new side is rendered from and the OCIRepository names.

    Default: the bundled chart at its version. `chart_version` (or
    `follow_app_version`: the running image's version) picks another version of the
    chart `chart_repo` serves, pulled; `dispatch_chart` a local chart directory or
    .tgz. `assume_chart_unchanged` renders the bundled templates as that version
    instead of pulling (the report then says the artifact was not verified).
    `follow_chart_version` drops the image pin so the chart's appVersion decides.
    """

    chart_version: str | None = None
    follow_chart_version: bool = False
    follow_app_version: bool = False
    chart_repo: str | None = None
    dispatch_chart: Path | None = None
    assume_chart_unchanged: bool = False


@dataclass(frozen=True)
class DiffOutcome:
    """Every stage's result for one release: both renders, the translation, files, report."""

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


def old_side_caveats(
    release: HelmRelease,
    options: OldSideOptions,
    translation: Translation,
    translate_options: TranslateOptions,
) -> tuple[str, ...]:
    """The verdict's assumption about the old side, when it matters.

    With no OCIRepository tag and no flag the built-in model emulates an assumed
    app-template version. 4.x and 5.x differ (e.g. in ServiceAccount defaults): when the
    release translates differently under the other major, the verdict depends on the
    assumption and says so.
    """
    from dataclasses import replace

    from appt2dispatch.errors import Appt2DispatchError
    from appt2dispatch.render.old import DEFAULT_APP_TEMPLATE_VERSION, resolve_app_template_version

    if options.manifests is not None or options.app_template_chart is not None:
        return ()
    version, assumed = resolve_app_template_version(release, options.app_template_version)
    if not assumed:
        return ()
    other = _OTHER_MAJOR if version.startswith("4.") else DEFAULT_APP_TEMPLATE_VERSION
    try:
        other_old = render_old(release, replace(options, app_template_version=other))
        same = translate(release, other_old, translate_options).values == translation.values
    except Appt2DispatchError:
        same = False
    if same:
        return ()
    return (
        f"app-template version not visible (no OCIRepository tag): proven against {version}, "
        f"and the values differ under {other}; pass --app-template-version with the "
        "version that runs",
    )


# The app-template version on the other side of the 4.x/5.x ServiceAccount change.
_OTHER_MAJOR = "5.0.1"


_DRY_RUN_WARNING = "WARNING: config.groomer.dryRun is false"


def changed_side_notes(old: Rendered, new: Rendered) -> tuple[str, ...]:
    """The new side's chart warnings, less those about what the migration does not change:
    the groomer already wrote to GitHub when the old pod set DISPATCH_GROOMER_DRY_RUN=false."""
    from appt2dispatch.kube import pod_containers

    old_values = {
        str(item.get("name")): item.get("value")
        for obj in old.objects
        for container in pod_containers(obj)
        for item in container.get("env") or []
        if isinstance(item, Mapping)
    }
    already_writing = old_values.get("DISPATCH_GROOMER_DRY_RUN") == "false"
    return tuple(
        note for note in new.notes if not (already_writing and note.startswith(_DRY_RUN_WARNING))
    )


def dispatch_chart_in_use(release: HelmRelease, options: TranslateOptions) -> str | None:
    """`url:tag` of the dispatch chart the release already runs, else None.

    Known by the url of the OCIRepository its chartRef names (the published chart or
    --chart-repo), or a HelmRepository-style `chart: dispatch`.
    """
    from appt2dispatch.kube import dig
    from appt2dispatch.load import release_ocirepository
    from appt2dispatch.render.dispatch_chart import CHART_URL

    oci = release_ocirepository(release)
    if oci is not None:
        url = str(dig(oci.data, "spec", "url") or "").rstrip("/")
        if url in {CHART_URL, (options.chart_repo or CHART_URL).rstrip("/")}:
            return f"{url}:{dig(oci.data, 'spec', 'ref', 'tag') or '?'}"
        return None
    chart = dig(release.document.data, "spec", "chart", "spec") or {}
    if isinstance(chart, Mapping) and chart.get("chart") == "dispatch":
        return f"dispatch {chart.get('version', '?')}"
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
    chart_version = options.chart_version
    if options.dispatch_chart is not None:
        from appt2dispatch.render.dispatch_chart import local_chart_version

        local_version = local_chart_version(options.dispatch_chart)
        if chart_version is not None and chart_version != local_version:
            raise InputError(
                f"--dispatch-chart {options.dispatch_chart} is version {local_version}, "
                f"not --chart-version {chart_version}"
            )
        chart_version = local_version
    return translate_release(
        release,
        old,
        chart_version=chart_version,
        follow_chart_version=options.follow_chart_version,
        follow_app_version=options.follow_app_version and options.dispatch_chart is None,
        chart_url=options.chart_repo,
        envfrom_keys=keys,
    )


def render_new(
    release: HelmRelease, translation: Translation, options: TranslateOptions | None = None
) -> Rendered:
    """The new side, rendered from exactly the chart the translation's OCIRepository names."""
    from appt2dispatch.errors import RenderError
    from appt2dispatch.render.dispatch_chart import render_dispatch

    options = options or TranslateOptions()
    try:
        return render_dispatch(
            translation.values,
            release_name=release.release_name,
            namespace=release.namespace,
            chart_version=translation.chart_version,
            url=translation.chart_url,
            local_chart=options.dispatch_chart,
            assume_unchanged=options.assume_chart_unchanged,
        )
    except RenderError as exc:
        source = _schema_error_source(release, exc.message) if exc.location is None else None
        if source is None:
            raise
        raise RenderError(exc.message, source) from exc


def _schema_error_source(release: HelmRelease, message: str) -> SourceLocation | None:
    """Where in the HelmRelease the value a chart schema error names came from: the
    first values key with the error's last key name and value (`port: -1`), else the
    first key with that value, else the values block. None: not a schema error."""
    import re

    from appt2dispatch.load.yamlio import locate

    found = re.search(r"at '(?P<pointer>/[^']*)': [^-]*?got (?P<got>[^,]+?)(?:,| -|$)", message)
    if found is None:
        return None
    values_keys: list[Any] = ["spec", "values"]
    fallback = locate(release.document, values_keys)
    last = found.group("pointer").rsplit("/", 1)[-1]
    got = found.group("got").strip()
    spec = release.document.data.get("spec") if isinstance(release.document.data, dict) else None
    values = spec.get("values") if isinstance(spec, dict) else None
    from appt2dispatch.kube import leaves

    scalars = list(leaves(values))
    for wanted_key in (last, None):
        for keys, value in scalars:
            if (wanted_key is None or (keys and str(keys[-1]) == wanted_key)) and str(value) == got:
                return locate(release.document, [*values_keys, *keys])
    return fallback


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


def keep_postbuild_variables(
    release: HelmRelease,
    translation: Translation,
    proven: Sequence[OutputFile],
    *,
    reload: Callable[[Mapping[str, str]], HelmRelease],
    files_of: Callable[[HelmRelease, Translation], list[OutputFile]],
    old_options: OldSideOptions,
    translate_options: TranslateOptions,
) -> list[OutputFile]:
    """The proven files with `${VAR}` kept where the human wrote it (see write.variables).

    `reload` loads the release again with the given substitutions; `files_of` makes the
    output files of a translation, as they were made for `proven`.
    """
    from appt2dispatch.errors import Appt2DispatchError, ReleaseError
    from appt2dispatch.write.variables import (
        check_variables_kept,
        keep_variables,
        placeholders_for,
        variable_forms,
    )

    kept: list[OutputFile] | None = None
    placeholders: dict[str, str] = {}
    forms: dict[str, str] = {}
    if "${" in str(release.document.data):
        # Every variable the release names, also one only given a default (`${M:=x}`).
        forms = variable_forms(release.document.data)
        placeholders = placeholders_for({**dict.fromkeys(forms, ""), **release.substitutions})
        try:
            stand_in = reload(placeholders)
            old = render_old(stand_in, old_options)
            kept = files_of(stand_in, translate(stand_in, old, translate_options))
        except Appt2DispatchError as exc:
            raise ReleaseError(
                f"cannot keep the postBuild variables in the rewritten file: with each one "
                f"standing in for its value, the release does not translate ({exc.message})",
                release.document.location,
            ) from exc
    files = keep_variables(release, translation.values, list(proven), kept, placeholders, forms)
    check_variables_kept(release, files)
    return files


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
    new = render_new(release, translation, translate_options)
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
        notes=(*release.provenance, *old.notes, *changed_side_notes(old, new)),
        source=str(release.path),
        files=files,
        suppress=suppress,
        artifact=new.artifact,
        caveats=old_side_caveats(release, old_options, translation, translate_options),
    )
    return DiffOutcome(release, old, translation, new, tuple(files), report)
