"""The backup role's Azure Blob destinations, end to end (issue 12): real ansible-playbook runs of
playbooks/backup_full.yml against winsim, with a ``type: azure`` entry of ``alteryx_backup_cloud_destinations`` in the
host vars and a real Blob service on loopback (Azurite, tests/tools/azurite_server.py).

The simulated host's uploader PUTs each part to the write-only SAS URLs the controller signs; the controller commits
the block list, checks size and SHA256, and prunes the container with the disk's retention rules. The account key
(random per Azurite server) and every SAS signature (``sig=``) are canaries: they must appear nowhere in the output
at -vvvv, on the simulated host or in its journal.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient
from azurite_server import AzuriteServer
from conftest import SECRETS_KEY, Fleet

from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import verify_archive

PLAYBOOK = "playbooks/backup_full.yml"
UPLOADER = "ansible.windows.win_powershell:alteryx_cloud_upload"
# A SAS signature value; scrubbed text says 'sig=REDACTED', which is no leak.
SAS_SIGNATURE = re.compile(r"sig=(?!REDACTED)[A-Za-z0-9%+/=]{8,}", re.IGNORECASE)


@pytest.fixture(scope="module")
def azurite() -> Iterator[AzuriteServer]:
    with AzuriteServer() as server:
        yield server


def _service(azurite: AzuriteServer) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture
def container(azurite: AzuriteServer) -> ContainerClient:
    return _service(azurite).create_container(f"backups{uuid.uuid4().hex[:12]}")


def _destination(azurite: AzuriteServer, container: str, **extra: Any) -> dict[str, Any]:
    """An entry as docs/cloud.md shows it: account URL and account key (Azurite's URL names the account in its
    path, so no account_name is needed)."""
    return {"type": "azure", "container": container, "account_url": azurite.account_url,
            "account_key": azurite.account_key, **extra}


def _configure(fleet: Fleet, destinations: list[dict[str, Any]]) -> None:
    """The destinations as host vars beside the inventory, where a user keeps them (Vault-encrypted): never with -e
    on the command line, which ansible-playbook echoes at -vvvv."""
    host_vars = fleet.inventory.parent / "host_vars"
    host_vars.mkdir(exist_ok=True)
    (host_vars / "controller.yml").write_text(json.dumps({"alteryx_backup_cloud_destinations": destinations}))


def _blobs(container: ContainerClient) -> set[str]:
    return {blob.name for blob in container.list_blobs()}


def _download(container: ContainerClient, name: str) -> bytes:
    return container.get_blob_client(name).download_blob().readall()


def _host_log(fleet: Fleet) -> str:
    logs = sorted((fleet.host() / "drives").rglob("BackupLog_Full_*.log"))
    return logs[-1].read_text(encoding="utf-8-sig")


def _no_canary(fleet: Fleet, azurite: AzuriteServer, output: str) -> None:
    """Neither the account key nor a SAS signature in the output or any file of the simulated host (its journal,
    the host log, the staging leftovers, the async results)."""
    assert azurite.account_key not in output
    assert not SAS_SIGNATURE.search(output), SAS_SIGNATURE.search(output)
    for path in fleet.host().rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert azurite.account_key.encode() not in data, path
            assert not SAS_SIGNATURE.search(data.decode("utf-8", "replace")), path


def _upload_fails_on_the_host(fleet: Fleet) -> None:
    """Every uploader call of the next run fails on the host (the node cannot reach the service)."""
    fleet.reset_journal()
    fleet.faults([{"call": UPLOADER, "occurrence": n, "kind": "fail", "msg": "Unable to connect to the remote server"}
                  for n in range(1, 21)])


def test_a_full_backup_lands_in_the_container_verified_and_retention_keeps_the_newest_good_one(
        fleet: Fleet, azurite: AzuriteServer, container: ContainerClient, tmp_path: Path) -> None:
    prefix = f"{fleet.cluster_of('controller')}/controller"
    # Objects retention must leave alone: another mode's long expired archive, a deeper prefix, a foreign blob.
    others = {f"{prefix}/ServerBackup_DB_20200101_020000.zip": b"db",
              f"{prefix}/old/ServerBackup_Full_20200101_020000.zip": b"deeper",
              f"{prefix}/notes.txt": b"not ours"}
    for name, data in others.items():
        container.upload_blob(name, data, metadata={"sha256": hashlib.sha256(data).hexdigest()})
    _configure(fleet, [_destination(azurite, container.container_name)])

    first = fleet.playbook(PLAYBOOK, verbosity=4)
    assert first.rc == 0, first.output[-4000:]
    (archive,) = fleet.archives()
    local = archive.read_bytes()
    key = f"{prefix}/{archive.name}"
    assert _blobs(container) == set(others) | {key, key + ".sha256", key + ".manifest.json"}
    # The blob is the archive: its bytes, its sha256 metadata and its sidecar agree with the local copy.
    sha256 = hashlib.sha256(local).hexdigest()
    blob = _download(container, key)
    assert hashlib.sha256(blob).hexdigest() == sha256
    properties = container.get_blob_client(key).get_blob_properties()
    assert properties.metadata["sha256"] == sha256
    assert properties.content_settings.content_type == "application/zip"
    assert _download(container, key + ".sha256") == Path(f"{archive}.sha256").read_bytes()
    # The manifest copy published beside the local archive is the third blob, byte for byte, typed as JSON.
    local_copy = Path(f"{archive}.manifest.json").read_bytes()
    assert _download(container, key + ".manifest.json") == local_copy
    copy_properties = container.get_blob_client(key + ".manifest.json").get_blob_properties()
    assert copy_properties.metadata["sha256"] == hashlib.sha256(local_copy).hexdigest()
    assert copy_properties.content_settings.content_type == "application/json"
    # Downloaded side by side, the three pass the offline verification with the manifest copy required,
    # encrypted secrets included.
    downloaded = tmp_path / "download" / archive.name
    downloaded.parent.mkdir()
    downloaded.write_bytes(blob)
    for suffix in (".sha256", ".manifest.json"):
        Path(f"{downloaded}{suffix}").write_bytes(_download(container, key + suffix))
    report = verify_archive(str(downloaded), require_manifest_copy=True, secrets_key=SECRETS_KEY.read_bytes())
    assert report["passed"], report["problems"]
    copy_checks = [c for c in report["checks"] if c["check"] in ("manifest_copy", "copy_sha256", "copy_size")]
    assert {c["check"] for c in copy_checks} == {"manifest_copy", "copy_sha256", "copy_size"}
    assert all(c["passed"] for c in copy_checks), copy_checks
    assert "secrets_decrypt" in {check["check"] for check in report["checks"]}
    assert f"Uploaded {archive.name} to azure://{container.container_name}/{key}" in _host_log(fleet)
    _no_canary(fleet, azurite, first.output)

    # Next run, Full retention 0 days, and the node cannot reach the service: the first archive has expired, but it
    # is the newest good one in the container, so it stays; nothing of the failed upload is left there.
    _upload_fails_on_the_host(fleet)
    second = fleet.playbook(PLAYBOOK, extra={"alteryx_backup_retention_days": {"Full": 0}}, verbosity=4)
    assert second.rc == 0, second.output[-4000:]
    assert "1 cloud destination(s) did not get a copy" in _host_log(fleet)
    assert _blobs(container) == set(others) | {key, key + ".sha256", key + ".manifest.json"}
    assert f"Deleted azure://{container.container_name}/{key}" not in second.output
    _no_canary(fleet, azurite, second.output)

    # The run after, with the node reaching the service again: its archive is the newest good one; the first archive
    # and its sidecar go, the other mode, the deeper prefix and the foreign blob stay.
    fleet.faults([])
    third = fleet.playbook(PLAYBOOK, extra={"alteryx_backup_retention_days": {"Full": 0}}, verbosity=4)
    assert third.rc == 0, third.output[-4000:]
    newest = fleet.archives()[-1]
    new_key = f"{prefix}/{newest.name}"
    assert _blobs(container) == set(others) | {new_key, new_key + ".sha256", new_key + ".manifest.json"}
    assert hashlib.sha256(_download(container, new_key)).hexdigest() == hashlib.sha256(newest.read_bytes()).hexdigest()
    log = _host_log(fleet)
    assert f"Deleted azure://{container.container_name}/{key}:" in log
    assert f"Deleted azure://{container.container_name}/{key}.sha256" in log
    assert f"Deleted azure://{container.container_name}/{key}.manifest.json" in log
    _no_canary(fleet, azurite, third.output)


def test_a_missing_container_is_a_warning_and_the_local_archive_stays(fleet: Fleet, azurite: AzuriteServer) -> None:
    _configure(fleet, [_destination(azurite, "nosuchcontainer")])
    run = fleet.playbook(PLAYBOOK, verbosity=4)
    assert run.rc == 0, run.output[-4000:]
    assert len(fleet.archives()) == 1
    text = " ".join(run.output.split())
    assert "[WARNING]" in run.output and "ContainerNotFound" in text
    assert "create the container 'nosuchcontainer' first" in text
    log = _host_log(fleet)
    assert "1 cloud destination(s) did not get a copy" in log
    # Retention in the missing container fails too, as a warning: nothing is deleted, the next run tries again.
    assert "Retention at azure://nosuchcontainer/" in text
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    _no_canary(fleet, azurite, run.output)


def test_a_required_container_that_is_missing_fails_the_run_with_storage(fleet: Fleet, azurite: AzuriteServer
                                                                          ) -> None:
    _configure(fleet, [_destination(azurite, "nosuchcontainer", required=True)])
    run = fleet.playbook(PLAYBOOK, verbosity=4)
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "failure_class=storage" in text, run.output[-4000:]
    assert "required cloud destination(s) failed" in text and "ContainerNotFound" in text
    # The dump window ended long before the upload: the service runs, and the verified local archive stays.
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert len(fleet.archives()) == 1
    _no_canary(fleet, azurite, run.output)
