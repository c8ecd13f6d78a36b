"""``mongorestore.exe`` of MongoDB Database Tools 100.x on a simulated host, for self-managed MongoDB controllers.

The counterpart of ``winsim_engine.mongodump``: it parses the real tool's command line (go-flags, the short forms
``-h -u -p -d -c -v -j``, one positional directory), reads a ``--config`` YAML file (``password``, ``uri``,
``sslPEMKeyPassword`` only), really connects with pymongo and inserts every document of the dump's
``<db>\\<coll>.bson`` (``.bson.gz`` with ``--gzip``) into the server, ``--drop`` dropping each collection first.
Like the real tool it logs to stderr only, with its own lines::

    <ts>\\tpreparing collections to restore from
    <ts>\\tdon't know what to do with file "<dir>\\mongoDump.log", skipping...
    <ts>\\treading metadata for db.coll from <dir>\\db\\coll.metadata.json
    <ts>\\tdropping collection db.coll before restoring
    <ts>\\trestoring db.coll from <dir>\\db\\coll.bson
    <ts>\\tcontinuing through error: E11000 duplicate key error collection: db.coll index: _id_ dup key: { ... }
    <ts>\\tfinished restoring db.coll (N documents, M failures)
    <ts>\\tno indexes to restore for collection db.coll
    <ts>\\tN document(s) restored successfully. M document(s) failed to restore.

Documents that fail to insert (a duplicate ``_id`` without ``--drop``) are counted and the tool still exits 0,
as the real one does without ``--stopOnError``; a failure to connect exits 1 with ``error connecting to host: ...``
and no summary; any other ``Failed: ...`` exits 1 after the summary line.
"""

from __future__ import annotations

import fnmatch
import gzip
from pathlib import Path
from typing import Any

import bson

from .alteryx import ExeResult
from .fakes.commands import split_command_line
from .host import Host, WinError
from .mongodump import _connect, _Failed, _read_config, stamp

IMAGE = "mongorestore.exe"
DEFAULT_PATH = "C:\\Program Files\\MongoDB\\Tools\\100\\bin\\mongorestore.exe"
# Long option -> takes a value.
OPTIONS = {"config": True, "uri": True, "host": True, "port": True, "username": True, "password": True,
           "authenticationDatabase": True, "authenticationMechanism": True, "db": True, "collection": True,
           "nsInclude": True, "nsExclude": True, "nsFrom": True, "nsTo": True, "dir": True, "archive": True,
           "gzip": False, "drop": False, "dryRun": False, "stopOnError": False, "noIndexRestore": False,
           "maintainInsertionOrder": False, "objcheck": False, "preserveUUID": False, "quiet": False,
           "verbose": False, "writeConcern": True, "numParallelCollections": True,
           "numInsertionWorkersPerCollection": True, "bypassDocumentValidation": False}
SHORT = {"h": "host", "u": "username", "p": "password", "d": "db", "c": "collection", "v": "verbose",
         "j": "numParallelCollections"}
REPEATABLE = ("nsInclude", "nsExclude")
UNMODELLED = ("db", "collection", "nsFrom", "nsTo", "archive")


class _ConnectError(Exception):
    """mongorestore.New failed: the error is logged without ``Failed:`` and the tool exits 1 with no summary."""


