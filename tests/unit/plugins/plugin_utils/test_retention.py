"""Example and property tests for retention planning: never delete the last good backup."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import MODES, archive_name, parse_archive_name
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import (
    BAD,
    DEFAULT_RETENTION_DAYS,
    GOOD,
    UNKNOWN,
    FileHash,
    ListedArchive,
    RetentionPlan,
    archives_from_listing,
    hashes_from_host,
    judge,
    path_key,
    plan_retention,
    resolve_retention_days,
    sidecar_digest,
)

NOW = datetime(2024, 6, 30, 12, 0, 0)
FOLDER = "D:\\Alteryx\\Backups"
BIG = 200_000  # above every default minimum archive size


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _arc(mode: str, days_ago: float, *, folder: str = FOLDER, size: int = BIG, sidecar: str | None = "ok",
         manifest: bool = True) -> ListedArchive:
    """An archive ``days_ago`` old; ``sidecar``: 'ok' (right hash), 'wrong' (well-formed, other hash), None (absent)
    or the literal first line."""
    name = archive_name(mode, NOW - timedelta(days=days_ago))
    text = {"ok": f"{_digest(name)}  {name}", "wrong": f"{'0' * 64}  {name}", None: ""}.get(sidecar, sidecar)
    return ListedArchive(folder, name, size, sidecar is not None, text or "", manifest)


def _truth(archive: ListedArchive) -> FileHash:
    """What hashing the archive on the host gives: the content of every archive here hashes to _digest(name)."""
    return FileHash(_digest(archive.name))


def _settle(archives: list[ListedArchive], now: datetime = NOW, truth=_truth, **kwargs) -> tuple[RetentionPlan, list[list[str]]]:
    """Plan as the action does: hash what the plan asks for until it asks for nothing. Returns the plan and the rounds."""
    by_key = {path_key(a.path): a for a in archives}
    hashes: dict[str, FileHash] = {}
    rounds: list[list[str]] = []
    plan = plan_retention(archives, now, **kwargs)
    while plan.need_hash:
        assert not [p for p in plan.need_hash if path_key(p) in hashes], "asked twice for a hash"
        assert len(rounds) <= len(archives), "hash rounds do not converge"
        rounds.append(plan.need_hash)
        hashes.update({path_key(p): truth(by_key[path_key(p)]) for p in plan.need_hash})
        previous = set(plan.delete)
        plan = plan_retention(archives, now, hashes=hashes, **kwargs)
        assert previous <= set(plan.delete), "a plan with fewer hashes deleted something a later one keeps"
    return plan, rounds


def test_defaults() -> None:
    """Default retention per mode is part of the documented behaviour."""
    assert DEFAULT_RETENTION_DAYS == {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}


# --- judging one archive ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "digest"), [
    ("ab" * 32 + "  ServerBackup_Full_20240101_000000.zip", "ab" * 32),   # what alteryx_archive.ps1 writes
    ("AB" * 32 + " *ServerBackup_Full_20240101_000000.zip", "ab" * 32),   # sha256sum binary form, upper case
    ("ab" * 32, "ab" * 32),                                               # the hash alone
    ("ab" * 32 + "  serverbackup_full_20240101_000000.ZIP", "ab" * 32),   # NTFS names are case-insensitive
])
def test_well_formed_sidecars(line: str, digest: str) -> None:
    archive = ListedArchive(FOLDER, "ServerBackup_Full_20240101_000000.zip", BIG, True, line, True)
    assert sidecar_digest(archive) == (digest, "")


@pytest.mark.parametrize(("has", "line", "why"), [
    (False, "", "has no .sha256 sidecar"),
    (True, "", "is not '<64 hex digits>"),
    (True, "ab" * 31 + "  ServerBackup_Full_20240101_000000.zip", "is not '<64 hex digits>"),
    (True, "zz" * 32, "is not '<64 hex digits>"),
    (True, "ab" * 32 + "  ServerBackup_Full_20230101_000000.zip", "is for another file"),
])
def test_unusable_sidecars(has: bool, line: str, why: str) -> None:
    archive = ListedArchive(FOLDER, "ServerBackup_Full_20240101_000000.zip", BIG, has, line, True)
    digest, problem = sidecar_digest(archive)
    assert digest == "" and why in problem


def test_judge() -> None:
    good = _arc("Full", 1)
    assert judge(good, "Full", 100, False, None) == (UNKNOWN, "SHA256 not checked")
    assert judge(good, "Full", 100, False, _truth(good))[0] == GOOD
    assert judge(good, "Full", 100, False, FileHash("1" * 64)) == (
        BAD, f"its SHA256 {'1' * 64} differs from its sidecar's {_digest(good.name)}")
    assert judge(good, "Full", 100, False, FileHash("", "locked")) == (BAD, "its SHA256 could not be computed: locked")
    assert judge(good, "Full", BIG + 1, False, None) == (BAD, f"it is {BIG} bytes, below the minimum of {BIG + 1} for Full")
    empty = _arc("Full", 1, size=0, sidecar=None, manifest=False)
    status, why = judge(empty, "Full", 100, False, None)
    assert status == BAD and why.count(";") == 2, why  # every cheap problem is named
    assert judge(empty, "Full", 100, True, None) == (GOOD, "verified by this run")


# --- the incident and the hashing budget -------------------------------------------------------------------

def test_zero_byte_newest_does_not_cost_the_last_good_backup() -> None:
    """A 0-byte archive from yesterday is not a backup: the newest real one survives although expired."""
    old40, old50 = _arc("Full", 40), _arc("Full", 50)
    empty = _arc("Full", 1, size=0, sidecar=None, manifest=False)
    plan, rounds = _settle([old40, old50, empty])
    assert rounds == [[old40.path]]
    assert plan.keep == sorted([old40.path, empty.path])
    assert plan.delete == [old50.path, old50.path + ".sha256"]
    assert "among the newest 1 good Full archive(s) (SHA256 matches its sidecar)" in plan.reasons[old40.path]
    [warning] = plan.warnings
    assert warning.startswith(f"{empty.path} does not verify: ") and warning.endswith("; not counted as a good backup")
    assert "0 bytes, below the minimum of 102400 for Full" in warning


def test_nothing_is_hashed_when_nothing_is_older_than_the_retention() -> None:
    archives = [_arc("Full", d) for d in (1, 5, 29)] + [_arc("Full", 2, sidecar="wrong")]
    plan, rounds = _settle(archives)
    assert rounds == [] and plan.delete == [] and len(plan.keep) == 4
    assert plan.warnings == [], "an archive that was never hashed is not known to be bad"


def test_nothing_is_hashed_when_the_newest_is_verified() -> None:
    """The usual run: this run's archive is verified, min_keep 1 - the expired ones go without any hashing."""
    new = _arc("Full", 0)
    old = [_arc("Full", d) for d in (31, 40, 50)] + [_arc("Full", 35, sidecar="wrong")]
    plan, rounds = _settle([new, *old], verified=[new.path.upper()])
    assert rounds == []
    assert plan.keep == [new.path]
    assert set(plan.delete) == {p for a in old for p in (a.path, a.path + ".sha256")}


