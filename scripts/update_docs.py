"""Re-run every command the Markdown docs show, and rewrite the blocks with its real output.

The docs mark what they show with HTML comments (invisible on GitHub), each followed
by a fenced block that this script owns:

    <!-- setup: cp -R examples/home-ops "$SCRATCH/tree" -->
    ```sh
    cp -R examples/home-ops "$SCRATCH/tree"
    ```

    <!-- output: appt2dispatch migrate $SCRATCH/tree -->
    ```console
    $ appt2dispatch migrate $SCRATCH/tree
    ...stdout...
    # exit 0
    ```

- `output:` runs one appt2dispatch command from the repository root, as
  `python -m appt2dispatch` with this interpreter (no shell). The block shows the
  command, its stdout and, as the last line, `# exit N` with its exit code. Two shell
  spellings are understood: `2>&1` (show stderr too, interleaved) and a trailing
  `| head -n N` or `| tail -n N` (show the first or last N lines; the exit code stays
  appt2dispatch's).
- `setup:` runs a shell command (`sh -c`) from the repository root, e.g. copying a
  tree to write into; it shows no output and must exit 0.
- Every document gets its own empty scratch directory, `$SCRATCH`, shared by its
  markers in document order. Its real path never reaches a block: it is shown as
  `$SCRATCH`, the shared corpus's absolute path as `../shared` and the repository's
  as `.`.
- Markers inside fenced code are text, not markers (so the docs can show them).
- A command or setup that names `../shared`, or a `$SCRATCH` command after such a
  setup, needs the shared corpus beside the checkout; without it the block is left
  as it is (and tests/test_docs.py skips it).

Usage: python scripts/update_docs.py [--check] [FILE.md ...]  (default: README.md and docs/**/*.md)
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
SHARED_REFERENCE = "../shared"
SCRATCH_VARIABLE = "SCRATCH"
SCRATCH_PLACEHOLDER = "$SCRATCH"
PROGRAM = "appt2dispatch"
DEFAULT_INFO = {"output": "console", "setup": "sh"}
COMMAND_TIMEOUT_SECONDS = 600

_MARKER = re.compile(r"^<!-- (output|setup): (.+?) -->\s*$")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_SCRATCH_REFERENCE = re.compile(r"\$(?:SCRATCH\b|\{SCRATCH\})")


class DocsError(Exception):
    """A marker the script cannot run, or a command that failed where it must not."""


@dataclass(frozen=True)
class Marker:
    """One `<!-- output|setup: ... -->` comment and the fenced block after it (if any)."""

    kind: str
    command: str
    line: int  # 0-based index of the comment line
    block_start: int  # first line after the comment
    block_end: int  # first line after the block (== block_start when there is none)
    info: str
    content: str | None  # the block's text, None when no block follows

    @property
    def needs_shared(self) -> bool:
        return SHARED_REFERENCE in self.command

    @property
    def uses_scratch(self) -> bool:
        return bool(_SCRATCH_REFERENCE.search(self.command))


@dataclass
class BlockResult:
    """What a marker's block should say now; `expected` None: not run (no ../shared)."""

    marker: Marker
    expected: str | None

    @property
    def current(self) -> bool:
        return self.expected is None or self.expected == self.marker.content


@dataclass
class DocumentRun:
    path: Path
    lines: list[str]
    results: list[BlockResult] = field(default_factory=list)

    def stale(self) -> list[BlockResult]:
        return [result for result in self.results if not result.current]

    def updated_text(self) -> str:
        """The document with every block that was run rewritten."""
        out: list[str] = []
        cursor = 0
        for result in self.results:
            marker = result.marker
            out.extend(self.lines[cursor : marker.block_start])
            if result.expected is None:
                out.extend(self.lines[marker.block_start : marker.block_end])
            else:
                out.extend(fenced(result.expected, marker.info).splitlines(keepends=True))
            cursor = marker.block_end
        out.extend(self.lines[cursor:])
        return "".join(out)


