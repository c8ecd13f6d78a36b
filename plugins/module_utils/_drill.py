# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore drill: load an archive's MongoDB dump into scratch databases on a throwaway server, compare, drop.

``drill_archives(client, paths, ...)`` drills each archive in turn: one streaming pass over the archive
(``_archive_stream.stream_archive``) frames every document of every ``MongoDB/<db>/<coll>.bson`` (plain or
``--gzip`` ``.bson.gz``; the embedded emongodump and self-managed mongodump layouts are the same) and inserts it,
as the raw bytes of the dump, into ``alteryx_drill_<run id>_<db>.<coll>``. Then per collection:

* ``count`` - the documents the server holds equal the manifest's ``Extensions.MongoDB.Databases[].Collections[]
  .Documents`` (a collection of the manifest without a dump file fails, and so does one the manifest lacks);
* ``load`` - the server accepted every document (only written when it refused one, e.g. a duplicate ``_id``);
* ``sample`` - up to ``sample`` documents (a seeded reservoir sample over the whole file) read back by ``_id`` are
  byte-equal BSON to the dump's.

The scratch databases are dropped afterwards in every case (``finally``), and the ``cleanup`` check says that
none is left. Before loading anything, ``check_server`` refuses a server that already holds a database named
``alteryx_drill_*``: such names are only ever the drill's own, so their presence means another drill is running
there or an interrupted one left them, and the drill must neither mix with nor drop them.

Checks are ``{check, file, expected, found, passed}`` like ``_archive_verify``'s.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ansible_collections.alteryx.server.plugins.module_utils._archive_stream import stream_archive
from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import (
    DUMP_PREFIX,
    MANIFEST_NAME,
    TEXT_LIMIT,
    _Checks,
    _collection_of,
    _line,
)
from ansible_collections.alteryx.server.plugins.module_utils._bson_stream import MAX_DOCUMENT, GzipBsonCounter, TextBuffer

try:
    import pymongo
    from bson.codec_options import CodecOptions
    from bson.raw_bson import RawBSONDocument
    from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError

    HAS_PYMONGO = True
    PYMONGO_IMPORT_ERROR = None
except ImportError:
    HAS_PYMONGO = False
    PYMONGO_IMPORT_ERROR = traceback.format_exc()

SCRATCH_PREFIX = "alteryx_drill_"
RUN_ID_RE = re.compile(r"[A-Za-z0-9]{1,16}")
# MongoDB refuses database names of 64 bytes or more.
MAX_DB_NAME = 63
BATCH_DOCUMENTS = 1000
BATCH_BYTES = 8 * 1024 * 1024
_LENGTH_BYTES = 4
AUTH_FAILED = 18  # mongod's AuthenticationFailed
UNAUTHORIZED = 13


class DrillError(Exception):
    """The drill cannot run: the server is unreachable, refuses the login or the commands, or holds scratch data."""


def new_run_id() -> str:
    return secrets.token_hex(4)


def scratch_name(run_id: str, database: str) -> str:
    """The scratch database for ``database`` of the dump; raises DrillError when MongoDB could not hold the name."""
    name = f"{SCRATCH_PREFIX}{run_id}_{database}"
    if len(name.encode()) > MAX_DB_NAME:
        raise DrillError(f"the scratch database name {name} is longer than MongoDB allows ({MAX_DB_NAME} bytes)")
    return name


def uri_password(uri: str) -> str:
    """The password in ``uri`` as written (percent-encoded); '' when it has none."""
    match = re.match(r"mongodb(?:\+srv)?://([^@/]*)@", uri)
    return match.group(1).split(":", 1)[1] if match and ":" in match.group(1) else ""


def redact(text: str, uri: str) -> str:
    """``text`` with the password of ``uri`` (raw and percent-decoded) replaced by ``********``."""
    password = uri_password(uri)
    for secret in sorted({password, urllib.parse.unquote(password)}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "********")
    return text