def parse_arguments(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """go-flags as mongorestore uses it: (options, positional arguments); _Failed with the tool's wording."""
    options: dict[str, Any] = {name: [] for name in REPEATABLE}
    positional: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
        elif arg.startswith("-") and len(arg) > 1:
            name, eq, value = SHORT.get(arg[1:2], arg[1:2]), bool(arg[2:]), arg[2:].lstrip("=")
        else:
            positional.append(arg)
            continue
        if name not in OPTIONS:
            raise _Failed(f"error parsing command line options: unknown option \"{name}\"")
        if not OPTIONS[name]:
            options[name] = True
            continue
        if not eq:
            if index >= len(argv):
                raise _Failed(f"error parsing command line options: expected argument for flag `--{name}'")
            value = argv[index]
            index += 1
        if name in REPEATABLE:
            options[name].append(value)
        else:
            options[name] = value
    return options, positional


def _target(options: dict[str, Any], positional: list[str]) -> str:
    if len(positional) > 1:
        raise _Failed("error parsing command line options: too many URIs or paths provided: "
                      f"{' '.join(positional)}")
    if positional and options.get("dir"):
        raise _Failed("illegal argument combination: cannot specify --dir and mongorestore <directory>")
    unmodelled = [f"--{name}" for name in UNMODELLED if options.get(name)]
    if unmodelled:
        raise WinError(f"winsim models no mongorestore {', '.join(unmodelled)}: restore a dump directory")
    return options.get("dir") or (positional[0] if positional else "dump")


def run(host: Host, command_line: str) -> ExeResult:
    """Run ``mongorestore.exe`` with ``command_line`` (image path first, as Windows passes it)."""
    host.event("native_process", image=IMAGE, command_line=command_line)
    lines: list[str] = []
    counts = {"restored": 0, "failed": 0}
    try:
        options, positional = parse_arguments(split_command_line(command_line)[1:])
        if options.get("config"):
            config = _read_config(host, options["config"])
            options.setdefault("password", config.get("password", ""))
            if config.get("uri") and options.get("uri"):
                raise _Failed("error parsing command line options: illegal argument combination: cannot specify "
                              "a URI in a config file and on the command line")
            options.setdefault("uri", config.get("uri", ""))
        target = _target(options, positional)
        try:
            client = _connect(options)
        except _Failed as exc:
            raise _ConnectError(str(exc).replace("can't create session: ", "error connecting to host: ", 1)) from exc
        try:
            _restore(host, client, options, target, lines, counts)
        finally:
            client.close()
    except _ConnectError as exc:
        lines.append(f"{stamp()}\t{exc}")
        host.event("mongorestore", ok=False, reason=str(exc)[:120])
        return ExeResult(1, "", "\n".join(lines) + "\n")
    except _Failed as exc:
        lines.append(f"{stamp()}\tFailed: {exc}")
        lines.append(_summary(counts))
        host.event("mongorestore", ok=False, reason=str(exc)[:120], **counts)
        return ExeResult(1, "", "\n".join(lines) + "\n")
    lines.append(_summary(counts))
    host.event("mongorestore", ok=True, drop=bool(options.get("drop")), **counts)
    return ExeResult(0, "", "\n".join(lines) + "\n")


def _summary(counts: dict[str, int]) -> str:
    return (f"{stamp()}\t{counts['restored']} document(s) restored successfully. {counts['failed']} document(s) "
            "failed to restore.")


def _included(options: dict[str, Any], namespace: str) -> bool:
    if options["nsInclude"] and not any(fnmatch.fnmatchcase(namespace, p) for p in options["nsInclude"]):
        return False
    return not any(fnmatch.fnmatchcase(namespace, p) for p in options["nsExclude"])


def _intents(folder: Path, target: str, gz: bool, lines: list[str]) -> list[tuple[str, str, Path, Path | None]]:
    """(database, collection, bson file, metadata file or None) for every collection of the dump, in order."""
    win = target.rstrip("\\")
    bson_suffix, meta_suffix = (".bson.gz", ".metadata.json.gz") if gz else (".bson", ".metadata.json")
    intents = []
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir():
            lines.append(f"{stamp()}\tdon't know what to do with file \"{win}\\{entry.name}\", skipping...")
            continue
        for item in sorted(entry.iterdir()):
            if item.name.endswith(bson_suffix):
                collection = item.name[:-len(bson_suffix)]
                meta = entry / f"{collection}{meta_suffix}"
                intents.append((entry.name, collection, item, meta if meta.is_file() else None))
            elif not item.name.endswith(meta_suffix):
                lines.append(f"{stamp()}\tdon't know what to do with file \"{win}\\{entry.name}\\{item.name}\", "
                             "skipping...")
    return intents


def _restore(host: Host, client: Any, options: dict[str, Any], target: str, lines: list[str],
             counts: dict[str, int]) -> None:
    from pymongo.errors import DuplicateKeyError, WriteError

    try:
        folder = host.local_path(target)
    except WinError as exc:
        raise _Failed(f"mongorestore target '{target}' invalid: {exc}") from exc
    if not folder.is_dir():
        raise _Failed(f"mongorestore target '{target}' invalid: CreateFile {target}: The system cannot find the file "
                      "specified.")
    lines.append(f"{stamp()}\tpreparing collections to restore from")
    gz = bool(options.get("gzip"))
    win = target.rstrip("\\")
    for database, collection, data_file, meta in _intents(folder, target, gz, lines):
        namespace = f"{database}.{collection}"
        if not _included(options, namespace):
            continue
        if meta is not None:
            lines.append(f"{stamp()}\treading metadata for {namespace} from {win}\\{database}\\{meta.name}")
        data = data_file.read_bytes()
        docs = bson.decode_all(gzip.decompress(data) if gz else data)
        if options.get("dryRun"):
            continue
        if options.get("drop"):
            lines.append(f"{stamp()}\tdropping collection {namespace} before restoring")
            client[database][collection].drop()
        lines.append(f"{stamp()}\trestoring {namespace} from {win}\\{database}\\{data_file.name}")
        restored = failed = 0
        for doc in docs:
            try:
                client[database][collection].insert_one(doc)
                restored += 1
            except (DuplicateKeyError, WriteError) as exc:
                failed += 1
                message = (f"E11000 duplicate key error collection: {namespace} index: _id_ dup key: "
                           f"{{ _id: {doc.get('_id')!r} }}") if isinstance(exc, DuplicateKeyError) else str(exc)
                if options.get("stopOnError"):
                    counts["restored"] += restored
                    counts["failed"] += failed
                    raise _Failed(f"{namespace}: error restoring from {win}\\{database}\\{data_file.name}: "
                                  f"{message}") from exc
                lines.append(f"{stamp()}\tcontinuing through error: {message}")
        counts["restored"] += restored
        counts["failed"] += failed
        lines.append(f"{stamp()}\tfinished restoring {namespace} ({restored} document{'' if restored == 1 else 's'}, "
                     f"{failed} failure{'' if failed == 1 else 's'})")
        lines.append(f"{stamp()}\tno indexes to restore for collection {namespace}")
