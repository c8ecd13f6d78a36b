"""Fixtures of the winsim tests: tests/winsim on sys.path, the collection loader, a fresh fleet per test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

WINSIM = Path(__file__).resolve().parents[1]
REPO = WINSIM.parents[1]

os.environ.setdefault("ANSIBLE_CONFIG", str(REPO / "ansible.cfg"))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", os.pathsep.join([str(REPO / ".build" / "collections"), str(WINSIM)]))
if str(WINSIM) not in sys.path:
    sys.path.insert(0, str(WINSIM))

from winsim_engine import argspec  # noqa: E402

argspec.ensure_collection_loader()

import winsim_engine.fakes  # noqa: E402,F401  (loading the fakes adapts argspec to Legacy modules, as at run time)
from winsim_engine.fleet import new_fleet  # noqa: E402
from winsim_engine.host import Host  # noqa: E402


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A fleet of one controller and one worker; returns its inventory path."""
    return new_fleet(tmp_path / "fleet", workers=1)


@pytest.fixture
def host(fleet: Path) -> Host:
    """The controller of ``fleet``."""
    return Host(fleet.parent / "hosts" / "controller")
