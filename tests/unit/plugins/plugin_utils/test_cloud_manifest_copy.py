"""The ``<archive>.manifest.json`` copy goes to the cloud with its archive (issue 12), and cloud retention takes it
away with its archive: a real S3 API on loopback (moto_server behind tests/tools/s3_server.py), the host's PUTs
made from the test with the bytes of the simulated files."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ansible_collections.alteryx.server.plugins.action.alteryx_cloud_upload import ActionModule
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_retention import run_retention
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import check_destination, open_store
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import CloudStoreError, PartUrl
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_upload import Archive, LocalFile, upload
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tools"))
from s3_server import S3Gateway, bucket_client  # noqa: E402

KEY_ID, SECRET = "AKIAMANIFESTCOPY0000", "manifest-copy-canary-secret-0123456789ab"
NAME = "ServerBackup_Full_20240131_020000.zip"
LOCAL = "D:\\Alteryx\\Backups\\" + NAME
ARCHIVE = b"PK archive bytes " * 400
SHA256 = hashlib.sha256(ARCHIVE).hexdigest()
SIDECAR = f"{SHA256}  {NAME}\n".encode()
COPY = json.dumps({"ArchiveInformation": {"FileName": NAME, "SHA256": SHA256}}, indent=2).encode()
COPY_FILE = LocalFile(LOCAL + ".manifest.json", len(COPY), hashlib.sha256(COPY).hexdigest())
PREFIX = "prod/controller"
NOW = datetime(2024, 1, 31, 2, 0, 0)
SETTINGS = {"retention_days": {"Full": 30}, "min_keep": 1, "modes": ["Full"], "min_bytes": {"Full": 10}}


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory):
    with S3Gateway(tmp_path_factory.mktemp("moto")) as gateway:
        yield gateway


@pytest.fixture
def client(s3: S3Gateway, request: pytest.FixtureRequest):
    return bucket_client(s3, KEY_ID, SECRET, f"copy-{abs(hash(request.node.name)) % 10**8}")


def _dest(s3: S3Gateway, bucket: str, **extra: Any):
    return check_destination({"type": "s3", "bucket": bucket, "endpoint_url": s3.endpoint, "region": "us-east-1",
                              "access_key_id": KEY_ID, "secret_access_key": SECRET, "part_size_mb": 5, **extra}, 1,
                             host="controller", cluster="prod")


class Host:
    """``send`` as the uploader answers it: each part PUT from the simulated file's bytes, one record per part.
    ``missing`` paths fail the call as the script does for a file it cannot open."""

    def __init__(self, files: dict[str, bytes], missing: Sequence[str] = ()) -> None:
        self.files, self.missing, self.paths = files, set(missing), []

    def __call__(self, path: str, parts: Sequence[PartUrl]) -> list[dict[str, Any]]:
        self.paths.append(path)
        if path in self.missing:
            raise AlteryxStepError(f"Cannot open {path} : Could not find file '{path}'.", "storage")
        data = self.files[path]
        records = []
        for part in parts:
            body = data[part.offset:part.offset + part.length]
            md5 = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - Content-MD5
            url = urlsplit(part.url)
            conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
            try:
                conn.request("PUT", f"{url.path}?{url.query}", body=body,
                             headers={**part.headers, "Content-Length": str(len(body)), "Content-MD5": md5})
                reply = conn.getresponse()
                reply.read()
                records.append({"number": part.number, "ok": reply.status == 200, "status": reply.status,
                                "etag": reply.getheader("ETag") or "", "md5_base64": md5,
                                "error": "" if reply.status == 200 else f"HTTP {reply.status}", "attempts": 1})
            finally:
                conn.close()
        return records


def _files(copy: bytes = COPY) -> dict[str, bytes]:
    return {LOCAL: ARCHIVE, LOCAL + ".sha256": SIDECAR, LOCAL + ".manifest.json": copy}


def _archive(copy: LocalFile | None = COPY_FILE) -> Archive:
    return Archive(LOCAL, NAME, len(ARCHIVE), SHA256, LOCAL + ".sha256", copy)


def _keys(client) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=client.bucket)
    return {o["Key"] for page in pages for o in page.get("Contents") or []}


def _body(client, key: str) -> bytes:
    return client.get_object(Bucket=client.bucket, Key=key)["Body"].read()


def _nothing_left(client) -> None:
    assert _keys(client) == set()
    assert not client.list_multipart_uploads(Bucket=client.bucket).get("Uploads")


def test_the_manifest_copy_is_the_third_object_byte_for_byte(s3, client) -> None:
    dest = _dest(s3, client.bucket)
    host = Host(_files())
    record = upload(open_store(dest), dest, _archive(), host, retries=1, now=datetime.now(UTC))
    assert record["ok"] is True, record["error"]
    key = f"{PREFIX}/{NAME}"
    assert record["manifest_copy_key"] == key + ".manifest.json"
    assert _keys(client) == {key, key + ".sha256", key + ".manifest.json"}
    assert _body(client, key + ".manifest.json") == COPY
    head = client.head_object(Bucket=client.bucket, Key=key + ".manifest.json")
    assert head["Metadata"]["sha256"] == COPY_FILE.sha256
    # After the archive and its sidecar: a failure of the copy can never leave a copy without its archive.
    assert host.paths == [LOCAL, LOCAL + ".sha256", LOCAL + ".manifest.json"]


def test_an_archive_step_without_a_copy_uploads_two_objects(s3, client) -> None:
    dest = _dest(s3, client.bucket)
    record = upload(open_store(dest), dest, _archive(None), Host(_files()), retries=1, now=datetime.now(UTC))
    assert record["ok"] is True, record["error"]
    assert record["manifest_copy_key"] == ""
    assert _keys(client) == {f"{PREFIX}/{NAME}", f"{PREFIX}/{NAME}.sha256"}


def test_the_lock_covers_the_manifest_copy_too(s3, client) -> None:
    dest = _dest(s3, client.bucket, lock={"mode": "governance", "days": 1})
    record = upload(open_store(dest), dest, _archive(), Host(_files()), retries=1, now=datetime.now(UTC))
    assert record["ok"] is True, record["error"]
    for key in (record["key"], record["sidecar_key"], record["manifest_copy_key"]):
        head = client.head_object(Bucket=client.bucket, Key=key)
        assert head["ObjectLockMode"] == "GOVERNANCE", key
        assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(hours=23)


def test_a_copy_the_host_cannot_read_fails_the_destination_and_leaves_nothing(s3, client) -> None:
    dest = _dest(s3, client.bucket)
    host = Host(_files(), missing=[LOCAL + ".manifest.json"])
    record = upload(open_store(dest), dest, _archive(), host, retries=1, now=datetime.now(UTC))
    assert record["ok"] is False
    assert record["error"] == f"Cannot open {LOCAL}.manifest.json : Could not find file '{LOCAL}.manifest.json'."
    assert record["left"] == []
    _nothing_left(client)


def test_a_copy_changed_on_the_host_after_the_archive_step_is_caught_by_the_read_back(s3, client) -> None:
    # Same size, other bytes: the service's MD5 check passes (the host hashes what it sends), the SHA256 does not.
    changed = COPY.replace(b"Archive", b"archive")
    dest = _dest(s3, client.bucket)
    record = upload(open_store(dest), dest, _archive(), Host(_files(changed)), retries=1, now=datetime.now(UTC))
    assert record["ok"] is False
    assert f"read back has SHA256 {hashlib.sha256(changed).hexdigest()}" in record["error"]
    assert "changed on the host after it was written" in record["error"]
    _nothing_left(client)


def test_a_refused_lock_of_the_copy_deletes_it_and_reports_the_locked_ones(s3, client) -> None:
    dest = _dest(s3, client.bucket, lock={"mode": "governance", "days": 1})
    store = open_store(dest)
    real_lock = store.lock

    def lock(key: str, mode: str, until: datetime) -> None:
        if key.endswith(".manifest.json"):
            raise CloudStoreError(f"S3 PutObjectRetention of {key} failed: AccessDenied")
        real_lock(key, mode, until)

    store.lock = lock
    record = upload(store, dest, _archive(), Host(_files()), retries=1, now=datetime.now(UTC))
    assert record["ok"] is False and "PutObjectRetention" in record["error"]
    # The archive and its sidecar are locked already (they cannot go): reported, and the copy is gone.
    assert record["left"] == [record["key"], record["sidecar_key"]]
    assert _keys(client) == {record["key"], record["sidecar_key"]}


@pytest.mark.parametrize(("given", "message"), [
    ({"path": LOCAL + ".manifest.json", "size": 10}, "manifest_copy must be the archive step's result"),
    ({"path": LOCAL + ".manifest.json", "size": "ten", "sha256": "a" * 64}, "manifest_copy must be"),
    ({"path": LOCAL + ".manifest.json", "size": 10, "sha256": "xyz"}, "manifest_copy.sha256 is not a SHA256"),
    ({"path": LOCAL + ".manifest.json", "size": -1, "sha256": "a" * 64}, "manifest_copy.size must not be negative"),
])
def test_a_malformed_manifest_copy_is_a_validation_failure(given: dict[str, Any], message: str) -> None:
    args = {"archive": {"path": LOCAL, "size": 1, "sha256": SHA256}, "sidecar": "", "manifest_copy": given}
    with pytest.raises(AlteryxStepError, match=message) as caught:
        ActionModule._archive(args)
    assert caught.value.failure_class == "validation"


def test_an_empty_manifest_copy_means_none() -> None:
    for given in ({}, {"path": "", "size": 0, "sha256": ""}):
        archive = ActionModule._archive({"archive": {"path": LOCAL, "size": 1, "sha256": SHA256}, "sidecar": "",
                                         "manifest_copy": given})
        assert archive.manifest_copy is None
    archive = ActionModule._archive({"archive": {"path": LOCAL, "size": 1, "sha256": SHA256}, "sidecar": "",
                                     "manifest_copy": {"path": COPY_FILE.path, "size": COPY_FILE.size,
                                                       "sha256": COPY_FILE.sha256.upper()}})
    assert archive.manifest_copy == COPY_FILE


def _put(client, name: str, *, copy: bool) -> str:
    """An archive as alteryx_cloud_upload leaves it: sha256 metadata, a sidecar, and (new uploads) a manifest copy."""
    data = f"archive {name}".encode() * 4
    sha = hashlib.sha256(data).hexdigest()
    key = f"{PREFIX}/{name}"
    client.put_object(Bucket=client.bucket, Key=key, Body=data, Metadata={"sha256": sha})
    client.put_object(Bucket=client.bucket, Key=key + ".sha256", Body=f"{sha}  {name}\n".encode())
    if copy:
        client.put_object(Bucket=client.bucket, Key=key + ".manifest.json", Body=b"{}")
    return key


def test_retention_deletes_the_copy_with_its_archive_and_a_missing_copy_is_no_fault(s3, client) -> None:
    oldest = _put(client, "ServerBackup_Full_20231101_020000.zip", copy=True)
    before_copies = _put(client, "ServerBackup_Full_20231120_020000.zip", copy=False)
    newest = _put(client, "ServerBackup_Full_20231201_020000.zip", copy=False)
    dest = _dest(s3, client.bucket)

    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=False)

    # The newest (uploaded before copies went up) is good by its sidecar alone and protects nothing older.
    assert done.kept == [newest]
    assert "SHA256 matches its sidecar" in done.reasons[newest]
    # An archive goes first, then what is attached to it: sidecar and manifest copy.
    assert done.deleted == [oldest, oldest + ".sha256", oldest + ".manifest.json",
                            before_copies, before_copies + ".sha256"]
    assert _keys(client) == {newest, newest + ".sha256"}


def test_check_mode_retention_names_the_copy(s3, client) -> None:
    old = _put(client, "ServerBackup_Full_20231101_020000.zip", copy=True)
    _put(client, "ServerBackup_Full_20240130_020000.zip", copy=True)
    dest = _dest(s3, client.bucket)
    done = run_retention(open_store(dest), dest, NOW, SETTINGS, [], check_mode=True)
    assert done.would_delete == [old, old + ".sha256", old + ".manifest.json"]
    assert old + ".manifest.json" in _keys(client)
