"""spool_prune: dead runs' spools go, live ones stay, and the folder is listed at most once per interval."""

from __future__ import annotations

import os
import tempfile
import time

from ansible_collections.alteryx.server.plugins.plugin_utils import _runlog


def _spool_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    return _runlog._spool("x").parent


def test_prune_removes_only_old_spools(tmp_path, monkeypatch):
    folder = _spool_folder(tmp_path, monkeypatch)
    old, fresh = folder / "old.jsonl", folder / "fresh.jsonl"
    old.write_text("{}\n")
    fresh.write_text("{}\n")
    week_ago = time.time() - 8 * 86400
    os.utime(old, (week_ago, week_ago))
    _runlog.spool_prune()
    assert not old.exists()
    assert fresh.exists()


def test_prune_lists_the_folder_once_per_interval(tmp_path, monkeypatch):
    folder = _spool_folder(tmp_path, monkeypatch)
    _runlog.spool_prune()
    late = folder / "late.jsonl"
    late.write_text("{}\n")
    week_ago = time.time() - 8 * 86400
    os.utime(late, (week_ago, week_ago))
    _runlog.spool_prune()
    assert late.exists(), "a second prune within the hour must not list the folder again"
    _runlog.spool_prune(every_seconds=0)
    assert not late.exists()
    assert (folder / ".pruned").exists()
