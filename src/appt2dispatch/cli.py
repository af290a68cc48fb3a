"""Command line: the only module that imports click, prints or exits.

Exit codes: 0 no behaviour change, 1 behaviour change or blocker, 2 bad input
or usage (one line on stderr, no traceback unless --debug), 130 interrupted
(Ctrl-C), 3 internal error (a bug: no input may cause it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from appt2dispatch import __version__
from appt2dispatch.errors import Appt2DispatchError, InputError, WriteError

APP_TEMPLATE_OCI = "oci://ghcr.io/bjw-s-labs/helm/app-template"
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
F = TypeVar("F", bound=Callable[..., Any])


class _State:
    debug = False


def _mask(text: str) -> str:
    from appt2dispatch.masking import mask_text

    return mask_text(text)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the tool's errors into one masked line and exit code 2."""
    try:
        yield
    except Appt2DispatchError as exc:
        if _State.debug:
            raise
        click.echo(f"appt2dispatch: error: {_mask(str(exc))}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if _State.debug:
            raise
        click.echo(
            f"appt2dispatch: internal error ({type(exc).__name__}): {_mask(str(exc))}; "
            "this is a bug, rerun with --debug for the traceback",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


def _parse_substitutions(pairs: tuple[str, ...]) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:  # the argument is not echoed: it may be the secret itself
            missing = "no '='" if not sep else "no name before '='"
            raise click.BadParameter(f"expected NAME=VALUE ({missing})", param_hint="--substitute")
        result[key] = value
    return result


def _with_options(*groups: list[Callable[[F], F]]) -> Callable[[F], F]:
    """Apply option groups in reading order (click decorators apply bottom-up)."""

    def apply(func: F) -> F:
        for option in reversed([option for group in groups for option in group]):
            func = option(func)
        return func

    return apply


LOAD_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--namespace",
        "-n",
        metavar="NS",
        help="Override the namespace Flux installs into, which is otherwise read from the "
        "HelmRelease and the kustomize build of the Flux Kustomization that applies it; "
        "the report notes what it overrode.",
    ),
    click.option(
        "--substitute",
        "substitute",
        multiple=True,
        metavar="K=V",
        help="Flux postBuild substitution for ${K} (repeatable).",
    ),
    click.option(
        "--release",
        metavar="NAME",
        help="Which HelmRelease to use when the file holds several.",
    ),
    click.option(
        "--tree",
        type=click.Path(file_okay=False, exists=True),
        help="GitOps tree root that Flux Kustomization paths are relative to (postBuild "
        "substitution, namespace, valuesFrom). Default: the enclosing Git work tree when "
        "the release needs it.",
    ),
]


OLD_SIDE_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--old-manifests",
        metavar="FILE",
        help="Old side as rendered manifests (e.g. `helm get manifest`); '-' reads stdin.",
    ),
    click.option(
        "--app-template-chart",
        metavar="REF",
        help="Render the old side with the real app-template chart: a directory, "
        "a .tgz, or oci://REF:VERSION (pulled once, cached).",
    ),
    click.option(
        "--app-template-version",
        metavar="VERSION",
        help="app-template version the built-in model emulates when no OCIRepository "
        "tag is visible (default 4.1.1).",
    ),
]


SUPPRESS_OPTION = click.option(
    "--suppress",
    multiple=True,
    metavar="PATTERN",
    help="Accept behaviour findings matching this glob (against 'RESOURCE PATH', the path or "
    "the resource; repeatable): still reported, marked suppressed, not part of the verdict. "
    "Blockers cannot be suppressed.",
)


