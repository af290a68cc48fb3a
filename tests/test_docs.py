"""The docs show what the tool prints today, and document every command and option.

Each `<!-- output: ... -->` block in docs/*.md is re-run by scripts/update_docs.py
(the same code runs here); a stale block fails with the command to refresh it.
Blocks that need ../shared skip, with the `shared_dir` fixture's reason, when it
is absent.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import REPO_ROOT

REFRESH_HINT = "run `python scripts/update_docs.py` and review the diff"


def _load_update_docs() -> ModuleType:
    path = REPO_ROOT / "scripts" / "update_docs.py"
    spec = importlib.util.spec_from_file_location("update_docs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("update_docs", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


update_docs = _load_update_docs()
DOCUMENTS: list[Path] = update_docs.default_documents()
USAGE = REPO_ROOT / "docs" / "usage.md"


def _blocks() -> list[Any]:
    params = []
    for document in DOCUMENTS:
        lines = document.read_text(encoding="utf-8").splitlines(keepends=True)
        for marker in update_docs.find_markers(lines):
            name = f"{document.relative_to(REPO_ROOT).as_posix()}:{marker.line + 1}"
            params.append(pytest.param(document, marker.line, id=name))
    return params


@pytest.fixture(scope="module")
def document_runs() -> dict[Path, Any]:
    """Each document runs once (its markers share one scratch directory, in order)."""
    return {}


@pytest.mark.parametrize(("document", "line"), _blocks())
def test_block_shows_what_its_command_prints(
    document: Path, line: int, document_runs: dict[Path, Any], request: pytest.FixtureRequest
) -> None:
    if document not in document_runs:
        document_runs[document] = update_docs.run_document(document)
    result = next(r for r in document_runs[document].results if r.marker.line == line)
    if result.expected is None:
        request.getfixturevalue("shared_dir")  # skips, with the reason, when ../shared is absent
    assert result.marker.content is not None, f"no block after the marker: {REFRESH_HINT}"
    assert result.marker.content == result.expected, f"stale block: {REFRESH_HINT}"


def test_the_issue_documents_exist_and_show_real_output() -> None:
    for name in ("usage", "comparison-rules", "migration-walkthrough", "pr-bot"):
        path = REPO_ROOT / "docs" / f"{name}.md"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kinds = [marker.kind for marker in update_docs.find_markers(lines)]
        assert "output" in kinds, f"{path.name} shows no command output"


def _command_sections(text: str) -> dict[str, str]:
    """`## appt2dispatch diff` (any heading level, in backticks) -> the section's text."""
    heading = re.compile(r"^#{2,4} `(appt2dispatch(?: [a-z-]+)*)`\s*$", re.MULTILINE)
    matches = list(heading.finditer(text))
    sections: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        sections[match.group(1)] = text[match.end() : end]
    return sections


def _commands(command: Any, path: str) -> list[tuple[str, Any]]:
    found = [(path, command)]
    for name, child in sorted(getattr(command, "commands", {}).items()):
        found.extend(_commands(child, f"{path} {name}"))
    return found


def test_usage_documents_every_command_and_option() -> None:
    from appt2dispatch.cli import cli

    sections = _command_sections(USAGE.read_text(encoding="utf-8"))
    missing: list[str] = []
    for path, command in _commands(cli, "appt2dispatch"):
        section = sections.get(path)
        if section is None:
            missing.append(f"section for {path}")
            continue
        for param in command.params:
            for option in [*param.opts, *param.secondary_opts]:
                if option.startswith("-") and f"`{option}" not in section:
                    missing.append(f"{path} {option}")
    assert not missing, f"docs/usage.md does not document: {', '.join(missing)}"


# The mechanism itself, on small documents (one subprocess each).


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_markers_in_fenced_code_are_text_and_missing_blocks_are_added(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "````markdown\n<!-- output: appt2dispatch --nope -->\n````\n\n"
        "<!-- output: appt2dispatch --version -->\nafter\n",
    )
    run = update_docs.run_document(path, shared_available=True)
    assert [result.marker.command for result in run.results] == ["appt2dispatch --version"]
    text = run.updated_text()
    assert "```console\n$ appt2dispatch --version\nappt2dispatch, version " in text
    assert text.endswith("# exit 0\n```\nafter\n")
    assert run.stale() and not update_docs.run_document(_write(tmp_path, text)).stale()


def test_exit_code_stderr_and_scratch_paths(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '<!-- setup: mkdir "$SCRATCH/out" -->\n'
        "<!-- output: appt2dispatch diff $SCRATCH/out 2>&1 -->\n"
        "<!-- output: appt2dispatch diff $SCRATCH/out -->\n",
    )
    results = update_docs.run_document(path, shared_available=True).results
    assert results[0].expected == 'mkdir "$SCRATCH/out"\n'
    shown = results[1].expected.splitlines()
    assert shown[0] == "$ appt2dispatch diff $SCRATCH/out 2>&1"
    assert shown[1].startswith("appt2dispatch: error: $SCRATCH/out")
    assert shown[2:] == ["# exit 2"]
    assert results[2].expected.splitlines()[1:] == ["# exit 2"]  # stdout only by default


@pytest.mark.parametrize(
    ("pipeline", "lines"),
    [("| head -n 2", ["1", "2"]), ("| tail -n 2", ["3", "4"]), ("| tail -n 0", [])],
)
def test_head_and_tail_keep_the_exit_code_of_appt2dispatch(pipeline: str, lines: list[str]) -> None:
    invocation = update_docs.parse_output_command(f"appt2dispatch --help {pipeline}")
    assert invocation.arguments == ["--help"]
    assert invocation.shown("1\n2\n3\n4\n").splitlines() == lines


def test_blocks_that_need_shared_are_left_alone_without_it(tmp_path: Path) -> None:
    original = "```console\nwhatever\n```\n"
    path = _write(
        tmp_path,
        '<!-- setup: cp -R ../shared/corpus "$SCRATCH/tree" -->\n'
        f"<!-- output: appt2dispatch migrate $SCRATCH/tree -->\n{original}"
        "<!-- output: appt2dispatch --version -->\n",
    )
    run = update_docs.run_document(path, shared_available=False)
    assert [result.expected is None for result in run.results] == [True, True, False]
    assert original in run.updated_text()


def test_fence_outgrows_backticks_in_the_output() -> None:
    assert update_docs.fenced("a\n```diff\nb\n```\n", "console").startswith("````console\n")
    assert update_docs.fenced("plain", "sh") == "```sh\nplain\n```\n"


@pytest.mark.parametrize(
    "command",
    [
        "kubectl get pods",
        "appt2dispatch diff x > out.txt",
        "appt2dispatch diff x | grep verdict",
        "appt2dispatch diff x | head -3",
        "appt2dispatch diff x && rm -rf y",
    ],
)
def test_output_commands_are_appt2dispatch_without_shell(command: str) -> None:
    with pytest.raises(update_docs.DocsError):
        update_docs.parse_output_command(command)
