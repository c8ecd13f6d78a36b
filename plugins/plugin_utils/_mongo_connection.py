# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a self-managed MongoDB is and how to log in to it, from the role's settings and the node's facts.

Pure logic, no pymongo. The password is never an input here: it travels separately to the one call that
needs it, so no URI built here can carry it. A connection string that holds one is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

DEFAULT_PORT = 27017
DEFAULT_AUTH_DATABASE = "admin"
PASSWORD_VARIABLE = "alteryx_backup_mongodb_password"
_PREFIX = "alteryx_backup_mongodb_"
_SCHEMES = ("mongodb://", "mongodb+srv://")
# URI options that carry a secret of their own; they must come through a no_log variable instead.
_SECRET_OPTION = re.compile(r"password|secret|token", re.IGNORECASE)
_HOST_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
# The password of user:password@ in anything that looks like a MongoDB URI (used to scrub foreign messages).
_USERINFO = re.compile(r"(mongodb(?:\+srv)?://[^/?#\s:@]*):[^/?#\s@]*@", re.IGNORECASE)


def _fail(msg: str) -> AlteryxStepError:
    return AlteryxStepError(msg, "validation")


def _setting(settings: Mapping[str, Any], name: str) -> Any:
    """A setting by its short name (``host``) or the role variable's name (``alteryx_backup_mongodb_host``)."""
    value = settings.get(name)
    if value is None:
        value = settings.get(_PREFIX + name)
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _port(value: Any, where: str) -> int:
    text = _text(value)
    if not text:
        return DEFAULT_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise _fail(f"{where}: {text!r} is not a TCP port (1-65535)")
    return int(text)


