"""The verifier's checks: good archives pass; each kind of damage fails the archive and the check that says so."""

from __future__ import annotations

import gc
import json
import shutil
import zipfile
from pathlib import Path

import bson
import pytest
from verify_archives import (
    FACTS,
    Built,
    Collection,
    build_archive,
    failed_files,
    failed_kinds,
    flip_bit,
    publish,
    read_entries,
    rewrite,
    sample_documents,
    verify,
)

from ansible_collections.alteryx.server.plugins.module_utils import _archive_verify
from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import (
    VerifyError,
    find_archives,
    verify_path,
)
from ansible_collections.alteryx.server.plugins.plugin_utils import _naming

USERS = "MongoDB/AlteryxGallery/users.bson"
SETTINGS = "Config/RuntimeSettings.xml"


def _documents(data: bytes) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "little")
        out.append(data[at:at + size])
        at += size
    return out


@pytest.mark.parametrize("gzip_dump", [False, True])
@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly", "ConfigOnly"])
def test_fresh_archives_pass(tmp_path: Path, mode: str, gzip_dump: bool) -> None:
    built = build_archive(tmp_path, mode=mode, gzip_dump=gzip_dump)
    report = verify(built.archive)
    assert report["passed"], report["problems"]
    assert report["verdict"] == "passed" and report["mode"] == mode and "PASSED" in report["summary"]
    kinds = {c["check"] for c in report["checks"]}
    assert {"sidecar", "crc", "sha256", "size", "listed", "contents", "copy_sha256", "copy_matches_manifest"} <= kinds
    if mode != "ConfigOnly":
        assert {"bson", "documents", "dump_log"} <= kinds
        assert report["documents"] == 12 + 9 + 7 + 4
    else:
        assert report["documents"] == 0


def test_every_check_has_the_documented_shape(full: Built) -> None:
    report = verify(full.archive)
    assert report["checks"] and all(set(c) == {"check", "file", "expected", "found", "passed"} for c in report["checks"])
    assert all(isinstance(c["expected"], str) and isinstance(c["found"], str) for c in report["checks"])
    assert report["sha256"] == full.sidecar.read_text().split()[0] and report["size"] == full.archive.stat().st_size
    assert report["failed_checks"] == [] and report["problems"] == []


def test_flipped_byte_in_a_bson_entry_fails_sidecar_crc_and_hash(full: Built) -> None:
    with zipfile.ZipFile(full.archive) as zf:
        info = zf.getinfo(USERS)
    flip_bit(full.archive, info.header_offset + 30 + len(USERS) + 5)
    report = verify(full.archive)
    assert not report["passed"] and report["verdict"] == "failed" and "FAILED" in report["summary"]
    assert {"sidecar", "copy_sha256"} <= failed_kinds(report)
    # The damaged deflate stream either does not inflate or inflates to other bytes: CRC and manifest hash see it.
    assert USERS in failed_files(report, "crc") and USERS in failed_files(report, "sha256")


def test_truncated_bson_rezipped_consistently_is_caught_by_decoding_and_counts(full: Built) -> None:
    def cut(entries: dict[str, bytes]) -> None:
        entries[USERS] = entries[USERS][: len(entries[USERS]) - 17]

    rewrite(full.archive, cut, fix_copy=True)
    report = verify(full.archive)
    assert not report["passed"]
    # Sidecar, CRCs, manifest hashes and the copy are all consistent with the damaged file...
    assert not {"sidecar", "crc", "sha256", "copy_sha256", "copy_matches_manifest"} & failed_kinds(report)
    # ...but the last document is cut short, and the collection counts one document less than it should.
    assert failed_files(report, "bson") == {USERS}
    assert USERS in failed_files(report, "documents") and USERS in failed_files(report, "dump_log")
    bad = next(c for c in report["failed_checks"] if c["check"] == "bson")
    assert "truncated" in bad["found"]


