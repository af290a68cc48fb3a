"""Mutation testing of compare/ and translate/: run mutmut, print the score and the survivors.

    python scripts/mutation.py                      # every module of both packages (hours)
    python scripts/mutation.py compare.migration    # one module, or several
    python scripts/mutation.py translate.env:_map_lanes   # one function
    python scripts/mutation.py --survivors compare  # re-check only last run's survivors
    python scripts/mutation.py --report-only        # the score of what earlier runs checked

mutmut (`pip install -e '.[mutation]'`, configured in pyproject.toml's [tool.mutmut]) copies
the package to `mutants/`, mutates compare/ and translate/ there, and runs for each mutant
the tests that reach the mutated function. Results are kept in `mutants/`, so a later run
only checks what changed. The score counts killed and timed-out mutants as caught; the
survivors are printed one a line, for docs/mutation-testing.md to give each a reason.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compare", "translate")
CAUGHT = ("killed", "timeout")


def mutmut() -> str:
    beside = Path(sys.executable).parent / "mutmut"
    found = str(beside) if beside.exists() else shutil.which("mutmut")
    if found is None:
        sys.exit("mutmut is not installed: pip install -e '.[mutation]'")
    return found


def patterns(modules: list[str]) -> list[str]:
    """`compare.migration` (or `translate.env:_map_lanes`, one function) -> a glob of mutant
    names; nothing -> both packages."""
    globs = []
    for selection in modules or PACKAGES:
        module, _, function = selection.partition(":")
        if module.split(".")[0] not in PACKAGES:
            sys.exit(f"{selection}: not a module of {' or '.join(PACKAGES)}")
        globs.append(
            f"appt2dispatch.{module}.x_{function}__mutmut_*"
            if function
            else f"appt2dispatch.{module}.*"
        )
    return globs


def results(patterns: list[str]) -> dict[str, str]:
    """Mutant name -> status, for the mutants the patterns select."""
    listing = subprocess.run(
        [mutmut(), "results", "--all", "true"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    prefixes = [pattern.removesuffix("*") for pattern in patterns]
    statuses: dict[str, str] = {}
    for line in listing.splitlines():
        name, _, status = line.strip().partition(": ")
        if status and any(name.startswith(prefix) for prefix in prefixes):
            statuses[name] = status
    return statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="e.g. compare.classify translate.env:_map_lanes")
    parser.add_argument("--report-only", action="store_true", help="do not run mutmut")
    parser.add_argument(
        "--survivors", action="store_true", help="re-run only the mutants that survived"
    )
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    selected = patterns(args.modules)
    if not args.report_only:
        env = dict(os.environ)
        shared = ROOT.parent / "shared"
        if shared.is_dir():  # the tests run inside mutants/, which has no ../shared beside it
            env.setdefault("APPT2DISPATCH_SHARED_DIR", str(shared))
        names = selected
        if args.survivors:
            statuses = results(selected)
            names = sorted(name for name, status in statuses.items() if status == "survived")
            if not names:
                print("no survivors to re-check")
        command = [mutmut(), "run", "--max-children", str(args.max_children), *names]
        if names:
            subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
    statuses = results(selected)
    counts = Counter(statuses.values())
    checked = sum(count for status, count in counts.items() if status != "not checked")
    caught = sum(counts[status] for status in CAUGHT)
    print(f"mutants: {len(statuses)} ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))})")
    if checked:
        print(f"score: {caught}/{checked} = {100 * caught / checked:.1f}% of the checked caught")
    survivors = sorted(name for name, status in statuses.items() if status == "survived")
    for name in survivors:
        print(f"survived: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
