"""Make ``ansible_collections.alteryx.server`` importable from the checkout, without installing it.

A symlink ``.build/collections/ansible_collections/alteryx/server`` points back at the repo root
and ``.build/collections`` goes first on ``sys.path``. ``ansible_collections`` and ``alteryx``
stay namespace packages (no ``__init__.py``), so they merge with the ``ansible_collections``
tree the ``ansible`` package installs into site-packages.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_DIR = REPO_ROOT / ".build" / "collections"
# Relative so the link survives the checkout being moved or mounted elsewhere.
LINK_TARGET = os.path.join("..", "..", "..", "..")


def _ensure_collection_link() -> None:
    """Create the namespace dirs and the ``server`` symlink if missing (safe under pytest-xdist races)."""
    namespace_dir = COLLECTIONS_DIR / "ansible_collections" / "alteryx"
    namespace_dir.mkdir(parents=True, exist_ok=True)
    link = namespace_dir / "server"
    if link.is_symlink() and os.readlink(link) == LINK_TARGET:
        return
    if link.is_symlink():
        link.unlink()
    # Another xdist worker may win the race; it creates the same link.
    with contextlib.suppress(FileExistsError):
        link.symlink_to(LINK_TARGET, target_is_directory=True)


def _ensure_sys_path() -> None:
    """Put the build tree first so this checkout wins over any installed copy; tests/tools holds shared test helpers."""
    path = str(COLLECTIONS_DIR)
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)
    tools = str(Path(__file__).resolve().parents[1] / "tools")
    if tools not in sys.path:
        sys.path.append(tools)


_ensure_collection_link()
_ensure_sys_path()
