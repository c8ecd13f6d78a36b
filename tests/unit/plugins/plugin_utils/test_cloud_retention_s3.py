"""Retention in an S3 bucket (moto_server on loopback behind tests/tools/s3_server.py): the disk's rules, the
sha256 metadata standing in for the host's hash, Object Lock keeping a due archive."""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.action.alteryx_cloud_retention import ActionModule
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_retention import list_prefix, run_retention
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import check_destination, open_store
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import CloudStoreError
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tools"))
from s3_server import S3Gateway, bucket_client  # noqa: E402

BUCKET = "retention-bucket"
KEY_ID, SECRET = "AKIARETENTION0000000", "retention-canary-secret-0123456789abcdef"
NOW = datetime(2024, 1, 31, 2, 0, 0)
SETTINGS = {"retention_days": {"Full": 30, "DB": 7}, "min_keep": 1, "modes": ["Full"], "min_bytes": {"Full": 10}}
PREFIX = "prod/controller"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory):
    with S3Gateway(tmp_path_factory.mktemp("moto")) as gateway:
        yield gateway


@pytest.fixture
def client(s3: S3Gateway, request: pytest.FixtureRequest):
    return bucket_client(s3, KEY_ID, SECRET, f"{BUCKET}-{abs(hash(request.node.name)) % 10**8}")


def _dest(s3: S3Gateway, bucket: str, **extra: Any):
    return check_destination({"type": "s3", "bucket": bucket, "endpoint_url": s3.endpoint, "region": "us-east-1",
                              "access_key_id": KEY_ID, "secret_access_key": SECRET, **extra}, 1,
                             host="controller", cluster="prod")


def _put(client, name: str, *, sidecar: str | None = "good", meta: bool = True, prefix: str = PREFIX,
         lock_until: datetime | None = None) -> str:
    """An archive object as alteryx_cloud_upload leaves it: sha256 metadata and a sidecar object."""
    data = f"archive {name}".encode() * 4
    sha = hashlib.sha256(data).hexdigest()
    key = f"{prefix}/{name}"
    extra: dict[str, Any] = {"Metadata": {"sha256": sha}} if meta else {}
    if lock_until:
        extra |= {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": lock_until}
    client.put_object(Bucket=client.bucket, Key=key, Body=data, **extra)
    if sidecar is not None:
        digest = sha if sidecar == "good" else hashlib.sha256(b"other").hexdigest()
        text = f"{digest}  {name}\n".encode()
        side_extra: dict[str, Any] = {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": lock_until} \
            if lock_until else {}
        client.put_object(Bucket=client.bucket, Key=key + ".sha256", Body=text,
                          Metadata={"sha256": hashlib.sha256(text).hexdigest()}, **side_extra)
    return key


def _keys(client) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=client.bucket)
    return {o["Key"] for page in pages for o in page.get("Contents") or []}


def test_expired_archives_go_with_their_sidecars_the_newest_good_locked_and_other_modes_stay(s3, client) -> None:
    old = _put(client, "ServerBackup_Full_20231201_020000.zip")
    locked = _put(client, "ServerBackup_Full_20231215_020000.zip", lock_until=datetime.now(UTC) + timedelta(days=2))
    newest = _put(client, "ServerBackup_Full_20240130_020000.zip")
    other_mode = _put(client, "ServerBackup_DB_20231201_020000.zip")
    deeper = _put(client, "ServerBackup_Full_20231101_020000.zip", prefix=PREFIX + "/older")
    foreign = f"{PREFIX}/notes.txt"
    client.put_object(Bucket=client.bucket, Key=foreign, Body=b"not ours")
    dest = _dest(s3, client.bucket)

    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=False)

    assert done.deleted == [old, old + ".sha256"]
    assert done.locked == [{"key": locked, "locked_until": done.locked[0]["locked_until"]}]
    assert done.locked[0]["locked_until"], "the lock's end is reported"
    assert "retention lock refused" in done.reasons[locked]
    assert sorted(done.kept) == sorted([locked, newest, other_mode])
    assert "not selected" in done.reasons[other_mode]
    assert done.ignored == [foreign]
    assert _keys(client) == {locked, locked + ".sha256", newest, newest + ".sha256", other_mode,
                             other_mode + ".sha256", deeper, deeper + ".sha256", foreign}
    # Only the newest archive's metadata decided anything: one HEAD, no download of an archive.
    assert done.looked_up == [newest]


def test_the_newest_good_archive_is_kept_even_when_everything_is_expired(s3, client) -> None:
    older = _put(client, "ServerBackup_Full_20231101_020000.zip")
    good = _put(client, "ServerBackup_Full_20231110_020000.zip")
    bad = _put(client, "ServerBackup_Full_20231120_020000.zip", sidecar="mismatch")
    unsigned = _put(client, "ServerBackup_Full_20231125_020000.zip", meta=False)
    dest = _dest(s3, client.bucket)

    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=False)

    # The two newest do not verify (sidecar for other bytes, no sha256 metadata): they cannot protect anything.
    assert set(done.deleted) == {older, older + ".sha256", bad, bad + ".sha256", unsigned, unsigned + ".sha256"}
    assert done.kept == [good]
    assert _keys(client) == {good, good + ".sha256"}


