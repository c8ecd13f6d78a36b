# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Upload one published archive (its ``.sha256`` sidecar and manifest copy too) to one cloud destination, verify
it, lock it.

The order: start (multipart upload with the archive's SHA256 as metadata) -> short-lived URLs for the parts not
held yet -> the host PUTs them (``send``) -> parts whose ETag is not the host's MD5 and failed parts get fresh
URLs and another round; a part the host saw fail but the service holds with the host's MD5 (the answer was lost
after the body arrived) is taken from ListParts instead of sent again -> complete (the store checks the ETags) ->
stat (size and sha256 metadata) -> the sidecar the same way, as one part -> the ``<archive>.manifest.json`` copy the
same way, then read back and hashed on the controller (it is small, and its SHA256 comes from the archive step, so
the read proves the object is byte for byte the copy the archive step wrote) -> Object Lock / immutability on all
three when configured. Rounds that upload nothing new are limited by ``retries``; a round that made progress is free (an
expired URL only costs a round that still moves on).

Any failure leaves nothing of this run behind: the unfinished upload is aborted and objects already completed
are deleted (a lock is the last step, so nothing to delete is locked yet, except the objects locked before a later
lock failed - reported).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import (
    S3_MAX_PARTS,
    S3_MIN_PART,
    batches,
    etag_matches,
    host_reports,
    md5_base64,
    plan_parts,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import CloudDestination
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import (
    CloudStore,
    CloudStoreError,
    PartUrl,
    UploadedPart,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import MANIFEST_COPY_SUFFIX
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import SIDECAR_SUFFIX

# send(local path, parts) -> the uploader script's 'parts' records; raises AlteryxStepError when the host call fails.
Send = Callable[[str, Sequence[PartUrl]], list[dict[str, Any]]]


class CloudUploadError(Exception):
    """This destination did not get a verified copy; the message says why (never a URL or a credential)."""


@dataclass(frozen=True)
class LocalFile:
    """A file the archive step published beside the archive: full Windows path, size, SHA256 (lower-case hex)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Archive:
    """The published local archive: full Windows path, file name, size, SHA256 (lower-case hex), sidecar path, and
    the ``<name>.manifest.json`` copy (None when the archive step wrote none)."""

    path: str
    name: str
    size: int
    sha256: str
    sidecar_path: str
    manifest_copy: LocalFile | None = None

    @property
    def sidecar_bytes(self) -> bytes:
        """What alteryx_archive.ps1 writes to the sidecar: ``<sha256>  <name>`` and LF, UTF-8 without BOM."""
        return f"{self.sha256}  {self.name}\n".encode()


@dataclass
class Tally:
    """What an upload took: rounds of host calls, parts sent, parts taken from ListParts after a lost answer."""

    rounds: int = 0
    parts: int = 0
    resumed: int = 0


def send_parts(store: CloudStore, key: str, upload_id: str, plan: list[tuple[int, int, int]], local: str,
               send: Send, *, expiry: int, retries: int, tally: Tally) -> dict[int, UploadedPart]:
    """Rounds of URLs -> host until every part of ``plan`` is held with the host's MD5; returns them by number.

    Raises CloudUploadError after ``retries`` + 1 rounds in a row without progress, naming each missing part's
    last error; AlteryxStepError (storage/validation) from the host is raised at once (the file is the problem)."""
    done: dict[int, UploadedPart] = {}
    md5s: dict[int, str] = {}
    errors: dict[int, str] = {}
    stalled = 0
    tally.parts = len(plan)
    # Azure checks each block's Content-MD5 itself and returns no ETag; S3's ETag is the part's MD5.
    verified = getattr(store, "part_verified", etag_matches)
    while True:
        missing = [p for p in plan if p[0] not in done]
        if not missing:
            return done
        before = len(done)
        tally.rounds += 1
        urls = store.part_urls(key, upload_id, missing, expiry)
        for batch in batches(urls):
            try:
                reports = host_reports(send(local, batch))
            except AlteryxStepError as exc:
                if exc.failure_class in ("storage", "validation"):
                    raise
                errors.update({p.number: f"host call failed: {exc.msg}" for p in batch})
                continue
            except ValueError as exc:
                raise CloudUploadError(f"unexpected answer from the uploader: {exc}") from None
            for number, report in reports.items():
                md5s[number] = report["md5_base64"]
                if report["ok"] and verified(report["etag"], report["md5_base64"]):
                    done[number] = UploadedPart(number, report["etag"], report["md5_base64"])
                elif report["ok"]:
                    errors[number] = (f"the service's ETag {report['etag']} is not the MD5 of the bytes the host "
                                      f"read ({report['md5_base64']}): the part changed on the way")
                else:
                    errors[number] = report["error"] or "failed"
        if any(p[0] not in done for p in plan):
            for number, held in store.parts_done(key, upload_id).items():
                if number not in done and number in md5s and verified(held.etag, md5s[number]):
                    done[number] = UploadedPart(number, held.etag, md5s[number])
                    tally.resumed += 1
        stalled = 0 if len(done) > before else stalled + 1
        if stalled > retries:
            failed = [f"part {n}: {errors.get(n, 'not uploaded')}" for n, _o, _l in plan if n not in done]
            raise CloudUploadError(f"{len(failed)} of {len(plan)} part(s) not uploaded after {tally.rounds} round(s) "
                                   f"({stalled} without progress): " + "; ".join(failed[:5])
                                   + (f"; and {len(failed) - 5} more" if len(failed) > 5 else ""))


def _upload_object(store: CloudStore, key: str, local: str, size: int, sha256: str, part_size: int, send: Send,
                   *, expiry: int, retries: int, tally: Tally, created: list[str]) -> None:
    upload_id = store.start_upload(key, size, sha256)
    try:
        # Each service has its own part limits (S3: at least 5 MiB, 10,000 parts; Azure: any size, 50,000 blocks).
        plan = plan_parts(size, part_size, min_part=getattr(store, "min_part_size", S3_MIN_PART),
                          max_parts=getattr(store, "max_parts", S3_MAX_PARTS))
        done = send_parts(store, key, upload_id, plan, local, send, expiry=expiry, retries=retries, tally=tally)
        created.append(key)  # from here on the object may exist
        store.finish_upload(key, upload_id, [done[n] for n in sorted(done)], sha256)
    except BaseException:
        store.abort_upload(key, upload_id)
        raise
    stored = store.stat(key)
    if stored is None:
        raise CloudUploadError(f"{key} is not there after its upload was completed")
    if stored.size != size:
        raise CloudUploadError(f"{key} holds {stored.size} bytes after upload, the local file {size}")
    if stored.sha256 and stored.sha256.lower() != sha256:
        raise CloudUploadError(f"{key} has sha256 metadata {stored.sha256}, the local file {sha256}")


def _check_read_back(store: CloudStore, key: str, local: LocalFile) -> None:
    """The object's bytes hash to ``local.sha256`` (the archive step's hash of the file it wrote)."""
    digest = hashlib.sha256()
    for chunk in store.read(key):
        digest.update(chunk)
    if digest.hexdigest() != local.sha256:
        raise CloudUploadError(f"{key} read back has SHA256 {digest.hexdigest()}, but the archive step wrote "
                               f"{local.path} with {local.sha256}: the file changed on the host after it was written")


def upload(store: CloudStore, dest: CloudDestination, archive: Archive, send: Send, *, retries: int,
           now: datetime) -> dict[str, Any]:
    """Upload, verify and lock ``archive`` at ``dest``. Returns the destination's record (see the module's RETURN
    ``cloud``): ok, key, sidecar_key, manifest_copy_key ('' without a copy), size, sha256, parts, rounds,
    resumed_parts, locked_until, error, left. Never raises for a cloud or host failure of this destination (``ok``
    false, ``error`` says why, nothing left)."""
    key, sidecar_key = dest.key(archive.name), dest.key(archive.name + SIDECAR_SUFFIX)
    copy_key = dest.key(archive.name + MANIFEST_COPY_SUFFIX) if archive.manifest_copy else ""
    record: dict[str, Any] = {**dest.public(), "key": key, "sidecar_key": sidecar_key, "manifest_copy_key": copy_key,
                              "size": archive.size, "sha256": archive.sha256, "ok": False, "parts": 0, "rounds": 0,
                              "resumed_parts": 0, "locked_until": "", "error": "", "left": []}
    tally = Tally()
    created: list[str] = []
    locked: list[str] = []
    try:
        _upload_object(store, key, archive.path, archive.size, archive.sha256, dest.part_size, send,
                       expiry=dest.url_expiry_seconds, retries=retries, tally=tally, created=created)
        record["parts"] = tally.parts
        text = archive.sidecar_bytes

        def send_sidecar(local: str, parts: Sequence[PartUrl]) -> list[dict[str, Any]]:
            # The host reads its own sidecar; it must be the text the archive step writes for this archive.
            reports = send(local, parts)
            for report in reports:
                if isinstance(report, dict) and report.get("ok") and report.get("md5_base64") != md5_base64(text):
                    raise CloudUploadError(f"{archive.sidecar_path} on the host is not '<sha256>  {archive.name}' "
                                           f"for this archive's SHA256 {archive.sha256}")
            return reports

        _upload_object(store, sidecar_key, archive.sidecar_path, len(text), hashlib.sha256(text).hexdigest(),
                       dest.part_size, send_sidecar, expiry=dest.url_expiry_seconds, retries=retries,
                       tally=Tally(), created=created)
        copy = archive.manifest_copy
        if copy is not None:
            _upload_object(store, copy_key, copy.path, copy.size, copy.sha256, dest.part_size, send,
                           expiry=dest.url_expiry_seconds, retries=retries, tally=Tally(), created=created)
            _check_read_back(store, copy_key, copy)
        if dest.lock_mode:
            until = now + timedelta(days=dest.lock_days)
            for locking in (key, sidecar_key, *([copy_key] if copy_key else [])):
                store.lock(locking, dest.lock_mode, until)
                locked.append(locking)
            record["locked_until"] = until.isoformat()
        record["ok"] = True
    except (CloudStoreError, CloudUploadError, AlteryxStepError, ValueError) as exc:
        record["error"] = exc.msg if isinstance(exc, AlteryxStepError) else str(exc)
        record["left"] = _clean_up(store, [k for k in created if k not in locked])
        record["left"] += locked
    finally:
        record["rounds"], record["resumed_parts"] = tally.rounds, tally.resumed
    return record


def _clean_up(store: CloudStore, keys: list[str]) -> list[str]:
    """Delete what this run completed; returns the keys that could not be deleted."""
    left = []
    for key in reversed(keys):
        try:
            if store.stat(key) is not None:
                store.delete(key)
        except CloudStoreError:
            left.append(key)
    return left