def test_only_the_newest_candidate_is_hashed_when_it_verifies() -> None:
    new = _arc("Full", 1)
    old = [_arc("Full", d) for d in (31, 40, 50, 60)]
    plan, rounds = _settle([new, *old])
    assert rounds == [[new.path]]
    assert plan.keep == [new.path] and len(plan.delete) == 8


def test_a_candidate_that_fails_brings_in_the_next_one() -> None:
    """Newest two fail their hash (one mismatch, one unreadable): each round checks the next older candidate."""
    wrong, unreadable = _arc("Full", 2, sidecar="wrong"), _arc("Full", 20)
    old40, old50, old60 = _arc("Full", 40), _arc("Full", 50), _arc("Full", 60)

    def truth(a: ListedArchive) -> FileHash:
        return FileHash("", "The process cannot access the file") if a == unreadable else _truth(a)

    plan, rounds = _settle([wrong, unreadable, old40, old50, old60], truth=truth)
    assert rounds == [[wrong.path], [unreadable.path], [old40.path]]
    assert plan.keep == sorted([wrong.path, unreadable.path, old40.path])
    assert set(plan.delete) == {old50.path, old50.path + ".sha256", old60.path, old60.path + ".sha256"}
    assert len(plan.warnings) == 2
    assert any("differs from its sidecar's" in w for w in plan.warnings)
    assert any("could not be computed: The process cannot access the file" in w for w in plan.warnings)


