"""Print how fast appt2dispatch is on this machine, as ratios to the true floor.

    python benchmarks/run.py [--runs N]

The floor is a child process that imports only `helm_python`, loads charts/dispatch
and renders it once with `{}` values: the least any command that renders the new
side can cost. It never imports this project, so the project's own start-up shows
in every ratio. Each figure is the median of N paired runs (floor, then the
command, alternating, so a busy machine slows both alike); the ratio is the median
of the per-pair ratios.

- diff --tree on the real home-ops release, its tree read as a user's checkout
  (target <= 2.0x the floor; aim 1.5x);
- migrate dry run on each real tree (target <= 3x);
- migrate dry run on a generated tree of 1,000 HelmReleases, 4 of them dispatch
  (target < 2 s), and on the same tree with every other release four times larger
  (the cost must follow the dispatch releases, not the other files);
- peak memory (max RSS) of every child process (target < 250 MB).

With `--instructions`, each command (and the floor) also runs once under
`valgrind --tool=callgrind`, and its instruction count is printed with its ratio
to the floor's: a figure a busy machine does not move, for deciding what to change.

Bytecode is cached as for an installed package (PYTHONDONTWRITEBYTECODE is unset
and a warm-up run precedes the timed ones). Uses ../shared when it is beside the
checkout, else the bundled example.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CHART = REPO / "src" / "appt2dispatch" / "charts" / "dispatch"
EXAMPLE_TREE = REPO / "examples" / "home-ops"
EXAMPLE_RELEASE = (
    EXAMPLE_TREE / "kubernetes" / "apps" / "base" / "tools" / "dispatch" / "helmrelease.yaml"
)
REAL_TREES = (
    SHARED / "corpus" / "home-ops-tree-app-template-era",
    SHARED / "corpus" / "home-ops-tree-shared-oci-era",
)
REAL_RELEASE = REAL_TREES[0] / "kubernetes/apps/base/llm/dispatch/helmrelease.yaml"
# Until the namespace comes from the tree's kustomize build (issue 10), the real
# trees need it given; `with_namespace_if_needed` adds it only when the command
# refuses to run without it, so this can go once that lands.
FALLBACK_NAMESPACE = ("--namespace", "llm")
CLI = (sys.executable, "-m", "appt2dispatch")
# As a user runs it: an installed package has its bytecode cached.
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
EXIT_BAD_INPUT = 2

# Imports helm_python only: never this project.
FLOOR_SCRIPT = (
    "import sys, helm_python\n"
    "helm_python.Chart.load(sys.argv[1]).render({}, name='dispatch', namespace='llm')\n"
)

OTHER_APP = """---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app{n}
spec:
  chartRef: {{kind: OCIRepository, name: app-template}}
  interval: 1h
  values:
    controllers:
      app{n}:
        containers:
          app:
            image: {{repository: ghcr.io/example/app{n}, tag: 1.0.{n}}}
            env:
{env}    service:
      app:
        ports:
          http: {{port: 80}}
"""
OTHER_ENV_LINE = "              VARIABLE_{i}: value-{i}\n"

DISPATCH_KUSTOMIZATION = """---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: dispatch{n}
  namespace: flux-system
spec:
  targetNamespace: tools{n}
  path: ./kubernetes/apps/app{n}
  interval: 1h
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
  postBuild:
    substitute: {{APP: dispatch, DOMAIN: example.internal}}
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    exit_code: int
    peak_mb: float


@dataclass(frozen=True)
class Figure:
    seconds: float
    ratio: float
    peak_mb: float
    floor_seconds: float
    floor_peak_mb: float


def timed_run(command: tuple[str, ...]) -> Run:
    """Wall seconds, exit code and peak RSS (MB) of one child process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=CHILD_ENV)
        # wait4, not wait: it returns this child's own resource usage (max RSS in KiB).
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
    return Run(elapsed, code, usage.ru_maxrss / 1024)


def floor_command() -> tuple[str, ...]:
    return (sys.executable, "-c", FLOOR_SCRIPT, str(CHART))


def paired(command: tuple[str, ...], runs: int) -> Figure:
    """Median of `runs` pairs (floor, command), after one warm-up of each."""
    floor = floor_command()
    timed_run(floor)  # warm-up: bytecode caches written, files in the page cache
    timed_run(command)
    floors: list[Run] = []
    measured: list[Run] = []
    for _ in range(runs):
        floors.append(timed_run(floor))
        measured.append(timed_run(command))
    ratios = [run.seconds / base.seconds for run, base in zip(measured, floors, strict=True)]
    return Figure(
        seconds=statistics.median(run.seconds for run in measured),
        ratio=statistics.median(ratios),
        peak_mb=max(run.peak_mb for run in measured),
        floor_seconds=statistics.median(run.seconds for run in floors),
        floor_peak_mb=max(run.peak_mb for run in floors),
    )


def instructions(command: tuple[str, ...]) -> int | None:
    """Instructions `command` executes (callgrind), or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    # Go's asynchronous preemption signals trip callgrind; the count is the same without.
    env = {**CHILD_ENV, "GODEBUG": "asyncpreemptoff=1"}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        proc = subprocess.run(
            (valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", *command),
            capture_output=True,
            env=env,
            check=False,
        )
    found = re.search(rb"Collected : (\d+)", proc.stderr)
    return int(found.group(1)) if found else None


def with_namespace_if_needed(command: tuple[str, ...]) -> tuple[str, ...]:
    """`command`, plus `--namespace llm` only if it refuses to run without one."""
    probe = subprocess.run(command, capture_output=True, env=CHILD_ENV, check=False)
    if probe.returncode == EXIT_BAD_INPUT and b"--namespace" in probe.stdout + probe.stderr:
        return (*command, *FALLBACK_NAMESPACE)
    return command


def generated_tree(root: Path, releases: int, dispatch_source: Path, env_lines: int) -> int:
    """`releases` app folders; every 250th is a copy of the example dispatch app with
    its own Flux Kustomization (for its postBuild variables and namespace); the others
    are app-template releases with `env_lines` variables each. Returns the tree's bytes."""
    apps = root / "kubernetes" / "apps"
    flux = root / "kubernetes" / "flux"
    flux.mkdir(parents=True)
    env = "".join(OTHER_ENV_LINE.format(i=i) for i in range(env_lines))
    for n in range(releases):
        folder = apps / f"app{n}"
        folder.mkdir(parents=True)
        if n % 250 == 0:
            shutil.copytree(dispatch_source, folder, dirs_exist_ok=True)
            (flux / f"dispatch{n}.yaml").write_text(
                DISPATCH_KUSTOMIZATION.format(n=n), encoding="utf-8"
            )
        else:
            (folder / "helmrelease.yaml").write_text(
                OTHER_APP.format(n=n, env=env), encoding="utf-8"
            )
    return sum(path.stat().st_size for path in root.rglob("*.yaml"))


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"machine: {platform.node()}, {os.cpu_count()} cores ({cpu}), {platform.system()} "
        f"{platform.release()}, python {platform.python_version()}; load average {load}"
    )


