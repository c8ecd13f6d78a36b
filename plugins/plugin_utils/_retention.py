"""Retention planning for backup archives: decide which files to delete, never delete them here.

An archive's age comes from the timestamp in its name (not the file time, which copies and restores
reset). Anything that is not one of our archive names is reported as ignored and never deleted.

Retention never deletes the last good backup. Per folder and mode, the newest ``min_keep`` GOOD
archives that are not dated in the future are protected; an archive older than the retention of
its mode and not protected is deleted (with its ``.sha256`` sidecar and its ``.manifest.json`` copy, the files
attached to it); archives dated in the future
are kept. An archive is GOOD when this run verified it (``verified``), or when its sidecar is
well-formed, it is at least the minimum archive size of its mode, its zip directory holds
``BackupManifest.json`` and its SHA256 on the host equals the sidecar's. Bad archives never count
towards ``min_keep``; a bad archive that is kept is reported as a warning.

Hashing multi-GB archives is expensive, so the plan names in ``need_hash`` only the archives whose
SHA256 would decide a deletion, assuming they verify (the usual case): the unconfirmed ones among the
newest ``min_keep`` possibly-good archives of a group in which some expired archive's fate depends
on them. Until they are hashed every undecided archive is kept, so a plan is safe at every stage and
only ever deletes more once more hashes are known. The caller hashes ``need_hash`` on the host and
plans again with the results, until ``need_hash`` is empty. When no archive is older than the
retention, or the newest archive is one this run verified and ``min_keep`` is 1, nothing is hashed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import MANIFEST_COPY_SUFFIX
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import (
    MODES,
    SIDECAR_SUFFIX,
    ArchiveName,
    normalize_mode,
    parse_archive_name,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._plan import DEFAULT_MIN_BYTES

DEFAULT_RETENTION_DAYS: dict[str, int] = {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}
# What alteryx_archive.ps1 writes: '<sha256>  <name>' (sha256sum's text form; '*<name>' is its binary form).
_SIDECAR_LINE = re.compile(r"([0-9A-Fa-f]{64})(?:\s+\*?(.*))?")
_HEX64 = re.compile(r"[0-9a-f]{64}")

GOOD, BAD, UNKNOWN = "good", "bad", "unknown"


@dataclass(frozen=True)
class ListedArchive:
    """One archive-named file as the host listed it (flat facts, no judgement)."""

    folder: str
    name: str
    size: int
    has_sidecar: bool
    sidecar: str  # first line of '<name>.sha256', trimmed; '' when absent or empty
    has_manifest: bool  # the zip's central directory has a BackupManifest.json entry
    has_manifest_copy: bool = False  # '<name>.manifest.json' (published beside the archive) exists

    @property
    def path(self) -> str:
        return join_path(self.folder, self.name)


@dataclass(frozen=True)
class FileHash:
    """The host's SHA256 of one file: ``sha256`` (lower-case hex) or, when it could not be read, ``error``."""

    sha256: str
    error: str = ""


@dataclass
class RetentionPlan:
    """What retention decided. Paths are full Windows paths (``<folder>\\<name>``), sorted.

    delete: archives to delete, each followed by its sidecar and its manifest copy when it has them.
    keep: archives kept (sidecars not listed).
    ignored: listed files that are not ours; never deleted.
    need_hash: archives whose SHA256 decides a deletion and is not known yet; empty when the plan is final.
    reasons: archive path -> why it is kept or deleted.
    warnings: kept archives that do not verify ('<path> does not verify: <why>; not counted as a good backup').
    """

    delete: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    need_hash: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def join_path(folder: str, name: str) -> str:
    """``<folder>\\<name>`` as the scripts build it (one backslash between)."""
    return folder.rstrip("\\/") + "\\" + name


def path_key(path: str) -> str:
    """Compare Windows paths as NTFS does: case-insensitive, either slash, no trailing separator."""
    return path.replace("/", "\\").rstrip("\\").lower()


# --- settings ----------------------------------------------------------------------------------------------

def _checked_int(value: object, what: str) -> int:
    """Return ``value`` if it is a non-negative int (bools rejected), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def resolve_retention_days(retention_days: int | Mapping[str, int] | None) -> dict[str, int]:
    """Days per mode: one integer for every mode, or a dict (keys: modes or tags, any case) over the defaults.

    Raises ValueError for a negative or non-integer value, AlteryxStepError (invalid_mode) for an unknown key.
    """
    if retention_days is None:
        return dict(DEFAULT_RETENTION_DAYS)
    if not isinstance(retention_days, Mapping):
        days = _checked_int(retention_days, "retention days")
        return dict.fromkeys(MODES, days)
    resolved = dict(DEFAULT_RETENTION_DAYS)
    for key, value in retention_days.items():
        mode = normalize_mode(key)
        resolved[mode] = _checked_int(value, f"retention days for {mode}")
    return resolved


def resolve_min_bytes(min_bytes: Mapping[str, int] | None) -> dict[str, int]:
    """Minimum archive size per mode: ``min_bytes`` (keys: modes or tags) over the archive step's defaults."""
    resolved = dict(DEFAULT_MIN_BYTES)
    for key, value in (min_bytes or {}).items():
        mode = normalize_mode(key)
        resolved[mode] = _checked_int(value, f"minimum archive size for {mode}")
    return resolved


