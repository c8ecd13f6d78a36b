"""Restore drill (module_utils/_drill.py) against a real wire-protocol server: nx-27017 with SCRAM on loopback."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pytest
from mongo_server import MongoTestServer, canary_password
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect, PyMongoError
from verify_archives import Collection as DumpCollection
from verify_archives import build_archive, default_collections, read_entries, rewrite, sample_documents

from ansible_collections.alteryx.server.plugins.module_utils import _drill

USER = "drill"
PASSWORD = canary_password()
USERS_BSON = "MongoDB/AlteryxGallery/users.bson"


@pytest.fixture(scope="module")
def server() -> Iterator[MongoTestServer]:
    with MongoTestServer({USER: PASSWORD}) as srv:
        yield srv


@pytest.fixture
def client(server: MongoTestServer) -> Iterator[Any]:
    connection = _drill.connect(_uri(server), 5)
    yield connection
    leftovers = [n for n in connection.list_database_names() if n.startswith(_drill.SCRATCH_PREFIX)]
    for name in leftovers:  # keep the next test's server clean even when this one failed
        connection.drop_database(name)
    connection.close()


def _uri(server: MongoTestServer, password: str = PASSWORD) -> str:
    return f"mongodb://{USER}:{password}@{server.host}:{server.port}/?authSource=admin"


def _scratch(client: Any) -> list[str]:
    return [n for n in client.list_database_names() if n.startswith(_drill.SCRATCH_PREFIX)]


def _failed(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["check"], c["file"]) for c in report["failed_checks"]}


def _drill_one(client: Any, archive: Path, **kwargs: Any) -> dict[str, Any]:
    [report] = _drill.drill_archives(client, [str(archive)], sample=kwargs.pop("sample", 5), run_id="t1", **kwargs)
    return report


def _drop_first_document(entries: dict[str, bytes]) -> None:
    data = entries[USERS_BSON]
    entries[USERS_BSON] = data[int.from_bytes(data[:4], "little"):]


def test_fresh_archive_drills_clean_and_leaves_no_scratch_database(client: Any, tmp_path: Path) -> None:
    built = build_archive(tmp_path)
    report = _drill_one(client, built.archive)
    assert report["passed"] and report["verdict"] == "passed", report["problems"]
    assert report["documents"] == 12 + 9 + 7 + 4
    counts = {c["file"]: (c["expected"], c["found"]) for c in report["checks"] if c["check"] == "count"}
    assert counts[USERS_BSON] == ("12", "12") and len(counts) == 4
    samples = {c["file"]: c["found"] for c in report["checks"] if c["check"] == "sample"}
    assert samples[USERS_BSON] == "5 byte-equal" and samples["MongoDB/AlteryxGallery_Lucene/LuceneIndexes.bson"] \
        == "4 byte-equal"
    assert report["databases"] == ["alteryx_drill_t1_AlteryxGallery", "alteryx_drill_t1_AlteryxGallery_Lucene",
                                   "alteryx_drill_t1_AlteryxService"]
    assert [c for c in report["checks"] if c["check"] == "cleanup"][0]["found"] == "3 dropped"
    assert _scratch(client) == []
    assert report["summary"].startswith(f"{built.archive.name}: DRILL PASSED - 32 documents in 4 collections")


def test_gzip_dump_drills_clean(client: Any, tmp_path: Path) -> None:
    built = build_archive(tmp_path, gzip_dump=True)
    report = _drill_one(client, built.archive)
    assert report["passed"], report["problems"]
    assert {c["file"] for c in report["checks"] if c["check"] == "count"} == {
        f"MongoDB/{c.database}/{c.name}.bson.gz" for c in default_collections()}


def test_bson_that_lost_a_document_fails_the_count(client: Any, tmp_path: Path) -> None:
    built = build_archive(tmp_path)
    rewrite(built.archive, _drop_first_document, fix_copy=True)
    report = _drill_one(client, built.archive)
    assert not report["passed"] and report["verdict"] == "failed"
    assert _failed(report) == {("count", USERS_BSON)}
    assert report["problems"] == [f"count {USERS_BSON}: expected 12, found 11"]
    assert _scratch(client) == []


def test_missing_collection_and_unlisted_collection_fail(client: Any, tmp_path: Path) -> None:
    extra = DumpCollection.of("AlteryxService", "AS_Extra", sample_documents("AS_Extra", 2, 9))
    built = build_archive(tmp_path, collections=[*default_collections(), extra])

    def swap(entries: dict[str, bytes]) -> None:
        del entries[USERS_BSON]
        entries["MongoDB/AlteryxGallery/stray.bson"] = entries["MongoDB/AlteryxService/AS_Extra.bson"]

    rewrite(built.archive, swap, fix_copy=True)
    report = _drill_one(client, built.archive)
    assert ("count", USERS_BSON) in _failed(report)
    assert ("count", "MongoDB/AlteryxGallery/stray.bson") in _failed(report)
    found = {c["file"]: c for c in report["failed_checks"]}
    assert found[USERS_BSON]["found"] == "no .bson file"
    assert found["MongoDB/AlteryxGallery/stray.bson"]["expected"] == "not in the manifest"


def test_duplicate_id_is_refused_by_the_server_and_fails_load(client: Any, tmp_path: Path) -> None:
    docs = sample_documents("users", 4, 1)
    built = build_archive(tmp_path, collections=[DumpCollection.of("AlteryxGallery", "users", [*docs, docs[0]])])
    report = _drill_one(client, built.archive)
    kinds = _failed(report)
    assert ("load", USERS_BSON) in kinds and ("count", USERS_BSON) in kinds
    load = next(c for c in report["failed_checks"] if c["check"] == "load")
    assert "the server refused document 5" in load["found"] and "11000" in load["found"]
    assert _scratch(client) == []


def test_documents_the_server_stores_differently_fail_the_sample(client: Any, tmp_path: Path) -> None:
    """nx-27017 keeps a 64-bit integer that fits 32 bits as int32 (a real mongod keeps the type): the read-back
    BSON differs from the dump's, which the byte-equal sample catches while the count still agrees."""
    docs = [{"_id": n, "big": bson.Int64(n)} for n in range(3)]
    built = build_archive(tmp_path, collections=[DumpCollection.of("AlteryxGallery", "users", docs)])
    report = _drill_one(client, built.archive)
    assert _failed(report) == {("sample", USERS_BSON)}
    assert next(c for c in report["failed_checks"])["found"].startswith("3 of 3 differ or are missing (_id 0, 1, 2")


