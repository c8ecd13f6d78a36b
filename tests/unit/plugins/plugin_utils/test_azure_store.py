"""AzureStore against a real Blob service (Azurite on loopback): parts PUT over HTTP to the SAS URLs it signs,
resume, expiry, Content-MD5 checks, commit, list, delete. Immutability policies, which Azurite does not implement,
are checked against the requests the SDK builds (RecordingTransport) and the errors the service documents."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas
from azure_fakes import RecordingTransport, error_reply, get_url, put_part
from azurite_server import AzuriteServer

from ansible_collections.alteryx.server.plugins.plugin_utils import _azure_store
from ansible_collections.alteryx.server.plugins.plugin_utils._azure_store import AzureStore, block_id
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    SECRET_KEYS,
    TYPE_KEYS,
    CloudDestination,
    CloudSettingsError,
    check_destination,
    open_store,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import (
    CloudStoreError,
    ObjectLocked,
    UploadedPart,
)

PART = 64 * 1024
ARCHIVE = os.urandom(3 * PART + 1234)  # four parts, the last one short
SHA256 = hashlib.sha256(ARCHIVE).hexdigest()
LAYOUT = [(n + 1, n * PART, min(PART, len(ARCHIVE) - n * PART)) for n in range(4)]


@pytest.fixture(scope="module")
def azurite() -> Iterator[AzuriteServer]:
    with AzuriteServer() as server:
        yield server


@pytest.fixture
def container(azurite: AzuriteServer) -> str:
    """A fresh container for each test."""
    name = f"t{uuid.uuid4().hex[:20]}"
    BlobServiceClient.from_connection_string(azurite.connection_string).create_container(name)
    return name


@pytest.fixture
def store(azurite: AzuriteServer, container: str) -> AzureStore:
    return AzureStore(container, connection_string=azurite.connection_string, retry_total=0)


def upload(store: AzureStore, key: str, numbers: list[int] | None = None, expires: int = 300) -> None:
    parts = [p for p in LAYOUT if numbers is None or p[0] in numbers]
    for part in store.part_urls(key, "", parts, expires):
        result = put_part(part, ARCHIVE)
        assert result.status == 201, result.body


def done(numbers: list[int]) -> list[UploadedPart]:
    return [UploadedPart(number=n, etag="", md5_base64="") for n in numbers]


# --- upload, resume, commit ---------------------------------------------------------------------------------------

def test_parts_put_to_sas_urls_commit_to_the_archive_with_its_sha256(store: AzureStore) -> None:
    key = "cluster1/controller/ServerBackup_Full.zip"
    assert store.start_upload(key, len(ARCHIVE), SHA256) == ""
    upload(store, key)
    assert sorted(store.parts_done(key, "")) == [1, 2, 3, 4]
    store.finish_upload(key, "", done([1, 2, 3, 4]), SHA256)

    stored = store.stat(key)
    assert stored is not None
    assert (stored.key, stored.size, stored.sha256, stored.locked_until) == (key, len(ARCHIVE), SHA256, None)
    assert b"".join(store.read(key)) == ARCHIVE
    assert store.parts_done(key, "") == {}  # committed: nothing left to resume
    props = store._container.get_blob_client(key).get_blob_properties()
    assert props.content_settings.content_type == "application/zip"


def test_resume_uploads_only_the_missing_parts(azurite: AzuriteServer, store: AzureStore) -> None:
    key = "resume.zip"
    upload(store, key, [1, 3])  # the connection dropped after parts 1 and 3
    # A new store, as a later controller run builds it: the service is what knows which parts arrived.
    resumed = AzureStore(store.container, connection_string=azurite.connection_string, retry_total=0)
    have = resumed.parts_done(key, "")
    assert sorted(have) == [1, 3]
    assert all(p == UploadedPart(number=n, etag="", md5_base64="") for n, p in have.items())
    missing = [n for n, _, _ in LAYOUT if n not in have]
    upload(resumed, key, missing)
    resumed.finish_upload(key, "", done([1, 2, 3, 4]), SHA256)
    assert b"".join(resumed.read(key)) == ARCHIVE


def test_a_part_uploaded_twice_keeps_the_last_bytes(store: AzureStore) -> None:
    """A retried part (the reply was lost, the host sends it again) replaces the block of the same id."""
    key = "retry.zip"
    (part,) = store.part_urls(key, "", [LAYOUT[0]], 300)
    assert put_part(part, ARCHIVE, body=b"z" * part.length).status == 201
    upload(store, key)
    store.finish_upload(key, "", done([1, 2, 3, 4]), SHA256)
    assert b"".join(store.read(key)) == ARCHIVE


def test_commit_with_a_part_the_service_lacks_fails_naming_it(store: AzureStore) -> None:
    key = "gap.zip"
    upload(store, key, [1, 2, 4])
    with pytest.raises(CloudStoreError, match=r"no uploaded block for part\(s\) \[3\]"):
        store.finish_upload(key, "", done([1, 2, 3, 4]), SHA256)
    assert store.stat(key) is None  # nothing committed


@pytest.mark.parametrize("numbers", [[1, 2, 4], [2, 3], [1, 1, 2], []])
def test_commit_refuses_parts_not_numbered_one_to_n(store: AzureStore, numbers: list[int]) -> None:
    with pytest.raises(CloudStoreError, match="numbered 1..N"):
        store.finish_upload("numbers.zip", "", done(numbers), SHA256)


def test_a_part_whose_bytes_do_not_match_its_md5_is_refused(store: AzureStore) -> None:
    """The host's Content-MD5 is checked by the service: bytes changed in transit never become a block."""
    key = "tampered.zip"
    (part,) = store.part_urls(key, "", [LAYOUT[0]], 300)
    honest_md5 = base64.b64encode(hashlib.md5(ARCHIVE[:PART]).digest()).decode()  # noqa: S324
    tampered = bytearray(ARCHIVE[:PART])
    tampered[100] ^= 0xFF
    result = put_part(part, ARCHIVE, md5=honest_md5, body=bytes(tampered))
    assert result.status == 400
    # Azure answers Md5Mismatch; Azurite answers InvalidOperation "Provided contentMD5 doesn't match."
    assert result.error_code in {"Md5Mismatch", "InvalidOperation"}
    assert "md5" in result.body.lower()
    assert store.parts_done(key, "") == {}


