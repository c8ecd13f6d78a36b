"""Fixtures of the verifier's tests (helpers live in tests/tools/verify_archives.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from verify_archives import Built, build_archive


@pytest.fixture
def full(tmp_path: Path) -> Built:
    """A fresh Full archive of an all-in-one controller with embedded MongoDB, its sidecar and manifest copy."""
    return build_archive(tmp_path / "backups")
