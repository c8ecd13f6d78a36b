# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a self-managed MongoDB from the Ansible controller with pymongo, before anything is stopped.

pymongo is imported inside ``check_mongodb`` so importing this module never needs it (``ansible-test``
import sanity, nodes that check from the host). Every message that quotes pymongo goes through ``scrub``:
pymongo may repeat the URI or options it was given.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import PASSWORD_VARIABLE, scrub

SYSTEM_DATABASES = ("admin", "local", "config")
ALTERYX_DATABASES = ("AlteryxGallery", "AlteryxService", "AlteryxGallery_Lucene")
_AUTH_FAILED = 18
_UNAUTHORIZED = 13
_DETAIL_LIMIT = 300


def _detail(exc: BaseException, password: str) -> str:
    """pymongo's message, scrubbed and without the long topology dump of a selection timeout."""
    text = scrub(str(exc), [password])
    for cut in (", Timeout:", " (configured timeouts", ", full error:"):
        text = text.split(cut, 1)[0]
    return text[:_DETAIL_LIMIT].strip()


def _empty(conn: dict[str, Any]) -> dict[str, Any]:
    return {"server": conn["display"], "reachable": False, "authenticated": False, "server_version": "",
            "databases": [], "documents": 0}


def _client(conn: dict[str, Any], password: str, timeout_ms: int) -> Any:
    try:
        from pymongo import MongoClient
    except ImportError as exc:
        raise AlteryxStepError(
            "pymongo is not installed for the Python that runs Ansible on the controller: install it "
            "(pip install pymongo) or check from the node with alteryx_backup_mongodb_check_from: host",
            "mongodb") from exc
    credentials: dict[str, Any] = {}
    if conn["username"]:
        credentials = {"username": conn["username"], "password": password, "authSource": conn["auth_database"]}
    from pymongo import errors

    try:
        return MongoClient(conn["uri"], serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms,
                           socketTimeoutMS=timeout_ms * 6, appname="alteryx.server", connect=False, **credentials)
    except (errors.PyMongoError, ValueError, TypeError) as exc:  # SRV lookup, bad options
        raise _settings_problem(conn, exc, password) from None


def _settings_problem(conn: dict[str, Any], exc: BaseException, password: str) -> AlteryxStepError:
    return AlteryxStepError(
        f"MongoDB connection settings for {conn['display']} are not usable: {_detail(exc, password)}; check "
        "alteryx_backup_mongodb_connection_string (its options, or the DNS SRV record of a mongodb+srv:// URI)",
        "mongodb", _empty(conn))


def _login_problem(conn: dict[str, Any]) -> str:
    return (f"MongoDB at {conn['display']} refused the login of user {conn['username']!r} (authentication database "
            f"{conn['auth_database']!r}): check alteryx_backup_mongodb_username, alteryx_backup_mongodb_auth_database "
            f"(the database the user was created in) and the password in {PASSWORD_VARIABLE}")


def _connect(client: Any, conn: dict[str, Any], password: str, timeout_ms: int, result: dict[str, Any]) -> None:
    """Ping (which logs in first when a user is set); fills ``reachable``/``authenticated``/``server_version``."""
    from pymongo import errors

    try:
        client.admin.command("ping")
    except errors.OperationFailure as exc:
        result["reachable"] = True
        if exc.code == _AUTH_FAILED or "authentication failed" in str(exc).lower():
            raise AlteryxStepError(_login_problem(conn), "mongodb", result) from None
        raise AlteryxStepError(f"MongoDB at {conn['display']} refused ping: {_detail(exc, password)}", "mongodb",
                               result) from None
    except errors.ConfigurationError as exc:
        raise _settings_problem(conn, exc, password) from None
    except errors.PyMongoError as exc:
        raise AlteryxStepError(
            f"MongoDB at {conn['display']} is not reachable from the Ansible controller within "
            f"{timeout_ms / 1000:g} s ({_detail(exc, password)}): check alteryx_backup_mongodb_host and "
            "alteryx_backup_mongodb_port (or the connection string), that no firewall blocks the controller, and "
            "TLS (add tls=true to the connection string when the server requires it); or check from the node with "
            "alteryx_backup_mongodb_check_from: host", "mongodb", result) from None
    result["reachable"] = True
    result["authenticated"] = bool(conn["username"])
    try:
        result["server_version"] = str(client.server_info().get("version", ""))
    except errors.PyMongoError:
        result["server_version"] = ""  # buildInfo may be disallowed; the version is informative only