def test_sample_zero_only_counts(client: Any, tmp_path: Path) -> None:
    report = _drill_one(client, build_archive(tmp_path).archive, sample=0)
    assert report["passed"]
    assert {c["found"] for c in report["checks"] if c["check"] == "sample"} == {"no document to sample"}


def test_sample_is_spread_over_the_whole_collection(client: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    docs = sample_documents("users", 400, 1)
    built = build_archive(tmp_path, collections=[DumpCollection.of("AlteryxGallery", "users", docs)])
    seen: list[list[bytes]] = []
    original = _drill._compare_sample

    def spy(client_: Any, scratch: str, collection: str, sample: list[bytes]) -> tuple[str, bool]:
        seen.append(sample)
        return original(client_, scratch, collection, sample)

    monkeypatch.setattr(_drill, "_compare_sample", spy)
    assert _drill_one(client, built.archive, sample=10)["passed"]
    numbers = sorted(bson.decode(d)["n"] for d in seen[0])
    assert len(numbers) == 10 and numbers[-1] >= 200, numbers  # not just the first ten


def test_truncated_dump_file_fails_load_as_unreadable(client: Any, tmp_path: Path) -> None:
    built = build_archive(tmp_path)
    rewrite(built.archive, lambda e: e.update({USERS_BSON: e[USERS_BSON][:-3]}), fix_copy=True)
    report = _drill_one(client, built.archive)
    load = next(c for c in report["failed_checks"] if c["check"] == "load")
    assert load["file"] == USERS_BSON and load["found"].startswith("unreadable: ") and "whole document" in load["found"]
    assert _scratch(client) == []


def test_broken_gzip_stream_fails_load(client: Any, tmp_path: Path) -> None:
    built = build_archive(tmp_path, gzip_dump=True)
    name = USERS_BSON + ".gz"
    rewrite(built.archive, lambda e: e.update({name: e[name][:-20]}), fix_copy=True)
    report = _drill_one(client, built.archive)
    load = next(c for c in report["failed_checks"] if c["check"] == "load")
    assert load["file"] == name and "gzip" in load["found"]


def test_config_only_archive_is_skipped(client: Any, tmp_path: Path) -> None:
    report = _drill_one(client, build_archive(tmp_path, mode="ConfigOnly").archive)
    assert report["passed"] and report["verdict"] == "skipped" and report["databases"] == []
    assert "SKIPPED - the archive holds no MongoDB dump" in report["summary"]


def test_archive_without_a_manifest_fails(client: Any, tmp_path: Path) -> None:
    built = build_archive(tmp_path)
    entries = read_entries(built.archive)
    with zipfile.ZipFile(built.archive, "w") as zf:
        for name, data in entries.items():
            if name != "BackupManifest.json":
                zf.writestr(name, data)
    report = _drill_one(client, built.archive)
    assert ("manifest", "BackupManifest.json") in _failed(report)
    assert _scratch(client) == []


def test_unreadable_archive_gets_a_failed_report_and_the_others_still_drill(client: Any, tmp_path: Path) -> None:
    good = build_archive(tmp_path / "good").archive
    reports = _drill.drill_archives(client, [str(tmp_path / "gone.zip"), str(good)], sample=2, run_id="t2")
    assert [r["verdict"] for r in reports] == ["failed", "passed"]
    assert reports[0]["failed_checks"][0]["check"] == "readable"


def test_server_holding_scratch_databases_is_refused_and_they_stay(client: Any, tmp_path: Path) -> None:
    client["alteryx_drill_old_AlteryxGallery"]["users"].insert_one({"_id": 1})
    with pytest.raises(_drill.DrillError, match="already holds alteryx_drill_old_AlteryxGallery"):
        _drill.drill_archives(client, [str(build_archive(tmp_path).archive)], sample=1, run_id="t3")
    assert _scratch(client) == ["alteryx_drill_old_AlteryxGallery"]


def test_scratch_databases_are_dropped_when_the_server_fails_mid_load(client: Any, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = Collection.insert_many

    def flaky(self: Collection, documents: Any, **kwargs: Any) -> Any:
        calls.append(self.full_name)
        if len(calls) == 2:
            raise AutoReconnect("connection closed")
        return real(self, documents, **kwargs)

    monkeypatch.setattr(Collection, "insert_many", flaky)
    report = _drill_one(client, build_archive(tmp_path).archive)
    assert not report["passed"]
    assert report["failed_checks"][0]["check"] == "load"
    assert "server error: connection closed" in report["failed_checks"][0]["found"]
    assert next(c for c in report["checks"] if c["check"] == "cleanup")["passed"]
    assert _scratch(client) == []


def test_a_drop_that_fails_fails_the_cleanup_check(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    def refuse(name: str) -> None:
        raise PyMongoError(f"not allowed to drop {name}")

    monkeypatch.setattr(client, "drop_database", refuse)
    report = _drill_one(client, build_archive(tmp_path).archive)
    cleanup = next(c for c in report["failed_checks"] if c["check"] == "cleanup")
    assert "left: alteryx_drill_t1_AlteryxGallery" in cleanup["found"] and "not allowed to drop" in cleanup["found"]


def test_wrong_password_fails_clearly_without_the_password(server: MongoTestServer) -> None:
    wrong = "wrong-" + PASSWORD
    with pytest.raises(_drill.DrillError) as info:
        _drill.connect(_uri(server, wrong), 5)
    assert "refused the login (authentication failed)" in str(info.value)
    assert wrong not in str(info.value) and PASSWORD not in str(info.value)


def test_unreachable_server_fails_within_the_timeout() -> None:
    from mongo_server import free_closed_port

    uri = f"mongodb://{USER}:{PASSWORD}@127.0.0.1:{free_closed_port()}/"
    with pytest.raises(_drill.DrillError, match="not reachable within 1 s") as info:
        _drill.connect(uri, 1)
    assert PASSWORD not in str(info.value)


def test_malformed_uri_fails_without_the_password() -> None:
    with pytest.raises(_drill.DrillError, match="not a usable MongoDB connection string") as info:
        _drill.connect(f"mongodb://{USER}:{PASSWORD}@", 1)
    assert PASSWORD not in str(info.value)


def test_redact_hides_raw_and_decoded_passwords() -> None:
    uri = "mongodb://u:p%40ss@h:1/"
    assert _drill.redact("p%40ss and p@ss", uri) == "******** and ********"
    assert _drill.redact("nothing", "mongodb://h:1/") == "nothing"


def test_scratch_names_and_run_ids_are_checked(client: Any) -> None:
    assert _drill.scratch_name("ab12", "AlteryxGallery") == "alteryx_drill_ab12_AlteryxGallery"
    with pytest.raises(_drill.DrillError, match="longer than MongoDB allows"):
        _drill.scratch_name("a" * 16, "x" * 40)
    with pytest.raises(_drill.DrillError, match="1-16 letters or digits"):
        _drill.drill_archives(client, [], sample=1, run_id="../x")
    assert len(_drill.new_run_id()) == 8


def test_loader_refuses_a_document_length_out_of_range() -> None:
    loader = _drill._Loader(collection=None, sample=0, seed="s")
    loader.feed((3).to_bytes(4, "little") + b"\0" * 8)
    assert loader.error == "document 1 declares 3 bytes"