def connect(uri: str, timeout: int) -> Any:
    """A client for ``uri`` that has logged in and answered ``listDatabases``; raises DrillError (password-free)
    when the server cannot be reached, refuses the login or the command."""
    try:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout * 1000, connectTimeoutMS=timeout * 1000,
                                     appname="alteryx.server restore drill")
    except (PyMongoError, ValueError, TypeError) as exc:
        raise DrillError(redact(f"alteryx_verify_drill_uri is not a usable MongoDB connection string: {exc}",
                                uri)) from None
    try:
        client.list_database_names()
    except OperationFailure as exc:
        client.close()
        if exc.code == AUTH_FAILED:
            raise DrillError("the drill server refused the login (authentication failed): check the user name, "
                             "password and authSource of alteryx_verify_drill_uri") from None
        if exc.code == UNAUTHORIZED:
            raise DrillError("the drill server refused listDatabases: the user of alteryx_verify_drill_uri needs "
                             "readWriteAnyDatabase (or root) on the scratch server") from None
        raise DrillError(redact(f"the drill server refused listDatabases: {exc}", uri)) from None
    except PyMongoError as exc:
        client.close()
        raise DrillError(redact(f"the drill server is not reachable within {timeout} s: {exc}", uri)) from None
    return client


def check_server(client: Any) -> None:
    """Raise DrillError when the server already holds a scratch database (``alteryx_drill_*``)."""
    existing = sorted(n for n in client.list_database_names() if n.startswith(SCRATCH_PREFIX))
    if existing:
        raise DrillError(f"the drill server already holds {', '.join(existing)}: another drill is running there or "
                         "an interrupted one left them. Nothing was loaded; drop them by hand once no drill runs, "
                         "or use another scratch server")


class _Loader:
    """Frames the BSON documents of one dump file as they stream past, inserts them in batches as raw bytes (what
    the server stores is exactly the dump's document), and keeps a seeded reservoir sample of them.

    After ``close``: ``documents`` (framed), ``error`` (why framing stopped, '' when it did not), ``bytes``,
    ``load_error`` (the server's refusal, '' when none), ``inserted``, ``sample`` (list of document bytes).
    """

    def __init__(self, collection: Any, sample: int, seed: str) -> None:
        self._collection = collection
        self._size = sample
        self._random = random.Random(seed)
        self.sample: list[bytes] = []
        self.documents = self.bytes = self.inserted = 0
        self.error = self.load_error = ""
        self._pending = b""
        self._batch: list[Any] = []
        self._batch_bytes = 0

    def feed(self, data: bytes | memoryview) -> None:
        self.bytes += len(data)
        if self.error or not data:
            return
        buf = self._pending + bytes(data)
        at = 0
        while len(buf) - at >= _LENGTH_BYTES:
            length = int.from_bytes(buf[at:at + _LENGTH_BYTES], "little", signed=True)
            if length < 5 or length > MAX_DOCUMENT:
                self.error = f"document {self.documents + 1} declares {length} bytes"
                self._pending = b""
                return
            if at + length > len(buf):
                break
            self._document(buf[at:at + length])
            at += length
        self._pending = buf[at:]

    def _document(self, document: bytes) -> None:
        self.documents += 1
        if self._size:
            if len(self.sample) < self._size:
                self.sample.append(document)
            else:
                slot = self._random.randrange(self.documents)
                if slot < self._size:
                    self.sample[slot] = document
        if self.load_error:
            return
        self._batch.append(RawBSONDocument(document))
        self._batch_bytes += len(document)
        if len(self._batch) >= BATCH_DOCUMENTS or self._batch_bytes >= BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if not batch or self.load_error:
            return
        try:
            self._collection.insert_many(batch, ordered=True)
            self.inserted += len(batch)
        except BulkWriteError as exc:
            details = exc.details or {}
            self.inserted += int(details.get("nInserted") or 0)
            first = (details.get("writeErrors") or [{}])[0]
            self.load_error = (f"the server refused document {self.inserted + 1}: "
                               f"{first.get('errmsg') or exc} (code {first.get('code')})")

    def close(self) -> None:
        if not self.error and self._pending:
            self.error = f"{len(self._pending)} byte(s) after document {self.documents} do not make a whole document"
        self._pending = b""
        self._flush()


class _GzipLoader(GzipBsonCounter):
    """A ``--gzip`` dump file: gunzip as it streams (GzipBsonCounter's stream handling), then load like _Loader."""

    def __init__(self, loader: _Loader) -> None:
        super().__init__()
        self._inner = loader  # type: ignore[assignment]  # same feed/close/documents/error/bytes interface

    @property
    def loader(self) -> _Loader:
        return self._inner  # type: ignore[return-value]


