"""Issue 12, "done when": a Full archive holds no plaintext secret, lands byte for byte in an S3 bucket (moto behind
tests/tools/s3_server.py) and an Azure container (Azurite) through the URLs the controller signs, and restores with
the private key; no cloud credential reaches the simulated host.

One real ansible-playbook run of playbooks/backup_full.yml with both destinations in the host vars (as a user keeps
them, Vault-encrypted; never -e, which -vvvv echoes), then playbooks/restore.yml ConfigOnly from the local archive
with ``alteryx_restore_secrets_key``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from azure.storage.blob import BlobServiceClient
from azurite_server import AzuriteServer
from conftest import SECRETS_KEY, Fleet
from s3_server import S3Gateway

from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import verify_archive
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import MIB

KEY_ID = "AKIAPROTECTED0000000"
S3_SECRET = "protected-canary-S3-SECRET-0123456789abcdef"
# The winsim controller's secrets for this run: the token and passwords the archive must never hold in plaintext.
CANARIES = {"server_secret": "PROTECTEDTOKEN" + "3" * 50, "emongo_password": "ProtectedUserPw6612",
            "emongo_admin_password": "ProtectedAdminPw2209"}
URL_SIGNATURES = re.compile(r"X-Amz-Signature|sig=(?!REDACTED)[A-Za-z0-9%+/=]{8,}", re.IGNORECASE)


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3Gateway]:
    with S3Gateway(tmp_path) as gateway:
        yield gateway


@pytest.fixture
def azurite() -> Iterator[AzuriteServer]:
    with AzuriteServer() as server:
        yield server


def _s3_client(s3: S3Gateway):
    return boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                        aws_secret_access_key=S3_SECRET)


def _configure(fleet: Fleet, destinations: list[dict]) -> None:
    host_vars = fleet.inventory.parent / "host_vars"
    host_vars.mkdir(exist_ok=True)
    (host_vars / "controller.yml").write_text(json.dumps({"alteryx_backup_cloud_destinations": destinations}))


def _credentials_nowhere(fleet: Fleet, azurite: AzuriteServer, *outputs: str) -> None:
    """Neither cloud secret nor any URL signature in the outputs or in any file of the simulated host."""
    secrets = (S3_SECRET, azurite.account_key)
    for output in outputs:
        assert not [s for s in secrets if s in output]
        assert not URL_SIGNATURES.search(output), URL_SIGNATURES.search(output)
    for path in fleet.host().rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [s for s in secrets if s.encode() in data], path
            assert not URL_SIGNATURES.search(data.decode("utf-8", "replace")), path


def test_a_full_archive_is_protected_in_both_clouds_and_restores_with_the_key(fleet: Fleet, s3: S3Gateway,
                                                                              azurite: AzuriteServer) -> None:
    bucket = f"protected-{uuid.uuid4().hex[:12]}"
    _s3_client(s3).create_bucket(Bucket=bucket)
    container = BlobServiceClient.from_connection_string(azurite.connection_string).create_container(
        f"protected{uuid.uuid4().hex[:12]}")
    _configure(fleet, [
        {"type": "s3", "bucket": bucket, "endpoint_url": s3.endpoint, "region": "us-east-1",
         "access_key_id": KEY_ID, "secret_access_key": S3_SECRET, "part_size_mb": 5},
        {"type": "azure", "container": container.container_name, "account_url": azurite.account_url,
         "account_key": azurite.account_key, "part_size_mb": 1},
    ])
    fleet.set_state(secrets=CANARIES)
    # Incompressible bytes in a folder the backup keeps: an archive of several parts in S3 (5 MiB) and Azure (1 MiB).
    keys = fleet.host().joinpath("drives", "C", "ProgramData", "Alteryx", "Keys")
    (keys / "padding.bin").write_bytes(os.urandom(6 * MIB))

    backup = fleet.playbook("playbooks/backup_full.yml", verbosity=4)
    assert backup.rc == 0, backup.output[-4000:]
    (archive,) = fleet.archives()
    local = archive.read_bytes()

    # No plaintext secret in any entry of the archive; the secrets are there, encrypted.
    with zipfile.ZipFile(archive) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    assert {"Secrets/ControllerToken.cms", "Secrets/MongoPasswords.cms"} <= set(entries)
    leaks = [f"{what} in {name}" for name, data in entries.items() for what, canary in CANARIES.items()
             if canary.encode() in data]
    assert not leaks, leaks
    report = verify_archive(str(archive), secrets_key=SECRETS_KEY.read_bytes())
    assert report["passed"], report["problems"]

    # Both cloud copies are the local archive, byte for byte, with its sidecar, under <cluster>/<host>.
    key = f"{fleet.cluster_of('controller')}/controller/{archive.name}"
    sidecar = Path(f"{archive}.sha256").read_bytes()
    s3_client = _s3_client(s3)
    assert s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() == local
    assert s3_client.head_object(Bucket=bucket, Key=key)["ETag"].endswith('-2"')  # two parts, multipart
    assert s3_client.get_object(Bucket=bucket, Key=key + ".sha256")["Body"].read() == sidecar
    assert container.get_blob_client(key).download_blob().readall() == local
    assert container.get_blob_client(key + ".sha256").download_blob().readall() == sidecar
    assert container.get_blob_client(key).get_blob_properties().metadata["sha256"] == hashlib.sha256(local).hexdigest()
    committed, _uncommitted = container.get_blob_client(key).get_block_list("committed")
    assert len(committed) == -(-len(local) // MIB)  # Azure's 1 MiB blocks, not raised to S3's 5 MiB minimum
    assert not [c for c in CANARIES.values() if c in backup.output]
    _credentials_nowhere(fleet, azurite, backup.output)

    # The node's token is lost (a reinstall generated another); ConfigOnly from the local archive with the private
    # key sets the archived one again.
    fleet.set_state(secrets={**CANARIES, "server_secret": "REGENERATED" + "0" * 53})
    fleet.reset_journal()
    restore = fleet.playbook("playbooks/restore.yml", verbosity=4, extra={
        "alteryx_restore_scope": "ConfigOnly", "alteryx_restore_archive": "D:\\Alteryx\\Backups\\" + archive.name,
        "alteryx_restore_secrets_key": str(SECRETS_KEY)})
    assert restore.rc == 0, restore.output[-5000:]
    assert fleet.state()["secrets"]["server_secret"] == CANARIES["server_secret"]
    assert CANARIES["server_secret"] not in restore.output
    # The safety backup the restore took first stays local: the clouds hold the Full archive, its sidecar and its
    # manifest copy only.
    listed = s3_client.list_objects_v2(Bucket=bucket).get("Contents") or []
    uploaded = {key, key + ".sha256", key + ".manifest.json"}
    assert {o["Key"] for o in listed} == uploaded
    assert {b.name for b in container.list_blobs()} == uploaded
    _credentials_nowhere(fleet, azurite, backup.output, restore.output)
