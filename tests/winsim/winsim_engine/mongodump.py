"""``mongodump.exe`` of MongoDB Database Tools 100.x on a simulated host, for self-managed MongoDB controllers.

It parses the real tool's command line (go-flags: ``--name=value`` or ``--name value``, the short forms ``-h``
``-u`` ``-p`` ``-d`` ``-o``), reads a ``--config`` YAML file (mongo-tools accepts only ``password``, ``uri`` and
``sslPEMKeyPassword`` there, strictly), really connects with pymongo to the server the options name, and writes
the genuine layout under ``--out``: ``<db>\\<coll>.bson`` (``bson.encode`` of every document) and
``<coll>.metadata.json``, ``.gz`` variants with ``--gzip``. Like the real tool it logs only to stderr
(``<ts>\\twriting db.coll to <path>``, ``<ts>\\tdone dumping db.coll (N documents)``, ``<ts>\\tFailed: ...``)
and exits 1 on failure -- its exit code, unlike AlteryxService.exe's, is reliable.

Every run is journalled (``native_process``) with the command line as Windows shows it (Win32_Process
CommandLine), so a test can prove a password never travels on it.
"""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime
from typing import Any

import bson
import yaml
from bson import json_util

from .alteryx import ExeResult
from .fakes.commands import split_command_line
from .host import DiskFullError, Host, WinError

IMAGE = "mongodump.exe"
DEFAULT_PATH = "C:\\Program Files\\MongoDB\\Tools\\100\\bin\\mongodump.exe"
# Long option -> takes a value. Short aliases map to their long name.
OPTIONS = {"config": True, "uri": True, "host": True, "port": True, "username": True, "password": True,
           "authenticationDatabase": True, "authenticationMechanism": True, "db": True, "collection": True,
           "out": True, "gzip": False, "oplog": False, "quiet": False, "verbose": False, "archive": True}
SHORT = {"h": "host", "u": "username", "p": "password", "d": "db", "c": "collection", "o": "out", "v": "verbose"}
CONFIG_KEYS = ("password", "uri", "sslPEMKeyPassword")
SKIPPED_DATABASES = ("local", "config")  # a full dump never includes them
SERVER_TIMEOUT_MS = 3000


class _Failed(Exception):
    """A ``Failed: ...`` line; mongodump ends with exit code 1."""


def stamp() -> str:
    """mongo-tools' log time stamp (``2006-01-02T15:04:05.000-0700``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def parse_arguments(argv: list[str]) -> dict[str, Any]:
    """go-flags as mongodump uses it; raises _Failed with the tool's own wording on a bad option."""
    options: dict[str, Any] = {}
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
        if OPTIONS[name]:
            if not eq:
                if index >= len(argv):
                    raise _Failed(f"error parsing command line options: expected argument for flag `--{name}'")
                value = argv[index]
                index += 1
            options[name] = value
        else:
            options[name] = True
    if positional:
        raise _Failed(f"error parsing command line options: error parsing positional arguments: provide only one "
                      f"MongoDB connection string. Connection strings must begin with mongodb:// or mongodb+srv:// "
                      f"schemes: {positional[0]!r} is not one")
    return options


def _read_config(host: Host, path: str) -> dict[str, str]:
    try:
        text = host.local_path(path).read_text(encoding="utf-8")
    except (WinError, OSError) as exc:
        raise _Failed(f"error parsing command line options: error opening file with --config: open {path}: "
                      "The system cannot find the file specified.") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise _Failed(f"error parsing command line options: error parsing config file {path}: yaml: "
                      f"{getattr(exc, 'problem', 'invalid YAML')}") from exc
    if not isinstance(data, dict) or set(data) - set(CONFIG_KEYS):
        unknown = sorted(set(data) - set(CONFIG_KEYS)) if isinstance(data, dict) else ["(not a mapping)"]
        raise _Failed(f"error parsing command line options: error parsing config file {path}: yaml: unmarshal "
                      f"errors: field {unknown[0]} not found")
    return {k: str(v) for k, v in data.items()}


def _client(options: dict[str, Any]) -> Any:
    import pymongo

    uri = options.get("uri") or ""
    if not uri:
        host = options.get("host") or "localhost"
        uri = f"mongodb://{host}" + (f":{options['port']}" if options.get("port") and ":" not in host else "") + "/"
    kwargs: dict[str, Any] = {"serverSelectionTimeoutMS": SERVER_TIMEOUT_MS, "connectTimeoutMS": SERVER_TIMEOUT_MS}
    if options.get("username"):
        kwargs.update(username=options["username"], password=options.get("password") or "",
                      authSource=options.get("authenticationDatabase") or "admin")
    return pymongo.MongoClient(uri, **kwargs)


