# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host log file of a run: entries collected from each step, rendered as text (pure logic)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
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


def render(entries: Iterable[dict[str, str]]) -> str:
    """Render entries as ``yyyy-MM-dd HH:mm:ss [LEVEL] message`` lines."""
    return "".join(f"{e['time']} [{e['level']}] {e['message']}\n" for e in entries)