TRANSLATE_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--chart-version",
        metavar="VERSION",
        help="dispatch chart version to target and prove against (default: the bundled "
        "chart's version). Another version is pulled from --chart-repo (once, cached by "
        "digest); unreachable and not cached is an error.",
    ),
    click.option(
        "--follow-app-version",
        is_flag=True,
        help="Target the chart version equal to the running image's version (pulled as "
        "--chart-version would be).",
    ),
    click.option(
        "--chart-repo",
        metavar="OCI_URL",
        help="Where the dispatch chart is pulled from, and the url the OCIRepository names "
        "(default oci://ghcr.io/misospace/charts/dispatch).",
    ),
    click.option(
        "--dispatch-chart",
        metavar="DIR|TGZ",
        type=click.Path(exists=True),
        help="Render the new side from this local dispatch chart (its version is the "
        "OCIRepository tag); it must be what --chart-repo serves at that version.",
    ),
    click.option(
        "--assume-chart-unchanged",
        is_flag=True,
        help="Do not pull --chart-version: render the bundled templates restamped as that "
        "version. The verdict then says the artifact Flux pulls was not verified.",
    ),
    click.option(
        "--follow-chart-version",
        is_flag=True,
        help="Leave the image to the chart version (drops the tag and digest pin).",
    ),
]


def _chart_options() -> Any:
    """TranslateOptions from the current command's TRANSLATE_OPTIONS."""
    params = click.get_current_context().params
    return _translate_options(
        params["chart_version"],
        params["follow_chart_version"],
        params["follow_app_version"],
        params["chart_repo"],
        params["dispatch_chart"],
        params["assume_chart_unchanged"],
    )


def _translate_options(
    chart_version: str | None,
    follow_chart_version: bool,
    follow_app_version: bool = False,
    chart_repo: str | None = None,
    dispatch_chart: str | None = None,
    assume_chart_unchanged: bool = False,
) -> Any:
    from appt2dispatch.pipeline import TranslateOptions

    if follow_app_version and chart_version:
        raise click.UsageError("--follow-app-version and --chart-version exclude each other")
    if assume_chart_unchanged and dispatch_chart:
        raise click.UsageError("--assume-chart-unchanged and --dispatch-chart exclude each other")
    return TranslateOptions(
        chart_version=chart_version,
        follow_chart_version=follow_chart_version,
        follow_app_version=follow_app_version,
        chart_repo=chart_repo,
        dispatch_chart=Path(dispatch_chart) if dispatch_chart else None,
        assume_chart_unchanged=assume_chart_unchanged,
    )


def _read_path(path_text: str) -> Path:
    path = Path(path_text)
    if path_text != "-" and path.is_dir():
        raise InputError("is a directory, expected a HelmRelease file", _location(path))
    return path


def _location(path: Path) -> Any:
    from appt2dispatch.models import SourceLocation

    return SourceLocation(str(path))


def _build_load(
    namespace: str | None, substitute: tuple[str, ...], release: str | None, tree: str | None
) -> Any:
    from appt2dispatch.pipeline import LoadOptions

    return LoadOptions(
        namespace=namespace,
        substitutions=_parse_substitutions(substitute),
        release=release,
        tree_root=Path(tree) if tree else None,
    )


def _load_release(helmrelease: str, load_options: Any, *, text: str | None = None) -> Any:
    """Load HELMRELEASE (`-`: stdin, or `text` when the caller already read it)."""
    from appt2dispatch.pipeline import load

    if helmrelease == "-":
        return load(Path("<stdin>"), load_options, text=_read_stdin() if text is None else text)
    return load(_read_path(helmrelease), load_options)


def _reloader(
    helmrelease: str, load_options: Any, loaded: Any, piped: str | None
) -> Callable[[Any], Any]:
    """Load the release again with other substitutions, in the namespace and tree the
    first load used: a stand-in for each variable must not change where it looks."""
    import dataclasses

    from appt2dispatch import pipeline

    tree_root = load_options.tree_root
    if tree_root is None and load_options.find_tree and piped is None:
        tree_root = pipeline.guess_tree_root(_read_path(helmrelease), load_options)

    def reload(substitutions: Any) -> Any:
        options = dataclasses.replace(
            load_options,
            namespace=loaded.namespace,
            substitutions=substitutions,
            tree_root=tree_root,
        )
        return _load_release(helmrelease, options, text=piped)

    return reload