def test_an_expired_url_is_refused_and_a_fresh_one_works(store: AzureStore) -> None:
    key = "expiry.zip"
    (part,) = store.part_urls(key, "", [LAYOUT[0]], 1)
    time.sleep(2.2)
    result = put_part(part, ARCHIVE)
    assert result.status == 403
    assert result.error_code == "AuthorizationFailure"
    (fresh,) = store.part_urls(key, "", [LAYOUT[0]], 300)
    assert put_part(fresh, ARCHIVE).status == 201


# --- what a URL gives the host ----------------------------------------------------------------------------------

def test_urls_carry_a_write_only_blob_sas_and_never_the_account_key(azurite: AzuriteServer, store: AzureStore) -> None:
    key = "canary/ServerBackup.zip"
    urls = store.part_urls(key, "", LAYOUT, 300)
    for part in urls:
        assert azurite.account_key not in part.url and azurite.account_key not in repr(part)
        assert unquote(part.url).count(azurite.account_key) == 0
        query = parse_qs(urlsplit(part.url).query)
        assert query["comp"] == ["block"] and query["blockid"] == [block_id(part.number)]
        assert query["sp"] == ["w"] and query["sr"] == ["b"] and "sig" in query
        assert 0 < (parsedate(query["se"][0]) - datetime.now(UTC)).total_seconds() <= 300
        assert set(part.headers) == {"x-ms-version"}
    assert len({base64.b64decode(block_id(p.number)) for p in urls}) == 4
    assert {len(block_id(p.number)) for p in urls} == {8}  # one id length for every block of a blob