@contextmanager
def _scratch(client: Any, run_id: str, checks: _Checks, name: str) -> Iterator[dict[str, str]]:
    """Yields {dump database: scratch database} to fill; drops every scratch database of ``run_id`` afterwards,
    whatever happened, and records the ``cleanup`` check."""
    created: dict[str, str] = {}
    try:
        yield created
    finally:
        prefix = f"{SCRATCH_PREFIX}{run_id}_"
        errors = []
        try:
            names = set(created.values()) | {n for n in client.list_database_names() if n.startswith(prefix)}
        except PyMongoError as exc:
            names, errors = set(created.values()), [f"listing databases failed: {exc}"]
        for db_name in sorted(names):
            try:
                client.drop_database(db_name)
            except PyMongoError as exc:
                errors.append(f"dropping {db_name} failed: {exc}")
        try:
            left = sorted(n for n in client.list_database_names() if n.startswith(prefix))
        except PyMongoError as exc:
            left = sorted(names)
            errors.append(f"listing databases failed: {exc}")
        found = f"{len(names)} dropped" if not left and not errors else "; ".join(
            [f"left: {', '.join(left)}"] * bool(left) + errors)
        checks.add("cleanup", name, "every scratch database dropped", found, not left and not errors)


def _consumer_factory(client: Any, run_id: str, sample: int, created: dict[str, str],
                      loaders: dict[tuple[str, str], tuple[str, Any]]) -> Callable[[str], Any]:
    raw = CodecOptions(document_class=RawBSONDocument)

    def consumer_for(entry: str) -> Any:
        if entry == MANIFEST_NAME:
            return TextBuffer(TEXT_LIMIT)
        key = _collection_of(entry) if entry.startswith(DUMP_PREFIX) else None
        if key is None:
            return None
        database, collection = key
        created.setdefault(database, scratch_name(run_id, database))
        target = client[created[database]].get_collection(collection, codec_options=raw)
        loader = _Loader(target, sample, f"{run_id}:{database}.{collection}")
        consumer = _GzipLoader(loader) if entry.endswith(".gz") else loader
        loaders[key] = (entry, consumer)
        return consumer

    return consumer_for


def _manifest_counts(text: bytes | None) -> dict[tuple[str, str], Any] | None:
    try:
        manifest = json.loads((text or b"").decode("utf-8-sig"))
        databases = manifest["Extensions"]["MongoDB"]["Databases"]
        return {(str(d["Name"]), str(c["Name"])): c.get("Documents") for d in databases for c in d["Collections"]}
    except (ValueError, KeyError, TypeError):
        return None


def _compare_sample(client: Any, scratch: str, collection: str, sample: list[bytes]) -> tuple[str, bool]:
    """(found text, passed) for the sampled documents read back by ``_id``."""
    if not sample:
        return "no document to sample", True
    raw = CodecOptions(document_class=RawBSONDocument)
    wanted = {}
    for document in sample:
        doc = RawBSONDocument(document)
        if "_id" in doc:
            wanted[document] = doc["_id"]
    target = client[scratch].get_collection(collection, codec_options=raw)
    stored = {bytes(d.raw) for d in target.find({"_id": {"$in": list(wanted.values())}})}
    differ = [document for document in wanted if document not in stored]
    without_id = len(sample) - len(wanted)
    if differ or without_id:
        ids = ", ".join(str(RawBSONDocument(d)["_id"]) for d in differ[:3])
        parts = [f"{len(differ)} of {len(wanted)} differ or are missing" + (f" (_id {ids})" if ids else "")]
        parts += [f"{without_id} without _id"] * bool(without_id)
        return "; ".join(parts), False
    return f"{len(wanted)} byte-equal", True


