"""resolve_connection: where the self-managed MongoDB is, never with a password in what it returns."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import resolve_connection, scrub

KEYS = {"uri", "display", "username", "auth_database", "databases", "host", "port", "hosts", "source"}
FACTS = {"server": "mongo-rt.example.com:27019", "database": "AlteryxService", "user": "svc_alteryx"}

host_names = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,2}", fullmatch=True)
ports = st.integers(1, 65535)
users = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda u: u.strip() == u)
passwords = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=4, max_size=30).filter(
    lambda p: p.strip() == p and "%" not in p)


def refused(facts: dict, settings_: dict) -> AlteryxStepError:
    with pytest.raises(AlteryxStepError) as caught:
        resolve_connection(facts, settings_)
    assert caught.value.failure_class == "validation"
    return caught.value


# --- discrete settings and the RuntimeSettings fallback ---------------------------------------------------

def test_discrete_settings():
    conn = resolve_connection(FACTS, {"host": "db1", "port": 27020, "username": "backup", "auth_database": "ops",
                                      "database": "AlteryxGallery"})
    assert set(conn) == KEYS
    assert conn == {"uri": "mongodb://db1:27020/?authSource=ops", "display": "mongodb://backup@db1:27020/?authSource=ops",
                    "username": "backup", "auth_database": "ops", "databases": ["AlteryxGallery"], "host": "db1",
                    "port": 27020, "hosts": ["db1:27020"], "source": "settings"}


def test_runtime_settings_fallback_for_host_and_user():
    conn = resolve_connection(FACTS, {"host": "", "username": "", "port": 27017})
    assert conn["host"] == "mongo-rt.example.com" and conn["port"] == 27019 and conn["source"] == "runtime_settings"
    assert conn["username"] == "svc_alteryx" and conn["uri"] == "mongodb://mongo-rt.example.com:27019/?authSource=admin"
    # The database of RuntimeSettings is AlteryxService's only; an empty setting means every database.
    assert conn["databases"] == []


def test_runtime_settings_server_without_port_takes_the_port_setting():
    conn = resolve_connection({"server": "rt1,rt2:27018"}, {"port": "27030"})
    assert conn["hosts"] == ["rt1:27030", "rt2:27018"] and conn["username"] == ""
    assert conn["uri"] == "mongodb://rt1:27030,rt2:27018/"  # no user, no authSource


def test_role_variable_names_are_accepted():
    conn = resolve_connection({}, {"alteryx_backup_mongodb_host": "db9", "alteryx_backup_mongodb_port": 1234,
                                   "alteryx_backup_mongodb_username": "u", "alteryx_backup_mongodb_database": "A,B,A"})
    assert conn["hosts"] == ["db9:1234"] and conn["username"] == "u" and conn["databases"] == ["A", "B"]


def test_database_list():
    assert resolve_connection({}, {"host": "h", "database": ["X", " Y "]})["databases"] == ["X", "Y"]


def test_ipv6_host():
    conn = resolve_connection({}, {"host": "[::1]:27100"})
    assert conn["host"] == "[::1]" and conn["port"] == 27100 and conn["uri"] == "mongodb://[::1]:27100/"
    assert resolve_connection({}, {"host": "[fe80::1]"})["hosts"] == ["[fe80::1]:27017"]


def test_no_host_anywhere():
    error = refused({"server": ""}, {"host": ""})
    assert "alteryx_backup_mongodb_host" in error.msg and "MongoDBServerName" in error.msg


@pytest.mark.parametrize(("settings_", "named"), [
    ({"host": "db1", "port": 0}, "alteryx_backup_mongodb_port"),
    ({"host": "db1", "port": "70000"}, "alteryx_backup_mongodb_port"),
    ({"host": "db1", "port": "x"}, "alteryx_backup_mongodb_port"),
    ({"host": "db1:0"}, "alteryx_backup_mongodb_host"),
    ({"host": "db 1"}, "alteryx_backup_mongodb_host"),
    ({"host": "db1/x"}, "alteryx_backup_mongodb_host"),
    ({"host": "[::1"}, "alteryx_backup_mongodb_host"),
    ({"host": "[::1]x"}, "alteryx_backup_mongodb_host"),
    ({"host": " , "}, "alteryx_backup_mongodb_host"),
    ({"host": "db1", "database": "Alteryx.Gallery"}, "alteryx_backup_mongodb_database"),
])
def test_bad_discrete_settings(settings_: dict, named: str):
    assert refused({}, settings_).msg.startswith(named)


def test_bad_runtime_settings_server_is_named():
    assert "Controller/MongoDBServerName" in refused({"server": "a b"}, {}).msg


# --- connection strings -----------------------------------------------------------------------------------

def test_connection_string_wins_and_keeps_its_options():
    conn = resolve_connection(FACTS, {
        "connection_string": "mongodb://alteryx@h1:1,h2/AlteryxGallery?replicaSet=rs0&authSource=users&tls=true",
        "host": "ignored", "port": 5, "auth_database": "admin"})
    assert conn == {"uri": "mongodb://h1:1,h2:27017/?replicaSet=rs0&tls=true&authSource=users",
                    "display": "mongodb://alteryx@h1:1,h2:27017/?replicaSet=rs0&tls=true&authSource=users",
                    "username": "alteryx", "auth_database": "users", "databases": ["AlteryxGallery"], "host": "h1",
                    "port": 1, "hosts": ["h1:1", "h2:27017"], "source": "connection_string"}


def test_connection_string_without_user_falls_back_to_settings_then_runtime_settings():
    assert resolve_connection(FACTS, {"connection_string": "mongodb://h", "username": "u"})["username"] == "u"
    conn = resolve_connection(FACTS, {"connection_string": "mongodb://h?w=1"})
    assert conn["username"] == "svc_alteryx" and conn["uri"] == "mongodb://h:27017/?w=1&authSource=admin"


def test_srv_uri():
    conn = resolve_connection({}, {"connection_string": "MONGODB+SRV://cluster0.example.net/?tls=true"})
    assert conn["uri"] == "mongodb+srv://cluster0.example.net/?tls=true" and conn["hosts"] == ["cluster0.example.net"]


def test_percent_encoded_user():
    conn = resolve_connection({}, {"connection_string": "mongodb://dom%5Cuser%40x@h/"})
    assert conn["username"] == "dom\\user@x" and conn["display"].startswith("mongodb://dom%5Cuser%40x@h:27017/")


@pytest.mark.parametrize(("uri", "words"), [
    ("mongodb://u:secret@h/", "holds a password"),
    ("mongodb://u:@h/", "holds a password"),
    ("mongodb://:secret@h/", "holds a password"),
    ("mongodb://h/?tlsCertificateKeyFilePassword=secret", "carries a secret"),
    ("mongodb://h/?authMechanismProperties=AWS_SESSION_TOKEN:secret", "carries a secret"),
    ("http://h/", "must start with mongodb://"),
    ("h:27017", "must start with mongodb://"),
    ("mongodb+srv://a,b/", "exactly one host and no port"),
    ("mongodb+srv://a:27017/", "exactly one host and no port"),
    ("mongodb:///", "no host given"),
])
def test_refused_connection_strings_never_quote_the_secret(uri: str, words: str):
    error = refused({}, {"connection_string": uri})
    assert words in error.msg and "secret" not in error.msg.replace("carries a secret", "")
    assert "alteryx_backup_mongodb_connection_string" in error.msg


def test_conflicting_user_and_database():
    assert "set only one" in refused({}, {"connection_string": "mongodb://a@h/", "username": "b"}).msg
    assert "set only one" in refused({}, {"connection_string": "mongodb://h/X", "database": "Y"}).msg
    # The same value twice is no conflict.
    assert resolve_connection({}, {"connection_string": "mongodb://a@h/X", "username": "a", "database": "X"})


# --- properties -----------------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(host=host_names, port=ports, user=users, password=passwords, database=st.sampled_from(["", "AlteryxGallery"]))
def test_a_uri_with_a_password_is_always_refused(host, port, user, password, database):
    uri = f"mongodb://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{database}"
    with pytest.raises(AlteryxStepError) as caught:
        resolve_connection({}, {"connection_string": uri})
    assert caught.value.failure_class == "validation"
    assert password not in caught.value.msg and quote(password, safe="") not in caught.value.msg


@settings(max_examples=200, deadline=None)
@given(host=host_names, port=ports, user=users, use_uri=st.booleans(), from_facts=st.booleans())
def test_returned_uris_never_carry_a_password(host, port, user, use_uri, from_facts):
    # The password is never an input; what must hold is that no returned URI has a password field at all:
    # ``uri`` has no user information, ``display`` only the encoded user name (no ``:`` before the ``@``).
    facts = {"server": f"{host}:{port}", "user": user} if from_facts else {}
    if use_uri:
        settings_ = {"connection_string": f"mongodb://{quote(user, safe='')}@{host}:{port}/"}
    else:
        settings_ = {"host": "" if from_facts else host, "port": port, "username": "" if from_facts else user}
    conn = resolve_connection(facts, settings_)
    assert conn["username"] == user and conn["hosts"] == [f"{host}:{port}"] and conn["port"] == port
    assert "@" not in conn["uri"].split("/", 3)[2]
    userinfo, _at, hosts = conn["display"].split("/", 3)[2].rpartition("@")
    assert userinfo == quote(user, safe="") and ":" not in userinfo and hosts == f"{host}:{port}"


@settings(max_examples=100, deadline=None)
@given(host=host_names, port=ports, options=st.lists(st.sampled_from(["replicaSet=rs0", "tls=true", "w=majority",
                                                                        "readPreference=secondary"]), unique=True))
def test_uri_and_discrete_settings_agree(host, port, options):
    query = "&".join(options)
    from_uri = resolve_connection({}, {"connection_string": f"mongodb://{host}:{port}/?{query}", "username": "u"})
    discrete = resolve_connection({}, {"host": host, "port": port, "username": "u"})
    for key in ("username", "auth_database", "databases", "host", "port", "hosts"):
        assert from_uri[key] == discrete[key]
    assert from_uri["uri"] == f"mongodb://{host}:{port}/?" + (f"{query}&" if query else "") + "authSource=admin"


# --- scrub ------------------------------------------------------------------------------------------------------

def test_scrub_removes_uri_passwords_and_given_secrets():
    text = "failed: mongodb://u:hunter2@h:1/ and mongodb+srv://x:y@c/ said p@ss w/rd and p%40ss%20w%2Frd"
    out = scrub(text, ["p@ss w/rd"])
    assert "hunter2" not in out and ":y@" not in out and "p@ss w/rd" not in out and "p%40ss%20w%2Frd" not in out
    assert "mongodb://u:********@h:1/" in out and "mongodb://alteryx@h" in scrub("mongodb://alteryx@h")
    assert scrub("nothing here", ["", "zzz"]) == "nothing here"


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=20), password=passwords, suffix=st.text(max_size=20))
def test_scrub_never_leaves_the_secret(prefix, password, suffix):
    assert password not in scrub(prefix + password + suffix + quote(password, safe=""), [password])