def parsedate(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_a_part_url_cannot_read_the_blob_or_write_another(store: AzureStore) -> None:
    key = "scope.zip"
    upload(store, key)
    store.finish_upload(key, "", done([1, 2, 3, 4]), SHA256)
    (part,) = store.part_urls(key, "", [LAYOUT[0]], 300)
    split = urlsplit(part.url)
    sas = "&".join(p for p in split.query.split("&") if not p.startswith(("comp=", "blockid=")))
    assert get_url(f"{split.scheme}://{split.netloc}{split.path}?{sas}") == 403  # write-only: no read
    other = part.__class__(number=1, offset=0, length=part.length, headers=part.headers,
                           url=part.url.replace("/scope.zip?", "/other.zip?"))
    assert put_part(other, ARCHIVE).status == 403  # signed for scope.zip only


def test_https_accounts_get_https_only_sas() -> None:
    key = base64.b64encode(os.urandom(64)).decode()
    store = AzureStore("backups", account_url="https://acct.blob.core.windows.net", account_key=key)
    (part,) = store.part_urls("a.zip", "", [(1, 0, 10)], 60)
    assert part.url.startswith("https://acct.blob.core.windows.net/backups/a.zip?comp=block&blockid=")
    assert parse_qs(urlsplit(part.url).query)["spr"] == ["https"]
    assert key not in part.url


@pytest.mark.parametrize(("parts", "expires", "message"), [
    ([(1, 0, 10)], 0, "expiry 0 s"),
    ([(1, 0, 10)], 8 * 24 * 3600, "expiry"),
    ([(0, 0, 10)], 60, "part number 0"),
    ([(50_001, 0, 10)], 60, "part number 50001"),
    ([(1, 0, 0)], 60, "part 1 is 0 bytes"),
])
def test_part_urls_refuse_impossible_parts(store: AzureStore, parts: list, expires: int, message: str) -> None:
    with pytest.raises(CloudStoreError, match=message):
        store.part_urls("x.zip", "", parts, expires)


def test_a_sas_only_store_lists_and_deletes_but_signs_no_upload_urls(azurite: AzuriteServer, store: AzureStore
                                                                      ) -> None:
    upload(store, "a.zip")
    store.finish_upload("a.zip", "", done([1, 2, 3, 4]), SHA256)
    sas = generate_container_sas(azurite.account_name, store.container, account_key=azurite.account_key,
                                 permission=ContainerSasPermissions(read=True, list=True, delete=True),
                                 expiry=datetime.now(UTC) + timedelta(minutes=5))
    sas_store = AzureStore(store.container, account_url=azurite.account_url, sas_token="?" + sas, retry_total=0)
    assert [o.key for o in sas_store.list("")] == ["a.zip"]
    for call in (lambda: sas_store.start_upload("b.zip", 1, SHA256), lambda: sas_store.part_urls("b.zip", "", [(1, 0, 1)], 60)):
        with pytest.raises(CloudStoreError, match="need the storage account key"):
            call()
    sas_store.delete("a.zip")
    assert store.stat("a.zip") is None


# --- abort, stat, list, read, delete ----------------------------------------------------------------------------

def test_abort_drops_an_uncommitted_upload(store: AzureStore) -> None:
    upload(store, "aborted.zip", [1, 2])
    store.abort_upload("aborted.zip", "")
    assert store.parts_done("aborted.zip", "") == {}
    store.abort_upload("aborted.zip", "")  # already gone: fine
    store.abort_upload("never-started.zip", "")


def test_abort_never_deletes_a_committed_blob(store: AzureStore) -> None:
    upload(store, "kept.zip")
    store.finish_upload("kept.zip", "", done([1, 2, 3, 4]), SHA256)
    store.abort_upload("kept.zip", "")
    assert store.stat("kept.zip") is not None


def test_list_delete_and_metadata_round_trip(store: AzureStore) -> None:
    for key in ("c1/n1/ServerBackup_A.zip", "c1/n1/ServerBackup_A.zip.sha256", "c1/n2/ServerBackup_B.zip"):
        upload(store, key, [1])
        store.finish_upload(key, "", done([1]), hashlib.sha256(ARCHIVE[:PART]).hexdigest())
    upload(store, "c1/n1/uncommitted.zip", [1])
    listed = store.list("c1/n1/")
    assert [o.key for o in listed] == ["c1/n1/ServerBackup_A.zip", "c1/n1/ServerBackup_A.zip.sha256"]
    assert {o.sha256 for o in listed} == {hashlib.sha256(ARCHIVE[:PART]).hexdigest()}
    assert all(o.size == PART and o.locked_until is None and o.modified.tzinfo for o in listed)
    sidecar = store._container.get_blob_client("c1/n1/ServerBackup_A.zip.sha256").get_blob_properties()
    assert sidecar.content_settings.content_type == "text/plain"

    store.delete("c1/n1/ServerBackup_A.zip")
    store.delete("c1/n1/ServerBackup_A.zip")  # already gone: fine
    assert store.stat("c1/n1/ServerBackup_A.zip") is None
    assert [o.key for o in store.list("c1/")] == ["c1/n1/ServerBackup_A.zip.sha256", "c1/n2/ServerBackup_B.zip"]


def test_read_of_a_missing_blob_fails_clearly(store: AzureStore) -> None:
    with pytest.raises(CloudStoreError, match=r"read of '.*/missing.zip' failed: HTTP 404 BlobNotFound"):
        b"".join(store.read("missing.zip"))


def test_a_missing_container_says_to_create_it(azurite: AzuriteServer) -> None:
    store = AzureStore("nosuchcontainer", connection_string=azurite.connection_string, retry_total=0)
    for call in (lambda: store.stat("a.zip"), lambda: store.list(""), lambda: store.parts_done("a.zip", ""),
                 lambda: store.delete("a.zip")):
        with pytest.raises(CloudStoreError, match="ContainerNotFound.*create the container 'nosuchcontainer'") as err:
            call()
        assert azurite.account_key not in str(err.value)


def test_a_wrong_account_key_fails_without_showing_either_key(azurite: AzuriteServer, container: str) -> None:
    wrong = base64.b64encode(os.urandom(64)).decode()
    store = AzureStore(container, account_url=azurite.account_url, account_name=azurite.account_name,
                       account_key=wrong, retry_total=0)
    with pytest.raises(CloudStoreError, match="HTTP 403 AuthorizationFailure.*check the account key") as err:
        store.list("")
    assert wrong not in str(err.value) and azurite.account_key not in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_a_malformed_connection_string_is_not_echoed() -> None:
    secret = "AccountKey=c2VjcmV0LWtleQ=="
    with pytest.raises(CloudStoreError, match="not usable") as err:
        AzureStore("c", connection_string=f"AccountName;{secret}")
    assert "c2VjcmV0" not in str(err.value)


# --- immutability (recorded exchanges: Azurite answers 501 APINotImplemented) ------------------------------------

def recorded_store(*replies: tuple[int, dict[str, str], bytes]) -> tuple[AzureStore, RecordingTransport]:
    transport = RecordingTransport(replies)
    key = base64.b64encode(os.urandom(64)).decode()
    store = AzureStore("backups", account_url="https://acct.blob.core.windows.net", account_key=key,
                       transport=transport, retry_total=0)
    return store, transport


@pytest.mark.parametrize(("mode", "policy_mode"), [("governance", "Unlocked"), ("compliance", "Locked")])
def test_lock_sets_a_blob_immutability_policy(mode: str, policy_mode: str) -> None:
    until = datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)
    store, transport = recorded_store((200, {"x-ms-immutability-policy-until-date": "Sun, 04 May 2031 03:02:01 GMT",
                                             "x-ms-immutability-policy-mode": policy_mode.lower()}, b""))
    store.lock("c1/n1/ServerBackup.zip", mode, until)
    (request,) = transport.requests
    assert request.method == "PUT"
    assert request.url.startswith("https://acct.blob.core.windows.net/backups/c1/n1/ServerBackup.zip?")
    assert parse_qs(urlsplit(request.url).query)["comp"] == ["immutabilityPolicies"]
    assert request.headers["x-ms-immutability-policy-mode"] == policy_mode
    assert parsedate_to_datetime(request.headers["x-ms-immutability-policy-until-date"]) == until
    assert request.headers["Authorization"].startswith("SharedKey acct:")


