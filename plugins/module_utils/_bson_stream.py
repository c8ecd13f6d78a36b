# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consumers of a zip entry's inflated bytes: decode a mongodump ``.bson`` (plain or ``--gzip``) document by
document as it streams past, or keep a small text (the manifest, ``mongoDump.log``).

A ``.bson`` file of mongodump is BSON documents back to back, each starting with its int32 length. Every document
is fully decoded with pymongo's ``bson`` (C extension when present), not only framed, so a damaged document is
found even when the file's length still adds up. Memory: the bytes of one document at most (mongod refuses
documents over 16 MiB; ``MAX_DOCUMENT`` allows its internal margin) plus one piece of input.
"""

from __future__ import annotations

import struct
import traceback
import zlib

try:
    import bson
    from bson.codec_options import CodecOptions

    HAS_BSON = hasattr(bson, "decode_all")  # the standalone 'bson' package from PyPI is not pymongo's
    BSON_IMPORT_ERROR = None if HAS_BSON else "the 'bson' module found is not pymongo's (no bson.decode_all)"
except ImportError:
    HAS_BSON = False
    BSON_IMPORT_ERROR = traceback.format_exc()

MAX_DOCUMENT = 16 * 1024 * 1024 + 16 * 1024
GZIP_WBITS = 31  # zlib with a gzip header and trailer
INFLATE_OUT = 1 << 20
# Documents are decoded in batches of about this size: the decoder holds the GIL for a whole batch, and the hash
# thread needs it briefly between its hashing calls.
DECODE_BATCH = 256 * 1024
_LENGTH = struct.Struct("<i")


def _codec() -> object:
    # tz_aware=False and the default datetime handling raise on dates Python cannot hold, which only a damaged
    # or hand-made document has; DATETIME_AUTO would let them through undecoded.
    return CodecOptions()


class BsonCounter:
    """Decodes and counts BSON documents fed in arbitrary pieces.

    After ``close``: ``documents`` (decoded), ``error`` ('' or where and why decoding stopped), ``bytes`` (fed).
    """

    def __init__(self) -> None:
        self.documents = 0
        self.error = ""
        self.bytes = 0
        self._pending = b""
        self._codec = _codec()

    def feed(self, data: bytes | memoryview) -> None:
        self.bytes += len(data)
        if self.error or not data:
            return
        buf = self._pending + data if self._pending else bytes(data) if isinstance(data, memoryview) else data
        self._pending = b""
        at = start = 0
        size = len(buf)
        while size - at >= 4:
            length = _LENGTH.unpack_from(buf, at)[0]
            if length < 5 or length > MAX_DOCUMENT:
                self._decode(buf, start, at)  # the documents before it still count
                if not self.error:
                    self.error = (f"document {self.documents + 1} at byte {self.bytes - size + at} declares "
                                  f"{length} bytes")
                return
            if at + length > size:
                break
            at += length
            if at - start >= DECODE_BATCH:
                self._decode(buf, start, at)
                if self.error:
                    return
                start = at
        self._decode(buf, start, at)
        if not self.error:
            self._pending = buf[at:]

    def _decode(self, buf: bytes, start: int, end: int) -> None:
        if end <= start:
            return
        view = memoryview(buf)[start:end]
        try:
            self.documents += len(bson.decode_all(view, self._codec))
        except Exception:  # InvalidBSON, and whatever a damaged value raises while being converted
            self._locate(view)

    def _locate(self, view: memoryview) -> None:
        """Decode one document at a time to say which one is damaged (only after a failure)."""
        at = 0
        while at < len(view):
            length = _LENGTH.unpack_from(view, at)[0]
            try:
                bson.decode_all(view[at:at + length], self._codec)
            except Exception as exc:
                self.error = f"document {self.documents + 1} does not decode: {exc}"
                return
            self.documents += 1
            at += length

    def close(self) -> None:
        if not self.error and self._pending:
            self.error = (f"{len(self._pending)} byte(s) after document {self.documents} do not make a whole "
                          "document (truncated)")
        self._pending = b""


class GzipBsonCounter:
    """A ``--gzip`` dump file (``.bson.gz``): gunzip as it streams, then count like ``BsonCounter``.

    After ``close``: ``documents``, ``error``, ``bytes`` (of BSON, after gunzip).
    """

    def __init__(self) -> None:
        self._inner = BsonCounter()
        self._gunzip = zlib.decompressobj(GZIP_WBITS)
        self._gzip_error = ""

    @property
    def documents(self) -> int:
        return self._inner.documents

    @property
    def error(self) -> str:
        return self._gzip_error or self._inner.error

    @property
    def bytes(self) -> int:
        return self._inner.bytes

    def feed(self, data: bytes | memoryview) -> None:
        pending: bytes | memoryview = data
        while pending and not self.error:
            if self._gunzip.eof:
                # Concatenated gzip members are one valid gzip file.
                self._gunzip = zlib.decompressobj(GZIP_WBITS)
            try:
                self._inner.feed(self._gunzip.decompress(pending, INFLATE_OUT))
            except zlib.error as exc:
                self._gzip_error = f"not a valid gzip stream: {exc}"
                return
            pending = self._gunzip.unused_data if self._gunzip.eof else self._gunzip.unconsumed_tail

    def close(self) -> None:
        if not self.error:
            try:
                self._inner.feed(self._gunzip.flush())
            except zlib.error as exc:
                self._gzip_error = f"not a valid gzip stream: {exc}"
            if not self.error and not self._gunzip.eof:
                self._gzip_error = "the gzip stream is cut short"
        self._inner.close()


class TextBuffer:
    """Keeps an entry's bytes up to ``limit``; after ``close``: ``data`` (bytes) and ``overflow`` (bool)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parts: list[bytes] = []
        self._kept = 0
        self.overflow = False
        self.data = b""

    def feed(self, data: bytes | memoryview) -> None:
        if self._kept + len(data) > self._limit:
            self.overflow = True
            return
        self._parts.append(bytes(data))
        self._kept += len(data)

    def close(self) -> None:
        self.data = b"" if self.overflow else b"".join(self._parts)
        self._parts = []
