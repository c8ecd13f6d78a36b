# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An S3 (or S3-compatible) bucket as a ``CloudStore``, through boto3 on the controller.

The host gets only pre-signed SigV4 ``UploadPart`` URLs (signed for the ``host`` header alone, so the host's
``Content-MD5`` is checked by the service without being part of the signature). Credentials: the explicit keys
when given, else boto3's standard chain (AWS_* environment variables, shared config/profile, instance role).
TLS certificates are verified unless ``verify_tls`` is false (``ca_bundle`` names a private CA's bundle).

Deleting removes every version of the key (a plain DeleteObject on a versioned bucket, which Object Lock
requires, would only add a delete marker and leave the archive billed and listed by versions); a version under
Object Lock retention makes S3 answer AccessDenied, raised as ``ObjectLocked``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import etag_matches, multipart_etag
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import (
    CloudStoreError,
    ObjectLocked,
    PartUrl,
    StoredObject,
    UploadedPart,
)

SHA256_META = "sha256"  # sent as x-amz-meta-sha256


class ChecksumMismatch(CloudStoreError):
    """The service holds other bytes than the host read (an ETag that is not the MD5 the host computed)."""


def _client_error() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError
    return ClientError, BotoCoreError


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


class S3Store:
    """A bucket; see the module docstring. Raises CloudStoreError from every method (never with a credential)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None,
                 session_token: str | None = None, profile: str | None = None, verify_tls: bool = True,
                 ca_bundle: str | None = None) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise CloudStoreError(f"S3 destinations need boto3 on the controller ({exc}); install the collection's "
                                  "requirements.") from None
        self.bucket = bucket
        self.where = f"s3://{bucket}" + (f" at {endpoint_url}" if endpoint_url else "")
        try:
            session = boto3.session.Session(aws_access_key_id=access_key_id or None,
                                            aws_secret_access_key=secret_access_key or None,
                                            aws_session_token=session_token or None, region_name=region or None,
                                            profile_name=profile or None)
            # Path-style addressing for S3-compatible endpoints (MinIO, Ceph...) that have no per-bucket DNS names.
            config = Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"},
                            s3={"addressing_style": "path" if endpoint_url else "auto"})
            self.client = session.client("s3", endpoint_url=endpoint_url or None, config=config,
                                         verify=(ca_bundle or True) if verify_tls else False)
        except _client_error() as exc:
            raise CloudStoreError(f"cannot open {self.where}: {type(exc).__name__}: {exc}") from None

    def _fail(self, what: str, exc: BaseException) -> CloudStoreError:
        code = _code(exc)
        text = str(exc)
        if type(exc).__name__ == "NoCredentialsError":
            text += (" - give access_key_id/secret_access_key in the destination, or AWS_ACCESS_KEY_ID/"
                     "AWS_SECRET_ACCESS_KEY or a profile on the controller")
        return CloudStoreError(f"S3 {what} on {self.where} failed: {code + ': ' if code and code not in text else ''}"
                               f"{text}")

    def start_upload(self, key: str, size: int, sha256: str) -> str:
        """CreateMultipartUpload with ``x-amz-meta-sha256``; ``size`` is checked after completion."""
        try:
            reply = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, Metadata={SHA256_META: sha256},
                                                        ContentType="application/octet-stream")
        except _client_error() as exc:
            raise self._fail(f"CreateMultipartUpload of {key}", exc) from None
        return str(reply["UploadId"])

    def part_urls(self, key: str, upload_id: str, parts: list[tuple[int, int, int]], expires_seconds: int
                  ) -> list[PartUrl]:
        """Pre-signed UploadPart URLs (signing is local: no call to the service)."""
        try:
            return [PartUrl(number, offset, length, self.client.generate_presigned_url(
                "upload_part", Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id,
                                       "PartNumber": number}, ExpiresIn=expires_seconds))
                    for number, offset, length in parts]
        except _client_error() as exc:
            raise self._fail(f"signing part URLs of {key}", exc) from None

    def parts_done(self, key: str, upload_id: str) -> dict[int, UploadedPart]:
        """ListParts: ``{number: UploadedPart(number, etag, '')}`` (the service does not know the host's MD5)."""
        done: dict[int, UploadedPart] = {}
        try:
            for page in self.client.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=key,
                                                                         UploadId=upload_id):
                for part in page.get("Parts") or []:
                    done[int(part["PartNumber"])] = UploadedPart(int(part["PartNumber"]), str(part["ETag"]), "")
        except _client_error() as exc:
            raise self._fail(f"ListParts of {key}", exc) from None
        return done

    def finish_upload(self, key: str, upload_id: str, parts: list[UploadedPart], sha256: str) -> None:
        """CompleteMultipartUpload, then the ETag check: every part's ETag must be the MD5 the host computed and
        the object's ETag their multipart ETag. Raises ChecksumMismatch (the object then exists: delete it)."""
        ordered = sorted(parts, key=lambda p: p.number)
        for part in ordered:
            if not etag_matches(part.etag, part.md5_base64):
                raise ChecksumMismatch(f"part {part.number} of {key} on {self.where}: the service's ETag {part.etag} "
                                       f"is not the MD5 of the bytes the host read ({part.md5_base64})")
        try:
            reply = self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"ETag": p.etag, "PartNumber": p.number} for p in ordered]})
        except _client_error() as exc:
            raise self._fail(f"CompleteMultipartUpload of {key}", exc) from None
        got = str(reply.get("ETag") or "").strip('"').lower()
        expected = multipart_etag(ordered)
        if got != expected:
            raise ChecksumMismatch(f"{key} on {self.where}: the completed object's ETag {got} is not the multipart "
                                   f"ETag {expected} of the parts the host read")

    def abort_upload(self, key: str, upload_id: str) -> None:
        """AbortMultipartUpload; an upload already gone (completed or aborted) is no error."""
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except _client_error() as exc:
            if _code(exc) not in ("NoSuchUpload", "404"):
                raise self._fail(f"AbortMultipartUpload of {key}", exc) from None

    def stat(self, key: str) -> StoredObject | None:
        """HeadObject: size, the sha256 metadata, and the Object Lock retain-until date."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except _client_error() as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail(f"HeadObject of {key}", exc) from None
        until = head.get("ObjectLockRetainUntilDate") if head.get("ObjectLockMode") else None
        return StoredObject(key, int(head["ContentLength"]), head["LastModified"],
                            str((head.get("Metadata") or {}).get(SHA256_META) or ""), until)

    def list(self, prefix: str) -> list[StoredObject]:
        """ListObjectsV2 under ``prefix`` (current versions; ``sha256`` is '' here: HEAD an object for it)."""
        found: list[StoredObject] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                found += [StoredObject(str(o["Key"]), int(o["Size"]), o["LastModified"])
                          for o in page.get("Contents") or []]
        except _client_error() as exc:
            raise self._fail(f"ListObjectsV2 of {prefix}", exc) from None
        return found

    def read(self, key: str) -> Iterator[bytes]:
        """GetObject's body in 1 MiB chunks."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            yield from body.iter_chunks(1 << 20)
        except _client_error() as exc:
            raise self._fail(f"GetObject of {key}", exc) from None

    def _versions(self, key: str) -> list[str]:
        versions: list[str] = []
        for page in self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=key):
            versions += [str(v["VersionId"]) for v in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
                         if v["Key"] == key]
        return versions

    def delete(self, key: str) -> None:
        """Delete every version of ``key``; raises ObjectLocked when Object Lock refuses one."""
        try:
            versions = self._versions(key)
            for version in versions or [""]:
                if version:
                    self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
                else:
                    self.client.delete_object(Bucket=self.bucket, Key=key)
        except _client_error() as exc:
            if _code(exc) == "AccessDenied":
                raise ObjectLocked(f"{key} on {self.where} is under Object Lock retention (or the credentials may "
                                   f"not delete it): {exc}") from None
            raise self._fail(f"DeleteObject of {key}", exc) from None

    def lock(self, key: str, mode: str, until: datetime) -> None:
        """PutObjectRetention (GOVERNANCE or COMPLIANCE) until ``until``; the bucket must have Object Lock on."""
        try:
            self.client.put_object_retention(Bucket=self.bucket, Key=key,
                                             Retention={"Mode": mode.upper(), "RetainUntilDate": until})
        except _client_error() as exc:
            error = self._fail(f"PutObjectRetention of {key}", exc)
            if _code(exc) in ("InvalidRequest", "ObjectLockConfigurationNotFoundError"):
                error = CloudStoreError(f"{error} - the bucket must be created with Object Lock enabled to lock "
                                        "archives")
            raise error from None
