"""Azure destinations cut archives by Azure's block limits, not S3's part limits (issue 12).

A block of a block blob may be of any size up to 4000 MiB and a blob holds 50,000 of them; S3 wants every part but
the last at least 5 MiB and at most 10,000 parts. ``upload`` used to plan every destination with S3's limits, so
``part_size_mb: 1`` on Azure quietly became 5 MiB, and ``part_size_mb`` above 4000 passed the settings check and then
failed every upload. Against Azurite, with the host's PUTs made directly from the test.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient
from azure_fakes import put_part
from azurite_server import AzuriteServer

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import MIB
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    CloudSettingsError,
    check_destination,
    open_store,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import PartUrl
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_upload import Archive, upload

NAME = "ServerBackup_Full_20240131_020000.zip"
ARCHIVE = os.urandom(3 * MIB + 17)  # three full 1 MiB parts and a short fourth
SHA256 = hashlib.sha256(ARCHIVE).hexdigest()
SIDECAR = f"{SHA256}  {NAME}\n".encode()


@pytest.fixture(scope="module")
def azurite() -> Iterator[AzuriteServer]:
    with AzuriteServer() as server:
        yield server


@pytest.fixture
def container(azurite: AzuriteServer) -> str:
    name = f"t{uuid.uuid4().hex[:20]}"
    BlobServiceClient.from_connection_string(azurite.connection_string).create_container(name)
    return name


class Host:
    """``send`` as the uploader answers it: each part PUT from the file's bytes, one record per part."""

    def __init__(self) -> None:
        self.parts: list[PartUrl] = []

    def __call__(self, path: str, parts: Sequence[PartUrl]) -> list[dict[str, Any]]:
        data = SIDECAR if path.endswith(".sha256") else ARCHIVE
        records = []
        for part in parts:
            self.parts.append(part)
            body = data[part.offset:part.offset + part.length]
            result = put_part(part, data)
            records.append({"number": part.number, "ok": result.status == 201, "status": result.status, "etag": "",
                            "md5_base64": base64.b64encode(hashlib.md5(body).digest()).decode(),  # noqa: S324
                            "error": "" if result.status == 201 else result.body, "attempts": 1})
        return records


def _destination(azurite: AzuriteServer, container: str, **extra: Any):
    entry = {"type": "azure", "container": container, "connection_string": azurite.connection_string, **extra}
    return check_destination(entry, 1, host="controller", cluster="prod")


def test_one_mib_parts_stay_one_mib_on_azure(azurite: AzuriteServer, container: str) -> None:
    dest = _destination(azurite, container, part_size_mb=1)
    host = Host()
    archive = Archive("D:\\Alteryx\\Backups\\" + NAME, NAME, len(ARCHIVE), SHA256, "D:\\Alteryx\\Backups\\" + NAME
                      + ".sha256")
    record = upload(open_store(dest), dest, archive, host, retries=0, now=datetime.now(UTC))
    assert record["ok"], record["error"]
    assert record["parts"] == 4
    archive_parts = [(p.number, p.offset, p.length) for p in host.parts if NAME + ".sha256" not in p.url]
    assert archive_parts == [(1, 0, MIB), (2, MIB, MIB), (3, 2 * MIB, MIB), (4, 3 * MIB, 17)]
    blob = BlobServiceClient.from_connection_string(azurite.connection_string).get_blob_client(
        container, f"prod/controller/{NAME}")
    assert blob.download_blob().readall() == ARCHIVE
    assert blob.get_blob_properties().metadata["sha256"] == SHA256


def test_the_azure_store_plans_by_block_limits() -> None:
    from ansible_collections.alteryx.server.plugins.plugin_utils._azure_store import MAX_BLOCKS, AzureStore
    assert AzureStore.min_part_size == 1
    assert AzureStore.max_parts == MAX_BLOCKS == 50_000


@pytest.mark.parametrize(("kind", "size", "ok"), [
    ("azure", 1, True), ("azure", 4000, True), ("azure", 4001, False), ("azure", 0, False),
    ("s3", 5120, True), ("s3", 4, False),
])
def test_part_size_is_checked_against_the_services_limits(kind: str, size: int, ok: bool) -> None:
    entry = {"type": kind, "bucket" if kind == "s3" else "container": "c", "part_size_mb": size}
    if ok:
        assert check_destination(entry, 1, host="h").part_size == size * MIB
    else:
        with pytest.raises(CloudSettingsError, match="part_size_mb must be between"):
            check_destination(entry, 1, host="h")
