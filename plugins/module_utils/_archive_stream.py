# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One streaming pass over a zip archive: every byte of the file is read once, front to back.

From that single read come the SHA256 of the whole file (for the ``.sha256`` sidecar) and, for every entry, its
CRC32, SHA256 and size after inflating, the zip structure problems found on the way (local headers that disagree
with the central directory, gaps, overlaps, data descriptors that do not match), and whatever a per-entry
consumer makes of the inflated bytes (a BSON document count, a buffered text).

Why not ``zipfile.ZipFile.open`` per entry: it seeks to each entry, so the file would be read once for the
sidecar hash and again for the entries. ``zipfile`` only parses the central directory here (small, at the end).

Speed: a second thread runs every SHA256 and CRC32 update (hashlib and zlib release the GIL for large buffers),
so the hashes run beside inflating and BSON decoding on the calling thread - two cores busy on one pass.

Memory: bounded by ``CHUNK``, ``INFLATE_OUT``, ``QUEUE_DEPTH`` and what the consumers keep (one BSON document at
most, a capped text), independent of the archive's size.
"""

from __future__ import annotations

import hashlib
import queue
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

CHUNK = 1 << 20
INFLATE_OUT = 1 << 20
QUEUE_DEPTH = 24
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
LOCAL_SIGNATURE = b"PK\x03\x04"
DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
STORED, DEFLATED = 0, 8
FLAG_ENCRYPTED, FLAG_DESCRIPTOR, FLAG_UTF8 = 0x1, 0x8, 0x800
ZIP64_EXTRA = 0x0001
ZIP64_LIMIT = 0xFFFFFFFF


class Consumer(Protocol):
    """Receives an entry's inflated bytes in order; ``close`` is called once after the last byte."""

    def feed(self, data: bytes | memoryview) -> None: ...

    def close(self) -> None: ...


@dataclass
class EntryFacts:
    """What the pass measured for one zip entry.

    ``error`` says why the entry could not be read to its end as its headers describe (empty when it could);
    ``consumer`` is the object the caller's factory made for this entry, after ``close``.
    """

    name: str
    expected_crc: int
    expected_size: int
    size: int = 0
    crc: int = 0
    sha256: str = ""
    error: str = ""
    consumer: Any = None


@dataclass
class PassResult:
    """The whole-file ``size`` and ``sha256``; ``readable`` is false when the central directory could not be
    parsed (``problems`` then says why and ``entries`` is empty); ``problems`` are ``(file, description)`` pairs."""

    size: int
    sha256: str
    readable: bool
    entries: list[EntryFacts] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


class _Crc32:
    """zlib.crc32 with the ``update`` of a hashlib object, so the hash thread can run it too."""

    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes | memoryview) -> None:
        self.value = zlib.crc32(data, self.value)