def find_markers(lines: Sequence[str]) -> list[Marker]:
    """Every marker outside fenced code, with the block that follows it."""
    markers: list[Marker] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = _FENCE_OPEN.match(line)
        if opening:
            index = _fence_end(lines, index, opening.group(1))
            continue
        match = _MARKER.match(line)
        index += 1
        if match is None:
            continue
        kind, command = match.group(1), match.group(2).strip()
        block = _FENCE_OPEN.match(lines[index]) if index < len(lines) else None
        if block is None:
            markers.append(Marker(kind, command, index - 1, index, index, DEFAULT_INFO[kind], None))
            continue
        end = _fence_end(lines, index, block.group(1))
        content = "".join(lines[index + 1 : end - 1])
        info = block.group(2).strip() or DEFAULT_INFO[kind]
        markers.append(Marker(kind, command, index - 1, index, end, info, content))
        index = end
    return markers


def _fence_end(lines: Sequence[str], start: int, fence: str) -> int:
    """The first line after the fenced block opened at `start` (end of file if unclosed)."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for index in range(start + 1, len(lines)):
        if closing.match(lines[index]):
            return index + 1
    return len(lines)


def fenced(content: str, info: str) -> str:
    """`content` in a fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    body = content if content.endswith("\n") or not content else content + "\n"
    return f"{fence}{info}\n{body}{fence}\n"


@dataclass(frozen=True)
class Invocation:
    """An `output:` command split into what runs and how its output is shown."""

    arguments: list[str]
    merge_stderr: bool
    filter_name: str | None  # "head" or "tail"
    filter_lines: int = 0

    def shown(self, output: str) -> str:
        lines = output.splitlines(keepends=True)
        if self.filter_name == "head":
            lines = lines[: self.filter_lines]
        elif self.filter_name == "tail":
            lines = lines[len(lines) - self.filter_lines :] if self.filter_lines else []
        return "".join(lines)