def _connect(options: dict[str, Any]) -> Any:
    """A client that has passed the handshake (and authentication); _Failed as mongodump words it."""
    from pymongo.errors import ConnectionFailure, OperationFailure, ServerSelectionTimeoutError

    try:
        client = _client(options)
    except Exception as exc:  # noqa: BLE001  (a bad URI: mongo-tools rejects it while parsing)
        raise _Failed(f"error parsing command line options: error parsing uri: {type(exc).__name__}") from exc
    try:
        client.admin.command("ping")
        if options.get("username"):
            # pymongo authenticates lazily on the first operation that needs it.
            client[options.get("authenticationDatabase") or "admin"].list_collection_names()
        return client
    except ServerSelectionTimeoutError as exc:
        client.close()
        raise _Failed(f"can't create session: could not connect to server: server selection error: server "
                      f"selection timeout, current topology: {{ Type: Single, Last error: {_first_line(exc)} }}") from exc
    except (ConnectionFailure, OperationFailure, KeyError, ValueError) as exc:
        # A server that refuses the SASL conversation (or knows no SCRAM at all) fails the handshake the same way.
        client.close()
        mechanism = options.get("authenticationMechanism") or "SCRAM-SHA-1"
        raise _Failed("can't create session: failed to connect to the server: connection() error occurred during "
                      f"connection handshake: auth error: sasl conversation error: unable to authenticate using "
                      f"mechanism \"{mechanism}\": (AuthenticationFailed) Authentication failed.") from exc


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def run(host: Host, command_line: str) -> ExeResult:
    """Run ``mongodump.exe`` with ``command_line`` (image path first, as Windows passes it)."""
    host.event("native_process", image=IMAGE, command_line=command_line)
    lines: list[str] = []
    try:
        argv = split_command_line(command_line)[1:]
        options = parse_arguments(argv)
        if options.get("config"):
            config = _read_config(host, options["config"])
            options.setdefault("password", config.get("password", ""))
            if config.get("uri") and options.get("uri"):
                raise _Failed("error parsing command line options: illegal argument combination: cannot specify "
                              "a URI in a config file and on the command line")
            options.setdefault("uri", config.get("uri", ""))
        if options.get("oplog") and options.get("db"):
            raise _Failed("bad option: --oplog mode only supported on full dumps")
        out = options.get("out") or "dump"
        _dump(host, options, out, lines)
    except _Failed as exc:
        lines.append(f"{stamp()}\tFailed: {exc}")
        host.event("mongodump", ok=False, reason=str(exc)[:120])
        return ExeResult(1, "", "\n".join(lines) + "\n")
    host.event("mongodump", ok=True, out=options.get("out") or "dump")
    return ExeResult(0, "", "\n".join(lines) + "\n")


def _dump(host: Host, options: dict[str, Any], out: str, lines: list[str]) -> None:
    client = _connect(options)
    time.sleep(float((host.state().get("mongo") or {}).get("dump_seconds", 0.2)))
    try:
        if options.get("oplog"):
            hello = client.admin.command("hello")
            if not hello.get("setName"):
                # A standalone server has no local.oplog.rs: the tool finds no recent entry.
                raise _Failed("error getting oplog start: error getting recent oplog entry: mongo: no documents in "
                              "result")
        try:
            folder = host.local_path(out)
        except WinError as exc:
            raise _Failed(f"error creating directory for {out}: {exc}") from exc
        if options.get("db"):
            databases = [options["db"]]
        else:
            databases = [d for d in client.list_database_names() if d not in SKIPPED_DATABASES]
        gz = bool(options.get("gzip"))
        suffix = ".gz" if gz else ""
        for database in databases:
            for collection in sorted(client[database].list_collection_names()):
                target = f"{out.rstrip(chr(92))}\\{database}\\{collection}.bson{suffix}"
                lines.append(f"{stamp()}\twriting {database}.{collection} to {target}")
                docs = list(client[database][collection].find())
                data = b"".join(bson.encode(doc) for doc in docs)
                metadata = json_util.dumps({"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}],
                                            "uuid": f"{abs(hash((database, collection))):032x}",
                                            "collectionName": collection, "type": "collection"}).encode()
                try:
                    host.write_bytes(folder / database / f"{collection}.bson{suffix}",
                                     gzip.compress(data) if gz else data)
                    host.write_bytes(folder / database / f"{collection}.metadata.json{suffix}",
                                     gzip.compress(metadata) if gz else metadata)
                except DiskFullError as exc:
                    raise _Failed(f"error writing data for collection `{database}.{collection}` to disk: {exc}") from exc
                lines.append(f"{stamp()}\tdone dumping {database}.{collection} ({len(docs)} "
                             f"document{'' if len(docs) == 1 else 's'})")
    finally:
        client.close()