def test_bson_that_lost_a_document_is_caught_by_the_counts(full: Built) -> None:
    def drop(entries: dict[str, bytes]) -> None:
        entries[USERS] = b"".join(_documents(entries[USERS])[1:])

    rewrite(full.archive, drop, fix_copy=True)
    report = verify(full.archive)
    assert failed_kinds(report) == {"documents", "dump_log"}
    counts = {c["check"]: (c["expected"], c["found"]) for c in report["failed_checks"]}
    assert counts == {"documents": ("12", "11"), "dump_log": ("12", "11")}


def test_missing_collection_is_caught(full: Built) -> None:
    def remove(entries: dict[str, bytes]) -> None:
        del entries[USERS]
        del entries["MongoDB/AlteryxGallery/users.metadata.json"]

    rewrite(full.archive, remove, fix_copy=True)
    report = verify(full.archive)
    assert failed_kinds(report) == {"documents", "dump_log"}
    assert all(c["found"] == "no .bson file" for c in report["failed_checks"])


def _edit_settings(entries: dict[str, bytes]) -> None:
    entries[SETTINGS] = entries[SETTINGS].replace(b"True", b"Fals")


def test_manifest_edited_to_match_a_changed_file_is_caught_by_the_sidecar_and_the_copy(full: Built) -> None:
    rewrite(full.archive, _edit_settings, fix_sidecar=False)
    report = verify(full.archive)
    # Inside the archive everything agrees: the manifest was edited to the new file's hash.
    assert not {"crc", "sha256", "size"} & failed_kinds(report)
    # The sidecar has the published archive's hash; the copy its hash and the old manifest entry.
    # (The re-zipped archive's size may or may not differ from the one the copy records.)
    assert failed_kinds(report) - {"copy_size"} == {"sidecar", "copy_sha256", "copy_matches_manifest"}
    differs = next(c for c in report["failed_checks"] if c["check"] == "copy_matches_manifest")
    assert "BackedUpFiles[0].SHA256" in differs["found"]


def test_manifest_edited_with_a_recomputed_sidecar_is_still_caught_by_the_copy(full: Built) -> None:
    rewrite(full.archive, _edit_settings, fix_sidecar=True)
    assert failed_kinds(verify(full.archive)) - {"copy_size"} == {"copy_sha256", "copy_matches_manifest"}


def test_changed_file_without_manifest_edit_fails_its_hash(full: Built) -> None:
    rewrite(full.archive, _edit_settings, fix_manifest=False, fix_sidecar=True, fix_copy=True)
    report = verify(full.archive)
    assert failed_kinds(report) == {"sha256"} and failed_files(report, "sha256") == {SETTINGS}


def test_file_not_in_the_manifest_and_listed_file_missing(full: Built) -> None:
    def change(entries: dict[str, bytes]) -> None:
        entries["Config/extra.txt"] = b"not listed"
        del entries["Config/Engine/SystemAlias.xml"]

    rewrite(full.archive, change, fix_manifest=False, fix_copy=True)
    report = verify(full.archive)
    assert failed_files(report, "listed") == {"Config/extra.txt"}
    missing = [c for c in report["failed_checks"] if c["check"] == "sha256"]
    assert [(c["file"], c["found"]) for c in missing] == [("Config/Engine/SystemAlias.xml", "missing from the archive")]


def test_folder_file_count_and_size_are_checked(full: Built) -> None:
    def add_key(entries: dict[str, bytes]) -> None:
        entries["Config/Keys/third.key"] = b"k" * 10

    rewrite(full.archive, add_key, fix_copy=True)
    report = verify(full.archive)
    assert failed_files(report, "directory") == {"Config/Keys/"}
    assert failed_files(report, "listed") == {"Config/Keys/third.key"}


