"""A real MongoDB wire-protocol server for tests, with SCRAM authentication like ``mongod --auth``.

nx-27017 speaks the wire protocol but has no authentication. This module runs it in a subprocess on
loopback with a handler that adds the server side of SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802 / 7677, the
way mongod does it: ``saslStart`` / ``saslContinue``, ``saslSupportedMechs`` and speculative authentication
in ``hello``) and refuses every other command on an unauthenticated connection with ``Unauthorized`` (13).

Use::

    server = MongoTestServer(users={"alteryx": "pw"}).start()   # or the ``mongo_server`` fixture factory
    seed(server.uri_without_password, username="alteryx", password="pw")
    server.stop()

The child binds port 0 itself and reports the port, so parallel tests (``pytest -n 2``) never collide; it
reads its configuration (passwords included) from stdin, never from its command line, and exits when
stdin reaches EOF - which the kernel guarantees when the test process dies, however it dies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

try:  # the fixture is optional: the module also serves plain scripts
    import pytest
except ImportError:  # pragma: no cover
    pytest = None  # type: ignore[assignment]

SCRAM_SHA_256 = "SCRAM-SHA-256"
SCRAM_SHA_1 = "SCRAM-SHA-1"
_ITERATIONS = {SCRAM_SHA_256: 15000, SCRAM_SHA_1: 10000}  # mongod's defaults
_DIGEST = {SCRAM_SHA_256: hashlib.sha256, SCRAM_SHA_1: hashlib.sha1}
# Commands mongod --auth answers before authentication.
_OPEN_COMMANDS = frozenset({"hello", "Hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo",
                            "saslStart", "saslContinue", "logout", "endSessions", "getnonce"})
SERVER_VERSION = "7.0.0"  # what nx-27017 reports in serverStatus
_AUTH_FAILED = {"ok": 0, "errmsg": "Authentication failed.", "code": 18, "codeName": "AuthenticationFailed"}

ALTERYX_COLLECTIONS = {
    "AlteryxGallery": ("apps", "users", "collections", "subscriptions"),
    "AlteryxService": ("AS_Queue", "AS_Results", "AS_Schedules"),
    "AlteryxGallery_Lucene": ("LuceneIndex",),
}


# --- server side (runs in the child) -------------------------------------------------------------------------

class _Credential:
    """What mongod stores for a SCRAM user: salt, iterations, StoredKey and ServerKey (never the password)."""

    def __init__(self, user: str, password: str, mechanism: str) -> None:
        from pymongo.saslprep import saslprep

        self.digest = _DIGEST[mechanism]
        self.iterations = _ITERATIONS[mechanism]
        self.salt = os.urandom(16 if mechanism == SCRAM_SHA_1 else 28)
        if mechanism == SCRAM_SHA_1:  # MongoDB hashes the password before SCRAM-SHA-1
            data = hashlib.md5(f"{user}:mongo:{password}".encode()).hexdigest().encode()  # noqa: S324
        else:
            data = saslprep(password).encode()
        salted = hashlib.pbkdf2_hmac(self.digest().name, data, self.salt, self.iterations)
        self.stored_key = self.digest(hmac.new(salted, b"Client Key", self.digest).digest()).digest()
        self.server_key = hmac.new(salted, b"Server Key", self.digest).digest()


def _scram_fields(payload: bytes) -> dict[str, str]:
    return dict(item.split("=", 1) for item in payload.decode().split(",") if "=" in item)


def _sasl_name(text: str) -> str:
    return text.replace("=2C", ",").replace("=3D", "=")


def _make_handler_class() -> type:
    from bson import Binary
    from nx_27017.handler import NeoSQLiteHandler

    class AuthHandler(NeoSQLiteHandler):
        """nx-27017's handler behind mongod --auth rules; per-connection state keyed by nx's ``_conn_id``."""

        def __init__(self, users: Mapping[str, str], auth_database: str, mechanisms: list[str],
                     deny: list[str], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.deny = set(deny)
            self.auth_database = auth_database
            self.mechanisms = [m for m in (SCRAM_SHA_256, SCRAM_SHA_1) if m in mechanisms]
            self.credentials = {(user, m): _Credential(user, pw, m) for user, pw in users.items()
                                for m in self.mechanisms}
            self.auth_required = bool(users)
            self._authenticated: set[Any] = set()
            self._conversations: dict[Any, dict[str, Any]] = {}
            self._auth_lock = threading.Lock()

        # -- wire entry points --------------------------------------------------------------------------------
        def handle_command(self, msg: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            body = next((d for kind, d in msg["sections"] if kind == "body" and isinstance(d, dict)), None)
            conn = msg.get("_conn_id")
            if body is None:
                return super().handle_command(msg)
            name = next(iter(body), "")
            db = body.get("$db", "admin")
            if name == "saslStart":
                return msg["request_id"], self._sasl_start(conn, db, body)
            if name == "saslContinue":
                return msg["request_id"], self._sasl_continue(conn, db, body)
            if name == "logout":
                with self._auth_lock:
                    self._authenticated.discard(conn)
                return msg["request_id"], {"ok": 1}
            if name in self.deny:  # a user without the privilege for this command (a role lacking it)
                return msg["request_id"], {"ok": 0, "errmsg": f"not authorized on {db} to execute command "
                                                              f"{{ {name}: 1 }}", "code": 13, "codeName": "Unauthorized"}
            if name.lower() == "buildinfo":  # nx-27017 only knows the camel-case spelling; pymongo sends both
                return msg["request_id"], {"ok": 1, "version": SERVER_VERSION, "gitVersion": "nx-27017",
                                           "versionArray": [int(p) for p in SERVER_VERSION.split(".")] + [0],
                                           "bits": 64, "maxBsonObjectSize": 16 * 1024 * 1024}
            if name not in _OPEN_COMMANDS and not self._allowed(conn):
                return msg["request_id"], self._unauthorized(name)
            request_id, reply = super().handle_command(msg)
            if name in ("hello", "Hello", "isMaster", "ismaster") and reply.get("ok") == 1:
                reply = dict(reply)
                self._hello_auth(conn, body, reply)
            return request_id, reply

        def handle_insert(self, msg: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            if not self._allowed(msg.get("_conn_id")):
                return msg["request_id"], self._unauthorized("insert")
            return super().handle_insert(msg)

        def handle_query(self, msg: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
            collection = msg.get("collection") or ""
            is_command = not collection or collection == "$cmd" or collection.endswith(".$cmd")
            if not is_command and not self._allowed(msg.get("_conn_id")):
                return msg["request_id"], [{"$err": "not authorized", **self._unauthorized("find")}]
            return super().handle_query(msg)

        def close_streams_for_connection(self, conn_id: Any) -> None:
            with self._auth_lock:
                self._authenticated.discard(conn_id)
                self._conversations.pop(conn_id, None)
            super().close_streams_for_connection(conn_id)

        # -- authentication ---------------------------------------------------------------------------------
        def _allowed(self, conn: Any) -> bool:
            if not self.auth_required:
                return True
            with self._auth_lock:
                return conn in self._authenticated

        @staticmethod
        def _unauthorized(name: str) -> dict[str, Any]:
            return {"ok": 0, "errmsg": f"Command {name} requires authentication", "code": 13,
                    "codeName": "Unauthorized"}

        def _hello_auth(self, conn: Any, body: dict[str, Any], reply: dict[str, Any]) -> None:
            source_user = body.get("saslSupportedMechs")
            if isinstance(source_user, str) and "." in source_user:
                source, user = source_user.split(".", 1)
                mechs = [m for m in self.mechanisms if source == self.auth_database and (user, m) in self.credentials]
                if mechs:
                    reply["saslSupportedMechs"] = mechs
            speculative = body.get("speculativeAuthenticate")
            if isinstance(speculative, dict) and "saslStart" in speculative:
                answer = self._sasl_start(conn, speculative.get("db", "admin"), speculative)
                if answer.get("ok") == 1:  # a failed speculation is simply not answered, as mongod does
                    reply["speculativeAuthenticate"] = {k: v for k, v in answer.items() if k != "ok"}

        def _sasl_start(self, conn: Any, db: str, body: dict[str, Any]) -> dict[str, Any]:
            mechanism = body.get("mechanism")
            if mechanism not in self.mechanisms:
                return {"ok": 0, "errmsg": f"Received authentication for mechanism {mechanism} which is not "
                                           "enabled", "code": 334, "codeName": "MechanismUnavailable"}
            parts = bytes(body.get("payload") or b"").split(b",", 2)  # gs2 flag, authzid, client-first-bare
            if len(parts) != 3 or parts[0] not in (b"n", b"y"):  # channel binding ("p=") is not offered
                return dict(_AUTH_FAILED)
            first_bare = parts[2]
            fields = _scram_fields(first_bare)
            user = _sasl_name(fields.get("n", ""))
            credential = self.credentials.get((user, mechanism)) if db == self.auth_database else None
            if credential is None or not fields.get("r"):
                return dict(_AUTH_FAILED)  # UserNotFound is reported as a plain authentication failure
            nonce = fields["r"] + base64.b64encode(os.urandom(24)).decode()
            server_first = (f"r={nonce},s={base64.b64encode(credential.salt).decode()},"
                            f"i={credential.iterations}").encode()
            skip_empty = bool((body.get("options") or {}).get("skipEmptyExchange"))
            with self._auth_lock:
                self._authenticated.discard(conn)
                self._conversations[conn] = {"credential": credential, "nonce": nonce, "skip_empty": skip_empty,
                                             "auth_message": first_bare + b"," + server_first, "step": 1}
            return {"ok": 1, "conversationId": 1, "done": False, "payload": Binary(server_first)}

        def _sasl_continue(self, conn: Any, db: str, body: dict[str, Any]) -> dict[str, Any]:
            with self._auth_lock:
                state = self._conversations.get(conn)
            if state is None or body.get("conversationId") != 1:
                return {"ok": 0, "errmsg": "No SASL session state found", "code": 17, "codeName": "ProtocolError"}
            payload = bytes(body.get("payload") or b"")
            if state["step"] == 2:  # the empty exchange of clients without skipEmptyExchange
                with self._auth_lock:
                    self._conversations.pop(conn, None)
                    self._authenticated.add(conn)
                return {"ok": 1, "conversationId": 1, "done": True, "payload": Binary(b"")}
            without_proof, _, proof_part = payload.rpartition(b",")
            fields = _scram_fields(payload)
            credential: _Credential = state["credential"]
            digest = credential.digest
            auth_message = state["auth_message"] + b"," + without_proof
            signature = hmac.new(credential.stored_key, auth_message, digest).digest()
            try:
                proof = base64.b64decode(fields.get("p", ""), validate=True)
            except ValueError:
                proof = b""
            client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True)) if len(proof) == len(signature) \
                else b""
            valid = (proof_part.startswith(b"p=") and fields.get("r") == state["nonce"]
                     and fields.get("c") in ("biws", "eSws")
                     and hmac.compare_digest(digest(client_key).digest(), credential.stored_key))
            if not valid:
                with self._auth_lock:
                    self._conversations.pop(conn, None)
                return dict(_AUTH_FAILED)
            server_signature = hmac.new(credential.server_key, auth_message, digest).digest()
            final = b"v=" + base64.b64encode(server_signature)
            with self._auth_lock:
                if state["skip_empty"]:
                    self._conversations.pop(conn, None)
                    self._authenticated.add(conn)
                else:
                    state["step"] = 2
            return {"ok": 1, "conversationId": 1, "done": state["skip_empty"], "payload": Binary(final)}

    return AuthHandler


def _serve() -> None:
    """Child process: read the config line from stdin, listen on port 0, print the port, exit at stdin EOF."""
    import asyncio
    import logging

    from nx_27017.server import handle_client

    config = json.loads(sys.stdin.readline())
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    handler = _make_handler_class()(config["users"], config["auth_database"], config["mechanisms"],
                                    config["deny"], db_path="memory")

    def watch_parent() -> None:
        sys.stdin.read()  # EOF: the test process is gone or called stop()
        os._exit(0)

    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: handle_client(r, w, handler), config["host"], 0)
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(json.dumps({"port": port}) + "\n")
        sys.stdout.flush()
        async with server:
            await server.serve_forever()

    threading.Thread(target=watch_parent, daemon=True).start()
    asyncio.run(main())


# --- test side -------------------------------------------------------------------------------------------------

class MongoTestServer:
    """An nx-27017 server in a child process on loopback; ``users`` {name: password} turns on authentication.

    Attributes after ``start()``: ``host``, ``port``, ``uri_without_password`` (``mongodb://127.0.0.1:PORT/``),
    ``users``, ``auth_database``. ``deny`` names commands refused with Unauthorized even after login (a user
    whose roles lack them), e.g. ``("listCollections",)``.
    """

    def __init__(self, users: Mapping[str, str] | None = None, *, auth_database: str = "admin",
                 mechanisms: tuple[str, ...] = (SCRAM_SHA_256, SCRAM_SHA_1), host: str = "127.0.0.1",
                 deny: tuple[str, ...] = (), start_timeout: float = 20.0) -> None:
        self.users = dict(users or {})
        self.deny = list(deny)
        self.auth_database = auth_database
        self.mechanisms = list(mechanisms)
        self.host = host
        self.port = 0
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen | None = None
        self._stderr: Any = None

    @property
    def uri_without_password(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"

    def start(self) -> MongoTestServer:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; closed in stop()
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [sys.executable, str(Path(__file__).resolve()), "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True, close_fds=True)
        assert self._proc.stdin and self._proc.stdout
        config = {"users": self.users, "auth_database": self.auth_database, "mechanisms": self.mechanisms,
                  "host": self.host, "deny": self.deny}
        self._proc.stdin.write(json.dumps(config) + "\n")
        self._proc.stdin.flush()  # stdin stays open: its EOF is the child's signal to exit
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        if not line or not line[0].strip():
            log = self.log()
            self.stop()
            raise RuntimeError(f"nx-27017 test server did not start: {log}")
        self.port = int(json.loads(line[0])["port"])
        return self

    def log(self) -> str:
        """What the child wrote to stderr (nx-27017 warnings, tracebacks)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout:
            proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def client(self, username: str = "", password: str = "", **kwargs: Any):
        """A pymongo client to this server, logged in when ``username`` is given."""
        return _client(self.uri_without_password, username, password, self.auth_database, **kwargs)

    def __enter__(self) -> MongoTestServer:
        return self.start() if self._proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _client(uri: str, username: str, password: str, auth_database: str, **kwargs: Any):
    from pymongo import MongoClient

    creds = {"username": username, "password": password, "authSource": auth_database} if username else {}
    return MongoClient(uri, **{"serverSelectionTimeoutMS": 5000, **creds, **kwargs})


def alteryx_dataset(documents_per_collection: int = 5) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Alteryx-like databases: {database: {collection: [documents]}}, ``documents_per_collection`` each."""
    return {db: {coll: [{"_id": f"{coll}-{i}", "n": i, "name": f"{coll} {i}", "payload": "x" * (i % 7)}
                        for i in range(documents_per_collection)]
                 for coll in colls}
            for db, colls in ALTERYX_COLLECTIONS.items()}


def seed(uri: str, data: Mapping[str, Mapping[str, list[dict[str, Any]]]] | None = None, *, username: str = "",
         password: str = "", auth_database: str = "admin") -> dict[str, dict[str, int]]:
    """Write ``data`` (default ``alteryx_dataset()``) into the server; returns {database: {collection: count}}
    as the server counts them afterwards."""
    data = alteryx_dataset() if data is None else data
    client = _client(uri, username, password, auth_database)
    try:
        counts: dict[str, dict[str, int]] = {}
        for db_name, collections in data.items():
            for coll_name, docs in collections.items():
                coll = client[db_name][coll_name]
                if docs:
                    coll.insert_many([dict(d) for d in docs])
                else:
                    client[db_name].create_collection(coll_name)
                counts.setdefault(db_name, {})[coll_name] = coll.count_documents({})
        return counts
    finally:
        client.close()


def canary_password() -> str:
    """A password unlikely to appear anywhere by chance, for "never in output" tests."""
    return "canary-" + secrets.token_hex(8)


if pytest is not None:
    @pytest.fixture
    def mongo_server() -> Iterator[Callable[..., MongoTestServer]]:
        """Factory: ``mongo_server(users={"alteryx": "pw"})`` starts a server; all stop at the test's end."""
        started: list[MongoTestServer] = []

        def start(users: Mapping[str, str] | None = None, **kwargs: Any) -> MongoTestServer:
            server = MongoTestServer(users, **kwargs)
            started.append(server)
            return server.start()

        yield start
        for server in started:
            server.stop()


def free_closed_port() -> int:
    """A loopback port nothing listens on (bound, then released) - for "unreachable" tests."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    _serve()
elif __name__ == "__main__":  # manual use: python tests/tools/mongo_server.py [user password]
    with MongoTestServer(dict([sys.argv[1:3]]) if len(sys.argv) >= 3 else None) as srv:
        print(srv.uri_without_password, flush=True)
        while srv.running:
            time.sleep(1)
