"""The backup role's S3 destinations, end to end: real ansible-playbook runs of playbooks/backup_full.yml against
winsim, a real S3 API on loopback (moto_server behind tests/tools/s3_server.py's gateway). The simulated host's
uploader PUTs the parts to the pre-signed URLs the controller signs; the secret key is a canary that must appear
nowhere on the host, in its journal or in the output at -vvvv, and neither may any URL signature."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import REPO, Fleet, ansible_env
from s3_server import S3Gateway

PLAYBOOK = "playbooks/backup_full.yml"
KEY_ID = "AKIAINTEGRATION00000"
SECRET = "integration-canary-SECRET-key-0123456789abcd"
SIGNATURE = re.compile(r"X-Amz-Signature", re.IGNORECASE)


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Gateway]:
    with S3Gateway(tmp_path_factory.mktemp("moto")) as gateway:
        yield gateway


def _client(s3: S3Gateway):
    return boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET)


@pytest.fixture
def bucket(s3: S3Gateway) -> str:
    name = f"backups-{uuid.uuid4().hex[:12]}"
    _client(s3).create_bucket(Bucket=name)
    return name


def _destination(s3: S3Gateway, bucket: str, **extra: Any) -> dict[str, Any]:
    return {"type": "s3", "bucket": bucket, "endpoint_url": s3.endpoint, "region": "us-east-1",
            "access_key_id": KEY_ID, "secret_access_key": SECRET, "part_size_mb": 5, **extra}


def _configure(fleet: Fleet, destinations: list[dict[str, Any]]) -> None:
    """The destinations as host vars beside the inventory, where a user keeps them (Vault-encrypted): never with -e
    on the command line, which ansible-playbook echoes at -vvvv."""
    host_vars = fleet.inventory.parent / "host_vars"
    host_vars.mkdir(exist_ok=True)
    (host_vars / "controller.yml").write_text(json.dumps({"alteryx_backup_cloud_destinations": destinations}))


def _keys(s3: S3Gateway, bucket: str) -> set[str]:
    pages = _client(s3).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents") or []}


def _read(s3: S3Gateway, bucket: str, key: str) -> bytes:
    return _client(s3).get_object(Bucket=bucket, Key=key)["Body"].read()


def _host_log(fleet: Fleet) -> str:
    logs = sorted((fleet.host() / "drives").rglob("BackupLog_Full_*.log"))
    return logs[-1].read_text(encoding="utf-8-sig")


def _no_canary_on_host(fleet: Fleet) -> None:
    """No host file (the journal, the host log, the staging leftovers, the async results) holds the secret key or
    a URL signature."""
    for path in fleet.host().rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET.encode() not in data, path
            assert b"X-Amz-Signature" not in data and b"x-amz-signature" not in data, path


def _verify_download(s3: S3Gateway, bucket: str, key: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """The archive, its sidecar and its manifest copy downloaded side by side, then playbooks/verify.yml on them
    as docs/cloud.md says - with the manifest copy required (the role's default)."""
    folder.mkdir()
    for suffix in ("", ".sha256", ".manifest.json"):
        (folder / (key.rsplit("/", 1)[-1] + suffix)).write_bytes(_read(s3, bucket, key + suffix))
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "verify.yml"),
               "-e", json.dumps({"alteryx_verify_path": str(folder)})]
    return subprocess.run(command, capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=300,
                          check=False)