def _edit_manifest(built: Built, edit) -> None:
    def change(entries: dict[str, bytes]) -> None:
        manifest = json.loads(entries["BackupManifest.json"])
        edit(manifest)
        entries["BackupManifest.json"] = json.dumps(manifest).encode()

    rewrite(built.archive, change, fix_manifest=False, fix_copy=False)


def test_manifest_size_mismatch(full: Built) -> None:
    _edit_manifest(full, lambda m: m["BackedUpFiles"][0].update(SizeBytes=1))
    report = verify(full.archive)
    assert failed_files(report, "size") == {SETTINGS}
    assert "copy_matches_manifest" in failed_kinds(report)


def test_manifest_count_mismatch(full: Built) -> None:
    _edit_manifest(full, lambda m: m["Extensions"]["MongoDB"]["Databases"][0]["Collections"][0].update(Documents=99))
    report = verify(full.archive)
    assert [(c["check"], c["expected"]) for c in report["failed_checks"] if c["check"] == "documents"] == [
        ("documents", "99")]


def test_collection_dumped_but_not_in_the_manifest(full: Built) -> None:
    _edit_manifest(full, lambda m: m["Extensions"]["MongoDB"]["Databases"].pop())
    report = verify(full.archive)
    bad = [c for c in report["failed_checks"] if c["check"] == "documents"]
    assert bad and all(c["expected"] == "not in the manifest" for c in bad)


def test_mongodump_log_missing_or_disagreeing(full: Built) -> None:
    def edit_log(entries: dict[str, bytes]) -> None:
        entries["MongoDB/mongoDump.log"] = entries["MongoDB/mongoDump.log"].replace(b"(12 documents)", b"(13 documents)")

    rewrite(full.archive, edit_log, fix_copy=True)
    report = verify(full.archive)
    assert failed_kinds(report) == {"dump_log"}
    assert [(c["expected"], c["found"]) for c in report["failed_checks"]] == [("13", "12")]

    rewrite(full.archive, lambda entries: entries.pop("MongoDB/mongoDump.log"), fix_copy=True)
    report = verify(full.archive)
    assert [(c["check"], c["found"]) for c in report["failed_checks"]] == [("dump_log", "missing")]


@pytest.mark.parametrize("name", ["renamed.zip", "ServerBackup_DB_20260114_020015.zip"])
def test_renamed_archive(full: Built, name: str) -> None:
    target = full.archive.with_name(name)
    for suffix in ("", ".sha256", ".manifest.json"):
        shutil.move(f"{full.archive}{suffix}", f"{target}{suffix}")
    report = verify(target)
    assert {"manifest_name", "mode", "sidecar"} <= failed_kinds(report)
    assert ("archive_name" in failed_kinds(report)) == (name == "renamed.zip")


