"""Property: a restore from a damaged archive changes nothing on the host - files, data folder, service state.

Each generated corruption (the classes of the verify property, tests/unit/plugins/module_utils/
test_archive_verify_property.py) is put on a winsim controller and restored with the restore role's steps in
process (restore_inprocess.py: the real action plugins, the scripts' Python twins), then the host is compared with
its snapshot from before. The restore must fail, and nothing but the host's own bookkeeping (journal, counters) may
differ: the service runs as before, no file or folder is added, removed or changed.

The normal run draws a fixed (derandomized) sample of ``ALTERYX_RESTORE_EXAMPLES`` cases per property, 200 by
default; ``make restore-property`` draws 4,000 per property (over 12,000 cases: the missing-collection and
restore-log properties have only 8 and 64 distinct cases).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from restore_inprocess import (
    BOOKKEEPING,
    Outcome,
    changes,
    fast_services,
    put_archive,
    reset_bookkeeping,
    restore,
    snapshot,
    winsim_scripts,
)

from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host

sys.path.append(str(Path(__file__).resolve().parents[2] / "tools"))  # the archive builders of the verify tests

from verify_archives import Built, build_archive, flip_bit, read_entries, rewrite  # noqa: E402

EXAMPLES = int(os.environ.get("ALTERYX_RESTORE_EXAMPLES", "200"))
# No shrinking: a failing case is reported with its draws (file, offset, ...), and shrinking would rebuild the
# host hundreds of times.
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BSON_FILES = ["MongoDB/AlteryxGallery/users.bson", "MongoDB/AlteryxGallery/appInfos.bson",
              "MongoDB/AlteryxService/AS_Queue.bson", "MongoDB/AlteryxGallery_Lucene/LuceneIndexes.bson"]


class Sandbox:
    """One winsim controller reused by every case: each case must leave it as it found it, and when one does not,
    the host is put back from a pristine copy (so the next case, and hypothesis' shrinking, start clean)."""

    def __init__(self, folder: Path) -> None:
        inventory = new_fleet(folder / "fleet")
        self.host = Host(inventory.parent / "hosts" / "controller")
        fast_services(self.host)
        self.pristine = folder / "pristine"
        shutil.copytree(self.host.root, self.pristine, symlinks=True)
        self.clean = snapshot(self.host)

    def restore_damaged(self, archive: Path, *, scope: str = "", failed_documents: int = 0) -> tuple[Outcome, list[str]]:
        """Put ``archive`` on the host, restore it, and return the outcome and what changed on the host."""
        reset_bookkeeping(self.host)
        if failed_documents:
            with self.host.locked_state() as state:
                state["mongo"]["restore_failed_documents"] = failed_documents
        path = put_archive(self.host, archive)
        before = snapshot(self.host)
        try:
            outcome = restore(path, scope=scope)
            found = changes(before, snapshot(self.host))
        finally:
            self._put_back(path)
        return outcome, found

    def _put_back(self, archive: str) -> None:
        for suffix in ("", ".sha256", ".manifest.json"):
            self.host.local_path(archive + suffix).unlink(missing_ok=True)
        if snapshot(self.host) == self.clean:  # the usual case: only the bookkeeping to put back
            for name in BOOKKEEPING:
                if (self.pristine / name).exists():
                    shutil.copy(self.pristine / name, self.host.root / name)
            return
        shutil.rmtree(self.host.root)
        shutil.copytree(self.pristine, self.host.root, symlinks=True)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path_factory.mktemp("restore-property"))
    with winsim_scripts(lambda: box.host):
        yield box


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_archive(tmp_path_factory.mktemp("original"))


def _damaged(built: Built, damage: Callable[[Path], None]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        for source in (built.archive, built.sidecar, built.copy):
            shutil.copy(source, folder)
        archive = Path(folder) / built.archive.name
        damage(archive)
        yield archive


def _documents(data: bytes) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "little")
        out.append(data[at:at + size])
        at += size
    return out


def _assert_refused(outcome: Outcome, found: list[str], step: str, failure_class: str) -> None:
    assert (outcome.failed_step, outcome.failure_class) == (step, failure_class), outcome
    assert found == [], f"the failed restore changed the host: {found[:10]}"


def test_a_fresh_archive_does_restore_so_the_comparison_sees_changes(sandbox: Sandbox, original: Built) -> None:
    """The control: the same harness restores a sound archive, and the snapshot comparison notices it."""
    outcome, found = sandbox.restore_damaged(original.archive, scope="DatabaseOnly")
    assert outcome.failed_step == "" and outcome.steps == ["check", "stop", "database", "start"], outcome
    assert any(line.startswith("added ") and "MongoDB_OLD_prop" in line for line in found), found