def test_an_older_verified_archive_is_protected_only_if_no_newer_one_verifies() -> None:
    """min_keep counts the newest good archives: a newer unhashed one is checked before an older verified one is kept."""
    newer, older = _arc("Full", 1), _arc("Full", 40)
    plan, rounds = _settle([newer, older], verified=[older.path])
    assert rounds == [[newer.path]] and plan.delete == [older.path, older.path + ".sha256"]
    plan, rounds = _settle([newer, older], verified=[older.path], truth=lambda a: FileHash("0" * 64))
    assert rounds == [[newer.path]] and plan.delete == [] and plan.warnings


def test_min_keep_protects_the_newest_good_ones() -> None:
    archives = [_arc("Full", d) for d in (50, 60, 70, 80)] + [_arc("Full", 55, size=10)]
    for min_keep, kept in ((0, 1), (1, 1), (3, 3), (10, 4)):
        plan, _ = _settle(archives, min_keep=min_keep)
        assert len([p for p in plan.keep if "55" not in p]) == kept
        assert archives[-1].path in plan.delete, "a bad archive never counts towards min_keep"


def test_undecided_archives_are_kept_before_hashing() -> None:
    """A plan is safe at every stage: whatever still depends on a hash is kept."""
    archives = [_arc("Full", d) for d in (40, 50)]
    plan = plan_retention(archives, NOW)
    assert plan.need_hash == [archives[0].path]
    assert plan.delete == [] and "kept until SHA256 checks decide" in plan.reasons[archives[1].path]


def test_bad_expired_archives_are_deleted_without_hashing() -> None:
    good = _arc("Full", 35)
    bad = [_arc("Full", 40, size=0, sidecar=None, manifest=False), _arc("Full", 45, sidecar="not a hash")]
    plan, rounds = _settle([good, *bad])
    assert rounds == [[good.path]]
    assert plan.delete == sorted([bad[0].path, bad[1].path, bad[1].path + ".sha256"])
    assert "it does not verify" in plan.reasons[bad[1].path]


def test_future_archives_are_kept_and_do_not_count_towards_min_keep() -> None:
    """A clock-skewed future archive must not cost the newest real backup its protection."""
    future, bad_future, real = _arc("Full", -3), _arc("Full", -4, size=0), _arc("Full", 90)
    plan, rounds = _settle([future, bad_future, real])
    assert rounds == [[real.path]]
    assert plan.keep == sorted([future.path, bad_future.path, real.path]) and plan.delete == []
    assert "future" in plan.reasons[future.path]
    assert [w for w in plan.warnings if w.startswith(bad_future.path)]


def test_each_folder_keeps_its_own_good_backup() -> None:
    share = "\\\\nas\\backups\\controller"
    local = [_arc("Full", 1, size=0), _arc("Full", 40), _arc("Full", 50)]
    remote = [_arc("Full", 1, folder=share), _arc("Full", 40, folder=share)]
    plan, _ = _settle(local + remote)
    assert plan.keep == sorted([local[0].path, local[1].path, remote[0].path])
    assert plan.delete == sorted([local[2].path, local[2].path + ".sha256", remote[1].path, remote[1].path + ".sha256"])


def test_sidecar_deleted_only_when_present() -> None:
    new, old = _arc("Full", 0), _arc("Full", 40, sidecar=None)
    assert _settle([new, old], verified=[new.path])[0].delete == [old.path]


def test_names_not_ours_are_ignored() -> None:
    odd = ListedArchive(FOLDER, "ServerBackup_Full_20240230_000000.zip", BIG, True, "", True)  # no such date
    copy = ListedArchive(FOLDER, "ServerBackup_Full_20200101_000000 (1).zip", BIG, False, "", True)
    plan, _ = _settle([odd, copy, _arc("Full", 0)])
    assert plan.ignored == sorted([odd.path, copy.path]) and plan.delete == []


# --- settings ------------------------------------------------------------------------------------------------

