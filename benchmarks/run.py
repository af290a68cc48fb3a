"""Print how fast appt2dispatch is on this machine (figures, not pass/fail).

    python benchmarks/run.py [--runs N]

- floor: a process that only loads the Helm engine and renders charts/dispatch once;
- diff: `appt2dispatch diff` on the real home-ops release (median of N runs) and its
  ratio to the floor (target: at most 2x);
- migrate: dry run on the real home-ops tree and on a generated tree of 1,000
  HelmReleases, a few of them dispatch (target: discovery under 2 s);
- peak memory (max RSS) of each child process (target: under 250 MB).

Uses ../shared when it is beside the checkout, else the bundled example.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLE_TREE = REPO / "examples" / "home-ops"
EXAMPLE_RELEASE = (
    EXAMPLE_TREE / "kubernetes" / "apps" / "base" / "tools" / "dispatch" / "helmrelease.yaml"
)
REAL_TREE_RELEASE = "kubernetes/apps/base/llm/dispatch/helmrelease.yaml"
# The release as it sits in its repository (its directory holds its own manifests only).
REAL_RELEASE = SHARED / "corpus" / "home-ops-tree-app-template-era" / REAL_TREE_RELEASE
REAL_TREE = SHARED / "corpus" / "home-ops-tree-app-template-era"
CLI = [sys.executable, "-m", "appt2dispatch"]
# As a user runs it: an installed package has its bytecode cached.
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

FLOOR_SCRIPT = """
from appt2dispatch.render.dispatch_chart import render_dispatch
render_dispatch({}, release_name="dispatch", namespace="llm")
"""

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
    service:
      app:
        ports:
          http: {{port: 80}}
"""


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


def timed_run(command: list[str]) -> tuple[float, int, float]:
    """Wall seconds, exit code and peak RSS (MB) of one child process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=CHILD_ENV)
        # wait4, not wait: it returns this child's own resource usage (max RSS in KiB).
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
    return elapsed, proc.returncode, usage.ru_maxrss / 1024


def median_run(command: list[str], runs: int) -> tuple[float, float]:
    timed_run(command)  # warm-up: bytecode caches written, files in the page cache
    times, peaks = [], []
    for _ in range(runs):
        elapsed, _, rss = timed_run(command)
        times.append(elapsed)
        peaks.append(rss)
    return statistics.median(times), max(peaks)


def generated_tree(root: Path, releases: int, dispatch_source: Path) -> None:
    """`releases` app folders; every 250th is a copy of the example dispatch app with
    its own Flux Kustomization (for its postBuild variables and namespace)."""
    apps = root / "kubernetes" / "apps"
    flux = root / "kubernetes" / "flux"
    flux.mkdir(parents=True)
    for n in range(releases):
        folder = apps / f"app{n}"
        folder.mkdir(parents=True)
        if n % 250 == 0:
            shutil.copytree(dispatch_source, folder, dirs_exist_ok=True)
            (flux / f"dispatch{n}.yaml").write_text(
                DISPATCH_KUSTOMIZATION.format(n=n), encoding="utf-8"
            )
        else:
            (folder / "helmrelease.yaml").write_text(OTHER_APP.format(n=n), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    release = REAL_RELEASE if REAL_RELEASE.exists() else EXAMPLE_RELEASE
    tree = REAL_TREE if REAL_TREE.exists() else EXAMPLE_TREE
    release_dir = EXAMPLE_RELEASE.parent

    floor, floor_rss = median_run([sys.executable, "-c", FLOOR_SCRIPT], args.runs)
    diff_time, diff_rss = median_run([*CLI, "diff", str(release), "--namespace", "llm"], args.runs)
    tree_time, tree_rss = median_run([*CLI, "migrate", str(tree), "--namespace", "llm"], args.runs)
    with tempfile.TemporaryDirectory() as scratch:
        big = Path(scratch)
        generated_tree(big, 1000, release_dir)
        big_time, big_rss = median_run(
            [*CLI, "migrate", str(big), "--namespace", "llm"], max(1, args.runs // 2)
        )

    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    print(
        f"floor (load Helm engine + render charts/dispatch once): {floor:.3f} s, {floor_rss:.0f} MB"
    )
    print(
        f"diff on {release.name}: {diff_time:.3f} s (median of {args.runs}), "
        f"{diff_time / floor:.2f}x the floor (target <= 2x), {diff_rss:.0f} MB"
    )
    print(f"migrate dry run on {tree.name}: {tree_time:.3f} s, {tree_rss:.0f} MB")
    print(
        f"migrate dry run on a generated tree of 1,000 HelmReleases (4 dispatch): "
        f"{big_time:.3f} s (target: discovery < 2 s), {big_rss:.0f} MB"
    )
    peak = max(floor_rss, diff_rss, tree_rss, big_rss)
    print(f"peak memory: {peak:.0f} MB (target < 250 MB)")


if __name__ == "__main__":
    main()
