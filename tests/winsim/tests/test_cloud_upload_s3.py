"""Cloud upload to a real S3 API on loopback (moto_server behind the S3 gateway of tests/tools/s3_server.py): the
uploader's twin does the HTTP PUTs through the win_powershell fake, the controller side is the collection's own
S3 store and upload logic."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import MIB, multipart_etag, url_json
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import check_destination, open_store
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import ObjectLocked, UploadedPart
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_upload import Archive, upload
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text, sensitive_parameters
from winsim_engine import argspec, fakes
from winsim_engine.host import Host

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from s3_server import S3Gateway  # noqa: E402

SCRIPT = script_text("alteryx_cloud_upload")
NAME = "ServerBackup_Full_20240131_020000.zip"
LOCAL = "D:\\Alteryx\\Backups\\" + NAME
SECRET = "wJalrXUtnFEMI-canary-SECRET-key-0123456789"
KEY_ID = "AKIACANARY0000000000"
BUCKET = "alteryx-backups"


@pytest.fixture
def s3(tmp_path: Path):
    with S3Gateway(tmp_path) as gateway:
        yield gateway


def _client(s3: S3Gateway):
    import boto3
    return boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET)


@pytest.fixture
def bucket(s3: S3Gateway) -> str:
    _client(s3).create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    return BUCKET


def _archive(host: Host, size: int) -> Archive:
    data = os.urandom(size)
    local = host.local_path(LOCAL)
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    host.local_path(LOCAL + ".sha256").write_bytes(f"{sha}  {NAME}\n".encode())
    return Archive(LOCAL, NAME, size, sha, LOCAL + ".sha256")


def _dest(s3: S3Gateway, **extra: Any):
    entry = {"type": "s3", "bucket": BUCKET, "endpoint_url": s3.endpoint, "region": "us-east-1",
             "access_key_id": KEY_ID, "secret_access_key": SECRET, "part_size_mb": 5, **extra}
    return check_destination(entry, 1, host="controller")


class HostCalls:
    """``send`` for upload(): one win_powershell call of the uploader per batch, as the action makes it."""

    def __init__(self, host: Host, retries: int = 1) -> None:
        self.host, self.retries, self.replies = host, retries, []

    def __call__(self, path: str, parts) -> list[dict]:
        module_args = {"script": SCRIPT, "parameters": {"Path": path, "TimeoutSeconds": 10, "Retries": self.retries,
                                                        "RetryDelay": 0},
                       "sensitive_parameters": sensitive_parameters({"PartsJson": url_json(parts)}),
                       "depth": RESULT_DEPTH}
        params, error = argspec.validate("ansible.windows.win_powershell", module_args)
        assert error is None, error
        reply = fakes.REGISTRY["ansible.windows.win_powershell"](self.host, params,
                                                                fakes.Context(host=self.host, check_mode=False, key="t"))
        self.replies.append(reply)
        if reply["failed"]:
            raise AlteryxStepError(reply["result"].get("message", "failed"), reply["result"].get("failure_class",
                                                                                                 "general"))
        return reply["result"]["parts"]


def _go(host: Host, s3: S3Gateway, archive: Archive, retries: int = 3, **extra: Any) -> tuple[dict, HostCalls]:
    dest = _dest(s3, **extra)
    calls = HostCalls(host)
    record = upload(open_store(dest), dest, archive, calls, retries=retries, now=datetime.now(UTC))
    return record, calls


def _body(s3: S3Gateway, key: str) -> bytes:
    return _client(s3).get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_multipart_upload_lands_verified_with_its_sidecar(host: Host, s3: S3Gateway, bucket: str) -> None:
    archive = _archive(host, 12 * MIB + 123)
    record, calls = _go(host, s3, archive)
    assert record["ok"] is True, record["error"]
    assert record["key"] == f"controller/{NAME}" and record["parts"] == 3 and record["rounds"] == 1
    assert _body(s3, record["key"]) == host.local_path(LOCAL).read_bytes()
    assert _body(s3, record["sidecar_key"]) == f"{archive.sha256}  {NAME}\n".encode()
    head = _client(s3).head_object(Bucket=BUCKET, Key=record["key"])
    assert head["Metadata"]["sha256"] == archive.sha256
    md5s = [p["md5_base64"] for p in calls.replies[0]["result"]["parts"]]
    expected = multipart_etag([UploadedPart(n, "", m) for n, m in enumerate(md5s, 1)])
    assert head["ETag"].strip('"') == expected
    assert dict(s3.faults.puts) == {1: 2, 2: 1, 3: 1}  # part 1 of the archive and the sidecar's one part


def test_a_small_archive_is_one_part(host: Host, s3: S3Gateway, bucket: str) -> None:
    record, _calls = _go(host, s3, _archive(host, 4000))
    assert record["ok"] is True and record["parts"] == 1


def test_a_connection_cut_mid_part_is_tried_again_on_the_host(host: Host, s3: S3Gateway, bucket: str) -> None:
    s3.faults.cut_body[2] = 1
    record, calls = _go(host, s3, _archive(host, 11 * MIB))
    assert record["ok"] is True and record["rounds"] == 1
    part2 = calls.replies[0]["result"]["parts"][1]
    assert part2["attempts"] == 2 and part2["ok"] is True


def test_a_part_failing_every_host_try_is_resumed_next_round_alone(host: Host, s3: S3Gateway, bucket: str) -> None:
    s3.faults.cut_body[2] = 2  # both host tries of the first round (Retries=1)
    archive = _archive(host, 11 * MIB)
    record, calls = _go(host, s3, archive)
    assert record["ok"] is True and record["rounds"] == 2
    assert s3.faults.puts[3] == 1  # part 3 was sent once: the second round carried only part 2
    first = {p["number"]: p for p in calls.replies[0]["result"]["parts"]}
    assert first[2]["ok"] is False and first[2]["status"] == 0 and first[2]["error"]
    assert _body(s3, record["key"]) == host.local_path(LOCAL).read_bytes()


def test_a_part_stored_but_its_answer_lost_is_taken_from_list_parts(host: Host, s3: S3Gateway, bucket: str) -> None:
    s3.faults.drop_answer[1] = 2  # the service stores part 1 twice, the host never hears back
    record, _calls = _go(host, s3, _archive(host, 6 * MIB))
    assert record["ok"] is True and record["resumed_parts"] == 1 and record["rounds"] == 1
    assert s3.faults.puts[1] == 3  # two tries of the archive's part 1, one of the sidecar: part 1 not sent again


def test_an_expired_url_gets_a_fresh_one(host: Host, s3: S3Gateway, bucket: str) -> None:
    # The request reaches the service after its 3 s URL expired. X-Amz-Date counts whole seconds, so a URL lives
    # between 2 and 3 s: with a 1 s expiry a fresh URL could be refused at once on a loaded machine.
    s3.faults.delay_once[2] = 4.5
    record, calls = _go(host, s3, _archive(host, 11 * MIB), url_expiry_seconds=3)
    first = {p["number"]: p for p in calls.replies[0]["result"]["parts"]}
    assert first[2]["status"] == 403 and first[2]["error"] == "HTTP 403 AccessDenied: Request has expired"
    assert first[2]["attempts"] == 1  # a 4xx is not tried again with the same URL
    assert "X-Amz" not in json.dumps(calls.replies)  # no URL (with its signature) in any reply
    assert record["ok"] is True and record["rounds"] == 2  # the second round's fresh URL for part 2 worked
    # Part 3 was signed with part 2 and reached the service after it, expired too; part 1 went once (+ sidecar).
    assert s3.faults.puts[1] == 2 and s3.faults.puts[3] == 2 and first[3]["status"] == 403


def test_bytes_changed_on_the_way_are_detected_and_nothing_is_published(host: Host, s3: S3Gateway,
                                                                       bucket: str) -> None:
    s3.faults.flip_byte[2] = 99
    record, _calls = _go(host, s3, _archive(host, 11 * MIB), retries=1)
    assert record["ok"] is False
    assert "part 2: the service's ETag" in record["error"] and "changed on the way" in record["error"]
    client = _client(s3)
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert not client.list_multipart_uploads(Bucket=BUCKET).get("Uploads")


def test_object_lock_refuses_an_early_delete(host: Host, s3: S3Gateway, bucket: str) -> None:
    record, _calls = _go(host, s3, _archive(host, 6 * MIB), lock={"mode": "governance", "days": 1})
    assert record["ok"] is True, record["error"]
    until = datetime.fromisoformat(record["locked_until"])
    assert until - datetime.now(UTC) > timedelta(hours=23)
    store = open_store(_dest(s3))
    with pytest.raises(ObjectLocked):
        store.delete(record["key"])
    assert store.stat(record["key"]).locked_until is not None
    assert store.stat(record["key"]).size == 6 * MIB


def test_a_missing_archive_fails_the_destination_and_leaves_nothing(host: Host, s3: S3Gateway, bucket: str) -> None:
    archive = Archive(LOCAL, NAME, 100, "0" * 64, LOCAL + ".sha256")
    record, _calls = _go(host, s3, archive)
    assert record["ok"] is False and f"Cannot open {LOCAL}" in record["error"]
    assert not _client(s3).list_multipart_uploads(Bucket=BUCKET).get("Uploads")


def test_the_secret_key_never_reaches_the_host(host: Host, s3: S3Gateway, bucket: str) -> None:
    record, calls = _go(host, s3, _archive(host, 6 * MIB))
    assert record["ok"] is True
    assert SECRET not in json.dumps(calls.replies) and SECRET not in json.dumps(record)
    for path in host.root.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
