"""Build backup archives as alteryx.server publishes them, and damage them, for the verifier's tests and bench.

``build_archive`` writes ``ServerBackup_<tag>_<time>.zip`` with ``BackupManifest.json`` (made by the collection's
own ``_manifest.build_manifest``), its ``.sha256`` sidecar and the ``.manifest.json`` copy (``published_copy_
template`` + ``fill_published_copy``, as the archive step). Entries stream into the zip, so a bench archive of
gigabytes needs no memory. ``rewrite`` re-zips an archive with one entry changed and, as asked, brings the
manifest, the sidecar and the copy back in line with the change - the "consistent" corruptions.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson

from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest

TAGS = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}
WHEN = datetime(2026, 1, 14, 2, 0, 15, tzinfo=UTC)
FACTS = {
    "computer_name": "ALTERYX01", "is_admin": True, "version": "2023.1.1.247",
    "install_dir": "C:\\Program Files\\Alteryx", "exe_path": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe",
    "service": {"name": "AlteryxService", "state": "running"}, "service_logon_account": "CORP\\svc-alteryx",
    "roles": ["controller", "worker", "ui"], "controller_server": "", "run_as_user": "CORP\\svc-run",
    "mongodb": {"type": "embedded", "data_path": "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB",
                "database": ""},
}
CONFIG_FILES = {
    "Config/RuntimeSettings.xml": b"<SystemSettings><Controller><ControllerEnabled>True</ControllerEnabled>"
                                  b"</Controller></SystemSettings>",
    "Config/Engine/SystemAlias.xml": b"<Aliases/>",
    "Config/Keys/alteryx.key": bytes(range(64)),
}
SECRET_FILES = {"Secrets/ControllerToken.txt": b"A" * 64}


def sample_documents(collection: str, count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Documents shaped like winsim's seeded dataset (ObjectId, strings, a date, a nested document)."""
    return [{"_id": bson.ObjectId(f"{seed:08x}{n:016x}"), "name": f"{collection}-{n}", "n": n,
             "created": datetime(2025, 1, 1 + n % 28), "meta": {"owner": f"user{n % 7}@example.com", "tags": ["a", "b"]}}
            for n in range(count)]


@dataclass
class Collection:
    """One dumped collection: ``chunks`` yield its BSON bytes; ``documents`` is how many there are."""

    database: str
    name: str
    documents: int
    chunks: Callable[[], Iterable[bytes]]

    @classmethod
    def of(cls, database: str, name: str, docs: list[dict[str, Any]]) -> Collection:
        data = b"".join(bson.encode(d) for d in docs)
        return cls(database, name, len(docs), lambda: [data])


def default_collections(documents: int = 12) -> list[Collection]:
    return [Collection.of("AlteryxGallery", "users", sample_documents("users", documents, 1)),
            Collection.of("AlteryxGallery", "appInfos", sample_documents("appInfos", documents - 3, 2)),
            Collection.of("AlteryxService", "AS_Queue", sample_documents("AS_Queue", documents - 5, 3)),
            Collection.of("AlteryxGallery_Lucene", "LuceneIndexes", sample_documents("LuceneIndexes", 4, 4))]


@dataclass
class Built:
    archive: Path
    sidecar: Path
    copy: Path
    manifest: dict[str, Any] = field(default_factory=dict)


def _info(name: str, level: int = 6) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 14, 2, 0, 14))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = level  # type: ignore[attr-defined]  # what ZipFile.open/writestr read (Python 3.11)
    return info