class TestContents:
    """The contents must match the manifest's mode and node roles."""

    def test_database_only_with_config_files(self, tmp_path: Path) -> None:
        built = build_archive(tmp_path, mode="DatabaseOnly")
        rewrite(built.archive, lambda e: e.update({SETTINGS: b"<x/>", "Secrets/ControllerToken.txt": b"t"}),
                fix_copy=True)
        report = verify(built.archive)
        assert failed_files(report, "contents") == {"Config/", "Secrets/"}

    def test_config_only_with_a_dump(self, tmp_path: Path) -> None:
        built = build_archive(tmp_path, mode="ConfigOnly")
        rewrite(built.archive, lambda e: e.update({USERS: bson.encode({"a": 1})}), fix_copy=True)
        assert failed_files(verify(built.archive), "contents") == {"MongoDB/"}

    def test_full_controller_without_a_dump(self, tmp_path: Path) -> None:
        built = build_archive(tmp_path, mode="Full", collections=[])
        report = verify(built.archive)
        assert failed_files(report, "contents") == {"MongoDB/"}

    def test_full_worker_without_a_dump_passes(self, tmp_path: Path) -> None:
        worker = {**FACTS, "roles": ["worker"], "mongodb": {"type": "none", "data_path": "", "database": ""}}
        built = build_archive(tmp_path, mode="Full", facts=worker, collections=[])
        report = verify(built.archive)
        assert report["passed"], report["problems"]

    def test_secrets_from_a_worker(self, tmp_path: Path) -> None:
        worker = {**FACTS, "roles": ["worker"], "mongodb": {"type": "none", "data_path": "", "database": ""}}
        files = {SETTINGS: lambda: [b"<x/>"], "Secrets/ControllerToken.txt": lambda: [b"A" * 64]}
        built = build_archive(tmp_path, mode="Full", facts=worker, collections=[], files=files)
        report = verify(built.archive)
        assert "Secrets/" in failed_files(report, "contents")

    def test_token_recorded_but_missing(self, full: Built) -> None:
        rewrite(full.archive, lambda e: e.pop("Secrets/ControllerToken.txt"), fix_copy=True)
        assert failed_files(verify(full.archive), "contents") == {"Secrets/ControllerToken.txt"}

    def test_runtime_settings_missing(self, full: Built) -> None:
        rewrite(full.archive, lambda e: e.pop(SETTINGS), fix_copy=True)
        assert failed_files(verify(full.archive), "contents") == {SETTINGS}

    def test_unknown_mode(self, full: Built) -> None:
        _edit_manifest(full, lambda m: m["BackupMetadata"].update(BackupMode="Partial"))
        report = verify(full.archive)
        assert {"mode", "contents"} <= failed_kinds(report)

    def test_dump_of_an_unknown_deployment(self, full: Built) -> None:
        _edit_manifest(full, lambda m: m["MongoDBInformation"].update(DeploymentType="none"))
        assert "MongoDB/" in failed_files(verify(full.archive), "contents")


class TestBsonDamage:
    def test_document_that_does_not_decode(self, full: Built) -> None:
        def damage(entries: dict[str, bytes]) -> None:
            docs = _documents(entries[USERS])
            bad = bytearray(docs[3])
            bad[4] = 0x20  # the first element's type: BSON has no type 0x20
            docs[3] = bytes(bad)
            entries[USERS] = b"".join(docs)

        rewrite(full.archive, damage, fix_copy=True)
        report = verify(full.archive)
        bad = next(c for c in report["failed_checks"] if c["check"] == "bson")
        assert bad["file"] == USERS and "document 4 does not decode" in bad["found"]
        assert "documents" in failed_kinds(report)

    def test_impossible_document_length(self, full: Built) -> None:
        def damage(entries: dict[str, bytes]) -> None:
            docs = _documents(entries[USERS])
            entries[USERS] = b"".join(docs[:2]) + (3).to_bytes(4, "little") + b"".join(docs[2:])

        rewrite(full.archive, damage, fix_copy=True)
        bad = next(c for c in verify(full.archive)["failed_checks"] if c["check"] == "bson")
        assert "broken after 2 documents" in bad["found"] and "declares 3 bytes" in bad["found"]

    def test_gzip_dump_truncated(self, tmp_path: Path) -> None:
        built = build_archive(tmp_path, gzip_dump=True)
        gz = USERS + ".gz"
        rewrite(built.archive, lambda e: e.update({gz: e[gz][:-12]}), fix_copy=True)
        bad = next(c for c in verify(built.archive)["failed_checks"] if c["check"] == "bson")
        assert bad["file"] == gz and "gzip stream is cut short" in bad["found"]

    def test_gzip_dump_not_gzip(self, tmp_path: Path) -> None:
        built = build_archive(tmp_path, gzip_dump=True)
        gz = USERS + ".gz"
        rewrite(built.archive, lambda e: e.update({gz: b"plain text, not gzip"}), fix_copy=True)
        bad = next(c for c in verify(built.archive)["failed_checks"] if c["check"] == "bson")
        assert "not a valid gzip stream" in bad["found"]

    def test_oplog_is_decoded_but_not_counted_as_a_collection(self, full: Built) -> None:
        oplog = b"".join(bson.encode(d) for d in sample_documents("oplog", 3))
        rewrite(full.archive, lambda e: e.update({"MongoDB/oplog.bson": oplog}), fix_copy=True)
        report = verify(full.archive)
        assert failed_kinds(report) == {"listed"}  # decoded fine; only unlisted
        assert report["documents"] == 32 + 3


