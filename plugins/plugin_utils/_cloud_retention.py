# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention in a bucket/container, with the rules of the disk (``_retention.plan_retention``).

The objects directly under a destination's prefix play the files of a folder: an archive-named object is an
archive, ``<name>.sha256`` its sidecar, ``<name>.manifest.json`` its manifest copy. An archive object is GOOD when
this run uploaded and verified it, or when its sidecar object exists, names it, and carries the SHA256 that the
object's ``sha256`` metadata holds, and the object is at least its mode's minimum size. The metadata stands where
the disk has a SHA256 computed on the host: the upload step set it and proved it against the bytes (per-part MD5
and multipart ETag), so no archive is downloaded. ``has_manifest`` cannot be seen without a download and counts as
true (the archive step checked it before the upload).

As on disk, only the SHA256s that decide a deletion are looked up (one HEAD each), the newest ``min_keep`` good
archives per mode are never deleted, and other modes and foreign objects are left alone. An archive deleted goes
first, its attached objects after it, so a refused delete never leaves an archive without its sidecar. A delete
refused by a retention lock (``ObjectLocked``) keeps the object and is reported, not a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import CloudDestination
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import (
    CloudStore,
    CloudStoreError,
    ObjectLocked,
    StoredObject,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import MANIFEST_COPY_SUFFIX
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import SIDECAR_SUFFIX, parse_archive_name
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import (
    FileHash,
    ListedArchive,
    RetentionPlan,
    path_key,
    plan_retention,
)

ATTACHED_SUFFIXES = (SIDECAR_SUFFIX, MANIFEST_COPY_SUFFIX)
# A sidecar is one line of 64 hex digits, two spaces and a file name; anything this large is not one.
SIDECAR_MAX_BYTES = 4096


@dataclass
class Listing:
    """The archives under one prefix as ``plan_retention`` takes them, and how to get back to object keys.

    ``keys`` maps a planned path (``ListedArchive.path`` and the attached paths) to its object key; ``ignored``
    holds the keys of objects that are neither our archives nor attached to one."""

    archives: list[ListedArchive] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


@dataclass
class CloudRetentionResult:
    """What retention did at one destination: object keys (``would_delete`` in check mode), ``locked`` as
    ``{key, locked_until}``, ``warnings`` for archives that do not verify and objects a lock kept half-deleted."""

    deleted: list[str] = field(default_factory=list)
    would_delete: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    locked: list[dict[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    looked_up: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _sidecar_text(store: CloudStore, stored: StoredObject) -> str:
    """First line of a sidecar object, trimmed ('' when empty; a marker when too large to be one)."""
    if stored.size > SIDECAR_MAX_BYTES:
        return f"(a {stored.size}-byte object)"
    data = b"".join(store.read(stored.key))
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    return (text.splitlines() or [""])[0].strip()


def list_prefix(store: CloudStore, prefix: str) -> Listing:
    """The archives directly under ``prefix`` (deeper keys belong to other prefixes), sidecars read.

    Raises CloudStoreError."""
    base = f"{prefix}/" if prefix else ""
    objects = {o.key[len(base):]: o for o in store.list(base) if "/" not in o.key[len(base):] and o.key != base}
    listing = Listing()
    archives = {name for name in objects if parse_archive_name(name) is not None}
    for name in sorted(objects):
        if name not in archives and not any(name.endswith(s) and name[:-len(s)] in archives for s in ATTACHED_SUFFIXES):
            listing.ignored.append(objects[name].key)
    for name in sorted(archives):
        sidecar = objects.get(name + SIDECAR_SUFFIX)
        listed = ListedArchive(folder=prefix, name=name, size=objects[name].size, has_sidecar=sidecar is not None,
                               sidecar=_sidecar_text(store, sidecar) if sidecar is not None else "",
                               has_manifest=True, has_manifest_copy=name + MANIFEST_COPY_SUFFIX in objects)
        listing.archives.append(listed)
        listing.keys[listed.path] = objects[name].key
        for suffix in ATTACHED_SUFFIXES:
            listing.keys[listed.path + suffix] = objects[name].key + suffix
    return listing


def metadata_hash(store: CloudStore, key: str) -> FileHash:
    """The object's ``sha256`` metadata as the FileHash retention judges with (HEAD; an error when absent)."""
    stored = store.stat(key)
    if stored is None:
        return FileHash("", "the object disappeared while retention ran")
    if not stored.sha256:
        return FileHash("", "the object has no sha256 metadata (not uploaded by alteryx_cloud_upload)")
    return FileHash(stored.sha256.lower())


def plan(store: CloudStore, listing: Listing, now: datetime, settings: Mapping[str, Any], verified_keys: Iterable[str]
         ) -> tuple[RetentionPlan, list[str]]:
    """``plan_retention`` over ``listing``, looking up the sha256 metadata it asks for until the plan is final.

    ``settings``: retention_days, min_keep, modes, min_bytes (as ``plan_retention`` takes them). Returns the plan
    and the keys whose metadata was looked up. Raises ValueError for bad settings, CloudStoreError."""
    verified = set(verified_keys)
    paths = [a.path for a in listing.archives if listing.keys[a.path] in verified]
    hashes: dict[str, FileHash] = {}
    looked_up: list[str] = []
    result = plan_retention(listing.archives, now, verified=paths, **settings)
    while result.need_hash:
        asked = [p for p in result.need_hash if path_key(p) not in hashes]
        if not asked:
            raise CloudStoreError(f"retention asked twice for the sha256 of {result.need_hash}")
        for path in asked:
            hashes[path_key(path)] = metadata_hash(store, listing.keys[path])
            looked_up.append(listing.keys[path])
        result = plan_retention(listing.archives, now, verified=paths, hashes=hashes, **settings)
    return result, looked_up


def _locked_until(store: CloudStore, key: str) -> str:
    try:
        stored = store.stat(key)
    except CloudStoreError:
        return ""
    return stored.locked_until.isoformat() if stored is not None and stored.locked_until else ""


def apply(store: CloudStore, listing: Listing, decided: RetentionPlan, *, check_mode: bool) -> CloudRetentionResult:
    """Delete what ``decided`` deletes, archive first; a lock keeps the object (reported). Raises CloudStoreError
    for any other failed delete (what was deleted before it stays deleted)."""
    result = CloudRetentionResult(kept=[listing.keys[p] for p in decided.keep],
                                  reasons={listing.keys[p]: why for p, why in decided.reasons.items()},
                                  warnings=list(decided.warnings), ignored=list(listing.ignored))
    archives = [p for p in decided.delete if p in decided.reasons]
    for path in archives:
        attached = [listing.keys[path + s] for s in ATTACHED_SUFFIXES if path + s in decided.delete]
        key = listing.keys[path]
        if check_mode:
            result.would_delete += [key, *attached]
            continue
        try:
            store.delete(key)
        except ObjectLocked:
            until = _locked_until(store, key)
            result.locked.append({"key": key, "locked_until": until})
            result.kept.append(key)
            result.reasons[key] = (decided.reasons[path].removesuffix("; deleted")
                                   + f"; kept: its retention lock refused the delete{' until ' + until if until else ''}")
            continue
        result.deleted.append(key)
        for extra in attached:
            try:
                store.delete(extra)
            except ObjectLocked:
                result.locked.append({"key": extra, "locked_until": _locked_until(store, extra)})
                result.warnings.append(f"{extra} stays: its retention lock refused the delete, and {key} it belongs "
                                       "to is deleted")
                continue
            result.deleted.append(extra)
    result.kept.sort()
    return result


def run_retention(store: CloudStore, dest: CloudDestination, now: datetime, settings: Mapping[str, Any],
                  verified_keys: Iterable[str], *, check_mode: bool) -> CloudRetentionResult:
    """List, plan and apply retention at ``dest``. Raises ValueError (settings), CloudStoreError."""
    listing = list_prefix(store, dest.prefix)
    decided, looked_up = plan(store, listing, now, settings, verified_keys)
    result = apply(store, listing, decided, check_mode=check_mode)
    result.looked_up = looked_up
    return result
