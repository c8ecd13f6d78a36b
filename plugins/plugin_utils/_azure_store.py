# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Azure Blob Storage container as a cloud destination (``CloudStore``), with azure-storage-blob.

The controller holds the account key (or a connection string with it). A Windows host gets only the URLs of
``part_urls``: one Put Block URL per part, signed with a blob SAS that allows *write* on that one blob and expires
after ``expires_seconds``. The account key never leaves the controller and never appears in a URL.

How the ``CloudStore`` calls map onto the Blob service:

- ``start_upload``: nothing to start (a block blob has no upload id); returns ''.
- ``part_urls``: ``PUT <blob>?comp=block&blockid=<id>&<SAS>``; the block id is the base64 of the part number written
  with six digits (every block of a blob must have ids of one length). The host adds ``Content-MD5`` and the
  service refuses a part whose bytes do not match it (400 ``Md5Mismatch``; Azurite answers 400
  ``InvalidOperation``), so nothing extra is needed for transactional integrity.
- ``parts_done``: Get Block List (uncommitted): the parts the service holds, to resume after a dropped connection.
- ``finish_upload``: Put Block List in part-number order, with metadata ``sha256`` and the content type.
- ``abort_upload``: uncommitted blocks cannot be deleted one by one; the service drops them after seven days. When
  nothing was committed the (uncommitted) blob is deleted, which drops them at once; a committed blob is left alone
  (removing one is ``delete``'s job).
- ``lock``: a blob-level, time-based immutability policy (``Unlocked`` for 'governance', ``Locked`` for
  'compliance'). Needs version-level immutability support on the container (and versioning on the account);
  Azurite does not implement the call, so only a recorded exchange tests it here.
- ``delete``: refused with 409 ``BlobImmutableDueToPolicy`` / ``BlobImmutableDueToLegalHold`` -> ``ObjectLocked``.

The Azure SDK import is guarded: importing this module never fails, constructing a store without
azure-storage-blob fails as a task would, naming the package.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import CloudDestination, CloudSettingsError
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import (
    CloudStoreError,
    ObjectLocked,
    PartUrl,
    StoredObject,
    UploadedPart,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

try:
    from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
    from azure.storage.blob import (
        BlobBlock,
        BlobSasPermissions,
        BlobServiceClient,
        ContentSettings,
        ImmutabilityPolicy,
        generate_blob_sas,
    )
except ImportError as exc:
    AZURE_IMPORT_ERROR: ImportError | None = exc
else:
    AZURE_IMPORT_ERROR = None

BLOCK_ID_WIDTH = 6
MAX_BLOCKS = 50_000  # committed blocks per block blob
MAX_BLOCK_BYTES = 4000 * 1024 * 1024  # Put Block limit since service version 2019-12-12
MAX_EXPIRY_SECONDS = 7 * 24 * 3600
SHA256_METADATA = "sha256"
LOCK_MODES = {"governance": "Unlocked", "compliance": "Locked"}
LOCKED_CODES = {"BlobImmutableDueToPolicy", "BlobImmutableDueToLegalHold"}
# The connection keys of an Azure destination (``alteryx_backup_cloud_destinations`` item, beside ``container``);
# the secret ones are no_log and never reach the host, the output or the manifest.
CONNECTION_KEYS = frozenset({"account_url", "account_name", "account_key", "connection_string", "sas_token",
                             "verify_tls", "ca_bundle"})
SECRET_KEYS = frozenset({"account_key", "connection_string", "sas_token"})
CONTENT_TYPES = {".zip": "application/zip", ".sha256": "text/plain", ".json": "application/json"}
_SIGNATURE = re.compile(r"(sig|AccountKey|SharedAccessSignature)=[^&;\s\"']+", re.I)


def block_id(number: int) -> str:
    """The block id of part ``number`` as the REST API wants it: base64 of the zero-padded number."""
    return base64.b64encode(_raw_block_id(number).encode("ascii")).decode("ascii")


def _raw_block_id(number: int) -> str:
    """The id before base64: the SDK encodes and decodes block ids itself."""
    if not 1 <= number <= MAX_BLOCKS:
        raise CloudStoreError(f"part number {number} is outside 1..{MAX_BLOCKS}, the block limit of a block blob")
    return f"{number:0{BLOCK_ID_WIDTH}d}"


def _part_number(raw_id: str) -> int | None:
    """The part number of a block this store wrote, None for a block of another writer."""
    if len(raw_id) == BLOCK_ID_WIDTH and raw_id.isascii() and raw_id.isdigit() and int(raw_id) >= 1:
        return int(raw_id)
    return None


def content_type(key: str) -> str:
    """The Content-Type set on a committed blob, from its name."""
    lowered = key.lower()
    return next((ctype for suffix, ctype in CONTENT_TYPES.items() if lowered.endswith(suffix)),
                "application/octet-stream")


def scrub(text: str, *secrets: str) -> str:
    """``text`` with SAS signatures, account keys and the given secrets blanked out."""
    text = _SIGNATURE.sub(lambda m: f"{m.group(1)}=REDACTED", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "REDACTED").replace(quote(secret, safe=""), "REDACTED")
    return text


def check_connection(connection: Mapping[str, Any], where: str) -> None:
    """The rules between an Azure destination's connection keys (types are checked by ``_cloud_settings``):
    exactly one of ``connection_string`` and ``account_url``; ``account_url`` with ``account_key`` (or ``sas_token``,
    which serves retention and verification only); a connection string already holds its credential. Raises
    CloudSettingsError naming the keys, never a value."""
    def given(name: str) -> bool:
        value = connection.get(name)
        return isinstance(value, str) and bool(value.strip())

    if given("connection_string") == given("account_url"):
        raise CloudSettingsError(f"{where}: set exactly one of connection_string and account_url")
    if given("account_url") and not (given("account_key") or given("sas_token")):
        raise CloudSettingsError(f"{where}: account_url needs account_key (a sas_token alone cannot sign the hosts' "
                                 "upload URLs)")
    if given("connection_string") and (given("account_key") or given("sas_token")):
        raise CloudSettingsError(f"{where}: connection_string already holds the credential; drop account_key and "
                                 "sas_token")


def from_destination(dest: CloudDestination) -> AzureStore:
    """The store of a checked ``type: azure`` destination (``_cloud_settings.open_store`` calls this)."""
    check_connection(dest.connection, dest.name)
    options = {k: v.strip() if isinstance(v, str) else v for k, v in dest.connection.items() if k in CONNECTION_KEYS}
    return AzureStore(dest.container, **options)


class AzureStore:
    """One container of a storage account. ``client_options`` go to ``BlobServiceClient`` (retry_total,
    connection_timeout, transport, ...)."""

    # The upload's part plan (``_cloud_upload``): a block may be of any size, a block blob holds 50,000 of them.
    min_part_size = 1
    max_parts = MAX_BLOCKS

    def __init__(self, container: str, *, account_url: str = "", connection_string: str = "", account_name: str = "",
                 account_key: str = "", sas_token: str = "", verify_tls: bool = True, ca_bundle: str = "",
                 **client_options: Any) -> None:
        if AZURE_IMPORT_ERROR is not None:
            raise AlteryxStepError(
                missing_required_lib("azure-storage-blob", reason="for Azure Blob destinations (see requirements.txt)"),
                failure_class="general") from AZURE_IMPORT_ERROR
        self.container = container
        client_options.setdefault("connection_verify", ca_bundle or verify_tls)
        try:
            if connection_string:
                self._service = BlobServiceClient.from_connection_string(connection_string, **client_options)
            else:
                credential: Any = sas_token.lstrip("?") or (
                    {"account_name": account_name, "account_key": account_key} if account_name else account_key)
                self._service = BlobServiceClient(account_url, credential=credential, **client_options)
        except (ValueError, AzureError) as exc:
            # The SDK's messages about a malformed connection string can quote it: say what is wrong, not the value.
            raise CloudStoreError(f"Azure destination: the account URL or connection string is not usable "
                                  f"({type(exc).__name__})") from None
        key_policy = self._service.credential
        # A SAS credential cannot sign new SAS tokens: such a store can list, read, delete and lock, not hand out
        # upload URLs (passing on its own token would give the host the controller's rights).
        self._account_name = getattr(key_policy, "account_name", "") or ""
        self._account_key = getattr(key_policy, "account_key", "") or ""
        self._secrets = (account_key, sas_token.lstrip("?"), connection_string, self._account_key)
        self._container = self._service.get_container_client(container)

    # --- upload -------------------------------------------------------------------------------------------------

    def start_upload(self, key: str, size: int, sha256: str) -> str:
        """Nothing to start for a block blob; fails early when this store cannot sign upload URLs."""
        self._require_signing_key()
        return ""

    def part_urls(self, key: str, upload_id: str, parts: list[tuple[int, int, int]], expires_seconds: int
                  ) -> list[PartUrl]:
        """Put Block URLs for ``parts`` (number, offset, length), each with a write-only blob SAS."""
        self._require_signing_key()
        if not 1 <= expires_seconds <= MAX_EXPIRY_SECONDS:
            raise CloudStoreError(f"URL expiry {expires_seconds} s is outside 1..{MAX_EXPIRY_SECONDS} s")
        blob = self._container.get_blob_client(key)
        base = urlunsplit(urlsplit(blob.url)._replace(query="", fragment=""))
        sas = generate_blob_sas(
            self._account_name, self.container, key, account_key=self._account_key,
            permission=BlobSasPermissions(write=True),
            expiry=datetime.now(UTC) + timedelta(seconds=expires_seconds),
            protocol="https" if base.lower().startswith("https:") else None)
        headers = {"x-ms-version": self._service.api_version}
        urls = []
        for number, offset, length in parts:
            if not 1 <= length <= MAX_BLOCK_BYTES:
                raise CloudStoreError(f"part {number} is {length} bytes; a block holds 1..{MAX_BLOCK_BYTES} bytes")
            url = f"{base}?comp=block&blockid={quote(block_id(number), safe='')}&{sas}"
            urls.append(PartUrl(number=number, offset=offset, length=length, url=url, headers=dict(headers)))
        return urls

    @staticmethod
    def part_verified(etag: str, md5_base64: str) -> bool:
        """Whether a part the service accepted (or lists) holds the bytes the host hashed to ``md5_base64``.

        Put Block returns no ETag (S3's per-part proof). Instead the service compares each block with the request's
        Content-MD5 and refuses a mismatch, and the host always sends the MD5 of the bytes it read: an accepted
        block -- or one Get Block List shows under this part's id -- is proof enough once the host sent an MD5."""
        return bool(md5_base64)

    def parts_done(self, key: str, upload_id: str) -> dict[int, UploadedPart]:
        """The uncommitted blocks of ``key`` this store's URLs produced, by part number ('' etag and MD5: the
        service keeps neither per block; it checked each block's Content-MD5 on arrival)."""
        return {number: UploadedPart(number=number, etag="", md5_base64="") for number in self._uncommitted(key)}

    def finish_upload(self, key: str, upload_id: str, parts: list[UploadedPart], sha256: str) -> None:
        """Put Block List of parts 1..N in order, with metadata sha256; a part the service lacks fails first."""
        numbers = sorted(part.number for part in parts)
        if not numbers or numbers != list(range(1, len(numbers) + 1)):
            raise CloudStoreError(f"cannot commit '{key}': parts must be numbered 1..N once each, got {numbers}")
        missing = [n for n in numbers if n not in self._uncommitted(key)]
        if missing:
            raise CloudStoreError(f"cannot commit '{key}': the service holds no uploaded block for part(s) "
                                  f"{missing}; upload them again")
        blob = self._container.get_blob_client(key)
        try:
            blob.commit_block_list([BlobBlock(block_id=_raw_block_id(n)) for n in numbers],
                                   metadata={SHA256_METADATA: sha256},
                                   content_settings=ContentSettings(content_type=content_type(key)))
        except AzureError as exc:
            raise self._failure("commit", key, exc) from None

    def abort_upload(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload: delete the blob when nothing of it is committed (its uncommitted blocks go
        with it; otherwise the service drops them after seven days). Never deletes a committed blob."""
        if self.stat(key) is not None:
            return
        try:
            self._container.get_blob_client(key).delete_blob()
        except ResourceNotFoundError:
            return
        except AzureError as exc:
            raise self._failure("abort", key, exc) from None

    # --- objects ------------------------------------------------------------------------------------------------

    def stat(self, key: str) -> StoredObject | None:
        """The committed blob, or None when there is none (a blob with only uncommitted blocks is none)."""
        try:
            props = self._container.get_blob_client(key).get_blob_properties()
        except ResourceNotFoundError as exc:
            if _error_code(exc) == "ContainerNotFound":
                raise self._failure("stat", key, exc) from None
            return None
        except AzureError as exc:
            raise self._failure("stat", key, exc) from None
        return _stored(key, props)

    def list(self, prefix: str) -> list[StoredObject]:
        """Every committed blob whose name starts with ``prefix``, with metadata and lock state."""
        try:
            return [_stored(props.name, props) for props in self._container.list_blobs(
                name_starts_with=prefix, include=["metadata", "immutabilitypolicy", "legalhold"])]
        except AzureError as exc:
            raise self._failure("list", prefix, exc) from None

    def read(self, key: str) -> Iterator[bytes]:
        """The blob's bytes in chunks."""
        try:
            yield from self._container.get_blob_client(key).download_blob().chunks()
        except AzureError as exc:
            raise self._failure("read", key, exc) from None

    def delete(self, key: str) -> None:
        """Delete the blob and its snapshots; already gone is fine; a retention lock raises ``ObjectLocked``."""
        try:
            self._container.get_blob_client(key).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError as exc:
            if _error_code(exc) == "ContainerNotFound":
                raise self._failure("delete", key, exc) from None
        except AzureError as exc:
            raise self._failure("delete", key, exc) from None

    def lock(self, key: str, mode: str, until: datetime) -> None:
        """A time-based immutability policy on the blob until ``until`` (timezone-aware): 'governance' ->
        Unlocked (an account admin may still shorten or remove it), 'compliance' -> Locked (only extended)."""
        if mode not in LOCK_MODES:
            raise CloudStoreError(f"lock mode '{mode}' is not one of {sorted(LOCK_MODES)}")
        if until.tzinfo is None:
            raise CloudStoreError("lock: 'until' must carry a time zone")
        policy = ImmutabilityPolicy(expiry_time=until, policy_mode=LOCK_MODES[mode])
        try:
            self._container.get_blob_client(key).set_immutability_policy(policy)
        except AzureError as exc:
            raise self._failure("lock", key, exc, hint="the container needs version-level immutability support "
                                "(and the account blob versioning); Azurite does not implement this call") from None

    # --- helpers ------------------------------------------------------------------------------------------------

    def _require_signing_key(self) -> None:
        if not (self._account_key and self._account_name):
            raise CloudStoreError("Azure uploads need the storage account key on the controller (account_key or a "
                                  "connection string with AccountKey) to sign one write-only SAS per blob; a SAS "
                                  "token alone serves retention and verification only")

    def _uncommitted(self, key: str) -> set[int]:
        try:
            _committed, uncommitted = self._container.get_blob_client(key).get_block_list("uncommitted")
        except ResourceNotFoundError as exc:
            if _error_code(exc) == "ContainerNotFound":
                raise self._failure("block list", key, exc) from None
            return set()
        except AzureError as exc:
            raise self._failure("block list", key, exc) from None
        return {n for n in (_part_number(str(block.id)) for block in uncommitted) if n is not None}

    def _failure(self, action: str, key: str, exc: AzureError, hint: str = "") -> CloudStoreError:
        """A CloudStoreError (ObjectLocked for a retention refusal) that names the call and the service's error
        code, with every credential scrubbed from the SDK's text."""
        code = _error_code(exc)
        status = getattr(exc, "status_code", None)
        first_line = str(getattr(exc, "message", "") or exc).strip().splitlines()
        detail = scrub(first_line[0] if first_line else type(exc).__name__, *self._secrets)
        where = f"'{self.container}/{key}'"
        if code in LOCKED_CODES:
            return ObjectLocked(f"Azure Blob {action} of {where} refused: {code} (an immutability policy or legal "
                                f"hold protects it)")
        if code == "ContainerNotFound":
            hint = f"create the container '{self.container}' first (the backup does not create it)"
        elif code in {"AuthenticationFailed", "AuthorizationFailure", "AuthorizationPermissionMismatch"}:
            hint = "check the account key or SAS token, its permissions, and the controller's clock"
        status_text = f"HTTP {status} " if isinstance(exc, HttpResponseError) and status else ""
        message = f"Azure Blob {action} of {where} failed: {status_text}{code + ': ' if code else ''}{detail}"
        return CloudStoreError(message + (f"; {hint}" if hint else ""))


def _error_code(exc: BaseException) -> str:
    """The service's error code: the SDK sets ``error_code`` for most calls; a few (Set Immutability Policy) raise
    without it, so read the response's ``x-ms-error-code`` header too."""
    code = getattr(exc, "error_code", None)
    if not code:
        response = getattr(exc, "response", None)
        code = response.headers.get("x-ms-error-code") if response is not None else None
    return str(getattr(code, "value", code) or "")  # the SDK's StorageErrorCode is a str Enum


def _stored(key: str, props: Any) -> StoredObject:
    """A StoredObject from the SDK's BlobProperties (a legal hold counts as locked with no end)."""
    policy = getattr(props, "immutability_policy", None)
    locked_until = getattr(policy, "expiry_time", None) if policy is not None else None
    if getattr(props, "has_legal_hold", False):
        locked_until = datetime.max.replace(tzinfo=UTC)
    return StoredObject(key=key, size=int(props.size or 0), modified=props.last_modified,
                        sha256=(props.metadata or {}).get(SHA256_METADATA, ""), locked_until=locked_until)