def _listing_problem(conn: dict[str, Any], what: str, exc: Any, password: str) -> AlteryxStepError:
    if getattr(exc, "code", None) == _UNAUTHORIZED:
        if not conn["username"]:
            return AlteryxStepError(
                f"MongoDB at {conn['display']} requires authentication and no user is set: set "
                f"alteryx_backup_mongodb_username (or Controller/MongoDBUserName in RuntimeSettings.xml) and "
                f"{PASSWORD_VARIABLE}", "mongodb")
        return AlteryxStepError(
            f"MongoDB user {conn['username']!r} may not {what} on {conn['display']}: give it the backup role "
            "(or read on the Alteryx databases) in the authentication database", "mongodb")
    return AlteryxStepError(f"MongoDB at {conn['display']}: could not {what}: {_detail(exc, password)}", "mongodb")


def _databases_to_check(client: Any, conn: dict[str, Any], password: str) -> tuple[list[str], list[str]]:
    """(databases to back up, warnings); fails when a named database is missing or nothing is left."""
    from pymongo import errors

    try:
        present = sorted(info["name"] for info in client.list_databases(nameOnly=True, authorizedDatabases=True))
    except errors.PyMongoError as exc:
        raise _listing_problem(conn, "list databases", exc, password) from None
    candidates = [name for name in present if name not in SYSTEM_DATABASES]
    shown = ", ".join(candidates) or "none besides admin, local and config"
    if conn["databases"]:
        missing = [name for name in conn["databases"] if name not in present]
        if missing:
            raise AlteryxStepError(
                f"MongoDB at {conn['display']} has no database {', '.join(missing)} (it has: {shown}): check "
                "alteryx_backup_mongodb_database (or the /database of the connection string); leave it empty to "
                "back up every database", "mongodb")
        return list(conn["databases"]), []
    if not candidates:
        raise AlteryxStepError(
            f"MongoDB at {conn['display']} has no database to back up (none besides admin, local and config): "
            "wrong server, or the user cannot see the Alteryx databases", "mongodb")
    warnings = []
    if not set(candidates) & set(ALTERYX_DATABASES):
        warnings.append(f"MongoDB at {conn['display']} has none of the Alteryx databases "
                        f"({', '.join(ALTERYX_DATABASES)}); it has: {shown}")
    return candidates, warnings


def _collections(client: Any, conn: dict[str, Any], name: str, password: str) -> list[dict[str, Any]]:
    """Collections of one database with their document counts (the count command: collection metadata)."""
    from pymongo import errors

    database = client[name]
    try:
        # Views hold no documents of their own (mongodump writes only their definition); system.* are internal.
        names = sorted(info["name"] for info in database.list_collections()
                       if info.get("type", "collection") == "collection" and not info["name"].startswith("system."))
        return [{"name": coll, "documents": int(database[coll].estimated_document_count())} for coll in names]
    except errors.PyMongoError as exc:
        raise _listing_problem(conn, f"list or count the collections of {name}", exc, password) from None


def check_mongodb(conn: dict[str, Any], password: str, timeout: float = 10.0) -> dict[str, Any]:
    """Connect, log in, list the databases/collections to back up and count their documents.

    ``conn`` comes from ``_mongo_connection.resolve_connection``; ``password`` may be "" only when
    ``conn["username"]`` is "". Raises AlteryxStepError: ``validation`` for a user without a password,
    ``mongodb`` for everything the server answers (messages never contain the password) with the partial
    result.

    Returns a dict with keys:
        server: the URI checked, without password.
        reachable: bool. authenticated: bool (False when no user is configured).
        server_version: the server's version ("" when it does not say).
        databases: [{name, collections: [{name, documents}]}] in name order.
        documents: total number of documents.
        warnings: list of str.
    """
    if conn["username"] and not password:
        raise AlteryxStepError(f"MongoDB user {conn['username']!r} is set but {PASSWORD_VARIABLE} is empty: give the "
                               "password through Ansible Vault or an AWX credential", "validation")
    timeout_ms = max(1, int(timeout * 1000))
    result = _empty(conn)
    client = _client(conn, password, timeout_ms)
    try:
        _connect(client, conn, password, timeout_ms, result)
        try:
            names, warnings = _databases_to_check(client, conn, password)
            result["databases"] = [{"name": n, "collections": _collections(client, conn, n, password)} for n in names]
        except AlteryxStepError as exc:
            exc.result = dict(result)
            raise
        result["documents"] = sum(c["documents"] for db in result["databases"] for c in db["collections"])
        result["warnings"] = warnings
        return result
    finally:
        client.close()