def test_a_full_backup_lands_in_the_bucket_verified_and_the_next_run_prunes_it(fleet: Fleet, s3: S3Gateway,
                                                                                 bucket: str, tmp_path: Path) -> None:
    client = _client(s3)
    prefix = f"{fleet.cluster_of('controller')}/controller"
    # A DatabaseOnly archive long expired: a Full run's retention leaves other modes alone.
    other_mode = f"{prefix}/ServerBackup_DB_20200101_020000.zip"
    client.put_object(Bucket=bucket, Key=other_mode, Body=b"db", Metadata={"sha256": hashlib.sha256(b"db").hexdigest()})
    _configure(fleet, [_destination(s3, bucket)])

    first = fleet.playbook(PLAYBOOK, verbosity=4)
    assert first.rc == 0, first.output[-4000:]
    (archive,) = fleet.archives()
    local = archive.read_bytes()
    key = f"{prefix}/{archive.name}"
    assert _keys(s3, bucket) == {other_mode, key, key + ".sha256", key + ".manifest.json"}
    # The object is the archive: its bytes, its sha256 metadata and its sidecar all agree with the local copy.
    assert hashlib.sha256(_read(s3, bucket, key)).hexdigest() == hashlib.sha256(local).hexdigest()
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["Metadata"]["sha256"] == hashlib.sha256(local).hexdigest()
    assert _read(s3, bucket, key + ".sha256") == Path(str(archive) + ".sha256").read_bytes()
    # The manifest copy published beside the local archive went up byte for byte, with its SHA256 as metadata.
    local_copy = Path(str(archive) + ".manifest.json").read_bytes()
    assert _read(s3, bucket, key + ".manifest.json") == local_copy
    copy_head = client.head_object(Bucket=bucket, Key=key + ".manifest.json")
    assert copy_head["Metadata"]["sha256"] == hashlib.sha256(local_copy).hexdigest()
    uploaded = re.search(rf"Uploaded {re.escape(archive.name)} to s3://{bucket}/{re.escape(key)} in \d+ part\(s\) "
                         r"with its sidecar and manifest copy, size and checksums verified", _host_log(fleet))
    assert uploaded, _host_log(fleet)[-3000:]
    # Downloaded, the three pass the offline verification with the manifest copy required.
    verified = _verify_download(s3, bucket, key, tmp_path / "download")
    assert verified.returncode == 0, verified.stdout[-4000:] + verified.stderr[-2000:]
    assert f"{archive.name}: PASSED - " in verified.stdout
    # Canary at -vvvv: neither the secret key nor a URL signature in the output, on the host or in its journal.
    assert SECRET not in first.output
    assert not SIGNATURE.search(first.output)
    _no_canary_on_host(fleet)

    # The next run with a 0-day Full retention: the first run's archive has expired and is not the newest.
    second = fleet.playbook(PLAYBOOK, extra={"alteryx_backup_retention_days": {"Full": 0}})
    assert second.rc == 0, second.output[-4000:]
    (newest,) = fleet.archives()
    assert newest.name != archive.name
    new_key = f"{prefix}/{newest.name}"
    assert _keys(s3, bucket) == {other_mode, new_key, new_key + ".sha256", new_key + ".manifest.json"}
    log = _host_log(fleet)
    for suffix in ("", ".sha256", ".manifest.json"):
        assert f"Deleted s3://{bucket}/{key}{suffix}:" in log, suffix
    assert SECRET not in second.output
    _no_canary_on_host(fleet)


def test_credentials_from_the_controller_environment(fleet: Fleet, s3: S3Gateway, bucket: str) -> None:
    destination = {k: v for k, v in _destination(s3, bucket).items() if k not in ("access_key_id", "secret_access_key")}
    _configure(fleet, [destination])
    run = fleet.playbook(PLAYBOOK, verbosity=4, env={"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET})
    assert run.rc == 0, run.output[-4000:]
    (archive,) = fleet.archives()
    assert f"{fleet.cluster_of('controller')}/controller/{archive.name}" in _keys(s3, bucket)
    assert SECRET not in run.output
    _no_canary_on_host(fleet)


def test_a_failed_cloud_destination_is_a_warning_and_the_local_archive_stays(fleet: Fleet, s3: S3Gateway) -> None:
    destinations = [_destination(s3, "no-such-bucket", name="offsite")]
    _configure(fleet, destinations)
    run = fleet.playbook(PLAYBOOK, verbosity=4)
    assert run.rc == 0, run.output[-4000:]
    assert len(fleet.archives()) == 1
    log = _host_log(fleet)
    assert "NoSuchBucket" in log
    assert "1 cloud destination(s) did not get a copy" in log
    assert "[WARNING]" in run.output and "NoSuchBucket" in run.output
    assert SECRET not in run.output and not SIGNATURE.search(run.output)
    _no_canary_on_host(fleet)


def test_a_required_cloud_destination_that_fails_fails_the_run_with_storage(fleet: Fleet, s3: S3Gateway) -> None:
    destinations = [_destination(s3, "no-such-bucket", required=True)]
    _configure(fleet, destinations)
    run = fleet.playbook(PLAYBOOK, verbosity=4)
    assert run.rc != 0
    assert "failure_class=storage" in run.output, run.output[-4000:]
    assert "required cloud destination(s) failed" in run.output
    # The dump window ended long before: the service runs, and the verified local archive stays.
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert len(fleet.archives()) == 1
    assert SECRET not in run.output and not SIGNATURE.search(run.output)
    _no_canary_on_host(fleet)


def test_a_bad_cloud_destination_is_refused_before_anything_is_touched(fleet: Fleet, s3: S3Gateway) -> None:
    destinations = [_destination(s3, "")]
    _configure(fleet, destinations)
    run = fleet.playbook(PLAYBOOK)
    assert run.rc != 0
    assert "alteryx_backup_cloud_destinations='(hidden)'" in run.output, run.output[-4000:]
    assert "bucket is required for type s3" in run.output
    assert "failure_class=validation" in run.output or "validation" in run.output
    assert fleet.calls() == []
    assert SECRET not in run.output


def test_check_mode_names_the_objects_and_uploads_nothing(fleet: Fleet, s3: S3Gateway, bucket: str) -> None:
    _configure(fleet, [_destination(s3, bucket)])
    run = fleet.playbook(PLAYBOOK, check=True, verbosity=1)
    assert run.rc == 0, run.output[-4000:]
    assert f"Would upload s3://{bucket}/{fleet.cluster_of('controller')}/controller/ServerBackup_Full_" in run.output
    assert _keys(s3, bucket) == set()
    assert SECRET not in run.output