def parse_output_command(command: str) -> Invocation:
    """`appt2dispatch ARGS [2>&1] [| head|tail -n N]` -> what to run and what to show."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise DocsError(f"cannot split {command!r}: {exc}") from exc
    filter_name: str | None = None
    filter_lines = 0
    if "|" in words:
        pipe = words.index("|")
        pipeline = words[pipe + 1 :]
        if (
            len(pipeline) != 3
            or pipeline[0] not in ("head", "tail")
            or pipeline[1] != "-n"
            or not pipeline[2].isdigit()
        ):
            raise DocsError(f"only `| head -n N` or `| tail -n N` may follow: {command!r}")
        filter_name, filter_lines = pipeline[0], int(pipeline[2])
        words = words[:pipe]
    merge_stderr = "2>&1" in words
    words = [word for word in words if word != "2>&1"]
    if not words or words[0] != PROGRAM:
        raise DocsError(f"an output command must start with {PROGRAM}: {command!r}")
    for word in words[1:]:
        if word in ("|", "&&", ";", ">", "<", "2>") or word.startswith((">", "<")):
            raise DocsError(f"no shell syntax besides 2>&1 and | head/tail: {word!r}")
    return Invocation(words[1:], merge_stderr, filter_name, filter_lines)


class Runner:
    """Runs one document's markers in order against one scratch directory."""

    def __init__(self, scratch: Path, *, shared_available: bool) -> None:
        self.scratch = scratch
        self.shared_available = shared_available
        self.scratch_needs_shared = False

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                SCRATCH_VARIABLE: str(self.scratch),
                "COLUMNS": "80",
                "NO_COLOR": "1",
                "TERM": "dumb",
                "PYTHONIOENCODING": "utf-8",
                "PYTHONHASHSEED": "0",
            }
        )
        env.pop("FORCE_COLOR", None)
        return env

    def needs_missing_shared(self, marker: Marker) -> bool:
        needs = marker.needs_shared or (marker.uses_scratch and self.scratch_needs_shared)
        if marker.kind == "setup" and marker.needs_shared:
            self.scratch_needs_shared = True
        return needs and not self.shared_available

    def run(self, marker: Marker) -> str | None:
        """The block text for `marker`, or None when it cannot run here (no ../shared)."""
        if self.needs_missing_shared(marker):
            return None
        if marker.kind == "setup":
            self._run_setup(marker.command)
            return f"{marker.command}\n"
        return f"$ {marker.command}\n" + self._run_output(marker.command)

    def _run_setup(self, command: str) -> None:
        completed = subprocess.run(
            ["sh", "-c", command],
            cwd=REPO_ROOT,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            raise DocsError(
                f"setup {command!r} exited {completed.returncode}: {completed.stderr.strip()}"
            )

    def _run_output(self, command: str) -> str:
        invocation = parse_output_command(command)
        arguments = [self._expand(word) for word in invocation.arguments]
        completed = subprocess.run(
            [sys.executable, "-m", PROGRAM, *arguments],
            cwd=REPO_ROOT,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if invocation.merge_stderr else subprocess.PIPE,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        stderr = completed.stderr.decode("utf-8", "replace") if completed.stderr else ""
        if completed.returncode >= 3:
            raise DocsError(f"{command!r} failed with exit {completed.returncode}: {stderr}")
        output = invocation.shown(self.normalise(completed.stdout.decode("utf-8", "replace")))
        if output and not output.endswith("\n"):
            output += "\n"
        return f"{output}# exit {completed.returncode}\n"

    def _expand(self, word: str) -> str:
        return _SCRATCH_REFERENCE.sub(lambda _: str(self.scratch), word)

    def normalise(self, text: str) -> str:
        """No machine-specific path in a block: scratch -> $SCRATCH, repository -> `.`."""
        for scratch in sorted({str(self.scratch), os.path.realpath(self.scratch)}, key=len)[::-1]:
            text = text.replace(scratch, SCRATCH_PLACEHOLDER)
        for shared in sorted({str(SHARED_DIR), os.path.realpath(SHARED_DIR)}, key=len)[::-1]:
            text = text.replace(shared, SHARED_REFERENCE)
        for root in sorted({str(REPO_ROOT), os.path.realpath(REPO_ROOT)}, key=len)[::-1]:
            text = text.replace(root + os.sep, "").replace(root, ".")
        return text


def run_document(path: Path, *, shared_available: bool | None = None) -> DocumentRun:
    """Run every marker of `path` in order; nothing is written."""
    available = SHARED_DIR.is_dir() if shared_available is None else shared_available
    text = path.read_text(encoding="utf-8")
    document = DocumentRun(path, text.splitlines(keepends=True))
    markers = find_markers(document.lines)
    if not markers:
        return document
    with scratch_directory() as scratch:
        runner = Runner(scratch, shared_available=available)
        for marker in markers:
            try:
                expected = runner.run(marker)
            except DocsError as exc:
                raise DocsError(f"{_display(path)}:{marker.line + 1}: {exc}") from exc
            document.results.append(BlockResult(marker, expected))
    return document


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """A fresh temporary directory, removed afterwards (even when read-only copies are left)."""
    path = Path(tempfile.mkdtemp(prefix="appt2dispatch-docs-"))
    try:
        yield path
    finally:
        for directory, _, _ in os.walk(path):
            os.chmod(directory, 0o755)  # a copied read-only tree must still be removable
        shutil.rmtree(path, ignore_errors=True)


def default_documents() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def iter_documents(names: Sequence[str]) -> Iterator[Path]:
    if not names:
        yield from default_documents()
        return
    for name in names:
        yield Path(name).resolve()


def _display(path: Path) -> str:
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "documents", nargs="*", help="Markdown files (default: README.md and docs/**/*.md)"
    )
    parser.add_argument(
        "--check", action="store_true", help="Change nothing; exit 1 when a block is stale."
    )
    options = parser.parse_args(argv)
    if not SHARED_DIR.is_dir():
        print(f"note: {SHARED_DIR} is absent: blocks that need it are left as they are")
    stale_total = 0
    try:
        for path in iter_documents(options.documents):
            document = run_document(path)
            stale = document.stale()
            stale_total += len(stale)
            for result in stale:
                verb = "stale" if options.check else "updated"
                print(f"{_display(path)}:{result.marker.line + 1}: {verb}: {result.marker.command}")
            if stale and not options.check:
                path.write_text(document.updated_text(), encoding="utf-8")
    except DocsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if options.check and stale_total:
        return 1
    print(f"{stale_total} block(s) {'stale' if options.check else 'updated'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
