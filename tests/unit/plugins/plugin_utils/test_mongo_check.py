"""check_mongodb against a real wire-protocol server with SCRAM authentication (tests/tools/mongo_server.py)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from mongo_server import SCRAM_SHA_1, MongoTestServer, alteryx_dataset, free_closed_port, seed

from ansible_collections.alteryx.server.plugins.plugin_utils import _mongo_check
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_check import check_mongodb
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import resolve_connection

USER = "alteryx"
PASSWORD = "p@ss:w/rd%20 canary-6c1f"
KEYS = {"server", "reachable", "authenticated", "server_version", "databases", "documents", "warnings"}
PARTIAL_KEYS = KEYS - {"warnings"}


@pytest.fixture(scope="module")
def server() -> Iterator[MongoTestServer]:
    with MongoTestServer({USER: PASSWORD}) as srv:
        srv.seeded = seed(srv.uri_without_password, alteryx_dataset(4), username=USER, password=PASSWORD)
        yield srv


def conn_for(srv: MongoTestServer | None, port: int | None = None, **settings) -> dict:
    return resolve_connection({}, {"host": "127.0.0.1", "port": port or srv.port, **settings})


def failure(conn: dict, password: str = PASSWORD, timeout: float = 5, failure_class: str = "mongodb") -> AlteryxStepError:
    with pytest.raises(AlteryxStepError) as caught:
        check_mongodb(conn, password, timeout=timeout)
    error = caught.value
    assert error.failure_class == failure_class
    assert "canary" not in error.msg and "p%40ss" not in error.msg and "canary" not in str(error.result)
    assert not password or password not in error.msg
    return error


def as_counts(result: dict) -> dict:
    return {db["name"]: {c["name"]: c["documents"] for c in db["collections"]} for db in result["databases"]}


def test_counts_equal_the_seeded_data(server: MongoTestServer):
    result = check_mongodb(conn_for(server, username=USER), PASSWORD, timeout=5)
    assert set(result) == KEYS
    assert result["reachable"] is True and result["authenticated"] is True and result["server_version"] == "7.0.0"
    assert as_counts(result) == server.seeded
    assert [db["name"] for db in result["databases"]] == sorted(server.seeded)
    assert result["documents"] == sum(n for colls in server.seeded.values() for n in colls.values()) == 32
    assert result["warnings"] == [] and result["server"] == f"mongodb://alteryx@127.0.0.1:{server.port}/?authSource=admin"


def test_named_databases_only(server: MongoTestServer):
    result = check_mongodb(conn_for(server, username=USER, database="AlteryxService,AlteryxGallery"), PASSWORD)
    assert [db["name"] for db in result["databases"]] == ["AlteryxService", "AlteryxGallery"]
    assert result["documents"] == 4 * (3 + 4)


def test_scram_sha1_only_server():
    with MongoTestServer({USER: PASSWORD}, mechanisms=(SCRAM_SHA_1,)) as srv:
        seed(srv.uri_without_password, {"AlteryxService": {"AS_Queue": [{"_id": 1}]}}, username=USER,
             password=PASSWORD)
        result = check_mongodb(conn_for(srv, username=USER), PASSWORD)
    assert as_counts(result) == {"AlteryxService": {"AS_Queue": 1}}


def test_wrong_password(server: MongoTestServer):
    error = failure(conn_for(server, username=USER), password="wrong-canary-pw")  # "canary" must not show up either
    assert "refused the login of user 'alteryx'" in error.msg and "authentication database 'admin'" in error.msg
    assert "alteryx_backup_mongodb_password" in error.msg and "alteryx_backup_mongodb_auth_database" in error.msg
    assert set(error.result) == PARTIAL_KEYS
    assert error.result["reachable"] is True and error.result["authenticated"] is False


def test_wrong_auth_database_and_unknown_user(server: MongoTestServer):
    assert "authentication database 'AlteryxGallery'" in failure(
        conn_for(server, username=USER, auth_database="AlteryxGallery")).msg
    assert "user 'nobody'" in failure(conn_for(server, username="nobody")).msg


def test_no_user_on_a_server_that_requires_one(server: MongoTestServer):
    error = failure(conn_for(server), password="")
    assert "requires authentication and no user is set" in error.msg
    assert error.result["reachable"] is True and error.result["authenticated"] is False


def test_user_without_password_is_a_settings_problem(server: MongoTestServer):
    error = failure(conn_for(server, username=USER), password="", failure_class="validation")
    assert "alteryx_backup_mongodb_password is empty" in error.msg


def test_missing_database_names_what_the_server_has(server: MongoTestServer):
    error = failure(conn_for(server, username=USER, database="AlteryxGallery,Galery"))
    assert "has no database Galery (it has: AlteryxGallery, AlteryxGallery_Lucene, AlteryxService)" in error.msg
    assert "alteryx_backup_mongodb_database" in error.msg and error.result["databases"] == []


def test_unreachable_port_fails_within_the_timeout():
    began = time.monotonic()
    error = failure(conn_for(None, port=free_closed_port(), username=USER), timeout=1)
    assert time.monotonic() - began < 5
    assert "is not reachable from the Ansible controller within 1 s" in error.msg
    assert "Connection refused" in error.msg and "firewall" in error.msg and "tls=true" in error.msg
    assert "Topology Description" not in error.msg
    assert error.result["reachable"] is False


def test_empty_server_has_nothing_to_back_up():
    with MongoTestServer({USER: PASSWORD}) as srv:
        error = failure(conn_for(srv, username=USER))
    assert "has no database to back up" in error.msg


def test_server_without_alteryx_databases_warns():
    with MongoTestServer() as srv:  # no users: no authentication, like a mongod without --auth
        seed(srv.uri_without_password, {"crm": {"people": [{"_id": 1}, {"_id": 2}]}})
        result = check_mongodb(conn_for(srv), "")
    assert result["authenticated"] is False and result["documents"] == 2
    assert result["warnings"] == [f"MongoDB at mongodb://127.0.0.1:{srv.port}/ has none of the Alteryx databases "
                                  "(AlteryxGallery, AlteryxService, AlteryxGallery_Lucene); it has: crm"]


@pytest.mark.parametrize(("denied", "words"), [
    ("listDatabases", "may not list databases"),
    ("listCollections", "may not list or count the collections of AlteryxGallery"),
    ("count", "may not list or count the collections of AlteryxGallery"),
    ("ping", "refused ping: not authorized on admin"),
])
def test_missing_privileges(denied: str, words: str):
    with MongoTestServer({USER: PASSWORD}, deny=(denied,)) as srv:
        seed(srv.uri_without_password, alteryx_dataset(1), username=USER, password=PASSWORD)
        error = failure(conn_for(srv, username=USER))
    assert words in error.msg


def test_server_version_is_optional():
    with MongoTestServer({USER: PASSWORD}, deny=("buildinfo", "buildInfo")) as srv:
        seed(srv.uri_without_password, alteryx_dataset(1), username=USER, password=PASSWORD)
        assert check_mongodb(conn_for(srv, username=USER), PASSWORD)["server_version"] == ""


def test_unusable_option_in_the_connection_string():
    conn = resolve_connection({}, {"connection_string": "mongodb://127.0.0.1:1,127.0.0.1:2/?directConnection=true",
                                   "username": USER})
    error = failure(conn)
    assert ("connection settings for mongodb://alteryx@127.0.0.1:1,127.0.0.1:2/?directConnection=true&authSource=admin"
            " are not usable: Cannot specify multiple hosts with directConnection=true") in error.msg


def test_pymongo_messages_are_scrubbed(monkeypatch: pytest.MonkeyPatch):
    from pymongo import errors

    def command(*_args, **_kwargs):
        raise errors.ConfigurationError(f"bad URI mongodb://alteryx:{PASSWORD}@db/ (password {PASSWORD})")

    fake = SimpleNamespace(admin=SimpleNamespace(command=command), close=lambda: None)
    monkeypatch.setattr(_mongo_check, "_client", lambda *_args: fake)
    error = failure(conn_for(None, port=27017, username=USER))
    assert "mongodb://alteryx:********@db/" in error.msg and "(password ********)" in error.msg


def test_without_pymongo(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "pymongo", None)
    error = failure(conn_for(None, port=27017, username=USER))
    assert "pymongo is not installed" in error.msg and "alteryx_backup_mongodb_check_from: host" in error.msg


def test_views_and_system_collections_are_not_counted():
    counted = []

    class Database:
        def list_collections(self):
            return [{"name": "b", "type": "collection"}, {"name": "a"}, {"name": "v", "type": "view"},
                    {"name": "system.js", "type": "collection"}]

        def __getitem__(self, name):
            counted.append(name)
            return SimpleNamespace(estimated_document_count=lambda: 3)

    client = {"db": Database()}
    assert _mongo_check._collections(client, {}, "db", "") == [{"name": "a", "documents": 3},
                                                               {"name": "b", "documents": 3}]
    assert counted == ["a", "b"]
