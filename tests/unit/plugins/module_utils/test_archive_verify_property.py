"""Property tests: generated corruptions of a real-shaped archive are all caught, each by the check meant for it.

The normal run draws a fixed (derandomized) sample of ``ALTERYX_VERIFY_EXAMPLES`` cases per property, 200 by default.
The full run draws 10,000 or more:

    ALTERYX_VERIFY_EXAMPLES=10000 .venv/bin/python -m pytest -q \
        tests/unit/plugins/module_utils/test_archive_verify_property.py
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from verify_archives import Built, build_archive, failed_kinds, file_sha256, flip_bit, read_entries, rewrite, verify

EXAMPLES = int(os.environ.get("ALTERYX_VERIFY_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BSON_FILES = ["MongoDB/AlteryxGallery/users.bson", "MongoDB/AlteryxGallery/appInfos.bson",
              "MongoDB/AlteryxService/AS_Queue.bson", "MongoDB/AlteryxGallery_Lucene/LuceneIndexes.bson"]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Built:
    built = build_archive(tmp_path_factory.mktemp("original"))
    assert verify(built.archive)["passed"]
    return built


def _copy(built: Built) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        for source in (built.archive, built.sidecar, built.copy):
            shutil.copy(source, folder)
        yield Path(folder) / built.archive.name


def _documents(data: bytes) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "little")
        out.append(data[at:at + size])
        at += size
    return out


def _republish(archive: Path) -> None:
    """Recompute the sidecar and the copy's archive values after the archive changed (a forger's or a bug's doing)."""
    digest = file_sha256(archive)
    Path(f"{archive}.sha256").write_text(f"{digest}  {archive.name}\n")
    copy = json.loads(Path(f"{archive}.manifest.json").read_text())
    copy["ArchiveInformation"]["SHA256"] = digest
    copy["Extensions"]["ArchiveSizeBytes"] = archive.stat().st_size
    Path(f"{archive}.manifest.json").write_text(json.dumps(copy))


def _content(archive: Path) -> dict[str, bytes] | None:
    """What an unzip tool extracts (None when it cannot)."""
    try:
        return read_entries(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, EOFError, KeyError,
            NotImplementedError, UnicodeDecodeError):
        return None


@SETTINGS
@given(data=st.data())
def test_flipped_bit_anywhere_fails(original: Built, data: st.DataObject) -> None:
    size = original.archive.stat().st_size
    offset, bit = data.draw(st.integers(0, size - 1), "offset"), data.draw(st.integers(0, 7), "bit")
    for archive in _copy(original):
        flip_bit(archive, offset, bit)
        report = verify(archive)
        assert not report["passed"] and "sidecar" in failed_kinds(report) and "copy_sha256" in failed_kinds(report)


@SETTINGS
@given(data=st.data())
def test_flipped_bit_with_republished_checksums_never_passes_changed_content(original: Built,
                                                                              data: st.DataObject) -> None:
    """With sidecar and copy recomputed, the zip itself must give the flip away - unless the flip changed nothing an
    unzip tool extracts (a file attribute, the 'version made by' of an entry)."""
    size = original.archive.stat().st_size
    offset, bit = data.draw(st.integers(0, size - 1), "offset"), data.draw(st.integers(0, 7), "bit")
    before = read_entries(original.archive)
    for archive in _copy(original):
        flip_bit(archive, offset, bit)
        _republish(archive)
        report = verify(archive)
        if report["passed"]:
            assert _content(archive) == before, f"flip at {offset} bit {bit} changed content and passed"


@SETTINGS
@given(data=st.data())
def test_truncated_bson_rezipped_consistently_fails(original: Built, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(BSON_FILES), "file")
    length = len(read_entries(original.archive)[name])
    cut = data.draw(st.integers(1, length - 1), "cut")
    for archive in _copy(original):
        rewrite(archive, lambda e: e.update({name: e[name][:cut]}), fix_copy=True)
        kinds = failed_kinds(verify(archive))
        assert "documents" in kinds and "dump_log" in kinds
        assert not {"sidecar", "crc", "sha256", "copy_sha256", "copy_matches_manifest"} & kinds


@SETTINGS
@given(data=st.data())
def test_bson_that_lost_documents_fails_the_counts(original: Built, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(BSON_FILES), "file")
    docs = _documents(read_entries(original.archive)[name])
    lost = data.draw(st.sets(st.integers(0, len(docs) - 1), min_size=1), "lost")
    for archive in _copy(original):
        rewrite(archive, lambda e: e.update({name: b"".join(d for i, d in enumerate(docs) if i not in lost)}),
                fix_copy=True)
        assert failed_kinds(verify(archive)) == {"documents", "dump_log"}


@SETTINGS
@given(name=st.sampled_from(BSON_FILES), metadata_too=st.booleans())
def test_missing_collection_fails(original: Built, name: str, metadata_too: bool) -> None:
    def remove(entries: dict[str, bytes]) -> None:
        del entries[name]
        if metadata_too:
            del entries[name.replace(".bson", ".metadata.json")]

    for archive in _copy(original):
        rewrite(archive, remove, fix_copy=True)
        assert failed_kinds(verify(archive)) == {"documents", "dump_log"}


@SETTINGS
@given(data=st.data())
def test_manifest_edited_to_match_a_changed_file_fails(original: Built, data: st.DataObject) -> None:
    entries = read_entries(original.archive)
    name = data.draw(st.sampled_from(sorted(n for n in entries if n != "BackupManifest.json")), "file")
    position = data.draw(st.integers(0, len(entries[name]) - 1), "position")
    sidecar_too = data.draw(st.booleans(), "sidecar_too")

    def change(e: dict[str, bytes]) -> None:
        body = bytearray(e[name])
        body[position] ^= 0x20
        e[name] = bytes(body)

    for archive in _copy(original):
        rewrite(archive, change, fix_sidecar=sidecar_too, fix_copy=False)
        kinds = failed_kinds(verify(archive))
        # The copy published beside the archive still has the old archive hash and the old manifest entry.
        assert {"copy_sha256", "copy_matches_manifest"} <= kinds
        assert ("sidecar" in kinds) == (not sidecar_too)
