# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check ``alteryx_backup_cloud_destinations`` and open the store each entry names.

One entry is a dict::

    {type: s3 | azure, name, bucket (s3) | container (azure), prefix, required, part_size_mb, url_expiry_seconds,
     lock: {mode: governance | compliance, days}, retention: true, ...the type's connection keys}

S3 connection keys: endpoint_url (S3-compatible services), region, access_key_id, secret_access_key, session_token,
profile, verify_tls (default true), ca_bundle. Without keys boto3's standard chain applies (AWS_* environment
variables, shared profile, instance role). Azure connection keys: account_url, account_name, account_key,
sas_token, connection_string, verify_tls, ca_bundle (the Azure store is ``_azure_store.AzureStore``).

Secrets (``SECRET_KEYS``) are kept apart from everything a result may show: ``public()`` drops them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import MIB, S3_MIN_PART
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import CloudStore

COMMON_KEYS = {"type", "name", "prefix", "required", "part_size_mb", "url_expiry_seconds", "lock", "retention"}
TYPE_KEYS = {
    "s3": {"bucket", "endpoint_url", "region", "access_key_id", "secret_access_key", "session_token", "profile",
           "verify_tls", "ca_bundle"},
    "azure": {"container", "account_url", "account_name", "account_key", "sas_token", "connection_string",
              "verify_tls", "ca_bundle"},
}
CONTAINER_KEY = {"s3": "bucket", "azure": "container"}
SECRET_KEYS = {"secret_access_key", "session_token", "account_key", "sas_token", "connection_string"}
LOCK_MODES = ("governance", "compliance")
DEFAULT_PART_SIZE_MB = 64
MAX_PART_SIZE_MB = 5 * 1024  # S3's largest part
MAX_AZURE_BLOCK_MB = 4000  # Put Block's largest block (service version 2019-12-12 on)
DEFAULT_URL_EXPIRY = 900
MAX_URL_EXPIRY = 7 * 24 * 3600  # SigV4 pre-signed URLs live at most 7 days
_PREFIX_BAD = re.compile(r"[\\\x00-\x1f]|//|^/|(^|/)\.\.?(/|$)")


class CloudSettingsError(ValueError):
    """An entry of alteryx_backup_cloud_destinations is not valid; the message names it and says why."""


@dataclass(frozen=True)
class CloudDestination:
    """One checked cloud destination. ``connection`` holds the type's connection keys, secrets included: it goes to
    the store's constructor and nowhere else."""

    type: str
    name: str
    container: str
    prefix: str
    required: bool = False
    part_size: int = DEFAULT_PART_SIZE_MB * MIB
    url_expiry_seconds: int = DEFAULT_URL_EXPIRY
    lock_mode: str = ""
    lock_days: int = 0
    retention: bool = True
    connection: dict[str, Any] = field(default_factory=dict, repr=False)

    def public(self) -> dict[str, Any]:
        """What a result may show: everything but the secrets."""
        shown = {k: v for k, v in self.connection.items() if k not in SECRET_KEYS}
        return {"type": self.type, "name": self.name, CONTAINER_KEY[self.type]: self.container, "prefix": self.prefix,
                "required": self.required, "lock": {"mode": self.lock_mode, "days": self.lock_days}, **shown}

    def key(self, file_name: str) -> str:
        """The object key of ``file_name`` under this destination's prefix."""
        return f"{self.prefix}/{file_name}" if self.prefix else file_name


def default_prefix(host: str, cluster: str = "") -> str:
    """``<cluster>/<host>`` for a node of a named cluster, else ``<host>``: one prefix per cluster and host."""
    return f"{cluster}/{host}" if cluster else host