def _write(zf: zipfile.ZipFile, name: str, chunks: Iterable[bytes], level: int = 6, zip64: bool = False
           ) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with zf.open(_info(name, level), "w", force_zip64=zip64) as out:
        for chunk in chunks:
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def build_archive(folder: Path, *, mode: str = "Full", facts: Mapping[str, Any] | None = None,
                  collections: list[Collection] | None = None, files: Mapping[str, Callable[[], Iterable[bytes]]]
                  | None = None, gzip_dump: bool = False, level: int = 6, zip64: bool = False,
                  when: datetime = WHEN, encryption: Mapping[str, Any] | None = None) -> Built:
    """Write an archive, its sidecar and its manifest copy into ``folder``.

    ``collections`` default to ``default_collections()`` (none for ConfigOnly); ``files`` (archive path -> chunk
    source) default to the config files and, on a controller, the controller token (none for DatabaseOnly).
    ``level`` is the deflate level; ``zip64`` writes Zip64 local headers for the files and collections.
    ``encryption`` is alteryx_critical_files' ``secrets_exported.encryption`` (Extensions.SecretsEncryption).
    """
    facts = dict(facts or FACTS)
    controller = "controller" in facts["roles"]
    if collections is None:
        collections = [] if mode == "ConfigOnly" else default_collections()
    if files is None:
        plain = {} if mode == "DatabaseOnly" else {**CONFIG_FILES, **(SECRET_FILES if controller else {})}
        files = {path: (lambda data=data: [data]) for path, data in plain.items()}
    name = f"ServerBackup_{TAGS[mode]}_{when.strftime('%Y%m%d_%H%M%S')}.zip"
    archive = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    staged, dump_files, log_lines, uncompressed = [], [], [], 0
    databases: dict[str, list[dict[str, Any]]] = {}
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for path, source in files.items():
            size, sha = _write(zf, path, source(), level, zip64)
            uncompressed += size
            staged.append({"archive_path": path, "source_path": "" if path.startswith("Secrets/") else
                           "C:\\ProgramData\\Alteryx\\" + path.split("/", 1)[1].replace("/", "\\"),
                           "size": size, "sha256": sha, "category": "secret" if path.startswith("Secrets/") else
                           "config", "last_modified": "2026-01-14T01:00:00Z"})
        for coll in collections:
            suffix = ".bson.gz" if gzip_dump else ".bson"
            source = coll.chunks if not gzip_dump else (lambda c=coll: [gzip.compress(b"".join(c.chunks()))])
            size, sha = _write(zf, f"MongoDB/{coll.database}/{coll.name}{suffix}", source(), level, zip64)
            meta = json.dumps({"collectionName": coll.name, "indexes": []}).encode()
            meta = gzip.compress(meta) if gzip_dump else meta
            meta_size, meta_sha = _write(zf, f"MongoDB/{coll.database}/{coll.name}.metadata.json"
                                         + (".gz" if gzip_dump else ""), [meta])
            uncompressed += size + meta_size
            dump_files += [{"path": f"{coll.database}\\{coll.name}{suffix}", "size": size, "sha256": sha},
                           {"path": f"{coll.database}\\{coll.name}.metadata.json" + (".gz" if gzip_dump else ""),
                            "size": meta_size, "sha256": meta_sha}]
            databases.setdefault(coll.database, []).append({"name": coll.name, "documents": coll.documents,
                                                            "bytes": size})
            log_lines += [f"2026-01-14T02:00:05.000+0000\twriting {coll.database}.{coll.name} to D:\\Temp\\x\\"
                          f"MongoDB\\{coll.database}\\{coll.name}.bson",
                          f"2026-01-14T02:00:06.000+0000\tdone dumping {coll.database}.{coll.name} "
                          f"({coll.documents} documents)"]
        if collections:
            log = ("\n".join(log_lines) + "\n").encode()
            size, sha = _write(zf, "MongoDB/mongoDump.log", [log])
            dump_files.append({"path": "mongoDump.log", "size": size, "sha256": sha})
        keys = [s for s in staged if s["archive_path"].startswith("Config/Keys/")]
        directories = [{"archive_path": "Config/Keys", "source_path": "C:\\ProgramData\\Alteryx\\Keys",
                        "file_count": len(keys), "total_bytes": sum(k["size"] for k in keys)}] if keys else []
        dump = {"files": dump_files, "databases": [{"name": n, "collections": c} for n, c in sorted(databases.items())],
                "workflows_running": 0} if collections else {}
        manifest = _manifest.build_manifest(
            mode=mode, archive_name=name, run_id="20260114020015-abcdef12", started=when, facts=facts, dump=dump,
            files=staged, directories=directories,
            secrets_exported={"server_secret": True, "encryption": encryption} if controller and mode != "DatabaseOnly"
            else {},
            windows_version="Microsoft Windows Server 2019 Standard", performed_by="CORP\\svc-backup", version="1.1.0")
        text = _manifest.manifest_json(manifest).encode()
        size, _sha = _write(zf, _manifest.MANIFEST_NAME, [text])
        uncompressed += size
    publish(archive, manifest, uncompressed)
    return Built(archive, Path(f"{archive}.sha256"), Path(f"{archive}.manifest.json"), manifest)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def publish(archive: Path, manifest: Mapping[str, Any], uncompressed: int, *, sidecar: bool = True,
            copy: bool = True) -> None:
    """(Re)write the sidecar and the manifest copy for ``archive`` as it is now, as the archive step does."""
    sha, size = file_sha256(archive), archive.stat().st_size
    if sidecar:
        Path(f"{archive}.sha256").write_text(f"{sha}  {archive.name}\n")
    if copy:
        text = _manifest.fill_published_copy(_manifest.published_copy_template(manifest), sha256=sha, size_bytes=size,
                                             uncompressed_bytes=uncompressed, started_utc=manifest["BackupMetadata"][
                                                 "BackupTimestamp"], elapsed_seconds=42.5)
        Path(f"{archive}.manifest.json").write_text(text)