def test_lock_on_a_container_without_version_level_immutability_explains_what_is_needed() -> None:
    store, _ = recorded_store(error_reply(409, "ImmutableStorageWithVersioningNotEnabled",
                                          "This operation is not permitted as immutable storage with versioning "
                                          "is not enabled."))
    with pytest.raises(CloudStoreError, match="HTTP 409 ImmutableStorageWithVersioningNotEnabled.*version-level "
                                              "immutability"):
        store.lock("a.zip", "compliance", datetime.now(UTC) + timedelta(days=30))


def test_lock_against_azurite_fails_as_not_implemented(store: AzureStore) -> None:
    """The limit of the emulator, pinned: if a later Azurite implements the call, this test says so."""
    upload(store, "locked.zip", [1])
    store.finish_upload("locked.zip", "", done([1]), SHA256)
    with pytest.raises(CloudStoreError, match="APINotImplemented.*Azurite does not implement"):
        store.lock("locked.zip", "governance", datetime.now(UTC) + timedelta(days=1))


@pytest.mark.parametrize(("mode", "until", "message"), [
    ("legal", datetime(2031, 1, 1, tzinfo=UTC), "lock mode 'legal'"),
    ("governance", datetime(2031, 1, 1), "time zone"),  # noqa: DTZ001 - the naive datetime under test
])
def test_lock_refuses_unknown_modes_and_naive_times(mode: str, until: datetime, message: str) -> None:
    store, transport = recorded_store()
    with pytest.raises(CloudStoreError, match=message):
        store.lock("a.zip", mode, until)
    assert transport.requests == []