def drill_archive(client: Any, path: str, *, run_id: str, sample: int) -> dict[str, Any]:
    """Drill one archive. Returned keys: ``archive``, ``name``, ``passed``, ``verdict`` (passed/failed/skipped),
    ``summary``, ``checks``, ``failed_checks``, ``problems``, ``databases`` (scratch names used, all dropped),
    ``documents`` (loaded), ``seconds``. Raises OSError when the archive cannot be read, PyMongoError when the
    server fails in a way the checks cannot hold (the scratch databases are dropped first)."""
    started = time.monotonic()
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    checks = _Checks()
    loaders: dict[tuple[str, str], tuple[str, Any]] = {}
    expected: dict[tuple[str, str], Any] = {}
    with _scratch(client, run_id, checks, name) as created:
        try:
            scan = stream_archive(path, _consumer_factory(client, run_id, sample, created, loaders))
            entry_errors = {e.name: e.error for e in scan.entries if e.error}
            manifest_entry = next((e for e in scan.entries if e.name == MANIFEST_NAME), None)
            text = manifest_entry.consumer.data if manifest_entry is not None and manifest_entry.consumer else None
            counts = _manifest_counts(text)
            if counts is None:
                checks.add("manifest", MANIFEST_NAME, "Extensions.MongoDB.Databases with document counts",
                           "missing or unreadable", False)
            expected = counts or {}
            for key in sorted(set(expected) | set(loaders)):
                _collection_checks(client, checks, key, expected, loaders, created, entry_errors)
        except PyMongoError as exc:
            # The server failed in a way no single collection explains (gone, out of space): the drill cannot
            # conclude; the scratch databases are still dropped (or their leftovers named) by _scratch.
            checks.add("load", name, "the dump loaded into the drill server", f"server error: {exc}", False)
    documents = sum(_loader(consumer).inserted for _entry, consumer in loaders.values())
    failed = [c for c in checks.items if not c["passed"]]
    seconds = round(time.monotonic() - started, 3)
    if not loaders and not expected and not failed:
        verdict, summary = "skipped", f"{name}: SKIPPED - the archive holds no MongoDB dump"
    elif failed:
        kinds = ", ".join(dict.fromkeys(c["check"] for c in failed))
        verdict, summary = "failed", f"{name}: DRILL FAILED - {len(failed)} of {len(checks.items)} checks ({kinds})"
    else:
        verdict, summary = "passed", (f"{name}: DRILL PASSED - {documents} documents in {len(loaders)} collections "
                                      f"loaded, counted and sampled in {seconds} s")
    return {"archive": path, "name": name, "passed": not failed, "verdict": verdict, "summary": summary,
            "checks": checks.items, "failed_checks": failed, "problems": [_line(c) for c in failed],
            "databases": sorted(created.values()), "documents": documents, "seconds": seconds}


def _loader(consumer: Any) -> _Loader:
    return consumer.loader if isinstance(consumer, _GzipLoader) else consumer


def _collection_checks(client: Any, checks: _Checks, key: tuple[str, str], expected: dict[tuple[str, str], Any],
                       loaders: dict[tuple[str, str], tuple[str, Any]], created: dict[str, str],
                       entry_errors: dict[str, str]) -> None:
    database, collection = key
    listed = expected.get(key, "not in the manifest")
    if key not in loaders:
        checks.add("count", f"MongoDB/{database}/{collection}.bson", listed, "no .bson file", False)
        return
    entry, consumer = loaders[key]
    loader = _loader(consumer)
    unreadable = entry_errors.get(entry) or consumer.error  # the zip entry, the gzip stream, the BSON framing
    if loader.load_error or unreadable:
        checks.add("load", entry, "every document inserted", loader.load_error or f"unreadable: {unreadable}", False)
    stored = client[created[database]][collection].count_documents({})
    checks.add("count", entry, listed, stored, key in expected and listed == stored)
    found, passed = _compare_sample(client, created[database], collection, loader.sample)
    checks.add("sample", entry, f"{len(loader.sample)} sampled document(s) byte-equal", found, passed)


def drill_archives(client: Any, paths: list[str], *, sample: int, run_id: str = "") -> list[dict[str, Any]]:
    """Refuse a server with scratch databases (``check_server``), then drill each archive in turn, each one's
    scratch databases dropped before the next; an archive that cannot be read gets a failed report of its own."""
    run_id = run_id or new_run_id()
    if not RUN_ID_RE.fullmatch(run_id):
        raise DrillError(f"run id {run_id!r} must be 1-16 letters or digits")
    check_server(client)
    reports = []
    for path in paths:
        try:
            reports.append(drill_archive(client, path, run_id=run_id, sample=sample))
        except OSError as exc:
            checks = _Checks()
            checks.add("readable", path, "a readable file", exc.strerror or str(exc), False)
            name = path.replace("\\", "/").rsplit("/", 1)[-1]
            reports.append({"archive": path, "name": name, "passed": False, "verdict": "failed",
                            "summary": f"{name}: DRILL FAILED - cannot be read: {exc.strerror or exc}",
                            "checks": checks.items, "failed_checks": checks.items,
                            "problems": [_line(c) for c in checks.items], "databases": [], "documents": 0,
                            "seconds": 0.0})
    return reports
