# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_mongodump: mongodump of a self-managed MongoDB as one detached host job."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.action.alteryx_emongodump import DumpWindowAction
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import LABELS, WINDOW_SPEC
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_check import check_mongodb
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import resolve_connection, scrub

DEFAULT_MONGODUMP = "C:\\Program Files\\MongoDB\\Tools\\100\\bin\\mongodump.exe"


class ActionModule(DumpWindowAction):
    METHOD = "mongodump"
    LABEL = LABELS[METHOD]
    ARGUMENT_SPEC = {
        **WINDOW_SPEC,
        "mongodump_path": {"type": "str", "default": DEFAULT_MONGODUMP},
        # The spec's StopServiceForExternalDB: a self-managed database is dumped while Alteryx keeps running.
        "stop_service": {"type": "bool", "default": False},
        "login_check": {"type": "str", "default": "controller", "choices": ["controller", "none"]},
        "connection_string": {"type": "str", "default": ""},
        "host": {"type": "str", "default": ""},
        "port": {"type": "int", "default": 27017},
        "database": {"type": "list", "elements": "str", "default": []},
        "auth_database": {"type": "str", "default": "admin"},
        "username": {"type": "str", "default": ""},
        "password": {"type": "str", "default": "", "no_log": True},
        "gzip": {"type": "bool", "default": True},
        "oplog": {"type": "bool", "default": False},
        "facts": {"type": "dict", "default": {}},
    }

    def method_parameters(self, args, task_vars):
        connection = resolve_connection(args["facts"].get("mongodb") or {}, {
            "connection_string": args["connection_string"], "host": args["host"], "port": args["port"],
            "database": args["database"], "auth_database": args["auth_database"], "username": args["username"]})
        if any(c in args["password"] for c in "\r\n\0"):
            raise AlteryxStepError("password: a line break or NUL cannot be passed to mongodump", "validation")
        if args["oplog"] and connection["databases"]:
            raise AlteryxStepError(
                f"oplog: mongodump --oplog only works on a full dump, but database names "
                f"{', '.join(connection['databases'])}; leave database empty or set oplog to false", "validation")
        self._display = connection["display"]
        self._secret = args["password"]
        if args["stop_service"] and args["login_check"] == "controller" and not self._task.check_mode:
            self._check_login(connection, args["password"])
        return {"MongodumpPath": args["mongodump_path"], "Uri": connection["uri"], "Username": connection["username"],
                "AuthDatabase": connection["auth_database"], "Databases": connection["databases"],
                "Password": args["password"], "Gzip": args["gzip"], "Oplog": args["oplog"]}

    def _check_login(self, connection, password):
        # A wrong password must fail before the service stops, not while the cluster is down (check_mongodb's
        # messages say what to fix and never hold the password).
        try:
            check_mongodb(connection, password)
        except AlteryxStepError as exc:
            raise AlteryxStepError(f"{exc.msg.rstrip('.')}. The service was not stopped (login_check: controller; set "
                                   "login_check: none when the controller cannot reach the database).",
                                   exc.failure_class) from None

    def describe(self, args, parameters):
        what = ", ".join(parameters["Databases"]) or "every database"
        return f"run mongodump of {what} from {self._display} into {args['dump_path']}"

    def scrub(self, text):
        return scrub(text, [getattr(self, "_secret", "")])
