from __future__ import annotations

from pathlib import Path

import pytest

from migrate.migrate_support import ERA_TREE, SHARED_TREE, copy_tree


@pytest.fixture
def era_tree(corpus_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the app-template-era tree (dedicated OCIRepository)."""
    return copy_tree(corpus_dir / ERA_TREE, tmp_path / "era")


@pytest.fixture
def shared_tree(corpus_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the shared-OCIRepository-era tree."""
    return copy_tree(corpus_dir / SHARED_TREE, tmp_path / "shared")
