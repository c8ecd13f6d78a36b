"""The test MongoDB server itself: mongod --auth rules on nx-27017, and no server outlives its test process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mongo_server import SCRAM_SHA_256, MongoTestServer, mongo_server  # noqa: F401 - the fixture factory
from pymongo.errors import OperationFailure

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def test_fixture_factory_starts_servers_on_their_own_ports(mongo_server):  # noqa: F811
    first, second = mongo_server(users={"a": "pw"}), mongo_server()
    assert first.port != second.port and first.running and second.running
    assert first.uri_without_password == f"mongodb://127.0.0.1:{first.port}/"
    assert second.client().admin.command("ping")["ok"] == 1


def test_unauthenticated_connections_may_only_say_hello(mongo_server):  # noqa: F811
    client = mongo_server(users={"a": "pw"}).client()
    assert client.admin.command("ping")["ok"] == 1 and client.server_info()["version"]
    for attempt in (lambda: client.db.coll.insert_one({"x": 1}), lambda: client.db.coll.find_one(),
                    lambda: client.list_database_names(), lambda: client.db.coll.count_documents({})):
        with pytest.raises(OperationFailure) as caught:
            attempt()
        assert caught.value.code == 13 and "requires authentication" in str(caught.value)


def test_logout_ends_the_session(mongo_server):  # noqa: F811
    client = mongo_server(users={"a": "pw"}).client("a", "pw", maxPoolSize=1)
    assert client.list_database_names() is not None
    client.admin.command("logout")
    with pytest.raises(OperationFailure) as caught:
        client.list_database_names()
    assert caught.value.code == 13


def _scram_sha256(client, user: str, password: str, skip_empty: bool) -> list[dict]:
    """A SCRAM-SHA-256 client conversation by hand (pymongo always skips the empty exchange)."""
    from bson import Binary

    nonce = base64.b64encode(os.urandom(24)).decode()
    first_bare = f"n={user},r={nonce}".encode()
    options = {"skipEmptyExchange": True} if skip_empty else {}
    start = client.admin.command({"saslStart": 1, "mechanism": SCRAM_SHA_256, "payload": Binary(b"n,," + first_bare),
                                  "options": options})
    fields = dict(item.split(b"=", 1) for item in start["payload"].split(b","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(fields[b"s"]), int(fields[b"i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    without_proof = b"c=biws,r=" + fields[b"r"]
    auth_message = first_bare + b"," + start["payload"] + b"," + without_proof
    signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, hashlib.sha256).digest()
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature, strict=True)))
    replies = [start, client.admin.command({"saslContinue": 1, "conversationId": start["conversationId"],
                                            "payload": Binary(without_proof + b",p=" + proof)})]
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    assert replies[1]["payload"] == b"v=" + base64.b64encode(hmac.new(server_key, auth_message, hashlib.sha256).digest())
    if not replies[1]["done"]:
        replies.append(client.admin.command({"saslContinue": 1, "conversationId": start["conversationId"],
                                             "payload": Binary(b"")}))
    return replies


@pytest.mark.parametrize("skip_empty", [True, False])
def test_scram_conversation_with_and_without_the_empty_exchange(mongo_server, skip_empty):  # noqa: F811
    client = mongo_server(users={"a": "pw"}).client(maxPoolSize=1)  # one connection: the conversation's
    replies = _scram_sha256(client, "a", "pw", skip_empty)
    assert [r["done"] for r in replies] == ([False, True] if skip_empty else [False, False, True])
    assert client.list_database_names() is not None  # this connection is logged in now


def test_a_wrong_proof_is_refused_and_logs_nobody_in(mongo_server):  # noqa: F811
    client = mongo_server(users={"a": "pw"}).client(maxPoolSize=1)
    with pytest.raises(OperationFailure) as caught:
        _scram_sha256(client, "a", "not-pw", skip_empty=True)
    assert caught.value.code == 18
    with pytest.raises(OperationFailure):
        client.list_database_names()


def test_unsupported_mechanism(mongo_server):  # noqa: F811
    server = mongo_server(users={"a": "pw"}, mechanisms=(SCRAM_SHA_256,))
    with pytest.raises(OperationFailure) as caught:
        server.client("a", "pw", authMechanism="SCRAM-SHA-1").list_database_names()
    assert caught.value.code == 334


def test_the_server_dies_with_the_process_that_started_it():
    # SIGKILL leaves no chance to clean up: the child notices its stdin's EOF.
    parent = subprocess.Popen([sys.executable, "-c", (
        "from mongo_server import MongoTestServer; import time\n"
        "server = MongoTestServer({'a': 'b'}).start()\n"
        "print(server._proc.pid, flush=True); time.sleep(120)")],
        cwd=TOOLS, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State"))
    except FileNotFoundError:
        return False
    return "zombie" not in state


def test_start_failure_reports_the_childs_error():
    server = MongoTestServer({"a": "b"}, host="256.0.0.1", start_timeout=10)
    with pytest.raises(RuntimeError) as caught:
        server.start()
    assert "did not start" in str(caught.value) and "Traceback" in str(caught.value)
    assert not server.running