@SETTINGS
@given(data=st.data())
def test_flipped_byte_anywhere_is_refused_by_the_check(sandbox: Sandbox, original: Built, data: st.DataObject) -> None:
    size = original.archive.stat().st_size
    offset, bit = data.draw(st.integers(0, size - 1), "offset"), data.draw(st.integers(0, 7), "bit")
    for archive in _damaged(original, lambda a: flip_bit(a, offset, bit)):
        _assert_refused(*sandbox.restore_damaged(archive), "check", "validation")


@SETTINGS
@given(data=st.data())
def test_truncated_bson_rezipped_consistently_keeps_the_live_data(sandbox: Sandbox, original: Built,
                                                                  data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(BSON_FILES), "file")
    length = len(read_entries(original.archive)[name])
    cut = data.draw(st.integers(1, length - 1), "cut")
    for archive in _damaged(original, lambda a: rewrite(a, lambda e: e.update({name: e[name][:cut]}),
                                                        fix_copy=True)):
        _assert_refused(*sandbox.restore_damaged(archive), "database", "mongodb")


@SETTINGS
@given(data=st.data())
def test_bson_that_lost_documents_keeps_the_live_data(sandbox: Sandbox, original: Built, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(BSON_FILES), "file")
    docs = _documents(read_entries(original.archive)[name])
    lost = data.draw(st.sets(st.integers(0, len(docs) - 1), min_size=1), "lost")
    kept = b"".join(d for i, d in enumerate(docs) if i not in lost)
    for archive in _damaged(original, lambda a: rewrite(a, lambda e: e.update({name: kept}), fix_copy=True)):
        outcome, found = sandbox.restore_damaged(archive)
        _assert_refused(outcome, found, "database", "mongodb")
        assert "document(s) restored, the manifest counts" in outcome.msg


@SETTINGS
@given(name=st.sampled_from(BSON_FILES), metadata_too=st.booleans())
def test_missing_collection_keeps_the_live_data(sandbox: Sandbox, original: Built, name: str,
                                                metadata_too: bool) -> None:
    def remove(entries: dict[str, bytes]) -> None:
        del entries[name]
        if metadata_too:
            del entries[name.replace(".bson", ".metadata.json")]

    for archive in _damaged(original, lambda a: rewrite(a, remove, fix_copy=True)):
        _assert_refused(*sandbox.restore_damaged(archive), "database", "mongodb")


@SETTINGS
@given(data=st.data())
def test_manifest_edited_to_match_a_changed_file_is_refused(sandbox: Sandbox, original: Built,
                                                           data: st.DataObject) -> None:
    """The sidecar still has the archive's old hash (the case with a recomputed sidecar is the next test)."""
    entries = read_entries(original.archive)
    name = data.draw(st.sampled_from(sorted(n for n in entries if n != "BackupManifest.json")), "file")
    position = data.draw(st.integers(0, len(entries[name]) - 1), "position")

    def change(e: dict[str, bytes]) -> None:
        body = bytearray(e[name])
        body[position] ^= 0x20
        e[name] = bytes(body)

    for archive in _damaged(original, lambda a: rewrite(a, change, fix_sidecar=False, fix_copy=False)):
        _assert_refused(*sandbox.restore_damaged(archive), "check", "validation")


@SETTINGS
@given(failed=st.integers(1, 32), scope=st.sampled_from(["", "DatabaseOnly"]))
def test_restore_log_with_failed_documents_keeps_the_live_data(sandbox: Sandbox, original: Built, failed: int,
                                                               scope: str) -> None:
    outcome, found = sandbox.restore_damaged(original.archive, scope=scope, failed_documents=failed)
    _assert_refused(outcome, found, "database", "mongodb")
    assert f"{failed} document(s) failed to restore" in outcome.msg


def test_manifest_and_sidecar_edited_to_match_a_changed_file_is_refused(sandbox: Sandbox, original: Built) -> None:
    name = "Config/Engine/SystemAlias.xml"

    def change(e: dict[str, bytes]) -> None:
        e[name] = e[name].replace(b"Aliases", b"Aliasez")

    for archive in _damaged(original, lambda a: rewrite(a, change, fix_sidecar=True, fix_copy=False)):
        _assert_refused(*sandbox.restore_damaged(archive), "check", "validation")