@pytest.mark.parametrize("code", ["BlobImmutableDueToPolicy", "BlobImmutableDueToLegalHold"])
def test_a_delete_refused_by_a_retention_lock_raises_object_locked(code: str) -> None:
    store, transport = recorded_store(error_reply(409, code, "This operation is not permitted as the blob is "
                                                             "immutable due to a policy."))
    with pytest.raises(ObjectLocked, match=code):
        store.delete("c1/n1/ServerBackup.zip")
    assert transport.requests[0].method == "DELETE"
    assert transport.requests[0].headers["x-ms-delete-snapshots"] == "include"


def test_stat_reports_the_policy_end_and_a_legal_hold_as_locked() -> None:
    common = {"Content-Length": "42", "Last-Modified": "Tue, 01 Apr 2031 10:00:00 GMT", "x-ms-blob-type": "BlockBlob",
              "x-ms-meta-sha256": SHA256}
    store, _ = recorded_store(
        (200, {**common, "x-ms-immutability-policy-until-date": "Sun, 04 May 2031 03:02:01 GMT",
               "x-ms-immutability-policy-mode": "locked"}, b""),
        (200, {**common, "x-ms-legal-hold": "true"}, b""))
    policy = store.stat("a.zip")
    assert policy is not None
    assert (policy.size, policy.sha256, policy.locked_until) == (42, SHA256, datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC))
    hold = store.stat("b.zip")
    assert hold is not None and hold.locked_until == datetime.max.replace(tzinfo=UTC)