def test_an_archive_this_run_verified_counts_as_good_without_a_lookup(s3, client) -> None:
    old = _put(client, "ServerBackup_Full_20231101_020000.zip")
    new = _put(client, "ServerBackup_Full_20240131_020000.zip", sidecar=None)  # sidecar still on its way
    dest = _dest(s3, client.bucket)

    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [new], check_mode=False)

    assert done.deleted == [old, old + ".sha256"] and done.looked_up == []


def test_check_mode_deletes_nothing(s3, client) -> None:
    old = _put(client, "ServerBackup_Full_20231201_020000.zip")
    _put(client, "ServerBackup_Full_20240130_020000.zip")
    dest = _dest(s3, client.bucket)
    before = _keys(client)

    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=True)

    assert done.would_delete == [old, old + ".sha256"] and done.deleted == []
    assert _keys(client) == before


def test_a_sidecar_that_is_no_sidecar_makes_the_archive_bad(s3, client) -> None:
    key = _put(client, "ServerBackup_Full_20240130_020000.zip", sidecar=None)
    client.put_object(Bucket=client.bucket, Key=key + ".sha256", Body=b"x" * 5000)
    listing = list_prefix(open_store(_dest(s3, client.bucket)), PREFIX)
    (archive,) = listing.archives
    assert archive.has_sidecar and archive.sidecar == "(a 5000-byte object)"


def test_a_missing_bucket_raises_a_store_error(s3, client) -> None:
    dest = _dest(s3, "no-such-bucket-here")
    with pytest.raises(CloudStoreError, match="NoSuchBucket"):
        run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=False)


def _action(check_mode: bool = False) -> ActionModule:
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0)
    return action


def _args(destinations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"destinations": destinations, "cluster": "prod", "verified": [], "now": NOW.isoformat(), **SETTINGS,
            **extra}


def test_the_action_reports_locks_and_a_failed_destination_as_warnings(s3, client) -> None:
    old = _put(client, "ServerBackup_Full_20231201_020000.zip", lock_until=datetime.now(UTC) + timedelta(days=1))
    _put(client, "ServerBackup_Full_20240130_020000.zip")
    good = {"type": "s3", "bucket": client.bucket, "endpoint_url": s3.endpoint, "region": "us-east-1",
            "access_key_id": KEY_ID, "secret_access_key": SECRET}
    missing = {**good, "bucket": "missing-bucket-x", "name": "offsite"}
    skipped = {**good, "prefix": "elsewhere", "retention": False}

    result = _action().step(_args([good, missing, skipped]), {"inventory_hostname": "controller"})

    first, second = result["cloud_retention"]
    assert first["ok"] and first["locked"][0]["key"] == old and first["deleted"] == []
    assert not second["ok"] and "NoSuchBucket" in second["error"]
    assert any("offsite" in w or "missing-bucket-x" in w for w in result["warnings"])
    assert "1 kept by their retention lock" in result["msg"] and "1 failed" in result["msg"]
    assert SECRET not in repr(result)


def test_the_action_refuses_bad_settings(s3, client) -> None:
    with pytest.raises(AlteryxStepError) as raised:
        _action().step(_args([{"type": "s3"}]), {"inventory_hostname": "controller"})
    assert raised.value.failure_class == "validation" and "bucket is required" in raised.value.msg
    with pytest.raises(AlteryxStepError) as raised:
        _action().step(_args([], min_keep=-1), {"inventory_hostname": "controller"})
    assert raised.value.failure_class == "validation"
    with pytest.raises(AlteryxStepError) as raised:
        _action().step(_args([], now="yesterday"), {"inventory_hostname": "controller"})
    assert raised.value.failure_class == "validation"


def test_a_locked_sidecar_of_a_deleted_archive_stays_and_is_reported(s3, client) -> None:
    old = _put(client, "ServerBackup_Full_20231201_020000.zip", sidecar=None)
    text = f"{hashlib.sha256(f'archive {Path(old).name}'.encode() * 4).hexdigest()}  {Path(old).name}\n".encode()
    client.put_object(Bucket=client.bucket, Key=old + ".sha256", Body=text, ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1))
    _put(client, "ServerBackup_Full_20240130_020000.zip")
    dest = _dest(s3, client.bucket)

    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=False)

    assert done.deleted == [old]
    assert [lock["key"] for lock in done.locked] == [old + ".sha256"]
    assert any("stays: its retention lock refused the delete" in w for w in done.warnings)


def test_a_vanished_object_or_one_without_metadata_does_not_verify(s3, client) -> None:
    from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_retention import metadata_hash
    store = open_store(_dest(s3, client.bucket))
    assert "disappeared" in metadata_hash(store, f"{PREFIX}/ServerBackup_Full_20240101_020000.zip").error
    bare = _put(client, "ServerBackup_Full_20240102_020000.zip", meta=False)
    assert "no sha256 metadata" in metadata_hash(store, bare).error


def test_a_plan_that_keeps_asking_for_the_same_hash_is_an_error(s3, client, monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.alteryx.server.plugins.plugin_utils import _cloud_retention
    from ansible_collections.alteryx.server.plugins.plugin_utils._retention import RetentionPlan
    _put(client, "ServerBackup_Full_20231201_020000.zip")
    dest = _dest(s3, client.bucket)
    stuck = RetentionPlan(need_hash=[f"{PREFIX}\\ServerBackup_Full_20231201_020000.zip"])
    monkeypatch.setattr(_cloud_retention, "plan_retention", lambda *a, **k: stuck)
    with pytest.raises(CloudStoreError, match="asked twice"):
        run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=False)
