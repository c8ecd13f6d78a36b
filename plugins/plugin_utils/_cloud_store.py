# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a cloud destination (S3 or Azure Blob) offers the upload and retention steps.

The controller holds the cloud credentials; a Windows host only ever receives the short-lived URLs of
``part_urls`` (pre-signed S3 URLs, Azure SAS URLs) for this run's objects. An upload is split in parts
that the host PUTs one by one; the controller completes the upload, checks it, and applies locks and
retention. Implementations: ``_s3_store.S3Store``, ``_azure_store.AzureStore``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class CloudStoreError(Exception):
    """A cloud call failed; the message says what failed and what to do (never a credential)."""


class ObjectLocked(CloudStoreError):
    """A delete was refused because the object is under a retention lock (Object Lock / immutability policy)."""


@dataclass(frozen=True)
class PartUrl:
    """One part the host uploads: the bytes ``[offset, offset + length)`` of the archive, PUT to ``url``.

    ``headers`` are sent as they are (for Azure ``x-ms-blob-type`` where needed); the host adds
    ``Content-Length`` and ``Content-MD5`` itself.
    """

    number: int
    offset: int
    length: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedPart:
    """A part the host reported as uploaded: ``etag`` as the service returned it (S3; '' for Azure) and the
    base64 MD5 of the part's bytes as the host computed it."""

    number: int
    etag: str
    md5_base64: str


@dataclass(frozen=True)
class StoredObject:
    """An object in the bucket/container: ``sha256`` from its metadata ('' when absent), ``locked_until``
    when a retention lock holds it (None otherwise)."""

    key: str
    size: int
    modified: datetime
    sha256: str = ""
    locked_until: datetime | None = None


class CloudStore(Protocol):
    """A bucket/container as the upload, verification and retention steps use it."""

    def start_upload(self, key: str, size: int, sha256: str) -> str:
        """Begin a multipart upload of ``key``; returns its upload id ('' where the service has none)."""

    def part_urls(self, key: str, upload_id: str, parts: list[tuple[int, int, int]], expires_seconds: int
                  ) -> list[PartUrl]:
        """Short-lived URLs for ``parts`` given as (number, offset, length); numbers start at 1."""

    def parts_done(self, key: str, upload_id: str) -> dict[int, UploadedPart]:
        """The parts the service already holds for this upload (to resume after a dropped connection)."""

    def finish_upload(self, key: str, upload_id: str, parts: list[UploadedPart], sha256: str) -> None:
        """Commit the parts in number order (CompleteMultipartUpload / Put Block List)."""

    def abort_upload(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts; never fails for an upload that is already gone."""

    def stat(self, key: str) -> StoredObject | None:
        """The object, or None when it does not exist."""

    def list(self, prefix: str) -> list[StoredObject]:
        """Every object under ``prefix``."""

    def read(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks (for verification on the controller)."""

    def delete(self, key: str) -> None:
        """Delete the object; raises ObjectLocked when a retention lock refuses it."""

    def lock(self, key: str, mode: str, until: datetime) -> None:
        """Put a retention lock on the object: ``mode`` 'governance' or 'compliance' (S3 Object Lock modes;
        Azure maps both to a time-based immutability policy, 'compliance' locked)."""