# --- settings ---------------------------------------------------------------------------------------------------

def destination(container: str, **connection: object) -> CloudDestination:
    entry = {"type": "azure", "container": container, **connection}
    return check_destination(entry, 1, host="controller", cluster="c1")


def test_open_store_builds_a_working_azure_store(azurite: AzuriteServer, container: str) -> None:
    for connection in ({"connection_string": azurite.connection_string},
                       {"account_url": azurite.account_url, "account_key": azurite.account_key,
                        "account_name": azurite.account_name, "verify_tls": True}):
        store = open_store(destination(container, **connection))
        assert isinstance(store, AzureStore)
        assert store.list("") == []
        assert store.part_urls("a.zip", "", [(1, 0, 1)], 60)


@pytest.mark.parametrize(("connection", "message"), [
    ({}, "exactly one of connection_string and account_url"),
    ({"connection_string": "x", "account_url": "https://a"}, "exactly one of"),
    ({"account_url": "https://a.blob.core.windows.net"}, "account_url needs account_key"),
    ({"connection_string": "AccountName=a;AccountKey=s3cr3tvalue", "account_key": "s3cr3tvalue"},
     "already holds the credential"),
    ({"connection_string": "AccountName=a;SharedAccessSignature=sig=s3cr3tvalue", "sas_token": "sig=s3cr3tvalue"},
     "already holds the credential"),
])
def test_contradictory_connection_keys_are_refused_without_echoing_secrets(connection: dict, message: str) -> None:
    dest = destination("backups", **connection)
    with pytest.raises(CloudSettingsError, match=message) as err:
        _azure_store.from_destination(dest)
    assert "s3cr3tvalue" not in str(err.value)
    with pytest.raises(CloudSettingsError, match=message):
        open_store(dest)


def test_connection_keys_match_the_settings_checker() -> None:
    assert TYPE_KEYS["azure"] - {"container"} == _azure_store.CONNECTION_KEYS
    assert {"account_key", "connection_string", "sas_token"} == _azure_store.SECRET_KEYS <= SECRET_KEYS


def test_a_part_counts_as_verified_when_the_host_sent_its_md5() -> None:
    """Put Block has no ETag: the service's Content-MD5 check is the proof (see the Md5 mismatch test)."""
    assert AzureStore.part_verified("", "XrY7u+Ae7tCTyyK7j1rNww==")
    assert not AzureStore.part_verified("", "")


def test_scrub_blanks_signatures_and_keys() -> None:
    text = "GET https://a/c/b?sv=1&sig=abc%2Fdef&se=2 AccountKey=Zm9v; SharedAccessSignature=sv=1&sig=x k3y"
    cleaned = _azure_store.scrub(text, "k3y")
    assert "abc" not in cleaned and "Zm9v" not in cleaned and "k3y" not in cleaned and "sig=x" not in cleaned
    assert "sig=REDACTED" in cleaned and "AccountKey=REDACTED" in cleaned


def test_without_the_sdk_the_module_imports_and_the_store_fails_naming_the_package() -> None:
    collections = Path(__file__).resolve().parents[4] / ".build" / "collections"
    probe = (
        "import sys, json\n"
        "for name in ('azure', 'azure.storage', 'azure.storage.blob', 'azure.core', 'azure.core.exceptions'):\n"
        "    sys.modules[name] = None\n"
        f"sys.path.insert(0, {str(collections)!r})\n"
        "from ansible_collections.alteryx.server.plugins.plugin_utils import _azure_store\n"
        "from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError\n"
        "try:\n"
        "    _azure_store.AzureStore('c', connection_string='x')\n"
        "except AlteryxStepError as exc:\n"
        "    print(json.dumps([exc.msg, exc.failure_class]))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    msg, failure_class = __import__("json").loads(proc.stdout)
    assert "Failed to import the required Python library (azure-storage-blob)" in msg
    assert "requirements.txt" in msg and failure_class == "general"