class _HashThread:
    """Runs hash updates in order on a second thread; a bounded queue keeps memory flat."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Any, Any] | None] = queue.Queue(maxsize=QUEUE_DEPTH)
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="archive-sha256", daemon=True)
        self._thread.start()

    def update(self, hasher: Any, data: bytes | memoryview) -> None:
        self._queue.put((hasher, data))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    item[0].update(item[1])
                except Exception as exc:  # keep draining: a dead consumer would block the reader on a full queue
                    self.error = exc

    def close(self) -> None:
        """Wait until every queued update is done (the digests are final after this); re-raise a failed update."""
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise RuntimeError(f"hashing failed: {self.error!r}") from self.error


class _Reader:
    """Reads the file front to back in ``CHUNK`` pieces; each piece goes to the whole-file hash exactly once."""

    def __init__(self, handle: BinaryIO, hashes: _HashThread, whole: Any) -> None:
        self._handle, self._hashes, self._whole = handle, hashes, whole
        self._buf = b""
        self._at = 0  # read position inside _buf
        self.position = 0  # file offset of the next byte handed out

    def _fill(self) -> bool:
        chunk = self._handle.read(CHUNK)
        if not chunk:
            return False
        self._hashes.update(self._whole, chunk)
        self._buf, self._at = chunk, 0
        return True

    def take(self, count: int) -> bytes:
        """The next ``count`` bytes (fewer at the end of the file); for headers, which are small."""
        parts = []
        while count > 0 and (self._at < len(self._buf) or self._fill()):
            part = self._buf[self._at:self._at + count]
            self._at += len(part)
            self.position += len(part)
            count -= len(part)
            parts.append(part)
        return b"".join(parts)

    def pump(self, count: int, sink: Callable[[memoryview], None]) -> int:
        """Hand the next ``count`` bytes to ``sink`` without copying; returns how many there were."""
        done = 0
        while done < count and (self._at < len(self._buf) or self._fill()):
            end = min(len(self._buf), self._at + count - done)
            sink(memoryview(self._buf)[self._at:end])
            done += end - self._at
            self.position += end - self._at
            self._at = end
        return done

    def drain(self) -> None:
        """Read (and hash) the rest of the file."""
        self.pump(1 << 62, _ignore)


def _ignore(_data: memoryview) -> None:
    return None


class _EntryReader:
    """Inflates one entry's data as it streams past and measures it (CRC32, SHA256, size)."""

    def __init__(self, facts: EntryFacts, method: int, hashes: _HashThread, consumer: Consumer | None) -> None:
        self.facts, self._hashes, self._consumer = facts, hashes, consumer
        self._sha = hashlib.sha256()
        self._crc = _Crc32()
        self._inflate = zlib.decompressobj(-15) if method == DEFLATED else None

    def feed(self, data: memoryview) -> None:
        if self.facts.error:
            return
        if self._inflate is None:
            self._emit(data)
            return
        pending: bytes | memoryview = data
        while pending and not self.facts.error:
            if self._inflate.eof:
                self.facts.error = "bytes follow the end of the deflate stream"
                return
            try:
                out = self._inflate.decompress(pending, INFLATE_OUT)
            except zlib.error as exc:
                self.facts.error = f"cannot inflate: {exc}"
                return
            self._emit(out)
            if self._inflate.unused_data:
                self.facts.error = "bytes follow the end of the deflate stream"
                return
            pending = self._inflate.unconsumed_tail

    def _emit(self, data: bytes | memoryview) -> None:
        if not data:
            return
        facts = self.facts
        facts.size += len(data)
        if facts.size > facts.expected_size:
            # A bomb or a damaged header: stop inflating instead of producing unbounded output.
            facts.error = f"inflates to more than the {facts.expected_size} bytes its header says"
            return
        self._hashes.update(self._crc, data)
        self._hashes.update(self._sha, data)
        if self._consumer is not None:
            self._consumer.feed(data)

    def finish(self) -> None:
        """Flush, check that the deflate stream ended exactly here, close the consumer."""
        if self._inflate is not None and not self.facts.error:
            try:
                self._emit(self._inflate.flush())
            except zlib.error as exc:
                self.facts.error = f"cannot inflate: {exc}"
            if not self.facts.error and not self._inflate.eof:
                self.facts.error = "the deflate stream is cut short"
        if self._consumer is not None:
            self._consumer.close()
        self.facts.consumer = self._consumer

    def finalize(self) -> None:
        """Read the digests; only after the hash thread is closed."""
        self.facts.sha256 = self._sha.hexdigest()
        self.facts.crc = self._crc.value


def _dos_date_time(date: int, time: int) -> tuple[int, int, int, int, int, int]:
    return ((date >> 9) + 1980, (date >> 5) & 0xF, date & 0x1F, time >> 11, (time >> 5) & 0x3F, (time & 0x1F) * 2)


