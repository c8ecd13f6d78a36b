"""A Full backup through ansible-playbook against winsim lands in an Azurite container (issue 12).

The simulated host's uploader PUTs each part to the write-only SAS URLs the controller signs; the controller
commits the block list and checks size and SHA256. The account key is a canary: it must appear nowhere on the
simulated host and nowhere in the output at -vvvv.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient
from azurite_server import AzuriteServer
from conftest import Fleet

from ansible_collections.alteryx.server.plugins.plugin_utils._azure_store import AzureStore

PLAYBOOK = "tests/integration/playbooks/cloud_azure.yml"


@pytest.fixture(scope="module")
def azurite() -> Iterator[AzuriteServer]:
    with AzuriteServer() as server:
        yield server


@pytest.fixture
def container(azurite: AzuriteServer) -> str:
    name = f"backups{uuid.uuid4().hex[:12]}"
    BlobServiceClient.from_connection_string(azurite.connection_string).create_container(name)
    return name


def run(fleet: Fleet, tmp_path: Path, destinations: list[dict], verbosity: int = 0) -> tuple[dict, str, int]:
    results, vars_file = tmp_path / "cloud.json", tmp_path / "cloud-vars.json"
    vars_file.write_text(json.dumps({"cloud_destinations": destinations}))
    run = fleet.playbook(PLAYBOOK, extra={"cloud_vars_file": str(vars_file), "cloud_results": str(results)},
                         verbosity=verbosity, limit="controller,localhost")
    assert results.exists(), run.output[-4000:]
    return json.loads(results.read_text()), run.output, run.rc


def test_full_backup_lands_in_the_container_verified(tmp_path: Path, azurite: AzuriteServer, container: str) -> None:
    fleet = Fleet(tmp_path / "fleet")
    destination = {"type": "azure", "container": container, "connection_string": azurite.connection_string,
                   "part_size_mb": 1}
    result, output, rc = run(fleet, tmp_path, [destination], verbosity=4)
    assert rc == 0, output[-4000:]
    (record,) = result["cloud"]
    assert record["ok"], record["error"]
    assert result["destinations_failed"] == 0

    (archive,) = fleet.archives()
    local = archive.read_bytes()
    store = AzureStore(container, connection_string=azurite.connection_string)
    stored = store.stat(record["key"])
    assert stored is not None and stored.size == len(local)
    assert stored.sha256 == hashlib.sha256(local).hexdigest() == record["sha256"]
    assert hashlib.sha256(b"".join(store.read(record["key"]))).hexdigest() == stored.sha256
    sidecar = b"".join(store.read(record["sidecar_key"])).decode()
    assert sidecar == f"{stored.sha256}  {archive.name}\n"
    assert record["key"].startswith(f"{fleet.cluster_of('controller')}/controller/")
    assert record["parts"] == -(-len(local) // (1024 * 1024))

    # The account key never reached the host or the output, at -vvvv.
    assert azurite.account_key not in output
    assert "connection_string" not in json.dumps(record)
    for path in fleet.host("controller").rglob("*"):
        if path.is_file():
            assert azurite.account_key.encode() not in path.read_bytes(), path


def test_a_missing_container_is_a_failed_destination_not_a_failed_backup(tmp_path: Path, azurite: AzuriteServer
                                                                          ) -> None:
    fleet = Fleet(tmp_path / "fleet")
    destination = {"type": "azure", "container": "nosuchcontainer", "connection_string": azurite.connection_string}
    result, output, rc = run(fleet, tmp_path, [destination])
    assert rc == 0, output[-4000:]
    (record,) = result["cloud"]
    assert not record["ok"]
    assert "ContainerNotFound" in record["error"] and "create the container" in record["error"]
    assert result["destinations_failed"] == 1
    assert len(fleet.archives()) == 1  # the local archive is kept
    assert azurite.account_key not in output
