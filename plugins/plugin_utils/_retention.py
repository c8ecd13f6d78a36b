"""Retention planning for backup archives: decide which files to delete, never delete them here.

The plan is computed from file names only (the timestamp embedded in the name, not file
mtimes, which copies and restores reset). Anything that is not one of our archive names is
reported as ignored and never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from ansible_collections.alteryx.server.plugins.plugin_utils._naming import (
    MODES,
    SIDECAR_SUFFIX,
    ArchiveName,
    normalize_mode,
    parse_archive_name,
)

DEFAULT_RETENTION_DAYS: dict[str, int] = {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}


def _checked_int(value: object, what: str) -> int:
    """Return ``value`` if it is a non-negative int (bools rejected), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _resolve_retention(retention_days: Mapping[str, int] | None) -> dict[str, int]:
    """Merge ``retention_days`` (keys: modes or tags, any case) over the defaults."""
    days = dict(DEFAULT_RETENTION_DAYS)
    for key, value in (retention_days or {}).items():
        mode = normalize_mode(key)
        days[mode] = _checked_int(value, f"retention days for {mode}")
    return days


def _is_attached_sidecar(name: str, names: set[str]) -> bool:
    """True if ``name`` is ``<archive>.sha256`` for one of our archives that is also in ``names``."""
    if not name.endswith(SIDECAR_SUFFIX):
        return False
    base = name[: -len(SIDECAR_SUFFIX)]
    return base in names and parse_archive_name(base) is not None


def _age_text(age: timedelta) -> str:
    """Render an age as whole days plus hours, which is what admins reason about."""
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24}d {hours % 24}h"


def plan_retention(
    names: Iterable[str],
    now: datetime,
    retention_days: Mapping[str, int] | None = None,
    min_keep: int = 1,
    modes: Iterable[str] | None = None,
) -> dict:
    """Plan which backup archives (and their ``.sha256`` sidecars) to delete.

    Per mode, an archive older than ``retention_days[mode]`` is deleted, except that the newest
    ``max(min_keep, 1)`` archives not dated in the future are always kept, and archives dated
    in the future are always kept. Modes outside ``modes`` (default: all) are kept untouched.
    If ``now`` is timezone-aware its wall-clock time is used, because names carry local time.

    Returns a dict with keys:
        delete: sorted file names to delete (archives plus their sidecars present in ``names``).
        keep: sorted archive names kept.
        ignored: sorted names that are not ours (including orphan sidecars); never deleted.
        reasons: archive name -> human readable reason for its keep/delete decision.

    Raises ValueError for a negative ``min_keep`` or retention, AlteryxStepError (invalid_mode)
    for an unknown mode in ``retention_days`` or ``modes``.
    """
    keep_count = max(_checked_int(min_keep, "min_keep"), 1)
    days = _resolve_retention(retention_days)
    if isinstance(modes, str):
        # A bare string would otherwise be iterated character by character.
        modes = [modes]
    selected = set(MODES) if modes is None else {normalize_mode(m) for m in modes}
    wall_now = now.replace(tzinfo=None)

    unique = set(names)
    archives: dict[str, list[ArchiveName]] = {mode: [] for mode in MODES}
    ignored: list[str] = []
    for name in unique:
        parsed = parse_archive_name(name)
        if parsed is not None:
            archives[parsed.mode].append(parsed)
        elif not _is_attached_sidecar(name, unique):
            # Orphan sidecars land here too: with no archive to follow they are not ours to
            # delete, and they may be the only record of a checksum someone still needs.
            ignored.append(name)

    delete: list[str] = []
    keep: list[str] = []
    reasons: dict[str, str] = {}
    for mode, items in archives.items():
        if mode not in selected:
            for item in items:
                keep.append(item.name)
                reasons[item.name] = f"mode {mode} not selected for retention"
            continue
        limit = timedelta(days=days[mode])
        future = [a for a in items if a.timestamp > wall_now]
        # The protected newest N are counted among real (non-future) archives, so one
        # clock-skewed future-dated file cannot leave a mode without a usable backup.
        past = sorted((a for a in items if a.timestamp <= wall_now), key=lambda a: (a.timestamp, a.name), reverse=True)
        for item in future:
            keep.append(item.name)
            reasons[item.name] = "dated in the future; kept"
        for index, item in enumerate(past):
            age = wall_now - item.timestamp
            if index < keep_count:
                keep.append(item.name)
                reasons[item.name] = f"among newest {keep_count} {mode} archive(s); kept (age {_age_text(age)})"
            elif age > limit:
                delete.append(item.name)
                sidecar = item.name + SIDECAR_SUFFIX
                if sidecar in unique:
                    delete.append(sidecar)
                reasons[item.name] = f"older than {days[mode]}-day {mode} retention (age {_age_text(age)}); deleted"
            else:
                keep.append(item.name)
                reasons[item.name] = f"within {days[mode]}-day {mode} retention (age {_age_text(age)}); kept"

    return {"delete": sorted(delete), "keep": sorted(keep), "ignored": sorted(ignored), "reasons": reasons}