def test_retention_days_as_one_number_or_per_mode() -> None:
    assert resolve_retention_days(3) == {"Full": 3, "DatabaseOnly": 3, "ConfigOnly": 3}
    assert resolve_retention_days({"db": 4, "Config": 1}) == {"Full": 30, "DatabaseOnly": 4, "ConfigOnly": 1}
    assert resolve_retention_days(None) == DEFAULT_RETENTION_DAYS
    a, b, new = _arc("DatabaseOnly", 5), _arc("DatabaseOnly", 3), _arc("DatabaseOnly", 0)
    assert _settle([a, b, new], verified=[new.path], retention_days={"db": 4})[0].delete == [a.path, a.path + ".sha256"]
    assert _settle([a, b, new], verified=[new.path], retention_days=4)[0].delete == [a.path, a.path + ".sha256"]
    assert _settle([a, b, new], verified=[new.path], retention_days={"Full": 1})[0].delete == []


def test_min_bytes_per_mode_with_tags() -> None:
    small = _arc("ConfigOnly", 1, size=5000)
    assert judge(small, "ConfigOnly", 1024, False, None)[0] == UNKNOWN
    plan = plan_retention([small], NOW, min_bytes={"Config": 6000})
    assert plan.warnings and "below the minimum of 6000 for ConfigOnly" in plan.warnings[0]


def test_boundary_is_exclusive() -> None:
    """Exactly retention_days old is still kept; older is deleted."""
    on, past, newest = _arc("Full", 30), _arc("Full", 30 + 1 / 86400), _arc("Full", 0)
    assert _settle([on, past, newest], verified=[newest.path])[0].delete == [past.path, past.path + ".sha256"]


def test_modes_restriction() -> None:
    """Modes outside the selection are kept untouched and not judged."""
    full, db_old, db_bad = _arc("Full", 100), _arc("DatabaseOnly", 100), _arc("DatabaseOnly", 1, size=0)
    new = _arc("Full", 0)
    plan, rounds = _settle([full, db_old, db_bad, new], modes=["Full"], verified=[new.path])
    assert rounds == [] and plan.warnings == []
    assert plan.delete == [full.path, full.path + ".sha256"]
    assert "not selected" in plan.reasons[db_old.path]
    assert _settle([db_old, db_bad], modes="db")[0].keep == sorted([db_old.path, db_bad.path])


def test_aware_now_uses_wall_clock() -> None:
    """Names carry local time, so an aware now is compared by its wall clock."""
    a, b = _arc("Full", 31), _arc("Full", 1)
    assert _settle([a, b], NOW.replace(tzinfo=UTC), verified=[b.path])[0].delete == [a.path, a.path + ".sha256"]


def test_duplicates_are_harmless() -> None:
    """A folder given twice (in another case) does not produce repeated deletions."""
    a, b = _arc("Full", 31), _arc("Full", 1)
    twice = ListedArchive(FOLDER.upper() + "\\", a.name, a.size, a.has_sidecar, a.sidecar, a.has_manifest)
    assert _settle([a, twice, b, b], verified=[b.path])[0].delete == [a.path, a.path + ".sha256"]


@pytest.mark.parametrize(
    "kwargs",
    [{"min_keep": -1}, {"retention_days": {"Full": -1}}, {"retention_days": {"Full": "30"}}, {"min_keep": True},
     {"retention_days": -2}, {"retention_days": "30"}, {"retention_days": [30]}, {"min_bytes": {"Full": -1}}],
)
def test_invalid_numbers(kwargs: dict) -> None:
    """Negative or non-integer settings are programming errors."""
    with pytest.raises(ValueError):
        plan_retention([], NOW, **kwargs)


@pytest.mark.parametrize("kwargs", [{"retention_days": {"Weekly": 3}}, {"modes": ["Incremental"]},
                                    {"min_bytes": {"Hourly": 1}}])
def test_invalid_modes(kwargs: dict) -> None:
    """Unknown modes are reported as invalid_mode."""
    with pytest.raises(AlteryxStepError) as info:
        plan_retention([], NOW, **kwargs)
    assert info.value.failure_class == "invalid_mode"


# --- host records --------------------------------------------------------------------------------------------

