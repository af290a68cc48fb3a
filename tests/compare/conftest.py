"""The golden old side compare tests start from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appt2dispatch.render.manifests import parse_manifests

# The newest dispatch release of the corpus: reloader annotation, lanes, HTTPRoute, digest pin.
GOLDEN_STEM = "26-2026-07-02-dispatch-da5427f22"


@pytest.fixture
def golden_objects(goldens_dir: Path) -> list[dict[str, Any]]:
    """app-template 4.1.1's real render of the newest dispatch release (skips without ../shared)."""
    path = goldens_dir / f"{GOLDEN_STEM}.rendered.yaml"
    return [dict(obj) for obj in parse_manifests(path.read_text(), source=str(path))]
