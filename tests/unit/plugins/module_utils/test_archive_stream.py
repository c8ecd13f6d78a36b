"""The one-pass zip reader: zip layouts it reads, and every structural problem it reports."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from ansible_collections.alteryx.server.plugins.module_utils import _archive_stream
from ansible_collections.alteryx.server.plugins.module_utils._archive_stream import stream_archive
from ansible_collections.alteryx.server.plugins.module_utils._bson_stream import TextBuffer

PAYLOAD = {"a.txt": b"hello " * 1000, "dir/b.bin": bytes(range(256)) * 50, "empty.txt": b""}


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes data descriptors (flag bit 3)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        return len(data)


def _zip(path: Path, method: int = zipfile.ZIP_DEFLATED, payload: dict[str, bytes] = PAYLOAD) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in payload.items():
            zf.writestr(name, data)
    return path


def _keep_all(_name: str) -> TextBuffer:
    return TextBuffer(1 << 20)


def _assert_clean(path: Path) -> None:
    result = stream_archive(str(path), _keep_all)
    assert result.readable and result.problems == []
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and result.size == path.stat().st_size
    for entry in result.entries:
        assert entry.error == ""
        data = PAYLOAD[entry.name]
        assert (entry.size, entry.crc, entry.sha256) == (len(data), zlib.crc32(data), hashlib.sha256(data).hexdigest())
        assert entry.consumer.data == data


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_reads_deflated_and_stored_entries(tmp_path: Path, method: int) -> None:
    _assert_clean(_zip(tmp_path / "a.zip", method))


def test_reads_data_descriptors(tmp_path: Path) -> None:
    raw = _Unseekable()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in PAYLOAD.items():
            with zf.open(name, "w") as out:
                out.write(data)
    path = tmp_path / "descriptor.zip"
    path.write_bytes(bytes(raw.buffer))
    with zipfile.ZipFile(path) as zf:
        assert all(i.flag_bits & 0x8 for i in zf.infolist())
    _assert_clean(path)


def test_reads_zip64_local_headers(tmp_path: Path) -> None:
    path = tmp_path / "z64.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in PAYLOAD.items():
            with zf.open(name, "w", force_zip64=True) as out:
                out.write(data)
    _assert_clean(path)


def test_data_descriptor_that_disagrees(tmp_path: Path) -> None:
    raw = _Unseekable()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("a.txt", "w") as out:
        out.write(PAYLOAD["a.txt"])
    data = bytearray(raw.buffer)
    at = data.index(b"PK\x07\x08")
    data[at + 4] ^= 0xFF  # the descriptor's CRC
    path = tmp_path / "d.zip"
    path.write_bytes(bytes(data))
    problems = [p for _, p in stream_archive(str(path), _keep_all).problems]
    assert problems and all("data descriptor" in p for p in problems)


def test_bytes_before_the_first_entry_and_before_the_directory(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip")
    path.write_bytes(b"JUNK" + path.read_bytes())  # zipfile accepts prepended data (self-extractors)
    result = stream_archive(str(path), _keep_all)
    assert ("a.txt", "4 unexplained byte(s) before its local header") in result.problems
    assert result.entries[0].error == ""


def test_local_header_that_disagrees_with_the_directory(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip")
    data = bytearray(path.read_bytes())
    data[30] = ord("X")  # first letter of the first local name
    data[10] ^= 0x01  # its modification time
    path.write_bytes(bytes(data))
    problems = [p for f, p in stream_archive(str(path), _keep_all).problems if f == "a.txt"]
    assert any("local header names 'X.txt'" in p for p in problems)
    assert "local header time differs from the central directory" in problems


def test_local_header_sizes_and_method_that_disagree(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip")
    data = bytearray(path.read_bytes())
    data[8] = 0  # method: stored instead of deflated
    data[14] ^= 0x01  # crc32
    path.write_bytes(bytes(data))
    problems = [p for f, p in stream_archive(str(path), _keep_all).problems if f == "a.txt"]
    assert any(p.startswith("local header method 0") for p in problems)
    assert any(p.startswith("local header crc32/sizes") for p in problems)


def test_missing_local_header_signature(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip")
    data = bytearray(path.read_bytes())
    data[0] = ord("Q")
    path.write_bytes(bytes(data))
    result = stream_archive(str(path), _keep_all)
    assert result.entries[0].error == "no local file header at offset 0"


def test_overlapping_entries(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip")
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        directory = zf.start_dir
    data = bytearray(path.read_bytes())
    # Point the second central entry at the first local header.
    second = data.index(b"PK\x01\x02", directory + 1)
    struct.pack_into("<L", data, second + 42, infos[0].header_offset)
    path.write_bytes(bytes(data))
    result = stream_archive(str(path), _keep_all)
    assert "overlaps the entry before it" in [e.error for e in result.entries]


def test_encrypted_and_foreign_methods_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "b.zip", zipfile.ZIP_BZIP2, {"a.txt": b"x" * 100})
    [entry] = stream_archive(str(path), _keep_all).entries
    assert entry.error == "compression method 12 is not produced by alteryx.server"
    path = _zip(tmp_path / "e.zip", zipfile.ZIP_STORED, {"a.txt": b"x" * 100})
    data = bytearray(path.read_bytes())
    data[6] |= 1  # local flags
    data[data.index(b"PK\x01\x02") + 8] |= 1  # central flags
    path.write_bytes(bytes(data))
    [entry] = stream_archive(str(path), _keep_all).entries
    assert entry.error == "encrypted entries are not produced by alteryx.server"


def test_inflating_past_the_recorded_size_stops(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", payload={"a.txt": b"\0" * 100_000})
    data = bytearray(path.read_bytes())
    struct.pack_into("<L", data, 22, 10)  # local uncompressed size
    struct.pack_into("<L", data, data.index(b"PK\x01\x02") + 24, 10)  # central uncompressed size
    path.write_bytes(bytes(data))
    [entry] = stream_archive(str(path), _keep_all).entries
    assert entry.error == "inflates to more than the 10 bytes its header says" and entry.size <= 100_000


def test_damaged_and_short_deflate_streams(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", payload={"a.txt": bytes(range(256)) * 400})
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a.txt")
    start = info.header_offset + 30 + len("a.txt")
    data = bytearray(path.read_bytes())
    data[start] = 0xFF  # a reserved block type
    path.write_bytes(bytes(data))
    [entry] = stream_archive(str(path), _keep_all).entries
    assert entry.error.startswith("cannot inflate")

    stored = zlib.compressobj(6, zlib.DEFLATED, -15)
    stream = stored.compress(b"abc" * 1000) + stored.flush()
    for body, expect in ((stream[: len(stream) // 2], "the deflate stream is cut short"),
                         (stream + b"tail", "bytes follow the end of the deflate stream")):
        facts = _archive_stream.EntryFacts("x", 0, 1 << 30)
        hashes = _archive_stream._HashThread()
        reader = _archive_stream._EntryReader(facts, _archive_stream.DEFLATED, hashes, None)
        reader.feed(memoryview(body))
        reader.finish()
        hashes.close()
        assert facts.error == expect


def test_archive_cut_short(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip")
    path.write_bytes(path.read_bytes()[:-30])
    result = stream_archive(str(path), _keep_all)
    assert not result.readable and result.problems[0][1].startswith("not a readable zip archive")
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_unreadable_file_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        stream_archive(str(tmp_path / "missing.zip"), _keep_all)


def test_memory_is_bounded_by_chunks_not_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces handed on are never larger than CHUNK (read) or INFLATE_OUT (inflated), whatever the entry size."""
    monkeypatch.setattr(_archive_stream, "CHUNK", 4096)
    monkeypatch.setattr(_archive_stream, "INFLATE_OUT", 1000)
    big = {"big.bin": b"\0" * 300_000}
    path = _zip(tmp_path / "a.zip", payload=big)
    largest = []

    class Probe:
        def feed(self, data) -> None:
            largest.append(len(data))

        def close(self) -> None:
            pass

    result = stream_archive(str(path), lambda _n: Probe())
    assert result.entries[0].error == "" and sum(largest) == 300_000 and max(largest) <= 1000