# --- host facts ----------------------------------------------------------------------------------------------

def archives_from_listing(records: Iterable[Any]) -> list[ListedArchive]:
    """The listing records of alteryx_retention.ps1 as ListedArchive; ValueError for a record of another shape."""
    archives = []
    for record in records:
        if not isinstance(record, Mapping):
            raise ValueError(f"listing entry is not a record: {record!r}")
        try:
            folder, name, size = record["folder"], record["name"], record["size"]
            has_sidecar, sidecar, has_manifest = record["has_sidecar"], record["sidecar"], record["has_manifest"]
        except KeyError as exc:
            raise ValueError(f"listing entry {record!r} has no {exc.args[0]!r}") from None
        if not (isinstance(folder, str) and isinstance(name, str) and isinstance(sidecar, str)
                and isinstance(size, int) and not isinstance(size, bool)
                and isinstance(has_sidecar, bool) and isinstance(has_manifest, bool)):
            raise ValueError(f"listing entry {record!r} has a value of the wrong type")
        has_copy = record.get("has_manifest_copy", False)
        if not isinstance(has_copy, bool):
            raise ValueError(f"listing entry {record!r} has a value of the wrong type")
        archives.append(ListedArchive(folder, name, size, has_sidecar, sidecar, has_manifest, has_copy))
    return archives


def hashes_from_host(records: Iterable[Any]) -> dict[str, FileHash]:
    """The hash records of alteryx_retention.ps1 as {path_key: FileHash}; ValueError for another shape."""
    hashes = {}
    for record in records:
        if not isinstance(record, Mapping) or not all(isinstance(record.get(k), str) for k in ("path", "sha256", "error")):
            raise ValueError(f"hash entry {record!r} is not {{path, sha256, error}}")
        digest, error = record["sha256"].lower(), record["error"]
        if not error and not _HEX64.fullmatch(digest):
            raise ValueError(f"hash entry {record!r} has neither a SHA256 nor an error")
        hashes[path_key(record["path"])] = FileHash(digest if not error else "", error)
    return hashes


# --- judgement -----------------------------------------------------------------------------------------------

def sidecar_digest(archive: ListedArchive) -> tuple[str, str]:
    """(lower-case SHA256 from the sidecar, '') or ('', why the sidecar is unusable)."""
    if not archive.has_sidecar:
        return "", f"it has no {SIDECAR_SUFFIX} sidecar"
    match = _SIDECAR_LINE.fullmatch(archive.sidecar)
    if match is None:
        return "", f"its {SIDECAR_SUFFIX} sidecar is not '<64 hex digits>  <name>' ({archive.sidecar[:80]!r})"
    named = (match.group(2) or "").strip()
    if named and named.lower() != archive.name.lower():
        return "", f"its {SIDECAR_SUFFIX} sidecar is for another file ({named[:80]!r})"
    return match.group(1).lower(), ""


def judge(archive: ListedArchive, mode: str, min_bytes: int, verified: bool,
          hashed: FileHash | None) -> tuple[str, str]:
    """(GOOD | BAD | UNKNOWN, why) for one archive from what is known so far.

    UNKNOWN: every cheap check passed and its SHA256 has not been computed yet.
    """
    if verified:
        return GOOD, "verified by this run"
    digest, sidecar_problem = sidecar_digest(archive)
    problems = [sidecar_problem] if sidecar_problem else []
    if archive.size < min_bytes:
        problems.append(f"it is {archive.size} bytes, below the minimum of {min_bytes} for {mode}")
    if not archive.has_manifest:
        problems.append("its zip directory has no BackupManifest.json (or cannot be read)")
    if problems:
        return BAD, "; ".join(problems)
    if hashed is None:
        return UNKNOWN, "SHA256 not checked"
    if hashed.error:
        return BAD, f"its SHA256 could not be computed: {hashed.error}"
    if hashed.sha256 != digest:
        return BAD, f"its SHA256 {hashed.sha256} differs from its sidecar's {digest}"
    return GOOD, "SHA256 matches its sidecar"


def _age_text(age: timedelta) -> str:
    """Render an age as whole days plus hours, which is what admins reason about."""
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24}d {hours % 24}h"


@dataclass
class _Item:
    archive: ListedArchive
    parsed: ArchiveName
    status: str = UNKNOWN
    why: str = ""


