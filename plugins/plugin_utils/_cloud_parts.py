# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure arithmetic of a cloud upload: how an archive is cut in parts, what the host sends per call, and the
checksums that prove the service holds the bytes the host read.

- ``plan_parts``: parts of ``part_size`` bytes (the last one shorter); S3 wants every part but the last at least
  5 MiB and at most 10,000 parts, so the part size grows for very large archives. An archive no larger than one
  part is one part (a plain single-part upload in effect; REQ-5.3.4 asks multipart only above 100 MB).
- ``batches``: the part URLs travel to the host as one ``[SecureString]`` of JSON, and a SecureString holds at most
  65,536 characters, so one host call carries only as many parts as fit.
- ``etag_matches`` / ``multipart_etag``: S3 answers a part PUT with the hex MD5 of the bytes it stored as ETag, and
  a completed multipart upload with ``md5(md5(part1) + md5(part2) + ...)-N``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import PartUrl, UploadedPart

MIB = 1024 * 1024
S3_MIN_PART = 5 * MIB
S3_MAX_PARTS = 10_000
# .NET SecureString's limit is 65,536 characters; leave room for the JSON list's brackets and separators.
SECURE_STRING_LIMIT = 65_536
BATCH_CHAR_LIMIT = 60_000


def plan_parts(size: int, part_size: int, *, min_part: int = S3_MIN_PART, max_parts: int = S3_MAX_PARTS
               ) -> list[tuple[int, int, int]]:
    """``[(number, offset, length)]`` covering ``size`` bytes, numbers from 1.

    ``part_size`` below ``min_part`` is raised to it; a part count above ``max_parts`` raises the part size to the
    next whole MiB that fits. A 0-byte archive is one empty part. Raises ValueError for a negative size.
    """
    if size < 0:
        raise ValueError(f"archive size must not be negative, got {size}")
    part_size = max(int(part_size), min_part)
    if size > part_size * max_parts:
        needed = -(-size // max_parts)
        part_size = -(-needed // MIB) * MIB
    if size <= part_size:
        return [(1, 0, size)]
    return [(index + 1, offset, min(part_size, size - offset))
            for index, offset in enumerate(range(0, size, part_size))]


def url_json(parts: Sequence[PartUrl]) -> str:
    """The JSON text the uploader script reads from its ``PartsJson`` SecureString."""
    return json.dumps([{"number": p.number, "offset": p.offset, "length": p.length, "url": p.url,
                        "headers": dict(p.headers)} for p in parts], separators=(",", ":"))


def batches(parts: Sequence[PartUrl], limit: int = BATCH_CHAR_LIMIT) -> list[list[PartUrl]]:
    """``parts`` in order, cut into host calls whose ``url_json`` fits ``limit`` characters.

    Raises ValueError when one part alone does not fit (a URL of tens of kilobytes is not a pre-signed URL).
    """
    result: list[list[PartUrl]] = []
    current: list[PartUrl] = []
    for part in parts:
        if len(url_json([part])) > limit:
            raise ValueError(f"the URL of part {part.number} is longer than a host call can carry ({limit} characters)")
        if current and len(url_json([*current, part])) > limit:
            result.append(current)
            current = []
        current.append(part)
    if current:
        result.append(current)
    return result


def md5_hex(md5_base64: str) -> str:
    """The hex form of a base64 MD5 (Content-MD5); '' when it is not a base64 MD5."""
    try:
        raw = base64.b64decode(md5_base64, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.hex() if len(raw) == 16 else ""


def md5_base64(data: bytes) -> str:
    """Content-MD5 of ``data``."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324  (the protocol's checksum)


def etag_matches(etag: str, md5_b64: str) -> bool:
    """True when a part's ETag (quoted or not, any case) is the MD5 the host computed for the part."""
    expected = md5_hex(md5_b64)
    return bool(expected) and etag.strip().strip('"').lower() == expected


def multipart_etag(parts: Iterable[UploadedPart]) -> str:
    """The ETag S3 gives a completed multipart upload of ``parts`` (in number order), unquoted: ``<hex>-<N>``."""
    ordered = sorted(parts, key=lambda p: p.number)
    digests = b"".join(bytes.fromhex(md5_hex(p.md5_base64) or "00" * 16) for p in ordered)
    return f"{hashlib.md5(digests).hexdigest()}-{len(ordered)}"  # noqa: S324


def host_reports(records: Any) -> dict[int, dict[str, Any]]:
    """The uploader's ``parts`` result as ``{number: record}``; ValueError for a record of another shape."""
    if not isinstance(records, list):
        raise ValueError(f"parts is not a list: {records!r}")
    found: dict[int, dict[str, Any]] = {}
    for record in records:
        if not isinstance(record, dict):
            raise ValueError(f"part report is not a record: {record!r}")
        number, ok = record.get("number"), record.get("ok")
        if isinstance(number, bool) or not isinstance(number, int) or not isinstance(ok, bool):
            raise ValueError(f"part report {record!r} has no integer number or boolean ok")
        found[number] = {"number": number, "ok": ok, "status": record.get("status") or 0,
                         "etag": str(record.get("etag") or ""), "md5_base64": str(record.get("md5_base64") or ""),
                         "error": str(record.get("error") or ""), "attempts": record.get("attempts") or 0}
    return found