def read_entries(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rewrite(archive: Path, change: Callable[[dict[str, bytes]], None], *, fix_manifest: bool = True,
            fix_sidecar: bool = True, fix_copy: bool = False) -> dict[str, Any]:
    """Re-zip ``archive`` after ``change`` edited its entries in place (zip CRCs are always consistent).

    ``fix_manifest`` updates SHA256/SizeBytes of changed files in BackupManifest.json (and drops entries of removed
    files), ``fix_sidecar``/``fix_copy`` rewrite the sidecar and the manifest copy for the new archive. Returns the
    manifest inside the new archive.
    """
    entries = read_entries(archive)
    before = dict(entries)
    change(entries)
    manifest = json.loads(entries[_manifest.MANIFEST_NAME])
    if fix_manifest:
        listed = manifest["BackedUpFiles"] + manifest["Extensions"]["MongoDB"]["DumpFiles"]
        for item in listed:
            path = item["RelativePathInArchive"]
            if path in entries and entries[path] != before.get(path):
                item["SHA256"] = hashlib.sha256(entries[path]).hexdigest()
                item["SizeBytes"] = len(entries[path])
        manifest["BackedUpFiles"] = [i for i in manifest["BackedUpFiles"] if i.get("SHA256") is None
                                     or i["RelativePathInArchive"] in entries]
        dump = manifest["Extensions"]["MongoDB"]
        dump["DumpFiles"] = [i for i in dump["DumpFiles"] if i["RelativePathInArchive"] in entries]
        entries[_manifest.MANIFEST_NAME] = _manifest.manifest_json(manifest).encode()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in entries.items():
            zf.writestr(_info(path), data)
    publish(archive, manifest, sum(len(d) for d in entries.values()), sidecar=fix_sidecar, copy=fix_copy)
    return manifest


def verify(archive: Path, **options: Any) -> dict[str, Any]:
    """The verifier's report for ``archive`` (imported late: only the tests need the module_utils)."""
    from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import verify_archive

    return verify_archive(str(archive), **options)


def failed_kinds(report: Mapping[str, Any]) -> set[str]:
    return {c["check"] for c in report["failed_checks"]}


def failed_files(report: Mapping[str, Any], kind: str) -> set[str]:
    return {c["file"] for c in report["failed_checks"] if c["check"] == kind}


def flip_bit(path: Path, offset: int, bit: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))