def test_host_records() -> None:
    record = {"folder": FOLDER, "name": "ServerBackup_Full_20240101_000000.zip", "size": 5, "has_sidecar": True,
              "sidecar": "x", "has_manifest": False}
    assert archives_from_listing([record]) == [ListedArchive(FOLDER, record["name"], 5, True, "x", False)]
    for broken in ({k: v for k, v in record.items() if k != "sidecar"}, {**record, "size": "5"},
                   {**record, "has_manifest": "False"}, "ServerBackup_Full_20240101_000000.zip"):
        with pytest.raises(ValueError):
            archives_from_listing([broken])
    assert hashes_from_host([{"path": "D:\\B\\A.zip", "sha256": "AB" * 32, "error": ""},
                             {"path": "D:\\B\\b.zip", "sha256": "", "error": "locked"}]) == {
        "d:\\b\\a.zip": FileHash("ab" * 32), "d:\\b\\b.zip": FileHash("", "locked")}
    for broken in ({"path": "p", "sha256": "", "error": ""}, {"path": "p", "sha256": "ab" * 32}):
        with pytest.raises(ValueError):
            hashes_from_host([broken])


# --- property tests -------------------------------------------------------------------------------------------

FOLDERS = (FOLDER, "\\\\nas\\backups\\node1")


@st.composite
def _archive(draw: st.DrawFn) -> tuple[ListedArchive, bool]:
    """An archive and whether its content matches its sidecar (what hashing on the host finds)."""
    mode = draw(st.sampled_from(MODES))
    secs = draw(st.integers(min_value=-5 * 86400, max_value=120 * 86400))
    name = archive_name(mode, NOW - timedelta(seconds=secs))
    sidecar = draw(st.sampled_from(["ok", "ok", "ok", "absent", "malformed", "other file"]))
    text = {"ok": f"{_digest(name)}  {name}", "absent": "", "malformed": "deadbeef",
            "other file": f"{_digest(name)}  ServerBackup_Full_19990101_000000.zip"}[sidecar]
    size = draw(st.sampled_from([0, 500, 2000, 60_000, BIG]))
    archive = ListedArchive(draw(st.sampled_from(FOLDERS)), name, size, sidecar != "absent", text,
                            draw(st.booleans() | st.just(True)))
    return archive, draw(st.booleans() | st.just(True))


_junk = st.sampled_from(["ServerBackup_Full_20240230_000000.zip", "ServerBackup_Full_20240101_000000 (1).zip",
                         "ServerBackup_DB_20240101_000000.zip.partial", "notes.txt", "serverbackup_full_20240101_000000.zip"])
_retention = st.one_of(st.integers(min_value=0, max_value=60),
                       st.fixed_dictionaries({m: st.integers(min_value=0, max_value=60) for m in MODES}))
_modes = st.one_of(st.none(), st.lists(st.sampled_from(MODES), min_size=1, unique=True))
_min_bytes = st.fixed_dictionaries({m: st.sampled_from([0, 1024, 50_000, 100_000]) for m in MODES})


def _is_good(archive: ListedArchive, content_ok: bool, min_bytes: dict[str, int], verified: set[str]) -> bool:
    """Ground truth, written independently of the planner's judge()."""
    if path_key(archive.path) in verified:
        return True
    mode = parse_archive_name(archive.name).mode
    line = archive.sidecar.split()
    return (archive.has_sidecar and archive.has_manifest and archive.size >= min_bytes[mode] and content_ok
            and len(line) >= 1 and line[0] == _digest(archive.name)
            and (len(line) == 1 or line[1].lstrip("*").lower() == archive.name.lower()))


def _groups(archives: Iterable[ListedArchive]) -> dict[tuple[str, str], list[ListedArchive]]:
    grouped: dict[tuple[str, str], list[ListedArchive]] = {}
    for archive in archives:
        parsed = parse_archive_name(archive.name)
        if parsed is not None:
            grouped.setdefault((path_key(archive.folder), parsed.mode), []).append(archive)
    return grouped


@settings(max_examples=400, deadline=None)
@given(drawn=st.lists(_archive(), max_size=20, unique_by=lambda d: path_key(d[0].path)),
       junk=st.lists(_junk, max_size=3), days=_retention, min_keep=st.integers(min_value=0, max_value=4), modes=_modes,
       min_bytes=_min_bytes, verify_newest=st.booleans(), verify_more=st.lists(st.integers(0, 19), max_size=3))