def test_central_directory_zipfile_cannot_parse(tmp_path: Path) -> None:
    """zipfile raises NotImplementedError (not BadZipFile) for a 'version needed' it does not know."""
    path = _zip(tmp_path / "a.zip")
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 0xFF  # version needed to extract: 25.5
    path.write_bytes(bytes(data))
    result = stream_archive(str(path), _keep_all)
    assert not result.readable and "zip file version" in result.problems[0][1]
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("chunk", [7, 31, 1000])
def test_headers_and_entries_split_across_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Local headers, names, data and descriptors that straddle read boundaries are put together again."""
    monkeypatch.setattr(_archive_stream, "CHUNK", chunk)
    monkeypatch.setattr(_archive_stream, "INFLATE_OUT", 333)
    _assert_clean(_zip(tmp_path / "a.zip"))
    raw = _Unseekable()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in PAYLOAD.items():
            with zf.open(name, "w") as out:
                out.write(data)
    path = tmp_path / "descriptor.zip"
    path.write_bytes(bytes(raw.buffer))
    _assert_clean(path)


def test_a_failing_hash_update_does_not_hang_the_reader() -> None:
    class Broken:
        def update(self, _data) -> None:
            raise ValueError("boom")

    hashes = _archive_stream._HashThread()
    for _ in range(_archive_stream.QUEUE_DEPTH * 3):  # more than the queue holds: the thread keeps draining
        hashes.update(Broken(), b"x")
    with pytest.raises(RuntimeError, match="hashing failed: ValueError"):
        hashes.close()
