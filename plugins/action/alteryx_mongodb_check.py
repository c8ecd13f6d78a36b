# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_mongodb_check: reach and log in to a self-managed MongoDB before any stop.

From the controller (pymongo, no host call) it also lists what will be dumped and counts the documents; from
the node it can only tell whether the port answers. The password never reaches a URI, a message or the
result: every string of the result is scrubbed of it before it leaves this plugin.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_check import check_mongodb
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import resolve_connection, scrub
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry

_SETTINGS = ("connection_string", "host", "port", "database", "auth_database", "username")


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "connection_string": {"type": "str", "default": ""},
        "host": {"type": "str", "default": ""},
        "port": {"type": "int", "default": 27017},
        "database": {"type": "str", "default": ""},
        "auth_database": {"type": "str", "default": "admin"},
        "username": {"type": "str", "default": ""},
        "password": {"type": "str", "default": "", "no_log": True},
        "check_from": {"type": "str", "default": "controller", "choices": ["controller", "host"]},
        "timeout": {"type": "int", "default": 10},
        "mongodb_facts": {"type": "dict", "default": None},
    }

    def step(self, args, task_vars):
        password = str(args["password"] or "")
        try:
            return _scrubbed(self._check(args, task_vars, password), password)
        except AlteryxStepError as exc:
            exc.msg = scrub(exc.msg, [password])
            exc.result = _scrubbed({**exc.result, "check_from": args["check_from"]}, password)
            exc.result["log"] = [entry("ERROR", exc.msg)]
            raise

    def _check(self, args: dict[str, Any], task_vars: dict[str, Any], password: str) -> dict[str, Any]:
        if args["timeout"] < 1:
            raise AlteryxStepError(f"timeout must be at least 1 second, got {args['timeout']}", "validation")
        conn = resolve_connection(self._mongodb_facts(args, task_vars), {k: args[k] for k in _SETTINGS})
        if args["check_from"] == "host":
            result = self._check_from_host(conn, args["timeout"], task_vars)
        else:
            result = check_mongodb(conn, password, timeout=args["timeout"])
        warnings = result.pop("warnings", [])
        collections = sum(len(db["collections"]) for db in result["databases"])
        if args["check_from"] == "host":
            message = f"MongoDB port {result['tcp']['address']}:{result['tcp']['port']} answers from the node"
        else:
            login = f"user {conn['username']!r} logged in" if conn["username"] else "no authentication"
            message = (f"MongoDB {result['server_version'] or '(version unknown)'} at {conn['display']}: {login}; "
                       f"{len(result['databases'])} database(s), {collections} collection(s), "
                       f"{result['documents']} document(s)")
        log = [entry("INFO", message)] + [entry("WARNING", w) for w in warnings]
        return {"changed": False, **result, "check_from": args["check_from"], "msg": message, "warnings": warnings,
                "log": log}

    def _mongodb_facts(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """``mongodb_facts`` or the node's ``alteryx_server.mongodb`` gathered by alteryx_facts ({} if none)."""
        if args["mongodb_facts"] is not None:
            return args["mongodb_facts"]
        facts = task_vars.get("alteryx_server") or (task_vars.get("ansible_facts") or {}).get("alteryx_server")
        facts = self._templar.template(facts) if facts is not None else {}
        mongodb = facts.get("mongodb") if isinstance(facts, dict) else None
        return mongodb if isinstance(mongodb, dict) else {}

    def _check_from_host(self, conn: dict[str, Any], timeout: int, task_vars: dict[str, Any]) -> dict[str, Any]:
        """One TCP connect from the node per listed host, until one answers; no login is possible there."""
        if conn["uri"].startswith("mongodb+srv://"):
            raise AlteryxStepError("a mongodb+srv:// connection string names a DNS SRV record, not a host the node "
                                   "can try: check from the controller (check_from: controller)", "validation")
        node = task_vars.get("inventory_hostname", "the node")
        tried = []
        for item in conn["hosts"]:
            address, _sep, port = item.rpartition(":")
            raw = run_script(self, "alteryx_tcp_check", {"Address": address, "Port": int(port),
                                                         "TimeoutMs": timeout * 1000}, task_vars, step="TCP check")
            tcp = {"address": raw["address"], "port": raw["port"], "elapsed_ms": raw["elapsed_ms"]}
            if raw["reachable"]:
                return {"server": conn["display"], "reachable": True, "authenticated": False, "server_version": "",
                        "databases": [], "documents": 0, "tcp": tcp, "warnings": list(raw["_warnings"])}
            tried.append(f"{item} ({raw['error']})")
        raise AlteryxStepError(
            f"MongoDB at {conn['display']} is not reachable from {node}: {'; '.join(tried)}. Check "
            "alteryx_backup_mongodb_host and alteryx_backup_mongodb_port (or the connection string) and that no "
            "firewall blocks the node", "mongodb",
            {"server": conn["display"], "reachable": False, "authenticated": False, "server_version": "",
             "databases": [], "documents": 0})


def _scrubbed(value: Any, password: str) -> Any:
    """``value`` with the password (plain or URL-encoded) replaced in every string, however deep."""
    if not password:
        return value
    if isinstance(value, str):
        return scrub(value, [password])
    if isinstance(value, dict):
        return {k: _scrubbed(v, password) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, password) for v in value]
    return value