class TestPublishedFiles:
    def test_missing_sidecar_and_copy(self, full: Built) -> None:
        full.sidecar.unlink()
        full.copy.unlink()
        report = verify(full.archive)
        assert failed_kinds(report) == {"sidecar", "manifest_copy"}
        relaxed = verify(full.archive, require_sidecar=False, require_manifest_copy=False)
        assert relaxed["passed"]
        assert {(c["check"], c["found"]) for c in relaxed["checks"] if c["found"] == "missing"} == {
            ("sidecar", "missing"), ("manifest_copy", "missing")}

    @pytest.mark.parametrize("text", ["", "not a checksum\n", "abc  ServerBackup_Full_20260114_020015.zip\n"])
    def test_malformed_sidecar(self, full: Built, text: str) -> None:
        full.sidecar.write_text(text)
        assert failed_kinds(verify(full.archive)) == {"sidecar"}

    def test_sidecar_naming_another_archive(self, full: Built) -> None:
        digest = full.sidecar.read_text().split()[0]
        full.sidecar.write_text(f"{digest}  ServerBackup_Full_20990101_000000.zip\n")
        assert failed_kinds(verify(full.archive)) == {"sidecar"}

    def test_sidecar_in_upper_case_and_binary_marker_is_accepted(self, full: Built) -> None:
        digest = full.sidecar.read_text().split()[0]
        full.sidecar.write_text(f"{digest.upper()} *{full.archive.name}\r\n")
        assert verify(full.archive)["passed"]

    @pytest.mark.parametrize("text", ["{", "[]", '{"ArchiveInformation": {}}'])
    def test_unreadable_copy(self, full: Built, text: str) -> None:
        full.copy.write_text(text)
        assert failed_kinds(verify(full.archive)) == {"manifest_copy"}

    def test_copy_size_disagrees(self, full: Built) -> None:
        copy = json.loads(full.copy.read_text())
        copy["Extensions"]["ArchiveSizeBytes"] += 1
        full.copy.write_text(json.dumps(copy))
        assert failed_kinds(verify(full.archive)) == {"copy_size"}