def _split_host(item: str, default_port: int, where: str) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` -> (host, port); the host as a URI writes it."""
    item = item.strip()
    if item.startswith("["):
        end = item.find("]")
        if end < 0:
            raise _fail(f"{where}: {item!r} opens an IPv6 address with '[' but never closes it")
        host, rest = item[: end + 1], item[end + 1:]
        if rest and not rest.startswith(":"):
            raise _fail(f"{where}: {item!r} is not host[:port]")
        port = _port(rest[1:], where) if rest else default_port
        return host, port
    host, _sep, port_text = item.partition(":")
    if not host or not _HOST_NAME.match(host):
        raise _fail(f"{where}: {item!r} is not a host name, IPv4 address or [IPv6] address with an optional :port")
    return host, _port(port_text, where) if port_text else default_port


def _hosts(text: str, default_port: int, where: str) -> list[tuple[str, int]]:
    items = [i for i in text.split(",") if i.strip()]
    if not items:
        raise _fail(f"{where}: no host given")
    return [_split_host(i, default_port, where) for i in items]


def _databases(value: Any) -> list[str]:
    """'' -> [], 'A' -> ['A'], 'A,B' or ['A', 'B'] -> ['A', 'B'] (order kept, duplicates dropped)."""
    items = value if isinstance(value, (list, tuple)) else _text(value).split(",")
    names: list[str] = []
    for item in items:
        name = _text(item)
        if not name:
            continue
        if re.search(r'[/\\. "$*<>:|?\x00]', name):
            raise _fail(f"alteryx_backup_mongodb_database: {name!r} is not a MongoDB database name")
        if name not in names:
            names.append(name)
    return names


def _parse_uri(uri: str) -> dict[str, Any]:
    """Split a connection string; refuse any secret in it. Error messages never quote the string itself."""
    where = "alteryx_backup_mongodb_connection_string"
    scheme = next((s for s in _SCHEMES if uri.lower().startswith(s)), None)
    if scheme is None:
        raise _fail(f"{where}: must start with mongodb:// or mongodb+srv://")
    rest = uri[len(scheme):]
    authority, _slash, tail = rest.partition("/")
    if "?" in authority:  # mongodb://host?opt=1 without the slash
        authority, _q, query = authority.partition("?")
        path = ""
    else:
        path, _q, query = tail.partition("?")
    userinfo, at, hostlist = authority.rpartition("@")
    if not at:
        userinfo, hostlist = "", authority
    if ":" in userinfo:
        raise _fail(f"{where}: holds a password (user:password@); give the connection string without it and set "
                    f"the password in {PASSWORD_VARIABLE} (Ansible Vault or an AWX credential)")
    options: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if _SECRET_OPTION.search(key) or "AWS_SESSION_TOKEN" in value.upper():
            raise _fail(f"{where}: option {key} carries a secret; remove it from the connection string")
        options.append((key, value))
    srv = scheme == "mongodb+srv://"
    hosts = _hosts(hostlist, DEFAULT_PORT, where)
    if srv and (len(hosts) != 1 or ":" in hostlist.rsplit("]", 1)[-1]):
        raise _fail(f"{where}: a mongodb+srv:// URI names exactly one host and no port")
    return {"scheme": scheme, "username": unquote(userinfo), "hosts": hosts, "database": unquote(path),
            "options": options, "srv": srv}


def _join_hosts(hosts: list[tuple[str, int]], srv: bool) -> str:
    return ",".join(h if srv else f"{h}:{p}" for h, p in hosts)


def _build(scheme: str, hosts: str, options: list[tuple[str, str]], username: str) -> str:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe=',:')}" for k, v in options)
    user = f"{quote(username, safe='')}@" if username else ""
    return f"{scheme}{user}{hosts}/" + (f"?{query}" if query else "")


def resolve_connection(facts_mongodb: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve the MongoDB to back up. Raises AlteryxStepError(validation) on a bad or secret-bearing setting.

    ``facts_mongodb`` is ``alteryx_server.mongodb`` (``server``, ``database``, ``user`` from RuntimeSettings).
    ``settings`` holds ``connection_string``, ``host``, ``port``, ``database``, ``auth_database``, ``username``
    (short names or the role variables' ``alteryx_backup_mongodb_*`` names). A connection string wins over
    host/port; an empty host or username falls back to RuntimeSettings' MongoDBServerName / MongoDBUserName.

    Returns a dict with keys:
        uri: ``mongodb://hosts/?options`` without user or password; ``authSource`` in it when a user is set.
        display: the same with the user name, safe to print.
        username: the user to log in as ("" = no authentication).
        auth_database: the authentication database.
        databases: databases to back up ([] = every non-system database).
        host: the first host (as a URI writes it, ``[v6]`` in brackets); port: its port (int).
        hosts: every ``host:port`` (the SRV name alone for mongodb+srv).
        source: "connection_string", "settings" or "runtime_settings" - where the hosts came from.
    """
    connection_string = _text(_setting(settings, "connection_string"))
    username = _text(_setting(settings, "username"))
    auth_database = _text(_setting(settings, "auth_database")) or DEFAULT_AUTH_DATABASE
    databases = _databases(_setting(settings, "database"))
    options: list[tuple[str, str]] = []
    srv = False
    scheme = "mongodb://"
    if connection_string:
        parsed = _parse_uri(connection_string)
        scheme, hosts, srv, source = parsed["scheme"], parsed["hosts"], parsed["srv"], "connection_string"
        if parsed["username"]:
            if username and username != parsed["username"]:
                raise _fail(f"alteryx_backup_mongodb_connection_string names the user {parsed['username']!r} but "
                            f"alteryx_backup_mongodb_username is {username!r}; set only one of them")
            username = parsed["username"]
        if parsed["database"]:
            if databases and databases != [parsed["database"]]:
                raise _fail(f"alteryx_backup_mongodb_connection_string names the database {parsed['database']!r} "
                            f"but alteryx_backup_mongodb_database is {', '.join(databases)!r}; set only one of them")
            databases = [parsed["database"]]
        for key, value in parsed["options"]:
            if key.lower() == "authsource":
                auth_database = value or auth_database
            else:
                options.append((key, value))
    else:
        port = _port(_setting(settings, "port"), "alteryx_backup_mongodb_port")
        host = _text(_setting(settings, "host"))
        if host:
            hosts, source = _hosts(host, port, "alteryx_backup_mongodb_host"), "settings"
        else:
            server = _text(facts_mongodb.get("server"))
            if not server:
                raise _fail("no MongoDB server to check: set alteryx_backup_mongodb_host or "
                            "alteryx_backup_mongodb_connection_string (RuntimeSettings.xml has no "
                            "Controller/MongoDBServerName)")
            hosts, source = _hosts(server, port, "RuntimeSettings.xml Controller/MongoDBServerName"), "runtime_settings"
    username = username or _text(facts_mongodb.get("user"))
    if username:
        options.append(("authSource", auth_database))
    host_text = _join_hosts(hosts, srv)
    return {
        "uri": _build(scheme, host_text, options, ""),
        "display": _build(scheme, host_text, options, username),
        "username": username,
        "auth_database": auth_database,
        "databases": databases,
        "host": hosts[0][0],
        "port": hosts[0][1],
        "hosts": [h if srv else f"{h}:{p}" for h, p in hosts],
        "source": source,
    }


def scrub(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with every secret (plain or percent-encoded) and the password of every URI ``user:password@``
    replaced by ``********``.

    For messages from pymongo or a tool, which may quote the URI they were given.
    """
    out = str(text)
    # Known secrets first: the URI pattern stops at the first '@' or '/', which may lie inside a raw password.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        for form in sorted({secret, quote(secret, safe=""), quote(secret)}, key=len, reverse=True):
            out = out.replace(form, "********")
    return _USERINFO.sub(r"\1:********@", out)
