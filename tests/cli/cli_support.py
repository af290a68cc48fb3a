"""Running the CLI in tests: in-process through click's runner, or as a real process."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from appt2dispatch.cli import cli

LANES_JSON = (
    '{"lanes":[{"id":"local","title":"Local","claimable":true,"role":"default"},'
    '{"id":"backlog","title":"Backlog","claimable":false}],"laneAliases":{"normal":"local"}}'
)

RELEASE = f"""\
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: dispatch
spec:
  chartRef:
    kind: OCIRepository
    name: dispatch
  interval: 15m
  values:
    controllers:
      dispatch:
        containers:
          app:
            image:
              repository: ghcr.io/misospace/dispatch
              tag: 0.5.17
            env:
              DISPATCH_GROOMER_MODEL: vision
              DISPATCH_LANE_CONFIG_JSON: '{LANES_JSON}'
              DATABASE_URL:
                valueFrom:
                  secretKeyRef:
                    name: dispatch-app
                    key: uri
            envFrom:
              - secretRef:
                  name: dispatch
    service:
      app:
        ports:
          http:
            port: 3000
"""
"""A small dispatch release the whole pipeline handles (verdict: no behaviour change)."""


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: str | bytes | None = None) -> Outcome:
    """The CLI in-process (click's runner); exceptions the CLI lets escape are re-raised."""
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str, cwd: Path, stdin: bytes | None = None) -> Outcome:
    """The CLI as a user runs it: `python -m appt2dispatch ...` in its own process."""
    completed = subprocess.run(
        [sys.executable, "-m", "appt2dispatch", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return Outcome(
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative path -> content), to prove nothing was written."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