def _zip64_sizes(extra: bytes, size: int, compressed: int) -> tuple[int, int]:
    """Sizes from a local header's Zip64 extra field, for the 32-bit fields that are 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        if kind == ZIP64_EXTRA:
            body = extra[at + 4:at + 4 + length]
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if size == ZIP64_LIMIT and values:
                size = values.pop(0)
            if compressed == ZIP64_LIMIT and values:
                compressed = values.pop(0)
            break
        at += 4 + length
    return size, compressed


def _header_problems(info: zipfile.ZipInfo, header: bytes, name: bytes, extra: bytes) -> list[str]:
    """Where the local header disagrees with the central directory entry of the same file."""
    fields = LOCAL_HEADER.unpack(header)
    signature, _version, _system, flags, method, time, date, crc, compressed, size = fields[:10]
    if signature != LOCAL_SIGNATURE:
        return [f"no local file header at offset {info.header_offset}"]
    problems = []
    text = name.decode("utf-8" if flags & FLAG_UTF8 else "cp437", errors="replace")
    if text != info.orig_filename:
        problems.append(f"local header names {text!r}")
    if flags != info.flag_bits:
        problems.append(f"local header flags 0x{flags:04x}, central directory 0x{info.flag_bits:04x}")
    if method != info.compress_type:
        problems.append(f"local header method {method}, central directory {info.compress_type}")
    if _dos_date_time(date, time) != info.date_time:
        problems.append("local header time differs from the central directory")
    if not flags & FLAG_DESCRIPTOR:
        size, compressed = _zip64_sizes(extra, size, compressed)
        if (crc, size, compressed) != (info.CRC, info.file_size, info.compress_size):
            problems.append(f"local header crc32/sizes {crc:08x}/{size}/{compressed}, central directory "
                            f"{info.CRC:08x}/{info.file_size}/{info.compress_size}")
    return problems


def _read_descriptor(reader: _Reader, info: zipfile.ZipInfo) -> list[str]:
    """Read the data descriptor that follows the data of an entry with flag bit 3 and compare it."""
    wide = info.file_size >= ZIP64_LIMIT or info.compress_size >= ZIP64_LIMIT
    first = reader.take(4)
    crc_bytes = reader.take(4) if first == DESCRIPTOR_SIGNATURE else first
    sizes = reader.take(16 if wide else 8)
    if len(crc_bytes) < 4 or len(sizes) < (16 if wide else 8):
        return ["data descriptor cut short"]
    crc = struct.unpack("<L", crc_bytes)[0]
    compressed, size = struct.unpack("<QQ" if wide else "<LL", sizes)
    if (crc, size, compressed) != (info.CRC, info.file_size, info.compress_size):
        return [f"data descriptor crc32/sizes {crc:08x}/{size}/{compressed} differ from the central directory"]
    return []


def stream_archive(path: str, consumer_for: Callable[[str], Consumer | None]) -> PassResult:
    """Read ``path`` once and measure it. ``consumer_for(entry name)`` may return a consumer for the entry's
    inflated bytes. Raises OSError when the file cannot be opened or read."""
    hashes = _HashThread()
    whole = hashlib.sha256()
    readers: list[_EntryReader] = []
    try:
        with open(path, "rb", buffering=0) as handle:
            result = _walk(handle, hashes, whole, consumer_for, readers)
    finally:
        hashes.close()
    for entry in readers:
        entry.finalize()
    result.sha256 = whole.hexdigest()
    return result


def _walk(handle: BinaryIO, hashes: _HashThread, whole: Any, consumer_for: Callable[[str], Consumer | None],
          readers: list[_EntryReader]) -> PassResult:
    size = handle.seek(0, 2)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = sorted(archive.infolist(), key=lambda i: i.header_offset)
            directory_at = int(getattr(archive, "start_dir", size))
    except Exception as exc:  # BadZipFile, NotImplementedError (a 'version needed' it does not know), ...: unreadable
        handle.seek(0)
        reader = _Reader(handle, hashes, whole)
        reader.drain()
        return PassResult(size, "", False, problems=[("", f"not a readable zip archive: {exc}")])
    handle.seek(0)
    reader = _Reader(handle, hashes, whole)
    result = PassResult(size, "", True)
    for info in infos:
        facts = EntryFacts(info.filename, info.CRC, info.file_size)
        result.entries.append(facts)
        if reader.position > info.header_offset:
            facts.error = "overlaps the entry before it"
            continue
        if reader.position < info.header_offset:
            result.problems.append((info.filename, f"{info.header_offset - reader.position} unexplained byte(s) "
                                                   "before its local header"))
            reader.pump(info.header_offset - reader.position, _ignore)
        _read_entry(reader, info, facts, hashes, consumer_for, readers, result)
    if reader.position < directory_at:
        result.problems.append(("", f"{directory_at - reader.position} unexplained byte(s) before the central "
                                    "directory"))
    elif reader.position > directory_at:
        result.problems.append(("", "the last entry runs into the central directory"))
    reader.drain()
    return result


def _read_entry(reader: _Reader, info: zipfile.ZipInfo, facts: EntryFacts, hashes: _HashThread,
                consumer_for: Callable[[str], Consumer | None], readers: list[_EntryReader],
                result: PassResult) -> None:
    header = reader.take(LOCAL_HEADER.size)
    if len(header) < LOCAL_HEADER.size:
        facts.error = "local header cut short"
        return
    name_len, extra_len = LOCAL_HEADER.unpack(header)[10:]
    name, extra = reader.take(name_len), reader.take(extra_len)
    problems = _header_problems(info, header, name, extra)
    result.problems += [(info.filename, p) for p in problems]
    if problems and problems[0].startswith("no local file header"):
        facts.error = problems[0]
        return
    if info.flag_bits & FLAG_ENCRYPTED:
        facts.error = "encrypted entries are not produced by alteryx.server"
    elif info.compress_type not in (STORED, DEFLATED):
        facts.error = f"compression method {info.compress_type} is not produced by alteryx.server"
    entry = _EntryReader(facts, info.compress_type, hashes, None if facts.error else consumer_for(info.filename))
    readers.append(entry)
    got = reader.pump(info.compress_size, entry.feed)
    if got < info.compress_size and not facts.error:
        facts.error = f"archive ends {info.compress_size - got} byte(s) into the entry's data"
    entry.finish()
    if info.flag_bits & FLAG_DESCRIPTOR:
        result.problems += [(info.filename, p) for p in _read_descriptor(reader, info)]