def plan_retention(
    archives: Iterable[ListedArchive],
    now: datetime,
    *,
    retention_days: int | Mapping[str, int] | None = None,
    min_keep: int = 1,
    modes: Iterable[str] | str | None = None,
    min_bytes: Mapping[str, int] | None = None,
    verified: Iterable[str] = (),
    hashes: Mapping[str, FileHash] | None = None,
) -> RetentionPlan:
    """Plan which archives (and their ``.sha256`` sidecars) to delete; see the module docstring for the rules.

    ``archives``: what the host listed, in any number of folders (each folder is planned on its own).
    ``retention_days``: one integer for every mode, or days per mode over DEFAULT_RETENTION_DAYS.
    ``min_keep``: newest good archives per folder and mode that are protected (values below 1 count as 1).
    ``modes``: modes retention applies to (default all); other modes are kept untouched and not judged.
    ``min_bytes``: minimum archive size per mode over the archive step's defaults.
    ``verified``: full paths this run verified (good without further checks).
    ``hashes``: SHA256 results by ``path_key`` from earlier rounds.
    If ``now`` is timezone-aware its wall-clock time is used, because names carry local time.

    Raises ValueError for a negative or non-integer setting, AlteryxStepError (invalid_mode) for an unknown
    mode in ``retention_days``, ``modes`` or ``min_bytes``.
    """
    keep_count = max(_checked_int(min_keep, "min_keep"), 1)
    days = resolve_retention_days(retention_days)
    thresholds = resolve_min_bytes(min_bytes)
    if isinstance(modes, str):
        # A bare string would otherwise be iterated character by character.
        modes = [modes]
    selected = set(MODES) if modes is None else {normalize_mode(m) for m in modes}
    verified_keys = {path_key(p) for p in verified if isinstance(p, str)}
    known = hashes or {}
    wall_now = now.replace(tzinfo=None)

    plan = RetentionPlan()
    groups: dict[tuple[str, str], list[_Item]] = {}
    seen: set[str] = set()
    for archive in archives:
        key = path_key(archive.path)
        if key in seen:
            continue
        seen.add(key)
        parsed = parse_archive_name(archive.name)
        if parsed is None:
            plan.ignored.append(archive.path)
            continue
        groups.setdefault((path_key(archive.folder), parsed.mode), []).append(_Item(archive, parsed))

    for (_folder, mode), items in groups.items():
        if mode not in selected:
            for item in items:
                plan.keep.append(item.archive.path)
                plan.reasons[item.archive.path] = f"mode {mode} not selected for retention"
            continue
        for item in items:
            item.status, item.why = judge(item.archive, mode, thresholds[mode], path_key(item.archive.path) in verified_keys,
                                          known.get(path_key(item.archive.path)))
        _plan_group(plan, mode, items, wall_now, timedelta(days=days[mode]), days[mode], keep_count)

    plan.delete.sort()
    plan.keep.sort()
    plan.ignored.sort()
    plan.need_hash.sort()
    plan.warnings.sort()
    return plan


def _plan_group(plan: RetentionPlan, mode: str, items: list[_Item], now: datetime, limit: timedelta, days: int,
                keep_count: int) -> None:
    """Decide one folder's archives of one mode."""
    retention = f"{days}-day {mode} retention"
    # The protected newest N are counted among real (non-future) archives, so one clock-skewed
    # future-dated file cannot leave a mode without a usable backup.
    past = sorted((i for i in items if i.parsed.timestamp <= now), key=lambda i: (i.parsed.timestamp, i.parsed.name),
                  reverse=True)
    undecided = False
    good_newer = possible_newer = 0  # GOOD / GOOD-or-UNKNOWN archives newer than the current one
    for item in past:
        path, age = item.archive.path, now - item.parsed.timestamp
        if item.status == GOOD and possible_newer < keep_count:
            protected: bool | None = True
        elif item.status == BAD or good_newer >= keep_count:
            protected = False
        else:
            protected = None  # depends on SHA256s not known yet
        if age <= limit:
            _keep(plan, item, f"within {retention} (age {_age_text(age)}); kept")
        elif protected:
            _keep(plan, item, f"older than {retention} (age {_age_text(age)}) but among the newest {keep_count} good "
                              f"{mode} archive(s) ({item.why}); kept")
        elif protected is None:
            undecided = True
            _keep(plan, item, f"older than {retention} (age {_age_text(age)}); kept until SHA256 checks decide")
        else:
            plan.delete.append(path)
            if item.archive.has_sidecar:
                plan.delete.append(path + SIDECAR_SUFFIX)
            if item.archive.has_manifest_copy:
                plan.delete.append(path + MANIFEST_COPY_SUFFIX)
            bad = f"; it does not verify: {item.why}" if item.status == BAD else ""
            plan.reasons[path] = f"older than {retention} (age {_age_text(age)}){bad}; deleted"
        good_newer += item.status == GOOD
        possible_newer += item.status != BAD
    for item in items:
        if item.parsed.timestamp > now:
            _keep(plan, item, "dated in the future; kept")
    if undecided:
        # Hash the unconfirmed archives among the newest keep_count that may be good: if they verify, they
        # protect nothing older and every expired archive is decided; any that fails is replaced next round.
        candidates = [i for i in past if i.status != BAD][:keep_count]
        plan.need_hash += [i.archive.path for i in candidates if i.status == UNKNOWN]


def _keep(plan: RetentionPlan, item: _Item, reason: str) -> None:
    path = item.archive.path
    plan.keep.append(path)
    plan.reasons[path] = reason
    if item.status == BAD:
        plan.reasons[path] += f"; it does not verify: {item.why}"
        plan.warnings.append(f"{path} does not verify: {item.why}; not counted as a good backup")