class Reporter:
    """Prints one line per figure; counts instructions too when asked."""

    def __init__(self, count_instructions: bool) -> None:
        self.floor_instructions = instructions(floor_command()) if count_instructions else None
        if count_instructions and self.floor_instructions is None:
            print("(no valgrind: instruction counts left out)")

    def report(self, label: str, command: tuple[str, ...], figure: Figure, target: str) -> None:
        counted = ""
        if self.floor_instructions:
            count = instructions(command)
            if count is not None:
                counted = (
                    f"; {count / 1e9:.2f} G instructions, "
                    f"{count / self.floor_instructions:.2f}x the floor's"
                )
        print(
            f"{label}: {figure.seconds:.3f} s, {figure.ratio:.2f}x the floor "
            f"(floor {figure.floor_seconds:.3f} s in the same pairs; target {target}), "
            f"{figure.peak_mb:.0f} MB{counted}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="paired runs per figure")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (valgrind)"
    )
    args = parser.parse_args()
    runs: int = max(1, args.runs)
    real = REAL_RELEASE.exists()
    release = REAL_RELEASE if real else EXAMPLE_RELEASE
    trees = [tree for tree in REAL_TREES if tree.exists()] if real else [EXAMPLE_TREE]
    tree_of_release = trees[0]

    print(describe_machine())
    print(f"median of {runs} paired runs; floor = import helm_python + load + render {{}}")
    reporter = Reporter(args.instructions)
    if reporter.floor_instructions:
        print(f"floor: {reporter.floor_instructions / 1e9:.2f} G instructions")
    peaks: list[float] = []

    diff = with_namespace_if_needed(
        (*CLI, "diff", str(release), "--tree", str(tree_of_release), "--format", "json")
    )
    figure = paired(diff, runs)
    print(
        f"floor (import helm_python, load charts/dispatch, render {{}} once): "
        f"{figure.floor_seconds:.3f} s, {figure.floor_peak_mb:.0f} MB"
    )
    extra = " --namespace llm" if diff[-2:] == FALLBACK_NAMESPACE else ""
    reporter.report(
        f"diff --tree{extra} on {tree_of_release.name}", diff, figure, "<= 2.0x, aim 1.5x"
    )
    peaks += [figure.peak_mb, figure.floor_peak_mb]

    for tree in trees:
        migrate = with_namespace_if_needed((*CLI, "migrate", str(tree)))
        figure = paired(migrate, runs)
        extra = " --namespace llm" if migrate[-2:] == FALLBACK_NAMESPACE else ""
        reporter.report(f"migrate{extra} (dry run) on {tree.name}", migrate, figure, "<= 3x")
        peaks.append(figure.peak_mb)

    big_runs = max(1, runs // 3)
    generated: list[tuple[float, int]] = []
    for env_lines in (0, 12):
        with tempfile.TemporaryDirectory() as scratch:
            big = Path(scratch)
            size = generated_tree(big, 1000, EXAMPLE_RELEASE.parent, env_lines)
            command = with_namespace_if_needed((*CLI, "migrate", str(big)))
            figure = paired(command, big_runs)
            reporter.report(
                f"migrate (dry run) on a generated tree of 1,000 HelmReleases, 4 dispatch "
                f"({size / 1e6:.1f} MB of YAML)",
                command,
                figure,
                "< 2 s",
            )
        generated.append((figure.seconds, size))
        peaks.append(figure.peak_mb)
    (small_time, small_size), (large_time, large_size) = generated
    print(
        f"growth with the other files' size: {large_size / small_size:.1f}x the bytes cost "
        f"{large_time / small_time:.2f}x the time (1.00x: cost follows the dispatch releases)"
    )
    print(f"peak memory: {max(peaks):.0f} MB (target < 250 MB)")


if __name__ == "__main__":
    main()
