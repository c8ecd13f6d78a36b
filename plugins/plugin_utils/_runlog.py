# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host log file of a run: entries collected from each step, rendered as text (pure logic)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "SUCCESS")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def entry(level: str, message: str, when: datetime | None = None) -> dict[str, str]:
    """One log entry. Returned keys: ``time`` (``yyyy-MM-dd HH:mm:ss``), ``level``, ``message``."""
    if level not in LEVELS:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(LEVELS)}")
    return {"time": (when or datetime.now()).strftime(TIME_FORMAT), "level": level, "message": message}


def collect(step_results: Iterable[Any]) -> list[dict[str, str]]:
    """Gather the ``log`` entries of registered step results, in order; skips steps that did not run."""
    entries: list[dict[str, str]] = []
    for result in step_results:
        if isinstance(result, dict):
            entries.extend(e for e in result.get("log") or [] if isinstance(e, dict) and e.get("level") in LEVELS)
    return entries


def without_repeats(entries: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The entries in order, each (level, message) only the first time it occurs."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for e in entries:
        key = (e["level"], e["message"])
        if key not in seen:
            seen.add(key)
            kept.append(e)
    return kept


def visible(entries: Iterable[dict[str, str]], verbosity: int) -> list[dict[str, str]]:
    """The entries the host log shows at this verbosity: DEBUG lines only from -vvv on."""
    return [e for e in entries if e["level"] != "DEBUG" or verbosity >= 3]


def render(entries: Iterable[dict[str, str]]) -> str:
    """Render entries as ``yyyy-MM-dd HH:mm:ss [LEVEL] message`` lines."""
    return "".join(f"{e['time']} [{e['level']}] {e['message']}\n" for e in entries)


# --- the run's spool: entries waiting to be appended to the host log --------------------------------------
# Every step of a run appends its entries here (on the controller); the next host call carries the ones not
# yet written and its script appends them to the host log first thing, so the log trails the run by one step
# and a run that dies leaves a log up to its last host call. Steps of one host run one after the other, so a
# file per run id needs no locking.

def _spool(run_id: str) -> Path:
    folder = Path(tempfile.gettempdir()) / f"alteryx.server-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', run_id)}.jsonl"


def spool_add(run_id: str, entries: Iterable[dict[str, str]]) -> None:
    """Append ``entries`` to the run's spool."""
    lines = "".join(json.dumps(e) + "\n" for e in entries if isinstance(e, dict) and e.get("level") in LEVELS)
    if lines:
        with open(_spool(run_id), "a", encoding="utf-8") as fh:
            fh.write(lines)


def spool_read(run_id: str) -> tuple[list[dict[str, str]], int]:
    """All entries of the run so far and how many of them are already in the host log."""
    path = _spool(run_id)
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []
    sent = path.with_suffix(".sent")
    return entries, int(sent.read_text()) if sent.is_file() else 0


def spool_mark_sent(run_id: str, count: int) -> None:
    """Record that the first ``count`` entries are in the host log."""
    _spool(run_id).with_suffix(".sent").write_text(str(count))


def spool_prune(max_age_seconds: float = 7 * 86400, every_seconds: float = 3600) -> None:
    """Remove spools of runs that died long ago (a run's own spool goes with its last step).

    At most once per ``every_seconds`` (a marker file's time says when it last ran): every host of every run calls
    this, and a folder of thousands of dead spools would otherwise be listed and stat'ed once per host."""
    folder = _spool("x").parent
    now = datetime.now().timestamp()
    marker = folder / ".pruned"
    try:
        if now - marker.stat().st_mtime < every_seconds:
            return
    except FileNotFoundError:
        pass
    marker.touch()
    cutoff = now - max_age_seconds
    for file in folder.iterdir():
        if file == marker:
            continue
        try:
            stale = file.stat().st_mtime < cutoff
        except FileNotFoundError:
            continue  # another host's run removed its spool between the listing and the stat
        if stale:
            file.unlink(missing_ok=True)


def spool_remove(run_id: str) -> None:
    """Forget the run's spool (its log is complete)."""
    path = _spool(run_id)
    for file in (path, path.with_suffix(".sent")):
        file.unlink(missing_ok=True)