def _read_stdin() -> str:
    """stdin as bytes, with a file's checks: bounded, UTF-8 whatever the locale says."""
    from appt2dispatch.load.yamlio import read_stream

    return read_stream(sys.stdin.buffer, "<stdin>")


def _build_old(
    old_manifests: str | None, app_template_chart: str | None, app_template_version: str | None
) -> Any:
    from appt2dispatch.pipeline import OldSideOptions

    if old_manifests == "-":
        return OldSideOptions(
            manifests=Path("<stdin>"),
            manifests_text=_read_stdin(),
            app_template_chart=app_template_chart,
            app_template_version=app_template_version,
        )
    return OldSideOptions(
        manifests=_read_path(old_manifests) if old_manifests else None,
        app_template_chart=app_template_chart,
        app_template_version=app_template_version,
    )


class _Cli(click.Group):
    """The command group, with click's own messages and exits made the tool's:
    one masked line and exit 2 for a usage error, 130 on Ctrl-C (click: 'Aborted!', 1)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("appt2dispatch: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException as exc:
            click.echo(f"appt2dispatch: error: {_one_line(exc)}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(exc: click.ClickException) -> str:
    message = " ".join(_mask(exc.format_message()).split())
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        message += f" (see '{exc.ctx.command_path} --help')"
    return message


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="appt2dispatch")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(debug: bool) -> None:
    """Move dispatch from bjw-s app-template to its own chart, and prove nothing changed."""
    _State.debug = debug


@cli.command()
@click.argument("helmrelease")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--json-report",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the full JSON report to this file (the markdown cap names it).",
)
@_with_options(LOAD_OPTIONS, OLD_SIDE_OPTIONS, TRANSLATE_OPTIONS, [SUPPRESS_OPTION])
def diff(
    helmrelease: str,
    output_format: str,
    json_report: str | None,
    namespace: str | None,
    substitute: tuple[str, ...],
    release: str | None,
    tree: str | None,
    old_manifests: str | None,
    app_template_chart: str | None,
    app_template_version: str | None,
    chart_version: str | None,
    follow_app_version: bool,
    chart_repo: str | None,
    dispatch_chart: str | None,
    assume_chart_unchanged: bool,
    follow_chart_version: bool,
    suppress: tuple[str, ...],
) -> None:
    """Translate HELMRELEASE, render both sides and compare their behaviour.

    Exit 0: no behaviour change; 1: behaviour change or blocker; 2: bad input.
    """
    with _user_errors():
        chart_options = _chart_options()
        from appt2dispatch import pipeline
        from appt2dispatch.report import exit_code_for

        loaded = _load_release(helmrelease, _build_load(namespace, substitute, release, tree))
        in_use = pipeline.dispatch_chart_in_use(loaded, chart_options)
        if in_use is not None:
            # Already on the dispatch chart: nothing to compare (verdict already-migrated).
            from appt2dispatch.report import already_migrated_report

            done = already_migrated_report(str(loaded.path), in_use)
            if json_report:
                _write_report(Path(json_report), done, "json")
            click.echo(_format_report(done, output_format, json_report), nl=False)
            sys.exit(exit_code_for(done.verdict))
        outcome = pipeline.diff(
            loaded,
            _build_old(old_manifests, app_template_chart, app_template_version),
            chart_options,
            suppress=suppress,
        )
        if json_report:
            _write_report(Path(json_report), outcome.report, "json")
        click.echo(_format_report(outcome.report, output_format, json_report), nl=False)
    sys.exit(exit_code_for(outcome.report.verdict))


def _format_report(report: Any, output_format: str, json_report: str | None = None) -> str:
    from appt2dispatch.report import format_report

    return format_report(
        report,
        output_format,
        color=output_format == "text" and sys.stdout.isatty(),
        full_report_name=json_report,
    )


def _write_report(path: Path, report: Any, output_format: str) -> None:
    _write_text(path, _format_report(report, output_format))


def _write_text(path: Path, content: str) -> None:
    from appt2dispatch.models import OutputFile
    from appt2dispatch.write import write_all_or_nothing

    write_all_or_nothing([OutputFile(path, content)], root=path.parent)


@cli.command()
@click.argument("helmrelease")
@click.option("--side", type=click.Choice(["old", "new"]), required=True)
@click.option(
    "--renderer",
    type=click.Choice(["builtin", "helm"]),
    help="Old side: the built-in app-template model or the real chart "
    "(--app-template-chart, default oci://ghcr.io/bjw-s-labs/helm/app-template at the "
    "version the release's OCIRepository names).",
)
@_with_options(LOAD_OPTIONS, OLD_SIDE_OPTIONS, TRANSLATE_OPTIONS)
def render(
    helmrelease: str,
    side: str,
    renderer: str | None,
    namespace: str | None,
    substitute: tuple[str, ...],
    release: str | None,
    tree: str | None,
    old_manifests: str | None,
    app_template_chart: str | None,
    app_template_version: str | None,
    chart_version: str | None,
    follow_app_version: bool,
    chart_repo: str | None,
    dispatch_chart: str | None,
    assume_chart_unchanged: bool,
    follow_chart_version: bool,
) -> None:
    """Print the manifests of one side as multi-document YAML."""
    with _user_errors():
        chart_options = _chart_options()
        from appt2dispatch import pipeline
        from appt2dispatch.render.manifests import dump_manifests

        if renderer == "builtin" and (app_template_chart or old_manifests):
            raise click.UsageError(
                "--renderer builtin cannot be combined with --app-template-chart/--old-manifests"
            )
        loaded = _load_release(helmrelease, _build_load(namespace, substitute, release, tree))
        if _already_migrated(loaded, chart_options, "no app-template side to render"):
            return
        if renderer == "helm" and not app_template_chart:
            from appt2dispatch.render.old import resolve_app_template_version

            version, _ = resolve_app_template_version(loaded, app_template_version)
            app_template_chart = f"{APP_TEMPLATE_OCI}:{version}"
        old = pipeline.render_old(
            loaded, _build_old(old_manifests, app_template_chart, app_template_version)
        )
        if side == "old":
            _echo_masked(dump_manifests(old))
            return
        translation = pipeline.translate(loaded, old, chart_options)
        _echo_masked(dump_manifests(pipeline.render_new(loaded, translation, chart_options)))


def _already_migrated(loaded: Any, chart_options: Any, consequence: str) -> bool:
    """Say so (stderr) when the release runs the dispatch chart already; exit stays 0."""
    from appt2dispatch import pipeline

    in_use = pipeline.dispatch_chart_in_use(loaded, chart_options)
    if in_use is None:
        return False
    click.echo(
        f"appt2dispatch: {loaded.path}: already migrated: the release runs the dispatch "
        f"chart ({in_use}); {consequence}",
        err=True,
    )
    return True


def _echo_masked(text: str) -> None:
    """Print `text` with credentials masked: stdout lands in CI logs and PR comments.

    Files the user asks for (-o DIR, migrate --write) keep the real values.
    """
    masked = _mask(text)
    click.echo(masked, nl=False)
    if masked != text:
        click.echo(
            "note: credential-looking values are printed as ****; "
            "files the tool writes (translate -o DIR) keep the real values",
            err=True,
        )


@cli.command()
@click.argument("helmrelease")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    help="Write values.yaml, helmrelease.yaml and ocirepository.yaml here, plus "
    "ocirepository.patch.yaml when the release has its own OCIRepository (default: print "
    "the values).",
)
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]), default="yaml")
@_with_options(LOAD_OPTIONS, OLD_SIDE_OPTIONS, TRANSLATE_OPTIONS)
def translate(
    helmrelease: str,
    output_dir: str | None,
    output_format: str,
    namespace: str | None,
    substitute: tuple[str, ...],
    release: str | None,
    tree: str | None,
    old_manifests: str | None,
    app_template_chart: str | None,
    app_template_version: str | None,
    chart_version: str | None,
    follow_app_version: bool,
    chart_repo: str | None,
    dispatch_chart: str | None,
    assume_chart_unchanged: bool,
    follow_chart_version: bool,
) -> None:
    """Translate HELMRELEASE into values for the dispatch chart."""
    with _user_errors():
        chart_options = _chart_options()
        import json

        from appt2dispatch import pipeline
        from appt2dispatch.write import write_all_or_nothing

        load_options = _build_load(namespace, substitute, release, tree)
        piped = _read_stdin() if helmrelease == "-" else None
        loaded = _load_release(helmrelease, load_options, text=piped)
        if _already_migrated(loaded, chart_options, "nothing to translate, nothing written"):
            return
        old_options = _build_old(old_manifests, app_template_chart, app_template_version)
        old = pipeline.render_old(loaded, old_options)
        translation = pipeline.translate(loaded, old, chart_options)
        if output_dir is None:
            if output_format == "json":
                _echo_masked(json.dumps(translation.values, indent=2) + "\n")
            else:
                _echo_masked(translation.values_yaml)
        else:
            target = Path(output_dir)
            if target.exists() and not target.is_dir():
                raise InputError("exists and is not a directory", _location(target))
            try:
                target.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # a file in the way, no permission
                raise WriteError(
                    f"cannot create the directory: {exc.strerror or exc}", _location(target)
                ) from None
            files = pipeline.keep_postbuild_variables(
                loaded,
                translation,
                pipeline.output_files(loaded, translation, out_dir=target),
                reload=_reloader(helmrelease, load_options, loaded, piped),
                files_of=lambda stand_in, stand_in_translation: pipeline.output_files(
                    stand_in, stand_in_translation, out_dir=target
                ),
                old_options=old_options,
                translate_options=chart_options,
            )
            if output_format == "json":
                files = [_as_json_values(file, translation) for file in files]
            written = write_all_or_nothing(files, root=target)
            for path in written:
                click.echo(f"wrote {path}")
            click.echo(f"note: {_kustomization_hint([file.path for file in files])}", err=True)
        for note in (*loaded.provenance, *translation.notes):
            click.echo(f"note: {_mask(str(note))}", err=True)


def _kustomization_hint(written: list[Path]) -> str:
    """What to do with the OCIRepository file(s) translate -o wrote."""
    if any(path.name == "ocirepository.patch.yaml" for path in written):
        return (
            "the release has its own OCIRepository: replace it with ocirepository.yaml, or "
            "add ocirepository.patch.yaml to the kustomization's patches"
        )
    return (
        "ocirepository.yaml is a new OCIRepository (the release's is shared or missing): "
        "add it to the resources of the kustomization.yaml that lists the HelmRelease"
    )


def _as_json_values(file: Any, translation: Any) -> Any:
    import json
    from dataclasses import replace

    if file.path.name == "values.yaml":
        return replace(
            file,
            path=file.path.with_name("values.json"),
            content=json.dumps(translation.values, indent=2) + "\n",
        )
    return file


@cli.command()
@click.argument("root", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--write", "write_changes", is_flag=True, help="Apply the changes (default: dry run)."
)
@click.option(
    "--accept-behavior-change",
    is_flag=True,
    help="Write even when a release's verdict is a behaviour change (never when blocked).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--namespace",
    "-n",
    metavar="NS",
    help="Override the namespace of every release (noted where the tree states another).",
)
@_with_options(OLD_SIDE_OPTIONS, TRANSLATE_OPTIONS, [SUPPRESS_OPTION])
@click.option(
    "--only",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Only the releases in FILE (repeatable), e.g. the files a pull request changes; "
    "the rest of the tree still provides Kustomizations, OCIRepositories and Secrets.",
)
@click.option(
    "--json-report",
    type=click.Path(dir_okay=False),
    help="Also write the JSON form of this run's report to this file.",
)
def migrate(
    root: str,
    write_changes: bool,
    accept_behavior_change: bool,
    output_format: str,
    namespace: str | None,
    old_manifests: str | None,
    app_template_chart: str | None,
    app_template_version: str | None,
    chart_version: str | None,
    follow_app_version: bool,
    chart_repo: str | None,
    dispatch_chart: str | None,
    assume_chart_unchanged: bool,
    follow_chart_version: bool,
    suppress: tuple[str, ...],
    only: tuple[str, ...],
    json_report: str | None,
) -> None:
    """Find dispatch HelmReleases on app-template under ROOT and migrate them.

    Dry run by default: per release the verdict, the findings and a unified diff
    (`git apply`-able) of the files it would change. --write applies them, all
    files or none, only when every release is proven (no-behavior-change); one
    run per tree at a time. An earlier --write that was killed is rolled back
    first. Files that belong to other apps are never changed.

    Exit 0: no behaviour change; 1: behaviour change or blocker (nothing written
    unless --accept-behavior-change); 2: a release could not be planned, or the
    write failed (nothing written).

    \b
    --format json: one object, format_version 1 (keys are only added):
      root, mode ("dry-run" | "write"),
      releases: [{path, name, verdict, error, report (the diff JSON report),
                  files: [{path, change: "modified" | "added"}],
                  patch, patch_masked}],
      already_migrated: [path], summary: {releases, <verdict>: count,
      already-migrated}, written: [path], refused, write_error, recovered,
      notes: [text]. Paths are relative to ROOT.
    """
    with _user_errors():
        chart_options = _chart_options()
        from appt2dispatch import migrate as migration

        result = migration.migrate_tree(
            Path(root),
            write=write_changes,
            accept_behavior_change=accept_behavior_change,
            namespace=namespace,
            old_options=_build_old(old_manifests, app_template_chart, app_template_version),
            translate_options=chart_options,
            only=tuple(Path(path) for path in only),
            suppress=suppress,
        )
        if json_report:
            _write_text(Path(json_report), migration.format_result(result, "json"))
        if result.recovered:
            click.echo("appt2dispatch: rolled back an interrupted earlier write", err=True)
        click.echo(migration.format_result(result, output_format), nl=False)
        for path in result.written:
            click.echo(f"wrote {path}", err=True)
        if result.refused is not None:
            click.echo(f"appt2dispatch: {_mask(result.refused)}", err=True)
        if result.write_error is not None:
            raise result.write_error
    sys.exit(migration.exit_code_for_result(result))


@cli.group()
def chart() -> None:
    """The bundled dispatch chart: lint, package, render."""


@chart.command("lint")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def chart_lint(strict: bool) -> None:
    """Lint the bundled chart with Helm's linter."""
    with _user_errors():
        from appt2dispatch.chart_tools import lint_chart

        result = lint_chart(None, strict=strict)
        for message in result.messages:
            click.echo(message)
        failed = not result.ok
    sys.exit(1 if failed else 0)