class TestManifestInside:
    def test_missing_manifest(self, full: Built) -> None:
        entries = read_entries(full.archive)
        del entries["BackupManifest.json"]
        with zipfile.ZipFile(full.archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries.items():
                zf.writestr(name, data)
        publish(full.archive, full.manifest, 0, copy=False)
        report = verify(full.archive)
        assert ("manifest", "missing") in {(c["check"], c["found"]) for c in report["failed_checks"]}
        assert report["mode"] == ""

    @pytest.mark.parametrize(("text", "found"), [
        (b"{not json", "invalid"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"BackupMetadata": {}}', "BackedUpFiles missing or not a list"),
    ])
    def test_broken_manifest(self, full: Built, text: bytes, found: str) -> None:
        entries = read_entries(full.archive)
        entries["BackupManifest.json"] = text
        with zipfile.ZipFile(full.archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries.items():
                zf.writestr(name, data)
        publish(full.archive, full.manifest, 0, copy=False)
        report = verify(full.archive)
        bad = next(c for c in report["failed_checks"] if c["check"] == "manifest")
        assert found in bad["found"]

    def test_manifest_without_dump_sections(self, full: Built) -> None:
        _edit_manifest(full, lambda m: m["Extensions"].pop("MongoDB"))
        bad = next(c for c in verify(full.archive)["failed_checks"] if c["check"] == "manifest")
        assert "Extensions.MongoDB" in bad["found"]


class TestFinding:
    def test_folder_holds_archives_and_other_files(self, tmp_path: Path) -> None:
        build_archive(tmp_path, mode="Full")
        build_archive(tmp_path, mode="ConfigOnly")
        (tmp_path / "ServerBackup_Full_20260114_020015.zip.partial").write_bytes(b"x")
        (tmp_path / "notes.zip").write_bytes(b"x")
        found = [Path(p).name for p in find_archives(str(tmp_path))]
        assert found == ["ServerBackup_Config_20260114_020015.zip", "ServerBackup_Full_20260114_020015.zip"]
        assert [r["passed"] for r in verify_path(str(tmp_path))] == [True, True]

    def test_missing_path_and_empty_folder(self, tmp_path: Path) -> None:
        with pytest.raises(VerifyError, match="does not exist"):
            find_archives(str(tmp_path / "nowhere"))
        with pytest.raises(VerifyError, match="holds no ServerBackup"):
            find_archives(str(tmp_path))

    def test_a_file_is_verified_whatever_its_name(self, tmp_path: Path) -> None:
        other = tmp_path / "copy.zip"
        other.write_bytes(b"not a zip at all")
        [report] = verify_path(str(other))
        assert not report["passed"] and {"archive_name", "zip_structure", "sidecar", "manifest"} <= failed_kinds(report)

    @pytest.mark.parametrize("name", ["ServerBackup_Full_20260114_020015.zip", "ServerBackup_DB_20261231_235959.zip",
                                      "ServerBackup_Config_20260230_000000.zip", "ServerBackup_full_20260114_020015.zip",
                                      "ServerBackup_Full_20260114_020015.zip.sha256", "ServerBackup_X_20260114_020015.zip",
                                      "ServerBackup_Full_2026011_020015.zip"])
    def test_archive_names_agree_with_plugin_utils(self, name: str) -> None:
        # Impossible dates pass the pattern; _naming also parses the date. Both agree on the shape.
        shape = _archive_verify.ARCHIVE_RE.fullmatch(name) is not None
        assert shape == (_naming._ARCHIVE_RE.fullmatch(name) is not None)
        if _naming.parse_archive_name(name):
            assert _archive_verify.TAG_MODES[name.split("_")[1]] == _naming.parse_archive_name(name).mode

    def test_collections_may_be_empty(self, tmp_path: Path) -> None:
        empty = Collection("AlteryxService", "AS_Empty", 0, lambda: [b""])
        built = build_archive(tmp_path, collections=[empty])
        assert verify(built.archive)["passed"]


def test_unreadable_archive_gets_a_failed_report_and_the_others_are_verified(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    build_archive(tmp_path, mode="Full")
    build_archive(tmp_path, mode="ConfigOnly")
    real = _archive_verify.verify_archive

    def flaky(path: str, **options: object) -> dict:
        if "Config" in path:
            raise PermissionError(13, "Permission denied", path)
        return real(path, **options)

    monkeypatch.setattr(_archive_verify, "verify_archive", flaky)
    config, full = verify_path(str(tmp_path))
    assert full["passed"]
    assert not config["passed"] and config["problems"] == [
        "readable ServerBackup_Config_20260114_020015.zip: expected a readable file, found Permission denied"]
    assert "cannot be read: Permission denied" in config["summary"]


def test_garbage_collection_is_back_on_afterwards_even_on_errors(tmp_path: Path) -> None:
    assert gc.isenabled()
    with pytest.raises(OSError):
        _archive_verify.verify_archive(str(tmp_path / "ServerBackup_Full_20260114_020015.zip"))
    assert gc.isenabled()
    gc.disable()
    try:
        with _archive_verify._no_gc():
            pass
        assert not gc.isenabled(), "a collector the caller had switched off stays off"
    finally:
        gc.enable()
