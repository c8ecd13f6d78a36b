"""Example and property tests for retention planning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import (
    MODES,
    archive_name,
    parse_archive_name,
    sidecar_name,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import (
    DEFAULT_RETENTION_DAYS,
    plan_retention,
)

NOW = datetime(2024, 6, 30, 12, 0, 0)


def _name(mode: str, days_ago: float) -> str:
    return archive_name(mode, NOW - timedelta(days=days_ago))


def test_defaults() -> None:
    """Default retention per mode is part of the documented behaviour."""
    assert DEFAULT_RETENTION_DAYS == {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}


def test_basic_plan_with_sidecars_and_foreign_files() -> None:
    """Old archives go with their sidecars; foreign files and orphan sidecars stay."""
    old_full = _name("Full", 40)
    newer_full = _name("Full", 35)
    newest_full = _name("Full", 1)
    old_db = _name("DatabaseOnly", 8)
    new_db = _name("DatabaseOnly", 2)
    orphan = sidecar_name(_name("Full", 100))
    names = [
        old_full,
        sidecar_name(old_full),
        newer_full,
        newest_full,
        sidecar_name(newest_full),
        old_db,
        new_db,
        orphan,
        "notes.txt",
        "ServerBackup_Full_20200101_000000.zip.bak",
        "BackupLog_Full_20200101_000000.log",
    ]
    plan = plan_retention(names, NOW)
    assert plan["delete"] == sorted([old_full, sidecar_name(old_full), newer_full, old_db])
    assert plan["keep"] == sorted([newest_full, new_db])
    assert plan["ignored"] == sorted(
        [orphan, "notes.txt", "ServerBackup_Full_20200101_000000.zip.bak", "BackupLog_Full_20200101_000000.log"]
    )
    assert set(plan["reasons"]) == {old_full, newer_full, newest_full, old_db, new_db}
    assert "older than 30-day" in plan["reasons"][old_full]


def test_newest_kept_even_when_expired() -> None:
    """A mode whose only backups are ancient still keeps its newest one."""
    a, b = _name("ConfigOnly", 400), _name("ConfigOnly", 300)
    plan = plan_retention([a, b], NOW)
    assert plan == {"delete": [a], "keep": [b], "ignored": [], "reasons": plan["reasons"]}


def test_min_keep() -> None:
    """min_keep protects the newest N per mode; 0 still protects one."""
    names = [_name("Full", d) for d in (50, 60, 70, 80)]
    assert len(plan_retention(names, NOW, min_keep=3)["keep"]) == 3
    assert len(plan_retention(names, NOW, min_keep=0)["keep"]) == 1
    assert len(plan_retention(names, NOW, min_keep=10)["keep"]) == 4


def test_future_archives_kept_and_do_not_count_towards_min_keep() -> None:
    """A clock-skewed future archive must not cost the newest real backup its protection."""
    future = _name("Full", -3)
    real = _name("Full", 90)
    plan = plan_retention([future, real], NOW)
    assert plan["keep"] == sorted([future, real])
    assert plan["delete"] == []
    assert "future" in plan["reasons"][future]


def test_retention_override_and_tags() -> None:
    """Overrides accept tags and merge over defaults."""
    a, b = _name("DatabaseOnly", 5), _name("DatabaseOnly", 3)
    assert plan_retention([a, b], NOW, retention_days={"db": 4})["delete"] == [a]
    assert plan_retention([a, b], NOW, retention_days={"Full": 1})["delete"] == []


def test_boundary_is_exclusive() -> None:
    """Exactly retention_days old is still kept; older is deleted."""
    on, past = _name("Full", 30), _name("Full", 30 + 1 / 86400)
    newest = _name("Full", 0)
    plan = plan_retention([on, past, newest], NOW)
    assert plan["delete"] == [past]


def test_modes_restriction() -> None:
    """Modes outside the selection are kept untouched."""
    full, db_old, db_new = _name("Full", 100), _name("DatabaseOnly", 100), _name("DatabaseOnly", 50)
    plan = plan_retention([full, db_old, db_new, _name("Full", 1)], NOW, modes=["Full"])
    assert plan["delete"] == [full]
    assert db_old in plan["keep"] and "not selected" in plan["reasons"][db_old]
    assert plan_retention([db_old, db_new], NOW, modes="db")["delete"] == [db_old]


def test_aware_now_uses_wall_clock() -> None:
    """Names carry local time, so an aware now is compared by its wall clock."""
    a, b = _name("Full", 31), _name("Full", 1)
    assert plan_retention([a, b], NOW.replace(tzinfo=UTC))["delete"] == [a]


def test_duplicates_are_harmless() -> None:
    """Repeated names do not produce repeated deletions."""
    a, b = _name("Full", 31), _name("Full", 1)
    assert plan_retention([a, a, b, b], NOW)["delete"] == [a]


@pytest.mark.parametrize(
    "kwargs",
    [{"min_keep": -1}, {"retention_days": {"Full": -1}}, {"retention_days": {"Full": "30"}}, {"min_keep": True}],
)
def test_invalid_numbers(kwargs: dict) -> None:
    """Negative or non-integer settings are programming errors."""
    with pytest.raises(ValueError):
        plan_retention([], NOW, **kwargs)


@pytest.mark.parametrize("kwargs", [{"retention_days": {"Weekly": 3}}, {"modes": ["Incremental"]}])
def test_invalid_modes(kwargs: dict) -> None:
    """Unknown modes are reported as invalid_mode."""
    with pytest.raises(AlteryxStepError) as info:
        plan_retention([], NOW, **kwargs)
    assert info.value.failure_class == "invalid_mode"


# --- property tests -------------------------------------------------------------------------

_offsets = st.integers(min_value=-5 * 86400, max_value=120 * 86400)  # seconds before NOW
_archives = st.builds(
    lambda mode, secs: archive_name(mode, NOW - timedelta(seconds=secs)), st.sampled_from(MODES), _offsets
)
_foreign = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["ServerBackup_Full_20240230_000000.zip", "ServerBackup_DB_20240101_000000.ZIP", "a.zip.sha256"]),
)


@st.composite
def _listing(draw: st.DrawFn) -> list[str]:
    archives = draw(st.lists(_archives, max_size=25))
    sidecars = [sidecar_name(a) for a in archives if draw(st.booleans())]
    orphans = [sidecar_name(a) for a in draw(st.lists(_archives, max_size=3))]
    return archives + sidecars + orphans + draw(st.lists(_foreign, max_size=5))


_retention = st.fixed_dictionaries({m: st.integers(min_value=0, max_value=60) for m in MODES})
_modes = st.one_of(st.none(), st.lists(st.sampled_from(MODES), min_size=1, unique=True))


def _by_mode(names: list[str]) -> dict[str, list]:
    grouped: dict[str, list] = {m: [] for m in MODES}
    for name in set(names):
        parsed = parse_archive_name(name)
        if parsed:
            grouped[parsed.mode].append(parsed)
    return grouped


@settings(max_examples=300)
@given(names=_listing(), days=_retention, min_keep=st.integers(min_value=0, max_value=5), modes=_modes)
def test_plan_properties(names: list[str], days: dict[str, int], min_keep: int, modes: list[str] | None) -> None:
    """Safety invariants hold for arbitrary listings."""
    plan = plan_retention(names, NOW, retention_days=days, min_keep=min_keep, modes=modes)
    deleted, kept = set(plan["delete"]), set(plan["keep"])

    assert not deleted & kept
    assert deleted <= set(names)
    assert not deleted & set(plan["ignored"])
    for name in deleted:
        # Never deletes anything that is not ours: an archive, or the sidecar of a deleted archive.
        archive = name.removesuffix(".sha256")
        assert parse_archive_name(archive) is not None
        assert archive in deleted

    for mode, items in _by_mode(names).items():
        if not items:
            continue
        newest = max(items, key=lambda a: (a.timestamp, a.name))
        assert newest.name in kept
        kept_here = [a for a in items if a.name in kept]
        assert len(kept_here) >= min(max(min_keep, 1), len(items))
        for item in items:
            assert (item.name in kept) != (item.name in deleted)
            if item.name in deleted:
                assert modes is None or mode in modes
                assert NOW - item.timestamp > timedelta(days=days[mode])

    remaining = [n for n in names if n not in deleted]
    again = plan_retention(remaining, NOW, retention_days=days, min_keep=min_keep, modes=modes)
    assert again["delete"] == []
    assert again["keep"] == plan["keep"]