@chart.command("package")
@click.option("-d", "--destination", type=click.Path(file_okay=False), default=".")
@click.option("--version", "version", help="Stamp chart version and appVersion (release tag).")
def chart_package(destination: str, version: str | None) -> None:
    """Package the bundled chart as dispatch-<version>.tgz."""
    with _user_errors():
        from appt2dispatch.chart_tools import package_chart

        click.echo(str(package_chart(Path(destination), version=version, app_version=version)))


@chart.command("render")
@click.option("-f", "--values", "values_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--release-name", default="dispatch", show_default=True)
@click.option("--namespace", "-n", default="default", show_default=True)
def chart_render(values_files: tuple[str, ...], release_name: str, namespace: str) -> None:
    """Render the bundled chart with values files."""
    with _user_errors():
        from appt2dispatch.chart_tools import render_chart_text

        click.echo(
            render_chart_text(
                [Path(path) for path in values_files],
                release_name=release_name,
                namespace=namespace,
            ),
            nl=False,
        )


@chart.command("docs")
def chart_docs() -> None:
    """Print the values reference (docs/chart-values.md) generated from the chart."""
    with _user_errors():
        from appt2dispatch.chart_docs import generate_values_doc

        click.echo(generate_values_doc(), nl=False)


def main() -> None:
    """Console entry point."""
    cli(prog_name="appt2dispatch")