def _int(entry: Mapping[str, Any], key: str, default: int, low: int, high: int, where: str) -> int:
    value = entry.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        else:
            raise CloudSettingsError(f"{where}: {key} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise CloudSettingsError(f"{where}: {key} must be between {low} and {high}, got {value}")
    return value


def _bool(entry: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = entry.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise CloudSettingsError(f"{where}: {key} must be true or false, got {value!r}")


def _lock(entry: Mapping[str, Any], where: str) -> tuple[str, int]:
    lock = entry.get("lock")
    if lock in (None, {}):
        return "", 0
    if not isinstance(lock, Mapping):
        raise CloudSettingsError(f"{where}: lock must be a dict {{mode: governance|compliance, days}}, got {lock!r}")
    unknown = sorted(set(lock) - {"mode", "days"})
    if unknown:
        raise CloudSettingsError(f"{where}: unknown key(s) in lock: {', '.join(map(str, unknown))}")
    mode = str(lock.get("mode") or "").lower()
    if mode not in LOCK_MODES:
        raise CloudSettingsError(f"{where}: lock.mode must be governance or compliance, got {lock.get('mode')!r}")
    return mode, _int(lock, "days", 0, 1, 36500, f"{where} lock")


def check_destination(entry: Any, index: int, *, host: str, cluster: str = "") -> CloudDestination:
    """Check one entry (``index`` counts from 1 in messages). Raises CloudSettingsError."""
    where = f"alteryx_backup_cloud_destinations[{index}]"
    if not isinstance(entry, Mapping):
        raise CloudSettingsError(f"{where} must be a dict, got {type(entry).__name__}")
    kind = str(entry.get("type") or "").lower()
    if kind not in TYPE_KEYS:
        raise CloudSettingsError(f"{where}: type must be s3 or azure, got {entry.get('type')!r}")
    unknown = sorted(set(map(str, entry)) - COMMON_KEYS - TYPE_KEYS[kind])
    if unknown:
        raise CloudSettingsError(f"{where}: unknown key(s) for type {kind}: {', '.join(unknown)}")
    container_key = CONTAINER_KEY[kind]
    container = entry.get(container_key)
    if not isinstance(container, str) or not container.strip():
        raise CloudSettingsError(f"{where}: {container_key} is required for type {kind}")
    prefix = entry.get("prefix")
    prefix = default_prefix(host, cluster) if prefix is None else str(prefix).strip("/")
    if _PREFIX_BAD.search(prefix):
        raise CloudSettingsError(f"{where}: prefix {prefix!r} must be a relative path of '/'-separated names")
    for key in TYPE_KEYS[kind] - {container_key, "verify_tls"}:
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise CloudSettingsError(f"{where}: {key} must be a string")
    if bool(entry.get("access_key_id")) != bool(entry.get("secret_access_key")):
        raise CloudSettingsError(f"{where}: access_key_id and secret_access_key go together")
    mode, days = _lock(entry, where)
    # The service's own part limits: a value outside them would fail every upload, so refuse it before the run.
    min_mb, max_mb = (S3_MIN_PART // MIB, MAX_PART_SIZE_MB) if kind == "s3" else (1, MAX_AZURE_BLOCK_MB)
    part_mb = _int(entry, "part_size_mb", DEFAULT_PART_SIZE_MB, min_mb, max_mb, where)
    connection = {k: entry[k] for k in TYPE_KEYS[kind] - {container_key} if entry.get(k) not in (None, "")}
    connection["verify_tls"] = _bool(entry, "verify_tls", True, where)
    return CloudDestination(
        type=kind, name=str(entry.get("name") or f"{kind}://{container}/{prefix}"), container=container.strip(),
        prefix=prefix, required=_bool(entry, "required", False, where), part_size=part_mb * MIB,
        url_expiry_seconds=_int(entry, "url_expiry_seconds", DEFAULT_URL_EXPIRY, 1, MAX_URL_EXPIRY, where),
        lock_mode=mode, lock_days=days, retention=_bool(entry, "retention", True, where), connection=connection)


def _service_of(connection: Mapping[str, Any]) -> str:
    """Which service/account an entry writes to, as host[/path] without the scheme, from its non-secret connection
    values: the endpoint or account URL, the account name, or the account a connection string names (its
    BlobEndpoint, or AccountName and EndpointSuffix - never its AccountKey or SharedAccessSignature). An account
    given by URL and the same account given by a connection string compare equal."""
    def bare(url: str) -> str:
        return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).rstrip("/")

    for key in ("endpoint_url", "account_url"):
        if connection.get(key):
            return bare(str(connection[key]))
    pairs = [part.split("=", 1) for part in str(connection.get("connection_string") or "").split(";") if "=" in part]
    fields = {k.strip().lower(): v.strip() for k, v in pairs}
    if fields.get("blobendpoint"):
        return bare(fields["blobendpoint"])
    account = fields.get("accountname") or str(connection.get("account_name") or "")
    if account:
        return bare(f"{account}.blob.{fields.get('endpointsuffix') or 'core.windows.net'}")
    return ""


def check_destinations(entries: Any, *, host: str, cluster: str = "") -> list[CloudDestination]:
    """Check the whole list; ``None`` is no destination. Two entries with one container and prefix are refused
    (they would race on the same objects). Raises CloudSettingsError."""
    if entries in (None, ""):
        return []
    if not isinstance(entries, list):
        raise CloudSettingsError(f"alteryx_backup_cloud_destinations must be a list, got {type(entries).__name__}")
    checked = [check_destination(e, i, host=host, cluster=cluster) for i, e in enumerate(entries, 1)]
    seen: dict[tuple[str, str, str, str], str] = {}
    for dest in checked:
        where = (dest.type, _service_of(dest.connection), dest.container, dest.prefix)
        if where in seen:
            raise CloudSettingsError(f"cloud destinations {seen[where]} and {dest.name} write to the same place")
        seen[where] = dest.name
    return checked


def open_store(dest: CloudDestination) -> CloudStore:
    """The store for ``dest``. The Azure store is imported only when an Azure destination is used.

    Raises CloudSettingsError when the store's library (boto3, the Azure SDK) or the Azure store is missing."""
    if dest.type == "s3":
        from ansible_collections.alteryx.server.plugins.plugin_utils._s3_store import S3Store
        return S3Store(dest.container, **dest.connection)
    try:
        module = importlib.import_module("ansible_collections.alteryx.server.plugins.plugin_utils._azure_store")
    except ImportError as exc:
        raise CloudSettingsError(f"Azure Blob destination {dest.name} is not available on this controller: {exc}. "
                                 "Install the collection's requirements (azure-storage-blob).") from None
    factory = getattr(module, "from_destination", None)
    if callable(factory):
        return factory(dest)
    return module.AzureStore(dest.container, **dest.connection)