def test_plan_properties(drawn, junk, days, min_keep, modes, min_bytes, verify_newest, verify_more) -> None:
    """After retention: each mode that had a good archive still has its newest good one; nothing not of our naming
    is deleted; nothing newer than the retention is deleted; and hashing happens only when it decides a deletion."""
    archives = [a for a, _ in drawn] + [ListedArchive(FOLDER, name, BIG, False, "", True) for name in junk]
    content_ok = {path_key(a.path): ok for a, ok in drawn}
    verified: set[str] = set()
    if verify_newest and drawn:
        newest = max((a for a, _ in drawn), key=lambda a: parse_archive_name(a.name).timestamp)
        verified = {path_key(newest.path)}
        if parse_archive_name(newest.name).timestamp > NOW:
            verified = set()  # a run never publishes an archive dated after its own start
    # Any archive may be named verified (another caller's list); the rules hold all the same.
    others = {path_key(drawn[i][0].path) for i in verify_more if i < len(drawn)}

    def truth(a: ListedArchive) -> FileHash:
        return FileHash(_digest(a.name) if content_ok[path_key(a.path)] else "0" * 64)

    plan, rounds = _settle(archives, truth=truth, retention_days=days, min_keep=min_keep, modes=modes,
                           min_bytes=min_bytes, verified=verified | others)
    verified_before = verified
    verified = verified | others
    limits = resolve_retention_days(days)
    listed = {a.path: a for a in archives}
    deleted, kept = set(plan.delete), set(plan.keep)

    assert not deleted & kept
    for path in deleted:
        # Never deletes anything that is not ours: a listed archive of our naming, or the sidecar of one deleted.
        archive = listed.get(path) or listed[path.removesuffix(".sha256")]
        assert parse_archive_name(archive.name) is not None
        assert archive.path in deleted and (path == archive.path or archive.has_sidecar)
    for (_folder, mode), items in _groups(archives).items():
        good = [a for a in items if _is_good(a, content_ok.get(path_key(a.path), True), min_bytes, verified)]
        if good:
            newest_good = max(good, key=lambda a: parse_archive_name(a.name).timestamp)
            assert newest_good.path in kept, f"the newest good {mode} archive {newest_good.name} was deleted"
        past_good = [a for a in good if parse_archive_name(a.name).timestamp <= NOW]
        assert len([a for a in past_good if a.path in kept]) >= min(max(min_keep, 1), len(past_good))
        protected = sorted(past_good, key=lambda a: parse_archive_name(a.name).timestamp, reverse=True)[:max(min_keep, 1)]
        for archive in items:
            assert (archive.path in kept) != (archive.path in deleted)
            age = NOW - parse_archive_name(archive.name).timestamp
            if archive.path in deleted:
                assert modes is None or mode in modes
                assert age > timedelta(days=limits[mode])
            # The exact rule, once every hash it needs is known: an expired archive is deleted unless protected.
            selected = modes is None or mode in modes
            assert (archive.path in deleted) == (selected and age > timedelta(days=limits[mode])
                                                 and archive not in protected and age >= timedelta(0))

    hashed = [p for r in rounds for p in r]
    expired = [a for a in archives if (p := parse_archive_name(a.name)) and NOW - p.timestamp > timedelta(days=limits[p.mode])
               and (modes is None or p.mode in modes)]
    if not expired:
        assert hashed == [], "hashed although nothing is older than the retention"
    if verified_before and not others and max(min_keep, 1) == 1:
        # The verified archive is the newest of its folder and mode: nothing older there needs a hash.
        group = (path_key(newest.folder), parse_archive_name(newest.name).mode)
        assert not [p for p in hashed if (path_key(listed[p].folder), parse_archive_name(listed[p].name).mode) == group]
    assert all(path_key(p) not in verified for p in hashed)

    remaining = [a for a in archives if a.path not in deleted]
    again, _ = _settle(remaining, truth=truth, retention_days=days, min_keep=min_keep, modes=modes, min_bytes=min_bytes,
                       verified=verified)
    assert again.delete == []
    assert again.keep == plan.keep
