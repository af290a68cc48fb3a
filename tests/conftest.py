"""Shared fixtures: where the repository and ../shared are.

CI has ../shared beside the checkout; a fresh clone may not, so tests that
need it skip with a reason instead of failing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# A copy of the tree elsewhere (mutation testing runs one) names it; a checkout has it beside.
SHARED_DIR = Path(os.environ.get("APPT2DISPATCH_SHARED_DIR") or REPO_ROOT.parent / "shared")
CHART_DIR = REPO_ROOT / "src" / "appt2dispatch" / "charts" / "dispatch"
FIXTURES_DIR = REPO_ROOT / "fixtures"
SKIP_NO_SHARED = "../shared is not beside this checkout (a fresh clone): corpus tests skipped"


def corpus_releases() -> list[Path]:
    """Every dispatch HelmRelease of the corpus that is valid YAML (for parametrize)."""
    history = SHARED_DIR / "corpus" / "home-ops-history"
    if not history.is_dir():
        return []
    return sorted(
        path
        for path in history.glob("*.yaml")
        if not path.name.endswith(".ocirepository.yaml")
        and "heartbeat" not in path.name
        and "3c4767809" not in path.name
    )


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(SKIP_NO_SHARED)
    return SHARED_DIR


@pytest.fixture
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"


@pytest.fixture
def goldens_dir(shared_dir: Path) -> Path:
    return shared_dir / "goldens" / "app-template-4.1.1"


@pytest.fixture
def chart_dir() -> Path:
    return CHART_DIR


@pytest.fixture(autouse=True)
def private_state_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Locks and journals live in the user cache (write.lock): give each test its own."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache
